import { useStore } from '@nanostores/preact';
import { $activeId } from '../stores/active.js';
import { $conversations } from '../stores/conversations.js';
import { $history } from '../stores/history.js';
import { $route } from '../stores/route.js';
import { $session } from '../stores/session.js';
import { Settings } from './admin/Settings.js';
import { ConversationView } from './ConversationView.js';
import { EmptyState } from './EmptyState.js';
import { HistoryList, ReadOnlyTranscript, useHistoryOpen } from './History.js';
import { Profile } from './Profile.js';
import { Reports } from './Reports.js';
import { Shortcuts } from './Shortcuts.js';
import { Sidebar } from './Sidebar.js';
import { Toasts } from './Toasts.js';
import { TopBar } from './TopBar.js';
import { VisitorPanel } from './VisitorPanel.js';

/** Signed in: top bar, then the page (conversations, settings for admins, profile). */
export function Console() {
  const route = useStore($route);
  const session = useStore($session);
  const isAdmin = session?.agent.role === 'admin';
  const page =
    route === 'profile'
      ? 'profile'
      : route.startsWith('settings/') && isAdmin
        ? 'settings'
        : route === 'reports' && isAdmin
          ? 'reports'
          : 'conversations';

  return (
    <div class="shell">
      <TopBar />
      {page === 'conversations' && <Conversations />}
      {page === 'settings' && <Settings key={session?.agent.siteId} route={route} />}
      {page === 'profile' && <Profile />}
      {page === 'reports' && <Reports key={session?.agent.siteId} />}
      <Toasts />
      <Shortcuts />
    </div>
  );
}

/** Inbox | conversation | visitor details. */
function Conversations() {
  const activeId = useStore($activeId);
  const conversation = useStore($conversations, { keys: activeId ? [activeId] : [] })[activeId ?? ''];
  const history = useStore($history);
  const readOnly = useHistoryOpen();
  return (
    <div class="columns">
      <Sidebar />
      <main class="center">
        {history && !readOnly ? (
          <HistoryList />
        ) : readOnly ? (
          <ReadOnlyTranscript key={readOnly.conversation.id} t={readOnly} />
        ) : conversation ? (
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
  );
}
