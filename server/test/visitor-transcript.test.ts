/**
 * Visitors' transcripts from the widget, over real HTTP against a real SMTP receiver: the own
 * conversation as a text file (an attachment by name, script kept as text), nobody else's, CORS
 * for allowed origins only, and the mail (escaped HTML, 409 without email, 503 without SMTP, 429).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { PNG } from './fixture-files.js';
import { listen, ORIGIN, testApp, visitorSession, waitUntil } from './helpers.js';
import { SmtpReceiver } from './smtp-receiver.js';

const SCRIPT = '<script>alert("x")</script> & <b>bold</b>';
let app: FastifyInstance;
let base = '';
let dispose = async () => {};
let receiver: SmtpReceiver | null = null;

async function start(mail: boolean): Promise<void> {
  receiver = mail ? new SmtpReceiver() : null;
  const smtpUrl = receiver ? await receiver.start() : null;
  ({ app, dispose } = await testApp(
    smtpUrl ? { mail: { smtpUrl, from: 'Support <support@demo.test>' } } : {},
  ));
  base = `http://${await listen(app)}`;
}

afterEach(async () => {
  await dispose();
  await receiver?.close();
});

/** A visitor with a conversation: a message with script in it, and a file. */
async function visitorWithChat(email?: string) {
  const s = await visitorSession(app);
  const v = { siteId: 'demo', visitorId: s.visitorId };
  const first = await app.chat.visitorSend(v, 'Maya', { type: 'send', cid: 'c1', text: SCRIPT });
  const conversationId = (await first.done).conversationId as string;
  const up = await fetch(`${base}/api/sites/demo/attachments?name=receipt.png`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${s.token}`,
      origin: ORIGIN,
      'content-type': 'application/octet-stream',
    },
    body: PNG,
  });
  expect(up.status).toBe(201);
  const file = (await up.json()) as { id: string };
  await (
    await app.chat.visitorSend(v, 'Maya', {
      type: 'send',
      cid: 'c2',
      text: 'my receipt',
      conversationId,
      attachment: file.id,
    })
  ).done;
  if (email) await app.chat.profile(v, { name: 'Maya', email });
  return { ...s, conversationId };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}`, origin: ORIGIN });

describe('visitor transcript download', () => {
  it('gives the own conversation as the agents’ text, with the file by name and script as plain text', async () => {
    await start(false);
    const v = await visitorWithChat();
    for (const url of [
      '/api/visitor/transcript',
      `/api/visitor/transcript?conversationId=${v.conversationId}`,
    ]) {
      const res = await fetch(`${base}${url}`, { headers: auth(v.token) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="transcript-${v.conversationId}.txt"`,
      );
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      const text = await res.text();
      expect(text).toContain(`Conversation ${v.conversationId} — Demo Shop`);
      expect(text).toMatch(/\] Maya: <script>alert\("x"\)<\/script> & <b>bold<\/b>\n/);
      expect(text).toContain('Maya: my receipt [file: receipt.png]');
      expect(text).not.toContain('&lt;');
    }
  });

  it('refuses another visitor’s conversation (404), no token (401) and a wrong origin (403)', async () => {
    await start(false);
    const mine = await visitorWithChat();
    const other = await visitorWithChat();
    const url = `${base}/api/visitor/transcript?conversationId=${other.conversationId}`;
    const theirs = await fetch(url, { headers: auth(mine.token) });
    expect(theirs.status).toBe(404);
    const unknown = await fetch(`${base}/api/visitor/transcript?conversationId=c_nope`, {
      headers: auth(mine.token),
    });
    expect(unknown.status).toBe(404);
    expect(((await theirs.json()) as { code: string }).code).toBe(
      ((await unknown.json()) as { code: string }).code,
    );
    expect((await fetch(url, { headers: { origin: ORIGIN } })).status).toBe(401);
    const wrong = await fetch(`${base}/api/visitor/transcript`, {
      headers: { authorization: `Bearer ${mine.token}`, origin: 'https://evil.test' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight with the Authorization header for allowed origins only', async () => {
    await start(false);
    for (const path of ['/api/visitor/transcript', '/api/visitor/transcript/email']) {
      const ok = await fetch(`${base}${path}`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-headers': 'authorization' },
      });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
      const evil = await fetch(`${base}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.test', 'access-control-request-headers': 'authorization' },
      });
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      expect(evil.headers.get('access-control-allow-headers')).toBeNull();
    }
  });

  it('is limited to 10 a minute per visitor', async () => {
    await start(false);
    const v = await visitorWithChat();
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${base}/api/visitor/transcript`, { headers: auth(v.token) })).status).toBe(200);
    }
    const res = await fetch(`${base}/api/visitor/transcript`, { headers: auth(v.token) });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { code: string }).code).toBe('SB_ERR_RATE_LIMITED');
  });
});

describe('visitor transcript by email', () => {
  const post = (token: string, body: unknown = {}) =>
    fetch(`${base}/api/visitor/transcript/email`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('mails the transcript as text and as escaped HTML; the site config says mail is on', async () => {
    await start(true);
    const v = await visitorWithChat('maya@example.test');
    const session = await fetch(`${base}/api/visitor/session`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'demo' }),
    });
    expect(((await session.json()) as { site: { mail?: boolean } }).site.mail).toBe(true);
    const res = await post(v.token, { conversationId: v.conversationId });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true });
    await waitUntil(() => (receiver?.mails.length ?? 0) > 0, 5000, 'the mail');
    const [m] = receiver?.mails ?? [];
    expect(m?.to).toContain('maya@example.test');
    expect(m?.subject).toBe('Your conversation with Demo Shop');
    expect(m?.text).toContain(SCRIPT);
    expect(m?.text).toContain('[file: receipt.png]');
    expect(m?.html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
    expect(m?.html).not.toContain('<script>');
    expect((await post(v.token, { conversationId: v.conversationId, cc: 'x@y.test' })).status).toBe(400);
  });

  it('refuses without an email (409), and past 3 per 10 minutes (429)', async () => {
    await start(true);
    const anonymous = await visitorWithChat();
    const res = await post(anonymous.token);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      code: 'SB_ERR_CONFLICT',
      message: expect.stringMatching(/email/),
    });
    const v = await visitorWithChat('lee@example.test');
    for (let i = 0; i < 3; i++) expect((await post(v.token)).status).toBe(202);
    const over = await post(v.token);
    expect(over.status).toBe(429);
    expect(((await over.json()) as { code: string }).code).toBe('SB_ERR_RATE_LIMITED');
  });

  it('is 503 without SMTP, and the site config says mail is off', async () => {
    await start(false);
    const v = await visitorWithChat('maya@example.test');
    const res = await post(v.token);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('SB_ERR_UNAVAILABLE');
    const config = await fetch(`${base}/api/sites/demo/config`);
    expect(((await config.json()) as { mail?: boolean }).mail).toBe(false);
  });
});
