/**
 * Closes sockets that have not sent `hello` within a deadline. Every socket gets the same
 * deadline, so they expire in the order they arrived: one FIFO and one timer (armed for the
 * oldest) instead of a timer per socket. When no socket is waiting, no timer is left.
 */
import type { Timers } from '../timers.js';

export interface Greetable {
  /** In the queue, neither greeted nor closed nor expired yet. */
  awaitingHello: boolean;
}

export class HelloDeadline<C extends Greetable> {
  private queue: { conn: C; at: number }[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Sockets in the queue that have neither said hello nor closed. */
  private waiting = 0;

  constructor(
    private readonly ms: number,
    private readonly timers: Timers,
    private readonly expire: (conn: C) => void,
  ) {}

  add(conn: C): void {
    conn.awaitingHello = true;
    this.queue.push({ conn, at: Date.now() + this.ms });
    this.waiting++;
    if (!this.timer) this.arm(this.ms);
  }

  /** The socket said hello or closed: it no longer waits. */
  settle(conn: C): void {
    if (!conn.awaitingHello) return;
    conn.awaitingHello = false;
    this.waiting--;
    if (this.waiting === 0) this.reset();
  }

  private arm(ms: number): void {
    this.timer = this.timers.timeout(this.fire, Math.max(1, ms));
  }

  private readonly fire = (): void => {
    this.timer = null;
    const now = Date.now();
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head] as { conn: C; at: number };
      if (entry.at > now) break;
      this.head++;
      if (entry.conn.awaitingHello) {
        entry.conn.awaitingHello = false;
        this.waiting--;
        this.expire(entry.conn);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const next = this.queue[this.head];
    if (next && this.waiting > 0) this.arm(next.at - now);
    else this.reset();
  };

  private reset(): void {
    this.timers.clear(this.timer);
    this.timer = null;
    this.queue = [];
    this.head = 0;
  }

  clear(): void {
    this.waiting = 0;
    this.reset();
  }
}
