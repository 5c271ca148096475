import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { WIDGET_EN, WIDGET_TABLES } from '@switchboard/protocol';
import { expect, it } from 'vitest';

const widgetDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/widget.js', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
/**
 * The one file, gzipped: 18.5 KB for now (was 20 KB for widget.js alone); issue 11 asks 18 KB
 * (widget/README.md, Size, says what would close the gap).
 */
const BUDGET = 18.5 * 1024;

/** Rebuilds when dist is missing or older than any source file. */
function stale(): boolean {
  if (!existsSync(bundle)) return true;
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
  // NODE_ENV=production: under vitest it is "test", which the real build never sees.
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
  // One file: no chunk imports, no script it adds itself, no runtime schema library, no process.env left behind.
  expect(text).not.toMatch(/\bimport\(|\bimport\s*["'{]/);
  expect(text).not.toMatch(/createElement\(["']script["']\)/);
  expect(text).not.toContain('widget-panel');
  expect(text).not.toContain('process.env');
  expect(text).not.toContain('@sinclair/typebox');
  expect(text).not.toContain('<style');
  // English is built in; the other locales are the server's (fetched once, then kept).
  expect(text).toContain(JSON.stringify(WIDGET_EN).slice(1, 40));
  for (const [code, table] of Object.entries(WIDGET_TABLES)) {
    if (code !== 'en') expect(text.includes(table.split('|')[4] ?? ''), code).toBe(false);
  }
  // Nothing else to serve: widget.js and its precompressed copies.
  expect(readdirSync(dist).sort()).toEqual(['widget.js', 'widget.js.br', 'widget.js.gz']);
});
