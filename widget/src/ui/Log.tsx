import type { Attachment, AttachmentUpload, Message } from '@switchboard/protocol';
import { linkify } from '../linkify';
import type { Strings } from '../locales';
import { $conversation, $messages, $outbox, $typing, format } from '../shared';
import type { OutboxEntry } from '../stores/outbox';
import type { UiContext } from '../widget';
import { useEffect, useRef, useState } from './hooks';
import { Rating, Transcript } from './Rating';
import { useStore } from './use-store';

/**
 * Localised text of a system line: every kind but a shop's notice has a string of its own
 * name (the server's English text is the fallback).
 */
function systemText(m: Message, t: Strings): string {
  const e = m.event;
  return e && e.kind !== 'notice'
    ? format(t[e.kind], { name: e.agentName ?? e.department, n: e.score })
    : m.text;
}

/** A message's text with its links made clickable. */
const withLinks = (text: string) =>
  linkify(text).map((s) =>
    typeof s === 'string' ? (
      s
    ) : (
      <a href={s.href} target="_blank" rel="noopener noreferrer nofollow">
        {s.text}
      </a>
    ),
  );

/** One line of the log: a bubble, or a system line (`sys`). */
type Item = {
  key: string;
  mine?: boolean;
  name?: string;
  text: string;
  at: number;
  seq?: number;
  entry?: OutboxEntry;
  sys?: boolean;
  /** A file sent with it (no `url` while it is still in the outbox). */
  a?: Attachment | AttachmentUpload;
};

