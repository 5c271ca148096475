#!/usr/bin/env node
/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) next to every .js
 * in widget/dist, for the server to send by Accept-Encoding. Run by `npm run build -w widget`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
for (const name of readdirSync(dist)) {
  if (!name.endsWith('.js')) continue;
  const plain = readFileSync(join(dist, name));
  writeFileSync(
    join(dist, `${name}.br`),
    brotliCompressSync(plain, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
      },
    }),
  );
  writeFileSync(join(dist, `${name}.gz`), gzipSync(plain, { level: 9 }));
}
