import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { LOCALE_CODES, panelTable } from '../src/locales';
import { PANEL_EVENT } from '../src/ui/load-panel';

const widgetDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/widget.js', import.meta.url));
const panelOf = (locale: string) =>
  fileURLToPath(new URL(`../dist/widget-panel.${locale}.js`, import.meta.url));
const BUDGET = 20 * 1024;
/** widget.js plus any locale's panel: keeps the split from growing (one file was 20 297 B). */
const BOTH_BUDGET = 21 * 1024;

/** Rebuilds when dist is missing or older than any source file. */
function stale(): boolean {
  if (!existsSync(bundle) || !LOCALE_CODES.every((l) => existsSync(panelOf(l)))) return true;
  const built = statSync(bundle).mtimeMs;
  const newest = (dir: string): number => {
    let t = 0;
    for (const name of execFileSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).split('\n')) {
      if (name) t = Math.max(t, statSync(name).mtimeMs);
    }
    return t;
  };
  return newest(`${widgetDir}src`) > built || newest(`${widgetDir}../protocol/src`) > built;
}

it(`widget.js is at most ${BUDGET / 1024} KB gzipped, one self-contained file`, { timeout: 120_000 }, () => {
  // NODE_ENV=production: under vitest it is "test", and the preact preset would then add
  // JSX debug info (source paths, line numbers) that the real build does not ship.
  if (stale())
    execFileSync('npm', ['run', 'build', '--', '--logLevel', 'error'], {
      cwd: widgetDir,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
  const code = readFileSync(bundle);
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`widget.js: ${code.length} bytes, ${gzipped} bytes gzipped (budget ${BUDGET})`);
  expect(gzipped).toBeLessThanOrEqual(BUDGET);
  const text = code.toString('utf8');
  // No chunk imports (the panel is a classic script it adds itself), no runtime schema library, no process.env left behind.
  expect(text).not.toMatch(/\bimport\(|\bimport\s*["'{]/);
  expect(text).not.toContain('process.env');
  expect(text).not.toContain('@sinclair/typebox');
  expect(text).not.toContain('<style');
  // It loads the panel chunks of the same build (hash of every panel file, sorted by name).
  const hash = createHash('sha256');
  for (const l of [...LOCALE_CODES].sort()) hash.update(readFileSync(panelOf(l)));
  expect(text).toContain(`.js?v=${hash.digest('hex').slice(0, 10)}`);
});

it('widget-panel.<locale>.js: one self-contained file per locale that hands itself to widget.js, no global', () => {
  const core = gzipSync(readFileSync(bundle), { level: 9 }).length;
  for (const locale of LOCALE_CODES) {
    const code = readFileSync(panelOf(locale));
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(
      `widget-panel.${locale}.js: ${code.length} bytes, ${gzipped} gzipped; with widget.js ${core + gzipped}`,
    );
    expect(core + gzipped, locale).toBeLessThanOrEqual(BOTH_BUDGET);
    const text = code.toString('utf8');
    expect(text).not.toMatch(/\bimport\(|\bimport\s*["'{]/);
    expect(text).not.toContain('process.env');
    expect(text).not.toContain('<style');
    // One statement: the hand-over event with the factory (no top-level `var` = no global).
    expect(text.trim()).toMatch(
      new RegExp(`^document\\.currentScript\\.dispatchEvent\\(new CustomEvent\\("${PANEL_EVENT}"`),
    );
    expect(text.trim().endsWith('}));')).toBe(true);
    // Its own locale's strings, no other locale's.
    for (const other of LOCALE_CODES) {
      expect(text.includes(JSON.stringify(panelTable(other))), `${locale} has ${other}`).toBe(
        other === locale,
      );
    }
  }
});
