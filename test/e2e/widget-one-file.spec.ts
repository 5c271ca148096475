import type { Browser, Page } from '@playwright/test';
import { agentSend, claim, expect, marker, signIn, test, visitorSend } from './support/fixtures.js';
import { Gate, type GateMode } from './support/gate.js';

/**
 * The widget is one file: a shop page on another origin loads widget.js and nothing else
 * from Switchboard, and the chat opens and keeps what the shopper writes even when only
 * that file got through (the rest failing or hanging).
 */

const SHOP_BODY = '<h1>Shop heading</h1><p>Our products.</p>';

/** A shop page on its own origin (localhost ≠ 127.0.0.1) with the Switchboard tag from `gate`. */
async function shopPage(browser: Browser, gate: Gate): Promise<{ page: Page; url: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const url = `http://localhost:${new URL(gate.url).port}/shop-${Math.random().toString(36).slice(2)}`;
  await context.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title><script src="${gate.url}/widget.js" data-site="demo" async></script></head><body>${SHOP_BODY}</body></html>`,
    }),
  );
  return { page, url };
}

/** Console warnings, page errors and dialogs: the shop must see none but one warning. */
function watch(page: Page): { warnings: string[]; errors: string[] } {
  const seen = { warnings: [] as string[], errors: [] as string[] };
  page.on('console', (m) => {
    if (m.type() === 'warning') seen.warnings.push(m.text());
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('dialog', (d) => {
    seen.errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return seen;
}

for (const mode of ['fail', 'hang'] as const satisfies readonly GateMode[]) {
  test(`fails closed (requests ${mode === 'fail' ? 'failing' : 'hanging'}): the chat opens, keeps a message across a reload and delivers it once`, async ({
    browser,
    server,
  }) => {
    const gate = new Gate(server.url);
    await gate.start();
    try {
      gate.mode = mode;
      const { page, url } = await shopPage(browser, gate);
      const seen = watch(page);
      // The shop's own load event fires although everything but widget.js is cut off.
      await page.goto(url, { waitUntil: 'load' });
      const launcher = page.getByRole('button', { name: /chat/i });
      await launcher.click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();
      await expect(page.getByRole('status')).toContainText('Connecting');
      await expect.poll(() => gate.stopped).toContain('/api/visitor/session');
      if (mode === 'hang') {
        // The session request is being held right now, and the page is loaded all the same.
        expect(gate.holding).toBeGreaterThan(0);
        expect(await page.evaluate(() => document.readyState)).toBe('complete');
      }

      const text = marker(`Written while only widget.js got through (${mode})`);
      await visitorSend(page, text);
      const log = page.getByRole('log');
      await expect(log.getByText(text)).toHaveCount(1);
      await expect(log.getByText('Sending…')).toBeVisible();

      // Still cut off: the message survives a reload in the outbox.
      await page.reload({ waitUntil: 'load' });
      await launcher.click();
      await expect(log.getByText(text)).toHaveCount(1);
      await expect(log.getByText('Sending…')).toBeVisible();

      // The server is back: delivered without a reload, exactly once.
      gate.open();
      await expect(log.getByText('Sending…')).toHaveCount(0);
      await expect(page.getByRole('status')).not.toContainText('Connecting');
      const ana = await signIn(browser, server, 'ana@demo.test');
      await claim(ana, text);
      const agentLog = ana.getByRole('log');
      await expect(agentLog.getByText(text)).toHaveCount(1);
      const reply = marker(`Got it (${mode})`);
      await agentSend(ana, reply);
      await expect(log.getByText(reply)).toHaveCount(1);
      await expect(log.getByText(text)).toHaveCount(1);

      expect(seen.errors).toEqual([]);
      expect(seen.warnings.length).toBeLessThanOrEqual(1);
      await ana.context().close();
      await page.context().close();
    } finally {
      await gate.dispose();
    }
  });
}

test('a shop page requests exactly one file from Switchboard and nothing lands outside the widget host', async ({
  browser,
  server,
}) => {
  const gate = new Gate(server.url);
  await gate.start();
  try {
    const { page, url } = await shopPage(browser, gate);
    const seen = watch(page);
    const fromUs: Array<{ type: string; path: string }> = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin === gate.url) fromUs.push({ type: r.resourceType(), path: u.pathname });
    });
    await page.goto(url, { waitUntil: 'load' });
    const launcher = page.getByRole('button', { name: /chat/i });
    await expect(launcher).toBeVisible();
    await launcher.click();
    const text = marker('One file is all it takes');
    await visitorSend(page, text);
    await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);
    const ana = await signIn(browser, server, 'ana@demo.test');
    await claim(ana, text);
    const reply = marker('Answered through one file');
    await agentSend(ana, reply);
    await expect(page.getByRole('log').getByText(reply)).toHaveCount(1);

    // One script; besides it only the session request and the socket — no style, font or image.
    expect(fromUs.filter((r) => r.type === 'script')).toEqual([{ type: 'script', path: '/widget.js' }]);
    expect(fromUs.filter((r) => !['script', 'fetch', 'websocket'].includes(r.type))).toEqual([]);
    // The shop's document holds its own nodes plus the widget's one host element, nothing else.
    const added = await page.evaluate(() => ({
      head: [...document.head.children].map((e) => e.tagName.toLowerCase()),
      body: [...document.body.children].map((e) => e.tagName.toLowerCase()),
    }));
    expect(added.head).toEqual(['meta', 'meta', 'title', 'script']);
    expect(added.body.slice(0, 2)).toEqual(['h1', 'p']);
    expect(added.body.length).toBe(3);
    expect(seen.errors).toEqual([]);
    expect(seen.warnings).toEqual([]);
    await ana.context().close();
    await page.context().close();
  } finally {
    await gate.dispose();
  }
});
