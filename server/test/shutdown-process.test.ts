/**
 * Graceful shutdown of the real server process: `node server/dist/main.js`, SIGTERM while a
 * visitor's messages are in flight, restart, resume.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { Client, ORIGIN, TEST_SCRYPT_N, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = tempDir();
const children = new Set<ChildProcess>();

beforeAll(() => {
  // Incremental: a no-op when dist is up to date (npm test builds first anyway).
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'server'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b server failed:\n${r.stdout}${r.stderr}`);
}, 120_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.remove();
});

interface Server {
  child: ChildProcess;
  host: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Starts the built server on a free port (PORT=0) and reads the port from its banner. */
async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [join(root, 'server/dist/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: tmp.dir,
      LOG_LEVEL: 'warn',
      RATE_BURST: '10000',
      SCRYPT_N: String(TEST_SCRYPT_N),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)));
  });
  return { child, host: `127.0.0.1:${port}`, exited, output: () => output };
}

async function session(host: string, token?: string): Promise<{ token: string; visitorId: string }> {
  const res = await fetch(`http://${host}/api/visitor/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(token ? { site: 'demo', token } : { site: 'demo' }),
  });
  if (!res.ok) throw new Error(`session: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string; visitorId: string };
}

async function storedMessages(conversationId: string): Promise<{ seq: number; cid: string | undefined }[]> {
  const db = new SqliteStorage(join(tmp.dir, 'switchboard.db'));
  try {
    return (await db.messagesSince(conversationId, 0)).map((m) => ({ seq: m.seq, cid: m.cid }));
  } finally {
    await db.close();
  }
}

describe('graceful shutdown of the real process', () => {
  it('SIGTERM mid-stream: acked ⇒ stored, clients get 4503, exit 0; after restart the resend loses and duplicates nothing', async () => {
    const first = await startServer();
    const s = await session(first.host);
    const v = await Client.ready(first.host, '/ws/visitor', s.token);
    v.send({ type: 'send', cid: 'm000', text: 'first' });
    const { conversationId } = await v.type('ack', (f) => f.cid === 'm000');

    // The visitor keeps writing with up to 20 messages in flight (like a busy client), until
    // the server closes the socket.
    const cids = ['m000'];
    let answered = 1;
    v.ws.on('message', (d) => {
      const t = (JSON.parse(String(d)) as { type: string }).type;
      if (t === 'ack' || t === 'error') answered++;
    });
    let stop = false;
    const writer = (async () => {
      while (!stop && cids.length < 5000 && v.ws.readyState === 1) {
        if (cids.length - answered < 20) {
          const cid = `m${String(cids.length).padStart(3, '0')}`;
          cids.push(cid);
          v.send({ type: 'send', cid, text: `message ${cid}` });
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    // The server is committing the stream: stop it now.
    await v.type('ack', (f) => f.cid === 'm010');
    first.child.kill('SIGTERM');
    const closed = await v.closed;
    stop = true;
    await writer;
    const exit = await first.exited;
    expect(closed.code).toBe(4503);
    expect(exit).toEqual({ code: 0, signal: null });

    const acked = new Map<string, number>();
    for (const f of v.received) if (f.type === 'ack') acked.set(f.cid, f.seq);
    const stored = await storedMessages(conversationId);
    // Frames that arrived after SIGTERM were refused (not stored by them) and must be resent.
    const refused = v.received.filter((f) => f.type === 'error');
    for (const e of refused) expect(e.code).toBe('SB_ERR_UNAVAILABLE');
    const unacked = cids.filter((c) => !acked.has(c));
    // Written while the server was down (the widget's outbox): never acked, sent after restart.
    cids.push('offline-1');
    unacked.push('offline-1');
    // Every ack names a committed message with that very seq.
    for (const [cid, seq] of acked) expect(stored.find((m) => m.cid === cid)?.seq, cid).toBe(seq);
    expect(new Set(stored.map((m) => m.cid)).size).toBe(stored.length);

    // Restart; the client resumes from the last seq it has and resends everything not acked.
    const second = await startServer();
    try {
      const cursor = Math.max(
        0,
        ...v.received.filter((f) => f.type === 'message').map((f) => f.message.seq as number),
      );
      const again = await Client.ready(second.host, '/ws/visitor', s.token, { [conversationId]: cursor });
      const replay = again.received.find((f) => f.type === 'history' && f.conversationId === conversationId);
      expect(replay?.messages[0]?.seq ?? cursor + 1).toBe(cursor + 1);
      for (const cid of unacked) again.send({ type: 'send', cid, conversationId, text: `message ${cid}` });
      await again.type('ack', (f) => f.cid === unacked.at(-1));
      // A resend of an acked cid is recognised too.
      again.send({ type: 'send', cid: 'm001', conversationId, text: 'message m001' });
      expect((await again.type('ack', (f) => f.cid === 'm001')).seq).toBe(acked.get('m001'));
      await again.close();
    } finally {
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }

    const final = await storedMessages(conversationId);
    expect(final.map((m) => m.seq)).toEqual(final.map((_, i) => i + 1)); // gap-free
    expect(final.map((m) => m.cid).sort()).toEqual([...cids].sort()); // each once
  });
});
