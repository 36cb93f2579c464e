"""The store's transactions and the wire helpers, directly (no HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scriptum_lsp.emulator.compiling import compile_draft, count_steps
from scriptum_lsp.emulator.errors import ApiError, Code
from scriptum_lsp.emulator.store import Store
from scriptum_lsp.emulator.wire import Fields, camel, enum_name, parse_enum, snake
from tests.emulator.conftest import hello


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "db" / "emulator.sqlite3"))
    s.create_script("o", "s", description="", tags=[], labels=[], env={})
    return s


def test_a_compile_of_an_older_save_is_not_recorded(store: Store) -> None:
    store.save_draft("o", "s", dsl=hello("old"), yaml="")
    kind, source, rev = store.begin_compile("o", "s")
    assert store.get_draft("o", "s")["status"] == "COMPILING"
    store.save_draft("o", "s", dsl=hello("new"), yaml="")  # saved while the compile runs
    result = compile_draft(kind, source)
    assert result["success"]
    assert store.finish_compile("o", "s", rev, result) is False
    d = store.get_draft("o", "s")
    assert d["status"] == "DRAFT" and d["dsl_content"] == hello("new") and d["yaml_content"] == ""
    with pytest.raises(ApiError) as err:
        store.publish("o", "s")
    assert err.value.code == Code.FAILED_PRECONDITION


def test_publish_and_rollback_are_transactional(store: Store) -> None:
    for i in range(3):
        store.save_draft("o", "s", dsl=hello(str(i)), yaml="")
        kind, source, rev = store.begin_compile("o", "s")
        assert store.finish_compile("o", "s", rev, compile_draft(kind, source))
        assert store.publish("o", "s") == i + 1
    assert store.rollback("o", "s", 1) == 1
    assert store.rollback("o", "s", 0) == 3  # undo the rollback
    assert store.rollback("o", "s", 0) == 2
    assert [v["status"] for v in store.list_versions("o", "s")] == ["SUPERSEDED", "ACTIVE", "SUPERSEDED"]
    assert store.integrity_check() == "ok"


def test_recovery_fails_threads_of_a_dead_process_and_reverts_compiles(tmp_path: Path) -> None:
    path = str(tmp_path / "emulator.sqlite3")
    s = Store(path)
    s.create_script("o", "s", description="", tags=[], labels=[], env={}, draft_dsl=hello("x"))
    s.begin_compile("o", "s")
    s.create_thread("o", "thr_1", script_name="s", version=0, is_test=True, input_json="{}", metadata={},
                    load_env=False, ir={"steps": []}, total_steps=0, timeout="", callback_url="")  # fmt: skip
    s.update_thread("thr_1", status="RUNNING")
    s.add_step("thr_1", {"path": "0", "primitive": "wait", "status": "RUNNING", "started_at_ms": 1})
    s.close()
    again = Store(path)  # same process: the owner of the RUNNING thread is this pid, i.e. a previous life
    assert again.recovered_threads == 1
    t = again.get_thread("o", "thr_1")
    assert t["status"] == "FAILED" and "stopped while this thread was running" in t["error"]
    assert again.steps("thr_1")[0]["status"] == "FAILED"
    assert again.get_draft("o", "s")["status"] == "DRAFT"


def test_yaml_drafts_and_step_count() -> None:
    ir_yaml = compile_draft("dsl", hello("y"))["ir_yaml"]
    result = compile_draft("yaml", ir_yaml)
    assert result["success"] and result["tools_required"] == ["echo"]
    assert [f["name"] for f in result["contract"]["inputs"]] == ["name"]
    assert count_steps(result["ir"]) == 2
    assert count_steps({"steps": [{"primitive": "iterate", "body": [{"primitive": "let"}]}]}) == 2
    bad = compile_draft("yaml", "- just\n- a list\n")
    assert not bad["success"] and "steps" in bad["error"]


@pytest.mark.parametrize(
    ("name", "expected"), [("dsl_content", "dslContent"), ("page_size", "pageSize"), ("name", "name")]
)
def test_camel_snake_round_trip(name: str, expected: str) -> None:
    assert camel(name) == expected and snake(expected) == name


def test_fields_accept_both_spellings_and_types() -> None:
    f = Fields(
        {"pageSize": "20", "load_env": "true", "tags": ["a"]}, {"name": "n"}, {"statusFilter": ["failed"]}
    )
    assert f.int32("page_size") == 20 and f.boolean("load_env") is True and f.strings("tags") == ["a"]
    assert f.string("name") == "n" and f.raw("status_filter") == "failed"
    q = Fields(query={"tags": ["a,b", "c"], "labels": ["team=data", "team:ops", "env"]})
    assert q.strings("tags") == ["a", "b", "c"]
    assert q.labels() == [{"key": "team", "values": ["data", "ops"]}, {"key": "env", "values": []}]
    for bad in ({"v": "x"}, {"v": 2**31}, {"v": True}, {"v": 1.5}):
        with pytest.raises(ApiError):
            Fields(bad).int32("v")
    with pytest.raises(ApiError):
        Fields({"b": "maybe"}).boolean("b")


def test_enums() -> None:
    numbers = {1: "PENDING", 2: "RUNNING"}
    assert enum_name("THREAD_STATUS", "RUNNING") == "THREAD_STATUS_RUNNING"
    assert enum_name("SCRIPT_VERSION_STATUS", None) == "SCRIPT_VERSION_STATUS_UNSPECIFIED"
    for value in ("THREAD_STATUS_RUNNING", "running", "RUNNING", 2, "2"):
        assert parse_enum("THREAD_STATUS", value, numbers, "f") == "RUNNING"
    assert parse_enum("THREAD_STATUS", "", numbers, "f") is None
    assert parse_enum("THREAD_STATUS", 0, numbers, "f") is None
    with pytest.raises(ApiError):
        parse_enum("THREAD_STATUS", "SLEEPING", numbers, "f")
