import { defineConfig } from 'vitest/config';

// One vitest run for every workspace. Node environment: stores are tested without a DOM;
// anything that needs a browser is a Playwright test in test/e2e.
export default defineConfig({
  ssr: { resolve: { conditions: ['source'] } },
  resolve: { conditions: ['source'] },
  test: {
    include: [
      '{protocol,server,widget,agent-console,test}/test/**/*.test.{ts,tsx}',
      'test/integration/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/e2e/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A throwaway PostgreSQL and Redis for the contract suites (SB_SKIP_PG=1 / SB_SKIP_REDIS=1
    // skip them explicitly).
    globalSetup: ['server/test/pg-global-setup.ts', 'server/test/redis-global-setup.ts'],
  },
});
