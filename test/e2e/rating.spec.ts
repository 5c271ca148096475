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

test('after the chat closes the visitor rates it once; the rating shows in the console, survives a reload, and writing again reopens', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Can I change my delivery address?');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await agentSend(ana, marker('Done, it is changed.'));
  const rate = visitor.getByRole('group', { name: 'Rate this conversation' });
  await expect(rate).toHaveCount(0); // not while it is open
  await ana.getByRole('button', { name: 'Close conversation' }).click();

  await expect(rate).toBeVisible();
  const send = rate.getByRole('button', { name: 'Send rating' });
  await expect(send).toBeDisabled(); // no score yet
  await rate.getByRole('button', { name: '4', exact: true }).click();
  await expect(rate.getByRole('button', { name: '4', exact: true })).toHaveAttribute('aria-pressed', 'true');
  const comment = marker('Quick <b>and</b> kind');
  await rate.getByRole('textbox', { name: 'Comment' }).fill(comment);
  await send.click();

  const log = visitor.getByRole('log');
  await expect(log.getByText('Thanks for rating us 4/5')).toHaveCount(1);
  await expect(rate).toHaveCount(0);
  await expect(ana.getByRole('log').getByText(`Rated 4/5: ${comment}`)).toHaveCount(1);
  // The agent who closed it reads the rating without being refused.
  await expect(ana.getByText('You are not allowed to do that in this conversation.')).toHaveCount(0);

  // A reload shows the rated conversation without asking again.
  await visitor.reload();
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect(log.getByText('Thanks for rating us 4/5')).toHaveCount(1);
  await expect(visitor.getByRole('group', { name: 'Rate this conversation' })).toHaveCount(0);

  // Writing again reopens the conversation, as before; the rating stays in its transcript.
  const again = marker('One more question');
  await visitorSend(visitor, again);
  await expect(log.getByText(again)).toHaveCount(1);
  await expect(log.getByText('Thanks for rating us 4/5')).toHaveCount(1);
  await expect(visitor.getByRole('group', { name: 'Rate this conversation' })).toHaveCount(0);
  await visitor.context().close();
  await ana.context().close();
});
