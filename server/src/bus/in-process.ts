import { randomBytes } from 'node:crypto';
import { Members } from './members.js';
import type { Bus, BusEnvelope, BusHandler, BusState } from './types.js';

const READY = Promise.resolve();

/** Calls each handler of any of the envelope's topics once. */
export function deliverLocally(handlers: Members<string, BusHandler>, envelope: BusEnvelope): void {
  const topics = envelope.topics;
  if (topics.length === 1) {
    handlers.forEach(topics[0] as string, (h) => h(envelope));
    return;
  }
  const called = new Set<BusHandler>();
  for (const t of topics) {
    handlers.forEach(t, (h) => {
      if (called.has(h)) return;
      called.add(h);
      h(envelope);
    });
  }
}

/** A node id: short, random, unique per start. */
export function newNodeId(): string {
  return `n_${randomBytes(6).toString('base64url')}`;
}

/** Single-process bus: delivery is a synchronous call into the local handlers. */
export class InProcessBus implements Bus {
  readonly kind = 'memory' as const;
  readonly node = newNodeId();
  private readonly handlers = new Members<string, BusHandler>();

  publish(topics: readonly string[], payload: string): void {
    deliverLocally(this.handlers, { topics, payload, origin: this.node });
  }

  subscribe(topic: string, handler: BusHandler): Promise<void> {
    this.handlers.add(topic, handler);
    return READY;
  }

  unsubscribe(topic: string, handler: BusHandler): void {
    this.handlers.delete(topic, handler);
  }

  /** Topics with at least one handler (tests check this returns to baseline). */
  get topicCount(): number {
    return this.handlers.size;
  }

  async ping(): Promise<void> {}

  state(): BusState {
    return { connected: true, publishFailures: 0 };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
