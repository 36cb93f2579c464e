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


def test_check_missing_file_exit_2_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.scriptum"
    assert main(["check", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == ["1 file could not be read"]
    assert err.splitlines() == [f"{missing}: error: cannot read: No such file or directory"]


def test_check_missing_beside_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.scriptum", BAD)
    assert main(["check", "--no-snippet", str(bad), str(tmp_path / "nope.scriptum")]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "1 file checked: 1 error, 0 warnings; 1 file could not be read"
    )


def test_check_no_scripts_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert "no .scriptum files" in capsys.readouterr().err


def test_check_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--format", "yaml", "x.scriptum"])
    assert info.value.code == 2


def test_check_prints_source_line_and_caret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = BAD + '\tur2 = "é"\n'
    bad = write(tmp_path, "bad.scriptum", src)
    assert main(["check", str(bad)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}:5:3: error: unknown field 'ur' on http_request input (did you mean 'url'?)",
        ' 5 |   ur = "x"',
        "   |   ^^",
        f"{bad}:6:2: error: unknown field 'ur2' on http_request input (did you mean 'url'?)",
        ' 6 |     ur2 = "é"',
        "   |     ^^^",
        "1 file checked: 2 errors, 0 warnings",
    ]
    assert main(["check", "--no-snippet", str(bad)]) == 1
    assert not any(" | " in line for line in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize(
    ("line", "col", "end_col", "expected"),
    [
        ("ab\u4e2d\u6587cd", 3, 5, "  ^^^^"),  # wide characters take two cells
        ("x = 1", 1, 1, "^"),  # empty range: one caret
        ("x = 1", 5, 9, "    ^"),  # clamped to the line
    ],
)
def test_snippet_widths(line: str, col: int, end_col: int, expected: str) -> None:
    from scriptum_lsp.checkcmd import snippet
    from scriptum_lsp.language.diagnostics import CompileDiagnostic

    d = CompileDiagnostic(12, col, 12, end_col, "m", "", "error", line, "c")
    assert snippet(d) == [f" 12 | {line}", f"    | {expected}"]


def test_check_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad, one.scriptum", BAD)
    assert main(["check", "--format", "github", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    name = bad.as_posix().replace(",", "%2C")
    assert out == [
        f"::error file={name},line=5,col=3,endLine=5,endColumn=5,title=scriptum unknown-field"
        "::unknown field 'ur' on http_request input (did you mean 'url'?)",
        "1 file checked: 1 error, 0 warnings",
    ]


def test_check_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.scriptum", BAD)
    missing = tmp_path / "nope.scriptum"
    assert main(["check", "--format", "sarif", str(bad), str(missing)]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    assert run["tool"]["driver"]["name"] == "scriptum-lsp"
    assert run["tool"]["driver"]["rules"] == [{"id": "unknown-field"}]
    assert run["columnKind"] == "unicodeCodePoints"
    (result,) = run["results"]
    assert result["ruleId"] == "unknown-field" and result["level"] == "error"
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == bad.as_posix()
    assert {k: v for k, v in loc["region"].items() if k != "snippet"} == {
        "startLine": 5,
        "startColumn": 3,
        "endLine": 5,
        "endColumn": 5,
    }
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": missing.as_posix()}
    }


def test_check_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    for i in range(400):
        write(tmp_path, f"s{i:03}.scriptum", BAD)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scriptum_lsp", "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err


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


def test_fmt_leaves_syntax_errors_alone_and_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path, "broken.scriptum", 'script "X"\nlet a = (1 +\n')
    assert main(["fmt", str(broken)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        f"{broken}: not formatted: 1 syntax error(s)",
        f"{broken}:2:12: error: expected an expression, found end of line",
    ]
    assert broken.read_text(encoding="utf-8") == 'script "X"\nlet a = (1 +\n'


def test_fmt_shows_at_most_three_syntax_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(tmp_path, "broken.scriptum", 'script "X"\n' + "let a = \n" * 5)
    assert main(["fmt", "--check", str(broken)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{broken}: not formatted: 5 syntax error(s)"
    assert [line.split(": error: ")[0] for line in err[1:4]] == [f"{broken}:{n}:7" for n in (2, 3, 4)]
    assert err[4] == f"{broken}: ... and 2 more (scriptum-lsp check {broken})"


def test_fmt_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = write(tmp_path, "messy.scriptum", MESSY.rstrip("\n"))
    write(tmp_path, "good.scriptum", GOOD)
    assert main(["fmt", "--diff", str(tmp_path)]) == 1
    name = messy.as_posix()
    assert capsys.readouterr().out.splitlines() == [
        f"--- {name} (original)",
        f"+++ {name} (formatted)",
        "@@ -1,2 +1,2 @@",
        '-script   "Messy"',
        "-let a=1",
        "\\ No newline at end of file",
        '+script "Messy"',
        "+let a = 1",
    ]
    assert messy.read_text(encoding="utf-8") == MESSY.rstrip("\n")  # nothing written


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
README = Path(__file__).resolve().parents[2] / "README.md"


def test_examples_directory_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    clean = sorted(str(p) for p in EXAMPLES.glob("*.scriptum"))
    assert main(["check", *clean]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{len(clean)} files checked: 0 errors, 0 warnings"
    assert main(["fmt", "--check", str(EXAMPLES)]) == 0


def test_readme_run_command_shows_the_deliberate_mistake(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """#17: the README's run command (`check examples/`) shows one diagnostic, exactly as the README prints it."""
    monkeypatch.chdir(EXAMPLES.parent)
    assert main(["check", "examples/"]) == 1
    out = capsys.readouterr().out.splitlines()
    readme = README.read_text(encoding="utf-8")
    n_clean = len(list(EXAMPLES.glob("*.scriptum")))
    mistake = [
        line for line in out if line.startswith("examples/mistakes/") or line.startswith((" 14 ", "    "))
    ]
    assert len(mistake) == 3 and all(line in readme for line in mistake), mistake
    assert out[-1] == f"{n_clean + 1} files checked: 1 error, 0 warnings" and out[-1] in readme
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]  # fmt: skip
    assert f"{words[n_clean].capitalize()} examples are clean" in readme


def test_the_deliberate_mistake_is_one_quick_fix_away(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (EXAMPLES / "mistakes" / "typo_in_field.scriptum").read_text(encoding="utf-8")
    fixed = write(tmp_path, "fixed.scriptum", source.replace("  ur = ", "  url = "))
    assert main(["check", str(fixed)]) == 0
