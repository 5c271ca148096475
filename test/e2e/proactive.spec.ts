/**
 * Proactive messages in real chromium, on a server of their own (a rule of the demo site would
 * pop up on every other test's pages). Time on the page is driven by Playwright's clock, so
 * "not yet" and "not while typing" are checked at exact instants, never by waiting.
 */
import type { Page } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import { test as base, claim, expect, hostPage, marker, phonePage, signIn } from './support/fixtures.js';

const test = base.extend<{ own: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  own: async ({}, use) => {
    const server = new ServerProcess(e2ePort(200 + (process.pid % 10)));
    await server.start();
    await use(server);
    await server.dispose();
  },
});

async function call<T>(server: ServerProcess, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}: ${res.status}`).toBeLessThan(300);
  return (res.status === 204 ? null : await res.json()) as T;
}

async function adminToken(server: ServerProcess): Promise<string> {
  const { token } = await call<{ token: string }>(server, 'POST', '/api/auth/login', {
    email: 'admin@demo.test',
    password: 'demo1234',
  });
  return token;
}

type Rule = { id: string };
const rules = '/api/v1/sites/demo/proactive-messages';

/** Loads a host page with the widget, its clock under the test's control; resolves once the rules arrived. */
async function shopPage(page: Page, server: ServerProcess, tag = '', body = ''): Promise<void> {
  await page.clock.install();
  const fetched = page.waitForResponse((r) => r.url().endsWith('/api/sites/demo/proactive'));
  await hostPage(
    page,
    server,
    `<label>Search the shop <input id="q"></label>${body}<script src="/widget.js" data-site="demo" ${tag}></script>`,
  );
  await fetched;
}

const widget = (page: Page) => page.locator('#switchboard-widget');

test('a page rule shows once, after its seconds on the page and never while the shopper types in the page, without taking the focus; the reply starts a conversation with it', async ({
  browser,
  own,
}) => {
  const token = await adminToken(own);
  const text = marker('Questions about our plans? Ask us.');
  const rule = await call<Rule>(
    own,
    'POST',
    rules,
    {
      name: 'Plans',
      text,
      department: 'Sales',
      trigger: 'page',
      urlPattern: '/demo/test-host-*',
      seconds: 20,
    },
    token,
  );
  // Another page's rule never shows here.
  await call(
    own,
    'POST',
    rules,
    { name: 'Elsewhere', text: 'Not here', trigger: 'page', urlPattern: '/checkout*', seconds: 0 },
    token,
  );

  const page = await (await browser.newContext()).newPage();
  await shopPage(page, own);
  const dialog = widget(page).getByRole('dialog');
  await page.clock.runFor(19_000);
  await expect(dialog).toHaveCount(0);

  // The shopper is typing in the shop's search box when the time is up: it waits.
  await page.getByRole('textbox', { name: 'Search the shop' }).fill('blue shoes');
  await page.clock.runFor(5_000);
  await expect(dialog).toHaveCount(0);

  // Done typing (focus on the page's button): it opens within a second, the focus stays there.
  await page.getByRole('button', { name: 'Host button' }).focus();
  await page.clock.runFor(1_100);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('log')).toContainText(text);
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('host-button');
  await page.clock.resume();

  // The reply: a conversation whose first line is the proactive message, in the rule's department.
  const reply = marker('Yes: is there a yearly plan?');
  await widget(page).getByRole('textbox', { name: 'Message' }).fill(reply);
  await widget(page).getByRole('button', { name: 'Send', exact: true }).click();
  await expect(dialog.getByRole('log')).toContainText(reply);
  const agent = await signIn(browser, own, 'admin@demo.test');
  await claim(agent, reply);
  const log = agent.getByRole('log');
  await expect(log).toContainText(text);
  await expect(log).toContainText(reply);
  const list = await call<{ items: { id: string; department: string | null }[] }>(
    own,
    'GET',
    '/api/v1/sites/demo/conversations?limit=5',
    undefined,
    token,
  );
  const conv = list.items[0]!;
  expect(conv.department).toBe('Sales');
  const messages = await call<{
    items: { seq: number; text: string; author: { kind: string; name: string } }[];
  }>(own, 'GET', `/api/v1/sites/demo/conversations/${conv.id}/messages`, undefined, token);
  // Then the agent's claim ("joined").
  expect(messages.items.slice(0, 2).map((m) => [m.seq, m.text, m.author.kind])).toEqual([
    [1, text, 'agent'],
    [2, reply, 'visitor'],
  ]);
  expect(messages.items[0]!.author.name).toBe('Sales');
  // The widget shows it once, as the conversation's first line (the greeting is the site's again),
  // and so after a reload.
  await expect(dialog.getByRole('log').getByText(text)).toHaveCount(1);
  await page.reload();
  await widget(page).getByRole('button', { name: /chat/i }).click();
  await expect(dialog.getByRole('log').getByText(reply)).toBeVisible();
  await expect(dialog.getByRole('log').getByText(text)).toHaveCount(1);

  // The rule's public form: the URL pattern as a RegExp source, and only enabled rules.
  await call(own, 'PATCH', `${rules}/${rule.id}`, { enabled: false }, token);
  const listed = await call<{ rules: { id: string }[] }>(own, 'GET', '/api/sites/demo/proactive');
  expect(listed.rules.map((r) => r.id)).not.toContain(rule.id);
});

test('on a phone it counts as unread instead of covering the shop; a dismissed one never comes back', async ({
  browser,
  own,
}) => {
  const token = await adminToken(own);
  const text = marker('Free returns for 60 days.');
  await call(
    own,
    'POST',
    rules,
    { name: 'Returns', text, trigger: 'page', urlPattern: '*', seconds: 3 },
    token,
  );
  const page = await phonePage(browser);
  await shopPage(page, own);
  const launcher = widget(page).getByRole('button', { name: /chat/i });
  await page.clock.runFor(3_500);
  await expect(launcher).toHaveAccessibleName(/1 unread/);
  await expect(widget(page).getByRole('dialog')).toHaveCount(0);
  await launcher.click();
  await expect(widget(page).getByRole('dialog').getByRole('log')).toContainText(text);
  await widget(page).getByRole('button', { name: 'Close', exact: true }).click();
  await expect(launcher).toHaveAccessibleName(/^[^0-9]*$/);
  // Dismissed without a reply: the next page does not show it again.
  const next = await page.context().newPage();
  await shopPage(next, own);
  await next.clock.runFor(10_000);
  await page.close();
  const again = widget(next).getByRole('button', { name: /chat/i });
  await expect(again).toHaveAccessibleName(/^[^0-9]*$/);
  await again.click();
  await expect(widget(next).getByRole('dialog').getByRole('log')).toContainText('How can we help');
  await expect(widget(next).getByRole('dialog').getByRole('log')).not.toContainText(text);
});

test('a returning-visitor rule and an attribute rule show only to whom they are for; a disabled rule never shows', async ({
  browser,
  own,
}) => {
  const token = await adminToken(own);
  const back = marker('Welcome back!');
  const pro = marker('Pro plan: priority support is one message away.');
  await call(own, 'POST', rules, { name: 'Back', text: back, trigger: 'returning', seconds: 0 }, token);
  await call(
    own,
    'POST',
    rules,
    { name: 'Pro', text: pro, trigger: 'attribute', attribute: 'plan', value: 'pro', seconds: 2 },
    token,
  );
  await call(
    own,
    'POST',
    rules,
    { name: 'Off', text: 'Disabled rule', trigger: 'page', urlPattern: '*', seconds: 0, enabled: false },
    token,
  );

  // A first visit: neither (anonymous, not returning).
  const page = await (await browser.newContext()).newPage();
  await shopPage(page, own);
  await page.clock.runFor(5_000);
  await expect(widget(page).getByRole('dialog')).toHaveCount(0);
  // Back after an hour away (the last page view's time, as the widget keeps it): the returning rule.
  await page.evaluate(() => localStorage.setItem('sb:demo:at', String(Date.now() - 3_600_000)));
  const later = await page.context().newPage();
  await page.close();
  await shopPage(later, own);
  await later.clock.runFor(1_000);
  await expect(widget(later).getByRole('dialog').getByRole('log')).toContainText(back);

  // An identified user whose plan is pro gets the attribute rule; one on another plan does not.
  for (const [plan, shown] of [
    ['basic', false],
    ['pro', true],
  ] as const) {
    const shopper = await (await browser.newContext()).newPage();
    await shopPage(
      shopper,
      own,
      'data-user-id="u-42" data-user-name="Ada"',
      `<script>window.Switchboard=window.Switchboard||function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};Switchboard('setAttributes',{plan:'${plan}'})</script>`,
    );
    await shopper.clock.runFor(3_000);
    const dialog = widget(shopper).getByRole('dialog');
    if (shown) await expect(dialog.getByRole('log')).toContainText(pro);
    else await expect(dialog).toHaveCount(0);
  }
});
