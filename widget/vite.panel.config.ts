import { defineConfig, type Plugin } from 'vite';
import { LOCALE_CODES, panelTable } from './src/locales';
import { shared } from './vite.config';

/** The event of `src/ui/load-panel.ts` (PANEL_EVENT); test/size.test.ts checks they match. */
const PANEL_EVENT = 'switchboard:panel';

/**
 * Turns the IIFE into a factory handed to widget.js (no global): the chunk dispatches
 * PANEL_EVENT on its own <script> with `(core) => show`, where `core` is widget.js's
 * `src/shared.ts` (stores, locale helpers), the one module this build leaves external.
 * Runs before minification, so terser sees the whole file.
 */
const handOver: Plugin = {
  name: 'switchboard-panel-hand-over',
  renderChunk: (code) =>
    `document.currentScript.dispatchEvent(new CustomEvent(${JSON.stringify(PANEL_EVENT)},{detail:function(core){${code};return SwitchboardPanel.show}}));`,
};

/** Placeholder of the locale table (`__PANEL_TABLE__`), replaced in the minified file. */
const TABLE = '__SB_PANEL_TABLE__';

/** One file per locale: `widget-panel.<locale>.js`, each with its own table only. */
const perLocale: Plugin = {
  name: 'switchboard-panel-per-locale',
  generateBundle(_options, bundle) {
    const chunk = bundle['widget-panel.js'];
    if (chunk?.type !== 'chunk') throw new Error('widget-panel.js was not built');
    const at = /(["'`])__SB_PANEL_TABLE__\1/;
    if (!at.test(chunk.code)) throw new Error(`${TABLE} is not in widget-panel.js`);
    // scripts/size-report.mjs keeps the chunk (English) for its source map.
    if (process.env.SB_KEEP_PANEL_CHUNK)
      chunk.code = chunk.code.replace(at, () => JSON.stringify(panelTable('en')));
    else delete bundle['widget-panel.js'];
    for (const code of LOCALE_CODES) {
      this.emitFile({
        type: 'asset',
        fileName: `widget-panel.${code}.js`,
        source: chunk.code.replace(at, () => JSON.stringify(panelTable(code))),
      });
    }
  },
};

export default defineConfig({
  ...shared,
  define: { ...shared.define, __PANEL_TABLE__: JSON.stringify(TABLE) },
  plugins: [...(shared.plugins ?? []), handOver, perLocale],
  build: {
    ...shared.build,
    emptyOutDir: true,
    lib: {
      entry: 'src/ui/panel-entry.tsx',
      formats: ['iife'],
      name: 'SwitchboardPanel', // local to the factory above
      fileName: () => 'widget-panel.js',
    },
    rollupOptions: {
      external: (id) => /(^|[\\/])shared(\.ts)?$/.test(id),
      output: { globals: () => 'core' },
    },
  },
});
