import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig, type UserConfig } from 'vite';

/**
 * Two builds (`npm run build`: `vite.panel.config.ts` first, then this one):
 * - `widget.js` (this config): loader, launcher, JS API, socket client, stores, unread and
 *   alerts — everything a page needs while the chat is closed, no Preact;
 * - `widget-panel.<locale>.js`: the panel UI with one locale's strings, loaded by widget.js
 *   on first open and prefetched when the page is idle.
 */
export const shared: UserConfig = {
  plugins: [preact({ devtoolsInProd: false, prefreshEnabled: false })],
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  resolve: {
    dedupe: ['preact'],
    conditions: ['source', 'module', 'browser', 'production', 'default'],
  },
  build: {
    outDir: 'dist',
    target: 'es2021',
    // Browsers from ~2022 on: keeps logical properties as written instead of the large
    // :lang() fallbacks CSS lowering would add.
    cssTarget: ['chrome111', 'edge111', 'firefox113', 'safari16.4'],
    // terser with several passes packs ~1 KB tighter than the default minifier here.
    minify: 'terser',
    terserOptions: {
      compress: { passes: 3, unsafe_arrows: true, pure_getters: true, ecma: 2020 },
      toplevel: true,
      ecma: 2020,
      format: { comments: false },
    },
    sourcemap: false,
  },
};

/** Hash of the panel files: `widget-panel.<locale>.js?v=<hash>` ties a widget.js to its build's panel. */
function panelVersion(): string {
  const dist = fileURLToPath(new URL('dist/', import.meta.url));
  const files = existsSync(dist)
    ? readdirSync(dist)
        .filter((f) => f.startsWith('widget-panel.'))
        .sort()
    : [];
  const hash = createHash('sha256');
  for (const f of files) hash.update(readFileSync(join(dist, f)));
  return files.length ? hash.digest('hex').slice(0, 10) : 'dev';
}

export default defineConfig({
  ...shared,
  define: { ...shared.define, __PANEL_VERSION__: JSON.stringify(panelVersion()) },
  build: {
    ...shared.build,
    emptyOutDir: false, // the panel build (first) cleaned dist/
    lib: {
      entry: 'src/main.ts',
      formats: ['iife'],
      // Required by Vite for IIFE; main.ts exports nothing, so no global is emitted.
      name: 'Switchboard',
      fileName: () => 'widget.js',
    },
  },
});
