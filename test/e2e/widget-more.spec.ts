import type { Page } from '@playwright/test';
import { e2ePort, ServerProcess } from '../support/server.js';
import {
  agentSend,
  claim,
  expect,
  marker,
  phonePage,
  signIn,
  test,
  visitorSend,
} from './support/fixtures.js';

/** A same-origin throw-away host page with any script tag (like widget.spec.ts does). */
async function hostPage(page: Page, origin: string, body: string): Promise<void> {
  const url = `${origin}/demo/more-host-${Math.random().toString(36).slice(2)}`;
  await page.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host shop</title></head><body><h1>Host page</h1>${body}</body></html>`,
    }),
  );
  await page.goto(url);
}

async function claimAndReply(agent: Page, opening: string, reply: string): Promise<void> {
  await claim(agent, opening);
  await agentSend(agent, reply);
}

test('tabs of one visitor share one socket; closing the leader hands over without losing anything', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  let sockets = 0;
  const watch = (p: Page) =>
    p.on('websocket', (ws) => {
      if (ws.url().includes('/ws/visitor')) sockets++;
    });
  const a = await context.newPage();
  watch(a);
  await a.goto(`${server.url}/demo`);
  await a.getByRole('button', { name: /chat/i }).click();
  const opening = marker('Two tabs, one socket');
  await visitorSend(a, opening);
  await expect(a.getByRole('log').getByText('Sending…')).toHaveCount(0);

  const b = await context.newPage();
  watch(b);
  await b.goto(`${server.url}/demo`);
  await b.getByRole('button', { name: /chat/i }).click();
  await expect(b.getByRole('log').getByText(opening)).toHaveCount(1);
  const fromB = marker('From the follower');
  await visitorSend(b, fromB);
  await expect(a.getByRole('log').getByText(fromB)).toHaveCount(1);
  await expect(b.getByRole('log').getByText(fromB)).toHaveCount(1);
  await expect(b.getByRole('log').getByText('Sending…')).toHaveCount(0);

  const ana = await signIn(browser, server, 'ana@demo.test');
  const reply = marker('Reply to both tabs');
  await claimAndReply(ana, fromB, reply); // the queue shows the latest message
  await expect(a.getByRole('log').getByText(reply)).toHaveCount(1);
  await expect(b.getByRole('log').getByText(reply)).toHaveCount(1);
  expect(sockets).toBe(1); // one socket for both tabs

  // Closing the panel in one tab closes it in the other.
  await b.keyboard.press('Escape');
  await expect(a.getByRole('dialog')).toBeHidden();
  await a.getByRole('button', { name: /chat/i }).click();
  await expect(b.getByRole('dialog')).toBeVisible();

  // The leader's tab closes: the other takes over (a new socket), sends and receives.
  await a.close();
  await expect.poll(() => sockets).toBe(2);
  const after = marker('After the handover');
  await visitorSend(b, after);
  await expect(b.getByRole('log').getByText('Sending…')).toHaveCount(0);
  await expect(ana.getByRole('log').getByText(after)).toHaveCount(1);
  const reply2 = marker('Reply after the handover');
  await agentSend(ana, reply2);
  await expect(b.getByRole('log').getByText(reply2)).toHaveCount(1);
  await expect(b.getByRole('log').getByText(fromB)).toHaveCount(1);
  expect(sockets).toBe(2);
  await context.close();
  await ana.context().close();
});

test('no agent online: the panel offers to leave a message with an email, shows business hours, and the message is stored', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  // Whatever the agents of this worker do, this visitor sees nobody online and a site with
  // business hours.
  await page.routeWebSocket(/\/ws\/visitor/, (ws) => {
    const upstream = ws.connectToServer();
    upstream.onMessage((raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type === 'welcome') {
        frame.site.agentsOnline = false;
        frame.site.open = false;
        frame.site.businessHours = {
          timezone: 'America/New_York',
          days: [1, 2, 3, 4, 5].map((day) => ({ day, from: '09:00', to: '17:00' })),
        };
        // The lines as the server formats them (server/test/hours-text.test.ts checks that).
        frame.site.hoursText = { en: ['Mon – Fri 9:00 AM – 5:00 PM', 'America/New_York'] };
      }
      if (frame.type === 'presence') frame.agentsOnline = false;
      ws.send(JSON.stringify(frame));
    });
  });
  await page.goto(`${server.url}/demo`);
  await page.getByRole('button', { name: /chat/i }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText(/We’re away\. Leave a message/)).toBeVisible();
  await expect(dialog.getByText(/Mon\s–\sFri\s9:00\sAM\s–\s5:00\sPM/)).toBeVisible();
  await expect(dialog.getByText('America/New_York')).toBeVisible();

  const email = dialog.getByRole('textbox', { name: 'Email' });
  await email.fill('not-an-email');
  const text = marker('Left while away');
  await visitorSend(page, text);
  await expect(dialog.getByRole('alert')).toContainText('valid email');
  await expect(page.getByRole('log').getByText(text)).toHaveCount(0);
  await email.fill('ada@example.com');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('log').getByText(text)).toBeVisible();
  await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);
  await expect(email).toHaveCount(0); // asked once

  // An agent coming back finds it in the queue, with the visitor's email.
  const ana = await signIn(browser, server, 'ana@demo.test');
  const item = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: text });
  await expect(item).toHaveCount(1);
  await item.getByRole('button', { name: 'Claim' }).click();
  await expect(ana.getByRole('log').getByText(text)).toBeVisible();
  await expect(ana.getByText('ada@example.com').first()).toBeVisible();
  await context.close();
  await ana.context().close();
});

test('fails closed: with the server down the page is not held up, one warning at most, and a message left then is sent when it is back', async ({
  browser,
  server,
}, testInfo) => {
  const port = e2ePort(190 + (testInfo.workerIndex % 10));
  const dead = `http://127.0.0.1:${port}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const warnings: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const started = Date.now();
  await hostPage(
    page,
    server.url,
    `<script src="/widget.js" data-site="demo" data-server="${dead}" async></script>`,
  );
  const launcher = page.getByRole('button', { name: /chat/i });
  await expect(launcher).toBeVisible();
  expect(Date.now() - started).toBeLessThan(5_000);
  await launcher.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('status')).toContainText('Connecting');
  await expect(dialog.getByText(/Leave a message/)).toBeVisible();
  const text = marker('Left while the server was down');
  await visitorSend(page, text);
  await expect(page.getByRole('log').getByText(text)).toBeVisible();
  await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(1);
  expect(await page.evaluate(() => localStorage.getItem('sb:demo:outbox'))).toContain(
    'Left while the server',
  );
  await page.waitForTimeout(3_000); // a few retries happen meanwhile
  expect(warnings.filter((w) => w.includes('Switchboard'))).toHaveLength(1);
  expect(dialogs).toEqual([]);
  // The host page stays responsive.
  expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('Host page');

  // The server comes back: the message goes out once (the `online` event retries at once).
  const revived = new ServerProcess(port);
  try {
    await revived.start();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0, { timeout: 40_000 });
    await expect(page.getByRole('log').getByText(text)).toHaveCount(1);
    expect(warnings.filter((w) => w.includes('Switchboard'))).toHaveLength(1);
  } finally {
    await revived.dispose();
    await context.close();
  }
});

