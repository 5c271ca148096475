/**
 * Secrets at rest. The JWT secret signs every agent and visitor token: whoever holds it can
 * forge an admin. With SQLite it is generated once and kept in its own 0600 file under
 * DATA_DIR — not in the data tables, so a copy of the database (a backup, a support dump)
 * cannot forge tokens. Several nodes on PostgreSQL must share one: there `JWT_SECRET` is required.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, sqlitePath } from './config.js';
import { randomSecret } from './ids.js';
import type { Storage } from './storage/types.js';

/** Where an earlier version kept the generated secret (read once, moved to the file, blanked). */
export const LEGACY_JWT_SETTING = 'jwt_secret';
export const JWT_SECRET_FILE = 'jwt-secret';

/** DATA_DIR and everything in it is readable by the server's user only. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function readSecretFile(path: string): string | null {
  try {
    const s = readFileSync(path, 'utf8').trim();
    return s.length > 0 ? s : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function loadJwtSecret(
  config: Pick<Config, 'jwtSecret' | 'databaseUrl' | 'dataDir'>,
  storage: Storage,
): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  if (sqlitePath(config.databaseUrl) === null) {
    throw new Error(
      'JWT_SECRET is required with DATABASE_URL=postgres://… (every node must sign with the same secret); set it to a long random string',
    );
  }
  ensurePrivateDir(config.dataDir);
  const path = join(config.dataDir, JWT_SECRET_FILE);
  const existing = readSecretFile(path);
  if (existing) return existing;
  // First start, or an install whose secret still sits in the settings table: move it out so
  // tokens signed before the upgrade stay valid.
  const legacy = await storage.getSetting(LEGACY_JWT_SETTING);
  const secret = legacy || randomSecret(48);
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process on the same DATA_DIR won the race: use its secret.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = readSecretFile(path);
    if (!theirs) throw new Error(`${path} exists but is empty`);
    return theirs;
  }
  chmodSync(path, 0o600);
  if (legacy) await storage.setSetting(LEGACY_JWT_SETTING, '');
  return secret;
}
