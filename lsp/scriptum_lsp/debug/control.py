"""Where a debug session stops: breakpoints, hit counts, logpoints, stepping, exception filters, frames.

Pure (no threads, no IO): the live runner and the replay walker both feed it the same facts per step (the
step's instance key, its line, the keys of the steps that enclose it, and an `evaluate` for its scope).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scriptum_lsp.language.expression import parse_expression

# DAP exception breakpoint filters (docs/debugger.md)
FILTER_FAILED = "failed"
FILTER_PAUSED = "paused"
EXCEPTION_FILTERS = (
    {
        "filter": FILTER_FAILED,
        "label": "Failed step",
        "default": True,
        "description": "Stop when a step fails (before retry, fallback or the thread's error handler)",
    },
    {
        "filter": FILTER_PAUSED,
        "label": "Paused thread",
        "default": True,
        "description": "Stop when the thread pauses (an ask, or an error pause)",
    },
)

_HIT = re.compile(r"^\s*(==|>=|>|%)?\s*(\d+)\s*$")
_INTERP = re.compile(r"\{([^{}]+)\}")

# a compound step's children carry one extra path segment (iteration, branch, lane) after its own key
_COMPOUND_NAMES = {
    "iterate": "each",
    "pipe": "pipe",
    "parallel": "together",
    "repeat": "repeat",
    "branch": "decide",
    "decide": "decide",
}


def segments(key: str) -> list[str]:
    return key.split("#", 1)[0].split(".")


def encloses(outer: str, inner: str) -> bool:
    """Does the step with instance key `outer` enclose the step `inner`? (`3` encloses `3.2.0`)."""
    o, i = segments(outer), segments(inner)
    return len(o) < len(i) and i[: len(o)] == o


@dataclass
class Breakpoint:
    id: int
    line: int  # as requested (1-based)
    verified_line: int | None
    condition: dict[str, Any] | None = None
    hit_condition: tuple[str, int] | None = None
    log_message: str | None = None
    message: str = ""
    hits: int = 0

    def to_dap(self, source: Mapping[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "verified": self.verified_line is not None}
        if self.verified_line is not None:
            out["line"] = self.verified_line
        if self.message:
            out["message"] = self.message
        if source is not None:
            out["source"] = dict(source)
        return out


def parse_hit_condition(text: str) -> tuple[str, int] | None:
    """`3` or `==3` (the 3rd hit only), `>=3`, `>3`, `%3` (every 3rd). None when malformed."""
    m = _HIT.match(text or "")
    if not m:
        return None
    return (m.group(1) or "==", int(m.group(2)))


def hit_matches(cond: tuple[str, int], hits: int) -> bool:
    op, n = cond
    if op == "==":
        return hits == n
    if op == ">=":
        return hits >= n
    if op == ">":
        return hits > n
    return n > 0 and hits % n == 0


@dataclass(frozen=True)
class Decision:
    reason: str | None  # "breakpoint" | "step" | "pause" | "entry" | None (run on)
    breakpoint_ids: tuple[int, ...] = ()
    logs: tuple[str, ...] = ()
    text: str = ""


@dataclass
class Controller:
    step_lines: Sequence[int] = ()  # every line a step starts on, sorted
    breakpoints: dict[int, Breakpoint] = field(default_factory=dict)  # by verified line
    filters: set[str] = field(default_factory=lambda: {FILTER_FAILED, FILTER_PAUSED})
    mode: str = "run"  # run | stepIn | next | stepOut
    mode_depth: int = 0
    pause_requested: bool = False
    _next_id: int = 1

    def __post_init__(self) -> None:
        self.step_lines = sorted(set(self.step_lines))

    # -- configuration ---------------------------------------------------------------------------------
    def adjust(self, line: int) -> int | None:
        """The line a breakpoint at `line` binds to: that step, else the next step below it."""
        i = bisect.bisect_left(self.step_lines, line)
        return self.step_lines[i] if i < len(self.step_lines) else None

    def set_breakpoints(self, requested: Iterable[Mapping[str, Any]]) -> list[Breakpoint]:
        """Replace all breakpoints (DAP sends the whole set for the source)."""
        self.breakpoints = {}
        out: list[Breakpoint] = []
        for req in requested:
            try:
                line = int(req.get("line") or 0)
            except (TypeError, ValueError):
                line = 0
            bp = Breakpoint(self._next_id, line, self.adjust(line) if line > 0 else None)
            self._next_id += 1
            if bp.verified_line is None:
                bp.message = f"no step at or after line {line}"
            cond = str(req.get("condition") or "").strip()
            if cond and bp.verified_line is not None:
                parsed = parse_expression(cond)
                if parsed.ir is None:
                    bp.verified_line, bp.message = None, f"condition: {parsed.error}"
                else:
                    bp.condition = parsed.ir
            hit = str(req.get("hitCondition") or "").strip()
            if hit and bp.verified_line is not None:
                bp.hit_condition = parse_hit_condition(hit)
                if bp.hit_condition is None:
                    bp.verified_line = None
                    bp.message = f"hit count {hit!r}: use N, ==N, >=N, >N or %N"
            if req.get("logMessage"):
                bp.log_message = str(req["logMessage"])
            if bp.verified_line is not None and bp.verified_line not in self.breakpoints:
                self.breakpoints[bp.verified_line] = bp
            out.append(bp)
        return out

    def set_filters(self, filters: Iterable[str]) -> None:
        self.filters = {f for f in filters if f in (FILTER_FAILED, FILTER_PAUSED)}

    def resume(self, mode: str, depth: int) -> None:
        self.mode, self.mode_depth, self.pause_requested = mode, depth, False

    # -- decisions -------------------------------------------------------------------------------------
    def before_step(self, line: int, depth: int, evaluate: Callable[[Any], Any]) -> Decision:
        """A step at `line`, `depth` steps deep, is about to run."""
        logs: list[str] = []
        hit_ids: list[int] = []
        text = ""
        bp = self.breakpoints.get(line)
        if bp is not None:
            stop, message = self._breakpoint_fires(bp, evaluate)
            if bp.log_message is not None and stop:
                logs.append(interpolate(bp.log_message, evaluate))
            elif stop:
                hit_ids.append(bp.id)
                text = message
        if hit_ids:
            return Decision("breakpoint", tuple(hit_ids), tuple(logs), text)
        if self.pause_requested:
            self.pause_requested = False
            return Decision("pause", (), tuple(logs))
        if (
            self.mode == "stepIn"
            or (self.mode == "next" and depth <= self.mode_depth)
            or (self.mode == "stepOut" and depth < self.mode_depth)
        ):
            return Decision("step", (), tuple(logs))
        return Decision(None, (), tuple(logs))

    def _breakpoint_fires(self, bp: Breakpoint, evaluate: Callable[[Any], Any]) -> tuple[bool, str]:
        if bp.condition is not None:
            try:
                ok = truthy(evaluate(bp.condition))
            except Exception as exc:  # a condition that cannot be evaluated stops, and says why
                return True, f"breakpoint condition failed: {exc}"
            if not ok:
                return False, ""
        bp.hits += 1
        if bp.hit_condition is not None and not hit_matches(bp.hit_condition, bp.hits):
            return False, ""
        return True, ""

    def on_failure(self) -> bool:
        return FILTER_FAILED in self.filters

    def on_pause(self) -> bool:
        return FILTER_PAUSED in self.filters


def truthy(value: Any) -> bool:
    from scriptum_lsp.emulator.runner.values import truthy as runner_truthy

    return bool(runner_truthy(value))


def interpolate(message: str, evaluate: Callable[[Any], Any]) -> str:
    """A logpoint message: each `{expression}` is evaluated in the step's scope."""

    def one(m: re.Match[str]) -> str:
        parsed = parse_expression(m.group(1))
        if parsed.ir is None:
            return f"<{parsed.error}>"
        try:
            from scriptum_lsp.emulator.runner.values import to_text

            return str(to_text(evaluate(parsed.ir)))
        except Exception as exc:
            return f"<{exc}>"

    return _INTERP.sub(one, message)


