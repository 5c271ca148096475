import { agentSend, claim, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

// The demo seeds site-wide canned responses (server/src/seed.ts), /hi among them.
test('canned responses: / opens the list, it filters, /hi + Tab expands with the names filled in, and it is sent as written', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Hello, anyone there?');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  const reply = ana.getByRole('textbox', { name: 'Reply' });
  await expect(reply).toBeVisible();

  // "/" lists them all; typing filters; Esc closes the list and keeps the draft.
  await reply.fill('');
  await reply.press('/');
  const list = ana.getByRole('listbox', { name: 'Canned responses' });
  await expect(list).toBeVisible();
  await expect(list.getByRole('option', { name: /\/hi/ })).toBeVisible();
  await expect(list.getByRole('option', { name: /\/refund/ })).toBeVisible();
  await ana.screenshot({ path: test.info().outputPath('canned.png') });
  await reply.pressSequentially('ref');
  await expect(list.getByRole('option')).toHaveCount(1);
  await expect(list.getByRole('option', { name: /\/refund/ })).toHaveAttribute('aria-selected', 'true');
  await reply.press('Escape');
  await expect(list).toHaveCount(0);
  await expect(reply).toHaveValue('/ref');
  // Nothing matches: a clear line, and Enter does not insert anything.
  await reply.fill('/zzz');
  await expect(ana.getByText('No canned response matches /zzz')).toBeVisible();

  // /hi + Tab: the visitor has no name yet ("there"), the agent's name is filled in.
  await reply.fill('/hi');
  await expect(list.getByRole('option').first()).toHaveAttribute('aria-selected', 'true');
  await reply.press('Tab');
  await expect(reply).toHaveValue("Hi there, I'm Ana Silva. How can I help?");
  await expect(reply).toBeFocused();
  await expect(list).toHaveCount(0);
  await reply.press('Enter');
  await expect(visitor.getByRole('log').getByText("Hi there, I'm Ana Silva. How can I help?")).toBeVisible();

  // Arrow keys choose, Enter inserts (it does not send the slash command).
  await reply.fill('/');
  await expect(list).toBeVisible();
  await reply.press('ArrowDown');
  await expect(list.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
  const second = (await list.getByRole('option').nth(1).locator('.canned-text').textContent()) ?? '';
  await reply.press('Enter');
  await expect(reply).not.toHaveValue('/');
  expect(second.length).toBeGreaterThan(0);
  // A plain sentence starting with a slash is just text.
  await agentSend(ana, marker('/shrug it happens'));
  await expect(visitor.getByRole('log').getByText(/\/shrug it happens/)).toBeVisible();
});
