"""Replay a finished thread: its recorded steps walked as a debug session. Nothing re-runs.

A *recording* is what the API gives for a thread (GetThread, GetThreadResult with its step summaries, and each
step's details), plus the script's source when it can be had. `scriptum.exportThread` writes one as JSON
(`"format": "scriptum-thread/1"`, docs/debugger.md); `load_recording` reads it back or fetches it from any
endpoint. Only documented fields are needed (stepPath, status, ...); every other one is optional, and both the
camelCase and snake_case spellings are read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scriptum_lsp.api.threadfile import FORMAT, as_int, export_thread, first_field
from scriptum_lsp.emulator.runner.expressions import Evaluator, Scope

from .control import encloses
from .driver import Stop, Walker

__all__ = ["FORMAT", "Recording", "Replay", "export_thread", "recording_from_export"]


def _json_field(
    raw: Mapping[str, Any], json_names: Sequence[str], plain_names: Sequence[str]
) -> tuple[bool, Any]:
    for name in json_names:
        text = raw.get(name)
        if isinstance(text, str) and text != "":
            try:
                return True, json.loads(text)
            except json.JSONDecodeError:
                return True, text
    for name in plain_names:
        if name in raw:
            return True, raw[name]
    return False, None


def _status(raw: Any) -> str:
    text = str(raw or "").strip().upper()
    for prefix in ("STEP_STATUS_", "THREAD_STATUS_"):
        text = text.removeprefix(prefix)
    return text or "UNKNOWN"


@dataclass(frozen=True)
class RecordedStep:
    key: str
    primitive: str
    label: str | None
    line: int
    status: str
    tool: str | None
    error: str | None
    started_at_ms: int
    has_input: bool = False
    input: Any = None
    has_output: bool = False
    output: Any = None
    bind: str | None = None

    @property
    def step(self) -> dict[str, Any]:
        return {
            "primitive": self.primitive,
            "label": self.label,
            "line": self.line,
            "tool": self.tool,
            "bind": self.bind,
        }


@dataclass
class Recording:
    thread_id: str
    script: str
    status: str
    inputs: dict[str, Any]
    steps: list[RecordedStep]
    source: str | None = None
    error: str | None = None
    output: Any = None
    raw: dict[str, Any] = field(default_factory=dict)


def _details_by_path(details: Any) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    if isinstance(details, Mapping):
        details = [details]
    for d in details or ():
        if isinstance(d, Mapping):
            out.setdefault(str(first_field(d, "stepPath", "step_path", "path", default="")), []).append(d)
    return out


def recording_from_export(doc: Mapping[str, Any]) -> Recording:
    """Build a Recording from an exported document (or from the raw API bodies in the same shape)."""
    if not isinstance(doc, Mapping):
        raise ValueError("a thread file is a JSON object")
    fmt = doc.get("format")
    if fmt not in (None, FORMAT):
        raise ValueError(f"unknown thread file format {fmt!r} (expected {FORMAT!r})")
    thread: Mapping[str, Any] = doc["thread"] if isinstance(doc.get("thread"), Mapping) else {}
    result: Mapping[str, Any] = doc["result"] if isinstance(doc.get("result"), Mapping) else {}
    if not thread and not result:
        raise ValueError("a thread file needs 'thread' (GetThread) and 'result' (GetThreadResult)")
    details = _details_by_path(doc.get("stepDetails"))
    details.update({k: v for k, v in _details_by_path(result.get("stepDetails")).items() if k not in details})
    ir = doc.get("ir")
    if ir is None and isinstance(doc.get("source"), str):
        from scriptum_lsp.language import compile_source

        ir = compile_source(doc["source"]).ir
    ir_lines, ir_binds, ir_prims = _ir_facts(ir)
    steps: list[RecordedStep] = []
    attempt_seen: dict[str, int] = {}
    for raw in result.get("steps") or ():
        if not isinstance(raw, Mapping):
            continue
        key = str(first_field(raw, "stepPath", "step_path", "path", default=""))
        if not key:
            continue
        n = attempt_seen.get(key, 0)
        attempt_seen[key] = n + 1
        detail_list = details.get(key) or []
        detail: Mapping[str, Any] = (
            detail_list[n] if n < len(detail_list) else (detail_list[-1] if detail_list else {})
        )
        merged = {**raw, **detail}
        has_in, inp = _json_field(merged, ("inputJson", "input_json"), ("input",))
        has_out, out = _json_field(merged, ("outputJson", "output_json"), ("output",))
        ir_key = _ir_path(key, ir_prims)
        line = as_int(first_field(merged, "line")) or ir_lines.get(ir_key, 0)
        steps.append(
            RecordedStep(
                key=key,
                primitive=str(first_field(merged, "primitive", default="step")),
                label=first_field(merged, "stepName", "step_name", "name", "label"),
                line=line,
                status=_status(first_field(merged, "status")),
                tool=first_field(merged, "tool"),
                error=first_field(merged, "error"),
                started_at_ms=as_int(first_field(merged, "startedAtMs", "started_at_ms")),
                has_input=has_in,
                input=inp,
                has_output=has_out,
                output=out,
                bind=ir_binds.get(ir_key),
            )
        )
    # recorded order first; a stable sort by start time when every step has one
    if steps and all(s.started_at_ms for s in steps):
        steps.sort(key=lambda s: s.started_at_ms)
    inputs_raw = first_field(thread, "inputJson", "input_json", default="{}")
    try:
        inputs = json.loads(inputs_raw) if isinstance(inputs_raw, str) else dict(inputs_raw)
    except (json.JSONDecodeError, TypeError, ValueError):
        inputs = {}
    return Recording(
        thread_id=str(
            first_field(thread, "threadId", "thread_id", "id", default="")
            or first_field(result, "threadId", default="")
        ),
        script=str(first_field(thread, "scriptName", "script_name", default="")),
        status=_status(first_field(thread, "status", default=first_field(result, "status"))),
        inputs=inputs if isinstance(inputs, dict) else {},
        steps=steps,
        source=doc.get("source") if isinstance(doc.get("source"), str) else None,
        error=first_field(thread, "error", default=first_field(result, "error")),
        raw=dict(doc),
    )


_LOOPS = frozenset(
    {"iterate", "pipe", "repeat"}
)  # their instance keys insert the iteration (docs/runtime.md)


def _ir_facts(ir: Any) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """IR path -> line, -> bound name, -> primitive."""
    lines: dict[str, int] = {}
    binds: dict[str, str] = {}
    prims: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            path = node.get("path")
            if isinstance(path, str) and "primitive" in node:
                prims.setdefault(path, str(node["primitive"]))
                if isinstance(node.get("line"), int):
                    lines.setdefault(path, node["line"])
                if node.get("bind"):
                    binds.setdefault(path, str(node["bind"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(ir)
    return lines, binds, prims


def _ir_path(key: str, prims: Mapping[str, str]) -> str:
    """The IR path of an instance key: drop the `#n` suffix and the iteration segment after each loop."""
    segs = key.split("#", 1)[0].split(".")
    out: list[str] = []
    i = 0
    while i < len(segs):
        out.append(segs[i])
        i += 1
        if prims.get(".".join(out)) in _LOOPS and i < len(segs):
            i += 1  # the iteration index
    return ".".join(out)


class _NoEnv:
    def __call__(self, name: str) -> Any:
        raise KeyError(name)


@dataclass
class Replay:
    """Walks a recording on its own thread, stopping like a live run would."""

    walker: Walker
    recording: Recording
    thread: threading.Thread | None = None
    bindings: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._main, name="scriptum-debug-replay", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        rec = self.recording
        evaluator = Evaluator(_NoEnv(), frozenset())
        inputs_scope = Scope(None, dict(rec.inputs))
        for i, st in enumerate(rec.steps):
            scope = Scope(inputs_scope, dict(self.bindings))  # the bindings as they were at this step
            if self.walker.gate.terminated:
                self.walker.callbacks.ended("CANCELLED", None, "replay stopped")
                return
            # steps that ended before this one started are closed
            for k in [k for k in self.walker.open_steps if not encloses(k, st.key)]:
                self.walker.leave(k)
            depth = self.walker.enter(st.key, st.step)

            def evaluate(expr: Any, _scope: Scope = scope) -> Any:
                return evaluator.eval(expr, _scope)

            decision = self.walker.decide(st.line, depth, evaluate)
            if decision.reason is not None and not self._stop(
                st, decision.reason, depth, evaluate, text=decision.text, ids=decision.breakpoint_ids
            ):
                self.walker.callbacks.ended("CANCELLED", None, "replay stopped")
                return
            if (
                st.status in ("FAILED", "PAUSED")
                and (
                    self.walker.controller.on_failure()
                    if st.status == "FAILED"
                    else self.walker.controller.on_pause()
                )
                and not _child_failed_already(rec.steps, i)
                and not self._stop(
                    st, "exception", depth, evaluate, text=st.error or f"the step {st.status.lower()}"
                )
            ):
                self.walker.callbacks.ended("CANCELLED", None, "replay stopped")
                return
            if st.bind and st.has_output and st.status == "COMPLETED":
                self.bindings[st.bind] = st.output
        self.walker.callbacks.ended(rec.status, rec.output, rec.error)

    def _stop(
        self,
        st: RecordedStep,
        reason: str,
        depth: int,
        evaluate: Any,
        *,
        text: str = "",
        ids: tuple[int, ...] = (),
    ) -> bool:
        bindings = dict(self.bindings)
        stop = Stop(
            reason=reason,
            key=st.key,
            step=st.step,
            depth=depth,
            frames=self.walker.frames_for(st.key, st.step),
            evaluate=evaluate,
            bindings=lambda: list(reversed(list(bindings.items()))),
            inputs=self.recording.inputs,
            env=lambda: [],
            set_binding=None,
            output=st.output,
            has_output=st.has_output,
            error=st.error,
            text=text,
            breakpoint_ids=ids,
            recorded_input=st.input,
            has_recorded_input=st.has_input,
        )
        return self.walker.stop(stop)

    def terminate(self) -> None:
        self.walker.terminate()

    def join(self, timeout: float = 5.0) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
            return not self.thread.is_alive()
        return True


def _child_failed_already(steps: Sequence[RecordedStep], i: int) -> bool:
    """A compound step fails because a step inside it did: stop at the innermost only."""
    key = steps[i].key
    return any(s.status in ("FAILED", "PAUSED") and encloses(key, s.key) for s in steps)
