import type { ApiVisitorContext, PageView, VisitFrame } from '@switchboard/protocol';
import { atom, map } from 'nanostores';
import { $conversations } from './conversations.js';
import { authed, site } from './history.js';

/**
 * The context panel: the visit and past conversations of the visitor whose conversation is
 * open (read once per visitor from the REST API), and the page each visitor of the inbox is on
 * now (live, from `visit` frames).
 */
export interface ContextState {
  visitorId: string;
  data: ApiVisitorContext | null;
  error: string | null;
}

export const $context = atom<ContextState | null>(null);
/** The page a visitor is on now, by visitor id (only visitors with a conversation in the inbox). */
export const $visitNow = map<Record<string, PageView>>({});

export async function loadContext(visitorId: string): Promise<void> {
  $context.set({ visitorId, data: null, error: null });
  try {
    const data = await authed<ApiVisitorContext>(
      `/api/v1/sites/${site()}/visitors/${encodeURIComponent(visitorId)}/context`,
    );
    if ($context.get()?.visitorId === visitorId) $context.set({ visitorId, data, error: null });
  } catch (e) {
    if ($context.get()?.visitorId === visitorId)
      $context.set({ visitorId, data: null, error: (e as Error).message });
  }
}

/** A `visit` frame: kept for visitors the agent can see a conversation of. */
export function applyVisit(frame: VisitFrame): void {
  const known = Object.values($conversations.get()).some((c) => c.visitor.id === frame.visitorId);
  if (known) $visitNow.setKey(frame.visitorId, frame.page);
}

/** The visit's pages with the live one added (the REST read may be older than the last frame). */
export function pagesWithLive(pages: readonly PageView[], live: PageView | undefined): PageView[] {
  if (!live) return [...pages];
  const last = pages[pages.length - 1];
  if (last && last.at > live.at) return [...pages];
  if (last?.url === live.url) return [...pages.slice(0, -1), { ...last, title: live.title }];
  return [...pages, live];
}
