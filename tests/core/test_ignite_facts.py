"""core/ignite.py and engine/ignite_apps.py: app tables of scriptum.toml, app detection, the archive, payloads,
and the reading of execution and code responses in the shapes the documents leave open."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import pytest

from scriptum_lsp.core import ignite as facts
from scriptum_lsp.engine.ignite_apps import ArchiveError, all_apps, build_archive, find_app, read_archive


@pytest.mark.parametrize(
    ("toml", "expected", "warned"),
    [
        (
            '[ignite.apps.greeter]\npath = "apps/greeter"\n',
            {"greeter": ("apps/greeter", "", "native")},
            False,
        ),
        (
            "[ignite.apps.crab]\nruntime = 'rust'\ntarget = 'wasm'\n",
            {"crab": ("crab", "rust", "wasm")},
            False,
        ),
        ("[ignite.apps.x]\nruntime = 'go'\n", {"x": ("x", "", "native")}, True),
        ("[ignite.apps.Bad_Name]\n", {}, True),
        ("[ignite.apps]\nx = 3\n", {}, True),
        ("[ignite\n", {}, True),
        ('[scripts]\n"a.scriptum" = "a"\n', {}, False),
        ('[ignite.apps.root]\npath = "./"\n', {"root": ("", "", "native")}, False),
    ],
)
def test_parse_ignite_apps(toml: str, expected: dict[str, tuple[str, str, str]], warned: bool) -> None:
    apps, warnings = facts.parse_ignite_apps(toml)
    assert {n: (a.path, a.runtime, a.target) for n, a in apps.items()} == expected
    assert bool(warnings) is warned


def test_runtime_messages() -> None:
    rust = facts.AppSpec("c", "c", "rust", toolchain="1.82", target="wasm")
    assert rust.runtime_message() == {
        "rust": {"target": "RUST_COMPILATION_TARGET_WASM", "toolchainVersion": "1.82"}
    }
    assert facts.AppSpec("p", "p", "python").runtime_message() == {"python": {}}


@pytest.mark.parametrize(
    ("rel", "app"),
    [("apps/a/handler.py", "a"), ("apps/a/sub/x.py", "deep"), ("apps/ab/x.py", None), ("other.py", None)],
)
def test_declared_app_for_deepest_folder(rel: str, app: str | None) -> None:
    specs = {"a": facts.AppSpec("a", "apps/a"), "deep": facts.AppSpec("deep", "apps/a/sub")}
    found = facts.declared_app_for(rel, specs)
    assert (found.name if found else None) == app


@pytest.mark.parametrize(
    ("rel", "ignored"),
    [("handler.py", False), (".git/config", True), ("a/__pycache__/x.pyc", True), ("target/debug/x", True),
     ("x.pyc", True), ("src/target.rs", False), (".venv/lib/x.py", True), ("node_modules/a.js", True)],
)  # fmt: skip
def test_is_ignored(rel: str, ignored: bool) -> None:
    assert facts.is_ignored(rel) is ignored


@pytest.mark.parametrize(
    ("value", "expected"),
    [({"a": 1}, b'{"a": 1}'), ([1], b"[1]"), ('{"a": 1}', b'{"a": 1}'), ("42", b"42"), (None, b"null")],
)
def test_payload_bytes(value: object, expected: bytes) -> None:
    assert facts.payload_bytes(value) == expected


def test_payload_that_is_not_json_says_where() -> None:
    with pytest.raises(facts.PayloadError, match=r"not valid JSON \(line 2, column 1\)"):
        facts.payload_bytes('{"a":\n')


ERROR_BODY = {
    "error": "boom",
    "type": "ValueError",
    "traceback": 'File "/x/app/handler.py", line 7, in handler',
}


@pytest.mark.parametrize(
    ("response", "status", "terminal", "ok", "output", "location"),
    [
        # our emulator's shape
        ({"execution": {"executionId": "e1", "status": "EXECUTION_STATUS_SUCCEEDED",
                        "output": base64.b64encode(b'{"a": 1}').decode(), "durationMs": "12"}},
         "SUCCEEDED", True, True, b'{"a": 1}', None),
        # bare record, short status, plain-text output, no duration
        ({"id": "e2", "status": "COMPLETED", "output": "hello"}, "COMPLETED", True, True, b"hello", None),
        # running, nothing else
        ({"executionId": "e3", "status": "EXECUTION_STATUS_RUNNING"}, "RUNNING", False, False, b"", None),
        # no status at all
        ({"executionId": "e4"}, "UNSPECIFIED", False, False, b"", None),
        # a failure whose location comes from the documented error body's traceback
        ({"execution": {"status": "FAILED", "output": base64.b64encode(json.dumps(ERROR_BODY).encode()).decode()}},
         "FAILED", True, False, json.dumps(ERROR_BODY).encode(), ("handler.py", 7, 1)),
        # errorLocation, an error object, timestamps instead of a duration
        ({"status": "TIMED_OUT", "error": {"message": "too slow"}, "errorLocation": {"file": "handler.py", "line": 3},
          "startedAtMs": "100", "finishedAtMs": "350"}, "TIMED_OUT", True, False, b"", ("handler.py", 3, 1)),
    ],
)  # fmt: skip
def test_parse_execution(
    response: dict[str, object],
    status: str,
    terminal: bool,
    ok: bool,
    output: bytes,
    location: tuple[str, int, int] | None,
) -> None:
    view = facts.parse_execution(response, "fallback")
    assert (view.status, view.terminal, view.ok, view.output, view.location) == (
        status, terminal, ok, output, location
    )  # fmt: skip
    assert view.execution_id
    assert view.render("app").startswith("Ignite test run of app\n")


def test_execution_render_shows_error_body_and_logs() -> None:
    view = facts.parse_execution(
        {"status": "FAILED", "output": json.dumps(ERROR_BODY), "durationMs": 5,
         "logs": [{"stream": "stdout", "line": "hi"}, {"stream": "stderr", "line": "warn"}, "bare"]}
    )  # fmt: skip
    text = view.render("app")
    assert "error: ValueError: boom" in text and "traceback:\nFile" in text
    assert "stdout:\nhi" in text and "stderr:\nwarn" in text and "[log] bare" in text
    assert view.duration_ms == 5


@pytest.mark.parametrize(
    "response",
    [{"sourceCode": "aGk="}, {"code": {"compile": {"sourceCode": "aGk="}}}, {"version": {"source": "aGk="}}],
)
def test_source_bytes_shapes(response: dict[str, object]) -> None:
    assert facts.source_bytes(response) == b"hi"
    assert facts.source_bytes({}) is None


@pytest.mark.parametrize(
    ("text", "runtime", "line"),
    [("import x\n\ndef handler(p, c):\n", "python", 2), ("async def handler(p, c):\n", "python", 0),
     ("class A:\n    def handler(self):\n", "python", None),
     ("use ignite::prelude::*;\n#[ignite::main]\nasync fn h() {}\n", "rust", 1), ("fn main() {}\n", "rust", None)],
)  # fmt: skip
def test_handler_line(text: str, runtime: str, line: int | None) -> None:
    assert facts.handler_line(text, runtime) == line


@pytest.mark.parametrize(
    ("line", "col", "span"),
    [("let size: usize = x;", 4, (4, 8)), ("    raise ValueError()", 4, (4, 9)), ("  = 1", 2, (2, 5)),
     ("abc", 10, (3, 3)), ("", 0, (0, 0))],
)  # fmt: skip
def test_token_span(line: str, col: int, span: tuple[int, int]) -> None:
    assert facts.token_span(line, col) == span


# --- engine/ignite_apps.py -----------------------------------------------------------------------------------


def test_find_app_by_marker_and_declaration(tmp_path: Path) -> None:
    (tmp_path / "My App").mkdir()
    (tmp_path / "My App" / "handler.py").write_text("def handler(p, c): ...\n")
    (tmp_path / "crate" / "src").mkdir(parents=True)
    (tmp_path / "crate" / "Cargo.toml").write_text("[package]\n")
    (tmp_path / "crate" / "src" / "main.rs").write_text("")
    (tmp_path / "loose.py").write_text("")
    py = find_app(tmp_path / "My App" / "handler.py", tmp_path, {})
    assert py is not None and (py.name, py.runtime, py.spec.declared) == ("my-app", "python", False)
    rs = find_app(tmp_path / "crate" / "src" / "main.rs", tmp_path, {})
    assert rs is not None and (rs.name, rs.runtime, rs.folder) == ("crate", "rust", tmp_path / "crate")
    assert find_app(tmp_path / "loose.py", tmp_path, {}) is None
    declared = {"billing": facts.AppSpec("billing", "My App")}
    app = find_app(tmp_path / "My App" / "handler.py", tmp_path, declared)
    assert app is not None and (app.name, app.runtime, app.spec.declared) == ("billing", "python", True)
    assert [a.name for a in all_apps(tmp_path, declared)] == ["billing", "crate"]


def test_archive_is_deterministic_skips_ignored_and_uses_buffers(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("on disk\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("u = 1\n")
    for ignored in (".git/HEAD", "__pycache__/h.pyc", ".venv/x", "target/t"):
        (tmp_path / ignored).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ignored).write_text("x")
    (tmp_path / "link.py").symlink_to(tmp_path / "handler.py")
    first = build_archive(tmp_path, {tmp_path / "handler.py": "in the editor\n"})
    assert first.files == ("handler.py", "lib/util.py")
    assert first.skipped == ("link.py",)
    assert build_archive(tmp_path, {tmp_path / "handler.py": "in the editor\n"}).data == first.data
    with tarfile.open(fileobj=io.BytesIO(first.data), mode="r:gz") as tar:
        handler = tar.extractfile("handler.py")
        assert handler is not None and handler.read() == b"in the editor\n"
    assert read_archive(first.data) == {"handler.py": b"in the editor\n", "lib/util.py": b"u = 1\n"}
    assert read_archive(b"print(1)\n") == {"handler.py": b"print(1)\n"}


def test_archive_over_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scriptum_lsp.engine.ignite_apps as apps

    monkeypatch.setattr(apps, "MAX_ARCHIVE_BYTES", 100)
    (tmp_path / "handler.py").write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ArchiveError, match="over the 0 MiB limit; nothing was uploaded"):
        build_archive(tmp_path)
