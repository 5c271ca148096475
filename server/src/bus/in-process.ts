import type { Bus, BusEnvelope, BusHandler } from './types.js';

/** Single-process bus: delivery is a synchronous call into the local handlers. */
export class InProcessBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly handlers = new Map<string, Set<BusHandler>>();

  publish(topics: readonly string[], payload: string): void {
    const envelope: BusEnvelope = { topics, payload };
    if (topics.length === 1) {
      const set = this.handlers.get(topics[0] as string);
      if (set) for (const h of set) h(envelope);
      return;
    }
    const called = new Set<BusHandler>();
    for (const t of topics) {
      const set = this.handlers.get(t);
      if (!set) continue;
      for (const h of set) {
        if (called.has(h)) continue;
        called.add(h);
        h(envelope);
      }
    }
  }

  subscribe(topic: string, handler: BusHandler): void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
  }

  unsubscribe(topic: string, handler: BusHandler): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    set.delete(handler);
    if (set.size === 0) this.handlers.delete(topic);
  }

  /** Topics with at least one handler (tests check this returns to baseline). */
  get topicCount(): number {
    return this.handlers.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
