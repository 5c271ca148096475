import { agentSend, claim, expect, hostPage, marker, signIn, test, visitorSend } from './support/fixtures.js';

// History and search (issue 15): a closed conversation stays reachable under "Closed", is found
// by a word prefix of one of its messages and by the visitor's email, and opens read-only.
test('a closed conversation is listed under Closed, found by a word prefix and by email, and opens read-only', async ({
  browser,
  server,
}) => {
  const visitor = await (await browser.newContext()).newPage();
  await hostPage(visitor, server, '<script src="/widget.js" data-site="demo" data-prechat="email"></script>');
  await visitor.getByRole('button', { name: /chat/i }).click();
  const tag = Math.random().toString(36).slice(2, 8);
  const email = `searcher-${tag}@example.com`;
  await visitor.getByRole('textbox', { name: 'Email' }).fill(email);
  await visitor.getByRole('button', { name: 'Start chat' }).click();
  const word = `Wanderschuhe${tag}`;
  const text = marker(`My ${word} arrived scuffed`);
  await visitorSend(visitor, text);

  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, text);
  await agentSend(ana, 'Sorry about that, a replacement is on its way.');
  await ana.getByRole('button', { name: 'Close conversation' }).click();
  await expect(
    visitor
      .getByRole('log')
      .getByText(/closed/i)
      .first(),
  ).toBeVisible();

  // Closed: listed, newest first.
  await ana.getByRole('button', { name: 'Closed' }).click();
  const closed = ana.getByRole('list', { name: 'Closed conversations' });
  await expect(closed.getByRole('listitem').first()).toContainText(email);

  // A word prefix, typed in another case, finds it, highlighted.
  const box = ana.getByRole('searchbox', { name: 'Search conversations' });
  await box.fill(word.slice(0, 8).toUpperCase());
  await box.press('Enter');
  const results = ana.getByRole('list', { name: /Results for/ });
  const hit = results.getByRole('listitem').filter({ hasText: text });
  await expect(hit).toBeVisible();
  await expect(hit.locator('mark')).toHaveText(`${word}`);

  // So does the visitor's email; clicking opens the transcript read-only.
  await box.fill(email);
  await box.press('Enter');
  const byEmail = results.getByRole('listitem').filter({ hasText: email });
  await expect(byEmail).toHaveCount(1);
  await byEmail.getByRole('button').click();
  const log = ana.getByRole('log', { name: email });
  await expect(log.getByText(text)).toBeVisible();
  await expect(ana.getByText('This conversation is closed (read-only).')).toBeVisible();
  await expect(ana.getByRole('textbox', { name: 'Reply' })).toHaveCount(0);

  await ana.setViewportSize({ width: 1440, height: 900 });
  await box.fill(word.slice(0, 6));
  await box.press('Enter');
  await expect(hit).toBeVisible();
});
