#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3; the last release for Node 20) and playwright-core into
# <repo>/.editors, from the npm registry only. Cached: a stamp file per component skips the work next time.
# Needs Debian's chromium, ripgrep, libkrb5-dev and build-essential (scripts/install-system-deps.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
PREFIX=${EDITORS_DIR:-$ROOT/.editors}
CS_VERSION=4.100.3
PW_VERSION=1.65.1
mkdir -p "$PREFIX"

for tool in chromium rg; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-system-deps.sh" >&2; exit 2; }
done

if [ ! -f "$PREFIX/cs4100/.installed-$CS_VERSION" ]; then
  echo "installing code-server $CS_VERSION into $PREFIX/cs4100 (one time, ~1-2 min)"
  # @vscode/ripgrep's postinstall downloads rg from GitHub: pre-seed its cache with Debian's rg.
  mkdir -p "$PREFIX/tmp/vscode-ripgrep-cache-1.15.11" "$PREFIX/rgstage"
  cp "$(command -v rg)" "$PREFIX/rgstage/rg"
  tar czf "$PREFIX/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" \
    -C "$PREFIX/rgstage" rg
  mkdir -p "$PREFIX/cs4100"
  [ -f "$PREFIX/cs4100/package.json" ] || echo '{"name":"cs","private":true}' > "$PREFIX/cs4100/package.json"
  # unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty runs `npx node-gyp`;
  # nodedir: native modules compile against the system Node headers.
  (cd "$PREFIX/cs4100" && TMPDIR="$PREFIX/tmp" npm_config_unsafe_perm=true npm_config_yes=true \
    npm_config_nodedir=/usr npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION" >"$PREFIX/cs-install.log" 2>&1) \
    || { tail -40 "$PREFIX/cs-install.log" >&2; exit 1; }
  touch "$PREFIX/cs4100/.installed-$CS_VERSION"
fi

if [ ! -f "$PREFIX/harness/.installed-$PW_VERSION" ]; then
  echo "installing playwright-core $PW_VERSION into $PREFIX/harness"
  mkdir -p "$PREFIX/harness"
  [ -f "$PREFIX/harness/package.json" ] || echo '{"name":"harness","private":true,"type":"module"}' > "$PREFIX/harness/package.json"
  # playwright-core never downloads a browser; the test uses /usr/bin/chromium
  (cd "$PREFIX/harness" && npm install --no-audit --no-fund "playwright-core@$PW_VERSION" >/dev/null)
  touch "$PREFIX/harness/.installed-$PW_VERSION"
fi
