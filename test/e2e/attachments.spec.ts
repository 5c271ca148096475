import { readFileSync } from 'node:fs';
import { PDF, PNG } from '../../server/test/fixture-files.js';
import {
  attachFiles,
  claim,
  expect,
  hostPage,
  marker,
  openVisitor,
  signIn,
  test,
  visitorSend,
} from './support/fixtures.js';

// The console's side of attachments: "Attach file" (a file input behind it), drag and drop,
// paste; progress, a failed upload kept with Retry; a thumbnail whose alt text is the file's
// name, and other files as a download link named by the file.
test('an agent attaches a PDF with the file picker and an image by dropping it; a failed upload is retried; both show and download', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('Where is my invoice?');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  const log = ana.getByRole('log');
  await expect(log.getByText(opening)).toBeVisible();

  // The first try fails (the network drops it): it stays, says why, and Retry sends it.
  let failOnce = true;
  await ana.route('**/api/sites/demo/attachments?**', (route) => {
    if (failOnce) {
      failOnce = false;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await attachFiles(ana, { name: 'invoice 42.pdf', mimeType: 'application/pdf', buffer: PDF });
  const uploads = ana.getByRole('list', { name: 'Uploads' });
  await expect(uploads.getByRole('alert')).toContainText('Not uploaded');
  await uploads.getByRole('button', { name: 'Retry' }).click();
  await expect(uploads).toHaveCount(0);
  const pdfLink = log.getByRole('link', { name: 'invoice 42.pdf', exact: true });
  await expect(pdfLink).toBeVisible();
  const download = ana.waitForEvent('download');
  await pdfLink.click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('invoice 42.pdf');
  expect(readFileSync(await file.path()).equals(PDF)).toBe(true);

  // An image dropped on the composer: a thumbnail whose alt text is its name, loaded for real.
  await ana.getByRole('textbox', { name: 'Reply' }).evaluate(
    (el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'parcel photo.png', { type: 'image/png' }));
      const form = el.closest('form');
      form?.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      form?.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [...PNG],
  );
  const thumb = log.getByRole('img', { name: 'parcel photo.png' });
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);

  // Pasted into the reply box: the same path.
  await ana.getByRole('textbox', { name: 'Reply' }).evaluate(
    (el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    [...PNG],
  );
  await expect(log.getByRole('img', { name: 'pasted.png' })).toBeVisible();

  // A file that is not an image or a PDF by its bytes: refused with the server's reason.
  await attachFiles(ana, {
    name: 'fake.png',
    mimeType: 'image/png',
    buffer: Buffer.from('<svg onload=alert(1)>'),
  });
  await expect(uploads.getByRole('alert')).toContainText('Only images (PNG, JPEG, GIF, WebP) and PDF files');
  await uploads.getByRole('button', { name: 'Remove' }).click();
  await expect(uploads).toHaveCount(0);
  await ana.screenshot({ path: test.info().outputPath('console-attachments.png') });

  // The visitor's side gets the messages (the widget's own file rendering is tested in the widget specs).
  await expect(visitor.getByRole('log').getByText('invoice 42.pdf')).toBeVisible();
});

// The widget's side: the agent's image shows in the log (alt text: its name), the agent's PDF
// is a link named by the file that downloads; on a shop whose CSP keeps our images out, the
// image is a link with its name instead, never a broken image.
test('the agent’s image shows in the widget and the agent’s PDF downloads from it; a CSP that blocks images gets a link', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const opening = marker('My parcel arrived broken');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await expect(ana.getByRole('log').getByText(opening)).toBeVisible();

  await attachFiles(ana, [
    { name: 'label.png', mimeType: 'image/png', buffer: PNG },
    { name: 'refund form.pdf', mimeType: 'application/pdf', buffer: PDF },
  ]);
  const log = visitor.getByRole('log');
  const img = log.getByRole('img', { name: 'label.png' });
  await expect(img).toBeVisible();
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(1);
  const link = log.getByRole('link', { name: 'refund form.pdf', exact: true });
  await expect(link).toBeVisible();
  const download = visitor.waitForEvent('download');
  await link.click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('refund form.pdf');
  expect(readFileSync(await file.path()).equals(PDF)).toBe(true);

  // A reload replays both, with fresh links.
  await visitor.reload();
  await visitor.getByRole('button', { name: /chat/i }).click();
  await expect(log.getByRole('img', { name: 'label.png' })).toBeVisible();
  await expect(log.getByRole('link', { name: 'refund form.pdf', exact: true })).toBeVisible();
  await visitor.screenshot({ path: test.info().outputPath('widget-attachments.png') });

  // The same visitor on a shop page whose CSP allows no images: the file's name as a link.
  const strict = await visitor.context().newPage();
  const errors: string[] = [];
  strict.on('pageerror', (e) => errors.push(e.message));
  await hostPage(
    strict,
    server,
    '<script src="/widget.js" data-site="demo"></script>',
    `<meta http-equiv="Content-Security-Policy" content="script-src 'self'; img-src 'none'">`,
  );
  await strict.getByRole('button', { name: /chat/i }).click();
  await expect(strict.getByRole('log').getByRole('link', { name: 'label.png', exact: true })).toBeVisible();
  await expect(strict.getByRole('log').getByRole('img')).toHaveCount(0);
  expect(errors).toEqual([]);
});

