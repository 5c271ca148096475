import { useStore } from '@nanostores/preact';
import { useState } from 'preact/hooks';
import { switchSite } from '../client/account.js';
import { $session } from '../stores/session.js';

/** An agent in several sites: the `Site` combobox; choosing one signs in to it. */
export function SiteSwitch() {
  const session = useStore($session);
  const [busy, setBusy] = useState(false);
  if (!session || session.sites.length < 2) return null;
  return (
    <label class="site-switch">
      <span class="sr-only">Site</span>
      <select
        aria-label="Site"
        value={session.agent.siteId}
        disabled={busy}
        onChange={async (e) => {
          const select = e.currentTarget;
          setBusy(true);
          const ok = await switchSite(select.value);
          if (!ok) select.value = session.agent.siteId;
          setBusy(false);
        }}
      >
        {session.sites.map((s) => (
          <option key={s.id} value={s.id}>
            {s.role === 'admin' ? `${s.name} (admin)` : s.name}
          </option>
        ))}
      </select>
    </label>
  );
}
