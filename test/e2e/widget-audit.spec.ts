/**
 * Issue 7 audit: one test for each Scope claim that no other spec covered (see
 * docs/widget-audit.md for the full claim → test table).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import type { ServerProcess } from '../support/server.js';
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

const tag = (attrs = '') => `<script src="/widget.js" data-site="demo" ${attrs}></script>`;

type Win = Window & Record<string, unknown> & { Switchboard: (...args: unknown[]) => void };

/** Admin REST calls against the worker's server (site settings). */
async function adminToken(server: ServerProcess): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@demo.test', password: 'demo1234' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function putSettings(server: ServerProcess, token: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/api/sites/demo/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function siteConfig(server: ServerProcess): Promise<Record<string, unknown>> {
  return (await (await fetch(`${server.url}/api/sites/demo/config`)).json()) as Record<string, unknown>;
}

/** Signs Ana in to the console (online) without needing anything in the queue. */
async function agentOnline(browser: Browser, server: ServerProcess): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByRole('textbox', { name: 'Email' }).fill('ana@demo.test');
  await page.getByLabel('Password').fill('demo1234');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('combobox', { name: 'Status' })).toHaveValue('online');
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Connected');
  return page;
}

const launcherOf = (page: Page) => page.getByRole('button', { name: /chat/i });
const sent = (page: Page) => expect(page.getByRole('log').getByText('Sending…')).toHaveCount(0);

// ------------------------------------------------------------------ configuration

