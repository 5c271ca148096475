import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerFrame } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach } from 'vitest';
import WebSocket from 'ws';
import { type BuildAppOptions, buildApp } from '../src/app.js';
import type { ConfigOverrides } from '../src/config.js';
import type { VisitorRecord } from '../src/storage/types.js';

export const ORIGIN = 'http://localhost:5173';

/**
 * scrypt cost in tests: 2^10 instead of the production 2^17 (128 MiB and ~0.3 s per hash), so
 * seeding and signing in stay cheap. Every app a test builds passes it (`testApp` does).
 */
export const TEST_SCRYPT_N = 2 ** 10;

/** An anonymous visitor row for storage tests (site `demo` unless given). */
export function visitorRecord(id: string, at: number, extra: Partial<VisitorRecord> = {}): VisitorRecord {
  return {
    id,
    siteId: 'demo',
    externalId: null,
    name: null,
    email: null,
    verified: false,
    attributes: {},
    createdAt: at,
    lastSeenAt: at,
    ...extra,
  };
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-server-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds an app on a temp data dir (seeded, silent). Call `dispose()` in afterEach. */
export async function testApp(
  config: ConfigOverrides = {},
  extra: Omit<BuildAppOptions, 'config'> = {},
  dir?: string,
): Promise<{ app: FastifyInstance; dir: string; dispose: () => Promise<void> }> {
  const tmp = dir ? { dir, remove: () => undefined } : tempDir();
  const app = await buildApp({
    config: {
      dataDir: tmp.dir,
      seed: true,
      seedHistory: false,
      logLevel: 'silent',
      scryptN: TEST_SCRYPT_N,
      ...config,
    },
    logger: false,
    ...extra,
  });
  return {
    app,
    dir: tmp.dir,
    dispose: async () => {
      await app.close();
      tmp.remove();
    },
  };
}

/**
 * A test app listening on a loopback port for every test of the file, its sockets closed and
 * the app disposed after each (`live.app`, `live.host`, `live.pool` inside the tests).
 */
export function liveApp(config: ConfigOverrides = {}): {
  app: FastifyInstance;
  host: string;
  pool: ClientPool;
} {
  const live = { app: undefined as unknown as FastifyInstance, host: '', pool: new ClientPool() };
  let dispose = async () => {};
  beforeEach(async () => {
    const t = await testApp(config);
    live.app = t.app;
    dispose = t.dispose;
    live.host = await listen(t.app);
  });
  afterEach(async () => {
    await live.pool.closeAll();
    await dispose();
  });
  return live;
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no address');
  return `127.0.0.1:${addr.port}`;
}

export async function login(app: FastifyInstance, email: string, password = 'demo1234'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  return res.json().token as string;
}

/** The password of the `other` site's admin (`otherSiteAdmin`). */
export const OTHER_PASSWORD = 'other-pass-1';

/** A second site, `other`, with its own admin (boss@other.test), made through the service as the CLI does. Returns the admin's token. */
export async function otherSiteAdmin(app: FastifyInstance): Promise<string> {
  await app.admin.createSite({ id: 'other', name: 'Other Shop', allowedOrigins: ['https://other.test'] });
  await app.admin.createAgent({
    siteId: 'other',
    email: 'boss@other.test',
    name: 'Boss',
    role: 'admin',
    password: OTHER_PASSWORD,
  });
  return login(app, 'boss@other.test', OTHER_PASSWORD);
}

export async function visitorSession(
  app: FastifyInstance,
  body: Record<string, unknown> = { site: 'demo' },
): Promise<{ token: string; visitorId: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/visitor/session',
    headers: { origin: ORIGIN },
    payload: body,
  });
  if (res.statusCode !== 200) throw new Error(`session: ${res.statusCode} ${res.body}`);
  return res.json();
}

// Tests read frames loosely; the server side is typed by the protocol.
type AnyFrame = { type: ServerFrame['type']; [k: string]: any };
type Pred = (f: AnyFrame) => boolean;

/** A real `ws` client that records frames and waits for specific ones (no sleeps). */
export class Client {
  readonly received: AnyFrame[] = [];
  private unconsumed: AnyFrame[] = [];
  private waiters: { pred: Pred; resolve: (f: AnyFrame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as AnyFrame;
      this.received.push(f);
      const i = this.waiters.findIndex((w) => w.pred(f));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(f);
      } else {
        this.unconsumed.push(f);
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static connect(
    host: string,
    path: '/ws/visitor' | '/ws/agent',
    token: string | null,
    origin: string | null = ORIGIN,
    headers: Record<string, string> = {},
  ): Promise<Client> {
    // As the widget and the console do: the token in Sec-WebSocket-Protocol, never in the URL.
    const url = `ws://${host}${path}`;
    const protocols = token === null ? [] : ['switchboard', token];
    const ws = new WebSocket(url, protocols, origin === null ? { headers } : { origin, headers });
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        if (token !== null && ws.protocol !== 'switchboard')
          return reject(new Error(`the server selected subprotocol "${ws.protocol}"`));
        resolve(client);
      });
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Connects and completes hello → … → synced. */
  static async ready(
    host: string,
    path: '/ws/visitor' | '/ws/agent',
    token: string,
    cursors?: Record<string, number>,
  ): Promise<Client> {
    const c = await Client.connect(host, path, token);
    c.send(cursors ? { type: 'hello', v: 1, cursors } : { type: 'hello', v: 1 });
    await c.next((f) => f.type === 'synced');
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first not-yet-consumed frame matching `pred` (already received or arriving later). */
  next(pred: Pred, timeoutMs = 5000): Promise<AnyFrame> {
    const i = this.unconsumed.findIndex(pred);
    if (i >= 0) {
      const [f] = this.unconsumed.splice(i, 1);
      return Promise.resolve(f as AnyFrame);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(`timed out waiting for a frame; received: ${JSON.stringify(this.received.slice(-5))}`),
        );
      }, timeoutMs);
      const done = (f: AnyFrame) => {
        clearTimeout(timer);
        resolve(f);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  type(type: string, extra: Pred = () => true): Promise<AnyFrame> {
    return this.next((f) => f.type === type && extra(f));
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}

/** Closes every client opened during a test (afterEach). */
export class ClientPool {
  private readonly clients: Client[] = [];
  add<T extends Client>(c: T): T {
    this.clients.push(c);
    return c;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }
}

/** Waits for a condition the server reaches on its own, checking it every few milliseconds. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
