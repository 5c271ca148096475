import { AxeBuilder } from '@axe-core/playwright';
import { test as base, type Locator, type Page } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, expect, marker, openVisitor, visitorSend } from './support/fixtures.js';

// Its own server: the queue holds exactly this spec's visitor, so what axe sees does not
// depend on what other specs left waiting.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(160 + (process.pid % 10)));
    await server.start();
    await use(server);
    await server.dispose();
  },
});

/**
 * The state is axe clean (no serious or critical violation, each listed with its nodes) and has
 * one `h1` (axe rates a missing one only moderate). Soft: one run reports every state.
 */
async function expectAccessible(page: Page, state: string): Promise<void> {
  await expect.soft(page.getByRole('heading', { level: 1 }), `${state}: one h1`).toHaveCount(1);
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect.soft(serious, state).toEqual([]);
}

/** Presses Tab until `target` has focus: proves it is reachable from the keyboard. */
async function tabTo(page: Page, target: Locator, maxPresses = 80): Promise<void> {
  const handle = await target.elementHandle();
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => el === document.activeElement, handle)) return;
  }
  throw new Error(`not reachable with ${maxPresses} presses of Tab: ${target}`);
}

/** Whether the focused element lies inside `container`. */
async function focusInside(page: Page, container: Locator): Promise<boolean> {
  const handle = await container.elementHandle();
  return page.evaluate((el) => !!el && el.contains(document.activeElement), handle);
}

test('the console is axe clean (serious, critical) and keyboard operable: sign-in, queue, open conversation, transfer dialog, canned list, shortcuts, reports, settings, profile', async ({
  browser,
  server,
}) => {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  const shot = (name: string) => page.screenshot({ path: test.info().outputPath(`a11y-${name}.png`) });

  // Sign-in page, with the demo accounts shown.
  await page.goto(`${server.url}/console/`);
  await expect(page.getByRole('button', { name: 'admin@demo.test' })).toBeVisible();
  await expectAccessible(page, 'sign-in page');
  await shot('signin');

  // Signing in by keyboard alone.
  await tabTo(page, page.getByRole('textbox', { name: 'Email' }));
  await page.keyboard.type('admin@demo.test');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: 'Password' })).toBeFocused();
  await page.keyboard.type('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  // The queue with a visitor waiting.
  const opening = marker('My parcel never arrived');
  const visitor = await openVisitor(browser, server);
  await visitorSend(visitor, opening);
  const item = page.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: opening });
  await expect(item).toBeVisible();
  await expectAccessible(page, 'queue');
  await shot('queue');

  // Claimed with the keyboard: the open conversation.
  await tabTo(page, item.getByRole('button', { name: 'Claim' }));
  await page.keyboard.press('Enter');
  const transcript = page.getByRole('main').getByRole('log');
  await expect(transcript.getByText(opening)).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Reply' })).toBeVisible();
  // A delivered reply: the agent's bubble and its time are checked too.
  const reply = marker('Sorry to hear that, let me check.');
  await agentSend(page, reply);
  await expect(visitor.getByRole('log').getByText(reply)).toBeVisible();
  await expect(transcript.getByText('Sending…')).toHaveCount(0);
  await expectAccessible(page, 'open conversation');
  await shot('conversation');

  // The transfer dialog: opened by keyboard, modal (focus stays in it), closed with Escape.
  const transferButton = page.getByRole('button', { name: 'Transfer' });
  await tabTo(page, transferButton);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Transfer conversation' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('combobox', { name: 'Agent' })).toBeVisible();
  expect(await focusInside(page, dialog)).toBe(true);
  await expectAccessible(page, 'transfer dialog');
  await shot('transfer');
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    expect(await focusInside(page, dialog), `focus after ${i + 1} presses of Tab`).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(transferButton).toBeFocused();

  // The canned-response list in the reply box, and the shortcuts overlay.
  const replyBox = page.getByRole('textbox', { name: 'Reply' });
  await replyBox.focus();
  await page.keyboard.type('/');
  await expect(page.getByRole('listbox', { name: 'Canned responses' })).toBeVisible();
  await expectAccessible(page, 'canned responses list');
  await page.keyboard.press('Escape'); // closes the list
  await replyBox.fill('');
  await page.keyboard.press('Escape'); // leaves the reply box
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  expect(await focusInside(page, help)).toBe(true);
  await expectAccessible(page, 'shortcuts overlay');
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  // Reports (admins), reached by keyboard.
  await tabTo(page, page.getByRole('link', { name: 'Reports' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Reports', level: 1 })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Ratings by score' })).toBeVisible();
  await expectAccessible(page, 'reports');
  await shot('reports');

  // Settings pages added with issue 15, and the profile with its alerts.
  for (const [route, heading] of [
    ['canned', 'Canned responses'],
    ['blocked', 'Blocked visitors'],
    ['audit', 'Audit log'],
  ] as const) {
    await page.goto(`${server.url}/console/#/settings/${route}`);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await expectAccessible(page, `settings: ${heading}`);
  }
  await page.getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByRole('region', { name: 'Alerts' })).toBeVisible();
  await expectAccessible(page, 'profile');
});
