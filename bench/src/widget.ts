/**
 * Widget scenario: widget.js bytes (raw, and the `.gz` / `.br` files the build writes beside it —
 * what the server sends — or gzip -9 / brotli 11 computed when they are missing) and, in headless chromium, the median over
 * N loads of (a) script start → launcher visible and (b) panel opened → connected.
 * "Script start" is the resource timing `responseEnd` of widget.js (a parser-blocking script
 * runs right after its bytes are in); both marks are taken by the page's own clock.
 * Skips with a note when the widget is not built or chromium / playwright-core is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { median } from './stats.js';
import type { Target, WidgetConfig, WidgetResult } from './types.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installed in every page before any script: finds the launcher in open shadow roots. */
export const PROBE = `
(() => {
  const roots = () => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) if (el.shadowRoot) out.push(el.shadowRoot);
    return out;
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const find = (sel, test) => {
    for (const root of roots()) for (const el of root.querySelectorAll(sel)) if (test(el)) return el;
    return null;
  };
  window.__sbBench = { launcherAt: null, openedAt: null, connectedAt: null };
  const launcher = () => find('button', (b) => /chat/i.test(b.getAttribute('aria-label') || b.textContent || '') && visible(b));
  const connected = () => {
    const dot = find('[role="status"] .dot', () => true);
    if (dot && /\\bdot-(on|online)\\b/.test(dot.className)) return true;
    const st = find('[role="status"]', () => true);
    const text = st ? (st.textContent || '').trim() : '';
    return !dot && text.length > 0 && !/connect|offline/i.test(text);
  };
  const poll = () => {
    const s = window.__sbBench;
    if (s.launcherAt === null && launcher()) s.launcherAt = performance.now();
    if (s.openedAt !== null && s.connectedAt === null && connected()) s.connectedAt = performance.now();
    if (s.launcherAt === null || s.connectedAt === null) setTimeout(poll, 1);
  };
  poll();
  window.__sbOpen = () => {
    const b = launcher();
    if (!b) return false;
    window.__sbBench.openedAt = performance.now();
    b.click();
    return true;
  };
})();
`;

interface Marks {
  launcherAt: number | null;
  openedAt: number | null;
  connectedAt: number | null;
  scriptStart: number | null;
}

/**
 * Sizes of the one file: raw, and the precompressed siblings the server sends by
 * Accept-Encoding (`widget.js.gz`, `widget.js.br`), computed at the highest levels when the
 * build did not write them.
 */
export function widgetSizes(
  widgetPath: string,
): Pick<WidgetResult, 'rawBytes' | 'gzipBytes' | 'brotliBytes' | 'compressedFrom'> {
  const bytes = readFileSync(widgetPath);
  const gz = `${widgetPath}.gz`;
  const br = `${widgetPath}.br`;
  const fromFiles = existsSync(gz) && existsSync(br);
  return {
    rawBytes: bytes.length,
    gzipBytes: fromFiles ? readFileSync(gz).length : gzipSync(bytes, { level: 9 }).length,
    brotliBytes: fromFiles
      ? readFileSync(br).length
      : brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
    compressedFrom: fromFiles ? 'dist .gz/.br files' : 'computed (gzip -9, brotli 11)',
  };
}

export async function runWidget(
  cfg: WidgetConfig,
  target: Target,
  log: (t: string) => void,
): Promise<WidgetResult> {
  const result: WidgetResult = {
    skipped: null,
    rawBytes: null,
    gzipBytes: null,
    brotliBytes: null,
    loads: 0,
    launcherMedianMs: null,
    connectedMedianMs: null,
    launcherFromNavMedianMs: null,
    failures: 0,
    note: '',
  };
  if (!existsSync(cfg.widgetPath)) {
    result.skipped = `${cfg.widgetPath} not found (build the widget: npm run build -w widget)`;
    return result;
  }
  Object.assign(result, widgetSizes(cfg.widgetPath));
  if (!existsSync(CHROMIUM)) {
    result.skipped = `${CHROMIUM} not found: sizes only`;
    return result;
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    chromium = (await import('playwright-core')).chromium;
  } catch {
    result.skipped = 'playwright-core not installed: sizes only';
    return result;
  }
  const widgetRes = await fetch(`${target.url}/widget.js`).catch(() => null);
  if (!widgetRes?.ok) {
    result.skipped = `server does not serve ${target.url}/widget.js: sizes only`;
    return result;
  }

  // The shop page, on its own origin (another loopback port, as a real shop would be).
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bench shop</title></head>
<body><h1>Bench shop</h1>
<script src="${target.url}/widget.js" data-site="demo" data-server="${target.url}"></script>
</body></html>`;
  const shop = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
  });
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
  const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/`;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const launcher: number[] = [];
  const connected: number[] = [];
  const fromNav: number[] = [];
  try {
    for (let i = 0; i < cfg.loads; i++) {
      // A fresh context per load: cold cache and empty localStorage, like a first visit.
      const context = await browser.newContext();
      await context.addInitScript(PROBE);
      const p = await context.newPage();
      try {
        await p.goto(shopUrl, { waitUntil: 'load', timeout: cfg.timeoutMs });
        await p.waitForFunction('window.__sbBench && window.__sbBench.launcherAt !== null', undefined, {
          timeout: cfg.timeoutMs,
          polling: 20,
        });
        const opened = await p.evaluate('window.__sbOpen()');
        if (opened !== true) throw new Error('launcher not clickable');
        await p.waitForFunction('window.__sbBench.connectedAt !== null', undefined, {
          timeout: cfg.timeoutMs,
          polling: 20,
        });
        const marks = (await p.evaluate(`(() => {
          const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/widget.js'));
          return { ...window.__sbBench, scriptStart: e ? e.responseEnd : null };
        })()`)) as Marks;
        if (marks.launcherAt !== null && marks.scriptStart !== null) {
          launcher.push(marks.launcherAt - marks.scriptStart);
          fromNav.push(marks.launcherAt);
        }
        if (marks.connectedAt !== null && marks.openedAt !== null)
          connected.push(marks.connectedAt - marks.openedAt);
        result.loads++;
      } catch (e) {
        result.failures++;
        if (result.failures === 1) log(`widget load failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    shop.close();
  }
  result.launcherMedianMs = launcher.length ? median(launcher) : null;
  result.connectedMedianMs = connected.length ? median(connected) : null;
  result.launcherFromNavMedianMs = fromNav.length ? median(fromNav) : null;
  result.note = `${result.loads} loads ok, ${result.failures} failed; fresh browser context per load`;
  return result;
}
