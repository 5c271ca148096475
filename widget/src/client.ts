/**
 * The visitor socket: session, hello/resume, outbox flush, heartbeat and reconnect.
 * Frames are applied to the stores by the inbox; this module only moves them.
 */
import {
  backoffDelay,
  type CloseCode,
  Limits,
  PROTOCOL_VERSION,
  type ServerFrame,
  type VisitorClientFrame,
} from '@switchboard/protocol';
import type { User } from './config';
import type { Emitter } from './events';
import { createInbox } from './inbox';
import { isFinal, requestSession, type SessionFailure, socketUrl } from './session';
import type { KV } from './storage';
import { $connection } from './stores/connection';
import { $conversation } from './stores/conversation';
import { $messages, resumeCursor } from './stores/messages';
import { $outbox, enqueue, findEntry, setFailed } from './stores/outbox';
import { $site } from './stores/site';

export interface ClientDeps {
  server: string;
  site: string;
  department?: string;
  user?: User;
  kv: KV;
  emit: Emitter['emit'];
  warn: (message: string) => void;
  fetch: typeof fetch;
  WebSocket: typeof WebSocket;
  isOnline: () => boolean;
  uuid: () => string;
  now?: () => number;
  random?: () => number;
}

export const HEARTBEAT_CHECK_MS = 5000;

/** Close codes after which reconnecting cannot help (typed by the protocol's CloseCode). */
const STOP_CODES: readonly CloseCode[] = [4403, 4406]; // Forbidden, BadHello
const UNAUTHORIZED: CloseCode = 4401;
/** Delay before resending messages refused for a transient reason (rate limit, restart). */
export const RETRY_SOON_MS = 3000;

type Profile = { name?: string; email?: string; attributes?: Record<string, string> };

