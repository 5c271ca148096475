import { readFile } from 'node:fs/promises';
import { type Browser, type BrowserContext, test as base, type Page } from '@playwright/test';
import { PDF, PNG } from '../../server/test/fixture-files.js';
import { SmtpReceiver } from '../../server/test/smtp-receiver.js';
import { Receiver } from '../../server/test/webhook-receiver.js';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, attachFiles, claim, expect, visitorSend } from './support/fixtures.js';
import { NAUGHTY_STRINGS, pack, XSS_PAYLOADS } from './support/xss-corpus.js';

// XSS corpus (issue 17): 95 payloads and the Big List of Naughty Strings go both ways —
// visitor → console, agent → widget, the shop's notify push, the mails, the transcript and
// the webhooks — in real chromium, with `window.__pwned` and dialogs trapped on every page.
// Its own server: mail to a real SMTP receiver at once, webhooks to a loopback receiver.
const test = base.extend<{ env: { server: ServerProcess; mail: SmtpReceiver; hooks: Receiver } }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  env: async ({}, use) => {
    const mail = new SmtpReceiver();
    const smtpUrl = await mail.start();
    const hooks = new Receiver(0);
    await hooks.start();
    const server = new ServerProcess(e2ePort(150 + (process.pid % 10)), {
      SMTP_URL: smtpUrl,
      MAIL_FROM: 'Demo Shop <support@demo.test>',
      MAIL_REPLY_DELAY_MS: '0',
      MAIL_DIGEST_DELAY_MS: '0',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_POLL_MS: '100',
    });
    await server.start();
    await use({ server, mail, hooks });
    await server.dispose();
    await hooks.stop();
    await mail.close();
  },
});

/** Records anything that ran: a write to `__pwned` (any frame), a dialog, a CSP violation. */
class Trap {
  readonly hits: string[] = [];

  async arm(context: BrowserContext): Promise<void> {
    await context.exposeBinding('__xssHit', ({ frame }, what: string) => {
      this.hits.push(`${what} (in ${frame.url()})`);
    });
    await context.addInitScript(() => {
      const hit = (what: string) => (window as unknown as { __xssHit(w: string): void }).__xssHit(what);
      Object.defineProperty(window, '__pwned', {
        configurable: false,
        get: () => undefined,
        set: (v: unknown) => hit(`__pwned = ${String(v)}`),
      });
      document.addEventListener('securitypolicyviolation', (e) =>
        hit(`CSP ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    context.on('dialog', (d) => {
      this.hits.push(`${d.type()} dialog: ${d.message()} (in ${d.page()?.url()})`);
      void d.dismiss();
    });
  }

  async context(browser: Browser): Promise<BrowserContext> {
    const context = await browser.newContext();
    await this.arm(context);
    return context;
  }
}

/**
 * Elements a message could only have made: event-handler attributes, script-ish URLs, frames,
 * scripts in the body (but the page's own), the corpus's `src=x` images. Searched in the document and every open
 * shadow root (the widget's).
 */
function injected(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const bad = /^(script|iframe|frame|frameset|object|embed|marquee|plaintext|xmp|math|base|x|isindex)$/;
    const scan = (root: ParentNode) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (el.shadowRoot) scan(el.shadowRoot);
        const tag = el.tagName.toLowerCase();
        // The page's own scripts (the widget tag, the console's bundle) load from the server.
        const own = tag === 'script' && /^\/[\w-]/.test(el.getAttribute('src') ?? '');
        const flagged =
          (bad.test(tag) && !own) ||
          (tag === 'img' && el.getAttribute('src') === 'x') ||
          el.getAttributeNames().some((a) => a.startsWith('on') || a === 'srcdoc' || a === 'formaction') ||
          ['href', 'src', 'action', 'data', 'xlink:href'].some((a) =>
            /^\s*(javascript|data|vbscript):/i.test(el.getAttribute(a) ?? ''),
          );
        if (flagged) out.push(el.outerHTML.slice(0, 200));
      }
    };
    scan(document.body);
    return out;
  });
}

/** The texts of the elements matching `selector` (Playwright's CSS pierces open shadow roots). */
const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function login(server: ServerProcess, email: string): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo1234' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function call<T>(server: ServerProcess, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

/** Signs an agent in to the console, in a trapped context. */
async function agentConsole(trap: Trap, browser: Browser, server: ServerProcess, email: string) {
  const page = await (await trap.context(browser)).newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill('demo1234');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('list', { name: 'Queue', exact: true })).toBeVisible();
  return page;
}

test('an XSS corpus and the naughty strings stay text in the widget, the console, notify, mails, transcripts and webhooks', async ({
  browser,
  env,
}) => {
  test.setTimeout(240_000);
  const { server, mail, hooks } = env;
  const trap = new Trap();
  const tag = `x${Math.random().toString(36).slice(2, 8)}`;

  await test.step('the trap catches a real injection (so a green run means something)', async () => {
    const page = await (await trap.context(browser)).newPage();
    const url = `${server.url}/demo/trap-${tag}`;
    await page.route(url, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><title>trap</title><img src=x onerror=top.__pwned=1><iframe srcdoc="<script>parent.__pwned=2</script>"></iframe><script>alert('naughty')</script>`,
      }),
    );
    await page.goto(url);
    await expect.poll(() => trap.hits.length).toBe(3);
    const caught = trap.hits.join('\n');
    for (const hit of ['__pwned = 1', '__pwned = 2', 'alert dialog: naughty']) expect(caught).toContain(hit);
    expect(await injected(page)).toHaveLength(3);
    trap.hits.splice(0);
    await page.context().close();
  });

