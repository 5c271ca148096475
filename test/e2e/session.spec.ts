import { expect, signIn, test } from './support/fixtures.js';

test('the console keeps no token where script can read it, survives a reload, and signing out ends the session', async ({
  browser,
  server,
}) => {
  const page = await signIn(browser, server, 'ana@demo.test', 'Team');
  // Nothing the page's script can read holds a credential: no token in storage, no readable cookie.
  const readable = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
  }));
  expect(readable.local).not.toMatch(/eyJ/); // a JWT's header
  expect(readable.session).not.toMatch(/eyJ/);
  expect(readable.cookie).not.toContain('sb_refresh');
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === 'sb_refresh')).toMatchObject({
    httpOnly: true,
    sameSite: 'Strict',
    path: '/api/auth',
  });

  // A reload comes back signed in, from the refresh cookie alone.
  await page.reload();
  await expect(page.getByRole('list', { name: 'Team', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  // Signing out ends the session on the server: a reload shows the sign-in page.
  const refreshCookie = (await page.context().cookies()).find((c) => c.name === 'sb_refresh')?.value ?? '';
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  // And the old cookie, replayed from elsewhere, opens nothing.
  const replay = await fetch(`${server.url}/api/auth/refresh`, {
    method: 'POST',
    headers: { cookie: `sb_refresh=${refreshCookie}` },
  });
  expect(replay.status).toBe(401);
});
