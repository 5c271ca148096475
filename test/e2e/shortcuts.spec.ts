import { test as base } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { expect, marker, openVisitor, signIn, visitorSend } from './support/fixtures.js';

// Its own server: `j` walks exactly this spec's conversations.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(180 + (process.pid % 10)));
    await server.start();
    await use(server);
    await server.dispose();
  },
});

test('keyboard shortcuts: ? lists them; j/k walk the inbox, c claims, r replies, t transfers, e closes; they can be turned off', async ({
  browser,
  server,
}) => {
  const first = marker('Is the lid dishwasher safe?');
  const second = marker('Do you ship to Norway?');
  const visitorA = await openVisitor(browser, server);
  await visitorSend(visitorA, first);
  const visitorB = await openVisitor(browser, server);
  await visitorSend(visitorB, second);

  const ana = await signIn(browser, server, 'ana@demo.test');
  const queue = ana.getByRole('list', { name: 'Queue' });
  await expect(queue.getByRole('listitem')).toHaveCount(2);

  await ana.keyboard.press('?');
  const help = ana.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help.getByText('Next conversation')).toBeVisible();
  await ana.screenshot({ path: test.info().outputPath('shortcuts.png') });
  await ana.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  // j opens the first of the queue (oldest first), j again the next, k back.
  const log = ana.getByRole('log');
  await ana.keyboard.press('j');
  await expect(log.getByText(first)).toBeVisible();
  await ana.keyboard.press('j');
  await expect(log.getByText(second)).toBeVisible();
  await ana.keyboard.press('k');
  await expect(log.getByText(first)).toBeVisible();

  // c claims it; r puts the cursor in the reply box, where letters are letters.
  await ana.keyboard.press('c');
  await expect(ana.getByText('Assigned to you')).toBeVisible();
  await expect(queue.getByRole('listitem')).toHaveCount(1);
  await ana.keyboard.press('r');
  const reply = ana.getByRole('textbox', { name: 'Reply' });
  await expect(reply).toBeFocused();
  await ana.keyboard.type('jet');
  await expect(reply).toHaveValue('jet');
  await expect(log.getByText(first)).toBeVisible(); // "j" typed, not "next"
  // Esc gives the keys back; the draft stays.
  await ana.keyboard.press('Escape');
  await expect(reply).not.toBeFocused();
  await expect(reply).toHaveValue('jet');

  // t opens the transfer dialog (Esc closes it); e closes the conversation.
  await ana.keyboard.press('t');
  const transfer = ana.getByRole('dialog', { name: 'Transfer conversation' });
  await expect(transfer).toBeVisible();
  await ana.keyboard.press('e'); // inside the dialog: not a shortcut
  await expect(transfer).toBeVisible();
  await ana.keyboard.press('Escape');
  await expect(transfer).toHaveCount(0);
  await ana.keyboard.press('e');
  await expect(visitorA.getByRole('log').getByText('This conversation was closed')).toBeVisible();

  // Turned off from the overlay (its button still opens it): j does nothing, and that sticks.
  await ana.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await help.getByRole('checkbox', { name: 'Single-key shortcuts' }).uncheck();
  await help.getByRole('button', { name: 'Done' }).click();
  await ana.reload();
  await expect(queue.getByRole('listitem')).toHaveCount(1);
  await ana.keyboard.press('j');
  await ana.keyboard.press('?');
  await expect(help).toHaveCount(0);
  await expect(log.getByText(second)).toHaveCount(0);
});
