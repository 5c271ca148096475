import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A tiny TCP failover proxy for multi-node tests: each new client connection goes to the first
 * upstream port that accepts it (in order), so while node A lives everything reaches A, and once
 * A is dead new connections reach B. A connection whose upstream dies is closed on the client
 * side too (as a load balancer would), so the client reconnects.
 */
export class FailoverProxy {
  readonly url: string;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Upstream port of each accepted connection, in order (what the test can assert on). */
  readonly routed: number[] = [];

  constructor(
    readonly port: number,
    private readonly upstreams: number[],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    this.connect(client, 0);
  }

  /** Tries upstream `i`, then the next one; bounded by the number of upstreams. */
  private connect(client: Socket, i: number): void {
    const port = this.upstreams[i];
    if (port === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port });
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.routed.push(port);
      this.sockets.add(upstream);
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) this.connect(client, i + 1);
      else upstream.destroy();
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
