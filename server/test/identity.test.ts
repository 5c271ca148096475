/**
 * Issue 7, identity: a verified user sees their past conversations on any device; a wrong
 * hash is an anonymous visitor (and logged); the README's snippets compute what the server checks.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { identityHash } from '../src/http/auth.js';
import { Client, ClientPool, listen, ORIGIN, TEST_SCRYPT_N, tempDir } from './helpers.js';

let app: FastifyInstance;
let tmp: ReturnType<typeof tempDir>;
let host: string;
const pool = new ClientPool();
const logged: string[] = [];

beforeEach(async () => {
  tmp = tempDir();
  logged.length = 0;
  app = await buildApp({
    config: { scryptN: TEST_SCRYPT_N, dataDir: tmp.dir, seed: true, seedHistory: false },
    logger: { level: 'info', stream: { write: (line: string) => void logged.push(line) } },
  });
  host = await listen(app);
});
afterEach(async () => {
  await pool.closeAll();
  await app.close();
  tmp.remove();
});

/** A new device: no token, only what the shop page puts in the tag. */
async function device(user?: { id: string; hash: string }) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/visitor/session',
    headers: { origin: ORIGIN },
    payload: user ? { site: 'demo', user } : { site: 'demo' },
  });
  expect(res.statusCode).toBe(200);
  const s = res.json() as { token: string; visitorId: string; verified: boolean };
  const c = pool.add(await Client.ready(host, '/ws/visitor', s.token));
  return { ...s, c };
}

async function secret(): Promise<string> {
  return (await app.storage.getSite('demo'))?.secret ?? '';
}

describe('identity across devices', () => {
  it('a verified user sees the same conversation and its history on a second device', async () => {
    const hash = identityHash('shopper-77', await secret());
    const phone = await device({ id: 'shopper-77', hash });
    expect(phone.verified).toBe(true);
    phone.c.send({ type: 'send', cid: 'p1', text: 'Where is my order 1042?' });
    const { conversationId } = await phone.c.type('ack');
    phone.c.send({ type: 'send', cid: 'p2', text: 'It was due Monday.' });
    await phone.c.type('ack', (f) => f.cid === 'p2');
    await phone.c.close();

    const laptop = await device({ id: 'shopper-77', hash });
    expect(laptop.verified).toBe(true);
    const welcome = laptop.c.received.find((f) => f.type === 'welcome');
    expect(welcome?.conversations.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const history = laptop.c.received.find(
      (f) => f.type === 'history' && f.conversationId === conversationId,
    );
    expect(history?.messages.map((m: { text: string }) => m.text)).toEqual([
      'Where is my order 1042?',
      'It was due Monday.',
    ]);
    // …and both devices are live in it: a message from one reaches the other.
    const phoneAgain = await device({ id: 'shopper-77', hash });
    laptop.c.send({ type: 'send', cid: 'l1', text: 'From the laptop' });
    const m = await phoneAgain.c.type('message', (f) => f.message.text === 'From the laptop');
    expect(m.message.conversationId).toBe(conversationId);
  });

  it('a wrong or missing hash is a different, anonymous visitor who sees nothing, and it is logged', async () => {
    const real = await device({ id: 'shopper-88', hash: identityHash('shopper-88', await secret()) });
    real.c.send({ type: 'send', cid: 'r1', text: 'Private: my address is 5 Elm St' });
    await real.c.type('ack');
    logged.length = 0;

    for (const hash of ['ab'.repeat(32), identityHash('shopper-88', 'not-the-secret'), '']) {
      const fake = await device({ id: 'shopper-88', hash });
      expect(fake.verified).toBe(false);
      expect(fake.visitorId).not.toBe(real.visitorId);
      expect(fake.c.received.find((f) => f.type === 'welcome')?.conversations).toEqual([]);
      expect(fake.c.received.some((f) => f.type === 'history')).toBe(false);
    }
    const warnings = logged.filter((l) => l.includes('identity hash missing or wrong'));
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).not.toContain('not-the-secret');
    expect(warnings.join('\n')).not.toContain(await secret());
  });
});

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('documents the hash for Node and PHP, and the Node snippet computes what the server verifies', () => {
    expect(readme).toContain(
      "createHmac('sha256', process.env.SWITCHBOARD_SITE_SECRET).update(user.id).digest('hex')",
    );
    expect(readme).toContain("hash_hmac('sha256', $user->id, getenv('SWITCHBOARD_SITE_SECRET'))");
    const key = 's3cret';
    expect(createHmac('sha256', key).update('u_42').digest('hex')).toBe(identityHash('u_42', key));
  });

  it('documents the CSP lines a site owner adds', () => {
    const csp = readme.slice(readme.indexOf('### Content-Security-Policy'));
    expect(csp).toMatch(/script-src[^\n]*https:\/\/support\.example\.com/);
    expect(csp).toMatch(/connect-src[^\n]*wss:\/\/support\.example\.com/);
  });
});
