/**
 * Email continuity against a real SMTP receiver: an agent's replies to a visitor who left an
 * email and has no widget open are mailed once, together, with a link back to their last shop
 * page; replies they saw live are not; invitations are mailed; without SMTP_URL nothing is.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Topic } from '../src/routing/index.js';
import { Client, ClientPool, listen, login, ORIGIN, testApp, visitorSession, waitUntil } from './helpers.js';
import { SmtpReceiver } from './smtp-receiver.js';

const pool = new ClientPool();
let receiver: SmtpReceiver;
let app: FastifyInstance;
let dispose = async () => {};

async function start(replyDelayMs: number, digestDelayMs = 3_600_000): Promise<string> {
  receiver = new SmtpReceiver();
  const smtpUrl = await receiver.start();
  ({ app, dispose } = await testApp({
    mail: { smtpUrl, from: 'Acme Support <support@acme.test>', replyDelayMs, digestDelayMs },
    publicUrl: 'https://support.acme.test',
  }));
  return listen(app);
}

afterEach(async () => {
  await pool.closeAll();
  await dispose();
  await receiver?.close();
});

/** A visitor who gave their email, wrote from a shop page, and is connected. */
async function visitor(host: string, email: string) {
  const session = await visitorSession(app);
  const client = pool.add(await Client.connect(host, '/ws/visitor', session.token));
  client.send({
    type: 'hello',
    v: 1,
    ctx: { pages: [{ url: `${ORIGIN}/products/kettle`, title: 'Blue kettle' }] },
  });
  await client.next((f) => f.type === 'synced');
  client.send({ type: 'profile', name: 'Maya', email });
  client.send({ type: 'send', cid: 'v-1', text: 'Is the blue kettle in stock?' });
  const conversationId = (await client.type('ack', (f) => f.cid === 'v-1')).conversationId as string;
  await waitUntil(async () => (await app.storage.getVisitor(session.visitorId))?.email === email);
  return { client, conversationId, visitorId: session.visitorId, token: session.token };
}

/** The demo admin invites an agent (no password: an invitation link). */
async function invite(email: string, name: string) {
  const admin = await login(app, 'admin@demo.test');
  return app.inject({
    method: 'POST',
    url: '/api/admin/sites/demo/agents',
    headers: { authorization: `Bearer ${admin}` },
    payload: { email, name, role: 'agent' },
  });
}

async function agentFor(host: string, conversationId: string) {
  const ana = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
  ana.send({ type: 'claim', cid: 'claim', conversationId });
  await ana.type('ack', (f) => f.cid === 'claim');
  let n = 0;
  return async (text: string) => {
    const cid = `r-${n++}`;
    ana.send({ type: 'send', cid, conversationId, text });
    return (await ana.type('ack', (f) => f.cid === cid)).seq as number;
  };
}

