import type { BrowserContext, Page, WebSocketRoute } from '@playwright/test';
import { agentSend, claim, expect, marker, signIn, test, visitorSend } from './support/fixtures.js';

/**
 * Cuts the widget's WebSocket for real. In Chromium `setOffline` does not close sockets that
 * are already open, so every visitor socket is routed through Playwright and can be dropped.
 */
class NetworkCutter {
  private blocked = false;
  private open = new Set<WebSocketRoute>();

  constructor(private readonly context: BrowserContext) {}

  async install(page: Page): Promise<void> {
    await page.routeWebSocket(/\/ws\/visitor/, (ws) => {
      if (this.blocked) {
        ws.close({ code: 4000, reason: 'network down (test)' });
        return;
      }
      ws.connectToServer();
      this.open.add(ws);
      ws.onClose(() => this.open.delete(ws));
    });
  }

  async goOffline(): Promise<void> {
    this.blocked = true;
    await this.context.setOffline(true);
    for (const ws of this.open) await ws.close({ code: 4000, reason: 'network down (test)' });
    this.open.clear();
  }

  async goOnline(): Promise<void> {
    this.blocked = false;
    await this.context.setOffline(false);
  }
}

async function visitorWithCutter(
  browser: import('@playwright/test').Browser,
  url: string,
): Promise<{ page: Page; cutter: NetworkCutter }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cutter = new NetworkCutter(context);
  await cutter.install(page);
  await page.goto(`${url}/demo`);
  await page.getByRole('button', { name: /chat/i }).click();
  return { page, cutter };
}

test('messages written offline survive a reload and are delivered once, in order', async ({
  browser,
  server,
}) => {
  const { page, cutter } = await visitorWithCutter(browser, server.url);
  const log = page.getByRole('log');
  const opening = marker('Hello, quick question');
  await visitorSend(page, opening);
  await expect(log.getByText(opening)).toBeVisible();
  await expect(log.getByText('Sending…')).toHaveCount(0);

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  const anaLog = ana.getByRole('log');
  await expect(anaLog.getByText(opening)).toBeVisible();

  await cutter.goOffline();
  await expect(page.getByRole('status')).toContainText(/Offline|Connecting/);
  const first = marker('first while offline');
  const second = marker('second while offline');
  await visitorSend(page, first);
  await visitorSend(page, second);
  await expect(log.getByText('Sending…')).toHaveCount(2);

  // Reload while the socket is still cut: the outbox lives in localStorage.
  // The page itself must load from the server; the socket stays cut (the cutter still blocks it).
  await page.context().setOffline(false);
  await page.reload();
  await page.context().setOffline(true);
  const panelOpen = await page.getByRole('textbox', { name: 'Message' }).isVisible();
  if (!panelOpen) await page.getByRole('button', { name: /chat/i }).click();
  await expect(log.getByText(first)).toBeVisible();
  await expect(log.getByText(second)).toBeVisible();
  await expect(log.getByText('Sending…')).toHaveCount(2);
  await expect(anaLog.getByText(first)).toHaveCount(0);

  await cutter.goOnline();
  await expect(log.getByText('Sending…')).toHaveCount(0);
  await expect(anaLog.getByText(first)).toHaveCount(1);
  await expect(anaLog.getByText(second)).toHaveCount(1);
  await expect(log.getByText(first)).toHaveCount(1);
  await expect(log.getByText(second)).toHaveCount(1);
  // In order on the agent's side: first before second.
  const texts = (await anaLog.textContent()) ?? '';
  expect(texts.indexOf(first)).toBeLessThan(texts.indexOf(second));
  expect(texts.indexOf(opening)).toBeLessThan(texts.indexOf(first));
});

test('an agent reply sent while the visitor is offline arrives once when they are back', async ({
  browser,
  server,
}) => {
  const { page, cutter } = await visitorWithCutter(browser, server.url);
  const log = page.getByRole('log');
  const opening = marker('Can I change my address?');
  await visitorSend(page, opening);
  await expect(log.getByText('Sending…')).toHaveCount(0);

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await expect(ana.getByRole('log').getByText(opening)).toBeVisible();

  await cutter.goOffline();
  const reply = marker('Sure, what is the new address?');
  const followUp = marker('And the order number?');
  await agentSend(ana, reply);
  await agentSend(ana, followUp);
  await expect(ana.getByRole('log').getByText(followUp)).toBeVisible();
  await expect(log.getByText(reply)).toHaveCount(0);

  await cutter.goOnline();
  await expect(log.getByText(reply)).toHaveCount(1);
  await expect(log.getByText(followUp)).toHaveCount(1);
  const texts = (await log.textContent()) ?? '';
  expect(texts.indexOf(reply)).toBeLessThan(texts.indexOf(followUp));
});
