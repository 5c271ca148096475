import { readFileSync } from 'node:fs';
import { test as base } from '@playwright/test';
import { SmtpReceiver } from '../../server/test/smtp-receiver.js';
import { e2ePort, ServerProcess } from '../support/server.js';
import { agentSend, claim, expect, hostPage, marker, signIn, visitorSend } from './support/fixtures.js';

// Email continuity (issue 16): its own server, with SMTP_URL pointing at a real SMTP receiver
// started by the test. Replies are mailed as soon as the visitor is away (delay 0).
const test = base.extend<{ mail: { server: ServerProcess; receiver: SmtpReceiver } }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take a destructured first argument
  mail: async ({}, use) => {
    const receiver = new SmtpReceiver();
    const smtpUrl = await receiver.start();
    const server = new ServerProcess(e2ePort(170 + (process.pid % 10)), {
      SMTP_URL: smtpUrl,
      MAIL_FROM: 'Demo Shop <support@demo.test>',
      MAIL_REPLY_DELAY_MS: '0',
    });
    await server.start();
    await use({ server, receiver });
    await server.dispose();
    await receiver.close();
  },
});

test('a visitor who left gets the agent’s reply by email and follows its link back into the conversation', async ({
  browser,
  mail,
}) => {
  const { server, receiver } = mail;
  const shop = await browser.newContext();
  const visitor = await shop.newPage();
  const shopUrl = await hostPage(
    shop,
    server,
    '<script src="/widget.js" data-site="demo" data-prechat="email"></script>',
  );
  await visitor.goto(shopUrl);
  await visitor.getByRole('button', { name: /chat/i }).click();
  const email = `maya-${Math.random().toString(36).slice(2, 8)}@example.test`;
  await visitor.getByRole('textbox', { name: 'Email' }).fill(email);
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  const question = marker('Can I still change my delivery address?');
  await visitorSend(visitor, question);

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, question);
  await expect(ana.getByRole('log').getByText(question)).toBeVisible();
  // The shopper closes the tab; the console sees them go.
  await visitor.close();
  await expect(ana.locator('.visitor-online')).toHaveText('Offline');
  const answer = marker('Yes — reply with the new address and we will update it.');
  await agentSend(ana, answer);

  await expect.poll(() => receiver.mails.filter((m) => m.to === email).length).toBe(1);
  const got = receiver.mails.find((m) => m.to === email);
  expect(got?.subject).toBe('Demo Shop: a reply to your message');
  expect(got?.text).toContain(`Ana Silva: ${answer}`);
  expect(got?.text).toContain(`> You: ${question}`);
  const link = /open the chat on (\S+)/.exec(got?.text ?? '')?.[1];
  expect(link).toBe(shopUrl);

  // Following the link: the shop page again, and the widget resumes the conversation with the reply.
  const back = await shop.newPage();
  await back.goto(link as string);
  await back.getByRole('button', { name: /chat/i }).click();
  await expect(back.getByRole('log').getByText(answer)).toBeVisible();
  await expect(back.getByRole('log').getByText(question)).toBeVisible();
});

test('an agent who forgot their password asks for a link on the sign-in page, gets it by mail and chooses a new one', async ({
  browser,
  mail,
}) => {
  const { server, receiver } = mail;
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByRole('button', { name: 'Forgot password?' }).click();
  await page.getByRole('textbox', { name: 'Email' }).fill('ben@demo.test');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText('If ben@demo.test has an account');
  await expect.poll(() => receiver.mails.filter((m) => m.to === 'ben@demo.test').length).toBe(1);
  const link = /(http\S+\?reset=[\w-]+)/.exec(
    receiver.mails.find((m) => m.to === 'ben@demo.test')?.text ?? '',
  )?.[1];
  expect(link).toBeDefined();

  await page.goto(link as string);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await page.getByLabel('New password').fill('kettles-and-tea-9');
  await page.getByRole('button', { name: 'Set password' }).click();
  // Signed in as Ben.
  await expect(page.getByRole('banner')).toContainText('ben@demo.test');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  // The token left the address bar; the new password signs in, the old one no longer does.
  expect(page.url()).not.toContain('reset=');
  const res = (password: string) =>
    fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ben@demo.test', password }),
    }).then((r) => r.status);
  expect(await res('kettles-and-tea-9')).toBe(200);
  expect(await res('demo1234')).toBe(401);
});

test('after a close the visitor downloads the transcript and has it mailed to the email they gave', async ({
  browser,
  mail,
}) => {
  const { server, receiver } = mail;
  const shop = await browser.newContext();
  const visitor = await shop.newPage();
  await hostPage(visitor, server, '<script src="/widget.js" data-site="demo" data-prechat="email"></script>');
  await visitor.getByRole('button', { name: /chat/i }).click();
  const email = `lea-${Math.random().toString(36).slice(2, 8)}@example.test`;
  await visitor.getByRole('textbox', { name: 'Email' }).fill(email);
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  const question = marker('Do you ship to Norway? <script>window.__pwned=1</script>');
  await visitorSend(visitor, question);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, question);
  const answer = marker('Yes, in 3 to 5 days.');
  await agentSend(ana, answer);
  await expect(visitor.getByRole('log').getByText(answer)).toBeVisible();
  await ana.getByRole('button', { name: 'Close conversation' }).click();

  const log = visitor.getByRole('log');
  const download = visitor.waitForEvent('download');
  await log.getByRole('button', { name: 'Download transcript' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^transcript-.+\.txt$/);
  const text = readFileSync(await file.path(), 'utf8');
  expect(text).toContain(question);
  expect(text).toContain(`Ana Silva: ${answer}`);

  await log.getByRole('button', { name: 'Email transcript' }).click();
  await expect(log.getByRole('status')).toHaveText('Transcript sent by email');
  await expect.poll(() => receiver.mails.filter((m) => m.to === email).length).toBe(1);
  const got = receiver.mails.find((m) => m.to === email);
  expect(got?.text).toContain(question);
  expect(got?.text).toContain(answer);
  expect(got?.html || '').not.toContain('<script>');
});
