import { test as base } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { expect, marker, openVisitor, signIn, visitorSend } from './support/fixtures.js';

// Its own server: the site is switched to automatic assignment, which must not reach the
// shared server of the other specs.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(120 + (process.pid % 10)));
    await server.start();
    await use(server);
    await server.dispose();
  },
});

async function api(
  server: ServerProcess,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

test('automatic assignment: an agent of capacity 1 coming online gets one chat; the next visitor waits as number 1 in the queue and is assigned when it closes', async ({
  browser,
  server,
}) => {
  const admin = (
    await api(server, 'POST', '/api/auth/login', null, { email: 'admin@demo.test', password: 'demo1234' })
  ).token as string;
  await api(server, 'PATCH', '/api/admin/sites/demo', admin, { assignment: 'auto' });
  const agents = (await api(server, 'GET', '/api/admin/sites/demo/agents', admin)) as unknown as {
    id: string;
    email: string;
  }[];
  const ana = agents.find((a) => a.email === 'ana@demo.test');
  if (!ana) throw new Error('no ana');
  await api(server, 'PATCH', `/api/admin/sites/demo/agents/${ana.id}`, admin, { maxChats: 1 });

  // Nobody online yet: the first visitor waits; Ana signs in and gets it without claiming.
  const first = await openVisitor(browser, server);
  const hello = marker('Is the blue kettle in stock?');
  await visitorSend(first, hello);
  await expect(first.getByRole('status').filter({ hasText: /number 1 in the queue/ })).toBeVisible();
  const console = await signIn(browser, server, 'ana@demo.test', 'My conversations');
  await expect(first.getByRole('log').getByText(/Ana Silva joined/)).toBeVisible();
  const mine = console.getByRole('list', { name: 'My conversations' });
  await expect(mine.getByRole('listitem')).toHaveCount(1);
  await mine.getByRole('listitem').click();
  await expect(console.getByRole('log').getByText(hello)).toBeVisible();

  const second = await openVisitor(browser, server);
  const waiting = marker('Do you ship to Portugal?');
  await visitorSend(second, waiting);
  // The first chat's wait is the site's recent history now: the second visitor hears an estimate.
  await expect(
    second.getByRole('status').filter({ hasText: /number 1 in the queue · about \d+\smin/ }),
  ).toBeVisible();
  await expect(second.getByRole('log').getByText(/joined/)).toHaveCount(0);

  // At capacity: the second stays in the queue, not with Ana.
  await expect(console.getByRole('list', { name: 'Queue' }).getByRole('listitem')).toHaveCount(1);
  // Ana closes the first chat: the second is hers at once.
  await console.getByRole('button', { name: 'Close conversation' }).click();
  await expect(second.getByRole('log').getByText(/Ana Silva joined/)).toBeVisible();
  await expect(second.getByRole('status').filter({ hasText: /in the queue/ })).toHaveCount(0);
  await expect(mine.getByRole('listitem')).toHaveCount(1);
  await mine.getByRole('listitem').click();
  await expect(console.getByRole('log').getByText(waiting)).toBeVisible();
});
