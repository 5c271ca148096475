/**
 * The visitor socket: session, hello/resume, outbox flush, heartbeat and reconnect.
 * Frames are applied to the stores by the inbox; this module only moves them.
 */
import type {
  CloseCode,
  Limits,
  PROTOCOL_VERSION,
  ServerFrame,
  VisitContext,
  VisitorClientFrame,
} from '@switchboard/protocol';
import type { User } from './config';
import type { Emitter } from './events';
import { createInbox } from './inbox';
import { isFinal, requestSession, type SessionFailure, socketUrl } from './session';
import type { KV } from './storage';
import { $connection, type ConnectionState } from './stores/connection';
import { $conversation } from './stores/conversation';
import { $messages, addMessages, resumeCursor } from './stores/messages';
import { $outbox, enqueue, findEntry, patch } from './stores/outbox';
import { $agentsOnline, $site } from './stores/site';
import { createTabs, type Snapshot, type TabMessage, type TabsDeps } from './tabs';

// The protocol's limits as literals, checked against it by type: importing `Limits` (or
// `backoffDelay`, which reads it) ships the whole object, ~0.2 KB gzipped.
const V: typeof PROTOCOL_VERSION = 1;
const PING_AFTER_MS: typeof Limits.heartbeatIntervalMs = 25_000;
const DEAD_AFTER_MS: typeof Limits.clientDeadAfterMs = 60_000;
const BACKOFF_BASE_MS: typeof Limits.reconnectBaseMs = 500;
const BACKOFF_CAP_MS: typeof Limits.reconnectCapMs = 30_000;

/** Full-jitter exponential backoff, the protocol's `backoffDelay` (a test keeps them equal). */
export const backoff = (attempt: number, random: () => number): number =>
  Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20)));

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
  /** Tab coordination (absent: this tab is alone, with its own socket). */
  locks?: TabsDeps['locks'];
  Channel?: TabsDeps['Channel'];
  /** The visit for `hello` (the agents' context panel). */
  ctx: () => VisitContext;
  /** Channel messages the widget handles (open state, read position). */
  tab?: (message: TabMessage) => void;
  /** Waiting for consent (`data-consent="required"`): no connection and no tab coordination until `hold(false)`. */
  held?: boolean;
}

export const HEARTBEAT_CHECK_MS = 5000;

/** Close codes after which reconnecting cannot help (typed by the protocol's CloseCode). */
const STOP_CODES: readonly CloseCode[] = [4403, 4406]; // Forbidden, BadHello
const UNAUTHORIZED: CloseCode = 4401;
/** Delay before resending messages refused for a transient reason (rate limit, restart). */
export const RETRY_SOON_MS = 3000;
/** A session request or socket handshake that has not answered by then is given up and retried. */
export const CONNECT_TIMEOUT_MS = 15_000;

type Profile = { name?: string; email?: string; attributes?: Record<string, string> };

