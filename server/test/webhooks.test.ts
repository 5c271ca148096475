/**
 * Webhooks end to end in one process: a real HTTP receiver on loopback (WEBHOOK_ALLOW_PRIVATE)
 * that fails its first attempts, real sockets making real events, signatures verified by the
 * receiver; plus the SSRF guard, the signature format and the admin API's checks.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPrivateAddress, post, retryDelayMs, signatureHeader } from '../src/webhooks/deliver.js';
import { webhookUrlProblem } from '../src/webhooks/plugin.js';
import { Client, ClientPool, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';
import { Receiver } from './webhook-receiver.js';

describe('the signature, the backoff and the SSRF guard', () => {
  it('signs t + "." + body with HMAC-SHA256 in the documented header format', () => {
    const h = signatureHeader('s3cret', '{"a":1}', 1_700_000_000);
    const v1 = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
    expect(h).toBe(`t=1700000000,v1=${v1}`);
  });

  it('backs off exponentially, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(40, 1000)).toBe(60 * 60 * 1000);
  });

  it('tells private, loopback and link-local addresses from public ones', () => {
    const cases: Array<[string, boolean]> = [
      ['127.0.0.1', true],
      ['10.1.2.3', true],
      ['172.20.0.1', true],
      ['192.168.1.1', true],
      ['169.254.169.254', true],
      ['100.64.0.1', true],
      ['0.0.0.0', true],
      ['::1', true],
      ['fe80::1', true],
      ['fd00::1', true],
      ['::ffff:127.0.0.1', true],
      ['::ffff:7f00:1', true],
      // IPv6 that reaches a private IPv4 host: NAT64 (the cloud metadata address), 6to4,
      // IPv4-compatible and IPv4-translated forms; local-use NAT64 and site-local ranges.
      ['64:ff9b::a9fe:a9fe', true],
      ['64:ff9b::169.254.169.254', true],
      ['2002:c0a8:101::1', true],
      ['::127.0.0.1', true],
      ['::ffff:0:7f00:1', true],
      ['64:ff9b:1::a00:1', true],
      ['fec0::1', true],
      ['100::1', true],
      ['8.8.8.8', false],
      ['64:ff9b::808:808', false],
      ['2002:808:808::1', false],
      ['93.184.216.34', false],
      ['2606:4700::1111', false],
      ['::ffff:8.8.8.8', false],
    ];
    expect(cases.map(([a]) => [a, isPrivateAddress(a)])).toEqual(cases);
  });

  it('registration refuses private endpoints unless allowed; sending checks the resolved address too', async () => {
    expect(webhookUrlProblem('http://127.0.0.1:9/x', false)).toContain('private');
    expect(webhookUrlProblem('http://localhost:9/x', false)).toContain('private');
    expect(webhookUrlProblem('http://[::1]:9/x', false)).toContain('private');
    expect(webhookUrlProblem('ftp://hooks.example/x', false)).toContain('http');
    expect(webhookUrlProblem('https://user:pw@hooks.example/x', false)).toContain('credentials');
    expect(webhookUrlProblem('https://hooks.example/x', false)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:9/x', true)).toBeNull();
    const receiver = new Receiver(0);
    await receiver.start();
    try {
      const port = new URL(receiver.url).port;
      // A name that resolves to loopback is refused when connecting, not only by its spelling.
      const byName = await post(`http://localhost:${port}/hooks`, {}, '{}', {
        allowPrivate: false,
        timeoutMs: 2000,
      });
      expect(byName.error).toContain('private address');
      const byAddress = await post(receiver.url, {}, '{}', { allowPrivate: false, timeoutMs: 2000 });
      expect(byAddress.error).toContain('private address');
      expect(receiver.attempts).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });
});

describe('deliveries from a running server', () => {
  let app: FastifyInstance;
  let dispose: () => Promise<void>;
  let receiver: Receiver;
  const pool = new ClientPool();

  beforeEach(async () => {
    receiver = new Receiver(2);
    await receiver.start();
    ({ app, dispose } = await testApp({
      webhooks: { allowPrivate: true, pollMs: 20, retryBaseMs: 20, timeoutMs: 2000 },
    }));
  });

  afterEach(async () => {
    await pool.closeAll();
    await dispose();
    await receiver.stop();
  });

  it('every conversation and message event arrives signed, once after de-duplication, through failures', async () => {
    const host = await listen(app);
    const admin = await login(app, 'admin@demo.test');
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/sites/demo/webhooks',
      headers: { authorization: `Bearer ${admin}` },
      payload: {
        url: receiver.url,
        events: [
          'conversation.created',
          'conversation.assigned',
          'conversation.transferred',
          'conversation.closed',
          'conversation.reopened',
          'message.created',
        ],
      },
    });
    expect(created.statusCode).toBe(200);
    const { id: webhookId, secret } = created.json() as { id: string; secret: string };
    receiver.secret = secret;

    const ben = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    const v = await visitorSession(app);
    const visitor = pool.add(await Client.ready(host, '/ws/visitor', v.token));
    visitor.send({ type: 'send', cid: 'v-1', text: 'Where is my order?' });
    const conversationId = (await visitor.type('ack', (f) => f.cid === 'v-1')).conversationId as string;
    ben.send({ type: 'claim', cid: 'claim-1', conversationId });
    await ben.type('ack', (f) => f.cid === 'claim-1');
    ben.send({ type: 'send', cid: 'b-1', conversationId, text: 'On its way.' });
    await ben.type('ack', (f) => f.cid === 'b-1');
    ben.send({ type: 'close', cid: 'close-1', conversationId });
    await ben.type('ack', (f) => f.cid === 'close-1');
    visitor.send({ type: 'send', cid: 'v-2', conversationId, text: 'One more thing' });
    await visitor.type('ack', (f) => f.cid === 'v-2');

    const want = [
      'conversation.created',
      'message.created',
      'conversation.assigned',
      'message.created',
      'conversation.closed',
      'conversation.reopened',
      'message.created',
    ];
    await waitUntil(() => receiver.accepted().size === want.length, 20_000, 'every event accepted');
    const accepted = [...receiver.accepted().values()];
    expect(accepted.map((a) => a.type).sort()).toEqual([...want].sort());
    expect(receiver.attempts.every((a) => a.signatureOk)).toBe(true);
    expect(accepted.every((a) => a.type === a.body.type && a.body.site === 'demo')).toBe(true);
    // Each delivery was tried three times with the same delivery id and the same event id.
    for (const a of accepted) {
      const tries = receiver.attempts.filter((x) => x.delivery === a.delivery);
      expect(tries.map((t) => t.id)).toEqual([a.id, a.id, a.id]);
    }
    const texts = accepted
      .filter((a) => a.type === 'message.created')
      .map((a) => (a.body.data.message as { text: string }).text)
      .sort();
    expect(texts).toEqual(['On its way.', 'One more thing', 'Where is my order?']);
    const closed = accepted.find((a) => a.type === 'conversation.closed');
    expect(closed?.body.data.conversation).toMatchObject({ id: conversationId, status: 'closed' });

    // The admin sees the deliveries and can send one again: same event id, new attempt.
    const auth = { authorization: `Bearer ${admin}` };
    type Listed = { id: string; eventId: string; state: string; attempts: number; lastStatus: number };
    const listDeliveries = async () =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/v1/sites/demo/webhooks/${webhookId}/deliveries`,
          headers: auth,
        })
      ).json() as Listed[];
    // The receiver answered; the sender records the outcome right after.
    await waitUntil(
      async () => (await listDeliveries()).every((d) => d.state === 'delivered'),
      10_000,
      'every delivery recorded as delivered',
    );
    const deliveries = await listDeliveries();
    expect(deliveries.length).toBe(want.length);
    expect(deliveries.every((d) => d.state === 'delivered' && d.attempts === 3 && d.lastStatus === 204)).toBe(
      true,
    );
    const first = deliveries[0];
    if (!first) throw new Error('no delivery');
    const before = receiver.attempts.length;
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/demo/webhooks/${webhookId}/deliveries/${first.id}/redeliver`,
      headers: auth,
    });
    expect(again.statusCode).toBe(200);
    await waitUntil(() => receiver.attempts.length > before, 10_000, 'redelivered');
    expect(receiver.attempts.at(-1)).toMatchObject({
      id: first.eventId,
      delivery: first.id,
      signatureOk: true,
    });
  });

  it('the admin API: validation, scoping to the site and its admins, switching a webhook off', async () => {
    const admin = await login(app, 'admin@demo.test');
    const agent = await login(app, 'ana@demo.test');
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    const url = '/api/v1/sites/demo/webhooks';
    const body = { url: receiver.url, events: ['message.created'] };
    expect((await app.inject({ method: 'POST', url, payload: body })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url, headers: auth(agent), payload: body })).statusCode).toBe(
      403,
    );
    const unknownEvent = await app.inject({
      method: 'POST',
      url,
      headers: auth(admin),
      payload: { url: receiver.url, events: ['message.deleted'] },
    });
    expect(unknownEvent.statusCode).toBe(400);
    const extra = await app.inject({
      method: 'POST',
      url,
      headers: auth(admin),
      payload: { ...body, secret: 'mine' },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toContain('secret');
    const ok = await app.inject({ method: 'POST', url, headers: auth(admin), payload: body });
    const id = ok.json().id as string;
    expect((await app.inject({ method: 'GET', url, headers: auth(admin) })).json()).toEqual([
      { id, url: receiver.url, events: ['message.created'], active: true, createdAt: expect.any(Number) },
    ]);
    expect(
      (await app.inject({ method: 'DELETE', url: `${url}/${id}`, headers: auth(admin) })).statusCode,
    ).toBe(204);
    // Switched off: a new message makes no delivery.
    const host = await listen(app);
    const v = await visitorSession(app);
    const visitor = pool.add(await Client.ready(host, '/ws/visitor', v.token));
    visitor.send({ type: 'send', cid: 'after-off', text: 'hello' });
    await visitor.type('ack', (f) => f.cid === 'after-off');
    const deliveries = await app.inject({
      method: 'GET',
      url: `${url}/${id}/deliveries`,
      headers: auth(admin),
    });
    expect(deliveries.json()).toEqual([]);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/api/v1/sites/demo/webhooks/wh_nope/deliveries`,
          headers: auth(admin),
        })
      ).statusCode,
    ).toBe(404);
  });
});
