import { useStore } from '@nanostores/preact';
import { useNow } from '../lib/useNow.js';
import { $connection, type ConnectionState } from '../stores/connection.js';

export function connectionLabel(state: ConnectionState, now: number): string {
  switch (state.phase) {
    case 'live':
      return 'Connected';
    case 'idle':
    case 'connecting':
      return 'Connecting…';
    case 'waiting': {
      const s = state.retryAt ? Math.max(0, Math.ceil((state.retryAt - now) / 1000)) : 0;
      const next = s > 0 ? `Reconnecting in ${s}s…` : 'Connecting…';
      return state.detail ? `${state.detail} ${next}` : next;
    }
    case 'offline':
      return 'Offline — waiting for network';
    case 'stopped':
      return state.detail ?? 'Disconnected';
  }
}

export function ConnectionIndicator() {
  const state = useStore($connection);
  const now = useNow(1000);
  return (
    <div class={`conn conn-${state.phase}`} role="status" title={state.detail ?? undefined}>
      <span class="conn-dot" aria-hidden="true" />
      {connectionLabel(state, now)}
    </div>
  );
}
