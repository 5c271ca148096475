/**
 * How an administration change reaches every running server: each change writes a new value
 * under ADMIN_VERSION_KEY (service.ts); every server reads that one row every `intervalMs`
 * (default 1 s — one indexed read, on SQLite and PostgreSQL alike, whether the change came
 * from this process, another node or the command line) and, when it moved, re-checks what
 * it holds: cached sites, connected agents (deactivated → signed out; password changed →
 * other sessions signed out), conversations of deactivated agents (re-queued).
 */
import type { Storage } from '../storage/types.js';
import type { Timers } from '../timers.js';
import { ADMIN_VERSION_KEY } from './service.js';

export class AdminWatcher {
  private last: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly timers: Timers,
    private readonly intervalMs: number,
    private readonly apply: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    this.last = await this.storage.getSetting(ADMIN_VERSION_KEY);
    this.timer = this.timers.interval(() => {
      this.poll().catch(this.onError);
    }, this.intervalMs);
  }

  private async poll(): Promise<void> {
    const v = await this.storage.getSetting(ADMIN_VERSION_KEY);
    if (v === this.last) return;
    this.last = v;
    await this.now();
  }

  /** Re-check now (a change made by this process); runs once more if asked while running. */
  now(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.apply();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  stop(): void {
    if (this.timer) this.timers.clear(this.timer);
    this.timer = null;
  }
}
