#!/usr/bin/env bash
# The one test command (see README.md): installs everything it needs, then runs every check.
#   ./scripts/test.sh            everything (what CI runs)
#   SKIP_EDITORS=1 ./scripts/test.sh   skip the apt/npm installs and the real-editor end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PIP_DISABLE_PIP_VERSION_CHECK=1
step() { printf '\n==== %s (%ss)\n' "$1" "$SECONDS"; }

step "python environment"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
export PATH="$ROOT/.venv/bin:$PATH"

if [ "${SKIP_EDITORS:-0}" != "1" ]; then
  step "system packages (editors for end-to-end tests)"
  bash scripts/install-system-deps.sh
fi

step "ruff"
ruff check lsp tests bench scripts
ruff format --check lsp tests bench scripts

step "mypy"
mypy

step "pytest"
pytest_args=(-q -p no:cacheprovider)
[ "${SKIP_EDITORS:-0}" = "1" ] && pytest_args+=(-m "not e2e")
pytest "${pytest_args[@]}"

if [ -f vscode-extension/package.json ]; then
  step "vscode extension: npm test (typecheck, lint, unit, grammar, package)"
  (cd vscode-extension && npm ci --no-audit --no-fund && npm test)
  if [ "${SKIP_EDITORS:-0}" != "1" ] && [ -x tests/e2e/vscode/run.sh ]; then
    step "vscode extension: end-to-end in code-server"
    tests/e2e/vscode/run.sh
  fi
fi

step "done"
