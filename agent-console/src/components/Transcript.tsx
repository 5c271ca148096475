import { useStore } from '@nanostores/preact';
import type { ConversationSummary } from '@switchboard/protocol';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { loadEarlier, reportRead } from '../client/client.js';
import { buildTranscript } from '../lib/transcript.js';
import { $connection } from '../stores/connection.js';
import { $messages } from '../stores/messages.js';
import { $notes } from '../stores/notes.js';
import { $outbox } from '../stores/outbox.js';
import { TranscriptLine } from './TranscriptLine.js';
import { TypingIndicator } from './TypingIndicator.js';

const EMPTY: readonly never[] = [];

/** The `log` of a conversation, named after the visitor. Reports reads while visible. */
export function Transcript({ conversation: c, name }: { conversation: ConversationSummary; name: string }) {
  const messages = useStore($messages, { keys: [c.id] })[c.id];
  const notes = useStore($notes, { keys: [c.id] })[c.id] ?? EMPTY;
  const outbox = useStore($outbox);
  const live = useStore($connection).phase === 'live';
  const pending = useMemo(() => outbox.filter((e) => e.conversationId === c.id), [outbox, c.id]);
  const items = useMemo(
    () => buildTranscript(messages ?? EMPTY, notes, pending, c.visitorReadSeq),
    [messages, notes, pending, c.visitorReadSeq],
  );
  const lastSeq = messages?.[messages.length - 1]?.seq ?? 0;

  // Seqs are gap-free from 1: a first held seq above 1 means older pages on the server.
  const first = messages?.[0]?.seq ?? 0;
  const older = first > 1;

  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  /** The first seq and height as of the last layout: older messages put in above keep the reader's place. */
  const anchor = useRef({ id: c.id, first: 0, height: 0 });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const prev = anchor.current;
    if (prev.id === c.id && prev.first && first < prev.first && !stick.current) {
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (stick.current) el.scrollTop = el.scrollHeight;
    anchor.current = { id: c.id, first, height: el.scrollHeight };
  }, [items]);

  useEffect(() => {
    const report = () => {
      if (document.visibilityState === 'visible') reportRead(c.id, lastSeq);
    };
    report();
    document.addEventListener('visibilitychange', report);
    return () => document.removeEventListener('visibilitychange', report);
  }, [c.id, lastSeq, live]);

  return (
    <div
      class="transcript"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        if (older && el.scrollTop < 120) loadEarlier(c.id);
      }}
    >
      <div role="log" aria-label={name} aria-live="polite" class="log">
        {messages === undefined && <p class="log-loading">Loading conversation…</p>}
        {older && (
          <button type="button" class="log-earlier" onClick={() => loadEarlier(c.id, true)}>
            Load earlier messages
          </button>
        )}
        {items.map((item) => (
          <TranscriptLine key={item.key} item={item} />
        ))}
      </div>
      <TypingIndicator conversationId={c.id} />
    </div>
  );
}
