import { Serial } from '../serial.js';

/**
 * Per-visitor serialisation on this node: a visitor's commands run one at a time, in order.
 * "Find or create / reopen the visitor's conversation" additionally runs under
 * `Storage.exclusive`, which holds across nodes (see messages.ts).
 */
export class VisitorLocks extends Serial {}
