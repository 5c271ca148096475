import { useStore } from '@nanostores/preact';
import type { ApiSearchHit, ApiTranscript } from '@switchboard/protocol';
import { formatAge, formatTime } from '../lib/format.js';
import { $history, $historyOpen, closeHistory, loadMore, openReadOnly } from '../stores/history.js';

function who(v: { name: string | null; email: string | null }, id: string): string {
  return v.name ?? v.email ?? `Visitor ${id.slice(-4)}`;
}

function Hit({ hit }: { hit: ApiSearchHit }) {
  const c = hit.conversation;
  return (
    <li>
      <button type="button" class="history-hit" onClick={() => void openReadOnly(c.id)}>
        <span class="history-hit-head">
          <strong>{who(hit.visitor, c.visitorId)}</strong>
          <span class={`history-status history-${c.status}`}>{c.status}</span>
          <time dateTime={new Date(c.createdAt).toISOString()}>{formatAge(c.createdAt)}</time>
        </span>
        <span class="history-snippet">
          {hit.snippet.length === 0
            ? (hit.visitor.email ?? '')
            : hit.snippet.map((p, i) =>
                p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>,
              )}
        </span>
      </button>
    </li>
  );
}

/** The list pane: closed conversations or search results, paged by "Load more". */
export function HistoryList() {
  const h = useStore($history);
  if (!h) return null;
  const title = h.mode === 'closed' ? 'Closed conversations' : `Results for “${h.query}”`;
  return (
    <section class="history" aria-label={title}>
      <header class="history-header">
        <h1>{title}</h1>
        <button type="button" class="btn btn-ghost" onClick={closeHistory}>
          Back to inbox
        </button>
      </header>
      {h.error && <p role="alert">{h.error}</p>}
      {h.items.length === 0 && !h.loading && !h.error && (
        <p class="history-empty">{h.mode === 'closed' ? 'No closed conversations yet.' : 'Nothing found.'}</p>
      )}
      <ul class="history-list" aria-label={title}>
        {h.items.map((hit) => (
          <Hit key={hit.conversation.id} hit={hit} />
        ))}
      </ul>
      {h.nextCursor && (
        <button type="button" class="btn" onClick={loadMore} disabled={h.loading}>
          Load more
        </button>
      )}
    </section>
  );
}

/** A conversation opened from history: its transcript, read-only. */
export function ReadOnlyTranscript({ t }: { t: ApiTranscript }) {
  const name = who(t.visitor, t.visitor.id);
  return (
    <div class="conversation">
      <header class="conv-header">
        <h1>{name}</h1>
        {t.conversation.status === 'closed' && (
          <p class="history-note">This conversation is closed (read-only).</p>
        )}
      </header>
      <div class="transcript" role="log" aria-label={name}>
        {t.messages.map((m) =>
          m.author.kind === 'system' ? (
            <div key={m.id} class="line line-system">
              <span>{m.text}</span>
              <time dateTime={new Date(m.at).toISOString()}>{formatTime(m.at)}</time>
            </div>
          ) : (
            <div key={m.id} class={`line line-${m.author.kind}`}>
              <div class="bubble">{m.text}</div>
              <div class="meta">
                <span>{m.author.name}</span>
                <time dateTime={new Date(m.at).toISOString()}>{formatTime(m.at)}</time>
              </div>
            </div>
          ),
        )}
      </div>
    </div>
  );
}

export function useHistoryOpen(): ApiTranscript | null {
  return useStore($historyOpen);
}