  // Webhooks for every message, an API key for notify; the agent's own name is a payload too.
  const adminToken = await login(server, 'admin@demo.test');
  const hook = await call<{ secret: string }>(server, adminToken, 'POST', '/api/v1/sites/demo/webhooks', {
    url: hooks.url,
    events: ['message.created'],
  });
  hooks.secret = hook.secret;
  const { key } = await call<{ key: string }>(server, adminToken, 'POST', '/api/v1/sites/demo/api-keys', {
    name: 'xss',
  });
  const agentName = 'Ana <img src=x onerror=top.__pwned=1>';
  await call(server, await login(server, 'ana@demo.test'), 'PATCH', '/api/me', { name: agentName });

  // The shopper: page title, identity and attributes are payloads as well.
  const title = '</title><script>top.__pwned=1</script><img src=x onerror=top.__pwned=1>';
  const name = '<img src=x onerror=top.__pwned=1>"><svg onload=top.__pwned=1>';
  const email = `xss+{{top.__pwned=1}}\${top.__pwned=1}@example.test`;
  const short = XSS_PAYLOADS.filter((p) => p.length <= 64);
  const attributes = Object.fromEntries(
    short.slice(0, 12).map((k, i) => [k, XSS_PAYLOADS[XSS_PAYLOADS.length - 1 - i] as string]),
  );
  const shop = await trap.context(browser);
  const shopUrl = `${server.url}/demo/xss-${tag}`;
  await shop.route(shopUrl, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><script>window.Switchboard=window.Switchboard||function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};Switchboard('identify',${json({ id: `xss-${tag}`, name, email })});</script></head><body><h1>Shop</h1><script src="/widget.js" data-site="demo"></script></body></html>`,
    }),
  );
  let visitor = await shop.newPage();
  await visitor.goto(shopUrl);
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect(visitor.getByRole('textbox', { name: 'Message' })).toBeVisible();
  // Once the chat is open: a setAttributes queued in the snippet runs before this tab holds the
  // leader lock, and client.profile then only posts it to the (absent) other tabs: it is lost.
  await visitor.evaluate(
    (a) =>
      (window as unknown as { Switchboard(c: string, a: unknown): void }).Switchboard('setAttributes', a),
    attributes,
  );

  const corpus = pack(`XSS ${tag} corpus`, XSS_PAYLOADS, 700);
  const naughty = pack(`XSS ${tag} naughty`, NAUGHTY_STRINGS);
  const fromVisitor = [...corpus, ...naughty];
  const allSent: string[] = [...fromVisitor];

  await test.step('visitor → widget: every message shows exactly as typed', async () => {
    for (const text of fromVisitor) await visitorSend(visitor, text);
    await expect.poll(() => texts(visitor, '.row.mine .bubble')).toEqual(fromVisitor);
    await expect(visitor.getByRole('log').getByText(/Sending/)).toHaveCount(0);
    expect(await injected(visitor)).toEqual([]);
  });

  await test.step('nobody online: the agents’ digest mail carries the texts, as plain text only', async () => {
    const digests = () => mail.mails.filter((m) => m.subject.includes('waiting') && m.text.includes(tag));
    await expect.poll(() => digests().length).toBeGreaterThan(0);
    for (const m of digests()) {
      expect(m.html).toBe(false);
      expect(m.text).toContain(`${name} <${email}>`);
    }
    expect(fromVisitor.some((t) => digests().some((m) => m.text.includes(t)))).toBe(true);
  });

  const ana = await agentConsole(trap, browser, server, 'ana@demo.test');
  const last = fromVisitor.at(-1) as string;

  await test.step('console: the queue item, the open conversation and the visitor panel show text', async () => {
    const item = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: tag });
    await expect(item.locator('.conv-name')).toHaveText(name);
    const preview = (await item.locator('.conv-preview').textContent()) ?? '';
    expect(preview.length).toBeGreaterThan(20);
    expect(last.startsWith(preview)).toBe(true);
    expect(await injected(ana)).toEqual([]);

    await claim(ana, tag);
    await expect.poll(() => texts(ana, '.line-visitor .bubble')).toEqual(fromVisitor);
    const panel = ana.locator('.visitor');
    await expect(panel.locator('h2')).toHaveText(name);
    await expect(panel.getByRole('link', { name: email })).toBeVisible();
    const facts = await panel
      .locator('dl.facts')
      .nth(1)
      .evaluate((dl) => {
        const dts = Array.from(dl.querySelectorAll('dt'));
        return Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
      });
    expect(facts).toEqual(attributes);
    await expect(panel.locator('.page-title').first()).toHaveText(title);
    expect(await injected(ana)).toEqual([]);
  });

  const replies = pack(`XSS ${tag} reply`, [...XSS_PAYLOADS].reverse(), 700);
  await test.step('agent → widget: the replies and the agent’s name show as text', async () => {
    for (const text of replies) await agentSend(ana, text);
    allSent.push(...replies);
    await expect.poll(() => texts(visitor, '.row.theirs:not(.greeting) .bubble')).toEqual(replies);
    await expect(visitor.getByRole('log').getByText(agentName).first()).toBeVisible();
    expect(await injected(visitor)).toEqual([]);
    await expect.poll(() => texts(ana, '.line-agent .bubble')).toEqual(replies);
    await ana.setViewportSize({ width: 1440, height: 900 });
    await ana.screenshot({ path: test.info().outputPath('xss-console.png') });
  });

  const mailed = pack(`XSS ${tag} mailed`, NAUGHTY_STRINGS);
  await test.step('the visitor left: the replies are mailed, as plain text only, verbatim', async () => {
    await visitor.close();
    await expect(ana.locator('.visitor-online')).toHaveText('Offline');
    for (const text of mailed) await agentSend(ana, text);
    allSent.push(...mailed);
    const toVisitor = () => mail.mails.filter((m) => m.to === email);
    await expect
      .poll(() => mailed.filter((t) => !toVisitor().some((m) => m.text.includes(t))).length)
      .toBe(0);
    for (const m of toVisitor()) {
      expect(m.html).toBe(false);
      expect(m.text).toContain(`${agentName}: `);
    }
    // Shown the way a mail client shows a text/plain part: nothing in it runs.
    const reader = await (await trap.context(browser)).newPage();
    const mailUrl = `${server.url}/mail-${tag}.txt`;
    await reader.route(mailUrl, (route) =>
      route.fulfill({
        contentType: 'text/plain; charset=utf-8',
        body: toVisitor()
          .map((m) => m.text)
          .join('\n'),
      }),
    );
    await reader.goto(mailUrl);
    await expect(reader.getByText(mailed[0]?.split('\n')[0] as string)).toBeVisible();
    expect(await injected(reader)).toEqual([]);
  });

  await test.step('back in the shop: the mailed replies, then the shop’s notify pushes, show as text', async () => {
    visitor = await shop.newPage();
    await visitor.goto(shopUrl);
    await visitor.getByRole('button', { name: /chat/i }).click();
    await expect
      .poll(() => texts(visitor, '.row.theirs:not(.greeting) .bubble'))
      .toEqual([...replies, ...mailed]);
    await expect(ana.locator('.visitor-online')).toHaveText('Online now');

    const visitorId = await visitor.evaluate(() => localStorage.getItem('sb:demo:vid'));
    expect(visitorId).toMatch(/^v_/);
    const notices = pack(`XSS ${tag} notice`, XSS_PAYLOADS, 700);
    for (const [i, text] of notices.entries()) {
      const res = await fetch(`${server.url}/api/v1/sites/demo/notify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          visitorId,
          text,
          title: XSS_PAYLOADS[i],
          url: 'https://shop.example/orders/1?"><script>top.__pwned=1</script>',
          id: `${tag}-${i}`,
        }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ delivered: true });
    }
    allSent.push(...notices);
    await expect.poll(() => texts(visitor, 'p.sys')).toEqual(expect.arrayContaining(notices));
    expect(await injected(visitor)).toEqual([]);
    await expect.poll(() => texts(ana, '.line-system span')).toEqual(expect.arrayContaining(notices));
    expect(await injected(ana)).toEqual([]);
  });

  await test.step('transcript downloads carry the texts verbatim, served as inert files', async () => {
    const panel = ana.locator('.visitor');
    const [textFile] = await Promise.all([
      ana.waitForEvent('download'),
      panel.getByRole('button', { name: 'Text', exact: true }).click(),
    ]);
    const transcript = await readFile((await textFile.path()) as string, 'utf8');
    for (const t of allSent) expect(transcript).toContain(t);
    const [jsonFile] = await Promise.all([
      ana.waitForEvent('download'),
      panel.getByRole('button', { name: 'JSON', exact: true }).click(),
    ]);
    const data = JSON.parse(await readFile((await jsonFile.path()) as string, 'utf8')) as {
      visitor: { name: string; email: string; attributes: Record<string, string> };
      messages: { text: string }[];
    };
    expect(data.messages.map((m) => m.text)).toEqual(expect.arrayContaining(allSent));
    expect(data.visitor).toMatchObject({ name, email, attributes });

    const conversationId = /transcript-(c_[\w-]+)\.txt/.exec(textFile.suggestedFilename())?.[1];
    const res = await fetch(
      `${server.url}/api/v1/sites/demo/conversations/${conversationId}/transcript?format=text`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
  });

  await test.step('search results and the read-only transcript show text', async () => {
    await ana.getByRole('button', { name: 'Close conversation' }).click();
    await expect(
      visitor
        .getByRole('log')
        .getByText(/closed/i)
        .first(),
    ).toBeVisible();
    const box = ana.getByRole('searchbox', { name: 'Search conversations' });
    await box.fill(tag);
    await box.press('Enter');
    const hit = ana.getByRole('list', { name: /Results for/ }).getByRole('listitem');
    await expect(hit).toHaveCount(1);
    await expect(hit.locator('strong')).toHaveText(name);
    await expect(hit.locator('mark').first()).toBeVisible();
    expect(await injected(ana)).toEqual([]);
    await hit.getByRole('button').click();
    const log = ana.getByRole('log', { name });
    await expect(log).toBeVisible();
    await expect
      .poll(() => texts(ana, '.transcript .bubble'))
      .toEqual([...fromVisitor, ...replies, ...mailed]);
    expect(await injected(ana)).toEqual([]);
  });

  await test.step('webhooks: each message’s text arrives as the same JSON string', async () => {
    const delivered = () =>
      [...hooks.accepted().values()]
        .filter((a) => a.type === 'message.created')
        .map((a) => (a.body.data.message as { text: string }).text);
    await expect.poll(() => allSent.filter((t) => !delivered().includes(t)).length).toBe(0);
    expect(hooks.attempts.every((a) => a.signatureOk)).toBe(true);
  });

  // Nothing ran anywhere, and the payloads read literally.
  for (const payload of [
    '<script>window.__pwned=1</script>',
    '<img src=x onerror=top.__pwned=1>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '[click here](javascript:top.__pwned=1)',
    "{{constructor.constructor('top.__pwned=1')()}}",
    '&lt;script&gt;top.__pwned=1&lt;/script&gt;',
  ]) {
    await expect(visitor.getByRole('log').getByText(payload, { exact: false }).first()).toBeVisible();
    await expect(ana.getByRole('log').getByText(payload, { exact: false }).first()).toBeVisible();
  }
  expect(trap.hits).toEqual([]);
});

