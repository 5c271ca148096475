import { useStore } from '@nanostores/preact';
import type { ConversationSummary } from '@switchboard/protocol';
import { claim } from '../client/client.js';
import { formatAge, visitorName } from '../lib/format.js';
import { useNow } from '../lib/useNow.js';
import { $pendingCommands, isPending } from '../stores/commands.js';
import { Avatar } from './Avatar.js';

/** Waiting conversations, each with a Claim button. */
export function QueueList({ items }: { items: readonly ConversationSummary[] }) {
  const pending = useStore($pendingCommands);
  const now = useNow(30_000);
  return (
    <>
      <ul class="conv-list" aria-label="Queue">
        {items.map((c) => {
          const name = visitorName(c.visitor);
          const claiming = isPending(pending, c.id, 'claim');
          return (
            <li key={c.id} class="conv-item queue-item">
              <Avatar name={name} seed={c.visitor.id} anonymous={!c.visitor.name?.trim()} />
              <div class="conv-body">
                <div class="conv-top">
                  <span class="conv-name">{name}</span>
                  <span class="conv-age" title={new Date(c.createdAt).toLocaleString()}>
                    {formatAge(c.lastMessage?.at ?? c.createdAt, now)}
                  </span>
                </div>
                <div class="conv-preview">{c.lastMessage?.text ?? 'No messages yet'}</div>
                {c.department && <span class="tag">{c.department}</span>}
                {c.queueFront && (
                  <span class="tag" title="Transferred or put back: served before new arrivals">
                    Priority
                  </span>
                )}
              </div>
              <button
                type="button"
                class="btn btn-primary btn-sm"
                disabled={claiming}
                aria-busy={claiming}
                onClick={() => claim(c.id)}
              >
                Claim
              </button>
            </li>
          );
        })}
      </ul>
      {items.length === 0 && <p class="side-empty">No one is waiting.</p>}
    </>
  );
}
