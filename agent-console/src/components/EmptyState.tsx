import { useStore } from '@nanostores/preact';
import { $mine, $queue } from '../stores/lists.js';

export function EmptyState() {
  const queue = useStore($queue);
  const mine = useStore($mine);
  const waiting = queue.length;
  return (
    <div class="empty">
      <div class="empty-art">
        <svg
          aria-hidden="true"
          width="56"
          height="56"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          stroke-width="1.3"
        >
          <path d="M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 0 1 3 13.5" />
          <path d="M8 8.5h8M8 11.5h5" stroke-linecap="round" />
        </svg>
      </div>
      <h1>
        {waiting > 0
          ? `${waiting} ${waiting === 1 ? 'visitor is' : 'visitors are'} waiting`
          : 'All caught up'}
      </h1>
      <p>
        {waiting > 0
          ? 'Claim a conversation from the queue to start helping.'
          : mine.length > 0
            ? 'Pick one of your conversations on the left.'
            : 'New conversations appear in the queue as soon as a visitor writes.'}
      </p>
    </div>
  );
}
