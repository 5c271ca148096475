/**
 * Visitor online/offline frames to a site's agents, coalesced: the first change of a visitor
 * goes out at once, later changes within the window wait and only the last state is sent
 * when the window ends (and only if it differs from what agents last heard). Connect/close
 * churn therefore costs agents at most one frame per visitor per window.
 */
import type { Timers } from '../timers.js';

interface Entry {
  siteId: string;
  published: boolean;
  pending: boolean | null;
  timer: NodeJS.Timeout | null;
}

export class VisitorOnline {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly timers: Timers,
    private readonly publish: (siteId: string, visitorId: string, online: boolean) => void,
  ) {}

  change(siteId: string, visitorId: string, online: boolean): void {
    const e = this.entries.get(visitorId);
    if (e) {
      e.pending = online;
      return;
    }
    this.publish(siteId, visitorId, online);
    if (this.windowMs <= 0) return;
    const entry: Entry = { siteId, published: online, pending: null, timer: null };
    entry.timer = this.timers.timeout(() => this.windowEnded(visitorId), this.windowMs);
    this.entries.set(visitorId, entry);
  }

  private windowEnded(visitorId: string): void {
    const e = this.entries.get(visitorId);
    if (!e) return;
    e.timer = null;
    if (e.pending !== null && e.pending !== e.published) {
      this.publish(e.siteId, visitorId, e.pending);
      e.published = e.pending;
      e.pending = null;
      e.timer = this.timers.timeout(() => this.windowEnded(visitorId), this.windowMs);
      return;
    }
    this.entries.delete(visitorId);
  }

  /** Ends every window now, sending the states still waiting (tests; shutdown uses `clear`). */
  flush(): void {
    for (const [id, e] of [...this.entries]) {
      this.timers.clear(e.timer);
      this.entries.delete(id);
      if (e.pending !== null && e.pending !== e.published) this.publish(e.siteId, id, e.pending);
    }
  }

  /** Visitors with a window open. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const e of this.entries.values()) this.timers.clear(e.timer);
    this.entries.clear();
  }
}
