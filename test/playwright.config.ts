import { defineConfig } from '@playwright/test';

// End-to-end tests drive Debian's chromium (installed by scripts/ensure-chromium.sh),
// never a downloaded browser. Each worker starts its own real server (see support/server.ts).
// One PostgreSQL and one Redis serve the whole run (support/global-setup.ts, which also stops them).
export default defineConfig({
  testDir: './e2e',
  globalSetup: './support/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // One spec at a time. Each spec drives chromium (several processes) and a real server, so two
  // at once on the 2 CI cores starved each other: in a green run the slowest took 47–49 s of
  // their 60 s, and CI timed out two of them. One worker: the whole run takes 509 s instead of
  // 482 s and the slowest spec 25 s.
  workers: 1,
  retries: 0,
  reporter: 'list',
  outputDir: '../.tmp/playwright',
  // The two-node spec runs two gateways, PostgreSQL, Redis and three browser contexts: it
  // runs after the others, alone, instead of starving the spec beside it of CPU.
  projects: [
    { name: 'one node', testIgnore: /(two-nodes|scroll-back)\.spec\.ts/ },
    { name: 'two nodes', testMatch: /two-nodes\.spec\.ts/, dependencies: ['one node'] },
    // 500 messages rendered page by page in the widget and the console: alone at the end, so a
    // heavy spec on the other worker does not starve it (13 s alone, over 2 min beside one).
    { name: 'scroll back', testMatch: /scroll-back\.spec\.ts/, dependencies: ['two nodes'] },
  ],
  use: {
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Pages served by route.fulfill() count as "public"; let them reach the loopback server.
        '--disable-features=LocalNetworkAccessChecks',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
