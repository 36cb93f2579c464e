"""The one snapshot helper of the language tests: `check(source, expected)`.

`UPDATE_SNAPSHOTS=1 pytest tests/language` rewrites, in the calling test file, every `expected` literal that
no longer matches with what the compiler reports now (review the diff before committing it).
"""

from __future__ import annotations

import ast
import inspect
import os
import textwrap
from pathlib import Path

from scriptum_lsp.language import compile_source

HEADER = 'script "T"\n'


def render(source: str) -> str:
    """Every diagnostic of `source` as `line:col-end_line:end_col severity message (hint)`, one per line."""
    result = compile_source(source)
    return "\n".join(d.render() for d in result.diagnostics)


def check(source: str, expected: str) -> None:
    """Compile `source` (dedented) and compare its diagnostics with the `expected` snapshot (dedented)."""
    src = textwrap.dedent(source).lstrip("\n")
    want = textwrap.dedent(expected).strip("\n")
    got = render(src)
    if got != want and os.environ.get("UPDATE_SNAPSHOTS") == "1":
        caller = inspect.stack()[1]
        update_snapshot(Path(caller.filename), caller.lineno, got)
        return
    assert got == want, f"\n--- expected\n{want}\n--- got\n{got}\n--- source\n{src}"


def update_snapshot(path: Path, lineno: int, got: str) -> None:
    """Replace the `expected` argument of the `check(...)` call spanning `lineno` in `path` with `got`."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "check"
        and node.lineno <= lineno <= (node.end_lineno or node.lineno)
        and len(node.args) >= 2
    ]
    if not calls:
        raise AssertionError(f"UPDATE_SNAPSHOTS: no check(...) call at {path}:{lineno}")
    literal = min(calls, key=lambda c: (c.end_lineno or 0) - c.lineno).args[1]
    if not isinstance(literal, ast.Constant) or literal.end_lineno is None or literal.end_col_offset is None:
        raise AssertionError(f"UPDATE_SNAPSHOTS: the expected value at {path}:{lineno} is not a literal")
    lines = text.splitlines(keepends=True)
    indent = " " * literal.col_offset
    body = "".join(f"{indent}{line}\n" if line else "\n" for line in got.split("\n")) if got else ""
    new = f'r"""\n{body}{indent}"""'
    start = sum(len(line) for line in lines[: literal.lineno - 1]) + _byte_col(
        lines, literal.lineno, literal.col_offset
    )
    end = sum(len(line) for line in lines[: literal.end_lineno - 1]) + _byte_col(
        lines, literal.end_lineno, literal.end_col_offset
    )
    path.write_text(text[:start] + new + text[end:], encoding="utf-8")


def _byte_col(lines: list[str], lineno: int, offset: int) -> int:
    """ast column offsets count UTF-8 bytes; the character index on that line."""
    return len(lines[lineno - 1].encode("utf-8")[:offset].decode("utf-8"))
