/**
 * @switchboard/protocol — wire types, close codes, error codes and limits.
 * Runtime schemas live in `@switchboard/protocol/schemas` (server only).
 */

export * from './codes.js';
export * from './limits.js';
export * from './queue.js';
export * from './strings.js';
export type * from './types.js';
