#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs what the tests need, type-checks,
# runs jest. Jest's results land in build/jest-results.json (.ci/run reads its counts from there).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use, given as arguments (e.g. nginx for the download tests).
need_apt=()
for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg"); done
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}"
fi

# `npm install` with the committed lockfile, not `npm ci`: npm 11.16+ rejects its own lockfile
# when an optional platform package is unpublished (npm/cli#9846; here @unrs/resolver-binding-*).
npm install --no-audit --no-fund --loglevel=error
npx tsc --noEmit
mkdir -p build
NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile=build/jest-results.json
