"""Compile real Scriptum sources with `compile_source`, then run them with the runner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scriptum_lsp.emulator.runner import ResumeError, ResumeRequest, RunConfig, RunOutcome
from scriptum_lsp.language import compile_source
from tests.runtime.kit import FAST, Sink, run


def compiled(source: str) -> dict[str, Any]:
    result = compile_source(source)
    errors = [f"{d.line}:{d.col} {d.message}" for d in result.diagnostics if d.severity == "error"]
    assert result.success and result.ir is not None, errors
    return result.ir


CONTRACT_DIGEST = """\
script "Contract Digest"
Reads a contract, summarises each clause, and routes risky ones to a human.
version "0.2.0"

enum Depth = Quick | Full

input
  document_url : text length(1, 2048)
  depth : Depth = Quick
  reviewers : list<text> min_items(1) unique

output
  status : text
  summary : text
  risky_count : integer

stream
  clause_index : integer
  verdict : text

import tools
  read_source from native
  normalize from native

env
  SUMMARY_MODEL = "gpt-4o"

### Fetch ###
do "Read contract" with read_source
  source = "Public"
  object = { type: "Url", value: document_url }
  format = "String"
  on error: retry 2
-> raw

do "Split into clauses" with llm
  system = "Split the contract into numbered clauses. Return a JSON list of strings."
  prompt = "{raw.content}"
  model = env("SUMMARY_MODEL", "gpt-4o")
-> clauses

### Review ###
each clause, i in clauses.parsed parallel 4
  do "Assess clause {i}" with llm
    prompt = "Is this clause risky? Answer RISKY or OK. Clause: {clause}"
  -> verdict
  yield "Clause assessed"
    clause_index = i
    verdict = verdict.text
-> verdicts

let risky = filter(verdicts, v => v.text.contains("RISKY"))

decide "Any risk?" with rules
  when count(risky) > 0 -> "Review"
  otherwise -> "Clean"
  "Review":
    ask "Legal sign-off"
      prompt = "{depth} review: accept the contract?"
      options = ["accept", "reject"]
      timeout = "48h"
    -> signoff
    check "Accepted" signoff.value == "accept"
      on pass: continue
      on fail: fail "Contract rejected by legal"
  "Clean":
    let note = "no risky clauses"

emit "Digest"
  status = "done"
  summary = raw.content
  risky_count = count(risky)
