/** Set by the build (vite.config.ts): a hash of the panel files, so widget.js asks for its own build's panel. */
declare const __PANEL_VERSION__: string;
/** Set by the panel build (vite.panel.config.ts): the `panelTable` of the file's locale. */
declare const __PANEL_TABLE__: string;
