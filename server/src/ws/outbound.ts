/**
 * Outbound: how a serialised frame reaches a socket, and how sockets are kept healthy.
 * The hub decides WHO gets a frame; this module owns the per-socket safety nets that must
 * not be per-socket timers:
 * - size: no frame above `maxFrameBytes` is sent (a bug, reported through `onOversize`);
 * - corking: every frame a socket gets in one turn leaves in one `writev`;
 * - backpressure: a socket whose send buffer exceeds the limit is closed with 4413 and resumes;
 * - close deadlines: a socket we close gets `closeGraceMs` to finish the closing handshake,
 *   then it is terminated (a slow consumer may never read as far as our close frame, and its
 *   unsent buffer must not stay in memory for ws's own 30 s close timeout);
 * - heartbeat: ONE interval for all sockets (isAlive flag, ws ping, terminate on a missed pong).
 */
import type { Socket } from 'node:net';
import { CloseCode } from '@switchboard/protocol';
import type { WebSocket } from 'ws';
import type { Timers } from '../timers.js';
import { releaseDeflate, releaseInflate } from './deflate.js';

export interface OutboundClient {
  readonly ws: WebSocket;
  isAlive: boolean;
  closing: boolean;
}

export interface OutboundOptions {
  maxBufferedBytes: number;
  /** No frame larger than this is sent: it is dropped and reported through `onOversize`. */
  maxFrameBytes?: number;
  heartbeatMs: number;
  /** After we close a socket, terminate it if the peer has not completed the close by then. */
  closeGraceMs?: number;
  timers: Timers;
  /**
   * permessage-deflate's threshold when it is on (null: off): after a frame that may have been
   * compressed has left, the socket's deflate stream is freed (ws/deflate.ts).
   */
  deflateThreshold?: number | null;
}

export class Outbound<C extends OutboundClient> {
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly maxBufferedBytes: number;
  private readonly maxFrameBytes: number;
  private readonly heartbeatMs: number;
  private readonly closeGraceMs: number;
  private readonly timers: Timers;
  private readonly deflateThreshold: number | null;
  /** Sockets we closed that have not finished closing yet → their terminate deadline. */
  private readonly closeDeadlines = new Map<C, NodeJS.Timeout>();
  /** TCP sockets corked in this turn; uncorked together once the turn's work is done. */
  private corked: Socket[] = [];
  /** Called when a socket is closed for backpressure (metrics). */
  onSlowConsumer: (() => void) | null = null;
  /** Called with a frame's type and size when it was too large to send (a bug to log). */
  onOversize: ((type: string, bytes: number) => void) | null = null;

  constructor(
    /** The registry's live sockets (the heartbeat sweeps them; only these get close deadlines). */
    private readonly clients: ReadonlySet<C>,
    opts: OutboundOptions,
  ) {
    this.maxBufferedBytes = opts.maxBufferedBytes;
    this.maxFrameBytes = opts.maxFrameBytes ?? Number.POSITIVE_INFINITY;
    this.heartbeatMs = opts.heartbeatMs;
    this.closeGraceMs = opts.closeGraceMs ?? 2000;
    this.deflateThreshold = opts.deflateThreshold ?? null;
    this.timers = opts.timers;
  }

  /** Every outgoing frame is bounded: one too large is a bug, reported and not sent. */
  fits(type: string, payload: string): boolean {
    // UTF-16 length × 3 bounds the UTF-8 size: count bytes only when it could matter.
    if (payload.length * 3 <= this.maxFrameBytes) return true;
    const bytes = Buffer.byteLength(payload);
    if (bytes <= this.maxFrameBytes) return true;
    this.onOversize?.(type, bytes);
    return false;
  }

