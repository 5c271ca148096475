import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { Client, ClientPool, listen, login, TEST_SCRYPT_N, tempDir, visitorSession } from './helpers.js';

/** A store whose `listNotes` breaks: an unexpected failure inside a frame handler. */
class BrokenNotesStorage extends SqliteStorage {
  override async listNotes(): Promise<never> {
    throw new Error('simulated storage failure');
  }
}

let app: FastifyInstance;
let tmp: ReturnType<typeof tempDir>;
const pool = new ClientPool();
const logged: string[] = [];

beforeEach(async () => {
  tmp = tempDir();
  app = await buildApp({
    config: { scryptN: TEST_SCRYPT_N, dataDir: tmp.dir },
    storage: new BrokenNotesStorage(join(tmp.dir, 'x.db')),
    logger: {
      level: 'info',
      stream: { write: (line: string) => void logged.push(line) },
    },
  });
});
afterEach(async () => {
  await pool.closeAll();
  await app.close();
  tmp.remove();
});

it('an unexpected handler failure → SB_ERR_INTERNAL with the cid, logged, socket and server keep going', async () => {
  const host = await listen(app);
  const agentToken = await login(app, 'ana@demo.test');
  const visitorToken = (await visitorSession(app)).token;
  const a = pool.add(await Client.ready(host, '/ws/agent', agentToken));
  const v = pool.add(await Client.ready(host, '/ws/visitor', visitorToken));
  v.send({ type: 'send', cid: 'x', text: 'hi' });
  const { conversationId } = await v.type('ack');
  a.send({ type: 'open', cid: 'o1', conversationId });
  expect(await a.type('error', (f) => f.cid === 'o1')).toMatchObject({ code: 'SB_ERR_INTERNAL' });
  expect(logged.join('\n')).toContain('simulated storage failure');
  a.send({ type: 'claim', cid: 'c1', conversationId });
  await a.type('ack', (f) => f.cid === 'c1');
  // Tokens never reach the log, though the upgrade requests were logged.
  const log = logged.join('\n');
  expect(log).toContain('/ws/agent');
  expect(log).not.toContain(agentToken);
  expect(log).not.toContain(visitorToken);
  expect(log).not.toContain('token=');
});
