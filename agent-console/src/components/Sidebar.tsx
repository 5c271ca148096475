import { useStore } from '@nanostores/preact';
import { search, showClosed } from '../stores/history.js';
import { $mine, $queue, $teamConversations } from '../stores/lists.js';
import { ConversationList } from './ConversationList.js';
import { QueueList } from './QueueList.js';
import { TeamList } from './TeamList.js';

export function Sidebar() {
  const queue = useStore($queue);
  const mine = useStore($mine);
  const team = useStore($teamConversations);
  return (
    <nav class="sidebar" aria-label="Inbox">
      <section class="side-section side-search">
        <search>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const input = (e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement;
              void search(input.value);
            }}
          >
            <input
              type="search"
              name="q"
              class="input"
              aria-label="Search conversations"
              placeholder="Search conversations…"
            />
          </form>
        </search>
        <button type="button" class="btn btn-ghost side-closed" onClick={() => void showClosed()}>
          Closed
        </button>
      </section>
      <section class="side-section">
        <h2 class="side-title">
          Queue <span class={`count ${queue.length ? 'count-hot' : ''}`}>{queue.length}</span>
        </h2>
        <QueueList items={queue} />
      </section>
      <section class="side-section">
        <h2 class="side-title">
          My conversations <span class="count">{mine.length}</span>
        </h2>
        <ConversationList label="My conversations" items={mine} empty="Claimed conversations show up here." />
      </section>
      {team.length > 0 && (
        <section class="side-section">
          <h2 class="side-title">
            Team conversations <span class="count">{team.length}</span>
          </h2>
          <ConversationList label="Team conversations" items={team} empty="" showAgent />
        </section>
      )}
      <section class="side-section side-team">
        <h2 class="side-title">Team</h2>
        <TeamList />
      </section>
    </nav>
  );
}
