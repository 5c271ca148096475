/**
 * vitest globalSetup: one throwaway PostgreSQL for the whole run (scripts/ensure-postgres.sh
 * installs it with apt when missing and we are root, and starts it on a free loopback port).
 * Tests get its URL with `inject('pgUrl')`; each test makes its own database on it.
 * `SB_TEST_PG_URL` points at an existing server instead; `SB_SKIP_PG=1` skips PostgreSQL
 * suites explicitly — without it, a missing PostgreSQL fails the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test PostgreSQL server; '' when SB_SKIP_PG=1. */
    pgUrl: string;
  }
}

const script = fileURLToPath(new URL('../../scripts/ensure-postgres.sh', import.meta.url));

export default function setup(project: TestProject): (() => void) | undefined {
  if (process.env.SB_SKIP_PG === '1') {
    project.provide('pgUrl', '');
    return undefined;
  }
  const given = process.env.SB_TEST_PG_URL;
  if (given) {
    project.provide('pgUrl', given);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  const url = execFileSync('bash', [script, 'start', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  project.provide('pgUrl', url);
  return () => {
    execFileSync('bash', [script, 'stop', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
