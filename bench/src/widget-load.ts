/**
 * `widget-load` scenario: what the widget costs the shop page's `load` event. In headless
 * chromium, the same shop page (its own origin, see shop.ts) is loaded with and without the
 * widget's script tag — as a first-time visitor meets it (`with`: connects when the panel
 * opens) and as a signed-in shopper (`with-user`: `data-user-id`, connects at boot) — in
 * three cases for the Switchboard origin:
 *   - `up`: the server answers;
 *   - `down`: only widget.js is served, every other request (session, strings, WebSocket)
 *     has its connection reset;
 *   - `hang`: only widget.js is served, every other request is accepted and never answered.
 * Per load: `loadEventStart` of the navigation entry, first contentful paint, and (with the
 * widget) widget.js `responseEnd` → launcher visible and the requests the page made to the
 * Switchboard origin besides widget.js (WebSockets included). A fresh browser context per
 * load (cold cache, empty storage); the variants rotate, so drift hits all. Medians per case;
 * ratio = median with / median without.
 */
import { existsSync } from 'node:fs';
import { FaultProxy, type ShopVariant, startShop } from './shop.js';
import { median } from './stats.js';
import type {
  EmbedLoadResult,
  LoadCase,
  LoadCaseResult,
  Target,
  WidgetLoadConfig,
  WidgetLoadResult,
} from './types.js';
import { ARGS, CHROMIUM, PROBE } from './widget.js';

interface PageMarks {
  loadMs: number;
  fcpMs: number | null;
  launcherAt: number | null;
  scriptEnd: number | null;
  /** widget.js fetch: startTime → responseEnd. */
  scriptFetchMs: number | null;
  /** Requests to the Switchboard origin other than widget.js, WebSockets included. */
  requests: number;
}

const VARIANTS: readonly ShopVariant[] = ['with', 'with-user', 'without'];

const CASES: readonly LoadCase[] = ['up', 'down', 'hang'];

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);

export async function runWidgetLoad(
  cfg: WidgetLoadConfig,
  target: Target,
  log: (t: string) => void,
): Promise<WidgetLoadResult> {
  const result: WidgetLoadResult = { skipped: null, loadsPerVariant: cfg.loads, cases: {}, note: '' };
  if (!existsSync(CHROMIUM)) {
    result.skipped = `${CHROMIUM} not found`;
    return result;
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    chromium = (await import('playwright-core')).chromium;
  } catch {
    result.skipped = 'playwright-core not installed';
    return result;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    for (const c of CASES) {
      const proxy = c === 'up' ? null : new FaultProxy(target.url, c);
      await proxy?.start();
      const shop = await startShop(proxy ? proxy.origin : target.url);
      const origin = proxy ? proxy.origin : target.url;
      const samples: Record<ShopVariant, PageMarks[]> = { with: [], 'with-user': [], without: [] };
      let failures = 0;
      try {
        for (let i = 0; i < cfg.loads; i++) {
          const order = VARIANTS.map((_, k) => VARIANTS[(k + i) % VARIANTS.length] as ShopVariant);
          for (const variant of order) {
            const context = await browser.newContext();
            await context.addInitScript(PROBE);
            const p = await context.newPage();
            let requests = 0;
            const count = (url: string): void => {
              if (url.startsWith(origin) && !url.split('?')[0]?.endsWith('/widget.js')) requests++;
            };
            p.on('request', (r) => count(r.url()));
            p.on('websocket', (ws) => count(ws.url().replace(/^ws/, 'http')));
            try {
              await p.goto(shop.url(variant), { waitUntil: 'load', timeout: cfg.timeoutMs });
              // Headless chromium can fire `load` before the first paint of a small page.
              await p
                .waitForFunction(
                  "performance.getEntriesByName('first-contentful-paint').length > 0",
                  undefined,
                  { timeout: cfg.launcherTimeoutMs, polling: 20 },
                )
                .catch(() => undefined);
              if (variant !== 'without')
                await p
                  .waitForFunction('window.__sbBench.launcherAt !== null', undefined, {
                    timeout: cfg.launcherTimeoutMs,
                    polling: 20,
                  })
                  .catch(() => undefined); // counted below as "launcher not shown"
              const marks = (await p.evaluate(`(() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                const w = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/widget.js'));
                return {
                  loadMs: nav.loadEventStart,
                  fcpMs: fcp ? fcp.startTime : null,
                  launcherAt: window.__sbBench.launcherAt,
                  scriptEnd: w ? w.responseEnd : null,
                  scriptFetchMs: w ? w.responseEnd - w.startTime : null,
                };
              })()`)) as PageMarks;
              samples[variant].push({ ...marks, requests });
            } catch (e) {
              failures++;
              if (failures === 1)
                log(`widget-load ${c} ${variant} failed: ${e instanceof Error ? e.message : String(e)}`);
            } finally {
              await context.close();
              proxy?.release();
            }
          }
        }
      } finally {
        await shop.close();
        await proxy?.close();
      }
      result.cases[c] = summarize(samples, failures);
    }
  } finally {
    await browser.close();
  }
  result.note = `${cfg.loads} loads per case and variant (with: first visit, with-user: data-user-id, without), fresh browser context per load, shop page on its own origin, script tag async`;
  return result;
}

function summarize(samples: Record<ShopVariant, PageMarks[]>, failures: number): LoadCaseResult {
  const without = med(samples.without.map((m) => m.loadMs));
  const embed = (list: PageMarks[]): EmbedLoadResult => {
    const load = med(list.map((m) => m.loadMs));
    const launcher = list.flatMap((m) =>
      m.launcherAt !== null && m.scriptEnd !== null ? [m.launcherAt - m.scriptEnd] : [],
    );
    return {
      loadMs: round(load),
      loadRatio:
        load !== null && without !== null && without > 0 ? Math.round((load / without) * 1000) / 1000 : null,
      fcpMs: round(med(list.flatMap((m) => (m.fcpMs === null ? [] : [m.fcpMs])))),
      scriptFetchMs: round(med(list.flatMap((m) => (m.scriptFetchMs === null ? [] : [m.scriptFetchMs])))),
      scriptToLauncherMs: round(med(launcher)),
      fcpToLauncherMs: round(
        med(list.flatMap((m) => (m.launcherAt !== null && m.fcpMs !== null ? [m.launcherAt - m.fcpMs] : []))),
      ),
      launcherShown: `${launcher.length}/${list.length}`,
      switchboardRequests: med(list.map((m) => m.requests)),
      loads: list.length,
    };
  };
  return {
    loadWithoutMs: round(without),
    fcpWithoutMs: round(med(samples.without.flatMap((m) => (m.fcpMs === null ? [] : [m.fcpMs])))),
    loadsWithout: samples.without.length,
    firstVisit: embed(samples.with),
    signedIn: embed(samples['with-user']),
    failures,
  };
}

function med(xs: number[]): number | null {
  return xs.length ? median(xs) : null;
}
