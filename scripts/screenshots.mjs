// Takes the README screenshots against a throw-away server: `node scripts/screenshots.mjs [outDir]`.
// Needs a build (`npm run build`) and /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

/** A 320×200 PNG (a copper gradient) for the attachment shots, made here: no file to keep. */
function picture() {
  const w = 320;
  const h = 200;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = 200 + Math.round((55 * x) / w);
      raw[o + 1] = 110 + Math.round((90 * y) / h);
      raw[o + 2] = 40;
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const outDir = resolve(process.argv[2] ?? 'docs/screenshots');
const port = Number(process.env.SHOTS_PORT ?? 18_890);
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

  // Arabic, right to left, on a shop page of its own.
  const ar = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await ar.route(`${url}/demo/ar`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="ar" dir="rtl"><meta charset="utf-8"><title>متجر</title><body style="font-family:system-ui;padding:40px"><h1>متجر تجريبي</h1><script src="/widget.js" data-site="demo" data-locale="ar"></script></body></html>`,
    }),
  );
  await ar.goto(`${url}/demo/ar`);
  await ar.getByRole('button', { name: /chat/i }).click();
  await ar.getByRole('textbox').last().fill('مرحبا، هل تشحنون إلى دبي؟');
  await ar.keyboard.press('Enter');
  await ar.waitForTimeout(600);
  await ar.screenshot({ path: join(outDir, 'demo-arabic.png') });

  // Files: the agent sends a picture and a PDF; both sides show them.
  const pick = agent.waitForEvent('filechooser');
  await agent.getByRole('button', { name: 'Attach file' }).click();
  await (await pick).setFiles([
    { name: 'kettle-induction-plate.png', mimeType: 'image/png', buffer: picture() },
    {
      name: 'care-guide.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n'),
    },
  ]);
  await shop.getByRole('log').getByRole('link', { name: 'care-guide.pdf' }).waitFor();
  await shop.getByRole('log').getByRole('img', { name: 'kettle-induction-plate.png' }).waitFor();
  await shop.waitForTimeout(400);
  await shop.screenshot({ path: join(outDir, 'demo-attachments.png') });
  await agent.screenshot({ path: join(outDir, 'console-attachments.png') });

  // The agent closes: the visitor rates and may take the transcript with them.
  await agent.getByRole('button', { name: 'Close conversation' }).click();
  await shop.getByRole('log').getByRole('button', { name: 'Download transcript' }).waitFor();
  await shop.getByRole('log').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await shop.waitForTimeout(300);
  await shop.screenshot({ path: join(outDir, 'demo-closed.png') });

  // A proactive message (an admin's rule for the demo pages): on a wide screen the panel opens
  // without taking the focus; on a phone the launcher counts it.
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@demo.test', password: 'demo1234' }),
  });
  const { token } = await login.json();
  for (const rule of [
    {
      name: 'Kettles',
      text: 'Looking at kettles? Ask us anything — we reply in minutes.',
      department: 'Sales',
      trigger: 'page',
      urlPattern: '/demo*',
      seconds: 2,
    },
    {
      name: 'Welcome back',
      text: 'Welcome back! Your basket is saved.',
      trigger: 'returning',
      seconds: 0,
      enabled: false,
    },
  ]) {
    await fetch(`${url}/api/v1/sites/demo/proactive-messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(rule),
    });
  }
  const pro = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await pro.goto(`${url}/demo`);
  await pro.getByRole('dialog').getByText('Looking at kettles?').waitFor();
  await pro.waitForTimeout(400);
  await pro.screenshot({ path: join(outDir, 'demo-proactive.png') });
  // The same on the hostile page (strict CSP, aggressive global styles).
  const proStrict = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await proStrict.goto(`${url}/demo/strict`);
  await proStrict.getByRole('dialog').getByText('Looking at kettles?').waitFor();
  await proStrict.waitForTimeout(400);
  await proStrict.screenshot({ path: join(outDir, 'demo-proactive-strict.png') });
  const proPhone = await (
    await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
  ).newPage();
  await proPhone.goto(`${url}/demo`);
  await proPhone.getByRole('button', { name: /1 unread/ }).waitFor();
  await proPhone.screenshot({ path: join(outDir, 'demo-proactive-phone.png') });
  const admin = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await admin.goto(`${url}/console/`);
  await admin.getByRole('textbox', { name: 'Email' }).fill('admin@demo.test');
  await admin.getByLabel('Password').fill('demo1234');
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('link', { name: /Proactive messages/ }).click();
  await admin.getByRole('list', { name: 'Proactive messages' }).getByRole('listitem').nth(1).waitFor();
  await admin.screenshot({ path: join(outDir, 'console-proactive.png') });
  await admin.getByRole('button', { name: 'Edit' }).first().click();
  await admin.getByRole('dialog').waitFor();
  await admin.waitForTimeout(300);
  await admin.screenshot({ path: join(outDir, 'console-proactive-edit.png') });

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
