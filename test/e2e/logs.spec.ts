/**
 * What the server writes to its log during a whole conversation, at debug level: never a message's
 * text, a token (visitor, agent, refresh cookie, API key), a password or a secret — the demo's
 * documented password in the start banner aside.
 */
import { e2ePort, ServerProcess } from '../support/server.js';
import {
  agentSend,
  test as base,
  claim,
  expect,
  marker,
  openVisitor,
  signIn,
  visitorSend,
} from './support/fixtures.js';

const test = base.extend<{ own: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  own: async ({}, use) => {
    const server = new ServerProcess(e2ePort(180 + (process.pid % 10)), { LOG_LEVEL: 'debug' });
    await server.start();
    await use(server);
    await server.dispose();
  },
});

async function post<T>(server: ServerProcess, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
  return (await res.json()) as T;
}

test('a whole conversation at debug level leaves no text, token, password or secret in the log', async ({
  browser,
  own,
}) => {
  const asked = marker('My card number is 4111');
  const answered = marker('Thanks, we never store it');
  const visitor = await openVisitor(browser, own);
  await visitorSend(visitor, asked);
  const agent = await signIn(browser, own, 'admin@demo.test');
  await claim(agent, asked);
  await agentSend(agent, answered);
  await expect(visitor.getByText(answered)).toBeVisible();
  await agent.reload(); // a refresh from the cookie
  await expect(agent.getByRole('button', { name: 'Sign out' })).toBeVisible();

  // The shop's backend: an API key, a webhook secret, a notify push.
  const { token } = await post<{ token: string }>(own, '/api/auth/login', {
    email: 'admin@demo.test',
    password: 'demo1234',
  });
  const { key } = await post<{ key: string }>(own, '/api/v1/sites/demo/api-keys', { name: 'ERP' }, token);
  const { secret } = await post<{ secret: string }>(
    own,
    '/api/v1/sites/demo/webhooks',
    { url: 'https://hooks.example.com/x', events: ['message.created'] },
    token,
  );
  const pushed = marker('Your parcel left the depot');
  const visitorId = await visitor.evaluate(() => localStorage.getItem('sb:demo:vid'));
  const notify = await fetch(`${own.url}/api/v1/sites/demo/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ visitorId, text: pushed, id: 'parcel-1' }),
  });
  expect(notify.status).toBe(200);
  await expect(visitor.getByText(pushed)).toBeVisible();

  const visitorToken = await visitor.evaluate(() => localStorage.getItem('sb:demo:token'));
  const refresh = (await agent.context().cookies()).find((c) => c.name === 'sb_refresh')?.value;
  expect(visitorToken).toBeTruthy();
  expect(refresh).toBeTruthy();

  const log = own.log;
  // The log holds the requests it should (so the checks below look at a real log).
  expect(log).toContain('/api/auth/refresh');
  expect(log).toContain('/api/visitor/session');
  const banner = /sign in as .* password demo1234/;
  const lines = log.split('\n').filter((l) => !banner.test(l));
  const leaks = [asked, answered, pushed, token, key, secret, visitorToken ?? '', refresh ?? '', 'demo1234'];
  for (const secretish of leaks) {
    expect(
      lines.filter((l) => l.includes(secretish)),
      secretish.slice(0, 12),
    ).toEqual([]);
  }
});
