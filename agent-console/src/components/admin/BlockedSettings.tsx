import { useStore } from '@nanostores/preact';
import type { ApiBlock } from '@switchboard/protocol';
import { useEffect, useState } from 'preact/hooks';
import { adminErrorText, blocksApi } from '../../client/admin-api.js';
import { $agents } from '../../stores/agents.js';
import { $session } from '../../stores/session.js';
import { FormError } from '../Field.js';

const when = (at: number) => new Date(at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** Settings › Blocked visitors (admins): who is blocked, by whom and why; Unblock lets them chat again. */
export function BlockedSettings() {
  const site = useStore($session)?.agent.siteId;
  const agents = useStore($agents);
  const [items, setItems] = useState<ApiBlock[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    if (site) blocksApi.list(site).then(setItems, (e: unknown) => setError(adminErrorText(e)));
  };
  useEffect(load, [site]);
  if (!site) return null;
  const who = (b: ApiBlock) =>
    b.visitor.name?.trim() || b.visitor.email || `Visitor ${b.visitorId.slice(0, 6)}`;
  return (
    <div class="settings">
      <header class="settings-head">
        <h1>Blocked visitors</h1>
        <p class="muted">
          Blocked visitors cannot chat with this site. Any agent can block someone from the visitor panel.
        </p>
      </header>
      <section class="card" aria-labelledby="blocked-title">
        <div class="card-head">
          <h2 id="blocked-title">Blocked</h2>
        </div>
        <div class="card-body stack">
          <FormError error={error} />
          {items === null ? (
            <p class="muted small">Loading…</p>
          ) : items.length === 0 ? (
            <p class="muted small">Nobody is blocked.</p>
          ) : (
            <ul class="key-list" aria-label="Blocked visitors">
              {items.map((b) => (
                <li key={b.visitorId}>
                  <div>
                    <strong>{who(b)}</strong>
                    <p class="muted small">
                      {when(b.createdAt)} by{' '}
                      {agents[b.by]?.name ?? (b.by.startsWith('api:') ? 'an API key' : b.by)}
                      {b.reason ? ` · ${b.reason}` : ''}
                    </p>
                  </div>
                  <span class="mono small">{b.visitorId}</span>
                  <button
                    type="button"
                    class="btn btn-secondary btn-sm"
                    aria-label={`Unblock ${who(b)}`}
                    onClick={() =>
                      blocksApi
                        .unblock(site, b.visitorId)
                        .then(load, (e: unknown) => setError(adminErrorText(e)))
                    }
                  >
                    Unblock
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
    </div>
  );
}
