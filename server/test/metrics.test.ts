/**
 * `/metrics` for operators, over real sockets and a real webhook receiver: queue length and
 * wait-time histograms per site, frames rejected by reason, webhook delivery latency and
 * outcomes, server-side errors, and the process's event-loop lag.
 */
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';
import { Receiver } from './webhook-receiver.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
let receiver: Receiver;
const pool = new ClientPool();

beforeEach(async () => {
  receiver = new Receiver(0);
  await receiver.start();
  ({ app, dispose } = await testApp(
    { webhooks: { allowPrivate: true, pollMs: 20, retryBaseMs: 20, timeoutMs: 2000 } },
    { defaultMetrics: true },
  ));
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
  await receiver.stop();
});

/** The value of one sample (`name{labels} value`), or null when the series is absent. */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number | null> {
  const body = (await app.inject({ url: '/metrics' })).body;
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return null;
}

it('queue length and wait per site, frames rejected by reason, webhook latency, event-loop lag', async () => {
  const admin = await login(app, 'admin@demo.test');
  const hook = await app.inject({
    method: 'POST',
    url: '/api/v1/sites/demo/webhooks',
    headers: { authorization: `Bearer ${admin}` },
    payload: { url: receiver.url, events: ['conversation.created'] },
  });
  expect(hook.statusCode).toBe(200);
  receiver.secret = (hook.json() as { secret: string }).secret;
  expect(await sample('switchboard_queue_length', { site: 'demo' })).toBe(0);

  // Two visitors wait; an invalid frame and one before hello are refused and counted.
  const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
  const convs: string[] = [];
  for (const n of [1, 2]) {
    const s = await visitorSession(app);
    const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    tab.send({ type: 'send', cid: `q-${n}`, text: `Waiting ${n}` });
    convs.push((await tab.type('ack', (f) => f.cid === `q-${n}`)).conversationId as string);
    if (n === 1) {
      tab.send({ type: 'send', cid: 'bad', text: 42 });
      await tab.type('error', (f) => f.cid === 'bad' || f.code === ErrorCode.BadFrame);
    }
  }
  expect(await sample('switchboard_queue_length', { site: 'demo' })).toBe(2);
  const rejected = await sample('switchboard_frames_rejected_total', { reason: ErrorCode.BadFrame });
  expect(rejected).toBe(1);
  expect(await sample('switchboard_queue_wait_seconds_count', { site: 'demo' })).toBeNull();

  // Ana claims one: one wait observed, one left in the queue.
  ana.send({ type: 'claim', cid: 'c-1', conversationId: convs[0] });
  await ana.type('ack', (f) => f.cid === 'c-1');
  expect(await sample('switchboard_queue_length', { site: 'demo' })).toBe(1);
  expect(await sample('switchboard_queue_wait_seconds_count', { site: 'demo' })).toBe(1);
  expect(await sample('switchboard_queue_wait_seconds_bucket', { site: 'demo', le: '+Inf' })).toBe(1);

  // Both conversation.created events are delivered: two attempts delivered, two latencies.
  await waitUntil(async () => (await sample('switchboard_webhook_delivery_seconds_count')) === 2);
  expect(await sample('switchboard_webhook_attempts_total', { outcome: 'delivered' })).toBe(2);
  expect(receiver.attempts.map((a) => a.type)).toEqual(['conversation.created', 'conversation.created']);

  // Nothing failed on the server's side; the process's event-loop lag is exported.
  const body = (await app.inject({ url: '/metrics' })).body;
  expect(body).not.toMatch(/^switchboard_errors_total\{/m);
  expect(body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
});
