import { readFileSync } from 'node:fs';
import { PDF, PNG } from '../../server/test/fixture-files.js';
import { claim, expect, marker, openVisitor, signIn, test, visitorSend } from './support/fixtures.js';

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
  const chooser = ana.waitForEvent('filechooser');
  await ana.getByRole('button', { name: 'Attach file' }).click();
  await (await chooser).setFiles({ name: 'invoice 42.pdf', mimeType: 'application/pdf', buffer: PDF });
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
  const chooser2 = ana.waitForEvent('filechooser');
  await ana.getByRole('button', { name: 'Attach file' }).click();
  await (await chooser2).setFiles({
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
