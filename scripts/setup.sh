#!/usr/bin/env bash
# Sets up a fresh machine (Node 20, npm, git) for kvgit development: pnpm, the Debian tools the
# interop tests drive, the workspace's packages, and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pnpm >/dev/null 2>&1; then
  npm install -g pnpm@10 >/dev/null
fi

# Debian tools used by the tests: the stock `age` (recovery recipe), `script` (a terminal for
# passphrase prompts), `strace` (the order of writes to disk), git-filter-repo (destroy benchmark peer).
need=()
command -v age >/dev/null 2>&1 || need+=(age)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v git-filter-repo >/dev/null 2>&1 || need+=(git-filter-repo)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: please install: ${need[*]}" >&2
  fi
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm run --silent build
