/**
 * The bus carries serialized frames between gateway processes. A frame is published once,
 * with the list of topics it is for (`conv:<id>`, `visitor:<id>`, `agent:<id>`,
 * `site:<id>:agents`, `site:<id>:visitors`); each process delivers it to the union of its
 * local sockets subscribed to any of them, so a socket on two of the topics gets it once.
 */
export interface BusEnvelope {
  readonly topics: readonly string[];
  /** The frame, already JSON-serialized (once, for every recipient). */
  readonly payload: string;
}

export type BusHandler = (envelope: BusEnvelope) => void;

export interface Bus {
  readonly kind: 'memory' | 'redis';
  publish(topics: readonly string[], payload: string): void;
  /** Local interest in a topic. A handler is called once per envelope, however many of its topics it holds. */
  subscribe(topic: string, handler: BusHandler): void;
  unsubscribe(topic: string, handler: BusHandler): void;
  /** Throws when the bus is unreachable (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
