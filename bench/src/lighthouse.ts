/**
 * `lighthouse` scenario: Lighthouse 12.2 (mobile form factor, simulated throttling,
 * performance category only) against the shop page of shop.ts with and without the widget,
 * N runs each (alternating), Debian's chromium started by chrome-launcher for every run.
 * Reported per variant, medians over the runs that succeeded: performance score (0–100),
 * LCP, TBT, FCP (ms) and total transferred bytes (`total-byte-weight`). Never throws for a
 * Lighthouse failure: the errors go into the result (and so into the JSON line).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startShop } from './shop.js';
import { median } from './stats.js';
import type { LighthouseConfig, LighthouseResult, LighthouseSummary, Target } from './types.js';
import { CHROMIUM } from './widget.js';

interface RunFigures {
  score: number;
  lcpMs: number;
  tbtMs: number;
  fcpMs: number;
  transferBytes: number;
  observedLcpMs: number | null;
  widgetTransferBytes: number | null;
  widgetCpuMs: number | null;
}

/** The part of Lighthouse's result we read (typed here so a type change there stays local). */
interface Lhr {
  runtimeError?: { code: string; message: string };
  categories: { performance?: { score: number | null } };
  audits: Record<
    string,
    { numericValue?: number; details?: { items?: Array<Record<string, unknown>> } } | undefined
  >;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

export async function runLighthouse(
  cfg: LighthouseConfig,
  target: Target,
  log: (t: string) => void,
): Promise<LighthouseResult> {
  const result: LighthouseResult = {
    error: null,
    runsPerVariant: cfg.runs,
    with: null,
    without: null,
    errors: [],
    settings: 'mobile, simulated throttling, performance only',
  };
  if (!existsSync(CHROMIUM)) {
    result.error = `${CHROMIUM} not found`;
    return result;
  }
  let lighthouse: (url: string, flags: Record<string, unknown>) => Promise<{ lhr: Lhr } | undefined>;
  let launch: typeof import('chrome-launcher').launch;
  try {
    const lh = await import('lighthouse');
    lighthouse = lh.default as unknown as typeof lighthouse;
    launch = (await import('chrome-launcher')).launch;
    result.version = (
      createRequire(import.meta.url)('lighthouse/package.json') as { version: string }
    ).version;
  } catch (e) {
    result.error = `lighthouse or chrome-launcher not installed: ${errorText(e)}`;
    return result;
  }

  const shop = await startShop(target.url);
  const runs: Record<'with' | 'without', RunFigures[]> = { with: [], without: [] };
  try {
    for (let i = 0; i < cfg.runs; i++) {
      const order = i % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const);
      for (const variant of order) {
        let chrome: Awaited<ReturnType<typeof launch>> | null = null;
        try {
          chrome = await launch({
            chromePath: CHROMIUM,
            chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
          });
          const res = await withTimeout(
            lighthouse(shop.url(variant), {
              port: chrome.port,
              onlyCategories: ['performance'],
              formFactor: 'mobile',
              throttlingMethod: 'simulate',
              output: 'json',
              logLevel: 'error',
            }),
            cfg.runTimeoutMs,
          );
          const lhr = res?.lhr;
          if (!lhr) throw new Error('Lighthouse returned no result');
          if (lhr.runtimeError) throw new Error(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
          const num = (id: string): number => {
            const v = lhr.audits[id]?.numericValue;
            if (typeof v !== 'number') throw new Error(`audit ${id} has no value`);
            return v;
          };
          const score = lhr.categories.performance?.score;
          if (typeof score !== 'number') throw new Error('no performance score');
          runs[variant].push({
            score: score * 100,
            lcpMs: num('largest-contentful-paint'),
            tbtMs: num('total-blocking-time'),
            fcpMs: num('first-contentful-paint'),
            transferBytes: num('total-byte-weight'),
            observedLcpMs: observed(lhr),
            ...widgetFigures(lhr),
          });
          log(`lighthouse ${variant} run ${i + 1}: score ${Math.round(score * 100)}`);
        } catch (e) {
          const text = `${variant} run ${i + 1}: ${errorText(e)}`;
          result.errors.push(text);
          log(`lighthouse ${text}`);
        } finally {
          try {
            chrome?.kill();
          } catch {
            // already gone
          }
        }
      }
    }
  } finally {
    await shop.close();
  }
  result.with = summarize(runs.with);
  result.without = summarize(runs.without);
  if (!result.with || !result.without)
    result.error = `Lighthouse failed: ${result.errors.join('; ') || 'no runs'}`;
  return result;
}

function summarize(runs: RunFigures[]): LighthouseSummary | null {
  if (runs.length === 0) return null;
  const m = (f: (r: RunFigures) => number, digits = 0): number => {
    const k = 10 ** digits;
    return Math.round(median(runs.map(f)) * k) / k;
  };
  return {
    runs: runs.length,
    score: m((r) => r.score),
    lcpMs: m((r) => r.lcpMs),
    tbtMs: m((r) => r.tbtMs),
    fcpMs: m((r) => r.fcpMs),
    transferBytes: m((r) => r.transferBytes),
    observedLcpMs: medianOrNull(runs.map((r) => r.observedLcpMs)),
    widgetTransferBytes: medianOrNull(runs.map((r) => r.widgetTransferBytes)),
    widgetCpuMs: medianOrNull(runs.map((r) => r.widgetCpuMs)),
    scores: runs.map((r) => Math.round(r.score)),
  };
}

function observed(lhr: Lhr): number | null {
  const v = lhr.audits.metrics?.details?.items?.[0]?.observedLargestContentfulPaint;
  return typeof v === 'number' ? v : null;
}

/**
 * widget.js in the unthrottled trace: its transfer size (`network-requests`) and main-thread
 * time, scripting + parse/compile (`bootup-time`; Lighthouse multiplies CPU by 4 in the
 * simulation). Both null without the widget.
 */
function widgetFigures(lhr: Lhr): { widgetTransferBytes: number | null; widgetCpuMs: number | null } {
  const isWidget = (item: Record<string, unknown>): boolean =>
    typeof item.url === 'string' && item.url.endsWith('/widget.js');
  const req = lhr.audits['network-requests']?.details?.items?.find(isWidget);
  const boot = lhr.audits['bootup-time']?.details?.items?.find(isWidget);
  const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
  return {
    widgetTransferBytes: req ? n(req.transferSize) : null,
    widgetCpuMs: boot ? Math.round((n(boot.scripting) + n(boot.scriptParseCompile)) * 10) / 10 : null,
  };
}

function medianOrNull(xs: Array<number | null>): number | null {
  const nums = xs.filter((x): x is number => x !== null);
  return nums.length ? Math.round(median(nums) * 10) / 10 : null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // After a timeout the run goes on until chrome is killed and then rejects: not unhandled.
  p.catch(() => undefined);
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Lighthouse run timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
