import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, ClientPool, listen, login, testApp, visitorSession } from './helpers.js';

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;
const pool = new ClientPool();
let ana: string;
let ben: string;

beforeEach(async () => {
  ({ app, dispose } = await testApp());
  host = await listen(app);
  ana = await login(app, 'ana@demo.test');
  ben = await login(app, 'ben@demo.test');
});
afterEach(async () => {
  await pool.closeAll();
  await dispose();
});

async function visitor(cursors?: Record<string, number>, token?: string) {
  const s = token ? { token, visitorId: '' } : await visitorSession(app);
  const c = pool.add(await Client.ready(host, '/ws/visitor', s.token, cursors));
  return { c, token: s.token, visitorId: s.visitorId };
}
async function agent(token: string, cursors?: Record<string, number>) {
  return pool.add(await Client.ready(host, '/ws/agent', token, cursors));
}

describe('the whole loop over real sockets', () => {
  it('visitor writes → queue → claim → reply → transfer → close', async () => {
    const anaWs = await agent(ana);
    const benWs = await agent(ben);
    const { c: v, visitorId } = await visitor();

    v.send({ type: 'send', cid: 'v-1', text: 'Hi, where is my order?' });
    const ack = await v.type('ack', (f) => f.cid === 'v-1');
    expect(ack).toMatchObject({ seq: 1, conversationId: expect.any(String), messageId: expect.any(String) });
    const convId = ack.conversationId as string;
    // The visitor sees its own committed message.
    await v.type('message', (f) => f.message.seq === 1);

    // Every agent sees the new conversation in the queue, with the last message.
    const queued = await anaWs.type('conversation', (f) => f.conversation.id === convId);
    expect(queued.conversation).toMatchObject({
      status: 'queued',
      visitor: { id: visitorId },
      lastMessage: { text: 'Hi, where is my order?', authorKind: 'visitor' },
    });
    await benWs.type('conversation', (f) => f.conversation.id === convId);

    anaWs.send({ type: 'claim', cid: 'claim-1', conversationId: convId });
    await anaWs.type('ack', (f) => f.cid === 'claim-1');
    const joined = await v.type('message', (f) => f.message.event?.kind === 'joined');
    expect(joined.message).toMatchObject({ seq: 2, text: 'Ana Silva joined the conversation' });
    // Ben learns it left the queue.
    await benWs.type(
      'conversation',
      (f) => f.conversation.id === convId && f.conversation.status === 'assigned',
    );

    // The assignee gets the visitor's next message live.
    v.send({ type: 'send', cid: 'v-2', text: 'Order 1234' });
    await anaWs.type('message', (f) => f.message.cid === 'v-2' && f.message.seq === 3);

    anaWs.send({ type: 'send', cid: 'a-1', conversationId: convId, text: 'Let me check.' });
    const agentAck = await anaWs.type('ack', (f) => f.cid === 'a-1');
    expect(agentAck.seq).toBe(4);
    const reply = await v.type('message', (f) => f.message.seq === 4);
    expect(reply.message).toMatchObject({
      text: 'Let me check.',
      author: { kind: 'agent', name: 'Ana Silva' },
    });

    // Ben may not reply: not his.
    benWs.send({ type: 'send', cid: 'b-0', conversationId: convId, text: 'me too' });
    expect(await benWs.type('error', (f) => f.cid === 'b-0')).toMatchObject({ code: 'SB_ERR_FORBIDDEN' });

    // Transfer to Ben with a note: at once, system line, internal note.
    const benId = (await app.storage.getAccountByEmail('ben@demo.test'))?.id;
    anaWs.send({
      type: 'transfer',
      cid: 't-1',
      conversationId: convId,
      toAgentId: benId,
      note: 'VIP customer',
    });
    await anaWs.type('ack', (f) => f.cid === 't-1');
    const line = await v.type('message', (f) => f.message.event?.kind === 'transferred');
    expect(line.message.text).toBe('Transferred to Ben Okafor');
    const note = await benWs.type('note');
    expect(note.note).toMatchObject({ text: 'VIP customer', author: { name: 'Ana Silva' } });
    await benWs.type('message', (f) => f.message.text === 'Transferred to Ben Okafor');
    await benWs.type('conversation', (f) => f.conversation.agent?.id === benId);

    benWs.send({ type: 'send', cid: 'b-1', conversationId: convId, text: 'Ben here.' });
    await v.type('message', (f) => f.message.text === 'Ben here.');

    benWs.send({ type: 'close', cid: 'c-1', conversationId: convId });
    await benWs.type('ack', (f) => f.cid === 'c-1');
    const closedLine = await v.type('message', (f) => f.message.event?.kind === 'closed');
    expect(closedLine.message.text.toLowerCase()).toContain('closed');
    await v.type('conversation', (f) => f.conversation.status === 'closed');

    // Notes are never sent to the visitor.
    expect(v.received.some((f) => f.type === 'note')).toBe(false);

    // The visitor writes again: reopened, back in the queue.
    v.send({ type: 'send', cid: 'v-3', text: 'One more thing' });
    await v.type('ack', (f) => f.cid === 'v-3');
    await v.type('message', (f) => f.message.event?.kind === 'reopened');
    await anaWs.type(
      'conversation',
      (f) => f.conversation.id === convId && f.conversation.status === 'queued',
    );
    const seqs = (await app.storage.messagesSince(convId, 0)).map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('a resent cid is acked with the same seq and stored once', async () => {
    const { c: v } = await visitor();
    v.send({ type: 'send', cid: 'dup', text: 'hello' });
    const first = await v.type('ack', (f) => f.cid === 'dup');
    v.send({ type: 'send', cid: 'dup', text: 'hello' });
    const second = await v.type('ack', (f) => f.cid === 'dup');
    expect(second).toEqual(first);
    // Also when both copies land in the same commit batch.
    v.send({ type: 'send', cid: 'dup2', text: 'x' });
    v.send({ type: 'send', cid: 'dup2', text: 'x' });
    const a = await v.type('ack', (f) => f.cid === 'dup2');
    const b = await v.type('ack', (f) => f.cid === 'dup2');
    expect(a.seq).toBe(b.seq);
    const stored = await app.storage.messagesSince(first.conversationId as string, 0);
    expect(stored.map((m) => m.cid)).toEqual(['dup', 'dup2']);
    // Only one `message` frame per stored message.
    expect(v.received.filter((f) => f.type === 'message').length).toBe(2);
  });

  it('resume with cursors returns exactly the missed messages, in order', async () => {
    const anaWs = await agent(ana);
    const { c: v, token } = await visitor();
    v.send({ type: 'send', cid: 'm1', text: 'one' });
    const { conversationId } = await v.type('ack', (f) => f.cid === 'm1');
    const convId = conversationId as string;
    anaWs.send({ type: 'claim', cid: 'cl', conversationId: convId });
    await anaWs.type('ack', (f) => f.cid === 'cl');
    await v.type('message', (f) => f.message.seq === 2);
    await v.close();

    // While the visitor is away, the agent writes three replies.
    for (const n of [1, 2, 3]) {
      anaWs.send({ type: 'send', cid: `r${n}`, conversationId: convId, text: `reply ${n}` });
      await anaWs.type('ack', (f) => f.cid === `r${n}`);
    }
    const back = pool.add(await Client.connect(host, '/ws/visitor', token));
    back.send({ type: 'hello', v: 1, cursors: { [convId]: 2 } });
    const welcome = await back.type('welcome');
    expect(welcome.conversations.map((c: { id: string }) => c.id)).toEqual([convId]);
    const history = await back.type('history', (f) => f.conversationId === convId);
    expect(history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text])).toEqual([
      [3, 'reply 1'],
      [4, 'reply 2'],
      [5, 'reply 3'],
    ]);
    await back.type('synced');
    // Without a cursor the visitor gets its current conversation from seq 0.
    const fresh = pool.add(await Client.connect(host, '/ws/visitor', token));
    fresh.send({ type: 'hello', v: 1 });
    const full = await fresh.type('history');
    expect(full.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    // The agent side resumes too, with notes.
    const anaBack = pool.add(await Client.connect(host, '/ws/agent', ana));
    anaBack.send({ type: 'hello', v: 1, cursors: { [convId]: 4 } });
    const agentHistory = await anaBack.type('history');
    expect(agentHistory.messages.map((m: { seq: number }) => m.seq)).toEqual([5]);
    expect(agentHistory.notes).toEqual([]);
  });

  it('concurrent claims by two agents: exactly one wins, the other gets SB_ERR_ALREADY_CLAIMED', async () => {
    const anaWs = await agent(ana);
    const benWs = await agent(ben);
    const { c: v } = await visitor();
    v.send({ type: 'send', cid: 'q', text: 'anyone?' });
    const { conversationId } = await v.type('ack');
    anaWs.send({ type: 'claim', cid: 'ca', conversationId });
    benWs.send({ type: 'claim', cid: 'cb', conversationId });
    const ra = await anaWs.next((f) => f.cid === 'ca');
    const rb = await benWs.next((f) => f.cid === 'cb');
    const outcomes = [ra.type, rb.type].sort();
    expect(outcomes).toEqual(['ack', 'error']);
    const loser = ra.type === 'error' ? ra : rb;
    expect(loser).toMatchObject({ code: 'SB_ERR_ALREADY_CLAIMED' });
    const joined = (await app.storage.messagesSince(conversationId as string, 0)).filter(
      (m) => m.event?.kind === 'joined',
    );
    expect(joined).toHaveLength(1);
  });

  it('transfer to a department puts it back in that queue; open returns history with notes', async () => {
    const anaWs = await agent(ana);
    const benWs = await agent(ben);
    const { c: v } = await visitor();
    v.send({ type: 'send', cid: 's', text: 'pricing?', department: 'Sales' });
    const { conversationId } = await v.type('ack');
    anaWs.send({ type: 'claim', cid: 'c', conversationId });
    await anaWs.type('ack', (f) => f.cid === 'c');
    anaWs.send({ type: 'note', cid: 'n', conversationId, text: 'asks about bulk' });
    await anaWs.type('ack', (f) => f.cid === 'n');
    anaWs.send({ type: 'transfer', cid: 't', conversationId, department: 'Support' });
    await anaWs.type('ack', (f) => f.cid === 't');
    const conv = await benWs.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.department === 'Support',
    );
    expect(conv.conversation).toMatchObject({ status: 'queued', agent: null });
    anaWs.send({ type: 'transfer', cid: 't2', conversationId, department: 'Nope' });
    expect(await anaWs.type('error', (f) => f.cid === 't2')).toMatchObject({ code: 'SB_ERR_NOT_FOUND' });

    benWs.send({ type: 'open', cid: 'o', conversationId });
    const h = await benWs.type('history', (f) => f.cid === 'o');
    expect(h.notes.map((n: { text: string }) => n.text)).toEqual(['asks about bulk']);
    expect(h.messages.at(-1).text).toBe('Transferred to Support');
    // Ben watches it now: typing from the visitor reaches him.
    v.send({ type: 'typing', on: true });
    expect(await benWs.type('typing')).toMatchObject({ on: true, from: { kind: 'visitor' } });
  });

  it('read receipts are stored and relayed; presence and visitor online reach the right sides', async () => {
    const anaWs = await agent(ana);
    const { c: v, visitorId } = await visitor();
    expect((await v.received.find((f) => f.type === 'welcome'))?.site.agentsOnline).toBe(true);
    await anaWs.type('visitor', (f) => f.visitorId === visitorId && f.online === true);
    v.send({ type: 'send', cid: 'x', text: 'hi' });
    const { conversationId } = await v.type('ack');
    anaWs.send({ type: 'claim', cid: 'c', conversationId });
    await v.type('message', (f) => f.message.seq === 2);
    anaWs.send({ type: 'read', conversationId, seq: 1 });
    expect(await v.type('read')).toMatchObject({ by: 'agent', seq: 1, conversationId });
    v.send({ type: 'read', conversationId, seq: 2 });
    expect(await anaWs.type('read', (f) => f.by === 'visitor')).toMatchObject({ seq: 2 });
    expect((await app.storage.getConversation(conversationId as string))?.visitorReadSeq).toBe(2);
    // Reads that move nothing are free: no frame to anyone (the visitor's frames run in order,
    // so the marker message arrives after whatever those reads would have published).
    for (let i = 0; i < 5; i++) v.send({ type: 'read', conversationId, seq: i % 2 === 0 ? 2 : 1 });
    v.send({ type: 'send', cid: 'marker', text: 'after the reads' });
    await anaWs.type('message', (f) => f.message.text === 'after the reads');
    expect(anaWs.received.filter((f) => f.type === 'read' && f.by === 'visitor').map((f) => f.seq)).toEqual([
      2,
    ]);

    anaWs.send({ type: 'status', status: 'away' });
    const p = await v.type('presence', (f) => f.agent.status === 'away');
    expect(p.agentsOnline).toBe(false);
    expect(p.agent.email).toBe('');
    await v.close();
    await anaWs.type('visitor', (f) => f.visitorId === visitorId && f.online === false);
  });

  it('an agent who stays away past the grace period gets their conversations re-queued', async () => {
    await dispose();
    ({ app, dispose } = await testApp({ agentGraceMs: 50 }));
    host = await listen(app);
    ana = await login(app, 'ana@demo.test');
    ben = await login(app, 'ben@demo.test');
    const anaWs = await agent(ana);
    const benWs = await agent(ben);
    const { c: v } = await visitor();
    v.send({ type: 'send', cid: 'x', text: 'hi' });
    const { conversationId } = await v.type('ack');
    anaWs.send({ type: 'claim', cid: 'c', conversationId });
    await anaWs.type('ack', (f) => f.cid === 'c');
    await benWs.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.status === 'assigned',
    );
    await anaWs.close();
    await benWs.type('presence', (f) => f.agent.name === 'Ana Silva' && f.agent.status === 'offline');
    const line = await v.type('message', (f) => f.message.event?.kind === 'transferred');
    expect(line.message.text).toContain('back in the queue');
    const back = await benWs.type(
      'conversation',
      (f) => f.conversation.id === conversationId && f.conversation.status === 'queued',
    );
    expect(back.conversation.agent).toBeNull();
    expect(app.presence.pendingGraceTimers).toBe(0);
  });

  it('visitor typing and profile reach the agents', async () => {
    const anaWs = await agent(ana);
    const { c: v } = await visitor();
    v.send({ type: 'send', cid: 'x', text: 'hi' });
    const { conversationId } = await v.type('ack');
    anaWs.send({ type: 'claim', cid: 'c', conversationId });
    await anaWs.type('ack', (f) => f.cid === 'c');
    v.send({ type: 'profile', name: 'Jo', email: 'jo@x.test', attributes: { plan: 'pro' } });
    const s = await anaWs.type('conversation', (f) => f.conversation.visitor.name === 'Jo');
    expect(s.conversation.visitor).toMatchObject({ email: 'jo@x.test', attributes: { plan: 'pro' } });
    v.send({ type: 'typing', on: true });
    expect(await anaWs.type('typing')).toMatchObject({
      conversationId,
      from: { kind: 'visitor', name: 'Jo' },
    });
    anaWs.send({ type: 'typing', conversationId, on: true });
    expect(await v.type('typing')).toMatchObject({ from: { kind: 'agent', name: 'Ana Silva' } });
  });

  it('notify pushes a notice live to a signed-in visitor', async () => {
    const site = await app.storage.getSite('demo');
    const { identityHash } = await import('../src/http/auth.js');
    const s = await visitorSession(app, {
      site: 'demo',
      user: { id: 'shopper-1', hash: identityHash('shopper-1', site?.secret ?? '') },
    });
    const v = pool.add(await Client.ready(host, '/ws/visitor', s.token));
    const res = await app.inject({
      method: 'POST',
      url: '/api/sites/demo/notify',
      headers: { authorization: `Bearer ${site?.secret}` },
      payload: { userId: 'shopper-1', text: 'Your order has shipped' },
    });
    expect(res.json()).toMatchObject({ delivered: true, seq: 1 });
    const m = await v.type('message');
    expect(m.message).toMatchObject({ text: 'Your order has shipped', event: { kind: 'notice' } });
  });
});
