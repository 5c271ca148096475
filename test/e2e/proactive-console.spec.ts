import { AxeBuilder } from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, marker, signIn, test } from './support/fixtures.js';

interface PublicRule {
  id: string;
  text: string;
  after: number;
  url?: string;
}

/** What the widget receives: the site's enabled rules (public, no token). */
async function publicRules(request: APIRequestContext, base: string): Promise<PublicRule[]> {
  const res = await request.get(`${base}/api/sites/demo/proactive`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { rules: PublicRule[] }).rules;
}

async function seriousViolations(page: Page, selector: string): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).include(selector).analyze();
  return axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('Settings › Proactive messages: an admin creates a page rule, edits it, switches it off and on — the widget’s list follows — and deletes it', async ({
  browser,
  server,
}) => {
  const name = marker('Pricing help');
  const text = marker('Comparing plans? Ask me.');
  const admin = await signIn(browser, server, 'admin@demo.test', 'Team');
  await admin.setViewportSize({ width: 1440, height: 900 });
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: /Proactive messages/ })
    .click();
  await expect(admin.getByRole('heading', { name: 'Proactive messages', level: 1 })).toBeVisible();

  // A page rule without its pattern: the server's refusal shows in the dialog, which stays open.
  await admin.getByRole('button', { name: 'New proactive message' }).click();
  const dialog = admin.getByRole('dialog', { name: 'New proactive message' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  await dialog.getByRole('textbox', { name: 'Message' }).fill(text);
  await expect(dialog.getByRole('combobox', { name: 'Department' })).toHaveValue('');
  await expect(dialog.getByRole('combobox', { name: 'Department' }).getByRole('option').first()).toHaveText(
    'Any department',
  );
  await expect(dialog.getByRole('combobox', { name: 'Trigger' })).toHaveValue('page');
  await expect(dialog.getByRole('textbox', { name: 'Attribute' })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toBeVisible();
  await expect(dialog).toBeVisible();
  expect((await publicRules(admin.request, server.url)).some((r) => r.text === text)).toBe(false);

  // The attribute trigger asks for its two fields instead of the pattern.
  await dialog
    .getByRole('combobox', { name: 'Trigger' })
    .selectOption({ label: 'Identified user with an attribute' });
  await expect(dialog.getByRole('textbox', { name: 'URL pattern' })).toHaveCount(0);
  await expect(dialog.getByRole('alert')).toHaveCount(0); // the refusal was about the pattern
  await expect(dialog.getByRole('textbox', { name: 'Attribute' })).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Value' })).toBeVisible();
  await dialog.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: 'Page and time on page' });

  await dialog.getByRole('textbox', { name: 'URL pattern' }).fill('/pricing*');
  await dialog.getByRole('spinbutton', { name: 'Seconds on page' }).fill('30');
  await dialog.getByRole('combobox', { name: 'Department' }).selectOption('Sales');
  await expect(dialog.getByRole('checkbox', { name: 'Enabled' })).toBeChecked();
  expect(await seriousViolations(admin, 'dialog')).toEqual([]);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);

  const list = admin.getByRole('list', { name: 'Proactive messages' });
  const item = list.getByRole('listitem').filter({ hasText: name });
  await expect(item).toContainText('On /pricing* after 30 s');
  await expect(item).toContainText(text);
  await expect(item).toContainText('Sales');
  await expect(item.getByRole('checkbox', { name: 'Enabled' })).toBeChecked();
  expect(await seriousViolations(admin, 'main')).toEqual([]);

  // The widget gets it, its pattern as an anchored RegExp over the path on any host.
  const listed = (await publicRules(admin.request, server.url)).find((r) => r.text === text);
  expect(listed?.after).toBe(30);
  const url = new RegExp(listed?.url ?? '^$');
  expect(url.test(`${server.url}/pricing/teams?x=1`)).toBe(true);
  expect(url.test(`${server.url}/about/pricing`)).toBe(false);

  // Edit opens the same dialog, filled in.
  await item.getByRole('button', { name: 'Edit' }).click();
  const edit = admin.getByRole('dialog', { name: 'Edit proactive message' });
  await expect(edit.getByRole('textbox', { name: 'Name' })).toHaveValue(name);
  await expect(edit.getByRole('textbox', { name: 'Message' })).toHaveValue(text);
  await expect(edit.getByRole('textbox', { name: 'URL pattern' })).toHaveValue('/pricing*');
  await expect(edit.getByRole('spinbutton', { name: 'Seconds on page' })).toHaveValue('30');
  await expect(edit.getByRole('combobox', { name: 'Department' })).toHaveValue('Sales');
  const edited = `${text} (edited)`;
  await edit.getByRole('textbox', { name: 'Message' }).fill(edited);
  await edit.getByRole('textbox', { name: 'URL pattern' }).fill('/plans/*');
  await edit.getByRole('spinbutton', { name: 'Seconds on page' }).fill('5');
  await edit.getByRole('combobox', { name: 'Department' }).selectOption({ label: 'Any department' });
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  await expect(item).toContainText('On /plans/* after 5 s');
  await expect(item).toContainText(edited);
  await expect(item).not.toContainText('Sales');
  const after = (await publicRules(admin.request, server.url)).find((r) => r.text === edited);
  expect(after?.after).toBe(5);
  expect(new RegExp(after?.url ?? '^$').test(`${server.url}/plans/pro`)).toBe(true);

  // Enabled is saved at once: off, the widget no longer gets it (and a reload shows it off); on again.
  await item.getByRole('checkbox', { name: 'Enabled' }).uncheck();
  await expect
    .poll(async () => (await publicRules(admin.request, server.url)).some((r) => r.text === edited))
    .toBe(false);
  await admin.reload();
  await expect(item.getByRole('checkbox', { name: 'Enabled' })).not.toBeChecked();
  await item.getByRole('checkbox', { name: 'Enabled' }).check();
  await expect
    .poll(async () => (await publicRules(admin.request, server.url)).some((r) => r.text === edited))
    .toBe(true);

  // Delete asks first; Cancel keeps it, Delete removes it for the console and the widget.
  await item.getByRole('button', { name: 'Delete' }).click();
  const confirm = admin.getByRole('dialog', { name: `Delete “${name}”?` });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(item).toHaveCount(1);
  await item.getByRole('button', { name: 'Delete' }).click();
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(item).toHaveCount(0);
  expect((await publicRules(admin.request, server.url)).some((r) => r.text === edited)).toBe(false);
  await admin.reload();
  await expect(admin.getByRole('heading', { name: 'Proactive messages', level: 1 })).toBeVisible();
  await expect(admin.getByText(name)).toHaveCount(0);
});
