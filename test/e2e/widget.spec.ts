import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import {
  agentSend,
  claim,
  expect,
  hostPage,
  marker,
  openVisitor,
  phonePage,
  signIn,
  test,
  visitorSend,
} from './support/fixtures.js';

test('works under a strict CSP with hostile host CSS, without a single violation', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  });
  const response = await page.goto(`${server.url}/demo/strict`);
  expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");

  const launcher = page.getByRole('button', { name: /chat/i });
  await expect(launcher).toBeVisible();
  // The launcher is on top of the host's z-index 2147483647 overlay region and clickable.
  await launcher.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const text = marker('Strict page hello');
  await visitorSend(page, text);
  await expect(page.getByRole('log').getByText(text)).toBeVisible();
  await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);

  // Host rules (`div { font-size: 40px }`, `* { all: unset }`) do not reach inside the widget.
  const fontSize = await page
    .getByRole('textbox', { name: 'Message' })
    .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
  expect(fontSize).toBeGreaterThanOrEqual(13);
  expect(fontSize).toBeLessThanOrEqual(18);
  const box = await dialog.boundingBox();
  const viewport = page.viewportSize();
  expect(box && viewport && box.x >= 0 && box.x + box.width <= viewport.width + 1).toBeTruthy();
  expect(violations).toEqual([]);
});

test('the widget never changes the host page styles and defines no global but Switchboard', async ({
  browser,
  server,
}) => {
  const page = await browser.newPage();
  await hostPage(page, server, '<p id="para">Paragraph</p>');
  const probe = () =>
    page.evaluate(() => {
      const pick = (el: Element | null) => {
        if (!el) return null;
        const s = getComputedStyle(el);
        return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.margin, s.display, s.boxSizing].join(
          '|',
        );
      };
      return {
        body: pick(document.body),
        html: pick(document.documentElement),
        button: pick(document.getElementById('host-button')),
        p: pick(document.getElementById('para')),
        globals: Object.keys(window).sort(),
        styles: document.querySelectorAll('style, link[rel=stylesheet]').length,
      };
    });
  const before = await probe();
  await page.evaluate((src) => {
    const s = document.createElement('script');
    s.src = src;
    s.dataset.site = 'demo';
    document.body.appendChild(s);
  }, `${server.url}/widget.js`);
  await page.getByRole('button', { name: /chat/i }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  const after = await probe();
  expect(after.body).toBe(before.body);
  expect(after.html).toBe(before.html);
  expect(after.button).toBe(before.button);
  expect(after.p).toBe(before.p);
  expect(after.styles).toBe(before.styles);
  expect(after.globals.filter((g) => !before.globals.includes(g))).toEqual(['Switchboard']);
});

test('invalid data attributes warn once each and fall back; a missing data-site is one clear error', async ({
  browser,
  server,
}) => {
  const page = await browser.newPage();
  const warnings: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
    if (m.type() === 'error') errors.push(m.text());
  });
  await hostPage(
    page,
    server,
    `<script src="/widget.js" data-site="demo" data-color="not-a-color" data-position="middle" data-launcher="rocket" data-prechat="phone"></script>`,
  );
  await expect(page.getByRole('button', { name: /chat/i })).toBeVisible();
  for (const [attr, value] of [
    ['data-color', 'not-a-color'],
    ['data-position', 'middle'],
    ['data-launcher', 'rocket'],
    ['data-prechat', 'phone'],
  ]) {
    const hits = warnings.filter((w) => w.includes(attr as string) && w.includes(value as string));
    expect(hits, `one warning for ${attr}`).toHaveLength(1);
  }
  expect(warnings.find((w) => w.includes('data-position'))).toMatch(/right/);

  const bare = await browser.newPage();
  const bareErrors: string[] = [];
  bare.on('console', (m) => {
    if (m.type() === 'error') bareErrors.push(m.text());
  });
  await hostPage(bare, server, '<script src="/widget.js"></script>');
  await expect.poll(() => bareErrors.filter((e) => e.includes('data-site')).length).toBe(1);
  await expect(bare.getByRole('button', { name: /chat/i })).toHaveCount(0);
});

