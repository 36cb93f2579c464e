"""The DAP requests of a Scriptum debug session (docs/debugger.md lists them and their arguments).

Requests are handled one at a time on the dispatcher thread; the run (live or replay) has its own thread and
reports stops through callbacks. Every request gets a response: an unknown command or bad arguments get
`success: false` with a message the client shows, and the session goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scriptum_lsp.language.expression import parse_expression

from .control import EXCEPTION_FILTERS, Controller
from .dap import Channel
from .driver import Callbacks, Stop, Walker
from .variables import VariableStore, is_secret_name

log = logging.getLogger(__name__)

THREAD_ID = 1


class LaunchError(ValueError):
    """Bad launch arguments: the message is shown to the user as is."""


CAPABILITIES: dict[str, Any] = {
    "supportsConfigurationDoneRequest": True,
    "supportsConditionalBreakpoints": True,
    "supportsHitConditionalBreakpoints": True,
    "supportsLogPoints": True,
    "supportsEvaluateForHovers": True,
    "supportsSetVariable": True,
    "supportsRestartRequest": True,
    "supportsTerminateRequest": True,
    "supportsExceptionInfoRequest": True,
    "supportsDelayedStackTraceLoading": False,
    "supportsLoadedSourcesRequest": False,
    "supportTerminateDebuggee": True,
    "exceptionBreakpointFilters": [dict(f) for f in EXCEPTION_FILTERS],
}


def _read_json_arg(value: Any, base: Path, what: str) -> Any:
    """An object as is, or a path to a JSON file (relative to the script's folder, then the cwd)."""
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        candidates = [Path(value)] if os.path.isabs(value) else [base / value, Path.cwd() / value]
        for p in candidates:
            if p.is_file():
                try:
                    return json.loads(p.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as exc:
                    raise LaunchError(f"{what}: cannot read {p}: {exc}") from None
                except json.JSONDecodeError as exc:
                    raise LaunchError(
                        f"{what}: {p} is not valid JSON (line {exc.lineno}: {exc.msg})"
                    ) from None
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise LaunchError(f"{what} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        raise LaunchError(f"{what}: no such file {value!r}")
    raise LaunchError(f"{what} must be a JSON object or the path of a .json file")


class Session:
    def __init__(self, channel: Channel) -> None:
        self.ch = channel
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.controller = Controller()
        self.walker: Walker | None = None
        self.run: Any = None  # LiveRun | Replay
        self.launch_args: dict[str, Any] = {}
        self.kind = ""  # "launch" | "replay"
        self.source_path: str | None = None
        self.source_text: str | None = None
        self.pending_breakpoints: list[Mapping[str, Any]] = []
        self.breakpoint_source: dict[str, Any] | None = None
        self.configured = False
        self.started = False
        self.ended = threading.Event()
        self.vars = VariableStore()
        self.frame_scopes: dict[int, Any] = {}
        self.stop_state: Stop | None = None
        self.exit = False
        self._lock = threading.Lock()

    # -- the dispatcher ------------------------------------------------------------------------------
    def deliver(self, message: dict[str, Any] | None) -> None:
        self.inbox.put(message)

    def serve(self) -> None:
        while not self.exit:
            message = self.inbox.get()
            if message is None:
                self._end_run()
                return
            self.handle(message)

    def handle(self, message: Mapping[str, Any]) -> None:
        if message.get("type") != "request":
            return
        request = dict(message)
        command = str(request.get("command") or "")
        handler: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None] | None = getattr(
            self, "on_" + command, None
        )
        if handler is None:
            self.ch.fail(request, f"unsupported request {command!r}", show=False)
            return
        args = request.get("arguments")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            self.ch.fail(request, f"{command}: arguments must be an object")
            return
        try:
            body = handler(request, args)
        except LaunchError as exc:
            self.ch.fail(request, str(exc))
            return
        except Exception as exc:  # never let one request end the session
            log.exception("request %s failed", command)
            self.ch.fail(request, f"{command} failed: {type(exc).__name__}: {exc}")
            return
        if body is not _DEFERRED:
            self.ch.respond(request, body)

    # -- lifecycle -------------------------------------------------------------------------------------
    def on_initialize(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        self.lines_start_at1 = args.get("linesStartAt1", True) is not False
        self.ch.respond(request, CAPABILITIES)
        self.ch.event("initialized")
        return _DEFERRED

    def on_launch(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        self.launch_args = dict(args)
        if args.get("thread") or args.get("threadFile"):
            self._prepare_replay(args)
        else:
            self._prepare_launch(args)
        if self.configured:
            self._start()
        return None

    def on_attach(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        if not (args.get("thread") or args.get("threadFile")):
            raise LaunchError("attach needs 'thread' (a thread id) or 'threadFile' (an exported thread)")
        return self.on_launch(request, args)

    def on_configurationDone(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        self.configured = True
        if self.kind and not self.started:
            self._start()
        return None

    def on_setBreakpoints(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        source = args.get("source") if isinstance(args.get("source"), dict) else {}
        wanted = args.get("breakpoints")
        if wanted is None:
            wanted = [{"line": n} for n in args.get("lines") or []]
        if not isinstance(wanted, list):
            raise LaunchError("setBreakpoints: 'breakpoints' must be a list")
        wanted = [w for w in wanted if isinstance(w, dict)]
        self.pending_breakpoints = wanted
        self.breakpoint_source = source
        if not self.controller.step_lines and self.kind == "":
            # before launch: remember, answer unverified; verified once the script is compiled
            return {
                "breakpoints": [
                    {"verified": False, "line": w.get("line"), "message": "not yet compiled"} for w in wanted
                ]
            }
        bps = self.controller.set_breakpoints(wanted)
        return {"breakpoints": [b.to_dap(source) for b in bps]}

    def on_setExceptionBreakpoints(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        filters = args.get("filters") or []
        if not isinstance(filters, list):
            raise LaunchError("setExceptionBreakpoints: 'filters' must be a list")
        self.controller.set_filters(str(f) for f in filters)
        return {"breakpoints": [{"verified": True} for _ in filters]}

    def on_threads(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        name = self.launch_args.get("name") or (Path(self.source_path).name if self.source_path else "thread")
        return {"threads": [{"id": THREAD_ID, "name": f"Scriptum {self.kind or 'session'}: {name}"}]}

    def on_disconnect(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        self._end_run()
        self.ch.respond(request)
        self.exit = True
        return _DEFERRED

    def on_terminate(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        self._end_run()
        return None

    def on_restart(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        new_args: dict[str, Any] = (
            args["arguments"] if isinstance(args.get("arguments"), dict) else self.launch_args
        )
        self._end_run(announce=False)
        self.ended.clear()
        self.started = False
        self.kind = ""
        self.launch_args = dict(new_args)
        if new_args.get("thread") or new_args.get("threadFile"):
            self._prepare_replay(new_args)
        else:
            self._prepare_launch(new_args)
        self._start()
        return None

    # -- preparing ------------------------------------------------------------------------------------
    def _prepare_launch(self, args: Mapping[str, Any]) -> None:
        from scriptum_lsp.language import compile_source

        script = args.get("script") or args.get("program")
        if not isinstance(script, str) or not script.strip():
            raise LaunchError("launch needs 'script': the path of the .scriptum file to debug")
        path = Path(script).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise LaunchError(f"no such script: {script}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LaunchError(f"cannot read {script}: {exc}") from None
        endpoint = str(args.get("endpoint") or "local")
        if endpoint != "local":
            raise LaunchError(
                f"launch runs a draft in the local emulator only (endpoint {endpoint!r}); "
                'to debug a cloud run, replay its thread: {"thread": "<id>", "endpoint": ...}'
            )
        compiled = compile_source(text)
        errors = [d for d in compiled.diagnostics if d.severity == "error"]
        if errors or not compiled.ir:
            shown = "; ".join(f"line {d.line}: {d.message}" for d in errors[:3])
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            raise LaunchError(f"{path.name} does not compile: {shown or compiled.error}{more}")
        inputs = _read_json_arg(args.get("input"), path.parent, "input")
        if not isinstance(inputs, dict):
            raise LaunchError("input must be a JSON object")
        from scriptum_lsp.language.inputs import apply_defaults, validate_input

        contract = {"inputs": compiled.ir.get("inputs") or [], "enums": compiled.ir.get("enums") or []}
        problems = validate_input(contract, apply_defaults(contract, inputs))
        if problems:
            raise LaunchError("the input does not fit the script: " + "; ".join(p.render() for p in problems))
        env = _read_json_arg(args.get("env"), path.parent, "env") if args.get("env") is not None else {}
        if not isinstance(env, dict):
            raise LaunchError("env must be an object of strings")
        self.source_path, self.source_text = str(path.resolve()), text
        self.kind = "launch"
        self._lines_from_ir(compiled.ir)
        self._ir, self._inputs, self._env = compiled.ir, inputs, {str(k): str(v) for k, v in env.items()}

    def _prepare_replay(self, args: Mapping[str, Any]) -> None:
        from .replay import export_thread, recording_from_export

        if args.get("threadFile"):
            p = Path(str(args["threadFile"])).expanduser()
            try:
                doc = json.loads(p.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise LaunchError(f"no such thread file: {p}") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise LaunchError(f"cannot read {p}: {exc}") from None
            except json.JSONDecodeError as exc:
                raise LaunchError(f"{p.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        else:
            doc = asyncio.run(self._fetch(str(args["thread"]), args, export_thread))
        try:
            rec = recording_from_export(doc)
        except ValueError as exc:
            raise LaunchError(f"cannot replay: {exc}") from None
        if not rec.steps:
            raise LaunchError(f"thread {rec.thread_id or '?'} has no recorded steps to replay")
        script = args.get("script")
        self.source_path, self.source_text = None, rec.source
        if isinstance(script, str) and Path(script).is_file():
            self.source_path = str(Path(script).resolve())
            if self.source_text is None:
                self.source_text = Path(script).read_text(encoding="utf-8", errors="replace")
        ir = rec.raw.get("ir")
        if ir is None and self.source_text:
            from scriptum_lsp.language import compile_source

            ir = compile_source(self.source_text).ir
        self._lines_from_ir(ir, extra=[s.line for s in rec.steps if s.line])
        self.recording = rec
        self.kind = "replay"

    async def _fetch(self, thread_id: str, args: Mapping[str, Any], export: Any) -> dict[str, Any]:
        from scriptum_lsp import embedded
        from scriptum_lsp.api.errors import ApiError

        endpoint = str(args.get("endpoint") or "local")
        token = args.get("token") or None
        client = embedded.connect(
            endpoint,
            token=token if endpoint != "local" else None,
            organization=args.get("organization") or None,
            local_data=os.environ.get("SCRIPTUM_LSP_LOCAL_DATA") or None,
        )
        try:
            doc: dict[str, Any] = await export(client, thread_id)
            return doc
        except ApiError as exc:
            raise LaunchError(f"cannot load thread {thread_id} from {endpoint}: {exc}") from None
        finally:
            await client.aclose()

    def _lines_from_ir(self, ir: Any, extra: list[int] | None = None) -> None:
        from .replay import _ir_facts

        lines, _, _ = _ir_facts(ir)
        self.controller.step_lines = sorted(set(lines.values()) | set(extra or []))
        if self.pending_breakpoints:
            bps = self.controller.set_breakpoints(self.pending_breakpoints)
            for bp in bps:
                self.ch.event(
                    "breakpoint", {"reason": "changed", "breakpoint": bp.to_dap(self.breakpoint_source)}
                )

    # -- running --------------------------------------------------------------------------------------
    def _start(self) -> None:
        self.started = True
        callbacks = Callbacks(stopped=self._stopped, output=self._output, ended=self._ended)
        self.walker = Walker(
            self.controller, callbacks, stop_on_entry=bool(self.launch_args.get("stopOnEntry"))
        )
        if self.kind == "launch":
            from .live import LiveRun

            self.run = LiveRun(self.walker, self._ir, self._inputs, self._env)
        else:
            from .replay import Replay

            self.run = Replay(self.walker, self.recording)
        self.ch.event(
            "process", {"name": self.source_path or "thread", "startMethod": "launch", "isLocalProcess": True}
        )
        self.ch.event("thread", {"reason": "started", "threadId": THREAD_ID})
        self.run.start()

    def _end_run(self, announce: bool = True) -> None:
        run = self.run
        if run is not None:
            run.terminate()
            run.join(5.0)
        self.run = None
        self.stop_state = None
        if announce and self.started and not self.ended.is_set():
            self.ended.set()
            self.ch.event("terminated")

    def _stopped(self, stop: Stop) -> None:
        with self._lock:
            self.stop_state = stop
            self.vars.clear()
        body: dict[str, Any] = {"reason": stop.reason, "threadId": THREAD_ID, "allThreadsStopped": True}
        if stop.breakpoint_ids:
            body["hitBreakpointIds"] = list(stop.breakpoint_ids)
        if stop.reason == "exception":
            body["description"] = "Failed step" if stop.error else "Paused thread"
            body["text"] = stop.text
        elif stop.text:
            body["text"] = stop.text
        self.ch.event("stopped", body)

    def _output(self, text: str, category: str) -> None:
        self.ch.output(text, category)

    def _ended(self, status: str, output: Any, error: str | None) -> None:
        summary = f"thread {status.lower()}"
        if error:
            summary += f": {error}"
        self.ch.output(summary, "console" if status == "COMPLETED" else "stderr")
        if output not in (None, {}):
            self.ch.output("output: " + json.dumps(output, ensure_ascii=False, default=str), "stdout")
        self.ch.event("thread", {"reason": "exited", "threadId": THREAD_ID})
        self.ch.event("exited", {"exitCode": 0 if status == "COMPLETED" else 1})
        if not self.ended.is_set():
            self.ended.set()
            self.ch.event("terminated")

    # -- execution control ------------------------------------------------------------------------------
    def _resume(self, mode: str) -> dict[str, Any] | None:
        walker = self.walker
        if walker is None or self.stop_state is None:
            raise LaunchError("the thread is not stopped")
        with self._lock:
            self.stop_state = None
            self.vars.clear()
        walker.resume(mode)
        return {"allThreadsContinued": True} if mode == "run" else None

    def on_continue(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        return self._resume("run")

    def on_next(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        return self._resume("next")

    def on_stepIn(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        return self._resume("stepIn")

    def on_stepOut(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        return self._resume("stepOut")

    def on_pause(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        if self.walker is None:
            raise LaunchError("nothing is running")
        self.walker.pause()
        return None

    # -- inspection ---------------------------------------------------------------------------------------
    def _stop(self) -> Stop:
        stop = self.stop_state
        if stop is None:
            raise LaunchError("the thread is running; pause it first")
        return stop

    def _source(self) -> dict[str, Any] | None:
        if self.source_path:
            return {"name": Path(self.source_path).name, "path": self.source_path}
        if self.source_text is not None:
            return {
                "name": f"{(getattr(self, 'recording', None) and self.recording.script) or 'script'}.scriptum",
                "sourceReference": 1,
            }
        return None

    def on_source(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        if self.source_text is None:
            raise LaunchError("no source is known for this thread")
        return {"content": self.source_text, "mimeType": "text/x-scriptum"}

    def on_stackTrace(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        stop = self._stop()
        source = self._source()
        out = []
        for i, f in enumerate(stop.frames, start=1):
            frame: dict[str, Any] = {
                "id": i,
                "name": f.name,
                "line": f.line or (stop.line if i == 1 else 0),
                "column": 1,
            }
            if source is not None and frame["line"]:
                frame["source"] = source
            if not frame["line"]:
                frame["presentationHint"] = "label"
            out.append(frame)
        start = int(args.get("startFrame") or 0)
        levels = int(args.get("levels") or 0)
        page = out[start : start + levels] if levels > 0 else out[start:]
        return {"stackFrames": page, "totalFrames": len(out)}

    def on_scopes(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        stop = self._stop()
        try:
            frame_id = int(args.get("frameId") or 1)
        except (TypeError, ValueError):
            raise LaunchError("scopes: frameId must be a number") from None
        v = self.vars
        scopes = []
        if frame_id == 1:
            scopes.append(
                {
                    "name": "Step",
                    "presentationHint": "locals",
                    "expensive": False,
                    "variablesReference": v.add(lambda: self._step_vars(stop)),
                }
            )
        self._bindings_ref = v.add(
            lambda: [v.variable(n, val, evaluate_name=n) for n, val in stop.bindings()]
        )
        scopes.append(
            {
                "name": "Bindings",
                "presentationHint": "locals",
                "expensive": False,
                "variablesReference": self._bindings_ref,
            }
        )
        scopes.append(
            {
                "name": "Inputs",
                "presentationHint": "arguments",
                "expensive": False,
                "variablesReference": v.add(
                    lambda: [v.variable(n, val, evaluate_name=n) for n, val in stop.inputs.items()]
                ),
            }
        )
        if self.kind == "launch":
            scopes.append(
                {"name": "Env", "expensive": False, "variablesReference": v.add(lambda: self._env_vars(stop))}
            )
        return {"scopes": scopes}

    def _step_vars(self, stop: Stop) -> list[dict[str, Any]]:
        v = self.vars
        step = stop.step
        out = [v.variable("path", stop.key), v.variable("primitive", step.get("primitive"))]
        if step.get("label"):
            out.append(v.variable("label", step.get("label")))
        if step.get("tool"):
            out.append(v.variable("tool", step.get("tool")))
        if self.kind == "launch":
            from .live import step_inputs

            if stop.reason != "exception" or stop.error is None:
                inputs = step_inputs(step, stop.evaluate)
                if inputs:
                    out.append(v.variable("inputs", inputs))
        elif stop.has_recorded_input:
            out.append(v.variable("inputs", stop.recorded_input))
        if stop.has_output:
            out.append(v.variable("output", stop.output))
        if stop.error:
            out.append(v.variable("error", stop.error))
        return out

    def _env_vars(self, stop: Stop) -> list[dict[str, Any]]:
        v = self.vars
        return [
            v.secret(n) if is_secret_name(n) and val is not None else v.variable(n, val)
            for n, val in stop.env()
        ]

    def on_variables(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        try:
            ref = int(args.get("variablesReference") or 0)
        except (TypeError, ValueError):
            raise LaunchError("variables: variablesReference must be a number") from None
        children = self.vars.children(ref)
        if children is None:
            raise LaunchError("these variables are gone (the thread has moved on)")
        start = int(args.get("start") or 0)
        count = int(args.get("count") or 0)
        if args.get("filter") == "indexed" or start or count:
            children = children[start : start + count] if count else children[start:]
        return {"variables": children}

    def _eval(self, stop: Stop, text: str) -> Any:
        parsed = parse_expression(text)
        if parsed.ir is None:
            raise LaunchError(parsed.error)
        try:
            return stop.evaluate(parsed.ir)
        except Exception as exc:
            message = "; ".join(getattr(exc, "lines", []) or [str(exc)])
            raise LaunchError(message) from None

    def on_evaluate(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        text = str(args.get("expression") or "")
        stop = self.stop_state
        if stop is None:
            raise LaunchError("evaluate needs a stopped thread")
        value = self._eval(stop, text)
        var = self.vars.variable(text, value, evaluate_name=text)
        return {
            "result": var["value"],
            "type": var.get("type"),
            "variablesReference": var["variablesReference"],
        }

    def on_setVariable(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        stop = self._stop()
        if stop.set_binding is None:
            raise LaunchError("a replay shows what happened; its values cannot be changed")
        if int(args.get("variablesReference") or 0) != getattr(self, "_bindings_ref", -1):
            raise LaunchError("only bindings can be set (let and step results)")
        name = str(args.get("name") or "")
        value = self._eval(stop, str(args.get("value") or ""))
        if not stop.set_binding(name, value):
            raise LaunchError(f"no binding named {name!r} in scope")
        var = self.vars.variable(name, value, evaluate_name=name)
        return {
            "value": var["value"],
            "type": var.get("type"),
            "variablesReference": var["variablesReference"],
        }

    def on_exceptionInfo(self, request: dict[str, Any], args: dict[str, Any]) -> Any:
        stop = self._stop()
        return {
            "exceptionId": "failed" if stop.error else "paused",
            "description": stop.text,
            "breakMode": "always",
            "details": {"message": stop.error or stop.text},
        }


_DEFERRED: Any = object()
