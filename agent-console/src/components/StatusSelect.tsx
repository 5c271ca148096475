import { useStore } from '@nanostores/preact';
import type { AgentStatus } from '@switchboard/protocol';
import { setStatus } from '../client/client.js';
import { $me } from '../stores/agents.js';
import { $connection } from '../stores/connection.js';

const STATUSES: ReadonlyArray<{ value: AgentStatus; label: string }> = [
  { value: 'online', label: 'Online' },
  { value: 'away', label: 'Away' },
  { value: 'offline', label: 'Offline' },
];

/** The agent's own presence: the `Status` combobox. */
export function StatusSelect() {
  const me = useStore($me);
  const live = useStore($connection).phase === 'live';
  if (!me) return null;
  return (
    <label class={`status-select presence-${me.status}`}>
      <span class="presence-dot" aria-hidden="true" />
      <select
        aria-label="Status"
        value={me.status}
        disabled={!live}
        onChange={(e) => setStatus(e.currentTarget.value as AgentStatus)}
      >
        {STATUSES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
    </label>
  );
}
