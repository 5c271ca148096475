/**
 * vitest globalSetup: one throwaway Redis for the whole run (scripts/ensure-redis.sh installs
 * redis-server with apt when missing and we are root, and starts it on a free loopback port).
 * Tests get its URL with `inject('redisUrl')`; each test works under its own key prefix
 * (redis-helpers.ts). `SB_TEST_REDIS_URL` points at an existing server instead;
 * `SB_SKIP_REDIS=1` skips Redis suites explicitly — without it, a missing Redis fails the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test Redis server; '' when SB_SKIP_REDIS=1. */
    redisUrl: string;
  }
}

const script = fileURLToPath(new URL('../../scripts/ensure-redis.sh', import.meta.url));

export default function setup(project: TestProject): (() => void) | undefined {
  if (process.env.SB_SKIP_REDIS === '1') {
    project.provide('redisUrl', '');
    return undefined;
  }
  const given = process.env.SB_TEST_REDIS_URL;
  if (given) {
    project.provide('redisUrl', given);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const url = execFileSync('bash', [script, 'start', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  project.provide('redisUrl', url);
  return () => {
    execFileSync('bash', [script, 'stop', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