export function createClient(d: ClientDeps) {
  const now = d.now ?? Date.now;
  let ws: WebSocket | null = null;
  let ready = false;
  let wanted = false;
  let stopped = false;
  let attempt = 0;
  let needSession = !d.kv.get('token');
  let warned = false;
  let lastRx = 0;
  let lastPing = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let profile: Profile | null = null;
  let sessionPending = false;
  const retryCids = new Set<string>();
  let user = d.user;

  const setState = () => {
    if (!stopped) $connection.set(!d.isOnline() ? 'offline' : ready ? 'online' : 'connecting');
  };

  const raw = (frame: VisitorClientFrame): boolean => {
    if (ws?.readyState !== 1) return false;
    ws!.send(JSON.stringify(frame));
    return true;
  };

  /** Sends a frame when live; typing/read/ping are simply dropped otherwise. */
  const send = (frame: VisitorClientFrame): boolean => ready && raw(frame);

  const sendEntry = (cid: string) => {
    const e = findEntry(cid);
    if (!e || e.failed) return;
    send({ type: 'send', cid: e.cid, text: e.text, ...(d.department ? { department: d.department } : {}) });
  };

  const flush = () => {
    clearTimeout(retryTimer);
    retryCids.clear();
    for (const e of $outbox.get()) sendEntry(e.cid);
    if (profile && send({ type: 'profile', ...profile })) profile = null;
  };

  const inbox = createInbox({
    kv: d.kv,
    emit: d.emit,
    onSynced: () => {
      ready = true;
      attempt = 0;
      setState();
      flush();
    },
    retrySoon: (cid) => {
      retryCids.add(cid);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        for (const c of retryCids) sendEntry(c);
        retryCids.clear();
      }, RETRY_SOON_MS);
    },
  });

  const unreachable = () => {
    if (warned) return;
    warned = true;
    d.warn(`Switchboard: cannot reach ${d.server}; the chat will keep retrying in the background.`);
  };

  const stop = () => {
    stopped = true;
    $connection.set('unavailable');
    drop();
  };

  const scheduleReconnect = () => {
    clearTimeout(reconnectTimer);
    setState();
    if (!stopped && wanted) reconnectTimer = setTimeout(connect, backoffDelay(attempt++, d.random));
  };

  /** Forgets the socket (its late events are ignored) and closes it. */
  const drop = () => {
    clearInterval(heartbeat);
    ready = false;
    const sock = ws;
    ws = null;
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      try {
        sock.close();
      } catch {}
    }
  };

  const beat = () => {
    const t = now();
    if (t - lastRx >= Limits.clientDeadAfterMs) {
      // Silent for too long: the socket is dead even if the browser has not noticed.
      drop();
      scheduleReconnect();
    } else if (t - lastRx >= Limits.heartbeatIntervalMs && t - lastPing >= Limits.heartbeatIntervalMs) {
      lastPing = t;
      raw({ type: 'ping' });
    }
  };

  async function connect(): Promise<void> {
    clearTimeout(reconnectTimer);
    if (stopped || ws || !wanted || sessionPending) return;
    setState();
    if (needSession) {
      sessionPending = true;
      try {
        const s = await requestSession(d.fetch, d.server, d.site, d.kv.get('token'), user);
        sessionPending = false;
        if (stopped || !wanted) return;
        if (d.kv.get('vid') !== s.visitorId) {
          // Another visitor (new token or identified user): nothing of the old one applies.
          $conversation.set(null);
          $messages.set([]);
          d.kv.del('conv');
        }
        d.kv.set('token', s.token);
        d.kv.set('vid', s.visitorId);
        $site.set(s.site);
        needSession = false;
      } catch (e) {
        sessionPending = false;
        if (stopped || !wanted) return;
        const failure = e as SessionFailure;
        if (isFinal(failure)) {
          d.warn(`Switchboard: the server refused site "${d.site}" on this page (HTTP ${failure.status}).`);
          return stop();
        }
        if (!failure.status) unreachable();
        return scheduleReconnect();
      }
      if (ws) return;
    }
    let opened = false;
    let sock: WebSocket;
    try {
      sock = new d.WebSocket(socketUrl(d.server, d.kv.get('token') ?? ''));
    } catch {
      return stop();
    }
    ws = sock;
    sock.onopen = () => {
      opened = true;
      lastRx = lastPing = now();
      const cur = $conversation.get();
      raw({ type: 'hello', v: PROTOCOL_VERSION, ...(cur ? { cursors: { [cur.id]: resumeCursor() } } : {}) });
      heartbeat = setInterval(beat, HEARTBEAT_CHECK_MS);
    };
    sock.onmessage = (ev) => {
      lastRx = now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame && typeof frame === 'object') inbox(frame);
    };
    sock.onclose = (ev) => {
      drop();
      if ((STOP_CODES as readonly number[]).includes(ev.code)) return stop();
      // A refused upgrade (e.g. expired token → HTTP 401) shows up as 1006 before `open`.
      if (ev.code === UNAUTHORIZED || !opened) needSession = true;
      if (!opened && d.isOnline()) unreachable();
      scheduleReconnect();
    };
  }

  return {
    /** Opens the socket (once) and keeps it open until `shutdown`. */
    start() {
      wanted = true;
      if (!ws) void connect();
    },
    /** Reconnect now if not connected (browser `online`, tab visible). */
    nudge() {
      setState();
      if (wanted && !ws && !stopped) {
        attempt = 0;
        void connect();
      } else if (ws && now() - lastRx >= Limits.heartbeatIntervalMs) beat();
    },
    write(text: string) {
      const e = enqueue(text, d.uuid(), now());
      sendEntry(e.cid);
      this.start();
    },
    retry(cid: string) {
      setFailed(cid, undefined);
      sendEntry(cid);
      this.start();
    },
    send,
    profile(patch: Profile) {
      profile = { ...profile, ...patch, attributes: { ...profile?.attributes, ...patch.attributes } };
      if (!profile.attributes || !Object.keys(profile.attributes).length) delete profile.attributes;
      if (ready) flush();
    },
    identify(next: User) {
      user = next;
      needSession = true;
      if (ws) {
        drop();
        void connect();
      }
    },
    shutdown() {
      wanted = false;
      clearTimeout(reconnectTimer);
      clearTimeout(retryTimer);
      drop();
    },
  };
}

export type Client = ReturnType<typeof createClient>;