test('the JS API works before load (command queue), emits events, and shutdown removes everything', async ({
  browser,
  server,
}) => {
  const page = await browser.newPage();
  await hostPage(
    page,
    server,
    `<script src="/widget.js" data-site="demo" async></script>`,
    `<script>
      window.Switchboard = window.Switchboard || function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};
      window.events = [];
      Switchboard('on', 'open', function(){ events.push('open'); });
      Switchboard('on', 'close', function(){ events.push('close'); });
      Switchboard('open');
    </script>`,
  );
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.evaluate(() => (window as unknown as { Switchboard: (c: string) => void }).Switchboard('close'));
  await expect(page.getByRole('dialog')).toBeHidden();
  await page.evaluate(() =>
    (window as unknown as { Switchboard: (c: string) => void }).Switchboard('toggle'),
  );
  await expect(page.getByRole('dialog')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { events: string[] }).events)).toEqual([
    'open',
    'close',
    'open',
  ]);

  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  await page.evaluate(() => (window as unknown as { Switchboard: (c: string) => void }).Switchboard('fly'));
  await expect.poll(() => warnings.some((w) => w.includes('fly'))).toBe(true);

  const nodesBefore = await page.evaluate(
    () => document.body.children.length + document.documentElement.children.length,
  );
  await page.evaluate(() =>
    (window as unknown as { Switchboard: (c: string) => void }).Switchboard('shutdown'),
  );
  await expect(page.getByRole('button', { name: /chat/i })).toHaveCount(0);
  const nodesAfter = await page.evaluate(
    () => document.body.children.length + document.documentElement.children.length,
  );
  expect(nodesAfter).toBe(nodesBefore - 1);
  await page.evaluate(() => (window as unknown as { Switchboard: (c: string) => void }).Switchboard('open'));
  await expect(page.getByRole('dialog')).toBeVisible();
});

test('Arabic renders right-to-left with the locale on the dialog', async ({ browser, server }) => {
  const page = await browser.newPage();
  await hostPage(
    page,
    server,
    `<script src="/widget.js" data-site="demo" data-locale="ar" data-open="true"></script>`,
  );
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('lang', 'ar');
  await expect(dialog).toHaveAttribute('dir', 'rtl');
});

test('keyboard: Escape closes the panel and returns focus to the launcher', async ({ browser, server }) => {
  const page = await openVisitor(browser, server);
  await page.getByRole('textbox', { name: 'Message' }).focus();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(page.getByRole('button', { name: /chat/i })).toBeFocused();
});

test('the open widget has no axe violations', async ({ browser, server }) => {
  const page = await openVisitor(browser, server);
  await visitorSend(page, marker('Accessibility check'));
  await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).include('#switchboard-widget').analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('on a 375 px phone the panel is full-screen', async ({ browser, server }) => {
  const page = await phonePage(browser);
  await page.goto(`${server.url}/demo`);
  await page.getByRole('button', { name: /chat/i }).click();
  const box = await page.getByRole('dialog').boundingBox();
  expect(box?.width).toBeGreaterThanOrEqual(374);
  expect(box?.x).toBeLessThanOrEqual(1);
  const send = await page.getByRole('button', { name: 'Send', exact: true }).boundingBox();
  expect(send?.height).toBeGreaterThanOrEqual(44);
});

test('an agent reply while the panel is closed shows an unread count and fires message/unread', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  await visitor.evaluate(() => {
    const w = window as unknown as {
      Switchboard: (c: string, e: string, fn: (x: unknown) => void) => void;
      seen: unknown[];
    };
    w.seen = [];
    w.Switchboard('on', 'message', (m) => w.seen.push(['message', (m as { text: string }).text]));
    w.Switchboard('on', 'unread', (u) => w.seen.push(['unread', (u as { count: number }).count]));
  });
  const opening = marker('Unread test');
  await visitorSend(visitor, opening);
  await expect(visitor.getByRole('log').getByText('Sending…')).toHaveCount(0);
  await visitor.keyboard.press('Escape');

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  const reply = marker('Reply while closed');
  await agentSend(ana, reply);
  await expect(visitor.getByRole('button', { name: /chat.*[1-9]/i })).toBeVisible();
  await expect
    .poll(() => visitor.evaluate(() => (window as unknown as { seen: unknown[] }).seen))
    .toContainEqual(['message', reply]);
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect
    .poll(() => visitor.evaluate(() => (window as unknown as { seen: unknown[] }).seen))
    .toContainEqual(['unread', 0]);
});

