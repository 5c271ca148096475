/**
 * The app's own timers, counted. Every timer the gateway keeps (the heartbeat sweep, an
 * agent's grace period, a slow consumer's close deadline) goes through one `Timers`, so
 * tests can check that opening and closing sockets leaves none behind, and shutdown can
 * clear whatever is left. Timers are unref'd: they never keep the process alive.
 */
export class Timers {
  private readonly live = new Set<NodeJS.Timeout>();

  timeout(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, ms);
    t.unref();
    this.live.add(t);
    return t;
  }

  interval(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setInterval(fn, ms);
    t.unref();
    this.live.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout | null | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.live.delete(t);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get active(): number {
    return this.live.size;
  }

  clearAll(): void {
    for (const t of this.live) clearTimeout(t);
    this.live.clear();
  }
}
