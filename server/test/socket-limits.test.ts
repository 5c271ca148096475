/**
 * Limits that hold against a stranger who opens many sockets: the frame budget is shared by
 * a visitor's sockets and by an address, sockets are capped per visitor / agent / address,
 * upgrades are rate-limited, a socket must say hello in time, and connect/close churn does
 * not multiply the visitor online/offline frames agents receive.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigOverrides } from '../src/config.js';
import { Client, ClientPool, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';

const pool = new ClientPool();
let disposeApp: (() => Promise<void>) | null = null;

afterEach(async () => {
  await pool.closeAll();
  await disposeApp?.();
  disposeApp = null;
});

async function start(limits: ConfigOverrides['limits']): Promise<{ app: FastifyInstance; host: string }> {
  const t = await testApp({ limits });
  disposeApp = t.dispose;
  return { app: t.app, host: await listen(t.app) };
}

/** Sends `n` messages on `c` and resolves with how many were acked and how many rate-limited. */
async function sendMany(c: Client, prefix: string, n: number): Promise<{ acked: number; limited: number }> {
  for (let i = 0; i < n; i++) c.send({ type: 'send', cid: `${prefix}-${i}`, text: `m ${i}` });
  let acked = 0;
  let limited = 0;
  for (let i = 0; i < n; i++) {
    const f = await c.next((x) => (x.type === 'ack' || x.type === 'error') && x.cid === `${prefix}-${i}`);
    if (f.type === 'ack') acked++;
    else if (f.code === 'SB_ERR_RATE_LIMITED') limited++;
  }
  return { acked, limited };
}

describe('the message budget', () => {
  it("is shared by all of a visitor's sockets", async () => {
    const { app, host } = await start({ rateBurst: 5, rateRefillPerSec: 0 });
    const { token } = await visitorSession(app);
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(pool.add(await Client.ready(host, '/ws/visitor', token)));
    const results = await Promise.all(sockets.map((c, i) => sendMany(c, `s${i}`, 5)));
    expect(results.reduce((n, r) => n + r.acked, 0)).toBe(5);
    expect(results.reduce((n, r) => n + r.limited, 0)).toBe(10);
  });

  it('is shared by all visitors of one address', async () => {
    const { app, host } = await start({
      rateBurst: 5,
      rateRefillPerSec: 0,
      addressRateBurst: 7,
      addressRateRefillPerSec: 0,
    });
    const a = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    const b = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    const [ra, rb] = await Promise.all([sendMany(a, 'a', 5), sendMany(b, 'b', 5)]);
    expect((ra?.acked ?? 0) + (rb?.acked ?? 0)).toBe(7);
  });
});

describe('socket caps', () => {
  it('close a visitor socket over the per-visitor cap with 4429; a freed slot can be reused', async () => {
    const { app, host } = await start({ maxSocketsPerVisitor: 2 });
    const { token } = await visitorSession(app);
    const first = pool.add(await Client.ready(host, '/ws/visitor', token));
    pool.add(await Client.ready(host, '/ws/visitor', token));
    const third = pool.add(await Client.connect(host, '/ws/visitor', token));
    third.send({ type: 'hello', v: 1 });
    const closed = await third.closed;
    expect(closed.code).toBe(4429);
    expect(closed.reason).toMatch(/visitor/);
    expect(third.received.some((f) => f.type === 'welcome')).toBe(false);
    // Another visitor is not affected.
    pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    await first.close();
    pool.add(await Client.ready(host, '/ws/visitor', token));
  });

  it('close an agent socket over the per-agent cap with 4429', async () => {
    const { app, host } = await start({ maxSocketsPerAgent: 1 });
    const token = await login(app, 'ana@demo.test');
    pool.add(await Client.ready(host, '/ws/agent', token));
    const second = pool.add(await Client.connect(host, '/ws/agent', token));
    expect((await second.closed).code).toBe(4429);
  });

  it('close a socket over the per-address cap with 4429', async () => {
    const { app, host } = await start({ maxSocketsPerAddress: 2 });
    for (let i = 0; i < 2; i++) {
      pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    }
    const over = pool.add(await Client.connect(host, '/ws/visitor', (await visitorSession(app)).token));
    const closed = await over.closed;
    expect(closed).toMatchObject({ code: 4429 });
    expect(closed.reason).toMatch(/address/);
  });
});

describe('upgrades', () => {
  it('are rate-limited per address (HTTP 429 before the upgrade)', async () => {
    const { app, host } = await start({ upgradeBurst: 3, upgradeRefillPerSec: 0 });
    const { token } = await visitorSession(app);
    for (let i = 0; i < 3; i++) pool.add(await Client.ready(host, '/ws/visitor', token));
    await expect(Client.connect(host, '/ws/visitor', token)).rejects.toThrow('HTTP 429');
  });
});

describe('the hello deadline', () => {
  it('closes a socket that has not sent hello with 4407; a greeted socket stays', async () => {
    const { app, host } = await start({ helloTimeoutMs: 150 });
    const { token } = await visitorSession(app);
    const greeted = pool.add(await Client.ready(host, '/ws/visitor', token));
    const silent = pool.add(await Client.connect(host, '/ws/visitor', token));
    expect((await silent.closed).code).toBe(4407);
    // The greeted socket's deadline (earlier than the silent one's) has passed too: still open.
    greeted.send({ type: 'ping' });
    await greeted.type('pong');
    expect(app.gateway.connections).toBe(1);
  });
});

describe('visitor online/offline frames', () => {
  it('are coalesced: connect/close churn does not multiply the frames agents receive', async () => {
    const { app, host } = await start({ presenceCoalesceMs: 60_000 });
    const agent = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const { token, visitorId } = await visitorSession(app);
    for (let i = 0; i < 20; i++) {
      const c = await Client.ready(host, '/ws/visitor', token);
      await c.close();
    }
    const last = pool.add(await Client.ready(host, '/ws/visitor', token));
    app.gateway.visitorOnline.flush();
    agent.send({ type: 'ping' });
    await agent.type('pong');
    const frames = () => agent.received.filter((f) => f.type === 'visitor' && f.visitorId === visitorId);
    // Online at once; the churn in between changed nothing agents need to hear.
    expect(frames().map((f) => f.online)).toEqual([true]);
    await last.close();
    await waitUntil(() => app.gateway.connections === 1, 5000, 'the server saw the close');
    app.gateway.visitorOnline.flush();
    await agent.type('visitor', (f) => f.visitorId === visitorId && f.online === false);
    expect(frames().map((f) => f.online)).toEqual([true, false]);
  });
});