test('two tabs of one visitor show every message once each', async ({ browser, server }) => {
  const context = await browser.newContext();
  const a = await context.newPage();
  await a.goto(`${server.url}/demo`);
  await a.getByRole('button', { name: /chat/i }).click();
  const text = marker('From tab A');
  await visitorSend(a, text);
  await expect(a.getByRole('log').getByText('Sending…')).toHaveCount(0);
  const b = await context.newPage();
  await b.goto(`${server.url}/demo`);
  await b.getByRole('button', { name: /chat/i }).click();
  await expect(b.getByRole('log').getByText(text)).toHaveCount(1);
  const fromB = marker('From tab B');
  await visitorSend(b, fromB);
  await expect(a.getByRole('log').getByText(fromB)).toHaveCount(1);
  await expect(b.getByRole('log').getByText(fromB)).toHaveCount(1);
  await expect(a.getByRole('log').getByText(text)).toHaveCount(1);
});

test('on a phone the open panel is above a host element with the highest z-index', async ({
  browser,
  server,
}) => {
  const page = await phonePage(browser);
  await page.goto(`${server.url}/demo/strict`);
  await page.getByRole('button', { name: /chat/i }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  // The hostile page's overlay (z-index 2147483647) covers the top-left corner, where the panel's header is.
  const topmost = await page.evaluate(() => document.elementFromPoint(20, 20)?.id ?? null);
  expect(topmost).toBe('switchboard-widget');
});

test('coexists with the page’s own Preact and library globals, and modifies no built-in', async ({
  browser,
  server,
}) => {
  const page = await browser.newPage();
  const preactSource = readFileSync(fileURLToPath(import.meta.resolve('preact')), 'utf8');
  await page.route(`${server.url}/demo/host-preact.mjs`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: preactSource }),
  );
  await hostPage(
    page,
    server,
    `<div id="host-app"></div>
    <script type="module">
      import { h, render } from '/demo/host-preact.mjs';
      render(h('p', { id: 'host-rendered' }, 'Rendered by the host page’s own Preact'), document.getElementById('host-app'));
    </script>`,
    `<script>
      // What older sites carry around: library globals under the usual names.
      window.$ = window.jQuery = function jQueryStub() { return { on() {}, ready() {} }; };
      window.React = { createElement() { throw new Error('host React must not be used by the widget'); } };
      window.preact = { h() { throw new Error('host preact global must not be used by the widget'); } };
      window.builtins = () => {
        const names = (o) => Object.getOwnPropertyNames(o).sort().join(',');
        return [Object.prototype, Array.prototype, Function.prototype, String.prototype, Promise.prototype,
          EventTarget.prototype, Element.prototype, HTMLElement.prototype, Node.prototype, JSON, Math]
          .map(names).join('|') + String(window.fetch === window.__fetch) + String(window.WebSocket === window.__ws);
      };
      window.__fetch = window.fetch; window.__ws = window.WebSocket;
    </script>`,
  );
  await expect(page.locator('#host-rendered')).toBeVisible();
  const before = await page.evaluate(() => (window as unknown as { builtins: () => string }).builtins());
  await page.evaluate((src) => {
    const s = document.createElement('script');
    s.src = src;
    s.dataset.site = 'demo';
    document.body.appendChild(s);
  }, `${server.url}/widget.js`);
  await page.getByRole('button', { name: /chat/i }).click();
  const text = marker('Hello next to the host Preact');
  await visitorSend(page, text);
  await expect(page.getByRole('log').getByText(text)).toBeVisible();
  await expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);
  await expect(page.locator('#host-rendered')).toBeVisible();
  const after = await page.evaluate(() => (window as unknown as { builtins: () => string }).builtins());
  expect(after).toBe(before);
});
