import { claim, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

test('alerts: a new conversation while another is open notifies and chimes; a message in the open, visible one does not; Profile turns them off', async ({
  browser,
  server,
}) => {
  const first = await openVisitor(browser, server);
  const opening = marker('Hello from the first visitor');
  await visitorSend(first, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await ana.context().grantPermissions(['notifications']);
  // Record what the console shows and plays (the real APIs, wrapped).
  await ana.evaluate(() => {
    const w = window as unknown as { __notes: string[]; __tones: number };
    w.__notes = [];
    w.__tones = 0;
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__notes.push(title);
      }
    } as typeof Notification;
    const RealAudio = window.AudioContext;
    window.AudioContext = class extends RealAudio {
      override createOscillator(): OscillatorNode {
        w.__tones++;
        return super.createOscillator();
      }
    } as typeof AudioContext;
  });
  const notes = () => ana.evaluate(() => (window as unknown as { __notes: string[] }).__notes);
  const tones = () => ana.evaluate(() => (window as unknown as { __tones: number }).__tones);
  await claim(ana, opening);
  await expect(ana.getByRole('log').getByText(opening)).toBeVisible();

  // A second visitor while the first conversation is open: "New in queue", with a chime.
  const second = await openVisitor(browser, server);
  const other = marker('A second question');
  await visitorSend(second, other);
  await expect.poll(notes).toContainEqual(expect.stringMatching(/^New in queue: /));
  await expect.poll(tones).toBeGreaterThan(0);
  const before = (await notes()).length;

  // The first visitor writes in the open, visible conversation: seen already, no alert.
  const more = marker('Are you there?');
  await visitorSend(first, more);
  await expect(ana.getByRole('log').getByText(more)).toBeVisible();
  expect((await notes()).length).toBe(before);

  // Turned off in Profile › Alerts: nothing for the next arrival.
  await ana.getByRole('link', { name: 'Profile' }).click();
  const alerts = ana.getByRole('region', { name: 'Alerts' });
  await alerts.getByRole('checkbox', { name: 'Play a sound' }).uncheck();
  await alerts.getByRole('checkbox', { name: 'Desktop notifications' }).uncheck();
  await expect(alerts.getByRole('combobox', { name: 'Show me as away after' })).toHaveValue('10');
  const tonesBefore = await tones();
  const third = await openVisitor(browser, server);
  const late = marker('Third one');
  await visitorSend(third, late);
  await ana.getByRole('link', { name: 'Conversations' }).click();
  await expect(ana.getByRole('list', { name: 'Queue' }).getByText(late)).toBeVisible();
  expect((await notes()).length).toBe(before);
  expect(await tones()).toBe(tonesBefore);

  // Unread counts: with the second visitor's chat open, the first one's two new lines show as "2 unread".
  await claim(ana, other);
  await expect(ana.getByRole('log').getByText(other)).toBeVisible();
  await visitorSend(first, marker('One'));
  await visitorSend(first, marker('Two'));
  const mine = ana.getByRole('list', { name: 'My conversations' });
  await expect(mine.getByRole('button', { name: /, 2 unread$/ })).toBeVisible();
  await mine.getByRole('button', { name: /, 2 unread$/ }).click();
  await expect(mine.getByRole('button', { name: /unread/ })).toHaveCount(0);
});
