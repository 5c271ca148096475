import { useStore } from '@nanostores/preact';
import { signOut } from '../client/client.js';
import { $me } from '../stores/agents.js';
import { $route, hrefOf, type Route } from '../stores/route.js';
import { $session } from '../stores/session.js';
import { $helpOpen } from '../stores/shortcuts.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { Logo } from './Logo.js';
import { SiteSwitch } from './SiteSwitch.js';
import { StatusSelect } from './StatusSelect.js';

export function TopBar() {
  const me = useStore($me);
  const isAdmin = useStore($session)?.agent.role === 'admin';
  return (
    <header class="topbar">
      <div class="brand">
        <Logo size={22} />
        <span>Switchboard</span>
      </div>
      <nav class="topnav" aria-label="Console">
        <NavLink to="conversations" label="Conversations" />
        {isAdmin && <NavLink to="reports" label="Reports" />}
        {isAdmin && <NavLink to="settings/site" label="Settings" section="settings" />}
        <NavLink to="profile" label="Profile" />
      </nav>
      <ConnectionIndicator />
      <div class="topbar-spacer" />
      <SiteSwitch />
      {me && (
        <div class="me">
          <StatusSelect />
          <div class="me-name">
            <strong>{me.name}</strong>
            <span>{me.role === 'admin' ? 'Admin' : me.email}</span>
          </div>
          <button
            type="button"
            class="btn btn-ghost btn-icon"
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
            onClick={() => $helpOpen.set(true)}
          >
            ?
          </button>
          <button type="button" class="btn btn-ghost" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}

/** A top-bar link; `section` marks it current for every page under it (Settings › …). */
function NavLink({ to, label, section }: { to: Route; label: string; section?: string }) {
  const route = useStore($route);
  const current = section ? route.startsWith(`${section}/`) : route === to;
  return (
    <a
      class={`topnav-link${current ? ' is-current' : ''}`}
      href={hrefOf(to)}
      aria-current={current ? 'page' : undefined}
    >
      {label}
    </a>
  );
}