test('file names from the corpus stay text both ways: the widget’s and the console’s links, images and uploads list', async ({
  browser,
  env,
}) => {
  const { server } = env;
  const trap = new Trap();
  const tag = Math.random().toString(36).slice(2, 8);
  // Names as a browser can send them: no path separators; no control or bidi characters
  // (the server removes those, so they would not read back verbatim).
  const names = XSS_PAYLOADS.filter((p) => p.length <= 80 && !/[\\/\p{Cc}\p{Cf}]/u.test(p))
    .slice(0, 6)
    .map((p, i) => `${p} ${i}.png`);
  expect(names.length).toBe(6);

  const visitor = await (await trap.context(browser)).newPage();
  await visitor.goto(`${server.url}/demo`);
  await visitor.getByRole('button', { name: /chat/i }).click();
  const opening = `XSS ${tag} files`;
  await visitorSend(visitor, opening);
  const ana = await agentConsole(trap, browser, server, 'ana@demo.test');
  await claim(ana, opening);
  for (const name of names.slice(0, 3)) {
    await attachFiles(visitor, { name, mimeType: 'image/png', buffer: PNG });
    await expect(visitor.getByRole('log').getByRole('img', { name, exact: true })).toBeVisible();
  }
  await attachFiles(
    ana,
    names.slice(3).map((name) => ({ name, mimeType: 'application/pdf', buffer: PDF })),
  );

  const alts = (page: Page) =>
    page.locator('.file img, .att-thumb img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')));
  await expect.poll(() => alts(ana)).toEqual(names.slice(0, 3));
  await expect.poll(() => texts(visitor, '.file:not(:has(img)) span')).toEqual(names.slice(3));
  await expect.poll(() => texts(ana, '.att-file')).toEqual(names.slice(3));
  expect(await alts(visitor)).toEqual(names.slice(0, 3));
  expect(await injected(visitor)).toEqual([]);
  expect(await injected(ana)).toEqual([]);
  expect(trap.hits).toEqual([]);
});
