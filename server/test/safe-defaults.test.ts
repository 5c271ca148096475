/**
 * Safe defaults of the real server process: while the demo's well-known accounts exist, a
 * server started without HOST listens on this machine only, and says so; with SEED=0 (no demo
 * accounts) it listens on every interface.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SCRYPT_N, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();
const dirs: { remove: () => void }[] = [];

beforeAll(() => {
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'server'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b server failed:\n${r.stdout}${r.stderr}`);
}, 120_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) d.remove();
});

/** Starts main.js without HOST; resolves with its banner and port once it listens. */
async function start(
  env: Record<string, string>,
): Promise<{ banner: string; port: number; child: ChildProcess }> {
  const tmp = tempDir();
  dirs.push(tmp);
  const { HOST: _unset, ...rest } = process.env;
  const child = spawn(process.execPath, [join(root, 'server/dist/main.js')], {
    cwd: root,
    env: {
      ...rest,
      PORT: '0',
      DATA_DIR: tmp.dir,
      LOG_LEVEL: 'warn',
      SCRYPT_N: String(TEST_SCRYPT_N),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/localhost:(\d+)[\s\S]*\n {2}agent console/.exec(out);
      if (m && out.endsWith('\n')) resolve(Number(m[1]));
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  // The banner is one write: wait for its last line.
  await new Promise((r) => setImmediate(r));
  return { banner: out, port, child };
}

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** An IPv4 address of this machine that is not loopback, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

describe('the listening address', () => {
  it('with the demo accounts and no HOST: this machine only, and the banner says so', async () => {
    const s = await start({});
    expect(s.banner).toContain('listening on this machine only (127.0.0.1): the demo accounts exist');
    expect(await reachable('127.0.0.1', s.port)).toBe(true);
    const other = externalAddress();
    if (other) expect(await reachable(other, s.port)).toBe(false);
    s.child.kill('SIGTERM');
  });

  it('with SEED=0 (no demo accounts): every interface, no such line', async () => {
    const s = await start({ SEED: '0' });
    expect(s.banner).not.toContain('this machine only');
    expect(await reachable('127.0.0.1', s.port)).toBe(true);
    const other = externalAddress();
    if (other) expect(await reachable(other, s.port)).toBe(true);
    s.child.kill('SIGTERM');
  });
});
