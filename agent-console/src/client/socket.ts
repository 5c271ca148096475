import type { AgentClientFrame, ServerFrame } from '@switchboard/protocol';
import { backoffDelay, Limits } from '@switchboard/protocol';

/** The part of the browser WebSocket this module uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** False when the socket never opened (refused upgrade, server down, no network). */
  wasOpen: boolean;
}

export interface ReconnectingSocketOptions {
  url: () => string;
  /** Subprotocols offered at each connect (the console's: `switchboard` and its token). */
  protocols?: () => string[];
  onOpen: () => void;
  onFrame: (frame: ServerFrame) => void;
  /** Return false to stay closed (no automatic reconnect). */
  onClose: (info: CloseInfo) => boolean;
  onWaiting: (retryAt: number, attempt: number) => void;
  createSocket?: (url: string, protocols: string[]) => SocketLike;
  random?: () => number;
  now?: () => number;
}

export interface ReconnectingSocket {
  send(frame: AgentClientFrame): boolean;
  isOpen(): boolean;
  /** Reconnect at once if closed or waiting (browser back online, tab visible again). */
  reconnectNow(): void;
  /** Drop the socket now and reconnect per backoff (the browser reported that it went offline). */
  dropNow(reason: string): void;
  /** The session is healthy again (`synced`): the next drop starts the backoff from scratch. */
  resetBackoff(): void;
  stop(): void;
}

const OPEN = 1;
const HEARTBEAT_CHECK_MS = 5_000;
/** Browsers only let scripts close with 1000 or 3000–4999; this one marks a dead socket. */
const CLIENT_DEAD_CLOSE = 4408;
/** We closed it ourselves because the network went away; resume when it is back. */
const CLIENT_DROP_CLOSE = 4000;

/**
 * A WebSocket that reconnects with full-jitter backoff (capped at 30 s) and detects dead
 * connections itself: browsers never see the server's WebSocket pings, so after 25 s without
 * traffic it sends an app-level `ping`, and after 60 s of silence it drops the socket.
 */
export function createReconnectingSocket(opts: ReconnectingSocketOptions): ReconnectingSocket {
  const now = opts.now ?? Date.now;
  const create =
    opts.createSocket ?? ((url: string, protocols: string[]) => new WebSocket(url, protocols) as SocketLike);
  let ws: SocketLike | null = null;
  let opened = false;
  let stopped = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let lastHeard = 0;
  let lastPing = 0;

  function connect(): void {
    clearRetry();
    if (stopped || ws) return;
    opened = false;
    const socket = create(opts.url(), opts.protocols?.() ?? []);
    ws = socket;
    socket.onopen = () => {
      opened = true;
      lastHeard = now();
      lastPing = 0;
      heartbeat = setInterval(checkHeartbeat, HEARTBEAT_CHECK_MS);
      opts.onOpen();
    };
    socket.onmessage = (ev) => {
      lastHeard = now();
      if (typeof ev.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return; // not ours to fix; the server only sends JSON
      }
      if (frame && typeof frame.type === 'string') opts.onFrame(frame);
    };
    socket.onclose = (ev) => dropped(ev.code, ev.reason);
    socket.onerror = () => {
      // Always followed by `close`, which does the work.
    };
  }

  function checkHeartbeat(): void {
    if (!ws || !opened) return;
    const silent = now() - lastHeard;
    if (silent >= Limits.clientDeadAfterMs) {
      drop(CLIENT_DEAD_CLOSE, 'heartbeat timeout');
    } else if (silent >= Limits.heartbeatIntervalMs && now() - lastPing >= Limits.heartbeatIntervalMs) {
      lastPing = now();
      send({ type: 'ping' });
    }
  }

  /** Close from our side without waiting for a closing handshake a dead network never finishes. */
  function drop(code: number, reason: string): void {
    const socket = ws;
    if (!socket) return;
    detach(socket);
    try {
      socket.close(code, reason);
    } catch {
      // already closing
    }
    dropped(code, reason);
  }

  function detach(socket: SocketLike): void {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  }

  function dropped(code: number, reason: string): void {
    const wasOpen = opened;
    if (ws) detach(ws);
    ws = null;
    opened = false;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    if (stopped) return;
    const again = opts.onClose({ code, reason, wasOpen });
    if (!again || stopped) return;
    const delay = backoffDelay(attempt, opts.random);
    attempt++;
    opts.onWaiting(now() + delay, attempt);
    retryTimer = setTimeout(connect, delay);
  }

  function clearRetry(): void {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  }

  function send(frame: AgentClientFrame): boolean {
    if (!ws || !opened || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  connect();

  return {
    send,
    isOpen: () => ws !== null && opened,
    reconnectNow() {
      if (stopped || ws) return;
      connect();
    },
    dropNow(reason) {
      drop(CLIENT_DROP_CLOSE, reason);
    },
    resetBackoff() {
      attempt = 0;
    },
    stop() {
      stopped = true;
      clearRetry();
      const socket = ws;
      if (socket) {
        detach(socket);
        socket.close(1000, 'signed out');
      }
      ws = null;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
    },
  };
}
