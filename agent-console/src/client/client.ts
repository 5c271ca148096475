import type { AgentClientFrame, AgentStatus, AttachmentUpload } from '@switchboard/protocol';
import { CloseCode, PROTOCOL_VERSION } from '@switchboard/protocol';
import { newCid } from '../lib/cid.js';
import { $activeId } from '../stores/active.js';
import { $me, upsertAgent } from '../stores/agents.js';
import { $pendingCommands, addPending, type PendingCommand } from '../stores/commands.js';
import { setConnection } from '../stores/connection.js';
import { $conversations } from '../stores/conversations.js';
import { resetStores } from '../stores/index.js';
import { $messages, cursorOf, resumeCursors } from '../stores/messages.js';
import {
  bindOutboxStorage,
  dueEntries,
  enqueue,
  markInflight,
  requeueInflight,
  retry,
} from '../stores/outbox.js';
import { markRead } from '../stores/reads.js';
import { $session, clearSession, SESSION_ENDED, type Session } from '../stores/session.js';
import { tokenRejected } from './api.js';
import { applyFrame, type FollowUp } from './apply.js';
import { RENEW_EVERY_MS, renew } from './refresh.js';
import { type CloseInfo, createReconnectingSocket, type ReconnectingSocket } from './socket.js';
import { createTypingSender, type TypingSender } from './typing.js';

/** One signed-in session's socket and everything bound to it. */
interface Connection {
  session: Session;
  socket: ReconnectingSocket;
  live: boolean;
  typing: TypingSender;
  cleanups: Array<() => void>;
}

let current: Connection | null = null;
const RETRY_REFUSED_MS = 3_000;

