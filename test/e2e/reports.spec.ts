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

  // The widget asks for a rating: Send waits for a score; the comment is optional.
  const rate = visitor.getByRole('group', { name: 'Rate this conversation' });
  await expect(rate.getByRole('button', { name: 'Send rating' })).toBeDisabled();
  await rate.getByRole('button', { name: '5', exact: true }).click();
  await expect(rate.getByRole('button', { name: '5', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await rate.getByRole('textbox', { name: 'Comment' }).fill('Quick and <b>kind</b>');
  await rate.getByRole('button', { name: 'Send rating' }).click();
  // The server's line replaces the form, here and after a reload.
  await expect(visitor.getByRole('log').getByText('You rated this chat 5/5. Thank you!')).toBeVisible();
  await expect(rate).toHaveCount(0);
  await visitor.reload();
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect(visitor.getByRole('log').getByText('You rated this chat 5/5. Thank you!')).toBeVisible();
  await expect(visitor.getByRole('group', { name: 'Rate this conversation' })).toHaveCount(0);
  await expect(admin.getByRole('log').getByText('Rated 5/5: Quick and <b>kind</b>')).toBeVisible();

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