"""


async def drive(
    ir: dict[str, Any], data: dict[str, Any], answer: Any, sink: Sink
) -> tuple[RunOutcome, list[str]]:
    """Run, then resume every pause with `answer(pause)` until the thread ends; returns the pause paths."""
    outcome, _ = await run(ir, data, sink=sink)
    pauses: list[str] = []
    while outcome.status == "PAUSED":
        assert outcome.pause is not None
        pauses.append(f"{outcome.pause['path']} {outcome.pause['kind']}")
        state = json.loads(json.dumps(outcome.state))  # what a store would persist
        outcome, _ = await run(ir, sink=sink, resume=ResumeRequest(state, answer(outcome.pause)))
    return outcome, pauses


def digest_answers(verdicts: dict[int, str], signoff: str) -> Any:
    def answer(pause: dict[str, Any]) -> Any:
        path = pause["path"]
        if path == "1":
            return {"content": "1. Pay. 2. Indemnify. 3. Renew."}
        if path == "2":
            return {"text": "[...]", "parsed": ["Pay.", "Indemnify.", "Renew."]}
        if path.startswith("4.") and pause["kind"] == "error":
            return {"text": verdicts[int(path.split(".")[1])]}
        assert pause["kind"] == "ask" and pause["prompt"] == "Quick review: accept the contract?"
        return {"value": signoff}

    return answer


async def test_contract_digest_paused_steps_resumed_with_stand_ins() -> None:
    ir = compiled(CONTRACT_DIGEST)
    sink = Sink()
    data = {"document_url": "https://example.com/c.pdf", "reviewers": ["ana"]}
    outcome, pauses = await drive(ir, data, digest_answers({0: "OK", 1: "RISKY", 2: "OK"}, "accept"), sink)
    assert pauses == ["1 error", "2 error", "4.0.0 error", "4.1.0 error", "4.2.0 error", "6.0.0 ask"]
    assert outcome.status == "COMPLETED", outcome.error
    assert outcome.output == {
        "status": "done",
        "summary": "1. Pay. 2. Indemnify. 3. Renew.",
        "risky_count": 1,
    }
    assert sink.yields == [
        ("Clause assessed", {"clause_index": 0, "verdict": "OK"}),
        ("Clause assessed", {"clause_index": 1, "verdict": "RISKY"}),
        ("Clause assessed", {"clause_index": 2, "verdict": "OK"}),
    ]
    first = sink.record("1")
    assert first.input == {
        "source": "Public",
        "object": {"type": "Url", "value": "https://example.com/c.pdf"},
        "format": "String",
    }


async def test_contract_digest_rejected_fails() -> None:
    ir = compiled(CONTRACT_DIGEST)
    outcome, _ = await drive(
        ir,
        {"document_url": "u", "reviewers": ["a"]},
        digest_answers({0: "RISKY", 1: "OK", 2: "OK"}, "reject"),
        Sink(),
    )
    assert outcome.status == "FAILED" and outcome.error is not None
    assert outcome.error["message"] == 'RUNTIME ERROR at step "Accepted": Contract rejected by legal'
    check_line = next(
        i for i, text in enumerate(CONTRACT_DIGEST.splitlines(), 1) if 'check "Accepted"' in text
    )
    assert (outcome.error["path"], outcome.error["line"]) == ("6.0.1", check_line)


async def test_contract_digest_rejects_invalid_input() -> None:
    outcome, _ = await run(compiled(CONTRACT_DIGEST), {"document_url": "", "reviewers": ["a", "a"]})
    assert outcome.status == "FAILED" and outcome.error is not None
    assert [p["path"] for p in outcome.error["problems"]] == ["document_url", "reviewers"]


LOCAL_ONLY = """\
script "Rates"

input
  base : text = "EUR"
  symbols : list<text> = ["USD", "GBP"]
  api : text

import tools
  http_request from native
  echo from native

do "Fetch rates" with http_request
  url = "{api}/count"
  on error: retry 2
-> first

each sym, i in symbols parallel 2
  do "Quote {sym}" with echo
    message = "{base}/{sym} #{i}"
  -> quote
-> quotes

let labels = map(quotes, q => q.message.lower())
let hits = first.body.n

decide "Size" with rules
  when count(labels) > 5 -> "Many"
  otherwise -> "Few"
  "Many":
    let size = "many"
  "Few":
    let size = "few"

emit
  labels = labels
  size = size
  hits = hits
  joined = join(labels, ", ")
"""


async def test_local_script_runs_to_completion(base_url: str) -> None:
    ir = compiled(LOCAL_ONLY)
    outcome, sink = await run(ir, {"api": base_url})
    assert outcome.status == "COMPLETED", outcome.error
    assert outcome.output == {
        "labels": ["eur/usd #0", "eur/gbp #1"],
        "size": "few",
        "hits": 1,
        "joined": "eur/usd #0, eur/gbp #1",
    }
    assert [r.path for r in sink.finished] == ["0", "1.0.0", "1.1.0", "1", "2", "3", "4.1.0", "4", "5"]
    assert sink.record("0").line == 12


HANDLER = """\
script "Guarded"

input
  items : list<object> = []

import tools
  echo from native

let first = items[0]
let title = first.title

emit
  title = title

on thread error
  emit "Failed"
    status = "error"
    step = error.step
    detail = error.message
"""


async def test_thread_error_handler_turns_failure_into_output() -> None:
    outcome, sink = await run(
        compiled(HANDLER), {"items": [{"name": "x"}]}, config=RunConfig(thread_id="thr_9")
    )
    assert outcome.status == "COMPLETED"
    assert outcome.output == {
        "status": "error",
        "step": "let title",
        "detail": "RUNTIME ERROR at step \"let title\": field 'title' not found on first\n  available keys: name",
    }
    assert [r.path for r in sink.finished] == ["0", "1", "E.0"]


LOOPS = """\
script "Loops"

