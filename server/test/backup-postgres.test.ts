/**
 * The PostgreSQL backup of docs/deploy.md, round trip: `pg_dump -Fc` beside a running server,
 * `pg_restore` into an empty database, a fresh server on it has the conversations, the visitors
 * and the agents (who sign in with their passwords).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, tempDir, testApp, visitorSession } from './helpers.js';
import { type PgTestDatabase, pgSkipped, pgTestDatabase } from './pg-helpers.js';

/** pg_dump and pg_restore of the newest installed PostgreSQL (Debian keeps them off PATH). */
function pgTool(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? join(root, versions[0], 'bin', name) : name;
}

const dbs: PgTestDatabase[] = [];
const dir = tempDir();
afterAll(async () => {
  for (const db of dbs) await db.drop();
  dir.remove();
});

describe.skipIf(pgSkipped)('PostgreSQL backup and restore', () => {
  it('pg_dump while the server runs, pg_restore into an empty database: a fresh server has it all', async () => {
    const live = await pgTestDatabase();
    const empty = await pgTestDatabase();
    dbs.push(live, empty);
    const pool = new ClientPool();
    const config = { databaseUrl: live.url, jwtSecret: 'backup-test-secret' };
    const { app, dispose } = await testApp(config);
    const host = await listen(app);
    const s = await visitorSession(app);
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    v.send({ type: 'send', cid: 'p-1', text: 'Please keep this message' });
    const conversationId = (await v.type('ack', (f) => f.cid === 'p-1')).conversationId as string;

    const file = join(dir.dir, 'switchboard.dump');
    execFileSync(pgTool('pg_dump'), ['-Fc', '-f', file, live.url], { stdio: ['ignore', 'ignore', 'pipe'] });
    // The server kept running meanwhile; what came after the dump is not in it.
    v.send({ type: 'send', cid: 'p-2', text: 'After the backup' });
    await v.type('ack', (f) => f.cid === 'p-2');
    await pool.closeAll();
    await dispose();

    execFileSync(pgTool('pg_restore'), ['--no-owner', '-d', empty.url, file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const again = await testApp({ ...config, databaseUrl: empty.url, seed: false });
    try {
      const texts = (await again.app.storage.messagesSince(conversationId, 0)).map((m) => m.text);
      expect(texts).toEqual(['Please keep this message']);
      expect((await again.app.storage.getVisitor(s.visitorId))?.id).toBe(s.visitorId);
      // The accounts came along: the demo admin signs in on the restored server.
      expect(await login(again.app, 'admin@demo.test')).toMatch(/\./);
    } finally {
      await again.dispose();
    }
  });
});
