#!/usr/bin/env node
// `npx switchboard …` (npm links this file into node_modules/.bin). Runs the built CLI
// (server/dist, made by `npm run build` or `npm start`); on a checkout that was never built,
// the TypeScript sources through tsx instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write('switchboard: server/dist is missing and tsx is not installed: run npm run build\n');
    process.exit(1);
  }
  const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', tsx, source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exitCode = child.status ?? 1;
}
