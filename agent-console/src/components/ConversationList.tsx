import { useStore } from '@nanostores/preact';
import type { ConversationSummary } from '@switchboard/protocol';
import { openConversation } from '../client/client.js';
import { formatAge, visitorName } from '../lib/format.js';
import { useNow } from '../lib/useNow.js';
import { $activeId } from '../stores/active.js';
import { $unreadCounts } from '../stores/reads.js';
import { $visitorOnline } from '../stores/visitors.js';
import { Avatar } from './Avatar.js';

function previewOf(c: ConversationSummary, othersChat: boolean): string {
  const last = c.lastMessage;
  if (!last) return 'No messages yet';
  if (last.authorKind !== 'agent') return last.text;
  return othersChat ? `${c.agent?.name ?? 'Agent'}: ${last.text}` : `You: ${last.text}`;
}

/** Open conversations as rows; clicking one opens it. */
export function ConversationList({
  label,
  items,
  empty,
  showAgent = false,
}: {
  label: string;
  items: readonly ConversationSummary[];
  empty: string;
  showAgent?: boolean;
}) {
  const activeId = useStore($activeId);
  const unread = useStore($unreadCounts);
  const online = useStore($visitorOnline);
  const now = useNow(30_000);
  return (
    <>
      <ul class="conv-list" aria-label={label}>
        {items.map((c) => {
          const name = visitorName(c.visitor);
          const count = unread[c.id] ?? 0;
          const isUnread = count > 0;
          const visitorOnline = online[c.visitor.id];
          return (
            <li
              key={c.id}
              class={`conv-item ${c.id === activeId ? 'is-active' : ''} ${isUnread ? 'is-unread' : ''}`}
            >
              <button
                type="button"
                class="conv-open"
                aria-label={isUnread ? `${name}, ${count} unread` : name}
                aria-current={c.id === activeId ? 'true' : undefined}
                onClick={() => openConversation(c.id)}
              >
                <Avatar
                  name={name}
                  seed={c.visitor.id}
                  anonymous={!c.visitor.name?.trim()}
                  presence={visitorOnline === undefined ? undefined : visitorOnline ? 'online' : 'offline'}
                />
                <div class="conv-body">
                  <div class="conv-top">
                    <span class="conv-name">{name}</span>
                    <span class="conv-age">{formatAge(c.lastMessage?.at ?? c.updatedAt, now)}</span>
                  </div>
                  <div class="conv-preview">
                    {showAgent && c.agent && c.lastMessage?.authorKind !== 'agent'
                      ? `${c.agent.name} · `
                      : ''}
                    {previewOf(c, showAgent)}
                  </div>
                </div>
                {isUnread && (
                  <span class="unread-count" aria-hidden="true">
                    {count > 99 ? '99+' : count}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
      {items.length === 0 && empty && <p class="side-empty">{empty}</p>}
    </>
  );
}
