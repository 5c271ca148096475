import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { parseTrustProxy } from '../src/config.js';
import { listen, testApp, waitUntil } from './helpers.js';

async function server(config: Parameters<typeof testApp>[0]) {
  const t = await testApp(config);
  onTestFinished(() => t.dispose());
  return { app: t.app, host: await listen(t.app) };
}

function signIn(host: string, email: string, password: string, forwardedFor?: string) {
  return fetch(`http://${host}/api/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ email, password }),
  });
}

describe('the per-address sign-in limit', () => {
  it('is not bypassed by a rotated X-Forwarded-For when no proxy is trusted (the default)', async () => {
    const { host } = await server({ limits: { loginPerMinute: 3, loginAccountFreeFailures: 100 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await signIn(host, 'ana@demo.test', 'wrong', `203.0.113.${i + 1}`)).status);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    // The real address is limited: the right password does not get through either.
    expect((await signIn(host, 'ben@demo.test', 'demo1234', '198.51.100.7')).status).toBe(429);
  });

  it.each([
    ['an address', ['127.0.0.1']],
    ['a hop count', 1],
  ] as const)(
    'honours X-Forwarded-For from a proxy trusted by %s (each client address has its own limit)',
    async (_what, trustProxy) => {
      const { host } = await server({
        trustProxy: typeof trustProxy === 'number' ? trustProxy : [...trustProxy],
        limits: { loginPerMinute: 2, loginAccountFreeFailures: 100 },
      });
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push((await signIn(host, 'ana@demo.test', 'wrong', `203.0.113.${i + 1}`)).status);
      }
      expect(codes).toEqual([401, 401, 401, 401]);
      // One client address behind the proxy is limited as usual.
      const same: number[] = [];
      for (let i = 0; i < 3; i++)
        same.push((await signIn(host, 'ben@demo.test', 'x', '198.51.100.9')).status);
      expect(same).toEqual([401, 401, 429]);
    },
  );
});

describe('the per-account sign-in limit', () => {
  it('after the free failures, even the right password waits; other accounts are unaffected', async () => {
    const { host } = await server({
      trustProxy: 1,
      limits: { loginPerMinute: 0, loginAccountFreeFailures: 3, loginBackoffMs: 60_000 },
    });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await signIn(host, 'ana@demo.test', `guess${i}`, `203.0.113.${i + 1}`)).status);
    }
    expect(codes).toEqual([401, 401, 401, 429]);
    const refused = await signIn(host, 'ANA@demo.test', 'demo1234', '203.0.113.99');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'SB_ERR_RATE_LIMITED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signIn(host, 'ben@demo.test', 'demo1234')).status).toBe(200);
  });
});

describe('concurrent sign-ins at one account', () => {
  it('get only the free failures between them: the rest wait, and no hash runs for them', async () => {
    const { app, host } = await server({
      trustProxy: 1,
      limits: { loginPerMinute: 0, loginAccountFreeFailures: 3, loginBackoffMs: 60_000 },
    });
    const verify = vi.spyOn(app.passwords, 'verify');
    // From twelve addresses at once, so that only the per-account limit stands in the way.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signIn(host, 'ana@demo.test', `guess${i}`, `203.0.113.${i + 1}`)),
    );
    const codes = answers.map((r) => r.status).sort();
    expect(codes).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
    expect(verify).toHaveBeenCalledTimes(3);
    // The account now waits, for the right password too, and it costs no hash.
    expect((await signIn(host, 'ana@demo.test', 'demo1234', '203.0.113.50')).status).toBe(429);
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('a right password among concurrent wrong ones signs in and clears the failures', async () => {
    const { app, host } = await server({
      trustProxy: 1,
      scryptConcurrency: 1,
      limits: { loginPerMinute: 0, loginAccountFreeFailures: 2, loginBackoffMs: 60_000 },
    });
    // Both attempts are counted before either is checked: the one hash slot is held meanwhile.
    let open = () => {};
    const blocker = app.passwords.gate.run(() => new Promise<void>((resolve) => (open = resolve)));
    const both = Promise.all([
      signIn(host, 'ana@demo.test', 'demo1234', '203.0.113.1'),
      signIn(host, 'ana@demo.test', 'guess', '203.0.113.2'),
    ]);
    await waitUntil(() => app.passwords.gate.waiting === 2, 5000, 'both sign-ins waiting for a hash');
    open();
    await blocker;
    const [right, wrong] = await both;
    expect([right.status, wrong.status]).toEqual([200, 401]);
    // Two failures would have started the wait; the success cleared them.
    expect((await signIn(host, 'ana@demo.test', 'guess', '203.0.113.3')).status).toBe(401);
    expect((await signIn(host, 'ana@demo.test', 'demo1234', '203.0.113.4')).status).toBe(200);
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default and accepts a hop count or a list of addresses and CIDRs', () => {
    expect(parseTrustProxy(null)).toBe(false);
    expect(parseTrustProxy('off')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16,::1,loopback')).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
      'loopback',
    ]);
    expect(() => parseTrustProxy('true')).toThrow(/TRUST_PROXY/);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/TRUST_PROXY/);
  });
});
