"""`scriptum-lsp check` and `scriptum-lsp fmt` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scriptum_lsp.cli import main

GOOD = 'script "Good"\nimport tools\n  echo from native\ndo "E" with echo\n  message = "hi"\n-> out\n'
BAD = 'script "Bad"\nimport tools\n  http_request from native\ndo "F" with http_request\n  ur = "x"\n'
MESSY = 'script   "Messy"\nlet a=1\n'


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_check_clean_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, "good.scriptum", GOOD)
    assert main(["check", str(p)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{p}: ok (tools required: echo)", "1 file checked: 0 errors, 0 warnings"]


def test_check_reports_errors_with_hint_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a/good.scriptum", GOOD)
    bad = write(tmp_path, "b/bad.scriptum", BAD)
    write(tmp_path, "b/ignored.txt", "not a script")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{bad}:5:3: error: unknown field 'ur' on http_request input (did you mean 'url'?)" in out
    assert out[-1] == "2 files checked: 1 error, 0 warnings"


def test_check_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.scriptum", BAD)
    assert main(["check", "--format", "json", str(bad)]) == 1
    doc = json.loads(capsys.readouterr().out)
    (item,) = doc["files"]
    assert item["file"] == str(bad) and item["success"] is False
    assert item["diagnostics"][0]["hint"] == "did you mean 'url'?"
    assert item["diagnostics"][0]["code"] == "unknown-field"
    assert (item["diagnostics"][0]["line"], item["diagnostics"][0]["endCol"]) == (5, 5)
    assert doc["errors"] == 1


def test_check_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.scriptum")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_fmt_check_and_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = write(tmp_path, "messy.scriptum", MESSY)
    good = write(tmp_path, "good.scriptum", GOOD)
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert f"{messy}: would reformat" in capsys.readouterr().out
    assert messy.read_text(encoding="utf-8") == MESSY
    assert main(["fmt", str(tmp_path)]) == 0
    assert messy.read_text(encoding="utf-8") == 'script "Messy"\nlet a = 1\n'
    assert good.read_text(encoding="utf-8") == GOOD
    assert main(["fmt", "--check", str(tmp_path)]) == 0


def test_fmt_leaves_syntax_errors_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(tmp_path, "broken.scriptum", 'script "X"\nlet a = (1 +\n')
    assert main(["fmt", str(broken)]) == 1
    assert "syntax errors" in capsys.readouterr().err
    assert broken.read_text(encoding="utf-8") == 'script "X"\nlet a = (1 +\n'


def test_examples_directory_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert main(["check", str(examples)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("0 errors, 0 warnings")
    assert main(["fmt", "--check", str(examples)]) == 0
