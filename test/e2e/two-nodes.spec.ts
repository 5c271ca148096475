import { createHmac, randomBytes } from 'node:crypto';
import { type Page, test } from '@playwright/test';
import pg from 'pg';
import { FailoverProxy } from '../support/failover-proxy.js';
import { createPgDatabase } from '../support/pg.js';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, expect, marker, signIn, visitorSend } from './support/fixtures.js';

// Issue 13, "Multi-node end-to-end": two real gateway processes on one PostgreSQL and one Redis.
// The shop page talks to node A through a failover proxy; both agents' consoles are on node B.
// Ports: offsets 100 (node A), 101 (node B), 102 (the proxy).

// PostgreSQL and Redis come from the run's global setup (support/global-setup.ts).
const pgAdminUrl = process.env.SB_E2E_PG_URL ?? '';
const redisUrl = process.env.SB_E2E_REDIS_URL ?? '';

test.describe.configure({ mode: 'serial' });

let pgUrl = '';
let nodeA: ServerProcess;
let nodeB: ServerProcess;
let proxy: FailoverProxy;

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

test.beforeAll(async () => {
  test.skip(
    pgAdminUrl === '' || redisUrl === '',
    'needs PostgreSQL and Redis (SB_SKIP_PG / SB_SKIP_REDIS set)',
  );
  test.setTimeout(120_000);
  pgUrl = await createPgDatabase(pgAdminUrl);
  const shared = {
    DATABASE_URL: pgUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `sb_e2e_2n:${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: `two-nodes-e2e-${randomBytes(8).toString('hex')}`,
    CLUSTER_HEARTBEAT_MS: '1000',
    AGENT_GRACE_MS: '600000',
  };
  nodeA = new ServerProcess(e2ePort(100), { ...shared, SEED: '1' });
  await nodeA.start(); // migrates and seeds before B starts
  nodeB = new ServerProcess(e2ePort(101), { ...shared, SEED: '0' });
  await nodeB.start();
  proxy = new FailoverProxy(e2ePort(102), [nodeA.port, nodeB.port]);
  await proxy.start();
});

test.afterAll(async () => {
  await proxy?.stop();
  await nodeA?.dispose();
  await nodeB?.dispose();
});

// biome-ignore lint/correctness/noEmptyPattern: Playwright hooks take a destructured first argument
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('node-a.log', { body: nodeA?.log ?? '' });
    await testInfo.attach('node-b.log', { body: nodeB?.log ?? '' });
  }
});

/** The widget transcript's text, whitespace collapsed (messages appear in display order). */
async function logText(page: Page): Promise<string> {
  return ((await page.getByRole('log').textContent()) ?? '').replace(/\s+/g, ' ');
}

test('two nodes: the whole loop across nodes, then node A is killed and the chat goes on on node B', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const [site] = await query<{ secret: string }>(`SELECT secret FROM sites WHERE id = 'demo'`);
  expect(site?.secret).toBeTruthy();
  const secret = site?.secret ?? '';
  const userId = `shopper-2n-${randomBytes(4).toString('hex')}`;
  const hash = createHmac('sha256', secret).update(userId).digest('hex');

  // The shop page, widget and socket all go through the proxy (to node A while it lives).
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const shopUrl = `${proxy.url}/demo/shop-2n`;
  await visitor.route(shopUrl, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1><script src="${proxy.url}/widget.js" data-site="demo" data-user-id="${userId}" data-user-name="Dana Two" data-user-hash="${hash}"></script></body></html>`,
    }),
  );
  await visitor.goto(shopUrl);
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect(visitor.getByRole('textbox', { name: 'Message' })).toBeVisible();
  const status = visitor.getByRole('dialog').getByRole('status');
  await expect(status).not.toContainText('Connecting');
  const visitorLog = visitor.getByRole('log');

  // 1. The visitor (node A) writes; both consoles (node B) see it queued.
  const first = marker('Hello from node A');
  await visitorSend(visitor, first);
  await expect(visitorLog.getByText(first)).toBeVisible();
  await expect(visitorLog.getByText(/Sending/)).toHaveCount(0);
  // Not seen by anyone yet.
  const seen = visitorLog.getByText(/· Seen/);
  await expect(seen).toHaveCount(0);
  // Signed in once something is queued (an empty queue list is hidden).
  const ana = await signIn(browser, nodeB, 'ana@demo.test');
  const ben = await signIn(browser, nodeB, 'ben@demo.test');
  const anaItem = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: first });
  const benItem = ben.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: first });
  await expect(anaItem).toBeVisible();
  await expect(benItem).toBeVisible();

  // 2. Both click "Claim" at once: exactly one wins, the other sees it taken.
  const anaClaim = await anaItem.getByRole('button', { name: 'Claim' }).elementHandle();
  const benClaim = await benItem.getByRole('button', { name: 'Claim' }).elementHandle();
  if (!anaClaim || !benClaim) throw new Error('claim buttons not found');
  await Promise.all([
    anaClaim.evaluate((b) => (b as HTMLButtonElement).click()),
    benClaim.evaluate((b) => (b as HTMLButtonElement).click()),
  ]);
  // The claim is committed in the database: one conversation, assigned to one of them.
  const assignedTo = async (): Promise<string | null> => {
    const rows = await query<{ status: string; email: string | null }>(
      `SELECT c.status, a.email FROM conversations c JOIN visitors v ON v.id = c.visitor_id
       LEFT JOIN agents a ON a.id = c.agent_id WHERE v.external_id = $1`,
      [userId],
    );
    return rows.length === 1 && rows[0]?.status === 'assigned' ? (rows[0]?.email ?? null) : null;
  };
  await expect.poll(assignedTo).not.toBeNull();
  const winnerEmail = await assignedTo();
  expect(['ana@demo.test', 'ben@demo.test']).toContain(winnerEmail);
  const anaWon = winnerEmail === 'ana@demo.test';
  const [winner, loser] = anaWon ? [ana, ben] : [ben, ana];
  const [winnerName, loserName, loserEmail] = anaWon
    ? ['Ana Silva', 'Ben Okafor', 'ben@demo.test']
    : ['Ben Okafor', 'Ana Silva', 'ana@demo.test'];
  // The winner has it open; the loser's queue no longer shows it and the loser did not open it.
  const winnerLog = winner.getByRole('log');
  await expect(winnerLog.getByText(first)).toBeVisible();
  await expect(anaWon ? benItem : anaItem).toHaveCount(0);
  await expect(loser.getByRole('textbox', { name: 'Reply' })).toHaveCount(0);
  // When the loser's claim reached the server, it is told so (it may instead have lost the item first).
  const loserAlerts = await loser.getByRole('alert').allInnerTexts();
  expect(loserAlerts.filter((t) => !/already claimed/i.test(t))).toEqual([]);

  // 3. Seen: the winner has read the visitor's message.
  await expect(seen).toBeVisible();

  // 4. Typing crosses both ways.
  const reply = winner.getByRole('textbox', { name: 'Reply' });
  await reply.pressSequentially('Let me', { delay: 20 });
  const typing = visitor.getByRole('dialog').getByText(/typing/);
  await expect(typing).toBeVisible();
  await expect(typing).toContainText(winnerName.split(' ')[0] ?? '');
  const answer = marker('Hi, this is node B speaking');
  await agentSend(winner, answer);
  await expect(visitorLog.getByText(answer)).toBeVisible();
  await expect(typing).toHaveCount(0);
  await expect(visitorLog.getByText(winnerName).first()).toBeVisible();
  await visitor.getByRole('textbox', { name: 'Message' }).pressSequentially('And', { delay: 20 });
  await expect(winner.getByText(/Visitor is typing/)).toBeVisible();
  const second = marker('And can you ship to Spain?');
  await visitorSend(visitor, second);
  await expect(winnerLog.getByText(second)).toBeVisible();

  // 5. Transfer to the other agent with an internal note.
  const note = marker('Prefers email follow-ups');
  await winner.getByRole('button', { name: 'Transfer' }).click();
  const dialog = winner.getByRole('dialog');
  await dialog
    .getByRole('combobox', { name: 'Agent' })
    .selectOption({ label: `${loserName} (${loserEmail})` });
  await dialog.getByRole('textbox', { name: 'Note' }).fill(note);
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await loser.getByText(second).first().click();
  const loserLog = loser.getByRole('log');
  await expect(loserLog.getByText(first)).toBeVisible();
  await expect(loserLog.getByText(note)).toBeVisible();
  await expect(visitorLog.getByText(new RegExp(loserName)).first()).toBeVisible();
  await expect(visitorLog.getByText(note)).toHaveCount(0);
  const third = marker('Yes, Spain is fine');
  await agentSend(loser, third);
  await expect(visitorLog.getByText(third)).toBeVisible();

  // 6. Close.
  await loser.getByRole('button', { name: 'Close conversation' }).click();
  await expect(visitorLog.getByText(/closed/i).first()).toBeVisible();

  // 7. A notify push through node B reaches the widget on node A.
  const notice = marker('Your order has shipped');
  const res = await fetch(`${nodeB.url}/api/sites/demo/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId, text: notice }),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ delivered: true });
  await expect(visitorLog.getByText(notice)).toBeVisible();

  // Everything so far went through the proxy to node A only.
  expect(proxy.routed.length).toBeGreaterThan(0);
  expect(proxy.routed.every((p) => p === nodeA.port)).toBe(true);

  // 8. kill -9 node A: the widget reconnects through the proxy to node B.
  const routedBefore = proxy.routed.length;
  await nodeA.stop('SIGKILL');
  // The widget's next connection goes (through the proxy) to node B; then it is connected.
  await expect.poll(() => proxy.routed.slice(routedBefore).includes(nodeB.port)).toBe(true);
  await expect(status).not.toContainText('Connecting');
  expect(proxy.routed.slice(routedBefore)).toContain(nodeB.port);
  expect(proxy.routed.slice(routedBefore).every((p) => p === nodeB.port)).toBe(true);

  // 9. The visitor and an agent chat on, now both on node B.
  const after = marker('Still there after the crash?');
  await visitorSend(visitor, after);
  await expect(visitorLog.getByText(after)).toBeVisible();
  await expect(visitorLog.getByText(/Sending/)).toHaveCount(0);
  const agentLog = await (async () => {
    const item = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: after });
    const open = ana.getByRole('log').getByText(after);
    // The follow-up lands in a new queued conversation (the old one is closed) or in the open one.
    await expect(item.or(open).first()).toBeVisible();
    if (await item.count()) await item.getByRole('button', { name: 'Claim' }).click();
    await expect(ana.getByRole('log').getByText(after)).toBeVisible();
    return ana.getByRole('log');
  })();
  const last = marker('Yes, all good on node B');
  await agentSend(ana, last);
  await expect(visitorLog.getByText(last)).toBeVisible();
  await expect(agentLog.getByText(after)).toHaveCount(1);

  // 10. The widget shows every message exactly once, in the stored order.
  const sent = [first, answer, second, third, notice, after, last];
  for (const t of sent) await expect(visitorLog.getByText(t)).toHaveCount(1);
  const stored = await query<{ text: string }>(
    `SELECT m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN visitors v ON v.id = c.visitor_id
     WHERE v.external_id = $1 ORDER BY c.created_at, m.seq`,
    [userId],
  );
  const storedTexts = stored.map((r) => r.text);
  for (const t of sent) expect(storedTexts.filter((s) => s === t)).toHaveLength(1);
  expect(storedTexts.filter((t) => sent.includes(t))).toEqual(sent);
  const shown = await logText(visitor);
  const positions = sent.map((t) => shown.indexOf(t));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  // The note never reached the visitor, nor the store of messages.
  expect(shown.includes(note)).toBe(false);
  expect(storedTexts.includes(note)).toBe(false);

  await visitorContext.close();
  await ana.context().close();
  await ben.context().close();
});
