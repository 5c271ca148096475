import { agentSend, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

// The whole loop of issue 3: script tag → widget → gateway → queue → console, live and persisted.
test('visitor writes, agent claims and replies, transfers to Ben, Ben replies and closes', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const first = marker('Does the kettle work on induction?');
  await visitorSend(visitor, first);
  const visitorLog = visitor.getByRole('log');
  await expect(visitorLog.getByText(first)).toBeVisible();

  const ana = await signIn(browser, server, 'ana@demo.test');
  const ben = await signIn(browser, server, 'ben@demo.test');

  // The conversation is in everyone's queue, showing the latest message.
  const anaItem = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: first });
  const benItem = ben.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: first });
  await expect(anaItem).toBeVisible();
  await expect(benItem).toBeVisible();

  await anaItem.getByRole('button', { name: 'Claim' }).click();
  // Claimed: gone from Ben's queue at once, open in Ana's console.
  await expect(benItem).toHaveCount(0);
  const anaLog = ana.getByRole('log');
  await expect(anaLog.getByText(first)).toBeVisible();

  const reply = marker('Yes, it comes with an induction plate.');
  await agentSend(ana, reply);
  await expect(visitorLog.getByText(reply)).toBeVisible();
  await expect(visitorLog.getByText('Ana Silva').first()).toBeVisible();

  // Transfer to Ben with an internal note.
  const note = marker('VIP customer, offer free gift wrap');
  await ana.getByRole('button', { name: 'Transfer' }).click();
  const dialog = ana.getByRole('dialog');
  await dialog.getByRole('combobox', { name: 'Agent' }).selectOption({ label: 'Ben Okafor (ben@demo.test)' });
  await dialog.getByRole('textbox', { name: 'Note' }).fill(note);
  await dialog.getByRole('button', { name: 'Transfer' }).click();

  // Ben has it at once (no accept step), with the note shown internally; the visitor never sees the note.
  await ben.getByText(first).first().click();
  const benLog = ben.getByRole('log');
  await expect(benLog.getByText(first)).toBeVisible();
  await expect(benLog.getByText(note)).toBeVisible();
  await expect(visitorLog.getByText(/Ben Okafor/).first()).toBeVisible();
  await expect(visitorLog.getByText(note)).toHaveCount(0);

  const benReply = marker('Ben here: gift wrap is on us.');
  await agentSend(ben, benReply);
  await expect(visitorLog.getByText(benReply)).toBeVisible();

  await ben.getByRole('button', { name: 'Close conversation' }).click();
  await expect(visitorLog.getByText(/closed/i).first()).toBeVisible();
});

test('a visitor reloads mid-conversation and continues the same conversation', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const first = marker('Is gift wrapping available?');
  await visitorSend(visitor, first);
  await expect(visitor.getByRole('log').getByText(first)).toBeVisible();

  const ana = await signIn(browser, server, 'ana@demo.test');
  const item = ana.getByRole('list', { name: 'Queue' }).getByRole('listitem').filter({ hasText: first });
  await item.getByRole('button', { name: 'Claim' }).click();
  const reply = marker('It is, for 3 euros.');
  await agentSend(ana, reply);
  await expect(visitor.getByRole('log').getByText(reply)).toBeVisible();

  await visitor.reload();
  await visitor.getByRole('button', { name: /chat/i }).click();
  const log = visitor.getByRole('log');
  await expect(log.getByText(first)).toBeVisible();
  await expect(log.getByText(reply)).toBeVisible();

  const after = marker('Great, please add it.');
  await visitorSend(visitor, after);
  // Same conversation: the agent sees it in the transcript already open, after the earlier messages.
  const anaLog = ana.getByRole('log');
  await expect(anaLog.getByText(after)).toBeVisible();
  await expect(anaLog.getByText(first)).toBeVisible();
  // Each message appears exactly once on both sides.
  await expect(log.getByText(first)).toHaveCount(1);
  await expect(anaLog.getByText(after)).toHaveCount(1);
});

test('a transfer to Billing with a note: the chat waits in the Billing queue, the visitor is told, the next agent reads the note', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const question = marker('I was charged twice');
  await visitorSend(visitor, question);
  const ana = await signIn(browser, server, 'ana@demo.test');
  const ben = await signIn(browser, server, 'ben@demo.test', 'Team');
  await ana
    .getByRole('list', { name: 'Queue' })
    .getByRole('listitem')
    .filter({ hasText: question })
    .getByRole('button', { name: 'Claim' })
    .click();
  await expect(ana.getByRole('log').getByText(question)).toBeVisible();

  const note = marker('Double charge on order 1042, card ending 4242');
  await ana.getByRole('button', { name: 'Transfer' }).click();
  const dialog = ana.getByRole('dialog', { name: 'Transfer conversation' });
  await dialog.getByRole('combobox', { name: 'Department' }).selectOption('Billing');
  await dialog.getByRole('textbox', { name: 'Note' }).fill(note);
  await dialog.getByRole('button', { name: 'Transfer' }).click();

  await expect(visitor.getByRole('log').getByText('Transferred to Billing')).toBeVisible();
  await expect(visitor.getByRole('log').getByText(note)).toHaveCount(0);
  // Waiting in Billing, its preview the transfer line.
  const item = ben
    .getByRole('list', { name: 'Queue' })
    .getByRole('listitem')
    .filter({ hasText: 'Transferred to Billing' });
  await expect(item).toBeVisible();
  await item.getByRole('button', { name: 'Claim' }).click();
  await expect(ben.getByRole('log').getByText(question)).toBeVisible();
  await expect(ben.getByRole('log').getByText(note)).toBeVisible();
  await expect(ben.locator('.conv-header').getByText('Billing')).toBeVisible();
});
