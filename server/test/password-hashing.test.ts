/**
 * Issue 12, defect 7 (scrypt): the cost is the OWASP one by default and configurable, a weaker
 * stored hash is upgraded at its next sign-in, and hashes run at most K at once with a bounded
 * queue (a sign-in beyond it gets a clear 429), the unknown-email path included.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { ErrorCode } from '@switchboard/protocol';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { PasswordHasher, parsePasswordHash } from '../src/http/auth.js';
import { QueueFullError, Semaphore } from '../src/semaphore.js';
import { TEST_SCRYPT_N, tempDir, testApp, waitUntil } from './helpers.js';

const OLD_N = 2 ** 14;

/** What today's server stored: `scrypt$16384$8$1$salt$hash`. */
function oldHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: OLD_N, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', OLD_N, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function storedN(hash: string | undefined): number | undefined {
  return hash === undefined ? undefined : parsePasswordHash(hash)?.params.N;
}

/** A controllable task: resolves when `release()` is called. */
function deferred(): { promise: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0)) await d();
});

async function app(config: Parameters<typeof testApp>[0] = {}): Promise<FastifyInstance> {
  const t = await testApp(config);
  disposers.push(t.dispose);
  return t.app;
}

function signIn(a: FastifyInstance, email: string, password: string) {
  return a.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

async function addAgent(a: FastifyInstance, email: string, passwordHash: string): Promise<string> {
  const id = `a_${randomBytes(4).toString('hex')}`;
  await a.storage.createAgent({
    id,
    siteId: 'demo',
    email,
    name: 'Old Timer',
    role: 'agent',
    passwordHash,
    createdAt: Date.now(),
  });
  return id;
}

describe('scrypt cost', () => {
  it('defaults to N=2^17, r=8, p=1; SCRYPT_N sets it', () => {
    expect(loadConfig({}).scryptN).toBe(2 ** 17);
    expect(new PasswordHasher({ N: loadConfig({}).scryptN, concurrency: 1, maxQueue: 0 }).params).toEqual({
      N: 2 ** 17,
      r: 8,
      p: 1,
    });
    expect(loadConfig({ SCRYPT_N: '32768' }).scryptN).toBe(2 ** 15);
    expect(loadConfig({ SCRYPT_CONCURRENCY: '2', SCRYPT_MAX_QUEUE: '5' })).toMatchObject({
      scryptConcurrency: 2,
      scryptMaxQueue: 5,
    });
  });

  it('the memory bound fits the default cost: a real N=2^17 hash is computed (128 MiB)', async () => {
    const hasher = new PasswordHasher({ N: loadConfig({}).scryptN, concurrency: 1, maxQueue: 0 });
    const h = await hasher.hash('pw');
    expect(parsePasswordHash(h)?.params).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(hasher.needsRehash(oldHash('pw'))).toBe(true);
    expect(hasher.needsRehash(h)).toBe(false);
  });

  it('a bad SCRYPT_N is a clear error at start', async () => {
    for (const bad of ['1000', '2^17', 'abc', '512', '0', '-16384', String(2 ** 19), '16384.5']) {
      expect(() => loadConfig({ SCRYPT_N: bad }), bad).toThrow(/SCRYPT_N must be a power of two from 1024/);
    }
    expect(() => loadConfig({ SCRYPT_CONCURRENCY: '0' })).toThrow(/SCRYPT_CONCURRENCY/);
    const tmp = tempDir();
    try {
      await expect(
        buildApp({ config: { dataDir: tmp.dir, scryptN: 3000, logLevel: 'silent' }, logger: false }),
      ).rejects.toThrow(/scryptN must be a power of two/);
    } finally {
      tmp.remove();
    }
  });

  it('the demo seed hashes at the configured cost', async () => {
    const a = await app({ scryptN: 2 ** 11 });
    const ana = await a.storage.getAccountByEmail('ana@demo.test');
    expect(ana?.passwordHash.startsWith('scrypt$2048$8$1$')).toBe(true);
    expect((await signIn(a, 'ana@demo.test', 'demo1234')).statusCode).toBe(200);
  });

  it('hashes carry the memory bound they need, and a stored hash beyond 256 MiB is refused unhashed', async () => {
    const hasher = new PasswordHasher({ N: TEST_SCRYPT_N, concurrency: 1, maxQueue: 0 });
    const h = await hasher.hash('pw');
    expect(await hasher.verify('pw', h)).toBe(true);
    const huge = h.replace(`scrypt$${TEST_SCRYPT_N}$`, `scrypt$${2 ** 22}$`);
    expect(parsePasswordHash(huge)).toBeNull();
    expect(await hasher.verify('pw', huge)).toBe(false);
    expect(hasher.gate.peak).toBe(1); // the refused one never took a slot
  });
});

describe('transparent rehash on sign-in', () => {
  it('an old N=2^14 hash signs in and is stored again at the configured N; the password still works', async () => {
    const a = await app({ scryptN: 2 ** 15 });
    const id = await addAgent(a, 'old@demo.test', oldHash('s3cret-old'));
    expect(storedN((await a.storage.getAccount(id))?.passwordHash)).toBe(OLD_N);

    const res = await signIn(a, 'old@demo.test', 's3cret-old');
    expect(res.statusCode).toBe(200);
    const after = (await a.storage.getAccount(id))?.passwordHash;
    expect(storedN(after)).toBe(2 ** 15);
    expect(after?.split('$').slice(1, 4)).toEqual(['32768', '8', '1']);

    expect((await signIn(a, 'old@demo.test', 's3cret-old')).statusCode).toBe(200);
    expect((await a.storage.getAccount(id))?.passwordHash).toBe(after); // current: not hashed again
    expect((await signIn(a, 'old@demo.test', 'wrong')).statusCode).toBe(401);
  });

  it('a wrong password does not rehash', async () => {
    const a = await app({ scryptN: 2 ** 15 });
    const stored = oldHash('s3cret-old');
    const id = await addAgent(a, 'old@demo.test', stored);
    const res = await signIn(a, 'old@demo.test', 'not-it');
    expect(res.statusCode).toBe(401);
    expect((await a.storage.getAccount(id))?.passwordHash).toBe(stored);
  });

  it('a failing rehash does not fail the sign-in', async () => {
    const a = await app({ scryptN: 2 ** 15 });
    const stored = oldHash('s3cret-old');
    const id = await addAgent(a, 'old@demo.test', stored);
    a.storage.updateAgentPasswordHash = async () => {
      throw new Error('disk full');
    };
    const res = await signIn(a, 'old@demo.test', 's3cret-old');
    expect(res.statusCode).toBe(200);
    expect((await a.storage.getAccount(id))?.passwordHash).toBe(stored);
  });
});

describe('concurrent hashes are bounded', () => {
  it('the semaphore never runs more than K at once and serves the waiting in order', async () => {
    const gate = new Semaphore(3, 100);
    const tasks = Array.from({ length: 10 }, () => deferred());
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = tasks.map((t, i) =>
      gate.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await t.promise;
        running--;
        return i;
      }),
    );
    await waitUntil(() => started.length === 3, 5000, 'three tasks started');
    expect(gate.active).toBe(3);
    expect(gate.waiting).toBe(7);
    for (const t of tasks) t.release();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(gate.peak).toBe(3);
    expect(gate.active).toBe(0);
  });

  it('an over-full queue is refused at once; a failed task frees its slot', async () => {
    const gate = new Semaphore(1, 2);
    const hold = deferred();
    const first = gate.run(() => hold.promise);
    const queued = [gate.run(async () => 'q1'), gate.run(async () => 'q2')];
    await expect(gate.run(async () => 'q3')).rejects.toBeInstanceOf(QueueFullError);
    expect(gate.waiting).toBe(2);
    hold.release();
    await first;
    expect(await Promise.all(queued)).toEqual(['q1', 'q2']);
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.active).toBe(0);
    expect(await gate.run(async () => 'again')).toBe('again');
  });

  it('a sign-in flood queues behind K hashes and every sign-in completes', async () => {
    // Six at one account at once: more free failures than that, so the account limit stays out.
    const a = await app({
      scryptConcurrency: 2,
      scryptMaxQueue: 16,
      limits: { loginAccountFreeFailures: 10 },
    });
    const hold = [deferred(), deferred()];
    const blockers = hold.map((h) => a.passwords.gate.run(() => h.promise));
    const flood = Array.from({ length: 6 }, (_, i) =>
      signIn(a, 'ana@demo.test', i % 2 === 0 ? 'demo1234' : 'wrong-password'),
    );
    // All six wait for a slot: none hashes while both slots are held.
    await waitUntil(() => a.passwords.gate.waiting === 6, 5000, 'six sign-ins queued');
    expect(a.passwords.gate.active).toBe(2);
    for (const h of hold) h.release();
    await Promise.all(blockers);
    const codes = (await Promise.all(flood)).map((r) => r.statusCode);
    expect(codes).toEqual([200, 401, 200, 401, 200, 401]);
    expect(a.passwords.gate.peak).toBe(2);
  });

  it('beyond the queue a sign-in gets a clear 429, for a known and an unknown email alike', async () => {
    // One free failure: a refused attempt that counted would make the next one wait.
    const a = await app({ scryptConcurrency: 1, scryptMaxQueue: 0, limits: { loginAccountFreeFailures: 1 } });
    const hold = deferred();
    const blocker = a.passwords.gate.run(() => hold.promise);
    for (const email of ['ana@demo.test', 'nobody@demo.test', 'ana@demo.test']) {
      const res = await signIn(a, email, 'demo1234');
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({
        code: ErrorCode.RateLimited,
        message: 'Too many sign-ins in progress; retry in a moment',
      });
    }
    hold.release();
    await blocker;
    // A refused attempt does not count as a failed password, and the dummy hash is retried.
    expect((await signIn(a, 'ana@demo.test', 'demo1234')).statusCode).toBe(200);
    expect((await signIn(a, 'nobody@demo.test', 'demo1234')).statusCode).toBe(401);
  });
});