describe('email continuity', () => {
  it('replies to a visitor who left are mailed once, together, with a link back to their shop page', async () => {
    const host = await start(3_600_000);
    const v = await visitor(host, 'maya@example.test');
    const reply = await agentFor(host, v.conversationId);
    v.client.ws.close();
    await waitUntil(() => !app.hub.heldAnywhere(Topic.visitor(v.visitorId)), 5000, 'the visitor gone');
    await reply('Yes, we have 12 in stock.');
    await reply('Shall I reserve one for you?');
    await app.chat.replyMail.flush();
    expect(receiver.mails).toHaveLength(1);
    const [mail] = receiver.mails;
    expect(mail?.to).toBe('maya@example.test');
    expect(mail?.from).toContain('support@acme.test');
    expect(mail?.subject).toBe('Demo Shop: a reply to your message');
    expect(mail?.text).toContain('Hi Maya,');
    expect(mail?.text).toContain('> You: Is the blue kettle in stock?');
    expect(mail?.text).not.toContain('joined');
    expect(mail?.text).toContain('Ana Silva: Yes, we have 12 in stock.');
    expect(mail?.text).toContain('Ana Silva: Shall I reserve one for you?');
    expect(mail?.text).toContain(`open the chat on ${ORIGIN}/products/kettle`);
    // Nothing new: a second flush mails nothing; a new reply is mailed alone, with the earlier ones as context.
    await app.chat.replyMail.flush();
    expect(receiver.mails).toHaveLength(1);
    await reply('It is reserved until Friday.');
    await app.chat.replyMail.flush();
    expect(receiver.mails).toHaveLength(2);
    expect(receiver.mails[1]?.text).toContain('Ana Silva: It is reserved until Friday.');
    expect(receiver.mails[1]?.text).toContain('> Ana Silva: Shall I reserve one for you?');
  });

  it('a reply the visitor saw live, or read, is not mailed; without an email nothing is', async () => {
    const host = await start(3_600_000);
    const v = await visitor(host, 'maya@example.test');
    const reply = await agentFor(host, v.conversationId);
    const seen = await reply('Seen live.');
    await app.chat.replyMail.flush();
    expect(receiver.mails).toHaveLength(0);
    // Read in the widget, then gone: what they read is not mailed.
    v.client.send({ type: 'read', conversationId: v.conversationId, seq: seen });
    await waitUntil(
      async () => (await app.storage.getConversation(v.conversationId))?.visitorReadSeq === seen,
    );
    v.client.ws.close();
    await waitUntil(() => !app.hub.heldAnywhere(Topic.visitor(v.visitorId)), 5000, 'the visitor gone');
    await reply('After you left.');
    await app.chat.replyMail.flush();
    expect(receiver.mails).toHaveLength(1);
    expect(receiver.mails[0]?.text).toContain('Ana Silva: After you left.');
    expect(receiver.mails[0]?.text).toContain('> Ana Silva: Seen live.');

    // An anonymous visitor (no email) who left: nothing to mail.
    const anon = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    anon.send({ type: 'send', cid: 'a-1', text: 'Hello?' });
    const anonConversation = (await anon.type('ack', (f) => f.cid === 'a-1')).conversationId as string;
    anon.ws.close();
    const replyAnon = await agentFor(host, anonConversation);
    await replyAnon('Hello!');
    await app.chat.replyMail.flush();
    expect(receiver.mails).toHaveLength(1);
  });

  it('after the delay, without a flush: the timer mails it', async () => {
    const host = await start(0);
    const v = await visitor(host, 'lee@example.test');
    v.client.ws.close();
    await waitUntil(() => !app.hub.heldAnywhere(Topic.visitor(v.visitorId)), 5000, 'the visitor gone');
    const reply = await agentFor(host, v.conversationId);
    await reply('We answer by mail too.');
    await waitUntil(() => receiver.mails.length === 1, 10_000, 'the mail');
    expect(receiver.mails[0]?.text).toContain('Ana Silva: We answer by mail too.');
  });

  it('an invitation is mailed to the invitee, and the answer says so', async () => {
    await start(3_600_000);
    const res = await invite('new.agent@demo.test', 'Nia New');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { inviteUrl: string; mailed: boolean };
    expect(body.mailed).toBe(true);
    expect(receiver.mails).toHaveLength(1);
    expect(receiver.mails[0]).toMatchObject({
      to: 'new.agent@demo.test',
      subject: 'Your invitation to Demo Shop',
    });
    expect(receiver.mails[0]?.text).toContain(body.inviteUrl);
  });
});

