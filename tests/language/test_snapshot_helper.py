"""`UPDATE_SNAPSHOTS=1` rewrites the expected literal of the failing `check(...)` call, and only it."""

from __future__ import annotations

from pathlib import Path

from tests.language.helpers import update_snapshot

SOURCE = '''def test_a() -> None:
    check(
        r"""
        script "T"
        """,
        r"""
        1:1-1:2 error old
        """,
    )


def test_b() -> None:
    check("x", "untouched")
'''


def test_update_snapshot_rewrites_only_the_called_literal(tmp_path: Path) -> None:
    path = tmp_path / "test_x.py"
    path.write_text(SOURCE, encoding="utf-8")
    update_snapshot(path, 2, "1:1-1:2 error new\n2:1-2:3 warning é")
    text = path.read_text(encoding="utf-8")
    assert '        r"""\n        1:1-1:2 error new\n        2:1-2:3 warning é\n        """,' in text
    assert "error old" not in text
    assert 'check("x", "untouched")' in text
    compile(text, str(path), "exec")


def test_update_snapshot_to_no_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "test_x.py"
    path.write_text(SOURCE, encoding="utf-8")
    update_snapshot(path, 3, "")
    assert '        r"""\n        """,' in path.read_text(encoding="utf-8")
