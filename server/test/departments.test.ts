/**
 * Agents see their departments' queues (issue 15): the `conversation` fan-out to an agent is
 * scoped to their departments (an agent without departments, and admins, see all), a transfer
 * reaches the department it goes to and tells the one it left, and a change of an agent's
 * departments reconnects their console to the new view. Real sockets.
 */
import { describe, expect, it } from 'vitest';
import { Client, liveApp, login, visitorSession } from './helpers.js';

const live = liveApp();

async function agentId(email: string): Promise<string> {
  const a = await live.app.storage.getAccountByEmail(email);
  if (!a) throw new Error(`no ${email}`);
  return a.id;
}

describe('departments scope what an agent sees', () => {
  it('Billing’s member hears Billing and the general queue, not Sales; others and admins hear all', async () => {
    const { app, host, pool } = live;
    const ben = await agentId('ben@demo.test');
    await app.storage.updateMembership(ben, 'demo', { departments: ['Billing'] });
    const benSocket = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    const anaSocket = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ana@demo.test')));
    const adminSocket = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'admin@demo.test')));
    const write = async (cid: string, department?: string) => {
      const v = pool.add(await Client.ready(host, '/ws/visitor', (await visitorSession(app)).token));
      v.send({
        type: 'send',
        cid,
        text: `About ${department ?? 'anything'}`,
        ...(department ? { department } : {}),
      });
      return (await v.type('ack', (f) => f.cid === cid)).conversationId as string;
    };
    const sales = await write('s-1', 'Sales');
    const billing = await write('b-1', 'Billing');
    const general = await write('g-1');
    const heard = (c: Client, id: string) =>
      c.type('conversation', (f) => f.conversation.id === id && f.conversation.status === 'queued');
    for (const c of [anaSocket, adminSocket]) for (const id of [sales, billing, general]) await heard(c, id);
    await heard(benSocket, billing);
    await heard(benSocket, general);
    // Frames reach a socket in order: Sales' came first, so Ben would have it by now.
    const benIds = () =>
      new Set(benSocket.received.filter((f) => f.type === 'conversation').map((f) => f.conversation.id));
    expect(benIds().has(sales)).toBe(false);

    // His welcome lists what he sees, and his departments (the console filters by the same rule).
    const again = pool.add(await Client.connect(host, '/ws/agent', await login(app, 'ben@demo.test')));
    again.send({ type: 'hello', v: 1 });
    const welcome = await again.type('welcome');
    const listed = new Set(welcome.conversations.map((c: { id: string }) => c.id));
    expect([listed.has(sales), listed.has(billing), listed.has(general)]).toEqual([false, true, true]);
    expect(welcome.agent.departments).toEqual(['Billing']);

    // Ana takes the Sales chat and passes it to Billing: Ben hears it arrive.
    anaSocket.send({ type: 'claim', cid: 'c-s', conversationId: sales });
    await anaSocket.type('ack', (f) => f.cid === 'c-s');
    anaSocket.send({ type: 'transfer', cid: 't-s', conversationId: sales, department: 'Billing' });
    await anaSocket.type('ack', (f) => f.cid === 't-s');
    const arrived = await benSocket.type(
      'conversation',
      (f) => f.conversation.id === sales && f.conversation.department === 'Billing',
    );
    expect(arrived.conversation).toMatchObject({ status: 'queued', queueFront: true });
    // …and back to Sales: Ben hears it leave (the frame says Sales; his console drops it).
    adminSocket.send({ type: 'transfer', cid: 't-back', conversationId: sales, department: 'Sales' });
    await adminSocket.type('ack', (f) => f.cid === 't-back');
    await benSocket.type(
      'conversation',
      (f) => f.conversation.id === sales && f.conversation.department === 'Sales',
    );
  });

  it('a change of an agent’s departments reconnects their console to the new view', async () => {
    const { app, host, pool } = live;
    const ben = await agentId('ben@demo.test');
    const socket = pool.add(await Client.ready(host, '/ws/agent', await login(app, 'ben@demo.test')));
    const admin = await login(app, 'admin@demo.test');
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/admin/sites/demo/agents/${ben}`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { departments: ['Support'] },
    });
    expect(res.statusCode).toBe(200);
    expect(await socket.closed).toMatchObject({ code: 4503 });
    const next = pool.add(await Client.connect(host, '/ws/agent', await login(app, 'ben@demo.test')));
    next.send({ type: 'hello', v: 1 });
    expect((await next.type('welcome')).agent.departments).toEqual(['Support']);
  });
});
