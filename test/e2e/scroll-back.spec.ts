import { test as base, type Locator, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { e2ePort, ServerProcess } from '../support/server.js';
import { expect, marker, openVisitor, signIn, visitorSend } from './support/fixtures.js';

// Its own server: 500 messages need a message budget far above the default one.
const test = base.extend<{ server: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  server: async ({}, use) => {
    const server = new ServerProcess(e2ePort(95), {
      RATE_BURST: '2000',
      ADDRESS_RATE_BURST: '0',
    });
    await server.start();
    await use(server);
    await server.dispose();
  },
});

const REPLIES = 498;

/** Ana claims the conversation that shows `tag` and sends REPLIES numbered replies over a real socket. */
async function agentFloods(server: ServerProcess, tag: string): Promise<void> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ana@demo.test', password: 'demo1234' }),
  });
  const { token } = (await res.json()) as { token: string };
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/agent`, ['switchboard', token]);
  type Frame = {
    type: string;
    cid?: string;
    conversations?: { id: string; lastMessage?: { text: string } }[];
  };
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as Frame;
    frames.push(f);
    for (const w of waiters.splice(0))
      if (w.pred(f)) w.resolve(f);
      else waiters.push(w);
  });
  const next = (pred: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve) => {
      const seen = frames.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'hello', v: 1 }));
  const welcome = await next((f) => f.type === 'welcome');
  await next((f) => f.type === 'synced');
  const conv = welcome.conversations?.find((c) => c.lastMessage?.text === tag);
  if (!conv) throw new Error('conversation not found');
  ws.send(JSON.stringify({ type: 'claim', cid: 'claim', conversationId: conv.id }));
  await next((f) => f.type === 'ack' && f.cid === 'claim');
  for (let i = 1; i <= REPLIES; i++) {
    ws.send(JSON.stringify({ type: 'send', cid: `r${i}`, conversationId: conv.id, text: `reply ${i}` }));
  }
  await next((f) => f.type === 'ack' && f.cid === `r${REPLIES}`);
  ws.close();
}

/** The texts of the log's message bubbles, top to bottom. */
const texts = (log: Locator, selector: string) =>
  log.evaluate((el, sel) => [...el.querySelectorAll(sel)].map((b) => (b.textContent ?? '').trim()), selector);

/** Scrolls to the top until the first message is shown, waiting for each older page. */
async function scrollBack(page: Page, log: Locator, selector: string, first: string): Promise<void> {
  for (let page_ = 0; page_ < 20; page_++) {
    const shown = await texts(log, selector);
    if (shown.includes(first)) return;
    await log.evaluate((el) => {
      // The scrolling box: the log itself (widget) or its scrolling parent (console).
      const box = el.scrollHeight > el.clientHeight ? el : (el.parentElement as HTMLElement);
      box.scrollTop = 0;
      box.dispatchEvent(new Event('scroll'));
    });
    await expect.poll(async () => (await texts(log, selector)).length).toBeGreaterThan(shown.length);
  }
  void page;
  throw new Error('the first message never appeared');
}

const expected = (tag: string) => [tag, ...Array.from({ length: REPLIES }, (_, i) => `reply ${i + 1}`)];

test('a conversation of 500 messages opens on the newest in widget and console; scrolling up loads older ones, each once', async ({
  browser,
  server,
}) => {
  test.setTimeout(120_000);
  const visitor = await openVisitor(browser, server);
  const tag = marker('Order question');
  await visitorSend(visitor, tag);
  const vlog = visitor.getByRole('log');
  await expect(vlog.getByText(/Sending/)).toHaveCount(0);
  await agentFloods(server, tag);

  // A reload (a new page view) holds nothing: the newest page comes first.
  await visitor.reload();
  const launcher = visitor.getByRole('button', { name: /chat/i });
  if (!(await visitor.getByRole('textbox', { name: 'Message' }).isVisible())) await launcher.click();
  await expect(vlog.getByText(`reply ${REPLIES}`, { exact: true })).toBeVisible();
  const bubbles = '.bubble';
  const firstView = await texts(vlog, bubbles);
  expect(firstView.length).toBeLessThan(100);
  expect(firstView).not.toContain(tag);
  await expect(vlog.getByRole('button', { name: 'Earlier messages' })).toBeVisible();

  await scrollBack(visitor, vlog, bubbles, tag);
  // Every message once, in order; the greeting is back at the top once the start is reached.
  const widgetAll = (await texts(vlog, bubbles)).filter((t) => t === tag || t.startsWith('reply '));
  expect(widgetAll).toEqual(expected(tag));
  expect(await vlog.evaluate((el) => el.querySelectorAll('.greeting').length)).toBe(1);
  await expect(vlog.getByRole('button', { name: 'Earlier messages' })).toHaveCount(0);

  const ana = await signIn(browser, server, 'ana@demo.test', 'My conversations');
  await ana
    .getByRole('list', { name: 'My conversations' })
    .getByRole('listitem')
    .filter({ hasText: `reply ${REPLIES}` })
    .getByRole('button')
    .click();
  const alog = ana.getByRole('log');
  await expect(alog.getByText(`reply ${REPLIES}`, { exact: true })).toBeVisible();
  const lines = '.line .bubble';
  const consoleFirst = await texts(alog, lines);
  expect(consoleFirst).not.toContain(tag);
  await expect(ana.getByRole('button', { name: 'Load earlier messages' })).toBeVisible();
  await scrollBack(ana, alog, lines, tag);
  const consoleAll = (await texts(alog, lines)).filter((t) => t === tag || t.startsWith('reply '));
  expect(consoleAll).toEqual(expected(tag));
  await expect(ana.getByRole('button', { name: 'Load earlier messages' })).toHaveCount(0);
});
