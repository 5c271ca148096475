/** A real webhook endpoint for tests: verifies each signature and fails on demand. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  id: string;
  type: string;
  delivery: string;
  signatureOk: boolean;
  body: { id: string; type: string; site: string; createdAt: number; data: Record<string, unknown> };
}

/** A webhook endpoint: verifies each signature, answers 500 to the first `failFirst` attempts of each delivery. */
export class Receiver {
  readonly attempts: Received[] = [];
  secret = '';
  private readonly tries = new Map<string, number>();
  /** Indexes into `attempts` that were answered with an error. */
  private readonly refused = new Set<number>();
  private server: http.Server | null = null;
  url = '';

  /** While true every attempt gets 503 (an endpoint that is down), counted apart from `failFirst`. */
  down = false;

  constructor(private readonly failFirst: number) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        raw += c;
      });
      req.on('end', () => {
        const sig = String(req.headers['switchboard-signature'] ?? '');
        const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
        const expected = m
          ? createHmac('sha256', this.secret).update(`${m[1]}.${raw}`).digest()
          : Buffer.alloc(0);
        const given = m ? Buffer.from(m[2] as string, 'hex') : Buffer.alloc(1);
        const body = JSON.parse(raw) as Received['body'];
        const delivery = String(req.headers['switchboard-delivery']);
        this.attempts.push({
          id: body.id,
          type: String(req.headers['switchboard-event']),
          delivery,
          signatureOk: given.length === expected.length && timingSafeEqual(given, expected),
          body,
        });
        if (this.down) {
          this.refused.add(this.attempts.length - 1);
          res.writeHead(503).end('down');
          return;
        }
        const n = (this.tries.get(delivery) ?? 0) + 1;
        this.tries.set(delivery, n);
        if (n <= this.failFirst) this.refused.add(this.attempts.length - 1);
        res.writeHead(n <= this.failFirst ? 500 : 204).end(n <= this.failFirst ? 'not yet' : undefined);
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Accepted deliveries, de-duplicated by event id (what a receiver keeps). */
  accepted(): Map<string, Received> {
    const out = new Map<string, Received>();
    this.attempts.forEach((a, i) => {
      if (!this.refused.has(i) && !out.has(a.id)) out.set(a.id, a);
    });
    return out;
  }

  /** Attempts answered with success (a delivery can succeed twice: at least once). */
  get successes(): number {
    return this.attempts.length - this.refused.size;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
