import { test as base } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, expect, marker, openVisitor, signIn, visitorSend } from './support/fixtures.js';

// Its own server, so restarting it does not disturb the other tests.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(80 + (process.pid % 10)));
    await server.start();
    await use(server);
    await server.dispose();
  },
});

test('restarting the server keeps the conversation and the widget reconnects by itself', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const before = marker('Where is my order?');
  await visitorSend(visitor, before);
  const log = visitor.getByRole('log');
  await expect(log.getByText(before)).toBeVisible();
  // Wait until it is acknowledged (no longer pending) before the restart.
  await expect(log.getByText(/Sending/)).toHaveCount(0);

  await server.restart('SIGTERM');

  const after = marker('Still there?');
  await visitorSend(visitor, after);
  await expect(log.getByText(after)).toBeVisible();
  await expect(log.getByText(/Sending/)).toHaveCount(0);

  // Crash (kill -9) and come back: acked messages survive.
  await server.restart('SIGKILL');

  const ana = await signIn(browser, server, 'ana@demo.test');
  const item = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: after });
  await item.getByRole('button', { name: 'Claim' }).click();
  const anaLog = ana.getByRole('log');
  await expect(anaLog.getByText(before)).toHaveCount(1);
  await expect(anaLog.getByText(after)).toHaveCount(1);

  const reply = marker('Shipped yesterday.');
  await agentSend(ana, reply);
  await expect(log.getByText(reply)).toBeVisible();
});