input
  n : integer = 3

import tools
  echo from native

let start = 0
together
  do "Log start" with echo
    message = "started"
  do "Log more" with echo
    message = "more"
-> lanes

repeat max 10
  let step_no = 1
  let seen = count(lanes) + step_no
  until seen >= n
-> loop

wait "2ms"

do "Maybe" with llm
  prompt = "x"
  on error: fallback echo { message = "fb" }
-> m

check "Positive" n > 0
  on pass: goto "End"
  on fail: fail

### Skipped ###
let skipped = true

### End ###
emit
  lanes = count(lanes)
  m = m
  loop = loop
"""


async def test_together_repeat_wait_fallback_goto() -> None:
    outcome, sink = await run(compiled(LOOPS), config=FAST)
    assert outcome.status == "COMPLETED", outcome.error
    assert outcome.output == {"lanes": 2, "m": {"message": "fb"}, "loop": 3}
    paths = [r.path for r in sink.finished]
    assert "7" not in paths  # the section jumped over by goto "End" never ran
    assert sink.record("4").status == "COMPLETED" and sink.record("4").tool == "echo"


def test_compiled_contract_validates_inputs() -> None:
    from scriptum_lsp.language.inputs import apply_defaults, validate_input

    contract = compile_source(CONTRACT_DIGEST).contract
    data = apply_defaults(contract, {"document_url": "u", "reviewers": ["a"]})
    assert data["depth"] == "Quick"
    assert validate_input(contract, data) == []
    problems = validate_input(contract, {**data, "depth": "Deep", "reviewers": []})
    assert [p.render() for p in problems] == [
        'depth: "Deep" is not a variant of Depth ("Quick", "Full")',
        "reviewers: must have at least 1 item, got 0",
    ]


ROWS = """\
script "Rows"

input
  rows : list<text>

stream
  done : integer

import tools
  normalize from native
  echo from native
  web_search from native

env
  PREFIX = "row"
  REGION from "DEPLOY_REGION"

pipe row from rows batch 2 parallel 2
  do "Clean row" with normalize
    text = row
    operation = "TrimAndLower"
  -> cleaned
->> cleaned_stream

pipe item from cleaned_stream
  do "Store row" with echo
    message = "{PREFIX}:{item.text}"
  -> stored
-> stored_all

do "Search" with web_search
  query = "x"
  on error: ignore
-> found

yield "Progress"
  done = count(stored_all)

ask "How many?"
  prompt = "How many rows to keep?"
  type = "number"
-> keep

emit
  stored = map(stored_all, s => s.message)
  found = found
  region2 = REGION ?? "unset"
  keep = keep.value
"""


async def test_pipe_stream_env_ignore_yield_and_typed_ask() -> None:
    ir = compiled(ROWS)
    config = RunConfig(env={"DEPLOY_REGION": "eu-west"}, retry_base_s=0.001)
    sink = Sink()
    paused, _ = await run(ir, {"rows": [" A ", "B", "c "]}, config=config, sink=sink)
    assert paused.pause is not None and (paused.pause["kind"], paused.pause["type"]) == ("ask", "number")
    assert sink.yields == [("Progress", {"done": 3})]
    assert sink.record("2").status == "SKIPPED"
    assert [r.path for r in sink.finished][:3] == ["0.0.0", "0.1.0", "0.2.0"]
    state = json.loads(json.dumps(paused.state))
    with pytest.raises(ResumeError, match="must be number"):
        await run(ir, config=config, resume=ResumeRequest(state, {"value": "two"}))
    done, _ = await run(ir, config=config, sink=sink, resume=ResumeRequest(state, {"value": 2}))
    assert done.output == {
        "stored": ["row:a", "row:b", "row:c"],
        "found": None,
        "region2": "eu-west",
        "keep": 2,
    }
