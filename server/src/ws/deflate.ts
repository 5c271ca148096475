/**
 * permessage-deflate without a zlib stream per socket. With no context takeover ws resets a
 * socket's inflate and deflate streams after each message but keeps them for the life of the
 * socket: ~30 KB of inflate state for every browser socket (browsers compress every frame
 * they send, `hello` included) and ~230 KB of deflate state (window 15, memLevel 8; Node's
 * zlib keeps a 64 KB hash table whatever the memLevel) for every socket that was ever sent a
 * compressed frame — 4× the RSS of an idle socket without the extension (docs/performance.md,
 * "Bytes on a shopper's phone"). Without context takeover a stream holds nothing a later
 * message needs, so we free it once idle — the deflate stream once a large frame has left
 * (ws/outbound.ts), the inflate stream on the heartbeat sweep — and ws creates a fresh one
 * for the next compressed message. This reads ws 8's internals (`_extensions`, `_sender`,
 * `_receiver`); server/test/ws-deflate.test.ts fails if they change.
 */
import type { WebSocket } from 'ws';

interface ZlibStream {
  close(): void;
}

/** ws's PerMessageDeflate instance of one socket (only what we touch). */
interface PerMessageDeflateState {
  _inflate: ZlibStream | null;
  _deflate: ZlibStream | null;
}

interface SocketInternals {
  _extensions?: Record<string, PerMessageDeflateState | undefined>;
  /** `_state` 0 = DEFAULT (not compressing, not reading a Blob); `_queue`: frames waiting for it. */
  _sender?: { _state: number; _queue: unknown[] } | null;
  /** `_state` 0 = GET_INFO (between frames); `_fragmented`: opcode of an unfinished fragmented message, else 0. */
  _receiver?: { _state: number; _fragmented: number } | null;
}

const EXTENSION = 'permessage-deflate';

function state(ws: WebSocket): PerMessageDeflateState | undefined {
  return (ws as unknown as SocketInternals)._extensions?.[EXTENSION];
}

/**
 * Frees the socket's inflate stream if no message is being read: not inflating now (ws's
 * receiver state 0 = waiting for a frame header) and not between the fragments of a message.
 * Called by the heartbeat sweep, not per message: a fresh Node zlib stream for every frame a
 * browser sends cost ~45 % more CPU per message at 1 000 msg/s (docs/performance.md).
 */
export function releaseInflate(ws: WebSocket): void {
  const pmd = state(ws);
  const z = pmd?._inflate;
  if (!pmd || !z) return;
  const receiver = (ws as unknown as SocketInternals)._receiver;
  if (receiver?._state !== 0 || receiver._fragmented !== 0) return;
  pmd._inflate = null;
  z.close();
}

/** Frees the socket's deflate stream if nothing is being compressed or waits to be. */
export function releaseDeflate(ws: WebSocket): void {
  const pmd = state(ws);
  const z = pmd?._deflate;
  if (!pmd || !z) return;
  const sender = (ws as unknown as SocketInternals)._sender;
  if (sender?._state !== 0 || sender._queue.length > 0) return;
  pmd._deflate = null;
  z.close();
}

/** Whether the socket holds a zlib stream right now (tests, the heartbeat sweep). */
export function holdsZlib(ws: WebSocket): { inflate: boolean; deflate: boolean } {
  const pmd = state(ws);
  return { inflate: Boolean(pmd?._inflate), deflate: Boolean(pmd?._deflate) };
}
