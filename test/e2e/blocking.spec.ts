import { claim, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

test('an agent blocks a visitor from the visitor panel: the widget says the chat is unavailable, also after a reload, until an admin unblocks', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('BUY CHEAP WATCHES');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await expect(ana.getByRole('log').getByText(opening)).toBeVisible();

  await ana.getByRole('button', { name: 'Block visitor' }).click();
  const dialog = ana.getByRole('dialog', { name: /^Block / });
  await expect(dialog).toContainText('until an admin unblocks them');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('Spam links');
  await ana.screenshot({ path: test.info().outputPath('block-dialog.png') });
  await dialog.getByRole('button', { name: 'Block', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  // The conversation closed for the agent; the widget says the chat is unavailable.
  await expect(ana.getByText('This conversation is closed.', { exact: false })).toBeVisible();
  const status = visitor.getByRole('dialog').getByRole('status');
  await expect(status).toHaveText(/Chat unavailable/);
  await visitor.reload();
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect(visitor.getByRole('dialog').getByRole('status')).toHaveText(/Chat unavailable/);

  // An admin sees who is blocked, by whom and why, and unblocks.
  const admin = await signIn(browser, server, 'admin@demo.test', 'Team');
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('link', { name: /Blocked visitors/ }).click();
  const blocked = admin.getByRole('list', { name: 'Blocked visitors' }).getByRole('listitem');
  await expect(blocked.filter({ hasText: 'Spam links' })).toContainText('Ana Silva');
  await admin.screenshot({ path: test.info().outputPath('blocked-settings.png') });
  await blocked
    .filter({ hasText: 'Spam links' })
    .getByRole('button', { name: /^Unblock/ })
    .click();
  await expect(blocked.filter({ hasText: 'Spam links' })).toHaveCount(0);

  // Back: the same visitor chats again.
  await visitor.reload();
  await visitor.getByRole('button', { name: /chat/i }).click();
  const again = marker('Sorry, a real question now');
  await visitorSend(visitor, again);
  await expect(visitor.getByRole('dialog').getByRole('status')).not.toHaveText(/Chat unavailable/);
  await expect(ana.getByRole('list', { name: 'Queue' }).getByText(again)).toBeVisible();
});
