"""Fault injection for testing API clients: latency, error rates, status codes, dropped connections, bad bodies.

A rule is `ROUTE=SPEC`. ROUTE is an RPC name (`CompileScriptDraft`, case-insensitive), `*` for every route, or a
path glob starting with `/` (`/v1/scriptum/scripts/*/draft*`). SPEC is a comma-separated list of:

  latency=200ms | latency=1.5s | latency=100-300ms   added delay (a range picks uniformly)
  error=503 | error=UNAVAILABLE | status=429         answer with this gateway error instead of running the RPC
  drop | drop=before | drop=after                    close the connection without a (complete) response;
                                                      `after` runs the RPC first (its effect is kept)
  malformed                                           answer 200 with a truncated, unparsable JSON body
  rate=0.3 | rate=30%                                 apply the rule to this fraction of matching requests
  times=N                                             apply the rule to the next N matching requests only
  message=TEXT                                        the error message (no commas)
  retry-after=2s | retry-after=0                     the `Retry-After` header (whole seconds, rounded up) of a
                                                      429 / RESOURCE_EXHAUSTED error; default 1 s, 0 sends none

All matching rules apply in order: latencies add up, the first error/drop/malformed that fires wins.
`*` and path globs never match HealthCheck (the readiness probe) nor the admin route; name HealthCheck to fault it.
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import random
import re
import threading
from dataclasses import dataclass, replace
from typing import Any

from scriptum_lsp.emulator.errors import CODE_FOR_STATUS, HTTP_STATUS, ApiError, Code
from scriptum_lsp.language.durations import parse_ms

EXEMPT_FROM_WILDCARDS = frozenset({"HealthCheck"})
DEFAULT_RETRY_AFTER_MS = 1000
RATE_LIMIT_STATUS = 429


class FaultSpecError(ValueError):
    """A fault rule that cannot be parsed."""


@dataclass(frozen=True)
class FaultRule:
    route: str
    latency_ms: tuple[int, int] = (0, 0)
    error_code: Code | None = None
    http_status: int | None = None
    drop: str = ""  # "" | "before" | "after"
    malformed: bool = False
    rate: float = 1.0
    times: int | None = None
    message: str = ""
    retry_after_ms: int = DEFAULT_RETRY_AFTER_MS
    text: str = ""

    def headers(self) -> dict[str, str]:
        """Response headers of the injected error: `Retry-After` for the rate-limit class."""
        rate_limited = self.http_status == RATE_LIMIT_STATUS or self.error_code == Code.RESOURCE_EXHAUSTED
        if not rate_limited or self.retry_after_ms <= 0:
            return {}
        return {"Retry-After": str(math.ceil(self.retry_after_ms / 1000))}

    def matches(self, rpc: str, path: str) -> bool:
        if self.route.lower() == rpc.lower():
            return True
        if rpc in EXEMPT_FROM_WILDCARDS or rpc.startswith("Admin"):
            return False  # `*` and globs spare the readiness probe and the admin route that clears faults
        if self.route == "*":
            return True
        return self.route.startswith("/") and fnmatch.fnmatchcase(path, self.route)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.text,
            "route": self.route,
            "latencyMs": list(self.latency_ms),
            "errorCode": int(self.error_code) if self.error_code is not None else None,
            "httpStatus": self.http_status,
            "drop": self.drop,
            "malformed": self.malformed,
            "rate": self.rate,
            "timesLeft": self.times,
            "retryAfterMs": self.retry_after_ms,
        }


def _duration_ms(text: str) -> int:
    ms = parse_ms(text, bare_ms=True)
    if ms is None:
        raise FaultSpecError(f"invalid duration {text!r} (use e.g. 200ms, 1.5s)")
    return int(ms)


def parse_rule(text: str) -> FaultRule:
    """Parse `ROUTE=SPEC` (see the module docstring)."""
    route, sep, spec = text.partition("=")
    route = route.strip()
    if not sep or not route or not spec.strip():
        raise FaultSpecError(
            f"invalid fault {text!r}: expected ROUTE=SPEC, e.g. CompileScriptDraft=latency=500ms"
        )
    rule = FaultRule(route=route, text=text)
    for item in (p.strip() for p in spec.split(",")):
        if not item:
            continue
        key, _, value = item.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if key == "latency":
            lo, dash, hi = value.partition("-")
            unit = re.search(r"(ms|s|m)\s*$", hi)
            if dash and unit and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", lo):
                lo += unit.group(1)  # "1-2s": the lower bound takes the upper bound's unit
            a = _duration_ms(lo)
            b = _duration_ms(hi) if dash else a
            if b < a:
                raise FaultSpecError(f"invalid latency range {value!r}")
            rule = replace(rule, latency_ms=(a, b))
        elif key in ("error", "status", "code"):
            rule = replace(rule, **_error(value))
        elif key == "drop":
            mode = value.lower() or "before"
            if mode not in ("before", "after"):
                raise FaultSpecError(f"invalid drop mode {value!r} (before or after)")
            rule = replace(rule, drop=mode)
        elif key == "malformed":
            rule = replace(rule, malformed=True)
        elif key == "rate":
            try:
                rate = float(value[:-1]) / 100 if value.endswith("%") else float(value)
            except ValueError:
                raise FaultSpecError(f"invalid rate {value!r}") from None
            if not 0.0 <= rate <= 1.0:
                raise FaultSpecError(f"rate {value!r} must be between 0 and 1")
            rule = replace(rule, rate=rate)
        elif key == "times":
            if not value.isdigit():
                raise FaultSpecError(f"invalid times {value!r}")
            rule = replace(rule, times=int(value))
        elif key == "message":
            rule = replace(rule, message=value)
        elif key in ("retry-after", "retry_after", "retryafter"):
            rule = replace(rule, retry_after_ms=_duration_ms(value + "s" if value.isdigit() else value))
        else:
            raise FaultSpecError(f"unknown fault option {key!r} in {text!r}")
    return rule


def _error(value: str) -> dict[str, Any]:
    if value.isdigit():
        status = int(value)
        if not 400 <= status <= 599:
            raise FaultSpecError(f"error status {status} must be 4xx or 5xx")
        return {"error_code": CODE_FOR_STATUS.get(status, Code.UNKNOWN), "http_status": status}
    name = value.upper()
    if name not in Code.__members__ or name == "OK":
        raise FaultSpecError(f"unknown gRPC code {value!r}")
    code = Code[name]
    return {"error_code": code, "http_status": HTTP_STATUS[code]}


class FaultError(ApiError):
    """An injected gateway error; carries the response headers of its rule (e.g. `Retry-After`)."""

    def __init__(self, code: Code, message: str, *, http_status: int | None, headers: dict[str, str]) -> None:
        super().__init__(code, message, http_status=http_status)
        self.headers = headers


@dataclass(frozen=True)
class FaultAction:
    """What to do to one request after the latency has been served."""

    error: ApiError | None = None
    drop: str = ""
    malformed: bool = False


NO_FAULT = FaultAction()


class Faults:
    """The active fault rules; mutable at run time through the admin route."""

    def __init__(self, rules: list[FaultRule] | None = None, *, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = list(rules or [])
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def set_rules(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _fire(self, rpc: str, path: str) -> list[FaultRule]:
        fired: list[FaultRule] = []
        with self._lock:
            for i, rule in enumerate(self._rules):
                if not rule.matches(rpc, path) or rule.times == 0:
                    continue
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                if rule.times is not None:
                    self._rules[i] = replace(rule, times=rule.times - 1)
                fired.append(rule)
        return fired

    async def before(self, rpc: str, path: str) -> FaultAction:
        if not self._rules:
            return NO_FAULT
        fired = self._fire(rpc, path)
        if not fired:
            return NO_FAULT
        delay = sum(self._random.uniform(*r.latency_ms) if r.latency_ms[1] else 0 for r in fired)
        if delay:
            await asyncio.sleep(delay / 1000)
        for r in fired:
            if r.error_code is not None:
                message = r.message or f"injected fault: {r.error_code.name} for {rpc}"
                return FaultAction(
                    error=FaultError(r.error_code, message, http_status=r.http_status, headers=r.headers())
                )
            if r.drop or r.malformed:
                return FaultAction(drop=r.drop, malformed=r.malformed)
        return NO_FAULT