// The visitor's side: "Attach file" (a file input behind it) and paste; the upload's progress
// in the log; nothing reaches the agent before all of it is stored; a file refused by its
// bytes says "Not sent" with one clear console warning.
test('a visitor attaches an image by the picker and one by pasting; the agent sees both thumbnails; a fake image is refused with a warning', async ({
  browser,
  server,
}) => {
  const visitor = await openVisitor(browser, server);
  const warnings: string[] = [];
  visitor.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  const opening = marker('Photo of the dent');
  await visitorSend(visitor, opening);
  const ana = await signIn(browser, server, 'ana@demo.test');
  await claim(ana, opening);
  await expect(ana.getByRole('log').getByText(opening)).toBeVisible();

  // The upload is held until we let it go: the log shows its progress, the agent sees nothing.
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  await visitor.route('**/api/sites/demo/attachments?**', async (route) => {
    await held;
    await route.continue();
  });
  await attachFiles(visitor, { name: 'dent.png', mimeType: 'image/png', buffer: PNG });
  const log = visitor.getByRole('log');
  await expect(log.getByRole('progressbar', { name: 'Sending…' })).toBeVisible();
  await expect(log.getByText('dent.png')).toBeVisible();
  await expect(ana.getByRole('log').getByText('dent.png')).toHaveCount(0);
  release();
  await expect(log.getByRole('progressbar')).toHaveCount(0);
  await expect(log.getByRole('img', { name: 'dent.png' })).toBeVisible();
  const thumb = ana.getByRole('log').getByRole('img', { name: 'dent.png' });
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await visitor.unroute('**/api/sites/demo/attachments?**');

  // Pasted into the message box.
  await visitor.getByRole('textbox', { name: 'Message' }).evaluate(
    (el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    [...PNG],
  );
  await expect(ana.getByRole('log').getByRole('img', { name: 'pasted.png' })).toBeVisible();

  // Script dressed as an image: refused by its bytes, "Not sent", one warning naming why.
  await attachFiles(visitor, {
    name: 'evil.png',
    mimeType: 'image/png',
    buffer: Buffer.from('<svg onload=alert(1)>'),
  });
  await expect(log.getByText('Not sent')).toBeVisible();
  expect(warnings.filter((w) => w.includes('evil.png'))).toEqual([
    expect.stringContaining('Only images (PNG, JPEG, GIF, WebP) and PDF files'),
  ]);
  await expect(ana.getByRole('log').getByText('evil.png')).toHaveCount(0);
});