test('on a phone the panel follows the visual viewport, locks the page scroll and restores it exactly', async ({
  browser,
  server,
}) => {
  const page = await phonePage(browser);
  await page.goto(`${server.url}/demo`);
  await page.evaluate(() => document.documentElement.style.setProperty('overflow', 'scroll'));
  await page.getByRole('button', { name: /chat/i }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).toBe('hidden');
  for (const name of ['Close', 'Send']) {
    const box = await page.getByRole('button', { name }).boundingBox();
    expect(box!.height, name).toBeGreaterThanOrEqual(44);
    expect(box!.width, name).toBeGreaterThanOrEqual(44);
  }
  // The on-screen keyboard shrinks the visual viewport: the panel shrinks with it.
  await page.setViewportSize({ width: 375, height: 420 });
  await expect.poll(async () => (await dialog.boundingBox())?.height).toBeLessThanOrEqual(421);
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeInViewport();
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  expect(await page.evaluate(() => document.documentElement.getAttribute('style'))).toBe('overflow: scroll;');
  await page.context().close();
});

test('a reply in a hidden tab flashes the title and notifies; permission is asked only after sending', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A scriptable Notification API (permission "default" until asked, then granted) and a
  // scriptable document.hidden: headless tabs are always visible.
  await page.addInitScript(() => {
    const w = window as unknown as { hiddenTab: boolean; asked: number; shown: string[]; perm: string };
    w.hiddenTab = false;
    w.asked = 0;
    w.shown = [];
    w.perm = 'default';
    Object.defineProperty(document, 'hidden', { get: () => w.hiddenTab });
    Object.defineProperty(document, 'visibilityState', { get: () => (w.hiddenTab ? 'hidden' : 'visible') });
    class Spy {
      static get permission() {
        return w.perm;
      }
      static requestPermission() {
        w.asked++;
        w.perm = 'granted';
        return Promise.resolve('granted');
      }
      onclick: unknown = null;
      constructor(title: string, options?: NotificationOptions) {
        w.shown.push(`${title}: ${options?.body}`);
      }
      close() {}
    }
    (window as unknown as { Notification: unknown }).Notification = Spy;
  });
  await page.goto(`${server.url}/demo`);
  const title = await page.title();
  await page.getByRole('button', { name: /chat/i }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(0);
  const opening = marker('Title flash');
  await visitorSend(page, opening);
  await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(1);

  const hide = (hidden: boolean) =>
    page.evaluate((h) => {
      (window as unknown as { hiddenTab: boolean }).hiddenTab = h;
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  await hide(true);
  const ana = await signIn(browser, server, 'ana@demo.test');
  const reply = marker('Are you there');
  await claimAndReply(ana, opening, reply);
  await expect.poll(() => page.title()).toBe(`(1) New messages — ${title}`);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { shown: string[] }).shown))
    .toEqual([expect.stringContaining(reply)]);
  await hide(false);
  await expect.poll(() => page.title()).toBe(title);
  await context.close();
  await ana.context().close();
});

