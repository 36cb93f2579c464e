#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by
# Playwright with Debian's Chromium, against the Scriptum emulator on loopback HTTP.
#   tests/e2e/vscode/run.sh          (installs code-server + playwright-core into .editors/ on first use)
# Screenshots and logs: test-artifacts/vscode/. Exits non-zero on failure; kills every process it started.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
EDITORS=${EDITORS_DIR:-$ROOT/.editors}
ART=$ROOT/test-artifacts/vscode
EXT=$ROOT/vscode-extension
PY=${PYTHON:-$ROOT/.venv/bin/python}
TOKEN=e2e-token-$RANDOM$RANDOM
ORG=e2e-org
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
step() { printf '[vscode-e2e %ss] %s\n' "$SECONDS" "$1"; }

step "editors (cached in $EDITORS)"
EDITORS_DIR=$EDITORS "$HERE/install-editors.sh"
CS=$EDITORS/cs4100/node_modules/.bin/code-server

VSIX=$EXT/scriptum.vsix
# `npm test` has just packaged it in the project's test command: reuse it unless a source is newer
if [ -f "$VSIX" ] && [ -z "$(find "$EXT/src" "$EXT/syntaxes" "$EXT/snippets" "$EXT/media" "$EXT/package.json" \
     "$EXT/language-configuration.json" "$EXT/README.md" "$ROOT/lsp/scriptum_lsp" "$ROOT/pyproject.toml" \
     -newer "$VSIX" -type f -not -name '*.pyc' -print -quit)" ]; then
  step "reuse the packaged extension ($VSIX is up to date)"
else
  step "package the extension"
  [ -d "$EXT/node_modules" ] || (cd "$EXT" && npm ci --no-audit --no-fund >/dev/null)
  (cd "$EXT" && PYTHON=$PY npm run --silent package >"$EDITORS/vsce-package.log" 2>&1) \
    || { tail -30 "$EDITORS/vsce-package.log"; exit 1; }
fi

RUN=$EDITORS/vscode-e2e-run
rm -rf "$RUN" "$ART"
mkdir -p "$RUN"/{data/User,ext,home,tmp,xdg,emu} "$ART"
cp -r "$HERE/workspace" "$RUN/ws"
REPORT=$RUN/report.jsonl
: >"$REPORT"

PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 40); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  cp "$REPORT" "$ART/report.jsonl" 2>/dev/null || true
  cp "$RUN/code-server.log" "$RUN/emulator.log" "$ART/" 2>/dev/null || true
  find "$RUN/data/logs" -name '*Scriptum*.log' -exec cp {} "$ART/" \; 2>/dev/null || true
  exit $rc
}
trap cleanup EXIT INT TERM

step "start the emulator"
EPORT=$(free_port)
setsid "$PY" -m scriptum_lsp emulator --host 127.0.0.1 --port "$EPORT" --data "$RUN/emu" --token "$TOKEN" \
  >"$RUN/emulator.log" 2>&1 &
PIDS+=($!)
EMU=http://127.0.0.1:$EPORT
for _ in $(seq 1 100); do curl -sf "$EMU/v1/scriptum/health" >/dev/null && break; sleep 0.2; done
curl -sf "$EMU/v1/scriptum/health" >/dev/null || { echo "emulator did not start"; cat "$RUN/emulator.log"; exit 1; }

# code-server, VS Code and Chromium write into HOME, TMPDIR and the XDG folders: keep them in this run
export HOME=$RUN/home TMPDIR=$RUN/tmp XDG_CONFIG_HOME=$RUN/xdg/config XDG_DATA_HOME=$RUN/xdg/data XDG_CACHE_HOME=$RUN/xdg/cache
cat >"$RUN/data/User/settings.json" <<JSON
{
  "scriptum.endpoint": "$EMU",
  "scriptum.organization": "$ORG",
  "scriptum.server.pythonPath": "$PY",
  "scriptum.createMissingScripts": true,
  "scriptum.diagnostics.debounceMs": 150,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.commandCenter.enabled": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "window.restoreWindows": "none",
  "editor.minimap.enabled": false,
  "files.autoSave": "off"
}
JSON

step "install $(basename "$VSIX") into code-server"
"$CS" --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" --install-extension "$VSIX" >"$RUN/install.log" 2>&1 \
  || { cat "$RUN/install.log"; exit 1; }

step "start code-server"
CPORT=$(free_port)
SCRIPTUM_VSCODE_TEST_REPORT=$REPORT setsid "$CS" --auth none --bind-addr "127.0.0.1:$CPORT" --disable-telemetry \
  --disable-update-check --disable-workspace-trust --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" \
  "$RUN/ws" >"$RUN/code-server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$CPORT/healthz" >/dev/null && break; sleep 0.25; done

