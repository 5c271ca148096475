/**
 * Infrastructure of the `switchboard-2n` server kind: one throwaway PostgreSQL
 * (scripts/ensure-postgres.sh) and one Redis (redis-server daemonized on a free loopback
 * port, no persistence) for the whole bench invocation, a fresh database and Redis prefix per
 * run. Everything is started by the bench and stopped by it (by its own data directory /
 * pidfile), on normal exit and on SIGINT/SIGTERM; every wait is bounded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, freshDir, ROOT } from './servers.js';

export interface Infra {
  /** Admin URL of the cluster (database `postgres`). */
  pgAdminUrl: string;
  pgDir: string;
  redisUrl: string;
  redisPort: number;
  redisDir: string;
}

let current: Infra | null = null;
let dbCounter = 0;

function run(cmd: string, args: string[], timeoutMs: number): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr ?? ''}`.slice(
        0,
        2000,
      ),
    );
  }
  return r.stdout;
}

function redisPing(port: number): boolean {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], {
    encoding: 'utf8',
    timeout: 2000,
  });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Starts PostgreSQL and Redis once (idempotent); throws when either cannot start. */
export async function startInfra(core: number | null): Promise<Infra> {
  if (current) return current;
  const pgDir = freshDir('sb-bench-pg-');
  const redisDir = freshDir('sb-bench-redis-');
  // Recorded before anything starts, so a failure half-way still stops what did start.
  const partial: Infra = { pgAdminUrl: '', pgDir, redisUrl: '', redisPort: 0, redisDir };
  current = partial;
  try {
    // On the server core (with both nodes), so the generator's core stays the generator's;
    // the postmaster and redis-server (and their children) inherit the affinity.
    const pin = (argv: string[]): [string, string[]] =>
      core === null ? [argv[0] ?? '', argv.slice(1)] : ['taskset', ['-c', String(core), ...argv]];
    const url = run(
      ...pin(['bash', join(ROOT, 'scripts/ensure-postgres.sh'), 'start', pgDir]),
      120_000,
    ).trim();
    partial.pgAdminUrl = url.split('\n').at(-1) ?? '';
    const port = await freePort();
    run(
      ...pin([
        'redis-server',
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--daemonize',
        'yes',
        '--dir',
        redisDir,
        '--pidfile',
        join(redisDir, 'redis.pid'),
        '--logfile',
        join(redisDir, 'redis.log'),
        '--save',
        '',
        '--appendonly',
        'no',
      ]),
      10_000,
    );
    partial.redisPort = port;
    const deadline = Date.now() + 10_000;
    while (!redisPing(port)) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} not answering within 10 s`);
      sleepSync(50);
    }
    partial.redisUrl = `redis://127.0.0.1:${port}`;
    return partial;
  } catch (e) {
    stopInfra();
    throw e;
  }
}

/** Stops what startInfra started (synchronous, bounded: also usable from a signal handler). */
export function stopInfra(): void {
  const infra = current;
  current = null;
  if (!infra) return;
  if (infra.redisPort) {
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(infra.redisPort), 'shutdown', 'nosave'], {
      timeout: 5000,
    });
    const pidFile = join(infra.redisDir, 'redis.pid');
    const deadline = Date.now() + 5000;
    while (redisPing(infra.redisPort) && Date.now() < deadline) sleepSync(50);
    // Still up: kill the one process whose PID our own pidfile names.
    if (redisPing(infra.redisPort) && existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 1) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
  rmSync(infra.redisDir, { recursive: true, force: true });
  spawnSync('bash', [join(ROOT, 'scripts/ensure-postgres.sh'), 'stop', infra.pgDir], { timeout: 30_000 });
  rmSync(infra.pgDir, { recursive: true, force: true });
}

function psql(url: string, sql: string): string {
  return run('psql', ['-v', 'ON_ERROR_STOP=1', '-qAt', '-d', url, '-c', sql], 60_000);
}

/** A fresh, empty database for one run; returns its URL. */
export function freshDatabase(infra: Infra): string {
  dbCounter += 1;
  const name = `sb_bench_${process.pid}_${dbCounter}`;
  psql(infra.pgAdminUrl, `CREATE DATABASE ${name}`);
  return infra.pgAdminUrl.replace(/\/[^/]*$/, `/${name}`);
}

export function dropDatabase(infra: Infra | null, url: string): void {
  if (!infra?.pgAdminUrl) return;
  const name = url.split('/').at(-1) ?? '';
  if (!/^sb_bench_\d+_\d+$/.test(name)) return;
  try {
    psql(infra.pgAdminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch {
    // the whole cluster goes at the end anyway
  }
}

/** Bench agent accounts (copies of the seeded ana, same password), as prepareSwitchboardTemplate does on SQLite. */
export function seedBenchAgents(dbUrl: string, agents: number): number {
  const values: string[] = [];
  for (let a = 0; a < agents; a++) {
    const nn = String(a).padStart(2, '0');
    values.push(`('agt_bench${nn}', 'bench-agent-${nn}@demo.test', 'Bench Agent ${nn}')`);
  }
  const out = psql(
    dbUrl,
    `WITH v(id, email, name) AS (VALUES ${values.join(', ')}),
     ins AS (INSERT INTO agents (id, site_id, email, name, role, password_hash, created_at)
       SELECT v.id, a.site_id, v.email, v.name, 'agent', a.password_hash, a.created_at
       FROM v, agents a WHERE a.email = 'ana@demo.test' RETURNING id, site_id, created_at),
     mem AS (INSERT INTO memberships (agent_id, site_id, role, active, departments, max_chats, created_at)
       SELECT id, site_id, 'agent', 1, '[]', NULL, created_at FROM ins RETURNING 1)
     SELECT count(*) FROM mem`,
  );
  return Number(out.trim().split('\n').at(-1));
}
