import { Members } from './members.js';
import type { Bus, BusEnvelope, BusHandler } from './types.js';

/** Single-process bus: delivery is a synchronous call into the local handlers. */
export class InProcessBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly handlers = new Members<string, BusHandler>();

  publish(topics: readonly string[], payload: string): void {
    const envelope: BusEnvelope = { topics, payload };
    if (topics.length === 1) {
      this.handlers.forEach(topics[0] as string, (h) => h(envelope));
      return;
    }
    const called = new Set<BusHandler>();
    for (const t of topics) {
      this.handlers.forEach(t, (h) => {
        if (called.has(h)) return;
        called.add(h);
        h(envelope);
      });
    }
  }

  subscribe(topic: string, handler: BusHandler): void {
    this.handlers.add(topic, handler);
  }

  unsubscribe(topic: string, handler: BusHandler): void {
    this.handlers.delete(topic, handler);
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
