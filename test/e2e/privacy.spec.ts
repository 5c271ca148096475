import { readFile } from 'node:fs/promises';
import { claim, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

test('an admin exports a visitor’s data, deletes the visitor, and the shopper’s widget goes on as a new visitor', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Please forget me');
  await visitorSend(visitor, opening);
  const admin = await signIn(browser, server, 'admin@demo.test');
  await claim(admin, opening);
  await expect(admin.getByRole('log').getByText(opening)).toBeVisible();

  // Export: a JSON file with the conversation in it.
  const data = admin.getByRole('group', { name: 'Personal data' });
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    data.getByRole('button', { name: 'Export data' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^visitor-v_[a-z0-9]+\.json$/);
  const exported = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
    conversations: { messages: { text: string }[] }[];
  };
  expect(exported.conversations.flatMap((c) => c.messages.map((m) => m.text))).toContain(opening);

  // Delete, after a confirmation that says what goes.
  await data.getByRole('button', { name: 'Delete visitor' }).click();
  const dialog = admin.getByRole('dialog', { name: /and all their data\?$/ });
  await expect(dialog).toContainText('cannot be undone');
  await admin.screenshot({ path: test.info().outputPath('delete-visitor-dialog.png') });
  await dialog.getByRole('button', { name: 'Delete for good' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(admin.getByText('and 1 conversation deleted')).toBeVisible();
  await expect(admin.getByRole('log')).toHaveCount(0);

  // The shopper's widget reconnects as a new visitor: writing again starts a new conversation.
  const again = marker('A new question');
  await visitorSend(visitor, again);
  await expect(admin.getByRole('list', { name: 'Queue' }).getByText(again)).toBeVisible();
  await expect(admin.getByRole('list', { name: 'Queue' }).getByText(opening)).toHaveCount(0);
});

test('an admin sets data retention in Settings › Site', async ({ browser, server }) => {
  const admin = await signIn(browser, server, 'admin@demo.test', 'Team');
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('link', { name: 'Site', exact: true }).click();
  const days = admin.getByRole('spinbutton', { name: 'Delete closed conversations after (days)' });
  await days.fill('90');
  await admin.getByRole('button', { name: 'Save retention' }).click();
  await expect(admin.getByText('Closed conversations are deleted after 90 days.')).toBeVisible();
  await admin.getByRole('heading', { name: 'Data retention' }).scrollIntoViewIfNeeded();
  await admin.screenshot({ path: test.info().outputPath('retention.png') });
  await admin.reload();
  await expect(
    admin.getByRole('spinbutton', { name: 'Delete closed conversations after (days)' }),
  ).toHaveValue('90');
  await admin.getByRole('spinbutton', { name: 'Delete closed conversations after (days)' }).fill('');
  await admin.getByRole('button', { name: 'Save retention' }).click();
  await expect(admin.getByText('Closed conversations are kept.')).toBeVisible();
});

test('Settings › Audit log shows who changed what, without secrets', async ({ browser, server }) => {
  const admin = await signIn(browser, server, 'admin@demo.test', 'Team');
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('link', { name: 'Site', exact: true }).click();
  const days = admin.getByRole('spinbutton', { name: 'Delete closed conversations after (days)' });
  await days.fill('45');
  await admin.getByRole('button', { name: 'Save retention' }).click();
  await expect(admin.getByText('Closed conversations are deleted after 45 days.')).toBeVisible();

  await admin.getByRole('link', { name: 'Audit log' }).click();
  await expect(admin.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
  const row = admin
    .getByRole('table', { name: 'Audit log' })
    .getByRole('row')
    .filter({ hasText: 'retentionDays: 45' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Changed the site');
  await expect(row).toContainText('Admin');
  await admin.screenshot({ path: test.info().outputPath('audit-log.png') });
});
