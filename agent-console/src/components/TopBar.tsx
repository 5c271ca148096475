import { useStore } from '@nanostores/preact';
import { signOut } from '../client/client.js';
import { $me } from '../stores/agents.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { Logo } from './Logo.js';
import { StatusSelect } from './StatusSelect.js';

export function TopBar() {
  const me = useStore($me);
  return (
    <header class="topbar">
      <div class="brand">
        <Logo size={22} />
        <span>Switchboard</span>
      </div>
      <ConnectionIndicator />
      <div class="topbar-spacer" />
      {me && (
        <div class="me">
          <StatusSelect />
          <div class="me-name">
            <strong>{me.name}</strong>
            <span>{me.role === 'admin' ? 'Admin' : me.email}</span>
          </div>
          <button type="button" class="btn btn-ghost" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}
