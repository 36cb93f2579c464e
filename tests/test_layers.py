"""The layering rules of docs/architecture.md, enforced on every module of the package.

Every import is resolved (relative imports, `from scriptum_lsp import x` as `scriptum_lsp.x`), every
subpackage and top-level module has a rule, dynamic imports are flagged, and the pure layers (`core`,
`language`) may do no IO. `test_gate_bites` plants each kind of violation in a temporary copy of the
package and expects the gate to report it, so the gate cannot silently stop checking.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lsp" / "scriptum_lsp"

PURE_LIBS = ("asyncio", "httpx", "pygls", "lsprotocol", "socket", "sqlite3", "subprocess", "starlette",
             "uvicorn", "os", "gc", "shutil", "urllib.request", "http", "importlib", "threading", "tempfile",
             "platformdirs")  # fmt: skip
NO_LSP = ("pygls", "lsprotocol")
ANY = frozenset({"*"})


@dataclass(frozen=True)
class Rule:
    """`uses`: the parts of scriptum_lsp a part may import (`*`: any, a composition root); `libs`: modules it
    may not import; `pure`: no IO calls either (`open`, `read_*`/`write_*` methods, `os.*`)."""

    uses: frozenset[str]
    libs: tuple[str, ...] = ()
    pure: bool = False


def _rule(uses: str, libs: tuple[str, ...] = (), pure: bool = False) -> Rule:
    return Rule(ANY if uses == "*" else frozenset(uses.split()), libs, pure)


RULES: dict[str, Rule] = {
    # pure layers: nothing above them, no IO
    "core": _rule("", PURE_LIBS, pure=True),
    "language": _rule("core", PURE_LIBS, pure=True),  # core's text and positions are below the language
    # the API client: knows no LSP, no engine, and never the emulator (the composition root mounts it)
    "api": _rule("core", (*NO_LSP, "starlette", "uvicorn", "sqlite3")),
    "engine": _rule("api core language dirs", (*NO_LSP, "starlette", "uvicorn", "sqlite3")),
    "server": _rule("api core engine language embedded"),
    "emulator": _rule("language dirs", (*NO_LSP,)),
    "debug": _rule("api core language emulator embedded", ("pygls",)),
    # leaf helpers
    "dirs": _rule(""),
    # composition roots and entry points
    "embedded": _rule("api core dirs emulator"),
    "cli": _rule("*"),
    "__main__": _rule("*"),
    "checkcmd": _rule("*"),
    "fmtcmd": _rule("*"),
    "doctor": _rule("*"),
}

# the only dynamic imports, each with its reason; their literal "scriptum_lsp.x" strings count as imports
DYNAMIC_IMPORTS = {
    "cli.py": "sub-commands load their module on demand (start-up time)",
    "server/app.py": "feature modules listed in FEATURES, one failing module is skipped",
    "api/__init__.py": "lazy public names (PEP 562), so importing one client does not import the others",
    "server/lifecycle.py": "PREIMPORT: modules imported on a background thread after start-up",
    "emulator/ignite/pyhost.py": "the child process that loads the user's handler.py by file path",
}
# allowed exceptions to the purity rules, each with its reason
PURE_EXCEPTIONS = {
    ("language/gcpause.py", "gc"): "pausing the cycle collector around tree building (docs/performance.md)",
}

IO_CALLS = ("open", "read_text", "read_bytes", "write_text", "write_bytes", "system", "popen", "remove",
            "unlink", "mkdir", "rmdir")  # fmt: skip


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path, tree: ast.AST) -> set[str]:
    """Every module `path` imports, absolute; `from a import b` imports `a` and `a.b`."""
    mod = module_name(root, path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names if a.name != "*")
    return out


def _is_dynamic_import(node: ast.Call) -> bool:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id in ("__import__", "import_module")
    if isinstance(f, ast.Attribute):
        return f.attr in ("import_module", "spec_from_file_location", "module_from_spec", "__import__")
    return False


def _io_call(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name) and f.id == "open":
        return "open()"
    if isinstance(f, ast.Attribute):
        if f.attr in IO_CALLS:
            return f".{f.attr}()"
        if isinstance(f.value, ast.Name) and f.value.id in ("os", "socket", "subprocess", "shutil", "gc"):
            return f"{f.value.id}.{f.attr}()"
    return None


def part_of(root: Path, path: Path) -> str:
    first = path.relative_to(root).parts[0]
    return first.removesuffix(".py")


def _matches(mod: str, names: tuple[str, ...]) -> bool:
    return any(mod == n or mod.startswith(n + ".") for n in names)


def violations(root: Path) -> list[str]:
    """Every breach of RULES in the package at `root` (the `scriptum_lsp` folder)."""
    parts = {
        p.name.removesuffix(".py")
        for p in root.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").is_file()
    }
    parts.discard("__init__")
    bad = [f"{p}: no rule in tests/test_layers.py RULES" for p in sorted(parts - set(RULES))]
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel == "__init__.py":
            continue
        part = part_of(root, path)
        rule = RULES.get(part)
        if rule is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = imports_of(root, path, tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_dynamic_import(node):
                if rel not in DYNAMIC_IMPORTS:
                    bad.append(f"{rel}:{node.lineno}: dynamic import")
                for arg in node.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        mods.add(arg.value)
            elif isinstance(node, ast.Call) and rule.pure and (what := _io_call(node)):
                if (rel, what.split(".")[0]) in PURE_EXCEPTIONS:
                    continue
                bad.append(f"{rel}:{node.lineno}: IO call {what} in a pure layer")
        if rel in DYNAMIC_IMPORTS:
            mods |= {
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant)
                and isinstance(n.value, str)
                and n.value.startswith("scriptum_lsp.")
            }
        for mod in sorted(mods):
            if mod.startswith("scriptum_lsp."):
                target = mod.split(".")[1]
                if target == part or target not in parts:  # itself, or a name of scriptum_lsp/__init__.py
                    continue
                if "*" not in rule.uses and target not in rule.uses:
                    bad.append(
                        f"{rel} imports {mod} ({part} may use: {', '.join(sorted(rule.uses)) or 'nothing'})"
                    )
            elif _matches(mod, rule.libs) and (rel, mod.split(".")[0]) not in PURE_EXCEPTIONS:
                bad.append(f"{rel} imports {mod} (not allowed in {part})")
    return bad


def test_layers_hold() -> None:
    bad = violations(PKG)
    assert not bad, "\n".join(bad)


def test_every_part_has_a_rule_and_exists() -> None:
    parts = {
        p.name.removesuffix(".py")
        for p in PKG.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").is_file()
    }
    parts.discard("__init__")
    assert parts == set(RULES), (
        f"without a rule: {parts - set(RULES)}; rule without a part: {set(RULES) - parts}"
    )
    assert all((PKG / rel).is_file() for rel in DYNAMIC_IMPORTS)
    assert all((PKG / rel).is_file() for rel, _ in PURE_EXCEPTIONS)


PLANTED = [
    # (file to append to, planted code, text the report must contain)
    ("language/lexer.py", "from ..emulator import store", "language/lexer.py imports scriptum_lsp.emulator"),
    ("language/lexer.py", "from scriptum_lsp import engine", "imports scriptum_lsp.engine"),
    ("language/lexer.py", "import importlib\nimportlib.import_module('json')", "dynamic import"),
    ("language/lexer.py", "__import__('json')", "dynamic import"),
    ("language/lexer.py", "open('x')", "IO call open()"),
    ("language/lexer.py", "import urllib.request", "imports urllib.request"),
    ("language/lexer.py", "import os\nos.system('true')", "IO call .system()"),
    ("language/lexer.py", "import gc", "imports gc"),
    ("core/text.py", "from pathlib import Path\nPath('x').read_text()", "IO call .read_text()"),
    ("core/text.py", "import subprocess", "imports subprocess"),
    ("core/text.py", "from .. import language", "core/text.py imports scriptum_lsp.language"),
    (
        "language/lexer.py",
        "from scriptum_lsp.api import errors",
        "language/lexer.py imports scriptum_lsp.api",
    ),
    (
        "api/errors.py",
        "from scriptum_lsp.emulator import create_app",
        "api/errors.py imports scriptum_lsp.emulator",
    ),
    ("api/errors.py", "from scriptum_lsp.engine.model import DocState", "imports scriptum_lsp.engine"),
    (
        "server/folding.py",
        "from scriptum_lsp.emulator.store import Store",
        "imports scriptum_lsp.emulator.store",
    ),
    ("engine/model.py", "from scriptum_lsp.server import app", "engine/model.py imports scriptum_lsp.server"),
    ("emulator/wire.py", "from scriptum_lsp.api import errors", "emulator/wire.py imports scriptum_lsp.api"),
    ("dirs.py", "from scriptum_lsp import core", "dirs.py imports scriptum_lsp.core"),
]


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gate") / "scriptum_lsp"
    shutil.copytree(PKG, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "templates"))
    assert violations(root) == []
    return root


@pytest.mark.parametrize(
    ("where", "code", "expected"), PLANTED, ids=[f"{w}:{c.splitlines()[-1]}" for w, c, _ in PLANTED]
)
def test_gate_bites(package_copy: Path, where: str, code: str, expected: str) -> None:
    path = package_copy / where
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{code}\n", encoding="utf-8")
    try:
        report = violations(package_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert any(expected in line for line in report), f"planted {code!r} in {where}; gate said {report}"


def test_gate_bites_on_a_part_without_a_rule(package_copy: Path) -> None:
    extra = package_copy / "tracing"
    extra.mkdir()
    (extra / "__init__.py").write_text("", encoding="utf-8")
    try:
        report = violations(package_copy)
    finally:
        shutil.rmtree(extra)
    assert "tracing: no rule in tests/test_layers.py RULES" in report
