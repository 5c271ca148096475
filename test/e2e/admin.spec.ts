import { AxeBuilder } from '@axe-core/playwright';
import { test as base, type Page } from '@playwright/test';
import { runBin } from '../../server/test/cli-helpers.js';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, expect, marker, visitorSend } from './support/fixtures.js';

const SETUP_TOKEN = 'e2e-setup-token-0123456789';
const ADMIN = { name: 'Olivia Owner', email: 'owner@shop.test', password: 'owner-password-1' };
const INVITEE = { name: 'Ivan Invitee', email: 'ivan@shop.test', password: 'ivan-password-1' };

// An empty server (no demo seed): everything this spec needs is created through the UI.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(110 + (process.pid % 10)), {
      SEED: '0',
      SETUP_TOKEN,
    });
    await server.start();
    await use(server);
    await server.dispose();
  },
});

/** The shop on a foreign origin (127.0.0.2, not the server's 127.0.0.1) with the pasted snippet. */
function shopUrl(server: ServerProcess): string {
  return `http://127.0.0.2:${server.port}/shop`;
}

/** The console's socket is live (its lists may still be empty). */
function connected(page: Page) {
  return page.getByRole('status').filter({ hasText: 'Connected' });
}

async function openShop(page: Page, server: ServerProcess, snippet: string): Promise<void> {
  await page.context().route(shopUrl(server), (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Our shop</h1>${snippet}</body></html>`,
    }),
  );
  await page.goto(shopUrl(server));
  await page.getByRole('button', { name: /chat/i }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
}

test('from an empty server: setup, the snippet on a foreign shop, an invited agent answers, deactivated, signed out', async ({
  browser,
  server,
}) => {
  // ---- first run: the setup link exactly as `npm start` prints it (no slash before the `?`)
  const admin = await (
    await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] })
  ).newPage();
  await admin.goto(`${server.url}/console?setup=${SETUP_TOKEN}`);
  await expect(admin.getByRole('heading', { name: 'Set up Switchboard' })).toBeVisible();
  await expect(admin.getByRole('button', { name: 'Create site' })).toBeVisible();
  expect((await new AxeBuilder({ page: admin }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await admin.getByRole('textbox', { name: 'Site id' }).fill('shop');
  await admin.getByRole('textbox', { name: 'Site name' }).fill('The Shop');
  await admin.getByRole('textbox', { name: 'Allowed origins' }).fill(new URL(shopUrl(server)).origin);
  await admin.getByRole('textbox', { name: 'Your name' }).fill(ADMIN.name);
  await admin.getByRole('textbox', { name: 'Email' }).fill(ADMIN.email);
  await admin.getByRole('textbox', { name: 'Password' }).fill(ADMIN.password);
  await admin.getByRole('button', { name: 'Create site' }).click();

  const snippetCode = admin.locator('code').filter({ hasText: '<script' });
  await expect(snippetCode).toContainText('data-site="shop"');
  const snippet = (await snippetCode.textContent()) ?? '';
  await admin.getByRole('button', { name: 'Copy' }).first().click();
  await expect(admin.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
  await admin.getByRole('button', { name: 'Continue to the console' }).click();
  await expect(connected(admin)).toBeVisible();

  // Setup is refused once a site exists.
  const again = await fetch(`${server.url}/api/setup?token=${SETUP_TOKEN}`);
  expect(((await again.json()) as { needed: boolean }).needed).toBe(false);

  // ---- a visitor on the foreign shop writes
  const visitor = await (await browser.newContext()).newPage();
  await openShop(visitor, server, snippet);
  const question = marker('Where is my parcel?');
  await visitorSend(visitor, question);
  await expect(visitor.getByRole('log').getByText(question)).toBeVisible();
  await expect(visitor.getByRole('log').getByText('Sending…')).toHaveCount(0);

  // ---- the admin invites a second agent
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('link', { name: 'Agents' }).click();
  const agents = admin.getByRole('list', { name: 'Agents' });
  await expect(agents.getByRole('listitem').filter({ hasText: ADMIN.email })).toBeVisible();
  await admin.getByRole('button', { name: 'Invite agent' }).click();
  const dialog = admin.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Email' }).fill(INVITEE.email);
  await dialog.getByRole('textbox', { name: 'Name' }).fill(INVITEE.name);
  await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Agent' });
  await dialog.getByRole('button', { name: 'Invite' }).click();
  const link = dialog.getByRole('textbox', { name: 'Invitation link' });
  await expect(link).toHaveValue(/\/console\?invite=/);
  const inviteUrl = await link.inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  const inviteeRow = agents.getByRole('listitem').filter({ hasText: INVITEE.email });
  await expect(inviteeRow).toContainText('Invited');

  // ---- the invitee opens the link in their own browser, sets a password, joins
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(inviteUrl);
  await expect(invitee.getByRole('textbox', { name: 'Name' })).toHaveValue(INVITEE.name);
  await invitee.getByRole('textbox', { name: 'Password' }).fill(INVITEE.password);
  await invitee.getByRole('button', { name: 'Join' }).click();
  await expect(connected(invitee)).toBeVisible();
  await expect(invitee).not.toHaveURL(/invite=/);
  // The link worked once.
  const reuse = await (await browser.newContext()).newPage();
  await reuse.goto(inviteUrl);
  await expect(reuse.getByRole('alert')).toContainText('expired or was already used');
  await reuse.context().close();
  const queue = invitee.getByRole('list', { name: 'Queue' });

  // ---- they claim the visitor's conversation and answer
  await queue
    .getByRole('listitem')
    .filter({ hasText: question })
    .getByRole('button', { name: 'Claim' })
    .click();
  const answer = marker('It left the warehouse today');
  await agentSend(invitee, answer);
  await expect(visitor.getByRole('log').getByText(answer)).toBeVisible();

  // ---- the admin deactivates them: their console goes back to sign-in, saying why
  await expect(inviteeRow).not.toContainText('Invited');
  await inviteeRow.getByRole('button', { name: 'Deactivate' }).click();
  await expect(inviteeRow.getByRole('button', { name: 'Reactivate' })).toBeVisible();
  await expect(invitee.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(invitee.getByText('Your account was deactivated or your session ended')).toBeVisible();
  expect((await new AxeBuilder({ page: admin }).analyze()).violations.map((v) => v.id)).toEqual([]);
});

test('My profile renames and changes the password without dropping the console; an agent of two sites switches', async ({
  browser,
  server,
}) => {
  const setup = await fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      token: SETUP_TOKEN,
      site: { id: 'shop', name: 'The Shop', allowedOrigins: ['https://shop.test'] },
      admin: ADMIN,
    }),
  });
  expect(setup.status).toBe(200);
  // A second site, with the same account as an agent there (made by the operator's CLI).
  const env = { DATA_DIR: server.dataDir };
  const site = await runBin(
    ['create-site', '--id', 'second', '--name', 'Second Shop', '--origin', 'https://second.test'],
    env,
  );
  expect(site.code, site.stderr).toBe(0);
  const member = await runBin(
    ['create-agent', '--site', 'second', '--email', ADMIN.email, '--name', ADMIN.name, '--role', 'agent'],
    env,
  );
  expect(member.code, member.stderr).toBe(0);

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByRole('textbox', { name: 'Email' }).fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(connected(page)).toBeVisible();

  // ---- the site switch: admin in one site, agent (no Settings) in the other
  const siteSwitch = page.getByRole('combobox', { name: 'Site' });
  await expect(siteSwitch.getByRole('option', { name: 'The Shop (admin)' })).toHaveCount(1);
  await expect(siteSwitch.getByRole('option', { name: 'Second Shop' })).toHaveCount(1);
  for (const [label, id, admin] of [
    ['The Shop (admin)', 'shop', true],
    ['Second Shop', 'second', false],
    ['The Shop (admin)', 'shop', true],
  ] as const) {
    await siteSwitch.selectOption({ label });
    await expect(siteSwitch).toHaveValue(id);
    await expect(connected(page)).toBeVisible();
    await expect(page.getByRole('link', { name: 'Settings' })).toHaveCount(admin ? 1 : 0);
  }

  // ---- display name
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('textbox', { name: 'Display name' }).fill('Olivia O.');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('banner').getByText('Olivia O.')).toBeVisible();

  // ---- password: the old one is required; the console stays signed in on the new token
  await page.getByRole('textbox', { name: 'Current password' }).fill('not-the-password');
  await page.getByRole('textbox', { name: 'New password' }).fill('a-new-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toHaveText('The current password is wrong.');
  await page.getByRole('textbox', { name: 'Current password' }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
  await page.reload();
  await expect(connected(page)).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Current password' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('textbox', { name: 'Email' }).fill(ADMIN.email);
  await page.getByLabel('Password').fill('a-new-password-2');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(connected(page)).toBeVisible();
});

test('Settings › Site saves what changed, shows the 400 naming the field, and rotates the secret once confirmed', async ({
  browser,
  server,
}) => {
  const setup = await fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      token: SETUP_TOKEN,
      site: { id: 'shop', name: 'The Shop', allowedOrigins: ['https://shop.test'] },
      admin: ADMIN,
    }),
  });
  expect(setup.status).toBe(200);
  // Signed in as the setup left the browser: its refresh cookie (the console restores from it).
  const cookie = setup.headers.getSetCookie().find((c) => c.startsWith('sb_refresh='));
  const value = cookie?.split(';')[0]?.slice('sb_refresh='.length) ?? '';
  expect(value).not.toBe('');
  const context = await browser.newContext();
  await context.addCookies([
    { name: 'sb_refresh', value, url: `${server.url}/api/auth`, httpOnly: true, sameSite: 'Strict' },
  ]);
  const page = await context.newPage();
  await page.goto(`${server.url}/console/#/settings/site`);
  await expect(page.getByRole('heading', { name: 'Site', exact: true })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Title' })).toBeVisible();
  const axe = async () =>
    (await new AxeBuilder({ page }).analyze()).violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  expect(await axe()).toEqual([]);

  const origins = page.getByRole('textbox', { name: 'Allowed origins', exact: true });
  await expect(origins).toHaveValue('https://shop.test');
  await origins.fill('https://shop.test:*');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('allowedOrigins');

  await origins.fill('https://shop.test\nhttps://www.shop.test');
  await page.getByRole('textbox', { name: 'Title' }).fill('Shop help');
  await page.getByRole('textbox', { name: 'Color code' }).fill('#0f766e');
  const assignment = page.getByRole('combobox', { name: 'Assignment', exact: true });
  await expect(assignment.getByRole('option')).toHaveText(['Manual', 'Automatic']);
  await assignment.selectOption({ label: 'Automatic' });
  await expect(page.getByRole('figure', { name: 'Widget preview' })).toContainText('Shop help');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('All changes saved')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('textbox', { name: 'Title' })).toHaveValue('Shop help');
  await expect(origins).toHaveValue('https://shop.test\nhttps://www.shop.test');
  await expect(assignment).toHaveValue('auto');

  await expect(page.locator('code').filter({ hasText: 'data-site="shop"' })).toBeVisible();
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('Shown only now')).toHaveCount(0);
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await page.getByRole('button', { name: 'Rotate now' }).click();
  await expect(page.getByText('Shown only now')).toBeVisible();
  await expect(page.getByText(/previous secret keeps working until/)).toBeVisible();

  await page.getByRole('link', { name: 'Agents' }).click();
  await expect(page.getByRole('list', { name: 'Agents' }).getByRole('listitem')).toHaveCount(1);
  expect(await axe()).toEqual([]);
});
