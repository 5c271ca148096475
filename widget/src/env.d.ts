/** Nothing is injected by the build (one file, no chunk versions). */
export {};
