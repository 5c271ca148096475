import { useStore } from '@nanostores/preact';
import { $activeId } from '../stores/active.js';
import { $conversations } from '../stores/conversations.js';
import { ConversationView } from './ConversationView.js';
import { EmptyState } from './EmptyState.js';
import { Sidebar } from './Sidebar.js';
import { Toasts } from './Toasts.js';
import { TopBar } from './TopBar.js';
import { VisitorPanel } from './VisitorPanel.js';

/** Signed in: top bar, then inbox | conversation | visitor details. */
export function Console() {
  const activeId = useStore($activeId);
  const conversation = useStore($conversations, { keys: activeId ? [activeId] : [] })[activeId ?? ''];

  return (
    <div class="shell">
      <TopBar />
      <div class="columns">
        <Sidebar />
        <main class="center">
          {conversation ? (
            <ConversationView key={conversation.id} conversation={conversation} />
          ) : (
            <EmptyState />
          )}
        </main>
        <aside class="details" aria-label="Visitor details">
          {conversation ? (
            <VisitorPanel conversation={conversation} />
          ) : (
            <p class="details-empty">Visitor details appear here when you open a conversation.</p>
          )}
        </aside>
      </div>
      <Toasts />
    </div>
  );
}
