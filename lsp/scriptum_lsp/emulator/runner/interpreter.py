"""The thread runner: an asyncio interpreter of the IR (docs/ir.md). Semantics: docs/runtime.md."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scriptum_lsp.language.durations import parse_ms
from scriptum_lsp.language.inputs import apply_defaults, validate_input

from .expressions import Evaluator, Scope
from .model import ResumeError, ResumeRequest, RunConfig, RunOutcome, RunSink, StepEvent, StepRecord
from .tools import CLOUD_ONLY, HOST_NOT_ALLOWED, ToolContext, ToolError, call_tool, primitive_cloud_message
from .values import ExprError, Value, equal, is_number, json_safe, to_text, truthy, type_name

log = logging.getLogger(__name__)

STATE_VERSION = 1
COMPOUND = frozenset({"iterate", "pipe", "branch", "decide", "parallel", "repeat"})
CLOUD_PRIMITIVES = frozenset({"agent", "plan", "run", "send"})
# error pauses with these codes take the resume override as the step's OUTPUT (the step can never succeed
# locally, so the override stands in for the cloud's answer); other error pauses take it as new inputs.
OUTPUT_OVERRIDE_CODES = frozenset({CLOUD_ONLY, HOST_NOT_ALLOWED})
DEFAULT_REPEAT_MAX = 1000
_NO: Any = object()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _step_name(step: Mapping[str, Any]) -> str:
    label = step.get("label")
    if label:
        return str(label)
    prim = str(step.get("primitive", "step"))
    if prim == "let" and step.get("bind"):
        return f"let {step['bind']}"
    if step.get("tool"):
        return f"{prim} {step['tool']}"
    return prim


class StepFailure(Exception):
    """A step failed. `fatal` failures (explicit `fail`, step limit) end the thread instead of pausing it."""

    def __init__(
        self, lines: Sequence[str], *, code: str, tool: str | None = None, fatal: bool = False
    ) -> None:
        super().__init__(lines[0] if lines else code)
        self.lines = list(lines)
        self.code = code
        self.tool = tool
        self.fatal = fatal
        self.label: str | None = None
        self.path: str | None = None
        self.key: str | None = None
        self.line = 0

    def attribute(self, step: Mapping[str, Any], path: str, key: str) -> None:
        if self.path is None:
            self.label, self.path, self.key = _step_name(step), path, key
            self.line = int(step.get("line") or 0)
            self.tool = self.tool or step.get("tool")

    @property
    def message(self) -> str:
        head = f'RUNTIME ERROR at step "{self.label}": {self.lines[0] if self.lines else self.code}'
        return head + "".join(f"\n  {line}" for line in self.lines[1:])

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "step": self.label,
            "path": self.path,
            "line": self.line,
            "tool": self.tool,
            "code": self.code,
        }


class PauseSignal(Exception):
    def __init__(self, pause: dict[str, Any]) -> None:
        super().__init__(pause.get("kind"))
        self.pause = pause


class GotoSignal(Exception):
    def __init__(self, target: str, step: Mapping[str, Any], path: str, key: str) -> None:
        super().__init__(target)
        self.target, self.step, self.path, self.key = target, step, path, key


@dataclass
class _Ctx:
    """One step execution: owns its record and reports it to the sink."""

    run: _Run
    step: Mapping[str, Any]
    path: str
    key: str
    report: bool
    resume: Any = _NO
    record: StepRecord | None = None
    finished: bool = False
    final_status: str | None = None
    final_error: str | None = None

    async def start(self, input_: Any = None, tool: str | None = None, attempt: int = 1) -> None:
        self.record = StepRecord(
            path=self.path,
            primitive=str(self.step.get("primitive")),
            label=self.step.get("label"),
            line=int(self.step.get("line") or 0),
            status="RUNNING",
            tool=tool if tool is not None else self.step.get("tool"),
            input=json_safe(input_),
            output=None,
            error=None,
            started_at_ms=_now_ms(),
            finished_at_ms=None,
            attempt=attempt,
        )
        self.finished = False
        if self.report:
            await self.run.sink.step_started(self.record)

    async def finish(self, status: str, output: Any = None, error: str | None = None) -> None:
        if self.finished:
            return
        if self.record is None:
            await self.start()
        assert self.record is not None
        self.finished = True
        r = self.record
        self.record = StepRecord(
            r.path,
            r.primitive,
            r.label,
            r.line,
            status,
            r.tool,
            r.input,
            json_safe(output),
            error,
            r.started_at_ms,
            _now_ms(),
            r.attempt,
        )
        if self.report:
            await self.run.sink.step_finished(self.record)


class _Run:
    def __init__(self, ir: Mapping[str, Any], config: RunConfig, sink: RunSink) -> None:
        self.ir = ir
        self.config = config
        self.sink = sink
        imports = {str(i.get("tool")): str(i.get("source") or "native") for i in ir.get("imports") or []}
        self.tools = ToolContext(config.allow_hosts, config.http_timeout_s, imports)
        self.env_decl = {str(e.get("name")): e for e in ir.get("env") or [] if isinstance(e, Mapping)}
        self.evaluator = Evaluator(self._env_value, frozenset(self.env_decl))
        self.handler: list[Any] = list(ir.get("on_thread_error") or [])
        self.completed: dict[str, dict[str, Any]] = {}
        self.visits: dict[str, int] = {}
        self.steps_run = 0
        self.emitted: dict[str, Any] = {}
        self.emitted_any = False
        self.in_handler = False
        self.pause_key: str | None = None
        self.pause_path: str | None = None
        self.pause_code: str | None = None
        self.override: Any = _NO
        self.replaying = False
        self.inputs: dict[str, Any] = {}
        self.root = Scope()

    # --- env ----------------------------------------------------------------------------------------

    def _env_value(self, name: str) -> Value:
        decl = self.env_decl.get(name)
        key = str(decl.get("from") or name) if decl else name
        if key in self.config.env:
            raw = self.config.env[key]
            kind = ((decl or {}).get("type") or {}).get("kind", "text") if decl else "text"
            return _convert_env(raw, str(kind))
        if decl and decl.get("default") is not None:
            return self.evaluator.eval(decl["default"], self.root)
        raise KeyError(name)

    # --- entry --------------------------------------------------------------------------------------

    async def main(self, input_data: Mapping[str, Any], resume: ResumeRequest | None) -> RunOutcome:
        contract = {"inputs": self.ir.get("inputs") or [], "enums": self.ir.get("enums") or []}
        if resume is not None:
            self._load_resume(resume)
        else:
            if not isinstance(input_data, Mapping):
                input_data = {}
            self.inputs = apply_defaults(contract, input_data)
            problems = validate_input(contract, self.inputs)
            if problems:
                detail = "; ".join(p.render() for p in problems)
                error = {
                    "message": f"INVALID INPUT: {detail}",
                    "step": None,
                    "path": None,
                    "line": 0,
                    "tool": None,
                    "code": "INVALID_INPUT",
                    "problems": [{"path": p.path, "message": p.message} for p in problems],
                }
                return RunOutcome("FAILED", None, error, None, self._state(None))
        self.root = Scope(Scope(None, self.inputs))
        try:
            try:
                await self._block(self.ir.get("steps") or [], self.root, "")
            except GotoSignal as g:
                return await self._failed(self._goto_not_found(g))
            except StepFailure as failure:
                return await self._failed(failure)
            except PauseSignal as p:
                return self._paused(p.pause)
            return RunOutcome("COMPLETED", json_safe(self.emitted), None, None, self._state(None))
        finally:
            await self.tools.aclose()

    def _goto_not_found(self, g: GotoSignal) -> StepFailure:
        f = StepFailure(
            [f'goto target "{g.target}" is not a section or branch label'], code="GOTO", fatal=True
        )
        f.attribute(g.step, g.path, g.key)
        return f

    async def _failed(self, failure: StepFailure) -> RunOutcome:
        error = failure.as_dict()
        if failure.code == "STEP_LIMIT" or not self.handler:
            if failure.fatal:
                return RunOutcome("FAILED", None, error, None, self._state(None))
            pause = {
                "path": failure.path,
                "kind": "error",
                "label": failure.label,
                "prompt": None,
                "options": None,
                "type": None,
                "line": failure.line,
                "error": failure.message,
                "code": failure.code,
                "tool": failure.tool,
                "key": failure.key,
            }
            return RunOutcome("PAUSED", None, error, self._public_pause(pause), self._state(pause))
        self.in_handler = True
        self.emitted, self.emitted_any = {}, False
        thread = {"id": self.config.thread_id, "status": "FAILED"}
        scope = self.root.child({"error": {**error, "detail": failure.lines}, "thread": thread})
        try:
            await self._block(self.handler, scope, "E")
        except PauseSignal as p:
            return self._paused(p.pause)
        except GotoSignal as g:
            return RunOutcome("FAILED", None, self._goto_not_found(g).as_dict(), None, self._state(None))
        except StepFailure as second:
            return RunOutcome("FAILED", None, second.as_dict(), None, self._state(None))
        if self.emitted_any:
            return RunOutcome("COMPLETED", json_safe(self.emitted), None, None, self._state(None))
        return RunOutcome("FAILED", None, error, None, self._state(None))

    def _paused(self, pause: dict[str, Any]) -> RunOutcome:
        return RunOutcome("PAUSED", None, None, self._public_pause(pause), self._state(pause))

    @staticmethod
    def _public_pause(pause: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in pause.items() if k != "key"}

    def _state(self, pause: Mapping[str, Any] | None) -> dict[str, Any]:
        state = {
            "version": STATE_VERSION,
            "input": json_safe(self.inputs),
            "completed": self.completed,
            "pause": json_safe(pause),
            "in_handler": self.in_handler,
            "bindings": json_safe(self.root.values),
            "emitted": json_safe(self.emitted),
            "steps_run": self.steps_run,
        }
        restored: dict[str, Any] = json.loads(json.dumps(state))
        return restored

    def _load_resume(self, resume: ResumeRequest) -> None:
        state = resume.state
        if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
            raise ResumeError("the resume state is not a checkpoint of this runner")
        pause = state.get("pause")
        if not isinstance(pause, Mapping) or not pause.get("key"):
            raise ResumeError("the thread is not paused")
        self.inputs = dict(state.get("input") or {})
        self.completed = {str(k): dict(v) for k, v in (state.get("completed") or {}).items()}
        self.pause_key = str(pause["key"])
        self.pause_path = str(pause.get("path"))
        self.pause_code = pause.get("code")
        self.replaying = True
        if pause.get("kind") == "ask":
            self.override = _ask_answer(pause, resume.override)
        elif resume.override is not None:
            self.override = resume.override

    # --- blocks and steps ---------------------------------------------------------------------------

    async def _block(self, steps: Sequence[Any], scope: Scope, parent: str) -> Value:
        """Run a list of steps; the result is the output of the last binding step (or of the last step
        when none binds). Handles goto targets and `check ... retry` within this block."""
        i = 0
        last_bound: Value = None
        last_any: Value = None
        bound = False
        check_retries: dict[int, int] = {}
        forced: str | None = None
        while i < len(steps):
            step = steps[i]
            path = f"{parent}.{i}" if parent else str(i)
            try:
                out = await self._step(step, scope, path, forced=forced, retries_used=check_retries.get(i, 0))
                if step.get("primitive") == "evaluate" and isinstance(out, Mapping):
                    if out.get("action") == "retry":
                        check_retries[i] = check_retries.get(i, 0) + 1
                        i = max(i - 1, 0)
                        forced = None
                        continue
                    if out.get("action") == "goto":
                        raise GotoSignal(str(out.get("target")), step, path, path)
            except GotoSignal as g:
                j = _find_target(steps, g.target)
                if j is None:
                    raise
                forced = g.target if steps[j].get("primitive") in ("branch", "decide") else None
                i = j
                continue
            forced = None
            if step.get("bind"):
                last_bound, bound = scope.values.get(str(step["bind"]), out), True
            last_any = out
            i += 1
        return last_bound if bound else last_any

    async def _step(self, step: Mapping[str, Any], scope: Scope, path: str, **kw: Any) -> Value:
        visit = self.visits.get(path, 0)
        self.visits[path] = visit + 1
        key = path if visit == 0 else f"{path}#{visit}"
        prim = str(step.get("primitive"))
        done = self.completed.get(key)
        if done is not None and prim not in COMPOUND:
            out = done.get("output")
            self._replay_effects(step, scope, out)
            return out
        resume: Any = _NO
        if self.pause_key is not None and key == self.pause_key:
            self.replaying = False
            resume = self.override
            self.pause_key = None
        report = not (
            self.replaying
            and prim in COMPOUND
            and not (self.pause_path == path or str(self.pause_path).startswith(path + "."))
        )
        ctx = _Ctx(self, step, path, key, report, resume)
        handler = getattr(self, f"_do_{prim}", None)
        try:
            self.steps_run += 1
            if self.steps_run > self.config.max_steps:
                raise StepFailure(
                    [f"the thread exceeded {self.config.max_steps} steps (runaway loop?)"],
                    code="STEP_LIMIT",
                    fatal=True,
                )
            if handler is None:
                raise StepFailure([f"unknown IR primitive '{prim}'"], code="BAD_IR", fatal=True)
            hook = self.config.step_hook
            if hook is not None and report:
                hook(self._event("before", key, step, scope))
            try:
                out = await handler(ctx, step, scope, **kw)
            except ExprError as exc:
                raise StepFailure(exc.lines, code="EXPRESSION_ERROR") from None
            except (RecursionError, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
                # malformed IR or a runner bug: fail this step readably instead of crashing the run
                log.exception("internal error in step %s", path)
                raise StepFailure(
                    [f"internal error: {type(exc).__name__}: {exc}"], code="INTERNAL", fatal=True
                ) from None
        except asyncio.CancelledError:
            await ctx.finish("CANCELLED")
            raise
        except PauseSignal:
            if self.config.step_hook is not None and report:
                self.config.step_hook(self._event("paused", key, step, scope))
            await ctx.finish("PAUSED")
            raise
        except GotoSignal:
            await ctx.finish("COMPLETED")
            raise
        except StepFailure as failure:
            failure.attribute(step, path, key)
            if self.config.step_hook is not None and report:
                self.config.step_hook(self._event("failed", key, step, scope, error=failure.message))
            pauses = not failure.fatal and not self.handler and not self.in_handler
            await ctx.finish("PAUSED" if pauses else "FAILED", error=failure.message)
            raise
        await ctx.finish(ctx.final_status or "COMPLETED", output=out, error=ctx.final_error)
        if prim not in COMPOUND:
            self.completed[key] = {"output": json_safe(out)}
        if self.config.step_hook is not None and report:
            self.config.step_hook(self._event("after", key, step, scope, output=out))
        return out

    def _event(self, phase: str, key: str, step: Mapping[str, Any], scope: Scope, **extra: Any) -> StepEvent:
        def evaluate(expr: Any) -> Value:
            return self.evaluator.eval(expr, scope)

        return StepEvent(phase, key, step, scope, evaluate, **extra)

    def _replay_effects(self, step: Mapping[str, Any], scope: Scope, out: Value) -> None:
        if step.get("bind"):
            scope.set(str(step["bind"]), out)
        if step.get("primitive") == "emit" and isinstance(out, Mapping):
            self.emitted.update(out)
            self.emitted_any = True

    def _eval(self, expr: Any, scope: Scope) -> Value:
        return self.evaluator.eval(expr, scope)

    def _eval_map(self, exprs: Any, scope: Scope) -> dict[str, Value]:
        if not isinstance(exprs, Mapping):
            return {}
        return {str(k): self._eval(v, scope) for k, v in exprs.items() if v is not None}

    def _bind(self, step: Mapping[str, Any], scope: Scope, value: Value) -> None:
        if step.get("bind"):
            scope.set(str(step["bind"]), value)

    async def _sleep_ms(self, ms: float) -> float:
        seconds = max(0.0, min(ms / 1000.0, self.config.max_wait_s))
        if seconds > 0:
            await asyncio.sleep(seconds)
        return seconds * 1000.0

    # --- leaf steps ---------------------------------------------------------------------------------

    async def _do_section(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        await ctx.start()
        return None

    async def _do_let(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        await ctx.start()
        value = ctx.resume if ctx.resume is not _NO else self._eval(step.get("value"), scope)
        self._bind(step, scope, value)
        return value

    async def _do_emit(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        await ctx.start()
        fields = self._eval_map(step.get("fields"), scope)
        self.emitted.update(fields)
        self.emitted_any = True
        return fields

    async def _do_yield(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        await ctx.start()
        fields = self._eval_map(step.get("fields"), scope)
        await self.sink.yielded(step.get("label"), json_safe(fields))
        return fields

    async def _do_wait(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        requested = _duration_ms(self._eval(step.get("duration"), scope))
        await ctx.start({"duration_ms": requested})
        waited = await self._sleep_ms(requested)
        return {"requested_ms": requested, "waited_ms": round(waited)}

    async def _do_execute(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        tool = str(step.get("tool"))
        try:
            inputs = self._eval_map(step.get("inputs"), scope)
        except ExprError:
            if ctx.resume is _NO:
                raise
            inputs = {}
        if ctx.resume is not _NO and self.pause_code in OUTPUT_OVERRIDE_CODES:
            await ctx.start(inputs, tool)
            self._bind(step, scope, ctx.resume)
            return ctx.resume
        if ctx.resume is not _NO and isinstance(ctx.resume, Mapping):
            inputs = dict(ctx.resume)
        on_error = step.get("on_error") or {}
        action = on_error.get("action")
        count = on_error.get("count")
        retries = (3 if count is None else max(0, int(count))) if action == "retry" else 0
        attempt = 1
        await ctx.start(inputs, tool, attempt)
        while True:
            try:
                out = await call_tool(tool, inputs, self.tools)
                break
            except ToolError as exc:
                if action == "retry" and exc.retryable and attempt <= retries:
                    await ctx.finish("FAILED", error=exc.message)
                    await asyncio.sleep(self.config.retry_base_s * 2 ** (attempt - 1))
                    attempt += 1
                    await ctx.start(inputs, tool, attempt)
                    continue
                if action == "fallback":
                    await ctx.finish("FAILED", error=exc.message)
                    fallback_tool = str(on_error.get("tool"))
                    fallback_inputs = self._eval_map(on_error.get("inputs"), scope)
                    attempt += 1
                    await ctx.start(fallback_inputs, fallback_tool, attempt)
                    try:
                        out = await call_tool(fallback_tool, fallback_inputs, self.tools)
                    except ToolError as second:
                        raise StepFailure(
                            [
                                f"fallback tool '{fallback_tool}' failed: {second.message}",
                                f"after: {exc.message}",
                            ],
                            code=second.code,
                            tool=fallback_tool,
                        ) from None
                    break
                if action == "ignore":
                    ctx.final_status, ctx.final_error = "SKIPPED", exc.message
                    out = None
                    break
                raise StepFailure([exc.message], code=exc.code, tool=tool) from None
        self._bind(step, scope, out)
        return out

    async def _do_ask(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        inputs = self._eval_map(step.get("inputs"), scope)
        await ctx.start(inputs)
        if ctx.resume is not _NO:
            self._bind(step, scope, ctx.resume)
            return ctx.resume
        raise PauseSignal(
            {
                "path": ctx.path,
                "kind": "ask",
                "label": step.get("label"),
                "prompt": inputs.get("prompt"),
                "options": inputs.get("options"),
                "type": inputs.get("type"),
                "line": int(step.get("line") or 0),
                "default": inputs.get("default"),
                "timeout": inputs.get("timeout"),
                "key": ctx.key,
            }
        )

    async def _cloud_step(
        self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, inputs: dict[str, Value]
    ) -> Value:
        await ctx.start(inputs)
        if ctx.resume is not _NO:
            self._bind(step, scope, ctx.resume)
            return ctx.resume
        prim = str(step.get("primitive"))
        raise StepFailure([primitive_cloud_message(prim)], code=CLOUD_ONLY, tool=step.get("tool"))

    async def _do_agent(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        return await self._cloud_step(ctx, step, scope, self._eval_map(step.get("inputs"), scope))

    async def _do_plan(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        return await self._cloud_step(ctx, step, scope, self._eval_map(step.get("inputs"), scope))

    async def _do_run(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        inputs = self._eval_map(step.get("inputs"), scope)
        return await self._cloud_step(ctx, step, scope, {"target": step.get("target"), **inputs})

    async def _do_send(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        fields = self._eval_map(step.get("fields"), scope)
        return await self._cloud_step(ctx, step, scope, {"channel": step.get("channel"), **fields})

    async def _do_evaluate(
        self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, retries_used: int = 0, **kw: Any
    ) -> Value:
        label = _step_name(step)
        if step.get("condition") is not None:
            await ctx.start()
            passed = truthy(self._eval(step["condition"], scope))
        else:
            question = self._eval(step.get("ask_llm"), scope) if step.get("ask_llm") is not None else None
            await ctx.start({"question": question}, "llm")
            if ctx.resume is _NO:
                raise StepFailure([primitive_cloud_message("evaluate")], code=CLOUD_ONLY, tool="llm")
            answer = ctx.resume
            if isinstance(answer, Mapping):
                answer = answer.get("passed", answer.get("value"))
            passed = truthy(answer)
        action = (step.get("on_pass") if passed else step.get("on_fail")) or (
            {"action": "continue"} if passed else {"action": "fail", "message": None}
        )
        kind = action.get("action", "continue")
        if kind == "fail":
            message = action.get("message") or f'check "{label}" failed'
            raise StepFailure([str(message)], code="CHECK_FAILED", fatal=True)
        if kind == "retry":
            count = int(action.get("count") or 3)
            if retries_used >= count:
                raise StepFailure(
                    [f'check "{label}" still failing after {count} retries'], code="CHECK_FAILED", fatal=True
                )
        out: dict[str, Any] = {"passed": passed, "action": kind}
        if kind == "goto":
            out["target"] = action.get("target")
        return out

    # --- compound steps -----------------------------------------------------------------------------

    async def _gather(self, coros: Sequence[Any]) -> list[Value]:
        results = await asyncio.gather(*coros, return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r
        return list(results)

    def _source_list(self, step: Mapping[str, Any], scope: Scope, what: str) -> list[Value]:
        source = self._eval(step.get("source"), scope)
        if source is None:
            return []
        if isinstance(source, list | tuple):
            return list(source)
        if isinstance(source, Mapping):
            raise ExprError(
                f"{what} source must be a list, got an object",
                f"object keys: {', '.join(map(str, source)) or '(none)'}",
            )
        raise ExprError(f"{what} source must be a list, got {type_name(source)}")

    def _positive_int(self, expr: Any, scope: Scope, what: str, default: int) -> int:
        if expr is None:
            return default
        value = self._eval(expr, scope)
        if value is None:
            return default
        if not is_number(value) or int(value) < 1:
            raise ExprError(f"{what} must be a positive integer, got {to_text(value)}")
        return int(value)

    async def _fan_out(
        self,
        items: list[Value],
        step: Mapping[str, Any],
        scope: Scope,
        path: str,
        chunk: int,
        parallel: int,
        sleep_ms: float,
        with_index: bool,
    ) -> list[Value]:
        body = step.get("body") or []
        item_name = str(step.get("item"))
        index_name = step.get("index") if with_index else None
        results: list[Value] = [None] * len(items)

        async def one(i: int) -> Value:
            values = {item_name: items[i]}
            if index_name:
                values[str(index_name)] = i
            return await self._block(body, scope.child(values), f"{path}.{i}")

        for start in range(0, len(items), chunk):
            if start > 0 and sleep_ms > 0:
                await self._sleep_ms(sleep_ms)
            batch = list(range(start, min(len(items), start + chunk)))
            for wave in range(0, len(batch), parallel):
                ids = batch[wave : wave + parallel]
                if len(ids) == 1:
                    results[ids[0]] = await one(ids[0])
                else:
                    for i, r in zip(ids, await self._gather([one(i) for i in ids]), strict=True):
                        results[i] = r
        return results

    async def _do_iterate(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        items = self._source_list(step, scope, "each")
        parallel = self._positive_int(step.get("parallel"), scope, "parallel", 1)
        sleep_value = self._eval(step["sleep"], scope) if step.get("sleep") is not None else None
        sleep_ms = _duration_ms(sleep_value) if sleep_value is not None else 0.0
        await ctx.start({"items": len(items), "parallel": parallel, "sleep_ms": sleep_ms})
        results = await self._fan_out(items, step, scope, ctx.path, parallel, parallel, sleep_ms, True)
        self._bind(step, scope, results)
        return results

    async def _do_pipe(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        items = self._source_list(step, scope, "pipe")
        parallel = self._positive_int(step.get("parallel"), scope, "parallel", 1)
        batch = self._positive_int(step.get("batch"), scope, "batch", parallel)
        await ctx.start({"items": len(items), "batch": batch, "parallel": parallel})
        results = await self._fan_out(items, step, scope, ctx.path, batch, parallel, 0.0, True)
        self._bind(step, scope, results)
        return results

    async def _do_parallel(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        lanes = step.get("lanes") or []
        await ctx.start({"lanes": len(lanes)})
        results = await self._gather(
            [self._block(lane, scope, f"{ctx.path}.{i}") for i, lane in enumerate(lanes)]
        )
        self._bind(step, scope, results)
        return results

    async def _do_repeat(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, **kw: Any) -> Value:
        limit = self._positive_int(step.get("max"), scope, "max", DEFAULT_REPEAT_MAX)
        await ctx.start({"max": limit})
        loop_scope = scope.child()
        result: Value = None
        iterations = 0
        try:
            while iterations < limit:
                result = await self._block(step.get("body") or [], loop_scope, f"{ctx.path}.{iterations}")
                iterations += 1
                if step.get("until") is not None and truthy(self._eval(step["until"], loop_scope)):
                    break
        finally:
            for name, value in loop_scope.values.items():
                scope.set(name, value)
        self._bind(step, scope, result)
        return {"iterations": iterations, "value": result}

    def _pick_branch(self, step: Mapping[str, Any], name: str | None) -> tuple[int, list[Any]] | None:
        for i, branch in enumerate(step.get("branches") or []):
            if branch.get("name") == name:
                return i, list(branch.get("body") or [])
        return None

    async def _run_branch(self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, name: str | None) -> Value:
        found = self._pick_branch(step, name)
        result: Value = None
        if found is not None:
            index, body = found
            result = await self._block(body, scope, f"{ctx.path}.{index}")
        self._bind(step, scope, result)
        return {"branch": name}

    async def _do_branch(
        self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, forced: str | None = None, **kw: Any
    ) -> Value:
        name: str | None = forced
        if name is None:
            name = step.get("otherwise")
            for rule in step.get("rules") or []:
                if truthy(self._eval(rule.get("when"), scope)):
                    name = rule.get("branch")
                    break
        await ctx.start({"forced": forced} if forced else None)
        return await self._run_branch(ctx, step, scope, name)

    async def _do_decide(
        self, ctx: _Ctx, step: Mapping[str, Any], scope: Scope, forced: str | None = None, **kw: Any
    ) -> Value:
        decision_key = f"{ctx.key}!decision"
        inputs = self._eval_map(step.get("inputs"), scope)
        await ctx.start(inputs, "llm")
        name: str | None = forced
        if name is None and decision_key in self.completed:
            name = self.completed[decision_key]["output"]
        elif name is None and ctx.resume is not _NO:
            answer = ctx.resume
            name = str(answer.get("branch", answer.get("value")) if isinstance(answer, Mapping) else answer)
            if self._pick_branch(step, name) is None:
                known = ", ".join(f'"{b.get("name")}"' for b in step.get("branches") or [])
                raise StepFailure(
                    [f'the resume override names no branch "{name}" (branches: {known})'], code="BAD_OVERRIDE"
                )
        elif name is None:
            raise StepFailure([primitive_cloud_message("decide")], code=CLOUD_ONLY, tool="llm")
        self.completed[decision_key] = {"output": name}
        return await self._run_branch(ctx, step, scope, name)


def _find_target(steps: Sequence[Any], target: str) -> int | None:
    for j, s in enumerate(steps):
        prim = s.get("primitive")
        if prim == "section" and s.get("label") == target:
            return j
        if prim in ("branch", "decide") and any(b.get("name") == target for b in s.get("branches") or []):
            return j
    return None


def _duration_ms(value: Value) -> float:
    """A duration in milliseconds: numbers are milliseconds, texts like "250ms", "2s", "5m", "1h", "1d"."""
    if is_number(value):
        if value < 0:
            raise ExprError(f"a duration must not be negative, got {to_text(value)}")
        return float(value)
    if isinstance(value, str) and (ms := parse_ms(value, bare_ms=True)) is not None:
        return ms
    raise ExprError(f'invalid duration {json.dumps(json_safe(value))} (use milliseconds or "2s", "5m", "1h")')


def _convert_env(raw: str, kind: str) -> Value:
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean":
            return raw.strip().lower() in ("1", "true", "yes", "on")
    except ValueError:
        return raw
    return raw


def _ask_answer(pause: Mapping[str, Any], override: Any) -> dict[str, Any]:
    if override is None:
        raise ResumeError(f'the paused ask "{pause.get("label")}" needs an answer: {{"value": ...}}')
    extra: dict[str, Any] = {}
    if isinstance(override, Mapping):
        if "value" not in override:
            raise ResumeError('the answer to an ask must be an object with a "value" field')
        value = override["value"]
        extra = {str(k): v for k, v in override.items() if k != "value"}
    else:
        value = override
    kind = pause.get("type")
    checks: dict[str, Callable[[Any], bool]] = {
        "text": lambda v: isinstance(v, str),
        "number": is_number,
        "integer": lambda v: is_number(v) and float(v).is_integer(),
        "boolean": lambda v: isinstance(v, bool),
    }
    if isinstance(kind, str) and kind in checks and not checks[kind](value):
        raise ResumeError(f"the answer must be {kind}, got {type_name(value)}")
    options = pause.get("options")
    if isinstance(options, list) and options and not any(equal(value, o) for o in options):
        listed = ", ".join(json.dumps(o) for o in options)
        raise ResumeError(f"the answer {json.dumps(json_safe(value))} is not one of the options ({listed})")
    provided_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    answer = {
        "value": value,
        "provided_by": extra.pop("provided_by", "local"),
        "provided_at": provided_at,
        "attempt": 1,
    }
    answer.update(extra)
    return answer


async def run_thread(
    ir: dict[str, Any],
    input_data: dict[str, Any],
    *,
    config: RunConfig,
    sink: RunSink,
    resume: ResumeRequest | None = None,
) -> RunOutcome:
    """Run (or resume) one thread of `ir`. Cancellation: cancel the task; running steps are reported
    CANCELLED and `CancelledError` propagates. Raises ResumeError for an unusable resume request."""
    return await _Run(ir, config, sink).main(input_data, resume)
