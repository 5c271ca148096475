/**
 * The administration commands as operators run them: the real `switchboard` process on the
 * same database as a running server (SQLite file, and PostgreSQL), its exit codes and JSON,
 * and each change reaching the running server on its own (admin/watch.ts polls the database).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { type BinResult, buildServer, runBin } from './cli-helpers.js';
import { Client, ClientPool, listen, login, TEST_SCRYPT_N, tempDir, waitUntil } from './helpers.js';
import { type PgTestDatabase, pgSkipped, pgTestDatabase } from './pg-helpers.js';

beforeAll(buildServer, 120_000);

interface Store {
  name: string;
  skip: boolean;
  /** The environment of the server and of the CLI: the same database. */
  open(): Promise<{ env: Record<string, string>; close: () => Promise<void> }>;
}

const STORES: Store[] = [
  {
    name: 'SQLite',
    skip: false,
    async open() {
      const tmp = tempDir();
      return { env: { DATA_DIR: tmp.dir }, close: async () => tmp.remove() };
    },
  },
  {
    name: 'PostgreSQL',
    skip: pgSkipped,
    async open() {
      const db: PgTestDatabase = await pgTestDatabase();
      return { env: { DATABASE_URL: db.url }, close: () => db.drop() };
    },
  },
];

describe.each(STORES)('switchboard CLI on $name, beside a running server', (store) => {
  let app: FastifyInstance;
  let host: string;
  let env: Record<string, string>;
  let closeStore: () => Promise<void>;
  const pool = new ClientPool();

  beforeAll(async () => {
    if (store.skip) return;
    const opened = await store.open();
    closeStore = opened.close;
    env = { ...opened.env, SCRYPT_N: String(TEST_SCRYPT_N), PUBLIC_URL: 'https://chat.example' };
    app = await buildApp({
      config: {
        dataDir: opened.env.DATA_DIR ?? tempDir().dir,
        ...(opened.env.DATABASE_URL
          ? { databaseUrl: opened.env.DATABASE_URL, jwtSecret: 'cli-test-jwt' }
          : {}),
        seed: true,
        seedHistory: false,
        logLevel: 'silent',
        scryptN: TEST_SCRYPT_N,
        adminPollMs: 100,
      },
      logger: false,
    });
    host = await listen(app);
  }, 60_000);

  afterAll(async () => {
    if (store.skip) return;
    await pool.closeAll();
    await app.close();
    await closeStore();
  });

  const cli = (args: string[], stdin?: string): Promise<BinResult> => runBin(args, env, stdin);
  const json = (r: BinResult) => {
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it.skipIf(store.skip)(
    'create-site, list-sites, rotate-secret: JSON out, exit codes for usage errors and failures',
    async () => {
      const created = json(
        await cli([
          'create-site',
          '--id',
          'acme',
          '--name',
          'Acme',
          '--origin',
          'https://acme.test',
          '--json',
        ]),
      );
      expect(created).toEqual({ site: 'acme', secret: expect.any(String) });
      const listed = json(await cli(['list-sites', '--json']));
      expect((listed.sites as { id: string }[]).map((s) => s.id)).toEqual(['acme', 'demo']);
      const rotated = json(await cli(['rotate-secret', '--site', 'acme', '--json']));
      expect(rotated.secret).not.toBe(created.secret);
      expect(rotated.previousSecretUntil).toBeGreaterThan(Date.now());
      // The running server accepts both secrets (the rotation's grace period).
      for (const secret of [rotated.secret, created.secret] as string[]) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/sites/acme/notify',
          headers: { authorization: `Bearer ${secret}` },
          payload: { userId: 'u1', text: 'Hi' },
        });
        expect(res.statusCode).toBe(200);
      }
      const usage = await cli(['create-site', '--name', 'No id', '--origin', 'https://x.test']);
      expect([usage.code, usage.stdout]).toEqual([2, '']);
      expect(usage.stderr).toContain('--id is required');
      const badOrigin = await cli([
        'create-site',
        '--id',
        'x',
        '--name',
        'X',
        '--origin',
        'https://x.test:*',
      ]);
      expect(badOrigin.code).toBe(2);
      expect(badOrigin.stderr).toContain('localhost only');
      const taken = await cli([
        'create-site',
        '--id',
        'acme',
        '--name',
        'Again',
        '--origin',
        'https://a.test',
      ]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain('exists already');
      const unknown = await cli(['rotate-secret', '--site', 'nope']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No site "nope"');
      expect((await cli(['no-such-command'])).code).toBe(2);
    },
  );

  it.skipIf(store.skip)(
    'add-origin / remove-origin: the running server accepts and then refuses the origin',
    async () => {
      const origin = 'https://new-shop.test';
      const session = async () =>
        (
          await app.inject({
            method: 'POST',
            url: '/api/visitor/session',
            headers: { origin },
            payload: { site: 'demo' },
          })
        ).statusCode;
      expect(await session()).toBe(403);
      // The server caches the site: it must learn the change on its own.
      expect(await app.chat.site('demo')).toBeTruthy();
      const added = json(await cli(['add-origin', '--site', 'demo', '--origin', `${origin}/`, '--json']));
      expect(added.allowedOrigins).toContain(origin);
      await waitUntil(async () => (await session()) === 200, 10_000, 'the new origin accepted');
      json(await cli(['remove-origin', '--site', 'demo', '--origin', origin, '--json']));
      await waitUntil(async () => (await session()) === 403, 10_000, 'the removed origin refused');
      const missing = await cli(['remove-origin', '--site', 'demo', '--origin', origin]);
      expect(missing.code).toBe(1);
    },
  );

  it.skipIf(store.skip)(
    'create-agent with a password on stdin, or an invitation link; list-agents shows both',
    async () => {
      const ready = json(
        await cli(
          [
            'create-agent',
            '--site',
            'demo',
            '--email',
            'dee@demo.test',
            '--name',
            'Dee',
            '--role',
            'agent',
            '--password-stdin',
            '--json',
          ],
          'dee-password-1\n',
        ),
      );
      expect(ready).toEqual({ agentId: expect.any(String) });
      expect(await login(app, 'dee@demo.test', 'dee-password-1')).toBeTruthy();
      const invited = json(
        await cli([
          'create-agent',
          '--site',
          'demo',
          '--email',
          'eve@demo.test',
          '--name',
          'Eve',
          '--role',
          'admin',
          '--json',
        ]),
      );
      const url = new URL(invited.inviteUrl as string);
      expect(url.origin + url.pathname).toBe('https://chat.example/console');
      const info = await app.inject({
        method: 'GET',
        url: `/api/invitations/${url.searchParams.get('invite')}`,
      });
      expect(info.json()).toMatchObject({ email: 'eve@demo.test', site: { id: 'demo' } });
      const agents = json(await cli(['list-agents', '--site', 'demo', '--json']));
      const byEmail = new Map(
        (agents.agents as { email: string; invited: boolean; role: string }[]).map((a) => [a.email, a]),
      );
      expect(byEmail.get('dee@demo.test')).toMatchObject({ invited: false, role: 'agent' });
      expect(byEmail.get('eve@demo.test')).toMatchObject({ invited: true, role: 'admin' });
      const short = await cli(
        [
          'create-agent',
          '--site',
          'demo',
          '--email',
          'f@demo.test',
          '--name',
          'F',
          '--role',
          'agent',
          '--password-stdin',
        ],
        'short\n',
      );
      expect(short.code).toBe(2);
      const badRole = await cli([
        'create-agent',
        '--site',
        'demo',
        '--email',
        'g@demo.test',
        '--name',
        'G',
        '--role',
        'boss',
      ]);
      expect(badRole.code).toBe(2);
      const dup = await cli([
        'create-agent',
        '--site',
        'demo',
        '--email',
        'DEE@demo.test',
        '--name',
        'D',
        '--role',
        'agent',
      ]);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('already an agent');
    },
  );

  it.skipIf(store.skip)(
    'deactivate-agent signs a connected agent out; reset-password signs every session out',
    async () => {
      const anaToken = await login(app, 'ana@demo.test');
      const ana = pool.add(await Client.ready(host, '/ws/agent', anaToken));
      const benToken = await login(app, 'ben@demo.test');
      const ben = pool.add(await Client.ready(host, '/ws/agent', benToken));
      json(await cli(['deactivate-agent', '--site', 'demo', '--email', 'ana@demo.test', '--json']));
      expect((await ana.closed).code).toBe(4403);
      const refused = await app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { authorization: `Bearer ${anaToken}` },
      });
      expect(refused.statusCode).toBe(401);
      json(
        await cli(
          ['reset-password', '--email', 'ben@demo.test', '--password-stdin', '--json'],
          'ben-new-pass-1\n',
        ),
      );
      expect((await ben.closed).code).toBe(4401);
      expect(await login(app, 'ben@demo.test', 'ben-new-pass-1')).toBeTruthy();
      const noStdin = await cli(['reset-password', '--email', 'ben@demo.test']);
      expect(noStdin.code).toBe(2);
      const unknown = await cli(['deactivate-agent', '--site', 'demo', '--email', 'nobody@demo.test']);
      expect(unknown.code).toBe(1);
    },
  );
});
