import {
  agentSend,
  claim,
  expect,
  marker,
  openVisitor,
  signIn,
  test,
  visitorSend,
} from './support/fixtures.js';

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

test('admins manage the site’s canned responses in Settings, agents their own in Profile; the reply box offers both', async ({
  browser,
  server,
}) => {
  const tag = Math.random().toString(36).slice(2, 7);
  const admin = await signIn(browser, server, 'admin@demo.test', 'Team');
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('link', { name: /Canned responses/ }).click();
  await expect(admin.getByRole('heading', { name: 'Canned responses', level: 1 })).toBeVisible();
  const siteList = admin.getByRole('list', { name: 'Site-wide responses' });
  await expect(siteList.getByText('/hi', { exact: true })).toBeVisible(); // the demo's
  await admin.getByRole('textbox', { name: 'Shortcut' }).fill(`wrap${tag}`);
  await admin.getByRole('textbox', { name: 'Response text' }).fill('Gift wrap is free, {visitor.name}.');
  await admin.getByRole('button', { name: 'Add response' }).click();
  await expect(siteList.getByText(`/wrap${tag}`)).toBeVisible();
  await admin.setViewportSize({ width: 1440, height: 900 });
  await admin.screenshot({ path: test.info().outputPath('canned-settings.png') });
  // A taken shortcut: the server's reason, nothing added.
  await admin.getByRole('textbox', { name: 'Shortcut' }).fill('hi');
  await admin.getByRole('textbox', { name: 'Response text' }).fill('again');
  await admin.getByRole('button', { name: 'Add response' }).click();
  await expect(admin.getByRole('alert')).toContainText('/hi is already taken');

  const ben = await signIn(browser, server, 'ben@demo.test', 'Team');
  await ben.getByRole('link', { name: 'Profile' }).click();
  const mine = ben.getByRole('region', { name: 'My canned responses' });
  await mine.getByRole('textbox', { name: 'Shortcut' }).fill(`sig${tag}`);
  await mine.getByRole('textbox', { name: 'Response text' }).fill('Best, {agent.name}');
  await mine.getByRole('button', { name: 'Add response' }).click();
  await expect(mine.getByRole('list', { name: 'My canned responses' }).getByText(`/sig${tag}`)).toBeVisible();

  // Ben's reply box offers the site's new one and his own.
  const visitor = await openVisitor(browser, server);
  const opening = marker('Can you wrap it?');
  await visitorSend(visitor, opening);
  await ben.getByRole('link', { name: 'Conversations' }).click();
  await claim(ben, opening);
  const reply = ben.getByRole('textbox', { name: 'Reply' });
  await reply.fill(`/wrap${tag}`);
  await reply.press('Tab');
  await expect(reply).toHaveValue('Gift wrap is free, there.');
  await reply.fill(`/sig${tag}`);
  await reply.press('Enter');
  await expect(reply).toHaveValue('Best, Ben Okafor');

  // Cleaned up: the shared demo site keeps only its own.
  await admin.getByRole('button', { name: `Delete /wrap${tag}` }).click();
  await expect(siteList.getByText(`/wrap${tag}`)).toHaveCount(0);
  await ben.getByRole('link', { name: 'Profile' }).click();
  await ben.getByRole('button', { name: `Delete /sig${tag}` }).click();
  await expect(ben.getByText(`/sig${tag}`)).toHaveCount(0);
});

test('/hi + Tab typed before the list has arrived still expands, once it does', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Quick question');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  // Hold every canned-response request until the keys are pressed.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let asked = 0;
  await ana.route('**/api/v1/sites/*/canned*', async (route) => {
    asked++;
    await held;
    await route.continue();
  });
  await claim(ana, opening);
  const reply = ana.getByRole('textbox', { name: 'Reply' });
  await reply.fill('/hi');
  await reply.press('Tab');
  await expect(reply).toBeFocused(); // Tab did not leave the box
  await expect(reply).toHaveValue('/hi');
  await expect.poll(() => asked).toBeGreaterThan(0);
  release();
  await expect(reply).toHaveValue("Hi there, I'm Ana Silva. How can I help?");
});
