import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { JWT_SECRET_FILE, LEGACY_JWT_SETTING } from '../src/secrets.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { login, TEST_SCRYPT_N, tempDir } from './helpers.js';

const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});
function fresh(): string {
  const t = tempDir();
  dirs.push(t);
  return t.dir;
}
const mode = (path: string) => statSync(path).mode & 0o777;

/** Every log line the app writes, as text (info level, like `npm start`). */
function logSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('secrets at rest', () => {
  it('DATA_DIR is 0700, the database 0600, the JWT secret in its own 0600 file and not in the data tables', async () => {
    const dataDir = join(fresh(), 'data');
    const app = await buildApp({
      config: { scryptN: TEST_SCRYPT_N, dataDir, seed: true, seedHistory: false, logLevel: 'silent' },
      logger: false,
    });
    try {
      const token = await login(app, 'ana@demo.test');
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(join(dataDir, 'switchboard.db'))).toBe(0o600);
      const secretPath = join(dataDir, JWT_SECRET_FILE);
      expect(mode(secretPath)).toBe(0o600);
      const secret = readFileSync(secretPath, 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(48);
      expect(await app.storage.getSetting(LEGACY_JWT_SETTING)).toBeNull();
      // A copy of the database file holds no trace of the secret.
      await app.close();
      expect(readFileSync(join(dataDir, 'switchboard.db')).includes(Buffer.from(secret))).toBe(false);
      // The next start signs with the same secret: the token stays valid.
      const again = await buildApp({
        config: { scryptN: TEST_SCRYPT_N, dataDir, logLevel: 'silent' },
        logger: false,
      });
      try {
        const res = await again.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(200);
      } finally {
        await again.close();
      }
    } finally {
      await app.close();
    }
  });

  it('an install that kept the secret in the settings table moves it to the file (same secret, so its tokens stay valid) and blanks the row', async () => {
    const dataDir = fresh();
    mkdirSync(dataDir, { recursive: true });
    const legacySecret = 'legacy-secret-'.padEnd(64, 'x');
    const old = new SqliteStorage(join(dataDir, 'switchboard.db'));
    await old.setSetting(LEGACY_JWT_SETTING, legacySecret);
    await old.close();
    const app = await buildApp({
      config: { scryptN: TEST_SCRYPT_N, dataDir, seed: true, seedHistory: false, logLevel: 'silent' },
      logger: false,
    });
    try {
      expect(readFileSync(join(dataDir, JWT_SECRET_FILE), 'utf8').trim()).toBe(legacySecret);
      expect(await app.storage.getSetting(LEGACY_JWT_SETTING)).toBe('');
    } finally {
      await app.close();
    }
  });

  it('an existing secret file wins over a stale copy in the settings table', async () => {
    const dataDir = fresh();
    writeFileSync(join(dataDir, JWT_SECRET_FILE), 'from-the-file\n', { mode: 0o600 });
    const old = new SqliteStorage(join(dataDir, 'switchboard.db'));
    await old.setSetting(LEGACY_JWT_SETTING, 'from-the-table');
    await old.close();
    const app = await buildApp({
      config: { scryptN: TEST_SCRYPT_N, dataDir, seed: true, seedHistory: false, logLevel: 'silent' },
      logger: false,
    });
    try {
      const token = await login(app, 'ana@demo.test');
      // Signed with the file's secret: a server that only knows the table's refuses it.
      const other = await buildApp({
        config: {
          scryptN: TEST_SCRYPT_N,
          dataDir: fresh(),
          seed: true,
          seedHistory: false,
          jwtSecret: 'from-the-table',
          logLevel: 'silent',
        },
        logger: false,
      });
      try {
        const res = await other.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(401);
      } finally {
        await other.close();
      }
    } finally {
      await app.close();
    }
  });

  it('never writes the site secret or the JWT secret to the log', async () => {
    const dataDir = fresh();
    const sink = logSink();
    const app = await buildApp({
      config: { scryptN: TEST_SCRYPT_N, dataDir, seed: true, seedHistory: false, logLevel: 'info' },
      logger: { level: 'info', stream: sink.stream },
    });
    try {
      await login(app, 'ana@demo.test');
      const site = await app.storage.getSite('demo');
      expect(site?.secret).toBeTruthy();
      const jwt = readFileSync(join(dataDir, JWT_SECRET_FILE), 'utf8').trim();
      const text = sink.text();
      expect(text).toContain('seeded site'); // the sink does receive the app's log
      expect(text).not.toContain(site?.secret as string);
      expect(text).not.toContain(jwt);
    } finally {
      await app.close();
    }
  });

  it('PostgreSQL without JWT_SECRET is refused with a clear error', async () => {
    const { loadJwtSecret } = await import('../src/secrets.js');
    const store = new SqliteStorage(':memory:');
    try {
      await expect(
        loadJwtSecret({ jwtSecret: null, databaseUrl: 'postgres://db/switchboard', dataDir: fresh() }, store),
      ).rejects.toThrow(/JWT_SECRET is required/);
      await expect(
        loadJwtSecret(
          { jwtSecret: 'given', databaseUrl: 'postgres://db/switchboard', dataDir: fresh() },
          store,
        ),
      ).resolves.toBe('given');
    } finally {
      await store.close();
    }
  });
});
