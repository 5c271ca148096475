import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The file `npx switchboard` runs (the built CLI; `npm test` builds before vitest). */
export const bin = join(root, 'server/bin/switchboard.js');

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `switchboard <args>` as its own process from the repository root, with the server's
 * configuration variables cleared unless given, and `stdin` (if any) piped in.
 */
export function runBin(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: '', PUBLIC_URL: '', ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** The bin runs server/dist: bring it up to date (incremental, a no-op when it is). For beforeAll. */
export function buildServer(): void {
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-b', 'server'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b server failed:\n${r.stdout}${r.stderr}`);
}
