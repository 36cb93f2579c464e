"""A thread file (`"format": "scriptum-thread/1"`, docs/debugger.md): everything a replay needs, as plain API
bodies (GetThread, GetThreadResult, each step's details, the script's source). Written by
`scriptum.exportThread`, read by `scriptum-lsp debug` (replay)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

FORMAT = "scriptum-thread/1"
DETAIL_CONCURRENCY = 8
MAX_DETAIL_REQUESTS = 5000


def first_field(raw: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    for name in names:
        if name in raw and raw[name] not in (None, ""):
            return raw[name]
    return default


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class ThreadSource(Protocol):
    async def get_thread(self, thread_id: str) -> dict[str, Any]: ...
    async def get_thread_result(self, thread_id: str, *, step_path: str | None = None) -> dict[str, Any]: ...
    async def get_code(self, name: str, version: int = 0) -> dict[str, Any]: ...


async def export_thread(api: ThreadSource, thread_id: str, *, details: bool = True) -> dict[str, Any]:
    """Fetch everything a replay needs into one JSON-able document (`scriptum.exportThread`)."""
    thread = await api.get_thread(thread_id)
    result = await api.get_thread_result(thread_id)
    step_details: list[Any] = []
    if details:
        paths = []
        for raw in result.get("steps") or ():
            if isinstance(raw, Mapping):
                p = str(first_field(raw, "stepPath", "step_path", "path", default=""))
                if p and p not in paths:
                    paths.append(p)
        sem = asyncio.Semaphore(DETAIL_CONCURRENCY)

        async def one(path: str) -> list[Any]:
            async with sem:
                try:
                    res = await api.get_thread_result(thread_id, step_path=path)
                except Exception:
                    return []
            d = res.get("stepDetails") or []
            return list(d) if isinstance(d, list) else [d]

        for chunk in await asyncio.gather(*(one(p) for p in paths[:MAX_DETAIL_REQUESTS])):
            step_details.extend(chunk)
    source = None
    name = str(first_field(thread, "scriptName", "script_name", default=""))
    if name:
        try:
            code = await api.get_code(name, as_int(first_field(thread, "version", default=0)))
            source = first_field(code, "dslContent", "dsl_content", "content", "source")
        except Exception:
            source = None
    doc: dict[str, Any] = {"format": FORMAT, "thread": thread, "result": result, "stepDetails": step_details}
    if isinstance(source, str):
        doc["source"] = source
    return doc
