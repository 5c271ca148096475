/** Set by the build (vite.config.ts): the panel chunk's file name with its content hash, `widget-panel.js?v=…`. */
declare const __PANEL_FILE__: string;