export function createClient(d: ClientDeps) {
  const now = d.now ?? Date.now;
  let ws: WebSocket | null = null;
  let ready = false;
  let wanted = false;
  let stopped = false;
  let attempt = 0;
  let needSession = !d.kv.get('token');
  /** The server could not be reached since the last successful sync ("leave a message"). */
  let down = false;
  let lastRx = 0;
  let lastPing = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let openTimer: ReturnType<typeof setTimeout> | undefined;
  let profile: Profile | null = null;
  let sessionPending = false;
  const retryCids = new Set<string>();
  let user = d.user;
  let held = d.held;

  /** The leader sets the connection state for every tab. */
  const conn = (state: ConnectionState) => {
    if (!tabs.leader() || $connection.get() === state) return;
    $connection.set(state);
    tabs.post({ n: state });
  };
  const setState = () => {
    if (!stopped)
      // Waiting for consent is not connecting.
      conn(
        !d.isOnline()
          ? 'offline'
          : ready
            ? 'online'
            : down
              ? 'down'
              : wanted && !held
                ? 'connecting'
                : 'idle',
      );
  };

  const raw = (frame: VisitorClientFrame): boolean => {
    if (ws?.readyState !== 1) return false;
    ws!.send(JSON.stringify(frame));
    return true;
  };

  /**
   * Sends a frame when live (typing/read/ping are simply dropped otherwise); a follower
   * tab hands it to the leader.
   */
  const send = (frame: VisitorClientFrame): boolean => {
    if (tabs.leader()) return ready && raw(frame);
    tabs.post({ c: frame });
    return true;
  };

  const sendEntry = (cid: string) => {
    const e = findEntry(cid);
    if (!e || e.failed || e.u != null) return;
    send({
      type: 'send',
      cid: e.cid,
      text: e.text,
      department: d.department,
      attachment: e.a?.id,
      proactive: e.p,
    });
  };

  /** Files being uploaded, by the cid of their outbox entry (a reload drops them: see bindOutbox). */
  const files: Record<string, File> = {};
  const upload = (cid: string) => {
    const f = files[cid]!;
    const x = new XMLHttpRequest();
    patch(cid, { u: 0 });
    x.open('POST', `${d.server}/api/sites/${d.site}/attachments?name=${encodeURIComponent(f.name)}`);
    x.setRequestHeader('authorization', `Bearer ${d.kv.get('token')}`);
    x.responseType = 'json';
    x.upload.onprogress = (e) => patch(cid, { u: e.loaded / e.total });
    x.onloadend = () => {
      if (x.status === 201) {
        // The file's name stays the text: the server keeps a caption equal to it as none.
        patch(cid, { u: null, a: x.response });
        sendEntry(cid);
      } else {
        d.warn(`Switchboard: ${f.name}: ${x.response?.message}`);
        patch(cid, { u: null, failed: 'x' });
      }
    };
    x.send(f);
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
      if (!tabs.leader()) return; // a relayed replay: the leader flushes
      ready = true;
      down = false;
      d.kv.del('down');
      attempt = 0;
      setState();
      flush();
    },
    retrySoon: (cid) => {
      if (!tabs.leader()) return;
      retryCids.add(cid);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        for (const c of retryCids) sendEntry(c);
        retryCids.clear();
      }, RETRY_SOON_MS);
    },
  });

  const unreachable = () => {
    down = true;
    setState();
    // Said once per outage, not once per page: a reload while down stays quiet.
    if (d.kv.get('down')) return;
    d.kv.set('down', '1');
    d.warn(`Switchboard: cannot reach ${d.server}; the chat will keep retrying in the background.`);
  };

  const stop = () => {
    conn('unavailable');
    stopped = true;
    drop();
  };

  const scheduleReconnect = () => {
    clearTimeout(reconnectTimer);
    setState();
    if (!stopped && wanted) reconnectTimer = setTimeout(connect, backoff(attempt++, d.random ?? Math.random));
  };

  /** Forgets the socket (its late events are ignored) and closes it. */
  const drop = () => {
    clearInterval(heartbeat);
    clearTimeout(openTimer);
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
    if (t - lastRx >= DEAD_AFTER_MS) {
      // Silent for too long: the socket is dead even if the browser has not noticed.
      drop();
      scheduleReconnect();
    } else if (t - lastRx >= PING_AFTER_MS && t - lastPing >= PING_AFTER_MS) {
      lastPing = t;
      raw({ type: 'ping' });
    }
  };

  async function connect(): Promise<void> {
    clearTimeout(reconnectTimer);
    if (held || stopped || ws || !wanted || sessionPending || !tabs.leader()) return;
    setState();
    if (needSession) {
      sessionPending = true;
      try {
        const s = await requestSession(
          d.fetch,
          d.server,
          d.site,
          d.kv.get('token'),
          user,
          CONNECT_TIMEOUT_MS,
        );
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
        $agentsOnline.set(s.site.agentsOnline);
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
      sock = new d.WebSocket(socketUrl(d.server), ['switchboard', d.kv.get('token') ?? '']);
    } catch {
      return stop();
    }
    ws = sock;
    /** Closed, or never answered: a handshake that did not open means the session is suspect. */
    const lost = (code: number) => {
      drop();
      if ((STOP_CODES as readonly number[]).includes(code)) return stop();
      // A refused upgrade (e.g. expired token → HTTP 401) shows up as 1006 before `open`.
      if (code === UNAUTHORIZED || !opened) needSession = true;
      if (!opened && d.isOnline()) unreachable();
      scheduleReconnect();
    };
    openTimer = setTimeout(() => lost(0), CONNECT_TIMEOUT_MS);
    sock.onopen = () => {
      clearTimeout(openTimer);
      opened = true;
      lastRx = lastPing = now();
      const cur = $conversation.get();
      // Holding nothing, give no cursor: the server sends the newest page, older ones on scroll.
      const held = cur && $messages.get().length;
      raw({
        type: 'hello',
        v: V,
        cursors: held ? { [cur.id]: resumeCursor() } : undefined,
        ctx: d.ctx(),
      });
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
      if (frame && typeof frame === 'object') {
        inbox(frame);
        if (frame.type !== 'pong') tabs.post({ s: frame });
      }
    };
    sock.onclose = (ev) => lost(ev.code);
  }

  const client = {
    /** Opens the socket (once) and keeps it open until `shutdown`; a follower asks the leader. */
    start() {
      wanted = true;
      if (!tabs.leader()) tabs.post({ w: 1 });
      else if (!ws) void connect();
    },
    /** Reconnect now if not connected (browser `online`, tab visible). */
    nudge() {
      setState();
      if (wanted && !ws && !stopped) {
        attempt = 0;
        void connect();
      } else if (ws && now() - lastRx >= PING_AFTER_MS) beat();
    },
    write(text: string) {
      const e = enqueue(text, d.uuid(), now());
      sendEntry(e.cid);
      client.start();
    },
    /** A file from the visitor: shown at once, uploaded with its progress, then sent like a message. */
    attach(f: File) {
      const { cid } = enqueue(f.name, d.uuid(), now());
      files[cid] = f;
      upload(cid);
    },
    /**
     * The visitor's transcript of a conversation: downloaded as a text file, or (`mail`) mailed
     * to the email they gave. Resolves once done; a failure is one `console.warn`.
     */
    transcript: (id: string, mail?: boolean) =>
      d
        .fetch(`${d.server}/api/visitor/transcript${mail ? '/email' : `?conversationId=${id}`}`, {
          method: mail ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${d.kv.get('token')}`, 'content-type': 'application/json' },
          body: mail ? JSON.stringify({ conversationId: id }) : undefined,
        })
        .then((r) => {
          if (!r.ok) throw r.status;
          return r.blob();
        })
        .catch((e) => {
          d.warn(`Switchboard: transcript failed (${e})`);
          throw e;
        }),
    retry(cid: string) {
      patch(cid, { failed: undefined });
      if (files[cid]) upload(cid);
      else sendEntry(cid);
      client.start();
    },
    send,
    profile(patch: Profile) {
      if (!tabs.leader()) return void tabs.post({ c: { type: 'profile', ...patch } });
      profile = { ...profile, ...patch, attributes: { ...profile?.attributes, ...patch.attributes } };
      if (!profile.attributes || !Object.keys(profile.attributes).length) delete profile.attributes;
      if (ready) flush();
    },
    /** A new identity re-establishes the session (the same one again changes nothing). */
    identify(next: User) {
      if (JSON.stringify(next) === JSON.stringify(user)) return;
      user = next;
      needSession = true;
      if (!tabs.leader()) tabs.post({ u: next });
      else if (ws) {
        drop();
        void connect();
      }
    },
    /** Widget-level news for the other tabs (open state, read position). */
    post: (m: TabMessage) => tabs.post(m),
    /** Whether this tab holds the socket (notifications and sound happen once, here). */
    leader: () => tabs.leader(),
    /**
     * Consent withdrawn (`true`: disconnect, stop coordinating, wanted no more) or given
     * (`false`: join the other tabs, connect if wanted meanwhile). Call it after the storage
     * moved (the widget resets the stores after a withdrawal).
     */
    hold(on: boolean) {
      held = on;
      if (on) wanted = false;
      drop();
      tabs.close();
      tabs = joinTabs();
      // Withdrawn, the token is gone; given, a session first says who this is (an `identify` may
      // have come meanwhile) and continues a kept token's visitor.
      needSession = true;
      if (wanted) client.start();
    },
    shutdown() {
      wanted = false;
      clearTimeout(reconnectTimer);
      clearTimeout(retryTimer);
      drop();
      tabs.close();
    },
  };

  /**
   * A frame a follower tab asked the leader to send. A `send` entry is also in the shared
   * outbox (localStorage), so when the socket is not ready it goes out with the next flush.
   */
  const relay = (f: VisitorClientFrame) => {
    if (f.type !== 'profile') return send(f);
    const { type, ...patch } = f;
    client.profile(patch);
  };

  /** A follower takes the leader's state when it joins. */
  const adopt = (p: Snapshot) => {
    $site.set(p.site);
    $agentsOnline.set(p.on);
    $connection.set(p.n);
    const cur = $conversation.get();
    if (p.conv && cur?.id !== p.conv.id) {
      $conversation.set(p.conv);
      $messages.set([]);
    }
    addMessages(p.msgs);
    inbox({ type: 'synced' }); // later relayed messages are live ones
  };

  const joinTabs = () =>
    createTabs({
      name: `sb:${d.site}`,
      // Alone (its own leader, no channel) while waiting for consent.
      locks: held ? undefined : d.locks,
      Channel: d.Channel,
      lead() {
        // The previous leader's tab closed (or this is the first tab): connect if wanted.
        ready = false;
        setState();
        if (wanted) void connect();
      },
      receive(m) {
        if (tabs.leader()) {
          if (m.c) relay(m.c);
          if (m.w) client.start();
          if (m.u) client.identify(m.u);
          if (m.j)
            tabs.post({
              p: {
                site: $site.get(),
                on: $agentsOnline.get(),
                conv: $conversation.get(),
                msgs: $messages.get(), // structured-cloned by postMessage
                n: $connection.get(),
              },
            });
        } else {
          if (m.s) inbox(m.s);
          if (m.n) $connection.set(m.n);
          if (m.p) adopt(m.p);
        }
        d.tab?.(m);
      },
    });
  let tabs = joinTabs();
  return client;
}

export type Client = ReturnType<typeof createClient>;