step "drive VS Code with Playwright"
cp "$HERE/e2e.mjs" "$EDITORS/harness/scriptum-e2e.mjs"
rc=0
(cd "$EDITORS/harness" && SCENARIO=main CS_URL="http://127.0.0.1:$CPORT/?folder=$RUN/ws" REPORT_FILE="$REPORT" \
  ART_DIR="$ART" EMU_URL="$EMU" EMU_TOKEN="$TOKEN" EMU_ORG="$ORG" timeout 300 node scriptum-e2e.mjs) || rc=$?
kill -TERM -- "-${PIDS[-1]}" 2>/dev/null || true
if [ $rc -ne 0 ]; then step "main scenario failed (exit $rc); artifacts in $ART"; exit $rc; fi

# Untrusted workspace: its .vscode/settings.json tries to send code (and the token) to another endpoint and
# to run another interpreter. Both are restricted settings: VS Code must ignore them in Restricted Mode.
step "untrusted workspace scenario"
EVIL_PORT=$(free_port)
setsid "$PY" -m http.server "$EVIL_PORT" --bind 127.0.0.1 --directory "$RUN/tmp" >/dev/null 2>"$RUN/evil-requests.log" &
PIDS+=($!)
mkdir -p "$RUN/ws-untrusted/.vscode" "$RUN/data2/User"
cp "$HERE/workspace/greeter.scriptum" "$RUN/ws-untrusted/"
cat >"$RUN/ws-untrusted/.vscode/settings.json" <<JSON
{ "scriptum.endpoint": "http://127.0.0.1:$EVIL_PORT", "scriptum.organization": "evil-org",
  "scriptum.server.pythonPath": "$RUN/ws-untrusted/evil-python" }
JSON
sed -e 's/"security.workspace.trust.enabled": false/"security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never", "security.workspace.trust.banner": "always"/' \
  "$RUN/data/User/settings.json" >"$RUN/data2/User/settings.json"
REPORT2=$RUN/report-untrusted.jsonl
: >"$REPORT2"
CPORT2=$(free_port)
SCRIPTUM_VSCODE_TEST_REPORT=$REPORT2 setsid "$CS" --auth none --bind-addr "127.0.0.1:$CPORT2" --disable-telemetry \
  --disable-update-check --user-data-dir "$RUN/data2" --extensions-dir "$RUN/ext" "$RUN/ws-untrusted" \
  >"$RUN/code-server-untrusted.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$CPORT2/healthz" >/dev/null && break; sleep 0.25; done
(cd "$EDITORS/harness" && SCENARIO=untrusted CS_URL="http://127.0.0.1:$CPORT2/?folder=$RUN/ws-untrusted" \
  REPORT_FILE="$REPORT2" ART_DIR="$ART" EMU_URL="$EMU" EMU_TOKEN="$TOKEN" EMU_ORG="$ORG" PYTHON_PATH="$PY" \
  EVIL_LOG="$RUN/evil-requests.log" timeout 120 node scriptum-e2e.mjs) || rc=$?
cp "$REPORT2" "$ART/" 2>/dev/null || true
kill -TERM -- "-${PIDS[-1]}" 2>/dev/null || true
if [ $rc -ne 0 ]; then step "untrusted scenario failed (exit $rc); artifacts in $ART"; exit $rc; fi

# The debugger (docs/debugger.md): a breakpoint, the Variables pane, a step, continue, the run to its end.
step "debug scenario"
cp -r "$HERE/debug-workspace" "$RUN/ws-debug"
REPORT3=$RUN/report-debug.jsonl
: >"$REPORT3"
CPORT3=$(free_port)
SCRIPTUM_VSCODE_TEST_REPORT=$REPORT3 setsid "$CS" --auth none --bind-addr "127.0.0.1:$CPORT3" --disable-telemetry \
  --disable-update-check --disable-workspace-trust --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" \
  "$RUN/ws-debug" >"$RUN/code-server-debug.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$CPORT3/healthz" >/dev/null && break; sleep 0.25; done
cp "$HERE/e2e-debug.mjs" "$EDITORS/harness/scriptum-e2e-debug.mjs"
(cd "$EDITORS/harness" && CS_URL="http://127.0.0.1:$CPORT3/?folder=$RUN/ws-debug" REPORT_FILE="$REPORT3" \
  ART_DIR="$ART" timeout 180 node scriptum-e2e-debug.mjs) || rc=$?
cp "$REPORT3" "$ART/" 2>/dev/null || true
step "done (exit $rc); artifacts in $ART"
exit $rc
