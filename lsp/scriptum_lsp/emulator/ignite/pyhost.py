"""The host of one Python Ignite handler call, run as a script in a child process (never imported).

    python pyhost.py <app_dir> <result_path>      payload on stdin, ctx as JSON in $IGNITE_CTX

It imports `handler.py` from `<app_dir>`, calls `handler(payload: bytes, ctx: dict)` and writes one JSON
object to `<result_path>`: `{"ok": true, "output_b64": ...}`, or `{"ok": false, "phase": "import"|"call"|
"encode", "error": {error, type, traceback}, "location": {file, line, col}}`. The handler's own stdout and
stderr stay the process's stdout and stderr (the execution's logs). Standard library only.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys
import traceback
import types


def _location(exc: BaseException, app_dir: str) -> dict[str, object] | None:
    if isinstance(exc, SyntaxError) and exc.filename:
        file = os.path.abspath(exc.filename)
        if file.startswith(app_dir + os.sep):
            return {"file": os.path.relpath(file, app_dir), "line": exc.lineno or 1, "col": exc.offset or 1}
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        file = os.path.abspath(frame.filename)
        if file.startswith(app_dir + os.sep):
            found = {"file": os.path.relpath(file, app_dir), "line": frame.lineno or 1, "col": 1}
    return found


def _user_frames(exc: BaseException) -> types.TracebackType | None:
    """The traceback without this host's own frames."""
    tb = exc.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == here:
        tb = tb.tb_next
    return tb


def _failure(phase: str, exc: BaseException, app_dir: str) -> dict[str, object]:
    return {
        "ok": False,
        "phase": phase,
        "error": {
            "error": str(exc) or type(exc).__name__,
            "type": type(exc).__name__,
            "traceback": "".join(traceback.format_exception(type(exc), exc, _user_frames(exc))),
        },
        "location": _location(exc, app_dir),
    }


def _encode(value: object) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


def main() -> int:
    app_dir, result_path = os.path.abspath(sys.argv[1]), sys.argv[2]
    payload = sys.stdin.buffer.read()
    ctx = json.loads(os.environ.pop("IGNITE_CTX", "{}"))
    sys.path.insert(0, app_dir)
    result: dict[str, object]
    try:
        spec = importlib.util.spec_from_file_location("handler", os.path.join(app_dir, "handler.py"))
        if spec is None or spec.loader is None:
            raise ImportError("cannot load handler.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["handler"] = module
        spec.loader.exec_module(module)
        handler = getattr(module, "handler", None)
        if not callable(handler):
            raise AttributeError("handler.py has no top-level function `handler(payload, ctx)`")
    except BaseException as exc:
        result = _failure("import", exc, app_dir)
    else:
        try:
            value = handler(payload, ctx)
        except BaseException as exc:
            result = _failure("call", exc, app_dir)
        else:
            try:
                result = {"ok": True, "output_b64": base64.b64encode(_encode(value)).decode("ascii")}
            except BaseException as exc:
                result = _failure("encode", exc, app_dir)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
