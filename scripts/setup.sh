#!/usr/bin/env bash
# Installs what the project needs on a fresh machine with Node 20 and npm.
#   scripts/setup.sh            pnpm (pinned) + workspace dependencies
#   scripts/setup.sh --browser  also Debian's chromium, for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  npm install --global --loglevel=error "pnpm@$PNPM_VERSION"
fi
pnpm install --frozen-lockfile

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