describe('messages left while nobody is online', () => {
  it('are mailed to every agent who wants it, in one digest; nothing while an agent is online', async () => {
    const host = await start(3_600_000);
    const ben = await login(app, 'ben@demo.test');
    const off = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { authorization: `Bearer ${ben}` },
      payload: { mailLeftMessages: false },
    });
    expect(off.json()).toMatchObject({ mail: { enabled: true, leftMessages: false } });
    const me = await app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${ben}` },
    });
    expect(me.json()).toMatchObject({ mail: { enabled: true, leftMessages: false } });

    const maya = await visitor(host, 'maya@example.test');
    maya.client.send({ type: 'send', cid: 'v-2', text: 'Also: do you ship to Portugal?' });
    await maya.client.type('ack', (f) => f.cid === 'v-2');
    const anon = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
    anon.send({ type: 'send', cid: 'a-1', text: 'Anyone there?', department: 'Sales' });
    await anon.type('ack', (f) => f.cid === 'a-1');
    await app.chat.leftMail.flush();

    const wanting = (await app.storage.listAgents('demo'))
      .filter((a) => a.active && a.passwordHash !== '' && a.email !== 'ben@demo.test')
      .map((a) => a.email)
      .sort();
    expect(wanting.length).toBeGreaterThan(0);
    expect(receiver.mails.map((m) => m.to).sort()).toEqual(wanting);
    const mail = receiver.mails[0];
    expect(mail?.subject).toBe('Demo Shop: 2 conversations waiting');
    expect(mail?.text).toContain('Maya <maya@example.test>:');
    expect(mail?.text).toContain('Is the blue kettle in stock?');
    expect(mail?.text).toContain('Also: do you ship to Portugal?');
    expect(mail?.text).toContain('A visitor (Sales):');
    expect(mail?.text).toContain('Anyone there?');
    expect(mail?.text).toContain('Answer them in the console: https://support.acme.test/console');

    // Ana online: a message left now is in front of her, nobody is mailed.
    pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    await waitUntil(() => app.presence.agentsOnline('demo'), 5000, 'Ana online');
    anon.send({ type: 'send', cid: 'a-2', text: 'Hello again' });
    await anon.type('ack', (f) => f.cid === 'a-2');
    await app.chat.leftMail.flush();
    expect(receiver.mails).toHaveLength(wanting.length);
  });
});

describe('password reset by mail', () => {
  it('mails a one-time link; using it sets the password and signs every session out; unknown addresses get the same answer', async () => {
    const host = await start(3_600_000);
    const old = await login(app, 'ana@demo.test');
    const socket = pool.add(await Client.ready(host, '/ws/agent', old));
    const ask = (email: string) =>
      app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email } });
    const unknown = await ask('nobody@demo.test');
    const known = await ask('ANA@demo.test');
    expect([unknown.statusCode, unknown.json()]).toEqual([200, { sent: true }]);
    expect([known.statusCode, known.json()]).toEqual([200, { sent: true }]);
    await waitUntil(() => receiver.mails.length === 1, 10_000, 'the reset mail');
    const mail = receiver.mails[0];
    expect(mail).toMatchObject({ to: 'ana@demo.test', subject: 'Reset your Switchboard password' });
    const token = /\?reset=([\w-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(token).not.toBe('');
    // An invitation page does not open with it.
    expect((await app.inject({ method: 'GET', url: `/api/invitations/${token}` })).statusCode).toBe(404);

    const use = (password: string) =>
      app.inject({ method: 'POST', url: `/api/auth/password-reset/${token}`, payload: { password } });
    const done = await use('a-new-pass-42');
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ agent: { email: 'ana@demo.test' } });
    expect(await socket.closed).toMatchObject({ code: 4401 });
    expect(
      (await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${old}` } }))
        .statusCode,
    ).toBe(401);
    await expect(login(app, 'ana@demo.test', 'a-new-pass-42')).resolves.toBeTypeOf('string');
    // Once only.
    expect((await use('another-pass-43')).statusCode).toBe(404);
    expect(receiver.mails).toHaveLength(1);
  });

  it('without mail the server says so instead of pretending', async () => {
    receiver = new SmtpReceiver();
    ({ app, dispose } = await testApp());
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset',
      payload: { email: 'ana@demo.test' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toContain('ask an admin');
    expect((await app.inject({ method: 'GET', url: '/api/setup' })).json()).toMatchObject({ mail: false });
  });
});

describe('without SMTP_URL', () => {
  it('nothing is mailed and invitations say so; a malformed SMTP_URL is refused at start', async () => {
    receiver = new SmtpReceiver();
    ({ app, dispose } = await testApp());
    expect(app.mailer.enabled).toBe(false);
    const res = await invite('other.agent@demo.test', 'Otto');
    expect(res.json()).toMatchObject({ mailed: false });
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL must be smtp:/);
    expect(() => loadConfig({ SMTP_URL: 'not a url' })).toThrow(/SMTP_URL is not a URL/);
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).mail.smtpUrl).toBe('smtp://127.0.0.1:2525');
  });
});
