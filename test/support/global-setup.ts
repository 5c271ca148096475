/**
 * Playwright globalSetup: one throwaway PostgreSQL and one Redis for the whole e2e run
 * (scripts/ensure-postgres.sh, scripts/ensure-redis.sh: apt install when missing as root, free
 * loopback ports). Workers read their URLs from process.env:
 *   SB_E2E_PG_URL     admin URL of the PostgreSQL server (make a database with createPgDatabase)
 *   SB_E2E_REDIS_URL  URL of the Redis server (use a key prefix of your own)
 * SB_TEST_PG_URL / SB_TEST_REDIS_URL use existing servers instead; SB_SKIP_PG=1 /
 * SB_SKIP_REDIS=1 export '' (suites that need them skip). The returned function is the teardown.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));

interface Service {
  /** URL exported to the workers; '' when skipped. */
  url: string;
  stop(): Promise<void>;
}

async function ensure(name: 'postgres' | 'redis', skip: string, given: string): Promise<Service> {
  const none = async () => {};
  if (process.env[skip] === '1') return { url: '', stop: none };
  const existing = process.env[given];
  if (existing) return { url: existing, stop: none };
  const script = join(scripts, `ensure-${name}.sh`);
  const dir = mkdtempSync(join(tmpdir(), `sb-e2e-${name}-`));
  const stop = async () => {
    await run('bash', [script, 'stop', dir]);
  };
  try {
    const { stdout } = await run('bash', [script, 'start', dir]);
    return { url: stdout.trim(), stop };
  } catch (err) {
    await stop().catch(() => {});
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`could not start ${name} for the e2e run (set ${skip}=1 to skip):\n${stderr}`);
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const pg = await ensure('postgres', 'SB_SKIP_PG', 'SB_TEST_PG_URL');
  let redis: Service;
  try {
    redis = await ensure('redis', 'SB_SKIP_REDIS', 'SB_TEST_REDIS_URL');
  } catch (err) {
    await pg.stop();
    throw err;
  }
  process.env.SB_E2E_PG_URL = pg.url;
  process.env.SB_E2E_REDIS_URL = redis.url;
  return async () => {
    await Promise.all([pg.stop(), redis.stop()]);
  };
}
