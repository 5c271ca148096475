/**
 * Webhooks survive a crash: the real server as a child process writes events while its
 * endpoint is down, is killed with SIGKILL while deliveries wait for their retries, and after
 * the restart every `conversation.*` and `message.created` event reaches the receiver —
 * exactly once after de-duplication by event id, each signature verified.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../../server/test/webhook-receiver.js';
import { agentTokens, ChatClient, visitorTokens } from '../support/chat-client.js';
import { ServerProcess } from '../support/server.js';

const ORIGIN = 'http://localhost:5173';
const VISITORS = 5;
const MESSAGES_EACH = 4;

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhooks across a kill -9 of the gateway', () => {
  const receiver = new Receiver(0);
  let server: ServerProcess | null = null;
  const clients: ChatClient[] = [];

  beforeAll(() => receiver.start());

  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.dispose();
    await receiver.stop();
  });

  it('every event is delivered once after de-duplication, signed, although the endpoint was down and the server was killed', async () => {
    const port = await freePort();
    const proc = new ServerProcess(port, {
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_RETRY_BASE_MS: '200',
    });
    server = proc;
    await proc.start();
    const base = proc.url;
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.test', password: 'demo1234' }),
    });
    const admin = ((await login.json()) as { token: string }).token;
    const created = await fetch(`${base}/api/v1/sites/demo/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        url: receiver.url,
        events: ['conversation.created', 'conversation.assigned', 'conversation.closed', 'message.created'],
      }),
    });
    expect(created.status).toBe(200);
    receiver.secret = ((await created.json()) as { secret: string }).secret;
    receiver.down = true;

    const agent = new ChatClient({
      baseUrl: base,
      role: 'agent',
      getToken: agentTokens(base, 'ben@demo.test'),
    });
    clients.push(agent);
    await agent.connect();
    const visitors: ChatClient[] = [];
    for (let i = 0; i < VISITORS; i++) {
      const v = new ChatClient({
        baseUrl: base,
        role: 'visitor',
        getToken: visitorTokens(base, ORIGIN),
        origin: ORIGIN,
      });
      clients.push(v);
      visitors.push(v);
      await v.connect();
    }
    const cids: string[] = [];
    for (let n = 0; n < MESSAGES_EACH; n++) for (const v of visitors) cids.push(v.send(`message ${n}`));
    await until(() => visitors.every((v) => v.pending === 0), 'every visitor message acked');
    const conversations = visitors.map((v) => [...v.transcripts.keys()][0] as string);
    for (const id of conversations) await agent.command({ type: 'claim', conversationId: id });
    for (const id of conversations.slice(0, 2)) await agent.command({ type: 'close', conversationId: id });
    const expected =
      VISITORS * MESSAGES_EACH + // message.created
      VISITORS * 2 + // conversation.created, conversation.assigned (and the joined line is not a message event)
      2; // conversation.closed

    // The endpoint is down: every delivery has been tried and refused at least once.
    await until(
      () => new Set(receiver.attempts.map((a) => a.delivery)).size === expected,
      'first attempts made',
    );
    await proc.stop('SIGKILL');
    receiver.down = false;
    await proc.start();

    await until(() => receiver.accepted().size === expected, 'every event accepted after the restart');
    const accepted = [...receiver.accepted().values()];
    expect(receiver.attempts.every((a) => a.signatureOk)).toBe(true);
    const counts = new Map<string, number>();
    for (const a of accepted) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      'message.created': VISITORS * MESSAGES_EACH,
      'conversation.created': VISITORS,
      'conversation.assigned': VISITORS,
      'conversation.closed': 2,
    });
    const delivered = accepted
      .filter((a) => a.type === 'message.created')
      .map((a) => (a.body.data.message as { cid: string }).cid)
      .sort();
    expect(delivered).toEqual([...cids].sort());
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
