// Takes the README screenshots against a throw-away server: `node scripts/screenshots.mjs [outDir]`.
// Needs a build (`npm run build`) and /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const outDir = resolve(process.argv[2] ?? 'docs/screenshots');
const port = 18_890;
const url = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'sb-shots-'));
const server = spawn(process.execPath, ['server/dist/main.js'], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  stdio: 'inherit',
});
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const shop = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await shop.goto(`${url}/demo`);
  await shop.getByRole('button', { name: /chat/i }).click();
  await shop.getByRole('textbox', { name: 'Message' }).fill('Hi! Does the kettle work on induction hobs?');
  await shop.getByRole('button', { name: 'Send' }).click();
  await shop
    .getByRole('log')
    .getByText('Sending…')
    .waitFor({ state: 'detached' })
    .catch(() => {});

  const agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await agent.goto(`${url}/console/`);
  await agent.getByRole('textbox', { name: 'Email' }).fill('ana@demo.test');
  await agent.getByLabel('Password').fill('demo1234');
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.getByRole('list', { name: 'Queue' }).getByRole('button', { name: 'Claim' }).first().click();
  await agent
    .getByRole('textbox', { name: 'Reply' })
    .fill('Yes! It comes with an induction plate. Anything else I can help with?');
  await agent.getByRole('button', { name: 'Send' }).click();
  await shop.getByRole('log').getByText('induction plate').waitFor();
  await shop.getByRole('textbox', { name: 'Message' }).fill('Perfect, ordering now 🎉');
  await shop.getByRole('button', { name: 'Send' }).click();
  await agent.getByRole('log').getByText('ordering now').waitFor();
  await shop.waitForTimeout(400); // let animations settle for the picture
  await shop.screenshot({ path: join(outDir, 'demo-desktop.png') });
  await agent.screenshot({ path: join(outDir, 'console.png') });

  const phone = await (
    await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
  ).newPage();
  await phone.goto(`${url}/demo`);
  await phone.getByRole('button', { name: /chat/i }).click();
  await phone.getByRole('textbox', { name: 'Message' }).fill('Do you ship to Spain?');
  await phone.getByRole('button', { name: 'Send' }).click();
  await phone.waitForTimeout(400);
  await phone.screenshot({ path: join(outDir, 'demo-phone.png') });

  const strict = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await strict.goto(`${url}/demo/strict`);
  await strict.getByRole('button', { name: /chat/i }).click();
  await strict.waitForTimeout(400);
  await strict.screenshot({ path: join(outDir, 'demo-strict.png') });

  // Overview: the shop and the console side by side.
  const img = (f) => `data:image/png;base64,${readFileSync(join(outDir, f)).toString('base64')}`;
  const overview = await (await browser.newContext({ viewport: { width: 1600, height: 520 } })).newPage();
  await overview.setContent(`<body style="margin:0;display:flex;gap:16px;padding:16px;background:#e5e7eb">
    <img src="${img('demo-desktop.png')}" style="width:776px;border-radius:8px;box-shadow:0 4px 16px #0003">
    <img src="${img('console.png')}" style="width:776px;border-radius:8px;box-shadow:0 4px 16px #0003"></body>`);
  await overview.screenshot({ path: join(outDir, 'overview.png'), fullPage: true });
  console.log(`screenshots written to ${outDir}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
