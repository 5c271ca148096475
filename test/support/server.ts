import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A real Switchboard server process (built `server/dist/main.js`) with its own data directory. */
/**
 * A port for an e2e server: E2E_PORT_BASE (default 18 400) plus an offset, so a second
 * checkout's suite can run side by side on other ports. Offsets used: 0–79 the worker servers,
 * 80–89 restart, 95 scroll-back, 96 console-sockets, 100–102 two-nodes (node A, node B, proxy),
 * 110–119 admin, 120–129 routing, 130–139 integrations, 140–149 reports, 150–159 xss,
 * 160–169 console-a11y, 170–179 mail, 180–189 logs, 190–199 a port nothing listens on.
 */
export function e2ePort(offset: number): number {
  return (Number(process.env.E2E_PORT_BASE) || 18_400) + offset;
}

export class ServerProcess {
  readonly url: string;
  readonly dataDir: string;
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.dataDir = mkdtempSync(join(tmpdir(), 'sb-e2e-'));
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(root, 'server/dist/main.js')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        LOG_LEVEL: 'warn',
        // Cheap password hashes (production: 2^17) unless a test sets its own.
        SCRYPT_N: '1024',
        // Tests count their own conversations: no demo history.
        SEED_HISTORY: '0',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    await this.waitReady(child);
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    // Poll /readyz until the server answers; bounded to 30 s.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not become ready on ${this.url}:\n${this.output}`);
  }

  /** Stops the process: SIGTERM (graceful) or SIGKILL (crash). Waits for exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  get log(): string {
    return this.output;
  }
}
