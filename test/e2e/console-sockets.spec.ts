import { test as base } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { expect, signIn } from './support/fixtures.js';

// Its own server with one console socket per agent, so the cap is met with two tabs.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(96), {
      MAX_SOCKETS_PER_AGENT: '1',
    });
    await server.start();
    await use(server);
    await server.dispose();
  },
});

test('a console over the per-agent socket cap says why, then connects when another one closes', async ({
  browser,
  server,
}) => {
  const first = await signIn(browser, server, 'ana@demo.test', 'Team');
  await expect(first.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();

  // The second console never gets a welcome while refused: sign in without waiting for a list.
  const second = await (await browser.newContext()).newPage();
  await second.goto(`${server.url}/console/`);
  await second.getByRole('textbox', { name: 'Email' }).fill('ana@demo.test');
  await second.getByLabel('Password').fill('demo1234');
  await second.getByRole('button', { name: 'Sign in' }).click();
  await expect(
    second.getByRole('status').filter({ hasText: 'Too many consoles open for this account' }),
  ).toBeVisible();
  // The first one is not disturbed by the refused second one.
  await expect(first.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();

  await first.context().close();
  await expect(second.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  await expect(second.getByRole('status').filter({ hasText: 'Too many' })).toHaveCount(0);
  await second.context().close();
});
