import type { ApiSearchHit, ApiSearchPage, ApiTranscript } from '@switchboard/protocol';
import { atom } from 'nanostores';
import { ApiError, request } from '../client/api.js';
import { withToken } from '../client/refresh.js';
import { $activeId } from './active.js';
import { $session } from './session.js';

/** The history pane: closed conversations or search results, and the one opened read-only. */
export interface HistoryState {
  mode: 'closed' | 'search';
  query: string;
  items: ApiSearchHit[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

export const $history = atom<HistoryState | null>(null);
export const $historyOpen = atom<ApiTranscript | null>(null);

/** A GET with the agent's token. */
export function authed<T>(path: string): Promise<T> {
  return withToken(
    (token) => request<T>(path, { method: 'GET', headers: { authorization: `Bearer ${token}` } }),
    () => undefined, // the socket's own check signs out when the session is over
  );
}

/** The agent's site, for a URL. */
export function site(): string {
  return encodeURIComponent($session.get()?.agent.siteId ?? '');
}

async function load(mode: 'closed' | 'search', query: string, cursor: string | null): Promise<void> {
  if (!cursor) $historyOpen.set(null);
  const prev = $history.get();
  const keep = cursor && prev ? prev.items : [];
  $history.set({ mode, query, items: keep, nextCursor: null, loading: true, error: null });
  const c = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  const path =
    mode === 'closed'
      ? `/api/conversations/closed?site=${site()}${c}`
      : `/api/search?site=${site()}&q=${encodeURIComponent(query)}${c}`;
  try {
    const page = await authed<ApiSearchPage>(path);
    $history.set({
      mode,
      query,
      items: [...keep, ...page.items],
      nextCursor: page.nextCursor,
      loading: false,
      error: null,
    });
  } catch (e) {
    $history.set({ mode, query, items: keep, nextCursor: null, loading: false, error: (e as Error).message });
  }
}

export const showClosed = () => load('closed', '', null);
export const search = (query: string) => (query.trim() ? load('search', query, null) : closeHistory());
export function loadMore(): void {
  const h = $history.get();
  if (h?.nextCursor) void load(h.mode, h.query, h.nextCursor);
}
export function closeHistory(): void {
  $history.set(null);
  $historyOpen.set(null);
}

export async function openReadOnly(conversationId: string): Promise<void> {
  const t = await authed<ApiTranscript>(
    `/api/v1/sites/${site()}/conversations/${encodeURIComponent(conversationId)}/transcript`,
  );
  $historyOpen.set(t);
}

// Opening a live conversation from the inbox leaves the history pane.
$activeId.listen(() => closeHistory());

/**
 * Downloads a conversation's transcript (`GET …/transcript`, as text or JSON) as a file: fetched
 * with the agent's token (never in a URL), handed to the browser as a blob link.
 */
export function downloadTranscript(conversationId: string, format: 'text' | 'json'): Promise<void> {
  const id = encodeURIComponent(conversationId);
  return downloadFile(
    `/api/v1/sites/${site()}/conversations/${id}/transcript?format=${format}`,
    `transcript-${conversationId}.${format === 'text' ? 'txt' : 'json'}`,
  );
}

/** Everything stored about a visitor (`GET …/visitors/:id/export`, admins) as a JSON file. */
export function downloadVisitorData(visitorId: string): Promise<void> {
  return downloadFile(
    `/api/v1/sites/${site()}/visitors/${encodeURIComponent(visitorId)}/export`,
    `visitor-${visitorId}.json`,
  );
}

async function downloadFile(path: string, filename: string): Promise<void> {
  const token = $session.get()?.token ?? '';
  let res: Response;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError('NETWORK', 'Cannot reach the server. Check your connection and try again.', 0);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    throw new ApiError(
      body?.code ?? 'HTTP',
      body?.message ?? `The server answered ${res.status}`,
      res.status,
    );
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has its own copy once it started; free the blob a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
