"""Command arguments (object or positional), test input JSON, and the document helpers, table-driven."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scriptum_lsp.api.errors import NotFound, Unauthenticated
from scriptum_lsp.server import cmd_docs
from scriptum_lsp.server.cmd_args import (
    CommandError,
    api_failure,
    input_file_for,
    input_mismatch,
    load_test_input,
    optional_int,
    parse_arguments,
    require_int,
)

ORDER = ("uri", "version")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([{"uri": "file:///a", "version": 2}], {"uri": "file:///a", "version": 2}),
        (["file:///a", 2], {"uri": "file:///a", "version": 2}),
        ([{"uri": "file:///a"}, 2], {"uri": "file:///a", "version": 2}),
        (["file:///a"], {"uri": "file:///a"}),
        ([], {}),
        ([{"uri": "file:///a", "extra": True}], {"uri": "file:///a", "extra": True}),
    ],
)
def test_parse_arguments(args: list[Any], expected: dict[str, Any]) -> None:
    assert parse_arguments(args, ORDER) == expected


def test_parse_arguments_too_many() -> None:
    with pytest.raises(CommandError) as info:
        parse_arguments(["a", 1, 2], ORDER)
    assert info.value.kind == "invalid-arguments"
    assert "at most 2" in info.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), ("3", 3), ("v3", 3), (3.0, 3), (None, None), ("", None), (0, 0)],
)
def test_optional_int(value: Any, expected: int | None) -> None:
    assert optional_int({"version": value}, "version") == expected


@pytest.mark.parametrize("value", [True, "three", 2.5, [1]])
def test_optional_int_rejects(value: Any) -> None:
    with pytest.raises(CommandError, match="must be an integer"):
        optional_int({"version": value}, "version")


def test_require_int_missing() -> None:
    with pytest.raises(CommandError, match="missing argument 'version'"):
        require_int({}, "version")


def test_input_file_name() -> None:
    assert input_file_for(Path("/w/flows/digest.scriptum")) == Path("/w/flows/digest.input.json")


def test_input_from_argument_object_and_text(tmp_path: Path) -> None:
    script = tmp_path / "a.scriptum"
    (tmp_path / "a.input.json").write_text('{"from": "file"}')
    assert load_test_input({"q": 1}, script).value == {"q": 1}
    loaded = load_test_input('{"q": "text"}', script)
    assert (loaded.value, loaded.source) == ({"q": "text"}, "argument")


def test_input_from_file_then_default(tmp_path: Path) -> None:
    script = tmp_path / "a.scriptum"
    assert load_test_input(None, script).value == {}
    assert load_test_input(None, script).source == "default"
    (tmp_path / "a.input.json").write_text('\ufeff{"from": "file"}', encoding="utf-8")
    loaded = load_test_input(None, script)
    assert loaded.value == {"from": "file"}
    assert loaded.source == str(tmp_path / "a.input.json")


@pytest.mark.parametrize(
    ("arg", "file_text", "message"),
    [
        ('{"q": ', None, "input: invalid JSON at line 1 column 7"),
        ("[1, 2]", None, "input: must be a JSON object, got list"),
        ([1], None, "input: must be a JSON object, got list"),
        (None, "{oops}", "a.input.json: invalid JSON at line 1 column 2"),
        (None, "42", "a.input.json: must be a JSON object, got int"),
    ],
)
def test_invalid_input(tmp_path: Path, arg: Any, file_text: str | None, message: str) -> None:
    if file_text is not None:
        (tmp_path / "a.input.json").write_text(file_text)
    with pytest.raises(CommandError) as info:
        load_test_input(arg, tmp_path / "a.scriptum")
    assert info.value.kind == "invalid-input"
    assert len((info.value.data or {})["problems"]) == 1
    assert message in (info.value.data or {})["problems"][0]


def test_input_mismatch_lists_every_problem() -> None:
    err = input_mismatch(
        ["query: required input 'query' (text) is missing", "limt: unknown input field"], "x"
    )
    assert err.kind == "input-mismatch"
    assert err.message.splitlines()[1:] == [
        "  - query: required input 'query' (text) is missing",
        "  - limt: unknown input field",
    ]
    assert "2 problems" in err.message
    assert err.code == -32803


def test_api_failure_messages() -> None:
    auth = api_failure(Unauthenticated("missing token", http_status=401), "Publish")
    assert auth.message.startswith("Publish failed: not authorized: missing token")
    assert "token" in auth.message.split(" - ", 1)[1]
    assert auth.data == {"kind": "auth", "code": "UNAUTHENTICATED"}
    missing = api_failure(NotFound("script x"), "Rollback")
    assert missing.message == "Rollback failed: not found: script x"


@pytest.mark.parametrize(
    ("text", "encoding", "end"),
    [
        ("a\nbc", "utf-16", (1, 2)),
        ("a\r\nbc\r\n", "utf-16", (2, 0)),
        ("x\ry😀", "utf-16", (1, 3)),
        ("x\ry😀", "utf-8", (1, 5)),
        ("x\ry😀", "utf-32", (1, 2)),
        ("a\u2028b", "utf-16", (0, 3)),  # only \n, \r\n, \r split lines
    ],
)
def test_document_end(text: str, encoding: str, end: tuple[int, int]) -> None:
    assert cmd_docs.document_end(text, encoding) == end


def test_line_span() -> None:
    text = 'script "x"\n  do "é😀" with echo\n'
    assert cmd_docs.line_span(text, 1, "utf-16") == (1, 2, 20)
    assert cmd_docs.line_span(text, 5, "utf-16") is None


def test_virtual_uris_round_trip() -> None:
    uri = cmd_docs.version_uri("my script/x", 3)
    assert uri == "scriptum-version:/my%20script%2Fx/v3.scriptum"
    assert cmd_docs.parse_version_uri(uri) == ("my script/x", 3)
    assert cmd_docs.parse_version_uri("file:///x/v3.scriptum") is None
    assert cmd_docs.parse_run_uri(cmd_docs.run_uri("thr_1")) == "thr_1"


def test_write_readonly_replaces(tmp_path: Path) -> None:
    path = cmd_docs.version_file(tmp_path, "org/1", "a b", 2)
    assert path.relative_to(tmp_path).parts == ("versions", "org_1", "a_b", "v2.scriptum")
    cmd_docs.write_readonly(path, "one\r\n")
    cmd_docs.write_readonly(path, json.dumps({"two": 2}))
    assert path.read_text() == '{"two": 2}'
    assert not path.stat().st_mode & 0o222
