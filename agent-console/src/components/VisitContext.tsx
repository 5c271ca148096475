import { useStore } from '@nanostores/preact';
import type { ApiConversation, PageView } from '@switchboard/protocol';
import { useEffect } from 'preact/hooks';
import { formatTime } from '../lib/format.js';
import { useNow } from '../lib/useNow.js';
import { browserLine, languageLine, localTime, safeHref, shortUrl } from '../lib/visit.js';
import { $context, $visitNow, loadContext, pagesWithLive } from '../stores/context.js';
import { openReadOnly } from '../stores/history.js';

/** A page as a link (http(s) only), its title above its short URL. */
function PageLink({ page }: { page: PageView }) {
  const href = safeHref(page.url);
  const label = (
    <>
      <span class="page-title">{page.title.trim() || shortUrl(page.url)}</span>
      <span class="page-url">{shortUrl(page.url)}</span>
    </>
  );
  return href ? (
    <a class="page-link" href={href} target="_blank" rel="noopener noreferrer" title={page.url}>
      {label}
    </a>
  ) : (
    <span class="page-link">{label}</span>
  );
}

function Earlier({ c }: { c: ApiConversation }) {
  return (
    <li>
      <button type="button" class="earlier-conv" onClick={() => void openReadOnly(c.id)}>
        <span class="earlier-head">
          <time dateTime={new Date(c.createdAt).toISOString()}>{formatTime(c.createdAt)}</time>
          <span class={`history-status history-${c.status}`}>{c.status}</span>
        </span>
        <span class="earlier-text">{c.lastMessage?.text ?? 'No messages'}</span>
      </button>
    </li>
  );
}

/**
 * This visit (where the visitor is now, the pages they saw, where they came from, their
 * browser, language and clock) and their other conversations, each opened read-only on click.
 */
export function VisitContext({ visitorId, conversationId }: { visitorId: string; conversationId: string }) {
  useEffect(() => void loadContext(visitorId), [visitorId]);
  const state = useStore($context);
  const live = useStore($visitNow, { keys: [visitorId] })[visitorId];
  const now = useNow(30_000);
  const ctx = state?.visitorId === visitorId ? state.data : null;
  if (state?.visitorId === visitorId && state.error)
    return (
      <p class="muted small" role="alert">
        Could not load the visit: {state.error}
      </p>
    );
  if (!ctx) return <p class="muted small">Loading the visit…</p>;
  const pages = pagesWithLive(ctx.pages, live);
  const current = pages[pages.length - 1];
  const earlier = ctx.conversations.filter((c) => c.id !== conversationId);
  const browser = browserLine(ctx.userAgent);
  const language = languageLine(ctx.locale);
  return (
    <>
      <h3>This visit</h3>
      {current ? (
        <div class="now-on">
          <span class="now-on-label">Now on</span>
          <PageLink page={current} />
        </div>
      ) : (
        <p class="muted small">The widget has not reported a page for this visitor yet.</p>
      )}
      <dl class="facts">
        <dt>Came from</dt>
        <dd>
          {ctx.referrer ? (
            <span title={ctx.referrer}>{shortUrl(ctx.referrer)}</span>
          ) : (
            <span class="muted">Direct or unknown</span>
          )}
        </dd>
        <dt>Browser</dt>
        <dd>{browser ?? <span class="muted">Unknown</span>}</dd>
        <dt>Language</dt>
        <dd>{language ?? <span class="muted">Unknown</span>}</dd>
        <dt>Local time</dt>
        <dd>{ctx.tzOffset === null ? <span class="muted">Unknown</span> : localTime(ctx.tzOffset, now)}</dd>
      </dl>
      {pages.length > 1 && (
        <>
          <h3>Pages seen ({pages.length})</h3>
          <ol class="pages" aria-label="Pages seen in this visit, newest first">
            {[...pages].reverse().map((p) => (
              <li key={`${p.at}:${p.url}`}>
                <PageLink page={p} />
                <time dateTime={new Date(p.at).toISOString()}>{formatTime(p.at, now)}</time>
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>Earlier conversations</h3>
      {earlier.length ? (
        <ul class="earlier-list" aria-label="Earlier conversations">
          {earlier.map((c) => (
            <Earlier key={c.id} c={c} />
          ))}
        </ul>
      ) : (
        <p class="muted small">No earlier conversations.</p>
      )}
    </>
  );
}
