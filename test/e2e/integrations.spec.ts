import { AxeBuilder } from '@axe-core/playwright';
import { test as base } from '@playwright/test';
import { Receiver } from '../../server/test/webhook-receiver.js';
import { e2ePort, ServerProcess } from '../support/server.js';
import { expect, marker, openVisitor, signIn, visitorSend } from './support/fixtures.js';

// Its own server, allowed to post webhooks to loopback (the test's receiver), retrying fast.
const test = base.extend<{ server: ServerProcess; receiver: Receiver }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  receiver: async ({}, use) => {
    const receiver = new Receiver(1);
    await receiver.start();
    await use(receiver);
    await receiver.stop();
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(130 + (process.pid % 10)), {
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_RETRY_BASE_MS: '200',
    });
    await server.start();
    await use(server);
    await server.dispose();
  },
});

test('Settings › Integrations: a webhook receives signed events, its deliveries show and redeliver; an API key is shown once, works, and is revoked', async ({
  browser,
  server,
  receiver,
}) => {
  // Something in the queue, so the console has a list to show once it is live.
  const visitor = await openVisitor(browser, server);
  await visitorSend(visitor, marker('Before any webhook'));
  const admin = await signIn(browser, server, 'admin@demo.test');
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: /Integrations/ })
    .click();
  await expect(admin.getByRole('heading', { name: 'Integrations', level: 1 })).toBeVisible();

  await admin.getByRole('textbox', { name: 'Endpoint URL' }).fill(receiver.url);
  await admin.getByRole('button', { name: 'Add webhook' }).click();
  const secretBox = admin.getByRole('status').filter({ hasText: 'Signing secret' });
  await expect(secretBox).toBeVisible();
  receiver.secret = (await secretBox.locator('code').textContent())?.trim() ?? '';
  const hooks = admin.getByRole('list', { name: 'Webhooks' });
  await expect(hooks.getByRole('listitem')).toHaveCount(1);

  // A new message: delivered after one refused attempt, signed.
  const text = marker('Hello webhooks');
  await visitorSend(visitor, text);
  await expect.poll(() => receiver.accepted().size).toBe(1);
  expect(receiver.attempts.every((a) => a.signatureOk)).toBe(true);
  expect((receiver.attempts[0]?.body.data.message as { text: string } | undefined)?.text).toBe(text);

  await hooks.getByRole('button', { name: 'Deliveries' }).click();
  const table = admin.getByRole('table', { name: `Deliveries to ${receiver.url}` });
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByText('delivered')).toBeVisible();
  await expect(table.getByRole('cell', { name: '204' })).toBeVisible();
  const before = receiver.attempts.length;
  await table.getByRole('button', { name: 'Redeliver' }).click();
  await expect.poll(() => receiver.attempts.length).toBeGreaterThan(before);
  expect(receiver.attempts.at(-1)?.id).toBe(receiver.attempts[0]?.id);

  // An API key: shown once, it authorises notify, revoked it does not.
  await admin.getByRole('textbox', { name: 'Key name' }).fill('Order system');
  await admin.getByRole('button', { name: 'Create key' }).click();
  const keyBox = admin.getByRole('status').filter({ hasText: 'API key' });
  const key = (await keyBox.locator('code').textContent())?.trim() ?? '';
  expect(key).toMatch(/^sb_/);
  const notify = () =>
    fetch(`${server.url}/api/v1/sites/demo/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ userId: 'customer-1', text: 'Shipped', id: marker('ship') }),
    });
  expect((await notify()).status).toBe(200);
  const keys = admin.getByRole('list', { name: 'API keys' });
  await keys.getByRole('button', { name: 'Revoke' }).click();
  await expect(keys.getByText(/Revoked/)).toBeVisible();
  expect((await notify()).status).toBe(401);

  await admin.setViewportSize({ width: 1440, height: 900 });
  await admin.screenshot({ path: test.info().outputPath('integrations.png'), fullPage: true });
  const axe = await new AxeBuilder({ page: admin }).include('main').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});
