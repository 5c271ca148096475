import { defineConfig, type UserConfig } from 'vite';
import { preactTrim } from './preact-trim';

/**
 * One IIFE file, `widget.js`: launcher, JS API, socket client, stores, alerts and the panel
 * (Preact). The only thing a shop page loads from Switchboard.
 */
const shared: UserConfig = {
  // Preact's paths the widget never takes (class components, context, hydration extras…), cut
  // at build: preact-trim.ts.
  plugins: [preactTrim()],
  // Classic JSX (`h(type, props, ...children)`) instead of @preact/preset-vite's automatic
  // runtime: 159 B less gzipped. The preset's other parts (prefresh, devtools, React
  // aliases) do nothing for a production-only IIFE that no dev server serves; the console
  // keeps the preset.
  oxc: {
    jsx: { runtime: 'classic', pragma: 'h', pragmaFrag: 'Fragment' },
    jsxInject: "import { Fragment, h } from 'preact'",
  },
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
    // terser with several passes packs ~1 KB tighter than the default minifier here; `unsafe`
    // (String(x) → ""+x and the like) and 6 passes another 58 B (widget/README.md, Size).
    minify: 'terser',
    terserOptions: {
      compress: {
        passes: 6,
        unsafe: true,
        unsafe_arrows: true,
        // `a < b` may become `b > a`: safe here, where every comparison is of numbers or strings (−8 B).
        unsafe_comps: true,
        pure_getters: true,
        ecma: 2020,
      },
      toplevel: true,
      // Preact's internal fields (`__k`, `__e`, `__c`…, already its own short names) and our hooks'
      // list on the component (`__H`, ui/hooks.ts, which reads Preact's by the same names) down
      // to one letter: everything that uses them is in this one file, so renaming them together
      // is safe (−33 B gzip when first measured). `__html` is Preact's public API; quoted names stay as they are. A
      // pattern string, not a RegExp: the options travel to terser's worker as JSON.
      mangle: { properties: { regex: '^__(?!html$)[A-Za-z]{1,2}$', keep_quoted: true } },
      ecma: 2020,
      format: { comments: false },
    },
    sourcemap: false,
  },
};

export default defineConfig({
  ...shared,
  build: {
    ...shared.build,
    emptyOutDir: true,
    lib: {
      entry: 'src/main.ts',
      formats: ['iife'],
      // Required by Vite for IIFE; main.ts exports nothing, so no global is emitted.
      name: 'Switchboard',
      fileName: () => 'widget.js',
    },
  },
});
