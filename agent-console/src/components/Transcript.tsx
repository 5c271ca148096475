import { useStore } from '@nanostores/preact';
import type { ConversationSummary } from '@switchboard/protocol';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { reportRead } from '../client/client.js';
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

  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
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
      }}
    >
      <div role="log" aria-label={name} aria-live="polite" class="log">
        {messages === undefined && <p class="log-loading">Loading conversation…</p>}
        {items.map((item) => (
          <TranscriptLine key={item.key} item={item} />
        ))}
      </div>
      <TypingIndicator conversationId={c.id} />
    </div>
  );
}
