import { retryMessage } from '../client/client.js';
import { formatTime } from '../lib/format.js';
import type { TranscriptItem } from '../lib/transcript.js';
import { discard } from '../stores/outbox.js';
import { FileView } from './FileView.js';

export function TranscriptLine({ item }: { item: TranscriptItem }) {
  switch (item.kind) {
    case 'message': {
      const m = item.message;
      if (m.author.kind === 'system') {
        return (
          <div class={`line line-system${m.event?.kind === 'rated' ? ' line-rated' : ''}`}>
            {m.event?.kind === 'rated' && (
              <span class="rating-stars" aria-hidden="true">
                {'★'.repeat(m.event.score ?? 0)}
                {'☆'.repeat(5 - (m.event.score ?? 0))}
              </span>
            )}
            <span>{m.text}</span>
            <time dateTime={new Date(m.at).toISOString()}>{formatTime(m.at)}</time>
          </div>
        );
      }
      return (
        <div class={`line line-${m.author.kind}`}>
          <div class="bubble">{m.attachment ? <FileView file={m.attachment} text={m.text} /> : m.text}</div>
          <div class="meta">
            <span>{m.author.name}</span>
            <time dateTime={new Date(m.at).toISOString()}>{formatTime(m.at)}</time>
            {item.seen && <span class="seen">Seen</span>}
          </div>
        </div>
      );
    }
    case 'note': {
      const n = item.note;
      return (
        <div class="line line-note">
          <div class="note">
            <div class="note-label">Internal note</div>
            <div class="note-text">{n.text}</div>
          </div>
          <div class="meta">
            <span>{n.author.name}</span>
            <time dateTime={new Date(n.at).toISOString()}>{formatTime(n.at)}</time>
            <span>Only agents see this</span>
          </div>
        </div>
      );
    }
    case 'pending': {
      const e = item.entry;
      const failed = e.state === 'failed';
      const body =
        e.kind === 'note' ? (
          <div class="note">
            <div class="note-label">Internal note</div>
            <div class="note-text">{e.text}</div>
          </div>
        ) : (
          <div class="bubble">{e.attachment ? <FileView file={e.attachment} text={e.text} /> : e.text}</div>
        );
      return (
        <div
          class={`line ${e.kind === 'note' ? 'line-note' : 'line-agent'} is-pending ${failed ? 'is-failed' : ''}`}
        >
          {body}
          <div class="meta">
            {failed ? (
              <>
                <span class="failed" role="alert">
                  Not sent{e.error ? ` — ${e.error}` : ''}
                </span>
                <button type="button" class="link" onClick={() => retryMessage(e.cid)}>
                  Retry
                </button>
                <button type="button" class="link" onClick={() => discard(e.cid)}>
                  Discard
                </button>
              </>
            ) : (
              <span class="sending">Sending…</span>
            )}
          </div>
        </div>
      );
    }
  }
}