test('site settings (color, title, greeting) apply unless the tag overrides them', async ({
  browser,
  server,
}) => {
  const admin = await adminToken(server);
  const original = await siteConfig(server);
  const context = await browser.newContext();
  try {
    await putSettings(server, admin, {
      color: '#0f766e',
      title: 'Talk to Acme',
      greeting: 'Hello from the site settings',
    });
    const page = await context.newPage();
    await hostPage(page, server, tag());
    await launcherOf(page).click();
    const dialog = page.getByRole('dialog', { name: 'Talk to Acme' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByText('Hello from the site settings')).toBeVisible();
    await expect(page.locator('.head')).toHaveCSS('background-color', 'rgb(15, 118, 110)');

    const tagged = await context.newPage();
    await hostPage(
      tagged,
      server,
      tag('data-color="#7c2d12" data-title="Tag title" data-greeting="Tag greeting" data-open="true"'),
    );
    const own = tagged.getByRole('dialog', { name: 'Tag title' });
    await expect(own.getByRole('status')).not.toContainText('Connecting'); // site settings have arrived
    await expect(own.getByText('Tag greeting')).toBeVisible();
    await expect(own.getByText('Hello from the site settings')).toHaveCount(0);
    await expect(tagged.locator('.head')).toHaveCSS('background-color', 'rgb(124, 45, 18)');
  } finally {
    await putSettings(server, admin, {
      color: original.color,
      title: original.title,
      greeting: original.greeting,
    });
    await context.close();
  }
});

test('outside business hours (decided in the site’s time zone) the panel offers leave-a-message and shows the hours, even with an agent online', async ({
  browser,
  server,
}) => {
  const admin = await adminToken(server);
  const ana = await agentOnline(browser, server); // an agent IS online
  // Open only on a weekday three days away in New York: closed now, whatever the time.
  const names = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const nyToday = names.indexOf(
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short' }).format(new Date()),
  );
  const day = (nyToday + 3) % 7;
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Tokyo' });
  try {
    await putSettings(server, admin, {
      businessHours: { timezone: 'America/New_York', days: [{ day, from: '09:00', to: '17:00' }] },
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/demo`);
    await launcherOf(page).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText(/We’re away\. Leave a message/)).toBeVisible();
    const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: 'UTC' }).format(
      new Date(Date.UTC(2024, 0, 7 + day)), // 2024-01-07 was a Sunday
    );
    await expect(dialog.getByText(new RegExp(`${weekday}\\s9:00\\sAM\\s–\\s5:00\\sPM`))).toBeVisible();
    await expect(dialog.getByText('America/New_York')).toBeVisible(); // not the visitor's zone

    // Hours removed: the site is open again, live, and the away note goes.
    await putSettings(server, admin, { businessHours: null });
    await expect(dialog.getByText(/We’re away/)).toHaveCount(0);
  } finally {
    await putSettings(server, admin, { businessHours: null });
    await context.close();
    await ana.context().close();
  }
});

test('pre-chat form: labelled fields, email validated, answers and setAttributes reach the agent', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await hostPage(page, server, tag('data-prechat="name,email"'));
  await launcherOf(page).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  const name = marker('Grace');
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('textbox', { name: 'Email' }).fill('grace@');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect(page.getByRole('dialog').getByRole('alert')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Email' })).toBeFocused();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  await page.getByRole('textbox', { name: 'Email' }).fill('grace@example.com');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await page.evaluate(() => (window as unknown as Win).Switchboard('setAttributes', { plan: 'pro-annual' }));
  const text = marker('After the pre-chat');
  await visitorSend(page, text);
  await sent(page);

  const ana = await signIn(browser, server, 'ana@demo.test');
  const item = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: text });
  await expect(item).toContainText(name);
  await claim(ana, text);
  await expect(ana.getByText('grace@example.com').first()).toBeVisible();
  await expect(ana.getByText('pro-annual')).toBeVisible();
  await context.close();
  await ana.context().close();
});

// ------------------------------------------------------------------ conversation UX

test('the agent’s typing shows "typing", a message the agent read shows "Seen"', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Typing and read receipts');
  await visitorSend(visitor, opening);
  await sent(visitor);
  const log = visitor.getByRole('log');
  const seen = log.getByText(/· Seen/);
  await expect(seen).toHaveCount(0);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await expect(seen).toBeVisible();
  await ana.getByRole('textbox', { name: 'Reply' }).pressSequentially('Let me check');
  const typing = visitor.getByRole('dialog').getByText(/typing/);
  await expect(typing).toBeVisible();
  await expect(typing).toContainText('Ana');
  await ana.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(log.getByText('Let me check')).toBeVisible();
  await expect(typing).toHaveCount(0);
  await visitor.context().close();
  await ana.context().close();
});

test('a message the server refuses is marked "Not sent" with a Retry that sends it once', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let refuse = true;
  await page.routeWebSocket(/\/ws\/visitor/, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type === 'send' && refuse) {
        refuse = false;
        ws.send(
          JSON.stringify({ type: 'error', code: 'SB_ERR_BAD_FRAME', message: 'refused', cid: frame.cid }),
        );
        return;
      }
      upstream.send(raw);
    });
    upstream.onMessage((raw) => ws.send(raw));
  });
  await page.goto(`${server.url}/demo`);
  await launcherOf(page).click();
  const text = marker('Refused once');
  await visitorSend(page, text);
  const log = page.getByRole('log');
  await expect(log.getByText('Not sent')).toBeVisible();
  await log.getByRole('button', { name: 'Retry' }).click();
  await expect(log.getByText('Not sent')).toHaveCount(0);
  await sent(page);
  await expect(log.getByText(text)).toHaveCount(1);
  await page.reload(); // from the server's history now, still once
  await launcherOf(page).click();
  await expect(page.getByRole('log').getByText(text)).toHaveCount(1);
  await context.close();
});

test('URLs become safe links, emoji and markup stay text, and a long word wraps inside the bubble', async ({
  browser,
  server,
}) => {
  const page = await openVisitor(browser, server);
  const log = page.getByRole('log');
  await visitorSend(page, 'Look at https://example.com/a?b=1, or javascript:alert(1) <b>bold</b> 🎉👍🏽');
  await sent(page);
  const link = log.getByRole('link', { name: 'https://example.com/a?b=1' });
  await expect(link).toHaveAttribute('href', 'https://example.com/a?b=1');
  await expect(link).toHaveAttribute('target', '_blank');
  const rel = ((await link.getAttribute('rel')) ?? '').split(/\s+/);
  expect(rel).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));
  await expect(log.getByRole('link')).toHaveCount(1); // no javascript: link
  await expect(log.getByText('<b>bold</b> 🎉👍🏽')).toBeVisible();
  expect(
    await page.locator('#switchboard-widget').evaluate((h) => h.shadowRoot?.querySelector('b, img')),
  ).toBe(null);

  const word = `long${'x'.repeat(400)}`;
  await visitorSend(page, word);
  await sent(page);
  const bubble = log.getByText(word);
  const fits = await bubble.evaluate((el) => {
    const logEl = el.closest('[role=log]') as HTMLElement;
    return {
      bubble: el.scrollWidth <= el.clientWidth,
      log: logEl.scrollWidth <= logEl.clientWidth,
      lines: el.getBoundingClientRect().height > 3 * Number.parseFloat(getComputedStyle(el).lineHeight),
    };
  });
  expect(fits).toEqual({ bubble: true, log: true, lines: true });
  await page.context().close();
});

test('the log sticks to the bottom unless the visitor scrolled up; then a "New messages" pill', async ({
  browser,
  server,
}) => {
  const page = await openVisitor(browser, server);
  const log = page.getByRole('log');
  const atBottom = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2);
  const opening = marker('Scroll test');
  for (let i = 0; i < 4; i++) {
    await visitorSend(page, `${opening} ${i}\n${'line\n'.repeat(10)}end`);
    await sent(page);
  }
  expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight * 1.5)).toBe(true);
  expect(await atBottom()).toBe(true);

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, `${opening} 3`);
  const first = marker('While at the bottom');
  await agentSend(ana, `${first}\n${'more\n'.repeat(8)}end`);
  await expect(log.getByText(first)).toBeVisible();
  await expect.poll(atBottom).toBe(true);
  const pill = page.getByRole('button', { name: /New messages/ });
  await expect(pill).toHaveCount(0);

  await log.evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect.poll(() => log.evaluate((el) => el.scrollTop)).toBe(0);
  const later = marker('While scrolled up');
  await agentSend(ana, later);
  await expect(pill).toBeVisible();
  expect(await log.evaluate((el) => el.scrollTop)).toBe(0); // not yanked down
  await pill.click();
  await expect.poll(atBottom).toBe(true);
  await expect(log.getByText(later)).toBeInViewport();
  await expect(pill).toHaveCount(0);
  await page.context().close();
  await ana.context().close();
});

// ------------------------------------------------------------------ many tabs, sound, unread

test('two tabs with data-sound: one beep for a reply, one unread count, read in one tab is read in both; no beep without data-sound', async ({
  browser,
  server,
}) => {
  const countBeeps = () => {
    const w = window as unknown as { beeps: number };
    w.beeps = 0;
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      w.beeps++;
      return create.call(this);
    };
  };
  const beeps = (p: Page) => p.evaluate(() => (window as unknown as { beeps: number }).beeps);
  const context = await browser.newContext();
  await context.addInitScript(countBeeps);
  const url = await hostPage(context, server, tag('data-sound="true"'));
  const a = await context.newPage();
  await a.goto(url);
  const b = await context.newPage();
  await b.goto(url);
  await b.getByRole('heading', { name: 'Host page' }).click(); // a user gesture in both tabs
  await launcherOf(a).click();
  const opening = marker('Sound test');
  await visitorSend(a, opening);
  await sent(a);
  await a.keyboard.press('Escape');
  await expect(b.getByRole('dialog')).toBeHidden();

  const quiet = await browser.newContext();
  await quiet.addInitScript(countBeeps);
  const q = await quiet.newPage();
  await hostPage(q, server, tag());
  await launcherOf(q).click();
  const quietOpening = marker('No sound test');
  await visitorSend(q, quietOpening);
  await sent(q);
  await q.keyboard.press('Escape');

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await agentSend(ana, marker('Ding'));
  await expect(a.getByRole('button', { name: /chat.*1/i })).toBeVisible();
  await expect(b.getByRole('button', { name: /chat.*1/i })).toBeVisible();
  expect((await beeps(a)) + (await beeps(b))).toBe(1);

  // Reading in tab A (open, then close) clears the count in tab B too.
  await launcherOf(a).click();
  await a.keyboard.press('Escape');
  await expect(b.getByRole('button', { name: /chat/i })).toHaveAccessibleName(/^[^0-9]*$/);

  await claim(ana, quietOpening);
  await agentSend(ana, marker('Silent'));
  await expect(q.getByRole('button', { name: /chat.*1/i })).toBeVisible();
  expect(await beeps(q)).toBe(0);
  await context.close();
  await quiet.close();
  await ana.context().close();
});

// ------------------------------------------------------------------ accessibility

test('keyboard only: Tab reaches the launcher, focus is visible, the panel is operable in order', async ({
  browser,
  server,
}) => {
  const page = await browser.newPage();
  await hostPage(page, server, tag());
  const launcher = launcherOf(page);
  await page.locator('#host-button').focus();
  await page.keyboard.press('Tab');
  await expect(launcher).toBeFocused();
  const outline = (name: string | RegExp) =>
    page
      .getByRole('button', { name })
      .evaluate((el) => [
        getComputedStyle(el).outlineStyle,
        Number.parseFloat(getComputedStyle(el).outlineWidth),
      ]);
  expect(await outline(/chat/i)).toEqual(['solid', expect.any(Number)]);
  expect((await outline(/chat/i))[1]).toBeGreaterThanOrEqual(2);

  await page.keyboard.press('Enter');
  const box = page.getByRole('textbox', { name: 'Message' });
  await expect(box).toBeFocused();
  const text = marker('Typed with the keyboard');
  await page.keyboard.type(text);
  // The message box, then "Attach file", then Send: the order they are shown in.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Attach file' })).toBeFocused();
  expect((await outline('Attach file'))[0]).toBe('solid');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeFocused();
  expect((await outline('Send'))[0]).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('log').getByText(text)).toBeVisible();
  await expect(box).toBeFocused();

  // Backwards, the header's Close button comes before the message box.
  const close = page.getByRole('button', { name: 'Close' });
  for (let i = 0; i < 3 && !(await close.evaluate((el) => el.matches(':focus'))); i++) {
    await page.keyboard.press('Shift+Tab');
  }
  await expect(close).toBeFocused();
  expect((await outline('Close'))[0]).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(launcher).toBeFocused();
  await page.context().close();
});

test('reduced motion: the panel does not animate when the visitor asks for less motion', async ({
  browser,
  server,
}) => {
  for (const [reducedMotion, animated] of [
    ['no-preference', true],
    ['reduce', false],
  ] as const) {
    const context = await browser.newContext({ reducedMotion });
    const page = await context.newPage();
    await hostPage(page, server, tag());
    await launcherOf(page).click();
    const name = await page.getByRole('dialog').evaluate((el) => getComputedStyle(el).animationName);
    expect(name !== 'none', reducedMotion).toBe(animated);
    await context.close();
  }
});

test('data-color contrast: light brands get dark text, dark ones white; open shadow root, live log, no axe violations', async ({
  browser,
  server,
}) => {
  for (const [color, text] of [
    ['#fde047', 'rgb(17, 24, 39)'],
    ['#1e3a8a', 'rgb(255, 255, 255)'],
    ['hsl(140 70% 60%)', 'rgb(17, 24, 39)'],
  ] as const) {
    const page = await (await browser.newContext()).newPage();
    await hostPage(page, server, tag(`data-color="${color}"`));
    await expect(launcherOf(page)).toHaveCSS('color', text);
    await launcherOf(page).click();
    await expect(page.locator('.head')).toHaveCSS('color', text);
    await visitorSend(page, marker('Contrast'));
    await sent(page);
    expect(await page.locator('#switchboard-widget').evaluate((h) => h.shadowRoot?.mode)).toBe('open');
    await expect(page.getByRole('log')).toHaveAttribute('aria-live', 'polite');
    const results = await new AxeBuilder({ page }).include('#switchboard-widget').analyze();
    expect(results.violations.map((v) => `${color} ${v.id}: ${v.help}`)).toEqual([]);
    await page.context().close();
  }
});

// ------------------------------------------------------------------ i18n

test('every locale by data-locale or navigator.language, with Intl times', async ({ browser, server }) => {
  const labels = new Set<string>();
  for (const locale of ['en', 'es', 'de', 'fr', 'hi', 'ar']) {
    const page = await browser.newPage();
    await hostPage(page, server, tag(`data-locale="${locale}" data-open="true"`));
    const dialog = page.getByRole('dialog');
    await expect(dialog).toHaveAttribute('lang', locale);
    await expect(dialog).toHaveAttribute('dir', locale === 'ar' ? 'rtl' : 'ltr');
    // English is built in; another locale's strings arrive from the server once, then are kept.
    if (locale !== 'en')
      await expect(dialog.locator('textarea')).not.toHaveAttribute('placeholder', 'Write a message…');
    labels.add((await dialog.locator('textarea').getAttribute('placeholder')) ?? '');
    await page.context().close();
  }
  expect(labels.size).toBe(6); // each locale has its own strings

  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await hostPage(page, server, tag('data-open="true"'));
  await expect(page.getByRole('dialog')).toHaveAttribute('lang', 'de');
  await context.close();

  const ar = await browser.newPage();
  await hostPage(ar, server, tag('data-locale="ar" data-open="true"'));
  await ar.locator('textarea').fill(marker('Arabic time'));
  await ar.keyboard.press('Enter');
  const time = ar.getByRole('log').locator('time').last();
  await expect(ar.getByRole('log').locator('time')).not.toHaveCount(0);
  const [shown, expected, english] = await time.evaluate((el) => {
    const at = new Date(el.getAttribute('datetime') ?? '');
    const clock = (l: string) =>
      new Intl.DateTimeFormat(l, { hour: 'numeric', minute: '2-digit' }).format(at);
    return [el.textContent, clock('ar'), clock('en')];
  });
  expect(shown).toBe(expected);
  expect(shown).not.toBe(english); // an Arabic clock, not an English one
  await ar.context().close();
});

// ------------------------------------------------------------------ mobile

test('on a phone every control is at least 44 px and the panel pads for the safe areas', async ({
  browser,
  server,
}) => {
  const page = await phonePage(browser);
  await hostPage(page, server, tag('data-prechat="name"'));
  const small = () =>
    page.locator('#switchboard-widget').evaluate((host) =>
      [...(host.shadowRoot?.querySelectorAll('button, input, textarea, a') ?? [])]
        .map((el) => [el.getAttribute('aria-label') ?? el.textContent, el.getBoundingClientRect()] as const)
        .filter(([, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
        .map(([name, r]) => `${name} ${r.width}×${r.height}`),
    );
  await expect(launcherOf(page)).toBeVisible();
  expect(await small()).toEqual([]);
  await launcherOf(page).click();
  await expect(page.getByRole('button', { name: 'Start chat' })).toBeVisible();
  expect(await small()).toEqual([]);
  await page.getByRole('textbox', { name: 'Name' }).fill('Phone user');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('textbox', { name: 'Message' }).fill('typed');
  expect(await small()).toEqual([]);

  const head = page.locator('.head');
  const composer = page.locator('.composer');
  const pad = async () => [
    Number.parseFloat(await head.evaluate((el) => getComputedStyle(el).paddingTop)),
    Number.parseFloat(await composer.evaluate((el) => getComputedStyle(el).paddingBottom)),
  ];
  expect(await pad()).toEqual([14, 12]);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send(
    'Emulation.setSafeAreaInsetsOverride' as 'Emulation.setDeviceMetricsOverride',
    {
      insets: { top: 47, bottom: 34, left: 0, right: 0 },
    } as never,
  );
  await expect.poll(pad).toEqual([47, 34]);
  await page.context().close();
});

// ------------------------------------------------------------------ isolation

test('the hostile page (html rtl, [role] outlines, Comic Sans) does not restyle the widget', async ({
  browser,
  server,
}) => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/demo/strict`);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).direction)).toBe('rtl');
  const launcher = launcherOf(page);
  const box = await launcher.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box && box.x > width / 2).toBe(true); // data-position right, not mirrored by the host
  await launcher.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toHaveAttribute('dir', 'ltr');
  const style = await dialog.evaluate((el) => {
    const s = getComputedStyle(el);
    return { outline: s.outlineStyle, font: s.fontFamily, direction: s.direction };
  });
  expect(style.outline).not.toBe('dashed');
  expect(style.font).not.toMatch(/Comic/);
  expect(style.direction).toBe('ltr');
  await page.context().close();
});