export function Log({ ui, greeting }: { ui: UiContext; greeting: string }) {
  const { t, config, client } = ui;
  const messages = useStore($messages);
  const outbox = useStore($outbox);
  const conversation = useStore($conversation);
  const typing = useStore($typing);
  const log = useRef<HTMLDivElement>(null);
  /**
   * What the scroll keeping remembers between renders: whether the visitor is at the bottom
   * (`pinned`), the `before` last asked for (`asked`, so scrolling asks once per page), and the
   * first seq and the list's height at the last update (`first`, `height`).
   */
  const keep = useRef({ pinned: true, asked: 0, first: 0, height: 0 }).current;
  const [pill, setPill] = useState(false);

  // Today: the time; before: the day too.
  const time = (at: number) => {
    const d = new Date(at);
    return (
      <time dateTime={d.toISOString()}>
        {d.toLocaleString(config.locale, {
          ...(d.toDateString() !== new Date().toDateString() && { month: 'short', day: 'numeric' }),
          hour: 'numeric',
          minute: '2-digit',
        })}
      </time>
    );
  };

  const agentRead = conversation?.agentReadSeq ?? 0;
  let seenSeq = 0;
  for (const m of messages) if (m.author.kind === 'visitor' && m.seq <= agentRead) seenSeq = m.seq;
  /** The kind of the last system line: after a close, "closed" says it and "rated" ends the rating. */
  const lastKind = messages.filter((m) => m.author.kind === 'system').at(-1)?.event?.kind;
  const closed = conversation?.status === 'closed';
  const showClosed = closed && lastKind !== 'closed' && lastKind !== 'rated';

  const items: Item[] = [
    ...messages.map((m): Item => {
      const kind = m.author.kind;
      return kind === 'system'
        ? { key: m.id, sys: true, text: systemText(m, t), at: m.at }
        : {
            key: m.id,
            mine: kind === 'visitor',
            name: kind === 'visitor' ? t.you : m.author.name || t.support,
            text: m.text,
            at: m.at,
            seq: m.seq,
            a: m.attachment,
          };
    }),
    ...outbox.map((e) => ({ key: e.cid, mine: true, name: t.you, text: e.text, at: e.at, entry: e, a: e.a })),
  ];

  // Seqs are gap-free from 1: a first held seq above 1 means older pages on the server.
  const first = messages[0]?.seq ?? 0;
  const older = first > 1;
  const earlier = () => {
    if (!older || !conversation || keep.asked === first) return;
    keep.asked = first;
    if (!client.send({ type: 'history', conversationId: conversation.id, before: first })) keep.asked = 0;
  };

  // Stick to the bottom unless the visitor scrolled up; then offer a "New messages" pill.
  // Older messages put in above keep what the visitor is reading in place. At commit, before
  // paint (every effect of ours runs then: hooks.ts), so the list never shows a jump.
  const count = items.length;
  const lastIsMine = !!outbox.length;
  useEffect(() => {
    const el = log.current!; // always rendered; refs are set before effects run
    // Where the visitor was before this update, read from the DOM: the scroll event of a
    // scroll they just made may not have run yet.
    if (keep.height) keep.pinned = keep.height - el.scrollTop - el.clientHeight < 40;
    if (lastIsMine) keep.pinned = true;
    if (keep.first && first < keep.first && !keep.pinned) el.scrollTop += el.scrollHeight - keep.height;
    else if (keep.pinned) el.scrollTop = el.scrollHeight;
    else setPill(true);
    keep.first = first;
    keep.height = el.scrollHeight;
  }, [count, typing, closed]);

  const onScroll = () => {
    const el = log.current!;
    keep.pinned = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (keep.pinned) setPill(false);
    if (el.scrollTop < 80) earlier();
  };

  /**
   * A file: a link named by it, holding its image when it is one. An image the page's CSP (or
   * the network) keeps out hides, and the name shows instead: never a broken image.
   */
  const file = (a: Attachment | AttachmentUpload) => {
    const url = 'url' in a && config.server + a.url;
    return !url ? (
      a.name
    ) : (
      // No `download`: browsers ignore it across origins; the server's Content-Disposition decides.
      <a class="file" href={url} target="_blank" rel="noopener noreferrer">
        {a.type[0] === 'i' && (
          <img
            src={url}
            alt={a.name}
            onError={(e) => (e.currentTarget.hidden = true)}
            // Loaded after the log settled, it grew: still at the bottom if the visitor was.
            onLoad={() => {
              if (keep.pinned) log.current!.scrollTop = 1e9;
            }}
          />
        )}
        <span>{a.name}</span>
      </a>
    );
  };

  const bubble = (it: Item, next: Item | undefined) => {
    const last = !next || next.mine !== it.mine || next.name !== it.name;
    const e = it.entry;
    return (
      <div key={it.key} class={`row ${it.mine ? 'mine' : 'theirs'}${last ? ' last' : ''}`}>
        {!it.mine && !last && <span class="sr">{it.name}: </span>}
        <div class="bubble">{it.a ? file(it.a) : withLinks(it.text)}</div>
        {(last || e) && (
          <div class="meta">
            {!it.mine && `${it.name} · `}
            {time(it.at)}
            {e ? (
              e.failed ? (
                <>
                  {' · '}
                  <span class="failed">{t.notSent}</span>
                  <button type="button" class="retry" onClick={() => client.retry(e.cid)}>
                    {t.retry}
                  </button>
                </>
              ) : e.u != null ? (
                <progress value={e.u} aria-label={t.sending} />
              ) : (
                <span> · {t.sending}</span>
              )
            ) : it.mine && it.seq === seenSeq ? (
              <span> · {t.seen}</span>
            ) : null}
          </div>
        )}
      </div>
    );
  };

  return (
    <div class="log-wrap">
      <div class="log" role="log" aria-live="polite" ref={log} onScroll={onScroll}>
        {older ? (
          <button
            type="button"
            class="earlier"
            onClick={() => {
              keep.asked = 0;
              earlier();
            }}
          >
            {t.earlier}
          </button>
        ) : (
          <div class="row theirs last greeting">
            <div class="bubble">{withLinks(greeting)}</div>
          </div>
        )}
        {items.map((it, i) =>
          it.sys ? (
            <p key={it.key} class="sys">
              {it.text}
            </p>
          ) : (
            bubble(it, items[i + 1])
          ),
        )}
        {showClosed && <p class="sys">{t.closed}</p>}
        {closed && lastKind !== 'rated' && <Rating ui={ui} conversationId={conversation.id} />}
        {closed && <Transcript ui={ui} id={conversation.id} />}
      </div>
      {typing && <p class="typing">{format(t.typing, { name: typing })}</p>}
      {pill && (
        <button
          type="button"
          class="pill"
          onClick={() => {
            keep.pinned = true;
            setPill(false);
            log.current!.scrollTop = log.current!.scrollHeight;
          }}
        >
          ↓ {t.newMessages}
        </button>
      )}
    </div>
  );
}
