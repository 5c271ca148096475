import { claim, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

test('the context panel shows where the visitor is — live through a single-page navigation — the pages seen, browser, language and clock', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const title = await visitor.title();
  const opening = marker('Do you ship to Lisbon?');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);

  const details = ana.getByRole('complementary', { name: 'Visitor details' });
  await expect(details.locator('.now-on')).toContainText(title);
  await expect(details).toContainText(/Chrome \d+ on Linux/);
  await expect(details).toContainText('American English · en-US');
  await expect(details).toContainText(/\d\d:\d\d \(UTC/);
  await expect(details).toContainText('Direct or unknown');
  await expect(details).toContainText('No earlier conversations.');

  // A single-page app navigates: no reload, the URL and title change; the agent sees it live.
  await visitor.evaluate(() => {
    history.pushState({}, '', '/demo/product/42?colour=blue');
    document.title = 'Blue kettle — Demo shop';
  });
  await expect(details.locator('.now-on')).toContainText('Blue kettle — Demo shop');
  await expect(details.locator('.now-on')).toContainText('/demo/product/42?colour=blue');
  const pages = details.getByRole('list', { name: 'Pages seen in this visit, newest first' });
  await expect(pages.getByRole('listitem')).toHaveCount(2);
  await expect(pages.getByRole('listitem').first()).toContainText('Blue kettle');
  await expect(pages.getByRole('listitem').last()).toContainText(title);

  // The pages link to the shop (http(s) only; the link keeps the whole URL).
  await expect(details.locator('a.page-link').first()).toHaveAttribute(
    'href',
    /^http:\/\/.*\/demo\/product\/42/,
  );
  await ana.setViewportSize({ width: 1440, height: 900 });
  await ana.screenshot({ path: test.info().outputPath('console-context.png') });
});

test('an agent exports the transcript as text and as JSON from the visitor panel', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Can I get an invoice for order 1042?');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  const reply = marker('Of course — it is on its way to your inbox.');
  await ana.getByRole('textbox', { name: 'Reply' }).fill(reply);
  await ana.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(ana.getByRole('log').getByText(reply)).toBeVisible();

  const exportGroup = ana.getByRole('group', { name: 'Export transcript' });
  await exportGroup.scrollIntoViewIfNeeded();
  await ana.screenshot({ path: test.info().outputPath('export.png') });
  const read = async (name: string) => {
    const [download] = await Promise.all([
      ana.waitForEvent('download'),
      exportGroup.getByRole('button', { name }).click(),
    ]);
    const path = await download.path();
    return { file: download.suggestedFilename(), text: (await import('node:fs')).readFileSync(path, 'utf8') };
  };
  const text = await read('Text');
  expect(text.file).toMatch(/^transcript-c_.+\.txt$/);
  expect(text.text).toContain(opening);
  expect(text.text).toContain(`Ana Silva: ${reply}`);
  const json = await read('JSON');
  expect(json.file).toMatch(/^transcript-c_.+\.json$/);
  const parsed = JSON.parse(json.text) as { messages: { text: string }[] };
  expect(parsed.messages.map((m) => m.text)).toEqual(expect.arrayContaining([opening, reply]));
});
