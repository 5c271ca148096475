import { type Browser, type BrowserContext, test as base, expect, type Page } from '@playwright/test';

/** A file as Playwright hands it to a file input. */
export type FilePayload = { name: string; mimeType: string; buffer: Buffer };

import { e2ePort, ServerProcess } from '../../support/server.js';

export { expect };

/** A unique marker so a test finds its own conversation in a queue shared with other tests. */
export function marker(label: string): string {
  return `${label} ${Math.random().toString(36).slice(2, 8)}`;
}

type WorkerFixtures = { server: ServerProcess };
type TestFixtures = { closeContexts: undefined };

/**
 * One real server per worker (own port and data dir), shared by that worker's tests; every
 * browser context a test opens is closed when it ends, so its consoles and visitors leave the
 * shared server (sockets per account are capped).
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  closeContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use(undefined);
      await Promise.all(
        browser
          .contexts()
          .filter((c) => !before.has(c))
          .map((c) => c.close()),
      );
    },
    { auto: true },
  ],
  server: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
    async ({}, use, workerInfo) => {
      const server = new ServerProcess(e2ePort(((workerInfo.workerIndex * 7) % 75) + (process.pid % 5)));
      await server.start();
      await use(server);
      await server.dispose();
    },
    { scope: 'worker' },
  ],
});

/** Opens the demo shop in a fresh context (a new visitor) and opens the chat panel. */
export async function openVisitor(browser: Browser, server: ServerProcess, path = '/demo'): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`);
  await page.getByRole('button', { name: /chat/i }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  return page;
}

export async function visitorSend(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Signs an agent in to the console in a fresh context. */
export async function signIn(
  browser: Browser,
  server: ServerProcess,
  email: string,
  /** A list that shows something once the console is live (the queue, unless it is empty). */
  readyList = 'Queue',
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The console runs under its own strict CSP: record anything the policy blocks.
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(`${server.url}/console/`);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill('demo1234');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('list', { name: readyList, exact: true })).toBeVisible();
  expect(
    await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
  ).toEqual([]);
  return page;
}

export async function agentSend(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Reply' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Claims the queued conversation whose queue item shows `text`. */
export async function claim(agent: Page, text: string): Promise<void> {
  await agent
    .getByRole('list', { name: 'Queue' })
    .getByRole('listitem')
    .filter({ hasText: text })
    .getByRole('button', { name: 'Claim' })
    .click();
}

/** A new page in a 375 × 740 touch phone viewport. */
export async function phonePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 740 },
    hasTouch: true,
    isMobile: true,
  });
  return context.newPage();
}

/** Serves a throw-away host page on the server's origin (so any script tag attributes can be set). */
export async function hostPage(
  target: Page | BrowserContext,
  server: ServerProcess,
  body: string,
  head = '',
): Promise<string> {
  const url = `${server.url}/demo/test-host-${Math.random().toString(36).slice(2)}`;
  await target.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host shop</title>${head}</head><body><h1>Host page</h1><button id="host-button">Host button</button>${body}</body></html>`,
    }),
  );
  if ('goto' in target) await target.goto(url);
  return url;
}

/** Picks files with the "Attach file" button (its file input), in the widget or the console. */
export async function attachFiles(page: Page, files: FilePayload | FilePayload[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach file' }).click();
  await (await chooser).setFiles(files);
}
