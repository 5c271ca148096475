import { randomBytes } from 'node:crypto';

/** Short random ids: a prefix and ~20 base36 characters (≈ 100 bits). */
export function newId(prefix: string): string {
  const b = randomBytes(13);
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return `${prefix}_${n.toString(36)}`;
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
