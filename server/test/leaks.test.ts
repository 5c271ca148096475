/**
 * No leaks: 5 000 real sockets opened and closed against a real server (port 0), 200 in
 * flight at a time. Afterwards every registry the gateway keeps — hub sockets and topic
 * subscriptions, bus topics, gateway connections, presence entries, per-visitor locks — and
 * every timer (the app's own registry and the process's ref'd timers) is back at its baseline.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { InProcessBus } from '../src/bus/in-process.js';
import { Client, listen, login, testApp, visitorSession, waitUntil } from './helpers.js';

const TOTAL = 5000;
const IN_FLIGHT = 200;

let app: FastifyInstance;
let dispose: () => Promise<void>;
let host: string;

beforeEach(async () => {
  // Durability is not what this test measures: skip the fsync per visitor hello (lastSeenAt).
  // 5 000 upgrades from one address, 21 sockets of one agent at a time: no caps for this test.
  ({ app, dispose } = await testApp({
    sqliteSynchronous: 'NORMAL',
    limits: {
      rateBurst: 1000,
      upgradeBurst: 0,
      addressRateBurst: 0,
      maxSocketsPerAddress: 0,
      maxSocketsPerAgent: 0,
      maxSocketsPerVisitor: 0,
    },
  }));
  host = await listen(app);
});
afterEach(async () => {
  await dispose();
});

/** Ref'd timers of this process (ws close timers, client timeouts, anything left behind). */
function processTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

function internals(a: FastifyInstance) {
  const chat = a.chat as unknown as { visitorLocks: Map<string, unknown>; dirty: Set<string> };
  return {
    hub: a.hub.stats(),
    busTopics: (a.bus as InProcessBus).topicCount,
    connections: a.gateway.connections,
    presence: a.presence.size,
    graceTimers: a.presence.pendingGraceTimers,
    visitorLocks: chat.visitorLocks.size,
    appTimers: a.timers.active,
  };
}

it(`${TOTAL} sockets opened and closed (${IN_FLIGHT} at a time): registries and timers return to baseline`, async () => {
  const visitors = await Promise.all(Array.from({ length: 20 }, () => visitorSession(app)));
  const agentToken = await login(app, 'ben@demo.test');
  // An agent who stays connected throughout: ben's other sockets come and go without grace timers.
  const anchor = await Client.ready(host, '/ws/agent', agentToken);
  const before = internals(app);
  const timersBefore = processTimers();

  let messages = 0;
  async function open(i: number): Promise<Client> {
    const agent = i % 10 === 0;
    const token = agent ? agentToken : (visitors[i % visitors.length]?.token as string);
    const c = await Client.ready(host, agent ? '/ws/agent' : '/ws/visitor', token);
    if (!agent && i % 50 === 1) {
      // Some sockets do real work: a message (visitor lock, group commit, summaries).
      c.send({ type: 'send', cid: `leak-${i}`, text: `hello ${i}` });
      await c.type('ack', (f) => f.cid === `leak-${i}`);
      messages++;
    }
    return c;
  }
  for (let round = 0; round < TOTAL / IN_FLIGHT; round++) {
    const batch = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, k) => open(round * IN_FLIGHT + k)));
    // All of them open at once, each in the registry.
    expect(app.hub.size).toBe(before.hub.sockets + IN_FLIGHT);
    expect(app.gateway.connections).toBe(before.connections + IN_FLIGHT);
    await Promise.all(batch.map((c) => c.close()));
  }
  expect(messages).toBe(TOTAL / 50);

  // The client's 'close' can fire just before the server's own close handler runs.
  await waitUntil(() => app.hub.size === before.hub.sockets, 10_000, 'hub back to baseline');
  await waitUntil(() => processTimers() <= timersBefore, 10_000, 'process timers back to baseline');
  // Visitor online/offline windows end on their own (PRESENCE_COALESCE_MS).
  await waitUntil(() => app.timers.active === before.appTimers, 10_000, 'app timers back to baseline');
  await waitUntil(() => app.gateway.visitorOnline.size === 0, 10_000, 'presence windows closed');
  expect(internals(app)).toEqual(before);
  // No exact equality for the process count: the baseline can include a transient timer of the
  // test runner itself (its RPC with the main process), which is gone by now. A leak of the
  // gateway's timers shows here as hundreds (one per socket), and in appTimers above exactly.
  expect(processTimers()).toBeLessThanOrEqual(timersBefore);
  await anchor.close();
  // Now ben is really gone: exactly one grace timer for the agent (not one per socket).
  await waitUntil(() => app.presence.pendingGraceTimers === 1, 5000, 'grace timer');
  expect(app.timers.active).toBe(before.appTimers + 1);
}, 60_000);
