#!/usr/bin/env bash
# Puts the language server (this repository's Python package) and its dependencies into bundled/libs, which
# the packaged extension puts on PYTHONPATH. Pure-Python wheels; PyYAML falls back to its pure-Python loader
# on interpreters its C extension was not built for.
#   PYTHON=/path/to/python3.11 scripts/bundle-libs.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PY=$ROOT/.venv/bin/python; else PY=python3; fi
fi
OUT=$HERE/bundled/libs
rm -rf "$OUT"
mkdir -p "$OUT"
echo "bundling the scriptum-lsp server and its dependencies into bundled/libs with $PY"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --quiet --no-compile --upgrade --target "$OUT" "$ROOT" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
# console scripts carry this machine's interpreter path; the extension runs `python -m scriptum_lsp`
rm -rf "$OUT/bin"
find "$OUT" -name '__pycache__' -type d -prune -exec rm -rf {} +
# the package must import from there alone (no site-packages): fail the build early if it does not
PYTHONPATH="$OUT" "$PY" -S -c 'import scriptum_lsp, pygls, lsprotocol, httpx; print("bundled scriptum_lsp", scriptum_lsp.__version__)'
