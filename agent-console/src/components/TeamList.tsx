import { useStore } from '@nanostores/preact';
import { $teammates } from '../stores/agents.js';
import { Avatar } from './Avatar.js';

const STATUS_TEXT = { online: 'Online', away: 'Away', offline: 'Offline' } as const;

/** Other agents of the site and their presence. */
export function TeamList() {
  const teammates = useStore($teammates);
  if (teammates.length === 0) return <p class="side-empty">No other agents yet.</p>;
  return (
    <ul class="team-list" aria-label="Team">
      {teammates.map((a) => (
        <li key={a.id} class="team-item">
          <Avatar name={a.name} seed={a.id} size={24} presence={a.status} />
          <span class="team-name">{a.name}</span>
          <span class={`team-status presence-text-${a.status}`}>{STATUS_TEXT[a.status]}</span>
        </li>
      ))}
    </ul>
  );
}
