"""Store records -> the gateway's camelCase JSON messages."""

from __future__ import annotations

import base64
import json
from typing import Any

from scriptum_lsp.emulator.wire import enum_name, int64

OUTPUT_CAP_BYTES = 4 * 1024 * 1024
YIELDS_CAP = 1000
DETAIL_CAP_BYTES = 64 * 1024


def script(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": s["name"],
        "description": s["description"],
        "tags": s["tags"],
        "activeVersion": s["active_version"],
        "latestVersion": s["latest_version"],
        "draftStatus": enum_name("SCRIPT_VERSION_STATUS", s["draft_status"]),
        "createdAtMs": int64(s["created_at_ms"]),
        "updatedAtMs": int64(s["updated_at_ms"]),
        "status": enum_name("SCRIPT_STATUS", s["status"]),
        "labels": s["labels"],
        "contract": s["contract"],
    }


def version(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": v["version"],
        "status": enum_name("SCRIPT_VERSION_STATUS", v["status"]),
        "toolsRequired": v["tools_required"],
        "createdAtMs": int64(v["created_at_ms"]),
        "publishedAtMs": int64(v["published_at_ms"]),
        "contract": v["contract"],
    }


def draft_info(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": enum_name("SCRIPT_VERSION_STATUS", d["status"]),
        "dslContent": d["dsl_content"],
        "yamlContent": d["yaml_content"],
        "error": d["error"],
        "toolsRequired": d["tools_required"],
        "updatedAtMs": int64(d["updated_at_ms"]),
        "contract": d["contract"],
    }


def compile_response(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "success": r["success"],
        "error": r["error"],
        "toolsRequired": list(r["tools_required"]),
        "diagnostics": list(r["diagnostics"]),
        "astJson": r["ast_json"],
        "irYaml": r["ir_yaml"],
    }


def thread(t: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "threadId": t["thread_id"],
        "scriptName": t["script_name"],
        "version": t["version"],
        "status": enum_name("THREAD_STATUS", t["status"]),
        "error": t["error"],
        "currentStepPath": t["current_step_path"],
        "currentStepName": t["current_step_name"],
        "totalSteps": t["total_steps"],
        "createdAtMs": int64(t["created_at_ms"]),
        "startedAtMs": int64(t["started_at_ms"]),
        "finishedAtMs": int64(t["finished_at_ms"]),
        "executionMode": "EXECUTION_MODE_CLOUD",
        "inputJson": t["input_json"],
        "metadata": t["metadata"],
        "isTest": t["is_test"],
    }
    if t.get("pause") and t["status"] == "PAUSED":
        out["pause"] = t["pause"]
    if t.get("error_detail"):
        out["errorDetail"] = t["error_detail"]
    return out


def _json_text(value: Any, cap: int | None = None) -> tuple[str, bool]:
    text = json.dumps(value, ensure_ascii=False)
    if cap is not None and len(text.encode()) > cap:
        return text.encode()[:cap].decode(errors="ignore"), True
    return text, False


def step_summary(s: dict[str, Any]) -> dict[str, Any]:
    finished = s["finished_at_ms"] or 0
    return {
        "stepPath": s["path"],
        "stepName": s["label"] or "",
        "primitive": s["primitive"],
        "tool": s["tool"] or "",
        "status": enum_name("STEP_STATUS", s["status"]),
        "line": s["line"],
        "attempt": s["attempt"],
        "startedAtMs": int64(s["started_at_ms"]),
        "finishedAtMs": int64(finished),
        "durationMs": int64(max(0, finished - s["started_at_ms"]) if finished else 0),
        "error": s["error"],
    }


def step_detail(s: dict[str, Any]) -> dict[str, Any]:
    inp, in_trunc = _json_text(s["input"], DETAIL_CAP_BYTES)
    out, out_trunc = _json_text(s["output"], DETAIL_CAP_BYTES)
    return {**step_summary(s), "inputJson": inp, "outputJson": out, "truncated": in_trunc or out_trunc}


def yielded(y: dict[str, Any]) -> dict[str, Any]:
    return {
        "index": y["seq"] - 1,
        "label": y["label"] or "",
        "valueJson": json.dumps(y["value"], ensure_ascii=False),
        "timestampMs": int64(y["at_ms"]),
    }


def output_bytes(t: dict[str, Any]) -> bytes:
    if not t["has_output"]:
        return b""
    return json.dumps(t["output"], ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
