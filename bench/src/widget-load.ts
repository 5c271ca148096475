/**
 * `widget-load` scenario: what the widget costs the shop page's `load` event. In headless
 * chromium, the same shop page (its own origin, see shop.ts) is loaded with and without the
 * widget's script tag, in three cases for the Switchboard origin:
 *   - `up`: the server answers;
 *   - `down`: only widget.js is served, every other request (session, strings, WebSocket)
 *     has its connection reset;
 *   - `hang`: only widget.js is served, every other request is accepted and never answered.
 * Per load: `loadEventStart` of the navigation entry, first contentful paint, and (with the
 * widget) widget.js `responseEnd` → launcher visible. A fresh browser context per load (cold
 * cache, empty storage); with and without alternate, so drift hits both. Medians per case;
 * ratio = median with / median without.
 */
import { existsSync } from 'node:fs';
import { FaultProxy, type ShopVariant, startShop } from './shop.js';
import { median } from './stats.js';
import type { LoadCase, LoadCaseResult, Target, WidgetLoadConfig, WidgetLoadResult } from './types.js';
import { ARGS, CHROMIUM, PROBE } from './widget.js';

interface PageMarks {
  loadMs: number;
  fcpMs: number | null;
  launcherAt: number | null;
  scriptEnd: number | null;
}

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
      const samples: Record<ShopVariant, PageMarks[]> = { with: [], without: [] };
      let failures = 0;
      try {
        for (let i = 0; i < cfg.loads; i++) {
          const order: ShopVariant[] = i % 2 === 0 ? ['with', 'without'] : ['without', 'with'];
          for (const variant of order) {
            const context = await browser.newContext();
            await context.addInitScript(PROBE);
            const p = await context.newPage();
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
              if (variant === 'with')
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
                };
              })()`)) as PageMarks;
              samples[variant].push(marks);
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
  result.note = `${cfg.loads} loads per case and variant, fresh browser context per load, shop page on its own origin, script tag async`;
  return result;
}

function summarize(samples: Record<ShopVariant, PageMarks[]>, failures: number): LoadCaseResult {
  const med = (xs: number[]): number | null => (xs.length ? median(xs) : null);
  const withLoad = med(samples.with.map((m) => m.loadMs));
  const withoutLoad = med(samples.without.map((m) => m.loadMs));
  const launcher = samples.with
    .filter((m) => m.launcherAt !== null && m.scriptEnd !== null)
    .map((m) => (m.launcherAt as number) - (m.scriptEnd as number));
  return {
    loadWithMs: round(withLoad),
    loadWithoutMs: round(withoutLoad),
    loadRatio:
      withLoad !== null && withoutLoad !== null && withoutLoad > 0
        ? Math.round((withLoad / withoutLoad) * 1000) / 1000
        : null,
    fcpWithMs: round(med(samples.with.flatMap((m) => (m.fcpMs === null ? [] : [m.fcpMs])))),
    fcpWithoutMs: round(med(samples.without.flatMap((m) => (m.fcpMs === null ? [] : [m.fcpMs])))),
    scriptToLauncherMs: round(med(launcher)),
    fcpToLauncherMs: round(
      med(
        samples.with.flatMap((m) =>
          m.launcherAt !== null && m.fcpMs !== null ? [m.launcherAt - m.fcpMs] : [],
        ),
      ),
    ),
    launcherShown: `${launcher.length}/${samples.with.length}`,
    loads: { with: samples.with.length, without: samples.without.length },
    failures,
  };
}
