#!/usr/bin/env bash
# `npm test`: lint, typecheck, build, unit/integration (vitest), end-to-end (Playwright + Debian chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
results=.tmp/results
mkdir -p "$results"
rm -f "$results"/*.json

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "lint (biome)"
npx biome check .

step "typecheck"
npm run typecheck

step "build"
npm run build

step "unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"

step "end-to-end tests (Playwright, Debian chromium)"
bash scripts/ensure-chromium.sh
PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/$results/playwright.json" npx playwright test -c test/playwright.config.ts --reporter=list,json

node scripts/summary.mjs "$results/vitest.json" "$results/playwright.json"
