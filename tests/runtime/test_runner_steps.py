"""Runner semantics on hand-built IR: steps, records, control flow, errors, pauses and resume."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from scriptum_lsp.emulator.runner import ResumeError, ResumeRequest, RunConfig
from tests.runtime.kit import (
    FAST,
    E,
    Sink,
    call,
    check,
    do,
    emit,
    field,
    get,
    interp,
    lam,
    let,
    lit,
    name,
    op,
    run,
    script,
    section,
    step,
)


def each(
    item: str,
    source: E,
    *body: E,
    bind: str | None = None,
    index: str | None = None,
    parallel: E | None = None,
    sleep: E | None = None,
) -> E:
    return step(
        "iterate",
        None,
        item=item,
        index=index,
        source=source,
        parallel=parallel,
        sleep=sleep,
        body=list(body),
        bind=bind,
        stream=False,
    )


async def test_let_emit_and_records() -> None:
    ir = script(
        let("x", lit(2)),
        do("Say", "echo", bind="said", message=interp("x=", ["x"])),
        emit(out=get(name("said"), "message")),
    )
    outcome, sink = await run(ir)
    assert (outcome.status, outcome.output, outcome.error, outcome.pause) == (
        "COMPLETED",
        {"out": "x=2"},
        None,
        None,
    )
    assert sink.trace() == ["0 let COMPLETED", "1 execute COMPLETED", "2 emit COMPLETED"]
    said = sink.record("1")
    assert (said.tool, said.input, said.output, said.label, said.attempt) == (
        "echo",
        {"message": "x=2"},
        {"message": "x=2"},
        "Say",
        1,
    )
    assert said.finished_at_ms is not None and said.finished_at_ms >= said.started_at_ms
    assert [kind for kind, _ in sink.events] == ["start", "end"] * 3
    json.dumps(outcome.state)  # the checkpoint is JSON


async def test_later_emits_merge_into_output() -> None:
    outcome, _ = await run(script(emit(a=lit(1), b=lit(1)), emit(b=lit(2), c=lit(3))))
    assert outcome.output == {"a": 1, "b": 2, "c": 3}


async def test_no_emit_gives_empty_output() -> None:
    outcome, _ = await run(script(let("x", lit(1))))
    assert (outcome.status, outcome.output) == ("COMPLETED", {})


async def test_inputs_defaults_and_validation() -> None:
    inputs = [field("q", "text"), field("limit", "integer", default=10)]
    ir = script(emit(q=name("q"), limit=name("limit")), inputs=inputs)
    ok, _ = await run(ir, {"q": "x"})
    assert ok.output == {"q": "x", "limit": 10}
    bad, sink = await run(ir, {"limit": "many", "extra": 1})
    assert bad.status == "FAILED" and bad.error is not None and bad.error["code"] == "INVALID_INPUT"
    assert [p["path"] for p in bad.error["problems"]] == ["q", "limit", "extra"]
    assert sink.events == []


async def test_iterate_collects_in_order_with_index() -> None:
    ir = script(
        each(
            "x",
            lit([1, 2, 3]),
            do("Echo", "echo", bind="e", message=op("*", name("x"), name("i"))),
            index="i",
            bind="out",
        ),
        emit(out=call("map", name("out"), lam(["r"], get(name("r"), "message")))),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"out": [0, 2, 6]}
    assert sink.trace() == [
        "0.0.0 execute COMPLETED",
        "0.1.0 execute COMPLETED",
        "0.2.0 execute COMPLETED",
        "0 iterate COMPLETED",
        "1 emit COMPLETED",
    ]


async def test_iterate_parallel_runs_a_batch_concurrently_and_keeps_order() -> None:
    # later items wait less, so they finish first; results must still come back in item order
    body = [
        step("wait", "nap", duration=op("*", lit(5), op("-", lit(6), name("x")))),
        let("y", op("*", name("x"), lit(10))),
    ]
    ir = script(
        each("x", lit([1, 2, 3, 4, 5]), *body, parallel=lit(3), sleep=lit(1), bind="ys"),
        emit(ys=name("ys")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"ys": [10, 20, 30, 40, 50]}
    waits = [(kind, r.path) for kind, r in sink.events if r.primitive == "wait"]
    first_end = next(i for i, (kind, _) in enumerate(waits) if kind == "end")
    assert sorted(p for kind, p in waits[:first_end]) == [
        "0.0.0",
        "0.1.0",
        "0.2.0",
    ]  # one batch of three at once
    assert waits[first_end] == ("end", "0.2.0")  # the shortest wait of the batch ends first
    assert sink.record("0").input == {"items": 5, "parallel": 3, "sleep_ms": 1.0}


async def test_iterate_body_bindings_stay_inside() -> None:
    ir = script(each("x", lit([1]), let("inner", name("x"))), let("v", name("inner")))
    outcome, _ = await run(ir)
    assert outcome.status == "PAUSED" and outcome.error is not None
    assert "unknown name 'inner'" in outcome.error["message"]


async def test_pipe_batches_and_streams() -> None:
    ir = script(
        step(
            "pipe",
            None,
            item="row",
            source=lit([" A ", "B "]),
            batch=lit(1),
            parallel=lit(2),
            body=[do("Clean", "normalize", bind="c", text=name("row"), operation=lit("TrimAndLower"))],
            bind="cleaned",
            stream=True,
        ),
        step(
            "pipe",
            None,
            item="c",
            source=name("cleaned"),
            batch=None,
            parallel=None,
            body=[let("t", op("+", get(name("c"), "text"), lit("!")))],
            bind="final",
            stream=False,
        ),
        emit(final=name("final")),
    )
    outcome, _ = await run(ir)
    assert outcome.output == {"final": ["a!", "b!"]}


async def test_pipe_source_must_be_a_list() -> None:
    ir = script(
        step(
            "pipe",
            "P",
            item="x",
            source=lit({"rows": []}),
            batch=None,
            parallel=None,
            body=[],
            bind="r",
            stream=False,
        )
    )
    outcome, _ = await run(ir)
    assert outcome.error is not None
    assert (
        outcome.error["message"]
        == 'RUNTIME ERROR at step "P": pipe source must be a list, got an object\n  object keys: rows'
    )


def decide_rules(*rules: tuple[E, str], otherwise: str | None, branches: dict[str, list[E]]) -> E:
    return step(
        "branch",
        "Route",
        rules=[{"when": w, "branch": b} for w, b in rules],
        otherwise=otherwise,
        branches=[{"name": n, "body": body} for n, body in branches.items()],
    )


@pytest.mark.parametrize(
    ("priority", "queue", "branch_path"), [("urgent", "oncall", "1.0.0"), ("low", "support", "1.1.0")]
)
async def test_branch_rules(priority: str, queue: str, branch_path: str) -> None:
    ir = script(
        let("p", lit(priority)),
        decide_rules(
            (op("==", name("p"), lit("urgent")), "Escalate"),
            otherwise="General",
            branches={"Escalate": [let("queue", lit("oncall"))], "General": [let("queue", lit("support"))]},
        ),
        emit(queue=name("queue")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"queue": queue}
    assert sink.record("1").output == {"branch": "Escalate" if priority == "urgent" else "General"}
    assert sink.record(branch_path).output == queue


async def test_check_fail_is_fatal_without_handler() -> None:
    ir = script(
        check("Enough?", op(">=", lit(1), lit(3)), on_fail={"action": "fail", "message": "Fewer than three"})
    )
    outcome, sink = await run(ir)
    assert outcome.status == "FAILED" and outcome.pause is None and outcome.error is not None
    assert outcome.error["message"] == 'RUNTIME ERROR at step "Enough?": Fewer than three'
    assert (outcome.error["code"], outcome.error["path"]) == ("CHECK_FAILED", "0")
    assert sink.trace() == ["0 evaluate FAILED"]


async def test_check_default_fail_message() -> None:
    outcome, _ = await run(script(check("Gate", lit(False), on_fail=None)))
    assert outcome.error is not None and outcome.error["message"].endswith('check "Gate" failed')


async def test_goto_section_then_runaway_guard() -> None:
    ir = script(section("Top"), check("Loop", lit(False), on_fail={"action": "goto", "target": "Top"}))
    outcome, _ = await run(ir, config=RunConfig(max_steps=50))
    assert outcome.status == "FAILED" and outcome.error is not None
    assert outcome.error["code"] == "STEP_LIMIT"
    assert "exceeded 50 steps" in outcome.error["message"]


async def test_goto_branch_label_runs_that_branch() -> None:
    ir = script(
        decide_rules(otherwise="A", branches={"A": [let("who", lit("a"))], "B": [let("who", lit("b"))]}),
        check("Go to B", op("==", name("who"), lit("b")), on_fail={"action": "goto", "target": "B"}),
        emit(who=name("who")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"who": "b"}
    assert sink.trace() == [
        "0.0.0 let COMPLETED",
        "0 branch COMPLETED",
        "1 evaluate COMPLETED",
        "0.1.0 let COMPLETED",
        "0 branch COMPLETED",
        "1 evaluate COMPLETED",
        "2 emit COMPLETED",
    ]


async def test_goto_unknown_target_fails() -> None:
    outcome, _ = await run(script(check("X", lit(False), on_fail={"action": "goto", "target": "Nowhere"})))
    assert outcome.status == "FAILED" and outcome.error is not None
    assert 'goto target "Nowhere" is not a section or branch label' in outcome.error["message"]


async def test_check_retry_reruns_previous_step(http_counter: Any) -> None:
    url, hits = http_counter
    ir = script(
        do("Poll", "http_request", bind="r", url=lit(url)),
        check(
            "Ready?",
            op(">=", get(get(name("r"), "body"), "n"), lit(3)),
            on_fail={"action": "retry", "count": 5},
        ),
        emit(n=get(get(name("r"), "body"), "n")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"n": 3}
    assert hits() == 3
    assert sink.trace().count("1 evaluate COMPLETED") == 3


async def test_check_retry_exhausted_fails() -> None:
    ir = script(let("x", lit(1)), check("Never", lit(False), on_fail={"action": "retry", "count": 2}))
    outcome, sink = await run(ir)
    assert outcome.status == "FAILED" and outcome.error is not None
    assert (
        outcome.error["message"]
        == 'RUNTIME ERROR at step "Never": check "Never" still failing after 2 retries'
    )
    assert sink.trace() == [
        "0 let COMPLETED",
        "1 evaluate COMPLETED",
        "0 let COMPLETED",
        "1 evaluate COMPLETED",
        "0 let COMPLETED",
        "1 evaluate FAILED",
    ]


async def test_parallel_lanes() -> None:
    ir = script(
        step(
            "parallel",
            None,
            lanes=[[do("A", "echo", message=lit("a"))], [do("B", "echo", bind="b", message=lit("b"))]],
            bind="both",
        ),
        emit(both=name("both"), b=get(name("b"), "message")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"both": [{"message": "a"}, {"message": "b"}], "b": "b"}
    assert {r.path for r in sink.finished} == {"0.0.0", "0.1.0", "0", "1"}


async def test_repeat_until_with_loop_carried_counter() -> None:
    ir = script(
        let("counter", lit(0)),
        step(
            "repeat",
            None,
            body=[let("counter", op("+", name("counter"), lit(1)))],
            until=op(">=", name("counter"), lit(4)),
            max=lit(10),
            bind="r",
        ),
        emit(counter=name("counter"), r=name("r")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"counter": 4, "r": 4}
    assert [r.path for r in sink.finished][1:5] == ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    assert sink.record("1").output == {"iterations": 4, "value": 4}


async def test_repeat_stops_at_max() -> None:
    ir = script(step("repeat", None, body=[let("k", lit(1))], until=lit(False), max=lit(3), bind=None))
    _, sink = await run(ir)
    assert sink.record("0").output == {"iterations": 3, "value": 1}


@pytest.mark.parametrize(
    ("duration", "requested"),
    [(lit(20), 20.0), (lit("2ms"), 2.0), (lit("1s"), 1000.0), (lit("5m"), 300000.0)],
)
async def test_wait_is_honoured_up_to_the_cap(duration: E, requested: float) -> None:
    _, sink = await run(script(step("wait", None, duration=duration)))
    out = sink.record("0").output
    assert out["requested_ms"] == requested
    assert out["waited_ms"] == min(requested, FAST.max_wait_s * 1000)


async def test_wait_rejects_bad_duration() -> None:
    outcome, _ = await run(script(step("wait", "W", duration=lit("soon"))))
    assert outcome.error is not None and 'invalid duration "soon"' in outcome.error["message"]


async def test_yield_reaches_sink() -> None:
    ir = script(each("x", lit([1, 2]), step("yield", "Progress", fields={"done": name("x")})))
    outcome, sink = await run(ir)
    assert outcome.status == "COMPLETED"
    assert sink.yields == [("Progress", {"done": 1}), ("Progress", {"done": 2})]


def ask(label: str, **inputs: E) -> E:
    return step("ask", label, line=7, inputs=inputs, bind="answer")


async def test_ask_pauses_and_resumes_with_value() -> None:
    ir = script(
        let("before", lit("b")),
        ask(
            "Confirm", prompt=interp("Spend ", ["amount"], "?"), options=lit(["yes", "no"]), type=lit("text")
        ),
        emit(
            answer=get(name("answer"), "value"), before=name("before"), by=get(name("answer"), "provided_by")
        ),
        inputs=[field("amount", "number")],
    )
    paused, sink1 = await run(ir, {"amount": 5})
    assert paused.status == "PAUSED" and paused.error is None
    assert paused.pause == {
        "path": "1",
        "kind": "ask",
        "label": "Confirm",
        "prompt": "Spend 5?",
        "options": ["yes", "no"],
        "type": "text",
        "line": 7,
        "default": None,
        "timeout": None,
    }
    assert sink1.trace() == ["0 let COMPLETED", "1 ask PAUSED"]
    state = json.loads(json.dumps(paused.state))
    for bad, message in [
        (None, "needs an answer"),
        ({"value": "maybe"}, "not one of the options"),
        ({"value": 1}, "must be text"),
        ({"v": 1}, '"value" field'),
    ]:
        with pytest.raises(ResumeError, match=message):
            await run(ir, resume=ResumeRequest(state, bad))
    done, sink2 = await run(
        ir, resume=ResumeRequest(state, {"value": "yes", "provided_by": "ana", "comment": "ok"})
    )
    assert done.output == {"answer": "yes", "before": "b", "by": "ana"}
    assert sink2.trace() == ["1 ask COMPLETED", "2 emit COMPLETED"]  # completed steps are not rerun
    assert sink2.record("1").output["comment"] == "ok"


async def test_resume_requires_a_paused_state() -> None:
    done, _ = await run(script(let("x", lit(1))))
    with pytest.raises(ResumeError, match="not paused"):
        await run(script(let("x", lit(1))), resume=ResumeRequest(done.state, None))
    with pytest.raises(ResumeError, match="not a checkpoint"):
        await run(script(), resume=ResumeRequest({"nope": 1}, None))


async def test_ask_inside_iteration_resumes_each_item() -> None:
    ir = script(
        each(
            "x",
            lit(["a", "b"]),
            step("ask", "Ok?", inputs={"prompt": interp("ok ", ["x"], "?")}, bind="a"),
            bind="answers",
        ),
        emit(answers=call("map", name("answers"), lam(["a"], get(name("a"), "value")))),
    )
    first, _ = await run(ir)
    assert first.pause is not None and (first.pause["path"], first.pause["prompt"]) == ("0.0.0", "ok a?")
    second, _ = await run(ir, resume=ResumeRequest(first.state, {"value": 1}))
    assert second.pause is not None and (second.pause["path"], second.pause["prompt"]) == ("0.1.0", "ok b?")
    third, sink = await run(ir, resume=ResumeRequest(second.state, {"value": 2}))
    assert third.output == {"answers": [1, 2]}
    assert sink.trace() == ["0.1.0 ask COMPLETED", "0 iterate COMPLETED", "1 emit COMPLETED"]


async def test_cloud_tool_pauses_with_error_and_override_stands_in_for_output() -> None:
    ir = script(
        do("Summarise", "llm", bind="note", line=12, prompt=lit("hi")),
        emit(text=get(name("note"), "text")),
    )
    paused, sink = await run(ir)
    assert paused.status == "PAUSED" and paused.pause is not None and paused.error is not None
    message = "RUNTIME ERROR at step \"Summarise\": tool 'llm' needs the dodil cloud; the local emulator cannot run model capabilities"
    assert paused.error == {
        "message": message,
        "step": "Summarise",
        "path": "0",
        "line": 12,
        "tool": "llm",
        "code": "CLOUD_ONLY",
    }
    assert (paused.pause["kind"], paused.pause["path"], paused.pause["line"]) == ("error", "0", 12)
    assert sink.trace() == ["0 execute PAUSED"]
    again, _ = await run(ir, resume=ResumeRequest(paused.state, None))
    assert again.status == "PAUSED"
    done, sink2 = await run(ir, resume=ResumeRequest(paused.state, {"text": "stand-in"}))
    assert done.output == {"text": "stand-in"}
    assert sink2.record("0").status == "COMPLETED"


@pytest.mark.parametrize(
    ("tool", "imports", "fragment"),
    [
        (
            "web_search",
            [],
            "tool 'web_search' needs the dodil cloud; the local emulator does not run this native tool",
        ),
        (
            "ocr_extract",
            [{"tool": "ocr_extract", "source": "cloud"}],
            "tool 'ocr_extract' is an Ignite cloud tool",
        ),
        (
            "jira",
            [{"tool": "jira", "source": "mcp:atlassian"}],
            "tool 'jira' is an MCP tool (server 'atlassian')",
        ),
    ],
)
async def test_cloud_only_tools(tool: str, imports: list[E], fragment: str) -> None:
    outcome, _ = await run(script(do("T", tool, query=lit("q")), imports=imports))
    assert outcome.error is not None and fragment in outcome.error["message"]


@pytest.mark.parametrize("primitive", ["agent", "plan", "run", "send"])
async def test_cloud_primitives_pause(primitive: str) -> None:
    outcome, _ = await run(
        script(step(primitive, "X", tool="llm", inputs={"task": lit("t")}, fields={}, bind="r"))
    )
    assert outcome.status == "PAUSED" and outcome.error is not None
    assert f"'{primitive}' needs the dodil cloud" in outcome.error["message"]


async def test_decide_llm_pauses_and_override_picks_branch() -> None:
    ir = script(
        step(
            "decide",
            "Pick",
            inputs={"prompt": lit("which?")},
            branches=[
                {"name": "A", "body": [let("r", lit("a"))]},
                {"name": "B", "body": [let("r", lit("b"))]},
            ],
            bind=None,
        ),
        emit(r=name("r")),
    )
    paused, _ = await run(ir)
    assert paused.error is not None and "decide with llm" in paused.error["message"]
    done, _ = await run(ir, resume=ResumeRequest(paused.state, {"branch": "B"}))
    assert done.output == {"r": "b"}
    bad, _ = await run(ir, resume=ResumeRequest(paused.state, {"branch": "C"}))
    assert bad.error is not None and 'names no branch "C"' in bad.error["message"]


async def test_check_ask_llm_pauses_and_override_decides() -> None:
    ir = script(
        check("Polite?", None, ask_llm=lit("polite?"), on_fail={"action": "fail", "message": "rude"}),
        emit(ok=lit(True)),
    )
    paused, _ = await run(ir)
    assert paused.status == "PAUSED" and paused.error is not None and paused.error["tool"] == "llm"
    ok, _ = await run(ir, resume=ResumeRequest(paused.state, {"passed": True}))
    assert ok.output == {"ok": True}
    rude, _ = await run(ir, resume=ResumeRequest(paused.state, {"passed": False}))
    assert rude.status == "FAILED" and rude.error is not None and rude.error["message"].endswith("rude")


async def test_error_pause_resume_with_input_override() -> None:
    ir = script(do("Parse", "json_parse", bind="p", text=lit("{bad")), emit(v=get(name("p"), "value")))
    paused, _ = await run(ir)
    assert (
        paused.status == "PAUSED" and paused.error is not None and "invalid JSON" in paused.error["message"]
    )
    done, sink = await run(ir, resume=ResumeRequest(paused.state, {"text": '{"a": 1}'}))
    assert done.output == {"v": {"a": 1}}
    assert sink.record("0").input == {"text": '{"a": 1}'}


async def test_let_error_pause_resume_with_value_override() -> None:
    ir = script(let("x", get(lit({"a": 1}), "b")), emit(x=name("x")))
    paused, _ = await run(ir)
    assert paused.error is not None and paused.error["code"] == "EXPRESSION_ERROR"
    done, _ = await run(ir, resume=ResumeRequest(paused.state, 42))
    assert done.output == {"x": 42}


async def test_on_error_ignore_binds_null() -> None:
    ir = script(do("Try", "llm", bind="r", on_error={"action": "ignore"}, prompt=lit("p")), emit(r=name("r")))
    outcome, sink = await run(ir)
    assert outcome.output == {"r": None}
    rec = sink.record("0")
    assert rec.status == "SKIPPED" and rec.error is not None and "needs the dodil cloud" in rec.error


async def test_on_error_fallback_runs_other_tool() -> None:
    ir = script(
        do(
            "Try",
            "llm",
            bind="r",
            on_error={"action": "fallback", "tool": "echo", "inputs": {"message": lit("fb")}},
            prompt=lit("p"),
        ),
        emit(r=name("r")),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"r": {"message": "fb"}}
    assert sink.trace() == ["0 execute FAILED", "0 execute COMPLETED #2", "1 emit COMPLETED"]
    assert sink.record("0").tool == "echo"


async def test_on_thread_error_handler_output_and_objects() -> None:
    handler = [
        step(
            "let",
            None,
            bind="m",
            value=interp("Run ", ["thread", "id"], " failed in ", ["error", "step"], ": ", ["error", "code"]),
        ),
        step("emit", "Failed", fields={"status": lit("error"), "detail": name("m")}),
    ]
    ir = script(emit(partial=lit(1)), do("Summarise", "llm", prompt=lit("p")), on_error=handler)
    outcome, sink = await run(ir, config=RunConfig(thread_id="thr_1"))
    assert outcome.status == "COMPLETED"
    assert outcome.output == {"status": "error", "detail": "Run thr_1 failed in Summarise: CLOUD_ONLY"}
    assert sink.trace() == ["0 emit COMPLETED", "1 execute FAILED", "E.0 let COMPLETED", "E.1 emit COMPLETED"]


async def test_on_thread_error_without_emit_fails() -> None:
    ir = script(check("Gate", lit(False)), on_error=[let("seen", get(name("error"), "message"))])
    outcome, _ = await run(ir)
    assert (
        outcome.status == "FAILED" and outcome.error is not None and outcome.error["code"] == "CHECK_FAILED"
    )


async def test_failure_inside_handler_fails_thread() -> None:
    ir = script(check("Gate", lit(False)), on_error=[let("x", get(lit(None), "y"))])
    outcome, _ = await run(ir)
    assert outcome.status == "FAILED" and outcome.error is not None and outcome.error["path"] == "E.0"


async def test_compound_parents_report_paused_status() -> None:
    ir = script(each("x", lit([1]), do("LLM", "llm", prompt=lit("p"))))
    _, sink = await run(ir)
    assert sink.trace() == ["0.0.0 execute PAUSED", "0 iterate PAUSED"]


async def test_cancellation_reports_running_steps() -> None:
    both_waiting = asyncio.Event()
    waits: list[str] = []

    def on_start(record: Any) -> None:
        if record.primitive == "wait":
            waits.append(record.path)
            if len(waits) == 2:
                both_waiting.set()

    sink = Sink(on_start)
    ir = script(
        let("a", lit(1)), each("x", lit([1, 2]), step("wait", "Long", duration=lit("1h")), parallel=lit(2))
    )
    task = asyncio.create_task(run(ir, config=RunConfig(max_wait_s=30), sink=sink))
    await both_waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(sink.trace()) == [
        "0 let COMPLETED",
        "1 iterate CANCELLED",
        "1.0.0 wait CANCELLED",
        "1.1.0 wait CANCELLED",
    ]


async def test_unknown_primitive_is_reported() -> None:
    outcome, _ = await run(script(step("teleport", "T")))
    assert (
        outcome.status == "FAILED"
        and outcome.error is not None
        and "unknown IR primitive 'teleport'" in outcome.error["message"]
    )


async def test_decide_binding_is_the_branch_result() -> None:
    ir = script(
        step(
            "branch",
            "Route",
            rules=[],
            otherwise="Only",
            bind="picked",
            branches=[{"name": "Only", "body": [let("a", lit(1)), let("b", lit(2))]}],
        ),
        emit(picked=name("picked")),
    )
    outcome, _ = await run(ir)
    assert outcome.output == {"picked": 2}


async def test_rule_naming_a_branch_without_body_is_a_no_op() -> None:
    ir = script(
        step("branch", "Route", rules=[{"when": lit(True), "branch": "Ghost"}], otherwise=None, branches=[]),
        emit(ok=lit(1)),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"ok": 1}
    assert sink.record("0").output == {"branch": "Ghost"}


async def test_goto_from_inside_a_loop_leaves_it() -> None:
    ir = script(
        each(
            "x",
            lit([1, 2, 3]),
            check("Stop at 2", op("!=", name("x"), lit(2)), on_fail={"action": "goto", "target": "After"}),
        ),
        emit(skipped=lit(True)),
        section("After"),
        emit(done=lit(True)),
    )
    outcome, sink = await run(ir)
    assert outcome.output == {"done": True}
    assert sink.trace() == [
        "0.0.0 evaluate COMPLETED",
        "0.1.0 evaluate COMPLETED",
        "0 iterate COMPLETED",
        "2 section COMPLETED",
        "3 emit COMPLETED",
    ]


async def test_resume_does_not_repeat_yields_or_lose_emits() -> None:
    ir = script(
        step("yield", "Started", fields={"n": lit(1)}),
        emit(a=lit(1)),
        step("ask", "Go?", inputs={"prompt": lit("go?")}, bind="go"),
        emit(b=get(name("go"), "value")),
    )
    sink = Sink()
    paused, _ = await run(ir, sink=sink)
    done, _ = await run(ir, sink=sink, resume=ResumeRequest(paused.state, {"value": 2}))
    assert done.output == {"a": 1, "b": 2}
    assert sink.yields == [("Started", {"n": 1})]


async def test_enum_inputs_are_checked_when_the_ir_carries_enums() -> None:
    ir = script(
        emit(t=name("tier")),
        inputs=[
            {
                "name": "tier",
                "type": {"kind": "enum", "name": "Tier"},
                "required": False,
                "default": "Free",
                "constraints": [],
            }
        ],
        enums=[{"name": "Tier", "baseType": "text", "variants": ["Free", "Pro"]}],
    )
    ok, _ = await run(ir)
    assert ok.output == {"t": "Free"}
    bad, _ = await run(ir, {"tier": "Gold"})
    assert bad.error is not None and bad.error["problems"] == [
        {"path": "tier", "message": '"Gold" is not a variant of Tier ("Free", "Pro")'}
    ]


async def test_ask_inside_thread_error_handler_pauses_and_resumes() -> None:
    handler = [
        step(
            "ask",
            "Retry later?",
            inputs={"prompt": get(name("error"), "code"), "options": lit(["yes", "no"])},
            bind="a",
        ),
        emit(choice=get(name("a"), "value"), step=get(name("error"), "step")),
    ]
    ir = script(emit(lost=lit(1)), do("Think", "llm", prompt=lit("p")), on_error=handler)
    paused, sink = await run(ir)
    assert paused.pause is not None and (paused.pause["path"], paused.pause["prompt"]) == (
        "E.0",
        "CLOUD_ONLY",
    )
    assert sink.trace() == ["0 emit COMPLETED", "1 execute FAILED", "E.0 ask PAUSED"]
    done, _ = await run(ir, resume=ResumeRequest(paused.state, {"value": "no"}))
    assert (done.status, done.output) == ("COMPLETED", {"choice": "no", "step": "Think"})
