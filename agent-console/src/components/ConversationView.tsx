import { useStore } from '@nanostores/preact';
import type { ConversationSummary } from '@switchboard/protocol';
import { closeConversation } from '../client/client.js';
import { visitorName } from '../lib/format.js';
import { $activeId } from '../stores/active.js';
import { $pendingCommands, isPending } from '../stores/commands.js';
import { $session } from '../stores/session.js';
import { $transferFor } from '../stores/shortcuts.js';
import { Avatar } from './Avatar.js';
import { Composer } from './Composer.js';
import { Transcript } from './Transcript.js';
import { TransferDialog } from './TransferDialog.js';

function statusText(c: ConversationSummary, myId: string | undefined): string {
  if (c.status === 'closed') return 'Closed';
  if (c.status === 'queued') return c.department ? `Waiting in ${c.department}` : 'Waiting in queue';
  if (c.agent?.id === myId) return 'Assigned to you';
  return `Assigned to ${c.agent?.name ?? 'another agent'}`;
}

export function ConversationView({ conversation: c }: { conversation: ConversationSummary }) {
  const session = useStore($session);
  const pending = useStore($pendingCommands);
  const transferOpen = useStore($transferFor) === c.id;
  const name = visitorName(c.visitor);
  const me = session?.agent;
  const canAct = c.status === 'assigned' && (c.agent?.id === me?.id || me?.role === 'admin');
  const closing = isPending(pending, c.id, 'close');

  return (
    <section class="conversation" aria-label={`Conversation with ${name}`}>
      <header class="conv-header">
        <Avatar name={name} seed={c.visitor.id} anonymous={!c.visitor.name?.trim()} size={36} />
        <div class="conv-header-text">
          <h1>{name}</h1>
          <p>
            <span class={`pill pill-${c.status}`}>{statusText(c, me?.id)}</span>
            {c.department && <span class="tag">{c.department}</span>}
          </p>
        </div>
        {c.status === 'closed' && (
          <button type="button" class="btn btn-secondary" onClick={() => $activeId.set(null)}>
            Back to inbox
          </button>
        )}
        {canAct && (
          <div class="conv-actions">
            <button type="button" class="btn btn-secondary" onClick={() => $transferFor.set(c.id)}>
              Transfer
            </button>
            <button
              type="button"
              class="btn btn-danger-ghost"
              disabled={closing}
              aria-busy={closing}
              onClick={() => closeConversation(c.id)}
            >
              Close conversation
            </button>
          </div>
        )}
      </header>
      <Transcript conversation={c} name={name} />
      {c.status === 'closed' ? (
        <p class="conv-closed-note">
          This conversation is closed. If the visitor writes again it returns to the queue.
        </p>
      ) : canAct ? (
        <Composer conversationId={c.id} />
      ) : (
        <p class="conv-closed-note">
          {c.status === 'queued' ? 'Claim this conversation to reply.' : 'Only the assigned agent can reply.'}
        </p>
      )}
      {transferOpen && <TransferDialog conversation={c} onClose={() => $transferFor.set(null)} />}
    </section>
  );
}
