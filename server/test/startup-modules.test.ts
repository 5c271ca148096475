/**
 * What a fresh single-node server loads at start (issue 18, docs/performance.md "Idle RSS at
 * start"): the real process, `node server/dist/main.js` with the default configuration, must
 * not load the PostgreSQL, Redis or SMTP clients — each costs megabytes of RSS that only a
 * configuration using it needs. A preload (`--import`) records every module the process loaded:
 * what the ESM loader resolved (nodemailer is ESM) and the CommonJS files in `require.cache`
 * (pg and ioredis are CommonJS; an ESM `import` of one lands there too, and so does a
 * `require` from inside a CommonJS package, which ESM hooks do not see on Node 20).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SCRYPT_N, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = tempDir();

/**
 * Plain JS, written to the temp dir. The preload registers a resolve hook (it runs on the loader
 * thread) that appends every module URL the ESM loader resolved to LOADED_MODULES_ESM, and
 * writes the CommonJS files of `require.cache` to LOADED_MODULES_CJS when the process exits.
 */
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LOADED_MODULES_ESM, r.url + '\\n');
  return r;
}
`;
const PRELOAD = `
import { createRequire, register } from 'node:module';
import { writeFileSync } from 'node:fs';
register(new URL('./hooks.mjs', import.meta.url));
const require = createRequire(import.meta.url);
process.on('exit', () => {
  writeFileSync(process.env.LOADED_MODULES_CJS, Object.keys(require.cache).join('\\n'));
});
`;

beforeAll(() => {
  // Incremental: a no-op when dist is up to date (npm test builds first anyway).
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'server'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b server failed:\n${r.stdout}${r.stderr}`);
  writeFileSync(join(tmp.dir, 'hooks.mjs'), HOOKS);
  writeFileSync(join(tmp.dir, 'preload.mjs'), PRELOAD);
}, 120_000);

afterAll(() => tmp.remove());

/** Packages (node_modules/<name>/) among the loaded files. */
function packages(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/** Starts the built server with `env` over a clean configuration, waits until it listens, stops it. */
async function loadedAtStart(name: string, env: Record<string, string>): Promise<Set<string>> {
  const esm = join(tmp.dir, `${name}-esm.txt`);
  const cjs = join(tmp.dir, `${name}-cjs.txt`);
  const base: Record<string, string | undefined> = { ...process.env };
  // Nothing optional is configured unless the case says so.
  for (const k of Object.keys(base)) {
    if (/^(DATABASE_URL|REDIS_URL|REDIS_PREFIX|SMTP_URL|MAIL_FROM|TLS_CERT_FILE|TLS_KEY_FILE)$/.test(k)) {
      delete base[k];
    }
  }
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(join(tmp.dir, 'preload.mjs')).href, join(root, 'server/dist/main.js')],
    {
      cwd: root,
      env: {
        ...base,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: join(tmp.dir, name),
        LOG_LEVEL: 'warn',
        SEED: '1',
        SCRYPT_N: String(TEST_SCRYPT_N),
        LOADED_MODULES_ESM: esm,
        LOADED_MODULES_CJS: cjs,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)));
  });
  // An answered request: main() is past the banner and its SIGTERM handler is installed.
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  child.kill('SIGTERM');
  expect(await exited, output).toBe(0);
  return packages([...readFileSync(esm, 'utf8').split('\n'), ...readFileSync(cjs, 'utf8').split('\n')]);
}

describe('modules loaded by a fresh single-node server', () => {
  it('the default configuration loads neither pg, nor ioredis, nor nodemailer', async () => {
    const loaded = await loadedAtStart('default', {});
    // The diagnostic sees CommonJS packages imported from ESM: the SQLite driver and Fastify are there.
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).toContain('fastify');
    for (const optional of ['pg', 'pg-pool', 'ioredis', 'nodemailer']) expect(loaded).not.toContain(optional);
  }, 60_000);

  it('a configured SMTP server loads nodemailer (the check above can see it)', async () => {
    // Nothing is sent at start: the port only has to parse.
    const loaded = await loadedAtStart('smtp', { SMTP_URL: 'smtp://127.0.0.1:2525' });
    expect(loaded).toContain('nodemailer');
    expect(loaded).not.toContain('pg');
    expect(loaded).not.toContain('ioredis');
  }, 60_000);
});