/** The agent socket's URL; the token goes in `Sec-WebSocket-Protocol` (`agentSocketProtocols`), never here. */
export function agentSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws/agent`;
}

/** `Sec-WebSocket-Protocol: switchboard, <token>`: proxies and access logs never see the token. */
export const agentSocketProtocols = (token: string): string[] => ['switchboard', token];

/** Connect for this session: hello (with resume cursors) → welcome → history → synced → live. */
export function startClient(session: Session): void {
  stopClient();
  setConnection({ phase: 'connecting', attempt: 0, retryAt: null, detail: null });
  const conn: Connection = {
    session,
    live: false,
    cleanups: [bindOutboxStorage(session.agent.id)],
    socket: createReconnectingSocket({
      url: () => agentSocketUrl(window.location),
      // The current token: renewed every few minutes while the socket stays open.
      protocols: () => agentSocketProtocols($session.get()?.token ?? session.token),
      onOpen: () => {
        setConnection({ phase: 'connecting', retryAt: null, detail: null });
        conn.socket.send({ type: 'hello', v: PROTOCOL_VERSION, cursors: resumeCursors() });
      },
      onFrame: (frame) => {
        for (const followUp of applyFrame(frame)) handleFollowUp(conn, followUp);
      },
      onClose: (info) => onClosed(conn, info),
      onWaiting: (retryAt, attempt) =>
        setConnection({ phase: navigator.onLine === false ? 'offline' : 'waiting', retryAt, attempt }),
    }),
    typing: createTypingSender((frame) => send(frame)),
  };
  current = conn;
  conn.cleanups.push(bindBrowserEvents(conn));
  // The access token is short-lived: renew it well before it expires (the refresh cookie).
  const renewal = setInterval(() => void renewOrSignOut(conn), RENEW_EVERY_MS);
  conn.cleanups.push(() => clearInterval(renewal));
}

/** A new access token for this connection's session, or back to sign-in when it has ended. */
async function renewOrSignOut(conn: Connection): Promise<boolean> {
  const ok = await renew();
  if (!ok && current === conn) signOut(SESSION_ENDED);
  return ok;
}

export function stopClient(): void {
  if (!current) return;
  current.socket.stop();
  current.typing.stop();
  for (const cleanup of current.cleanups) cleanup();
  current = null;
}

export function signOut(reason: string | null = null): void {
  // The server ends the refresh session and clears its cookie (already gone if it ended there).
  void fetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
  stopClient();
  resetStores();
  clearSession(reason);
}

function onClosed(conn: Connection, info: CloseInfo): boolean {
  conn.live = false;
  requeueInflight();
  if (info.code === CloseCode.Unauthorized) {
    // Revoked (password changed elsewhere) or expired: a session that still holds renews and
    // connects again; an ended one goes back to sign-in.
    void renewOrSignOut(conn).then((ok) => {
      const now = $session.get();
      if (ok && current === conn && now) startClient(now);
    });
    return false;
  }
  if (info.code === CloseCode.Forbidden) {
    // The agent no longer exists or was deactivated: REST says so too, then back to sign-in.
    setConnection({
      phase: 'stopped',
      retryAt: null,
      detail: 'The server refused this console (4403 Forbidden).',
    });
    void tokenRejected($session.get()?.token ?? '').then((rejected) => {
      if (rejected && current === conn) signOut(SESSION_ENDED);
    });
    return false;
  }
  if (info.code === CloseCode.BadHello) {
    setConnection({
      phase: 'stopped',
      retryAt: null,
      detail: 'This console is out of date: reload the page.',
    });
    return false;
  }
  if (info.code === CloseCode.TooManySockets) {
    // Over the per-agent socket cap (one per open console): say why, and keep retrying, so
    // this console connects as soon as another tab of this account closes.
    setConnection({ detail: 'Too many consoles open for this account: close another tab or window.' });
    return true;
  }
  if (!info.wasOpen) {
    // A refused upgrade looks like any network failure (1006): ask REST whether the token is the
    // reason; if so renew it (the next attempt offers the new one) or go back to sign-in.
    void tokenRejected($session.get()?.token ?? '').then((rejected) => {
      if (rejected && current === conn) void renewOrSignOut(conn);
    });
  }
  return true;
}

function bindBrowserEvents(conn: Connection): () => void {
  const online = () => conn.socket.reconnectNow();
  // An open socket may not notice the network is gone for a long time: drop it and say so now;
  // `online` reconnects at once and the resume fills any gap.
  const offline = () => {
    conn.socket.dropNow('browser offline');
    setConnection({ phase: 'offline', retryAt: null });
  };
  const visible = () => {
    if (document.visibilityState === 'visible') conn.socket.reconnectNow();
  };
  window.addEventListener('online', online);
  window.addEventListener('offline', offline);
  document.addEventListener('visibilitychange', visible);
  return () => {
    window.removeEventListener('online', online);
    window.removeEventListener('offline', offline);
    document.removeEventListener('visibilitychange', visible);
  };
}

function handleFollowUp(conn: Connection, followUp: FollowUp): void {
  switch (followUp.type) {
    case 'synced':
      conn.live = true;
      askedBefore.clear(); // a scroll-back request lost with the old socket may be asked again
      conn.socket.resetBackoff();
      setConnection({ phase: 'live', attempt: 0, retryAt: null, detail: null });
      resendAfterSync(conn);
      return;
    case 'open':
      send(openFrame(followUp.conversationId));
      return;
    case 'retry-outbox-later':
      setTimeout(() => {
        if (current === conn && conn.live) flushOutbox();
      }, RETRY_REFUSED_MS);
      return;
  }
}

/** After `synced`: unacked commands and messages go again with their original cids. */
function resendAfterSync(conn: Connection): void {
  for (const command of $pendingCommands.get()) conn.socket.send(command.frame);
  const active = $activeId.get();
  if (active && cursorOf(active) === undefined) send(openFrame(active));
  flushOutbox();
}

function send(frame: AgentClientFrame): boolean {
  return current?.live === true && current.socket.send(frame);
}

function flushOutbox(): void {
  for (const entry of dueEntries()) {
    const frame: AgentClientFrame =
      entry.kind === 'send'
        ? {
            type: 'send',
            cid: entry.cid,
            conversationId: entry.conversationId,
            text: entry.text,
            ...(entry.attachment ? { attachment: entry.attachment.id } : {}),
          }
        : { type: 'note', cid: entry.cid, conversationId: entry.conversationId, text: entry.text };
    if (!send(frame)) return;
    markInflight(entry.cid);
  }
}

function command(c: PendingCommand): void {
  addPending(c);
  send(c.frame); // if not live, it goes out after the next `synced`
}

// ------------------------------------------------------------------ actions for components

export function claim(conversationId: string): void {
  const cid = newCid();
  command({ cid, kind: 'claim', conversationId, frame: { type: 'claim', cid, conversationId } });
}

/** Show a conversation and fetch whatever of its transcript we do not hold yet. */
export function openConversation(conversationId: string): void {
  $activeId.set(conversationId);
  send(openFrame(conversationId));
}

/** `open` resumes after what we hold; a transcript never fetched opens on its newest page. */
function openFrame(conversationId: string): AgentClientFrame {
  const since = cursorOf(conversationId);
  return since === undefined ? { type: 'open', conversationId } : { type: 'open', conversationId, since };
}

/** The `before` last asked for per conversation, so scrolling asks once per page. */
const askedBefore = new Map<string, number>();

/** Scroll-back: the page of messages just before the oldest one we hold. */
export function loadEarlier(conversationId: string, force = false): void {
  const first = $messages.get()[conversationId]?.[0]?.seq ?? 0;
  if (first <= 1 || (!force && askedBefore.get(conversationId) === first)) return;
  if (send({ type: 'history', conversationId, before: first })) askedBefore.set(conversationId, first);
}

export function writeMessage(conversationId: string, kind: 'send' | 'note', text: string): void {
  if (kind === 'send') current?.typing.stopTyping(conversationId);
  enqueue({ cid: newCid(), conversationId, kind, text, at: Date.now() });
  flushOutbox();
}

/** A reply carrying a file uploaded already (`stores/uploads.ts`); `text` may be empty. */
export function sendAttachment(conversationId: string, attachment: AttachmentUpload, text = ''): void {
  enqueue({ cid: newCid(), conversationId, kind: 'send', text, attachment, at: Date.now() });
  flushOutbox();
}

export function retryMessage(cid: string): void {
  retry(cid);
  flushOutbox();
}

export function transfer(
  conversationId: string,
  target: { toAgentId?: string; department?: string; note?: string },
  label: string,
): void {
  const cid = newCid();
  command({
    cid,
    kind: 'transfer',
    conversationId,
    label,
    frame: { type: 'transfer', cid, conversationId, ...target },
  });
}

export function closeConversation(conversationId: string): void {
  const cid = newCid();
  command({ cid, kind: 'close', conversationId, frame: { type: 'close', cid, conversationId } });
}

export function setStatus(status: AgentStatus): void {
  const me = $me.get();
  if (!me || !send({ type: 'status', status })) return;
  upsertAgent({ ...me, status }); // the server's `presence` frame confirms
}

/** Read receipts and typing speak for a conversation: only its assignee or an admin sends them. */
function speaksFor(conversationId: string): boolean {
  const me = $me.get();
  if (!me) return false;
  if (me.role === 'admin') return true;
  const c = $conversations.get()[conversationId];
  return c?.status === 'assigned' && c.agent?.id === me.id;
}

/** Tell the server (and through it the visitor) what we have read, when it moved forward. */
export function reportRead(conversationId: string, seq: number): void {
  if (seq > 0 && current?.live && speaksFor(conversationId) && markRead(conversationId, seq)) {
    send({ type: 'read', conversationId, seq });
  }
}

export function reportTyping(conversationId: string): void {
  if (current?.live && speaksFor(conversationId)) current.typing.typed(conversationId);
}
