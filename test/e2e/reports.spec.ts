import { test as base } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, claim, expect, marker, openVisitor, signIn, visitorSend } from './support/fixtures.js';

// Its own server: the report counts exactly this spec's conversations.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(140 + (process.pid % 10)));
    await server.start();
    await use(server);
    await server.dispose();
  },
});

test('Reports (admins): a closed, rated chat shows in the figures and the ratings chart; agents have no Reports link', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Where is parcel 12?');
  await visitorSend(visitor, opening);
  const admin = await signIn(browser, server, 'admin@demo.test');
  await claim(admin, opening);
  await agentSend(admin, marker('On its way.'));
  await admin.getByRole('button', { name: 'Close conversation' }).click();
  await expect(visitor.getByRole('log').getByText('This conversation was closed')).toBeVisible();

  // The visitor rates it over its own real socket (the widget's form is not in widget.js yet).
  const acked = await visitor.evaluate(async (server) => {
    const token = localStorage.getItem('sb:demo:token') ?? '';
    const conversationId = localStorage.getItem('sb:demo:conv') ?? '';
    const ws = new WebSocket(
      `${server.replace(/^http/, 'ws')}/ws/visitor?token=${encodeURIComponent(token)}`,
    );
    return new Promise<string>((resolve) => {
      ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', v: 1 }));
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as { type: string; cid?: string; code?: string };
        if (f.type === 'synced')
          ws.send(JSON.stringify({ type: 'rate', cid: 'rate-1', conversationId, score: 5 }));
        if (f.cid === 'rate-1') {
          resolve(f.type === 'ack' ? 'ack' : `${f.type} ${f.code}`);
          ws.close();
        }
      };
    });
  }, server.url);
  expect(acked).toBe('ack');
  await expect(admin.getByRole('log').getByText('Rated 5/5')).toBeVisible();

  await admin.getByRole('link', { name: 'Reports' }).click();
  await expect(admin.getByRole('heading', { name: 'Reports', level: 1 })).toBeVisible();
  const figure = (label: string) => admin.locator('.report-card').filter({ hasText: label }).locator('dd');
  await expect(figure('Conversations')).toHaveText('1');
  await expect(figure('Closed')).toHaveText('1');
  await expect(figure('CSAT')).toHaveText('5.00 / 5');
  await expect(figure('First response')).not.toHaveText('—');
  const bars = admin.getByRole('list', { name: 'Ratings by score' });
  await expect(bars.getByRole('listitem').filter({ hasText: '1 rated 5/5' })).toHaveCount(1);
  await expect(bars.getByRole('listitem').filter({ hasText: '0 rated 1/5' })).toHaveCount(1);
  // Another agent's figures: none of it.
  await admin.getByLabel('Agent').selectOption({ label: 'Ben Okafor' });
  await expect(figure('Conversations')).toHaveText('0');
  await expect(figure('CSAT')).toHaveText('—');
  await admin.setViewportSize({ width: 1440, height: 900 });
  await admin.getByLabel('Agent').selectOption({ label: 'Whole team' });
  await expect(figure('Conversations')).toHaveText('1');
  await admin.screenshot({ path: test.info().outputPath('reports.png') });

  const ana = await signIn(browser, server, 'ana@demo.test', 'Team');
  await expect(ana.getByRole('link', { name: 'Reports' })).toHaveCount(0);
});
