import { randomBytes } from 'node:crypto';

/**
 * Random bytes for ids come from a pooled buffer refilled 4 KiB at a time (one
 * `randomFillSync` per ~315 ids instead of one per id). The pool is process-private and
 * each byte is used once.
 */
const POOL_BYTES = 4096;
const ID_BYTES = 13;
let pool = randomBytes(POOL_BYTES);
let offset = 0;

/** Short random ids: a prefix and ~20 base36 characters (≈ 100 bits). */
export function newId(prefix: string): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  // 13 bytes = 8 (one BigInt read) + 5 (a safe integer): the same 104-bit number as before.
  const hi = pool.readBigUInt64BE(offset);
  const lo = pool.readUIntBE(offset + 8, 5);
  offset += ID_BYTES;
  return `${prefix}_${((hi << 40n) | BigInt(lo)).toString(36)}`;
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
