import type { Browser, Page } from '@playwright/test';
import type { ServerProcess } from '../support/server.js';
import { claim, expect, marker, signIn, test, visitorSend } from './support/fixtures.js';

/**
 * `data-consent="required"` (ePrivacy): until the page calls `Switchboard('consent', true)`
 * the widget asks nothing of the Switchboard server but widget.js itself and stores nothing
 * in the browser, while the launcher and the panel work; consent connects and sends what was
 * written meanwhile; withdrawal disconnects and removes the widget's keys.
 */

/** A shop on its own origin (localhost, the server is 127.0.0.1), every request recorded. */
async function shop(
  browser: Browser,
  server: ServerProcess,
  attrs: string,
  head = '',
): Promise<{ page: Page; toServer: () => string[]; sockets: () => number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  let open = 0;
  page.on('request', (r) => requests.push(r.url()));
  // WebSockets are not `request` events: recorded as http(s) URLs, and counted while open.
  page.on('websocket', (ws) => {
    requests.push(ws.url().replace(/^ws/, 'http'));
    open++;
    ws.on('close', () => open--);
  });
  const url = `http://localhost:${new URL(server.url).port}/shop-${Math.random().toString(36).slice(2)}`;
  await context.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Consent shop</title>${head}<script src="${server.url}/widget.js" data-site="demo" ${attrs} async></script></head><body><h1>Shop</h1><p>Our products.</p><div role="region" aria-label="Cookie banner">We use cookies.</div></body></html>`,
    }),
  );
  await page.goto(url);
  const toServer = () => requests.filter((u) => u.startsWith(server.url)).map((u) => new URL(u).pathname);
  return { page, toServer, sockets: () => open };
}

/** The widget's keys in the page's storage, and whether it set any cookie or session item. */
const stored = (page: Page) =>
  page.evaluate(() => ({
    local: Object.keys(localStorage).filter((k) => k.startsWith('sb:')),
    session: sessionStorage.length,
    cookies: document.cookie,
  }));

const launcher = (page: Page) => page.getByRole('button', { name: /chat/i });

test('before consent: only widget.js from the server, nothing stored; consent delivers; withdrawal forgets', async ({
  browser,
  server,
}, testInfo) => {
  const { page, toServer, sockets } = await shop(browser, server, 'data-consent="required"');
  await expect(launcher(page)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('before-consent.png') });

  // The panel opens and the composer takes a message, kept in memory only.
  await launcher(page).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expect(page.getByRole('status')).not.toContainText('Connecting');
  const before = marker('Written before consent');
  await visitorSend(page, before);
  const log = page.getByRole('log');
  await expect(log.getByText(before)).toBeVisible();
  await expect(log.getByText('Sending…')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('panel-before-consent.png') });
  // A browser round trip after every action: their requests (if any) are recorded by now.
  expect(await stored(page)).toEqual({ local: [], session: 0, cookies: '' });
  expect(toServer()).toEqual(['/widget.js']);
  expect(await page.context().cookies(server.url)).toEqual([]);

  await page.evaluate(() =>
    (window as unknown as { Switchboard: (...a: unknown[]) => void }).Switchboard('consent', true),
  );
  // Connected: what waited in memory is delivered, and the widget now keeps its state.
  await expect(log.getByText('Sending…')).toHaveCount(0);
  expect(toServer()).toContain('/api/visitor/session');
  expect(toServer()).toContain('/ws/visitor');
  await expect
    .poll(async () => (await stored(page)).local)
    .toEqual(expect.arrayContaining(['sb:demo:token', 'sb:demo:conv']));

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, before);
  await expect(ana.getByText(before).first()).toBeVisible();
  const after = marker('Written after consent');
  await visitorSend(page, after);
  await expect(ana.getByText(after).first()).toBeVisible();

  // Withdrawn: disconnected, every sb:demo: key gone, and the chat asks the server nothing more.
  await page.evaluate(() =>
    (window as unknown as { Switchboard: (...a: unknown[]) => void }).Switchboard('consent', false),
  );
  await expect.poll(async () => (await stored(page)).local).toEqual([]);
  await expect.poll(sockets).toBe(0);
  const sent = toServer().length;
  await expect(launcher(page)).toBeVisible();
  await launcher(page).click();
  await visitorSend(page, marker('Written after withdrawal'));
  await expect(log.getByText('Sending…')).toBeVisible();
  expect(await stored(page)).toEqual({ local: [], session: 0, cookies: '' });
  expect(toServer().slice(sent)).toEqual([]);
});

test('consent queued by the snippet before the script loads applies at once (strings, storage)', async ({
  browser,
  server,
}) => {
  const stub =
    '<script>window.Switchboard=window.Switchboard||function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};Switchboard("consent",true)</script>';
  const { page, toServer } = await shop(browser, server, 'data-consent="required" data-locale="de"', stub);
  // German comes from the server once consent allows the request, and after the page's load the
  // site's proactive messages; kept: the strings and the time of this page view (returning visitors).
  await expect(page.getByRole('button', { name: 'Chat öffnen' })).toBeVisible();
  await expect.poll(toServer).toEqual(['/widget.js', '/api/widget/strings/de', '/api/sites/demo/proactive']);
  await expect
    .poll(async () => (await stored(page)).local.sort())
    .toEqual(['sb:demo:at', 'sb:demo:strings:de']);
});

test('without data-consent, consent calls change nothing', async ({ browser, server }) => {
  const { page, toServer } = await shop(browser, server, '');
  await launcher(page).click();
  await expect.poll(async () => (await stored(page)).local).toContain('sb:demo:token');
  await page.evaluate(() =>
    (window as unknown as { Switchboard: (...a: unknown[]) => void }).Switchboard('consent', false),
  );
  expect((await stored(page)).local).toContain('sb:demo:token');
  expect(toServer()).toContain('/api/visitor/session');
});
