/**
 * The bus carries serialized frames between gateway processes. A frame is published once,
 * with the list of topics it is for (`conv:<id>`, `visitor:<id>`, `agent:<id>`,
 * `site:<id>:agents`, `site:<id>:visitors`); each process delivers it to the union of its
 * local sockets subscribed to any of them, so a socket on two of the topics gets it once.
 *
 * Every envelope carries an id and the node that published it: the publishing node
 * delivers its own envelope locally at once and ignores it when the bus brings it back, and
 * a node subscribed to several of an envelope's topics delivers it once.
 */
export interface BusEnvelope {
  readonly topics: readonly string[];
  /** The frame, already JSON-serialized (once, for every recipient). */
  readonly payload: string;
  /** The node that published it. */
  readonly origin: string;
}

export type BusHandler = (envelope: BusEnvelope) => void;

/** What the bus can tell about itself (logs, metrics, `/readyz`). */
export interface BusState {
  /** false while a remote bus is unreachable: local delivery goes on, other nodes miss frames. */
  readonly connected: boolean;
  /** Envelopes that could not be sent to other nodes (the bus was down). */
  readonly publishFailures: number;
}

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /** This process's node id (unique per start). */
  readonly node: string;
  /** Delivers to local handlers at once (synchronously), and to other nodes. */
  publish(topics: readonly string[], payload: string): void;
  /**
   * Interest in a topic. A handler is called once per envelope, however many of its topics
   * it holds. Resolves once envelopes published on ANY node from then on reach the handler
   * (a round trip to Redis): subscribe, await, then read history — nothing falls between.
   * While the remote bus is down it resolves at once (local delivery only) and the
   * subscription is made when the bus is back.
   */
  subscribe(topic: string, handler: BusHandler): Promise<void>;
  unsubscribe(topic: string, handler: BusHandler): void;
  /** Throws when the bus is unreachable (readiness probe). */
  ping(): Promise<void>;
  state(): BusState;
  close(): Promise<void>;
}
