/**
 * Attachments over real sockets and HTTP: a visitor's image reaches the agent with a signed
 * link that serves it inline; an agent's PDF reaches the visitor and downloads; uploads are
 * typed by their bytes (script dressed as an image, a truncated file, too large, empty: clear
 * errors, nothing stored); links are short-lived and signed; an upload is sendable only by
 * its owner; a resend stores nothing twice; replays carry fresh links; erasure and the sweep
 * delete the bytes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HTML, PDF, PNG, SVG } from './fixture-files.js';
import {
  Client,
  ClientPool,
  listen,
  login,
  ORIGIN,
  otherSiteAdmin,
  testApp,
  visitorSession,
} from './helpers.js';

let app: FastifyInstance;
let dir: string;
let dispose: () => Promise<void>;
let host: string;
const pool = new ClientPool();

beforeEach(async () => {
  ({ app, dir, dispose } = await testApp({ attachments: { maxBytes: 64 * 1024 } }));
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

const stored = () => {
  const d = join(dir, 'attachments');
  return existsSync(d) ? readdirSync(d).filter((n) => !n.startsWith('.')) : [];
};

function upload(
  token: string,
  name: string,
  body: Buffer,
  site = 'demo',
  origin: string | undefined = ORIGIN,
) {
  return app.inject({
    method: 'POST',
    url: `/api/sites/${site}/attachments?name=${encodeURIComponent(name)}`,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      ...(origin ? { origin } : {}),
    },
    payload: body,
  });
}

it('a visitor sends an image and an agent a PDF: each side gets the file with a signed link that serves it safely', async () => {
  const anaToken = await login(app, 'ana@demo.test');
  const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));
  const s = await visitorSession(app);
  const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));

  // The visitor writes, Ana claims: from now on she sees the conversation's messages live.
  tab.send({ type: 'send', cid: 'hi-1', text: 'Hello' });
  const convId = (await tab.type('ack', (f) => f.cid === 'hi-1')).conversationId as string;
  await ana.type('conversation', (f) => f.conversation.id === convId);
  ana.send({ type: 'claim', cid: 'c-1', conversationId: convId });
  await ana.type('ack', (f) => f.cid === 'c-1');

  const up = await upload(s.token, 'C:\\Users\\me\\receipt <img src=x onerror=alert(1)>.png', PNG);
  expect(up.statusCode).toBe(201);
  expect(up.headers['access-control-allow-origin']).toBe(ORIGIN);
  const file = up.json();
  expect(file).toMatchObject({
    name: 'receipt <img src=x onerror=alert(1)>.png',
    type: 'image/png',
    size: PNG.length,
  });

  tab.send({ type: 'send', cid: 'img-1', text: '', attachment: file.id });
  const ack = await tab.type('ack', (f) => f.cid === 'img-1');
  const seen = await ana.type('message', (f) => f.message.cid === 'img-1');
  expect(seen.message.text).toBe('receipt <img src=x onerror=alert(1)>.png');
  expect(seen.message.attachment).toMatchObject({
    id: file.id,
    name: file.name,
    type: 'image/png',
    size: PNG.length,
  });
  const url = seen.message.attachment.url as string;
  expect(url).toMatch(new RegExp(`^/api/attachments/${file.id}\\?e=\\d+&s=[0-9a-f]{64}$`));

  const img = await app.inject({ method: 'GET', url });
  expect(img.statusCode).toBe(200);
  expect(img.rawPayload.equals(PNG)).toBe(true);
  expect(img.headers['content-type']).toBe('image/png');
  expect(img.headers['x-content-type-options']).toBe('nosniff');
  expect(img.headers['content-disposition']).toMatch(
    /^inline; filename="receipt <img src=x onerror=alert\(1\)>.png"; filename\*=UTF-8''receipt%20%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png$/,
  );
  expect(img.headers['content-security-policy']).toContain('sandbox');

  // Ana answers with a PDF; the visitor's link downloads it.
  const pdfUp = await upload(anaToken, 'invoice 42.pdf', PDF, 'demo', undefined);
  expect(pdfUp.statusCode).toBe(201);
  ana.send({
    type: 'send',
    cid: 'pdf-1',
    conversationId: convId,
    text: 'Your invoice',
    attachment: pdfUp.json().id,
  });
  const got = await tab.type('message', (f) => f.message.cid === 'pdf-1');
  expect(got.message.text).toBe('Your invoice');
  expect(got.message.attachment).toMatchObject({ name: 'invoice 42.pdf', type: 'application/pdf' });
  const pdf = await app.inject({ method: 'GET', url: got.message.attachment.url });
  expect(pdf.statusCode).toBe(200);
  expect(pdf.rawPayload.equals(PDF)).toBe(true);
  expect(pdf.headers['content-disposition']).toMatch(/^attachment; /);
  expect(pdf.headers['x-content-type-options']).toBe('nosniff');

  // A replay (a new tab) carries both files, with links that work.
  const tab2 = pool.add(await Client.connect(host, '/ws/visitor', s.token));
  tab2.send({ type: 'hello', v: 1 });
  const history = await tab2.type('history');
  const files = history.messages.filter((m: { attachment?: unknown }) => m.attachment);
  expect(files.map((m: { attachment: { name: string } }) => m.attachment.name)).toEqual([
    'receipt <img src=x onerror=alert(1)>.png',
    'invoice 42.pdf',
  ]);
  expect((await app.inject({ method: 'GET', url: files[1].attachment.url })).statusCode).toBe(200);

  // A resend of the image's cid stores nothing twice.
  tab.send({ type: 'send', cid: 'img-1', text: '', attachment: file.id });
  expect((await tab.type('ack', (f) => f.cid === 'img-1')).seq).toBe(ack.seq);
  expect((await app.storage.messagesSince(convId, 0)).filter((m) => m.attachment)).toHaveLength(2);
  expect(ack.conversationId).toBe(convId);
  expect(stored().sort()).toEqual([file.id, pdfUp.json().id].sort());
});

it('uploads are typed by their bytes: script dressed as an image, truncated, too large or empty files are refused and nothing is stored', async () => {
  const s = await visitorSession(app);
  const cases: [string, Buffer, number, string, RegExp][] = [
    ['cat.png', SVG, 415, 'SB_ERR_FILE_TYPE', /PNG, JPEG, GIF, WebP\) and PDF/],
    ['page.pdf', HTML, 415, 'SB_ERR_FILE_TYPE', /PNG, JPEG, GIF, WebP\) and PDF/],
    ['half.png', PNG.subarray(0, PNG.length - 6), 415, 'SB_ERR_FILE_TYPE', /incomplete/],
    ['half.pdf', PDF.subarray(0, 40), 415, 'SB_ERR_FILE_TYPE', /incomplete/],
    ['big.png', Buffer.concat([PNG, Buffer.alloc(70 * 1024)]), 413, 'SB_ERR_TOO_LARGE', /too large/i],
    ['empty.png', Buffer.alloc(0), 415, 'SB_ERR_FILE_TYPE', /empty/],
  ];
  for (const [name, body, status, code, message] of cases) {
    const res = await upload(s.token, name, body);
    expect(res.statusCode, name).toBe(status);
    expect(res.json().code, name).toBe(code);
    expect(res.json().message, name).toMatch(message);
  }
  expect(stored()).toEqual([]);
  // No token, another site's token, a visitor from an origin the site does not allow.
  expect((await upload('nope', 'a.png', PNG)).statusCode).toBe(401);
  const boss = await otherSiteAdmin(app);
  expect((await upload(boss, 'a.png', PNG)).statusCode).toBe(401);
  const evil = await upload(s.token, 'a.png', PNG, 'demo', 'https://evil.test');
  expect(evil.statusCode).toBe(403);
  expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  expect(stored()).toEqual([]);
});

it('links are signed and short-lived; an upload is sendable only by its owner and readable only once sent', async () => {
  const s = await visitorSession(app);
  const other = await visitorSession(app);
  const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  const thief = pool.add(await Client.ready(host, '/ws/visitor', other.token));
  const file = (await upload(s.token, 'a.png', PNG)).json();

  // Not sent yet: even a correctly signed link finds nothing.
  expect((await app.inject({ method: 'GET', url: app.chat.attachments.sign(file.id) })).statusCode).toBe(404);
  // Another visitor cannot send it.
  thief.send({ type: 'send', cid: 't-1', text: 'mine now', attachment: file.id });
  const refused = await thief.type('error', (f) => f.cid === 't-1');
  expect(refused.code).toBe('SB_ERR_NOT_FOUND');

  tab.send({ type: 'send', cid: 'ok-1', text: 'here', attachment: file.id });
  const m = await tab.type('message', (f) => f.message.cid === 'ok-1');
  const url = m.message.attachment.url as string;
  expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
  const forged = url.replace(/s=([0-9a-f])/, (_, c: string) => `s=${c === '0' ? '1' : '0'}`);
  expect((await app.inject({ method: 'GET', url: forged })).statusCode).toBe(403);
  const later = url.replace(/e=(\d+)/, (_, e: string) => `e=${Number(e) + 600}`);
  expect((await app.inject({ method: 'GET', url: later })).statusCode).toBe(403);
  const expired = app.chat.attachments.sign(file.id, Date.now() - 2 * 3600_000);
  const res = await app.inject({ method: 'GET', url: expired });
  expect(res.statusCode).toBe(403);
  expect(res.json().message).toMatch(/expired/);
});

it('uploads never sent go after a day, and an erased visitor’s files go at once', async () => {
  const s = await visitorSession(app);
  const tab = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  const kept = (await upload(s.token, 'kept.png', PNG)).json();
  const left = (await upload(s.token, 'left.png', PNG)).json();
  tab.send({ type: 'send', cid: 'k-1', text: '', attachment: kept.id });
  await tab.type('ack', (f) => f.cid === 'k-1');
  expect(stored().sort()).toEqual([kept.id, left.id].sort());

  expect(await app.chat.attachments.sweep(Date.now())).toEqual({ unbound: 0, orphans: 0 });
  expect(await app.chat.attachments.sweep(Date.now() + 86_400_001)).toEqual({ unbound: 1, orphans: 0 });
  expect(stored()).toEqual([kept.id]);

  const admin = await login(app, 'admin@demo.test');
  const erased = await app.inject({
    method: 'DELETE',
    url: `/api/v1/sites/demo/visitors/${s.visitorId}`,
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(erased.statusCode).toBe(200);
  expect(stored()).toEqual([]);
});
