import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig, type UserConfig } from 'vite';

/**
 * Two builds (`npm run build`: `vite.panel.config.ts` first, then this one):
 * - `widget.js` (this config): loader, launcher, JS API, socket client, stores, unread and
 *   alerts — everything a page needs while the chat is closed, no Preact;
 * - `widget-panel.js`: the panel UI, loaded by widget.js on first open / when idle.
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

/** `widget-panel.js?v=<hash>`: a new widget.js never gets a cached panel of another build. */
function panelFile(): string {
  const file = fileURLToPath(new URL('dist/widget-panel.js', import.meta.url));
  const hash = existsSync(file)
    ? createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10)
    : 'dev';
  return `widget-panel.js?v=${hash}`;
}

export default defineConfig({
  ...shared,
  define: { ...shared.define, __PANEL_FILE__: JSON.stringify(panelFile()) },
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
