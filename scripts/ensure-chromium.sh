#!/usr/bin/env bash
# Installs Debian's chromium for the Playwright tests when it is missing (never downloads a browser build).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing: run 'sudo apt-get install -y chromium' (Playwright drives /usr/bin/chromium)" >&2
  exit 1
fi
echo "Installing Debian chromium for the end-to-end tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-upgrade chromium >/dev/null
/usr/bin/chromium --version