  /** Whether the frame was handed to the socket (`sent` is then called once it is written). */
  write(c: C, payload: string, sent?: () => void): boolean {
    if (c.closing || c.ws.readyState !== 1) return false;
    if (c.ws.bufferedAmount > this.maxBufferedBytes && this.overLimitUncorked(c.ws)) {
      // Do not grow memory without bound for a client that cannot keep up: drop it; it resumes.
      this.onSlowConsumer?.();
      this.close(c, CloseCode.SlowConsumer, 'SlowConsumer');
      return false;
    }
    this.cork(c.ws);
    // UTF-16 length × 3 bounds the UTF-8 size that ws compares with its threshold.
    if (this.deflateThreshold !== null && payload.length * 3 >= this.deflateThreshold) {
      const ws = c.ws;
      ws.send(payload, () => {
        releaseDeflate(ws);
        sent?.();
      });
    } else if (sent) c.ws.send(payload, sent);
    else c.ws.send(payload);
    return true;
  }

  /**
   * Resolves once the frame has left for the kernel (or the socket is gone), so a client
   * that does not read holds at most one frame of ours in memory.
   */
  writePaced(c: C, payload: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        c.ws.off('close', done);
        resolve();
      };
      c.ws.once('close', done);
      if (!this.write(c, payload, done)) done();
    });
  }

  /**
   * Every frame a socket gets in one turn (an ack and the echo; an agent's messages of a
   * whole group commit) leaves in one `writev`: cork the TCP socket at its first frame and
   * uncork all corked sockets once the current callback and its microtasks are done.
   */
  private cork(ws: WebSocket): void {
    const sock = (ws as unknown as { _socket?: Socket })._socket;
    if (!sock || sock.writableCorked > 0) return;
    sock.cork();
    if (this.corked.push(sock) === 1) process.nextTick(this.uncorkAll);
  }

  /**
   * Bytes we hold back by corking are not the peer's fault: flush them to the kernel first
   * (the write is attempted synchronously) and judge by what is still unsent.
   */
  private overLimitUncorked(ws: WebSocket): boolean {
    const sock = (ws as unknown as { _socket?: Socket })._socket;
    if (sock && sock.writableCorked > 0) {
      sock.uncork();
      return ws.bufferedAmount > this.maxBufferedBytes;
    }
    return true;
  }

  private readonly uncorkAll = (): void => {
    const list = this.corked;
    this.corked = [];
    for (const s of list) s.uncork();
  };

  close(c: C, code: number, reason: string): void {
    if (c.closing) return;
    c.closing = true;
    try {
      c.ws.close(code, reason);
    } catch {
      c.ws.terminate();
      return;
    }
    if (this.clients.has(c)) {
      this.closeDeadlines.set(
        c,
        this.timers.timeout(() => {
          this.closeDeadlines.delete(c);
          c.ws.terminate();
        }, this.closeGraceMs),
      );
    }
  }

  /** The socket is gone: its close deadline, if any, is not needed any more. */
  forget(c: C): void {
    this.timers.clear(this.closeDeadlines.get(c));
    this.closeDeadlines.delete(c);
  }

  startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = this.timers.interval(() => this.sweep(), this.heartbeatMs);
  }

  /** One sweep over every socket: terminate those that missed the previous ping, ping the rest. */
  sweep(): void {
    for (const c of this.clients) {
      if (!c.isAlive) {
        c.closing = true;
        c.ws.terminate();
        continue;
      }
      c.isAlive = false;
      // permessage-deflate: the inflate stream of a socket that sent something since the last
      // sweep, and a deflate stream whose frame's send callback found ws still compressing.
      if (this.deflateThreshold !== null) {
        releaseInflate(c.ws);
        releaseDeflate(c.ws);
      }
      try {
        c.ws.ping();
      } catch {
        c.ws.terminate();
      }
    }
  }

  stopHeartbeat(): void {
    this.timers.clear(this.heartbeat);
    this.heartbeat = null;
  }

  /** Graceful shutdown: every socket gets `code` (4503 Restarting) and resumes elsewhere/later. */
  closeAll(code: number, reason: string): void {
    for (const c of this.clients) this.close(c, code, reason);
  }

  /** Sockets that did not finish their close handshake in time. */
  terminateAll(): void {
    for (const c of this.clients) {
      c.closing = true;
      c.ws.terminate();
    }
    for (const t of this.closeDeadlines.values()) this.timers.clear(t);
    this.closeDeadlines.clear();
  }
}
