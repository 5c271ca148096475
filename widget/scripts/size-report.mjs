#!/usr/bin/env node
/**
 * Where the bytes of widget.js go. Builds it once more with a source map (into a temp dir,
 * dist/ is untouched), attributes every byte of the minified output to the source it came
 * from, and estimates each module's share of the gzipped file.
 *
 *   node widget/scripts/size-report.mjs          # a table
 *   node widget/scripts/size-report.mjs --json   # {total, gzip, served, modules}
 *
 * `gzip` is zlib -9 (the per-module shares are of it); `served` is the Zopfli gzip the build
 * writes to dist/widget.js.gz. The size test's 18 KB budget applies to both.
 *
 * gzip estimate: each module's bytes are gzipped on their own, and the real gzip total is
 * shared out in proportion (compression across module borders is small for a single
 * minified file). Bytes no mapping covers (IIFE wrapper, separators) are "(glue)".
 * No dependencies beyond the widget's own vite.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import zopfli from '@gfx/zopfli';

const widgetDir = fileURLToPath(new URL('..', import.meta.url));
const json = process.argv.includes('--json');
const { build } = await import('vite');
const result = await report('vite.config.ts', 'widget.js', ['src/ui/styles.css', 'src/ui/panel.css']);

if (json) {
  console.log(JSON.stringify(result));
} else {
  const pad = (s, n) => String(s).padStart(n);
  const { total, gzip, served, modules } = result;
  console.log(
    `\nwidget.js: ${total} B raw, ${served} B gzip as served (Zopfli), ${gzip} B zlib -9; budget 18432 for both\n`,
  );
  console.log(`${'module'.padEnd(34)}${pad('raw', 8)}${pad('~gzip', 8)}${pad('%', 6)}`);
  for (const r of modules) {
    console.log(
      `${r.module.padEnd(34)}${pad(r.raw, 8)}${pad(r.gzip, 8)}${pad(((r.gzip / gzip) * 100).toFixed(1), 6)}`,
    );
  }
}

async function report(configFile, file, styles) {
  const out = mkdtempSync(join(tmpdir(), 'sb-size-'));
  await build({
    root: widgetDir,
    configFile: join(widgetDir, configFile),
    logLevel: 'silent',
    build: { outDir: out, emptyOutDir: true, sourcemap: true },
  });

  // The sourceMappingURL comment exists only in this build: leave it out of every count.
  const code = readFileSync(join(out, file), 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const map = JSON.parse(readFileSync(join(out, `${file}.map`), 'utf8'));
  rmSync(out, { recursive: true, force: true });

  /** Groups a source path: our modules by file, packages by name. */
  function group(source) {
    const abs = fileURLToPath(new URL(source, `file://${join(out, 'x')}`));
    const nm = abs.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const parts = abs.slice(nm + 13).split('/');
      const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
      const sub = parts[0].startsWith('@') ? parts[2] : parts[1];
      // preact and its hooks are reported apart (preact/hooks is its own entry)
      return pkg === 'preact' && sub === 'hooks' ? 'preact/hooks' : pkg;
    }
    return relative(widgetDir, abs).replace(/\?.*$/, '');
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function decodeVlq(segment) {
    const values = [];
    let value = 0;
    let shift = 0;
    for (const ch of segment) {
      const digit = B64.indexOf(ch);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    return values;
  }

  // Every byte of the output gets an owner: the source of the mapping segment it falls in
  // (a segment owns the bytes up to the next one).
  const owners = new Int32Array(code.length).fill(-1);
  const names = [...map.sources.map(group), ...styles, '(glue)'];
  const GLUE = names.length - 1;
  let sourceIndex = 0;
  let offset = 0;
  const lines = code.split('\n');
  const mapLines = map.mappings.split(';');
  for (let li = 0; li < lines.length; li++) {
    let col = 0;
    let pos = 0;
    let owner = GLUE;
    for (const seg of (mapLines[li] ?? '').split(',')) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      col += v[0];
      owners.fill(owner, offset + pos, offset + col);
      pos = col;
      if (v.length >= 4) {
        sourceIndex += v[1];
        owner = sourceIndex;
      } else owner = GLUE;
    }
    owners.fill(owner, offset + pos, offset + lines[li].length + 1);
    offset += lines[li].length + 1;
  }
  // Each stylesheet is inlined as one string literal (`?inline`), which carries no mapping:
  // styles.css starts with `:host{`, panel.css with `.sr{`.
  for (const [k, start] of [/:host\{/, /\.sr\{/].entries()) {
    const cssAt = code.search(start);
    if (cssAt <= 0) continue;
    const quote = code[cssAt - 1];
    let end = cssAt;
    while (end < code.length && !(code[end] === quote && code[end - 1] !== '\\')) end++;
    owners.fill(names.length - 1 - styles.length + k, cssAt - 1, end + 1);
  }
  const chunks = new Map(); // group → string pieces
  for (let i = 0; i < code.length; ) {
    let j = i;
    while (j < code.length && owners[j] === owners[i]) j++;
    const name = owners[i] < 0 ? '(glue)' : names[owners[i]];
    const list = chunks.get(name) ?? [];
    list.push(code.slice(i, j));
    chunks.set(name, list);
    i = j;
  }

  const gzipTotal = gzipSync(code, { level: 9 }).length;
  const rows = [...chunks].map(([module, parts]) => {
    const text = parts.join('');
    return { module, raw: Buffer.byteLength(text), alone: gzipSync(text, { level: 9 }).length };
  });
  const aloneSum = rows.reduce((n, r) => n + r.alone, 0);
  for (const r of rows) r.gzip = Math.round((r.alone / aloneSum) * gzipTotal);
  rows.sort((a, b) => b.gzip - a.gzip);

  return {
    total: Buffer.byteLength(code),
    gzip: gzipTotal,
    served: (await zopfli.gzipAsync(Buffer.from(code), { numiterations: 100 })).length,
    modules: rows.map(({ module, raw, gzip }) => ({ module, raw, gzip })),
  };
}