@dataclass(frozen=True)
class FrameInfo:
    name: str
    line: int
    key: str


def step_title(step: Mapping[str, Any]) -> str:
    label = step.get("label")
    prim = str(step.get("primitive") or "step")
    if label:
        return f'"{label}"'
    if prim == "let" and step.get("bind"):
        return f"let {step['bind']}"
    if prim == "execute" and step.get("tool"):
        return f"do {step['tool']}"
    return _COMPOUND_NAMES.get(prim, prim)


def frames(key: str, step: Mapping[str, Any], open_steps: Mapping[str, Mapping[str, Any]]) -> list[FrameInfo]:
    """Innermost first: the step, then each enclosing compound step with the iteration/branch/lane index,
    then `main` (or `on thread error`). E.g. `"Classify"`, `each[3]`, `main`."""
    out = [FrameInfo(step_title(step), int(step.get("line") or 0), key)]
    ancestors = sorted((k for k in open_steps if encloses(k, key)), key=lambda k: len(segments(k)))
    inner = segments(key)
    for anc in reversed(ancestors):
        anc_step = open_steps[anc]
        n = len(segments(anc))
        index = inner[n] if n < len(inner) else ""
        prim = str(anc_step.get("primitive") or "")
        base = _COMPOUND_NAMES.get(prim) or step_title(anc_step)
        if anc_step.get("label") and prim in _COMPOUND_NAMES:
            base = f'{base} "{anc_step["label"]}"'
        name = f"{base}[{index}]" if prim in _COMPOUND_NAMES and index else base
        out.append(FrameInfo(name, int(anc_step.get("line") or 0), anc))
    out.append(FrameInfo("on thread error" if inner[0] == "E" else "main", 0, ""))
    return out


def depth_of(key: str, open_steps: Iterable[str]) -> int:
    return sum(1 for k in open_steps if encloses(k, key))
