/**
 * One adapter per protocol. The load generator only sees this interface: visitors that send
 * texts, agents that receive them and reply, and a sink for what arrives. Message identity
 * (visitor, n) and the send time travel inside the text, so loss, duplicates, order and
 * latency are measured the same way for every server.
 */

export interface Sink {
  /** A visitor message reached agent `agent` (after the protocol's own de-duplication). */
  agentMessage(agent: number, text: string): void;
  /** A visitor's own message came back to it (the echo). */
  visitorEcho(visitor: number, text: string): void;
  /** An agent reply reached the visitor. */
  visitorReply(visitor: number, text: string): void;
  /** The server refused a frame (error code). */
  error(code: string): void;
  /** A WebSocket connection attempt was made (storm accounting). */
  attempt(): void;
}

export interface VisitorClient {
  /** Sends a message (Switchboard: queued in an outbox until acked, resent after reconnects). */
  send(text: string, n: number): void;
  /** Connected and past the protocol's session start (Switchboard: `synced`). */
  readonly ready: boolean;
  /** Messages sent but not yet confirmed (Switchboard: unacked cids; others: 0). */
  readonly pending: number;
  close(): void;
}

export interface AgentClient {
  reply(visitor: number, text: string): void;
  readonly ready: boolean;
  close(): void;
}

export interface AdapterOptions {
  url: string;
  /** Where agents log in and connect (default: url). */
  agentUrl?: string;
  sink: Sink;
  /** Reconnect with backoff and resume (only Switchboard's storm uses it). */
  reconnect: boolean;
}

export interface Adapter {
  /** Work before any socket (e.g. agent logins). */
  setup(agents: number): Promise<void>;
  connectAgent(agent: number): Promise<AgentClient>;
  /** Resolves when the visitor is connected and in its own conversation. */
  connectVisitor(visitor: number): Promise<VisitorClient>;
  /** Give visitor's conversation to agent (claim / join the room). */
  assign(visitor: number, agent: number): Promise<void>;
  /** Frames received so far by type, all sockets together (where the adapter counts them). */
  frameCounts?(): Record<string, number>;
  close(): void;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
