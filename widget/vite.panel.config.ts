import { defineConfig, type Plugin } from 'vite';
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

export default defineConfig({
  ...shared,
  plugins: [...(shared.plugins ?? []), handOver],
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