// ------------------------------------------------------------------ speed and lifecycle

test('the launcher appears without waiting for the server; the socket opens only when needed', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const w = window as unknown as { net: string[] };
    w.net = [];
    const f = window.fetch;
    window.fetch = (input, init) => {
      w.net.push(`fetch ${String(input instanceof Request ? input.url : input)}`);
      return f(input, init);
    };
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        w.net.push(`ws ${String(url).split('?')[0]}`);
      }
    };
  });
  const net = (p: Page) => p.evaluate(() => (window as unknown as { net: string[] }).net);
  const settled = (p: Page) =>
    p.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r)))).then(() => net(p));
  // The session request never gets an answer: the launcher must not care.
  await context.route('**/api/visitor/session', () => {});
  const url = await hostPage(context, server, tag());
  const page = await context.newPage();
  await page.goto(url);
  await expect(launcherOf(page)).toBeVisible();
  // Nobody asked: no session, no socket — only, after the page's load, the site's proactive
  // messages (one GET, cached by the browser for a minute).
  expect(await settled(page)).toEqual([expect.stringMatching(/^fetch .*\/api\/sites\/demo\/proactive$/)]);

  await context.unroute('**/api/visitor/session');
  await page.reload();
  await launcherOf(page).click();
  await expect.poll(() => net(page)).toContainEqual(expect.stringMatching(/^ws .*\/ws\/visitor$/));
  const text = marker('Restore my unread');
  await visitorSend(page, text);
  await sent(page);

  // A visitor with a conversation connects at load (to restore the unread badge), panel closed.
  const again = await context.newPage();
  await again.goto(url);
  await page.close();
  await expect.poll(() => net(again)).toContainEqual(expect.stringMatching(/^ws .*\/ws\/visitor$/));
  await expect(again.getByRole('dialog')).toHaveCount(0);

  // An identified user connects at load too (a notification may come for them), by tag or by API.
  const identified = await browser.newContext();
  await identified.addInitScript(() => {
    const w = window as unknown as { ws: number };
    w.ws = 0;
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        w.ws++;
      }
    };
  });
  const byTag = await identified.newPage();
  await hostPage(byTag, server, tag('data-user-id="audit-u1" data-user-hash="00"'));
  await expect.poll(() => byTag.evaluate(() => (window as unknown as { ws: number }).ws)).toBe(1);
  await identified.close();
  const byApi = await browser.newContext();
  const api = await byApi.newPage();
  const opened = api.waitForEvent('websocket', (ws) => ws.url().includes('/ws/visitor'));
  await hostPage(
    api,
    server,
    tag('async'),
    `<script>window.Switchboard=window.Switchboard||function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};Switchboard('identify',{id:'audit-u2',hash:'00'});</script>`,
  );
  await expect(launcherOf(api)).toBeVisible();
  await opened;
  await expect(api.getByRole('dialog')).toHaveCount(0);
  await byApi.close();
  await context.close();
});

