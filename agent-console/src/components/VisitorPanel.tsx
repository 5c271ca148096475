import { useStore } from '@nanostores/preact';
import { type ConversationSummary, isValidEmail } from '@switchboard/protocol';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../client/api.js';
import { formatTime, visitorName } from '../lib/format.js';
import { downloadTranscript } from '../stores/history.js';
import { $session } from '../stores/session.js';
import { showToast } from '../stores/toasts.js';
import { $visitorOnline } from '../stores/visitors.js';
import { Avatar } from './Avatar.js';
import { BlockVisitor } from './BlockVisitor.js';
import { VisitContext } from './VisitContext.js';
import { VisitorData } from './VisitorData.js';

/** A mailto: link that only ever addresses one recipient (no ?cc=, &body= smuggled in). */
function mailto(email: string): string {
  const at = email.lastIndexOf('@');
  return `mailto:${encodeURIComponent(email.slice(0, at))}@${encodeURIComponent(email.slice(at + 1))}`;
}

/** Who the visitor is: identity, presence, the attributes the shop sent, and the conversation. */
export function VisitorPanel({ conversation: c }: { conversation: ConversationSummary }) {
  const v = c.visitor;
  const online = useStore($visitorOnline, { keys: [v.id] })[v.id];
  const name = visitorName(v);
  const attributes = Object.entries(v.attributes);
  const session = useStore($session);
  const site = session?.agent.siteId;
  return (
    <div class="visitor">
      <div class="visitor-head">
        <Avatar name={name} seed={v.id} anonymous={!v.name?.trim()} size={48} />
        <div>
          <h2>{name}</h2>
          {online !== undefined && (
            <p class={`visitor-online ${online ? 'is-online' : ''}`}>
              <span class="presence-dot" aria-hidden="true" />
              {online ? 'Online now' : 'Offline'}
            </p>
          )}
        </div>
      </div>
      <dl class="facts">
        <dt>Email</dt>
        <dd>
          {v.email ? (
            isValidEmail(v.email) ? (
              <a href={mailto(v.email)}>{v.email}</a>
            ) : (
              <span>{v.email}</span>
            )
          ) : (
            <span class="muted">Not given</span>
          )}
        </dd>
        <dt>Identity</dt>
        <dd>
          {v.verified ? (
            <span class="badge badge-ok">Verified</span>
          ) : (
            <span class="badge badge-muted">Not verified</span>
          )}
        </dd>
        <dt>Visitor id</dt>
        <dd class="mono">{v.id}</dd>
      </dl>
      <h3>Attributes</h3>
      {attributes.length ? (
        <dl class="facts">
          {attributes.map(([key, value]) => (
            <Fragment key={key}>
              <dt>{key}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
        </dl>
      ) : (
        <p class="muted small">The shop has not sent any attributes for this visitor.</p>
      )}
      <VisitContext visitorId={v.id} conversationId={c.id} />
      <h3>Conversation</h3>
      <dl class="facts">
        <dt>Started</dt>
        <dd>{formatTime(c.createdAt)}</dd>
        <dt>Department</dt>
        <dd>{c.department ?? <span class="muted">General</span>}</dd>
        <dt>Agent</dt>
        <dd>{c.agent?.name ?? <span class="muted">Unassigned</span>}</dd>
        <dt>Messages</dt>
        <dd>{c.lastSeq}</dd>
      </dl>
      <TranscriptExport conversationId={c.id} />
      {site && session?.agent.role === 'admin' && <VisitorData site={site} visitorId={v.id} name={name} />}
      {site && c.status !== 'closed' && <BlockVisitor site={site} visitorId={v.id} name={name} />}
    </div>
  );
}

/** Export: the transcript as a text file or as JSON (the REST API's transcript). */
function TranscriptExport({ conversationId }: { conversationId: string }) {
  const [busy, setBusy] = useState<'text' | 'json' | null>(null);
  const download = async (format: 'text' | 'json') => {
    setBusy(format);
    try {
      await downloadTranscript(conversationId, format);
    } catch (e) {
      showToast(e instanceof ApiError ? e.message : 'The transcript could not be downloaded.', 'error');
    } finally {
      setBusy(null);
    }
  };
  return (
    <fieldset class="export-row" aria-label="Export transcript">
      <span class="muted small">Export transcript</span>
      <button
        type="button"
        class="btn btn-secondary btn-sm"
        disabled={busy !== null}
        aria-busy={busy === 'text'}
        onClick={() => void download('text')}
      >
        Text
      </button>
      <button
        type="button"
        class="btn btn-secondary btn-sm"
        disabled={busy !== null}
        aria-busy={busy === 'json'}
        onClick={() => void download('json')}
      >
        JSON
      </button>
    </fieldset>
  );
}