test('identify sends the user with the session request and a new identity starts a new session', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const sessions: Array<Record<string, unknown>> = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/visitor/session')) sessions.push(JSON.parse(r.postData() ?? '{}'));
  });
  await hostPage(
    page,
    server.url,
    `<script src="/widget.js" data-site="demo" data-user-id="u-1" data-user-name="Ada" data-user-email="ada@example.com" data-user-hash="00ff"></script>`,
  );
  await page.getByRole('button', { name: /chat/i }).click();
  await expect(page.getByRole('dialog').getByRole('status')).not.toContainText('Connecting');
  expect(sessions.at(-1)?.user).toEqual({ id: 'u-1', name: 'Ada', email: 'ada@example.com', hash: '00ff' });
  const count = sessions.length;
  await page.evaluate(() =>
    (window as unknown as { Switchboard: (c: string, u: unknown) => void }).Switchboard('identify', {
      id: 'u-1',
      name: 'Ada',
      email: 'ada@example.com',
      hash: '00ff',
    }),
  );
  await page.waitForTimeout(500);
  expect(sessions.length).toBe(count); // the same identity again changes nothing
  await page.evaluate(() =>
    (window as unknown as { Switchboard: (c: string, u: unknown) => void }).Switchboard('identify', {
      id: 'u-2',
      name: 'Bo',
      hash: 'beef',
    }),
  );
  await expect.poll(() => sessions.length).toBe(count + 1);
  expect(sessions.at(-1)?.user).toEqual({ id: 'u-2', name: 'Bo', hash: 'beef' });
  await expect(page.getByRole('dialog').getByRole('status')).not.toContainText('Connecting');
  await context.close();
});

test('a shopper whose network drops right after the page loaded can still open the chat', async ({
  browser,
  server,
}) => {
  // The panel file is fetched with the page (async, in parallel), so going offline the moment
  // the page has loaded must not leave a launcher that opens nothing.
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/demo`);
      await context.setOffline(true);
      await page.getByRole('button', { name: /chat/i }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await expect(page.getByRole('status')).toContainText('Offline');
      await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
    } finally {
      await context.close();
    }
  }
});
