import { $unreadIds } from '../stores/reads.js';

const BASE_TITLE = 'Switchboard · Agent console';

/** "(2) Switchboard …" in the tab title while conversations have unread visitor messages. */
export function titleFor(unread: number): string {
  return unread > 0 ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE;
}

export function bindDocumentTitle(): () => void {
  return $unreadIds.subscribe((ids) => {
    document.title = titleFor(ids.size);
  });
}
