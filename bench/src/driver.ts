/**
 * Open-loop message schedule: message k is due at t0 + k/rate and goes to visitor k mod C
 * (round-robin, so every visitor sends at rate/C per second). A 1 ms timer sends whatever is
 * due; the lag of every send against its due time tells whether the generator kept up.
 */
import type { VisitorClient } from './adapters/types.js';
import type { Recorder } from './recorder.js';
import { percentile, sortedCopy } from './stats.js';

export interface DriveResult {
  sent: number;
  lagP99Ms: number;
  lagMaxMs: number;
  elapsedMs: number;
}

export class Driver {
  private k = 0;
  private timer: NodeJS.Timeout | null = null;
  private lags: number[] = [];
  private t0 = 0;
  private sentInRun = 0;
  private total = Number.POSITIVE_INFINITY;
  private done: (() => void) | null = null;

  constructor(
    private readonly visitors: VisitorClient[],
    private readonly rec: Recorder,
  ) {}

  /** Sends at `rate` msg/s for durationMs (Infinity: until stop()). */
  run(rate: number, durationMs: number): Promise<DriveResult> {
    this.stop();
    this.lags = [];
    this.sentInRun = 0;
    this.total = Number.isFinite(durationMs)
      ? Math.round((rate * durationMs) / 1000)
      : Number.POSITIVE_INFINITY;
    this.t0 = performance.now();
    const interval = 1000 / rate;
    const c = this.visitors.length;
    return new Promise<DriveResult>((resolve) => {
      this.done = () => {
        const lags = sortedCopy(this.lags);
        resolve({
          sent: this.sentInRun,
          lagP99Ms: percentile(lags, 99),
          lagMaxMs: lags.length ? (lags[lags.length - 1] ?? 0) : 0,
          elapsedMs: performance.now() - this.t0,
        });
      };
      const tick = (): void => {
        const now = performance.now();
        const due = Math.min(this.total, Math.floor((now - this.t0) / interval) + 1);
        while (this.sentInRun < due) {
          const v = this.k % c;
          this.k++;
          const client = this.visitors[v];
          if (client) {
            const { n, text } = this.rec.next(v);
            client.send(text, n);
          }
          this.lags.push(now - (this.t0 + this.sentInRun * interval));
          this.sentInRun++;
        }
        if (this.sentInRun >= this.total) {
          this.finish();
          return;
        }
        this.timer = setTimeout(tick, 1);
      };
      tick();
    });
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const d = this.done;
    this.done = null;
    d?.();
  }

  stop(): void {
    this.finish();
  }
}