test('shutdown removes every node, listener, timer, socket, channel and lock it made; open boots again cleanly', async ({
  browser,
  server,
}) => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    const listeners = new Map<string, number>();
    const timers = new Set<number>();
    const sockets: WebSocket[] = [];
    const channels: { closed: boolean }[] = [];
    let tracking = false;
    let after = 0; // sockets created after shutdown
    w.track = (on: boolean) => {
      tracking = on;
    };
    w.markShutdown = () => {
      after = 0;
      w.shut = true;
    };
    const targets = () => [window, document, document.documentElement, window.visualViewport];
    const ids = new WeakMap<object, number>();
    let nextId = 1;
    const key = (t: EventTarget, type: string, fn: unknown) => {
      if (fn && typeof fn === 'object' && !ids.has(fn)) ids.set(fn, nextId++);
      if (typeof fn === 'function' && !ids.has(fn)) ids.set(fn, nextId++);
      return `${targets().indexOf(t as never)} ${type} ${ids.get(fn as object)}`;
    };
    const add = EventTarget.prototype.addEventListener;
    const remove = EventTarget.prototype.removeEventListener;
    EventTarget.prototype.addEventListener = function (type, fn, opts) {
      if (tracking && targets().includes(this as never)) {
        const k = key(this, type, fn);
        listeners.set(k, (listeners.get(k) ?? 0) + 1);
        // Added with a signal: aborting it removes the listener (as removeEventListener would).
        const signal = typeof opts === 'object' ? opts?.signal : undefined;
        signal?.addEventListener('abort', () => listeners.delete(k), { once: true });
      }
      return add.call(this, type, fn, opts);
    };
    EventTarget.prototype.removeEventListener = function (type, fn, opts) {
      const k = key(this, type, fn);
      if (listeners.has(k)) listeners.delete(k);
      return remove.call(this, type, fn, opts);
    };
    const st = window.setTimeout;
    const ct = window.clearTimeout;
    const si = window.setInterval;
    const ci = window.clearInterval;
    const intervals = new Set<number>();
    window.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
      if (!tracking) return st(fn, ms, ...rest);
      const id = st(() => {
        timers.delete(id);
        fn(...(rest as []));
      }, ms);
      timers.add(id);
      return id;
    }) as typeof setTimeout;
    window.clearTimeout = ((id?: number) => {
      if (id !== undefined) timers.delete(id);
      ct(id);
    }) as typeof clearTimeout;
    window.setInterval = ((fn: () => void, ms?: number) => {
      const id = si(fn, ms);
      if (tracking) intervals.add(id);
      return id;
    }) as typeof setInterval;
    window.clearInterval = ((id?: number) => {
      if (id !== undefined) intervals.delete(id);
      ci(id);
    }) as typeof clearInterval;
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
        if (w.shut) after++;
      }
    };
    const BC = window.BroadcastChannel;
    window.BroadcastChannel = class extends BC {
      closed = false;
      constructor(name: string) {
        super(name);
        channels.push(this);
      }
      override close() {
        this.closed = true;
        super.close();
      }
    };
    w.report = async () => ({
      listeners: [...listeners.keys()],
      timers: timers.size,
      intervals: intervals.size,
      openSockets: sockets.filter((s) => s.readyState < 2).length,
      sockets: sockets.length,
      openChannels: channels.filter((c) => !c.closed).length,
      channels: channels.length,
      locks: ((await navigator.locks.query()).held ?? []).length,
      after,
      host: document.querySelectorAll('#switchboard-widget').length,
      overflow: document.documentElement.getAttribute('style'),
      title: document.title,
    });
  });
  const page = await context.newPage();
  await hostPage(page, server, '');
  await page.evaluate((src) => {
    (window as unknown as { track: (on: boolean) => void }).track(true);
    const s = document.createElement('script');
    s.src = src;
    s.dataset.site = 'demo';
    s.dataset.sound = 'true';
    document.body.appendChild(s);
  }, `${server.url}/widget.js`);
  const report = () =>
    page.evaluate(() => (window as unknown as { report: () => Promise<Record<string, unknown>> }).report());
  await launcherOf(page).click();
  await visitorSend(page, marker('Before shutdown'));
  await sent(page);
  const running = await report();
  expect(running).toMatchObject({ openSockets: 1, openChannels: 1, locks: 1, host: 1 });
  expect((running.listeners as string[]).length).toBeGreaterThan(0);

  await page.evaluate(() => {
    (window as unknown as { markShutdown: () => void }).markShutdown();
    (window as unknown as Win).Switchboard('shutdown');
  });
  await expect.poll(async () => (await report()).timers).toBe(0);
  expect(await report()).toMatchObject({
    listeners: [],
    intervals: 0,
    openSockets: 0,
    openChannels: 0,
    locks: 0,
    host: 0,
    overflow: null,
    title: 'Host shop',
  });
  expect((await report()).after).toBe(0); // no socket was opened after shutdown (timers all ran out above)

  await page.evaluate(() => (window as unknown as Win).Switchboard('open'));
  await expect(page.getByRole('dialog')).toBeVisible();
  const text = marker('After a clean reboot');
  await visitorSend(page, text);
  await sent(page);
  await expect(page.getByRole('log').getByText(text)).toHaveCount(1);
  expect(await report()).toMatchObject({ openSockets: 1, openChannels: 1, locks: 1, host: 1 });
  await context.close();
});
