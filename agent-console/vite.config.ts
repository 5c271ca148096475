import preact from '@preact/preset-vite';
import { defaultClientConditions, defineConfig } from 'vite';

// The console is an SPA served by the gateway at /console (with an SPA fallback).
export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  resolve: {
    // `source`: use protocol/src directly (no protocol build needed); keep Vite's defaults too.
    conditions: ['source', ...defaultClientConditions],
    dedupe: ['preact'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `vite` dev server: talk to a gateway running on :8080.
    proxy: {
      '/api': 'http://localhost:8080',
      '/ws': { target: 'ws://localhost:8080', ws: true },
    },
  },
});
