"""The emulator's SQLite store: scripts, drafts, versions, env, threads, steps and yields, per organization.

Every change is one transaction (`BEGIN IMMEDIATE`), so concurrent requests are serialised by SQLite and a
process killed mid-request leaves either the old or the new state. WAL journal with `synchronous=NORMAL` is
durable against process crashes (only an OS crash could lose the last commits). `:memory:` keeps nothing.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from scriptum_lsp.emulator.errors import already_exists, bad_request, failed_precondition, not_found

SCHEMA_VERSION = 1
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
EMPTY_CONTRACT: dict[str, list[Any]] = {
    "inputs": [],
    "outputs": [],
    "stream": [],
    "env": [],
    "enums": [],
    "acceptedContentTypes": [],
    "acceptedExtensions": [],
}
TERMINAL_THREAD = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
CRASH_ERROR = (
    "the emulator stopped while this thread was running (process killed or crashed); the run was lost"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scripts (
  org TEXT NOT NULL, name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '[]', labels TEXT NOT NULL DEFAULT '[]',
  env TEXT NOT NULL DEFAULT '{}',
  active_version INTEGER NOT NULL DEFAULT 0, latest_version INTEGER NOT NULL DEFAULT 0,
  active_stack TEXT NOT NULL DEFAULT '[]',
  created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (org, name)
);
CREATE TABLE IF NOT EXISTS drafts (
  org TEXT NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL, dsl_content TEXT NOT NULL DEFAULT '', yaml_content TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', tools_required TEXT NOT NULL DEFAULT '[]',
  diagnostics TEXT NOT NULL DEFAULT '[]', contract TEXT NOT NULL DEFAULT '', ast_json TEXT NOT NULL DEFAULT '',
  ir_yaml TEXT NOT NULL DEFAULT '', ir_json TEXT NOT NULL DEFAULT '',
  rev INTEGER NOT NULL, compiled_rev INTEGER, published_version INTEGER,
  created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (org, name)
);
CREATE TABLE IF NOT EXISTS versions (
  org TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
  dsl_content TEXT NOT NULL, yaml_content TEXT NOT NULL, ir_json TEXT NOT NULL,
  tools_required TEXT NOT NULL, contract TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL, published_at_ms INTEGER NOT NULL,
  PRIMARY KEY (org, name, version)
);
CREATE TABLE IF NOT EXISTS env (
  org TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (org, key)
);
CREATE TABLE IF NOT EXISTS threads (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org TEXT NOT NULL,
  script_name TEXT NOT NULL, version INTEGER NOT NULL, is_test INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL, input_json TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', error_json TEXT NOT NULL DEFAULT '',
  current_step_path TEXT NOT NULL DEFAULT '', current_step_name TEXT NOT NULL DEFAULT '',
  total_steps INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL, started_at_ms INTEGER NOT NULL DEFAULT 0, finished_at_ms INTEGER NOT NULL DEFAULT 0,
  output_json TEXT NOT NULL DEFAULT '', state_json TEXT NOT NULL DEFAULT '', pause_json TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}', load_env INTEGER NOT NULL DEFAULT 0, ir_json TEXT NOT NULL,
  timeout TEXT NOT NULL DEFAULT '', callback_url TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS threads_org ON threads (org, seq);
CREATE TABLE IF NOT EXISTS steps (
  thread_id TEXT NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL, primitive TEXT NOT NULL,
  label TEXT, line INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, tool TEXT,
  input_json TEXT NOT NULL DEFAULT 'null', output_json TEXT NOT NULL DEFAULT 'null', error TEXT NOT NULL DEFAULT '',
  started_at_ms INTEGER NOT NULL DEFAULT 0, finished_at_ms INTEGER NOT NULL DEFAULT 0, attempt INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (thread_id, seq)
);
CREATE TABLE IF NOT EXISTS yields (
  thread_id TEXT NOT NULL, seq INTEGER NOT NULL, label TEXT, value_json TEXT NOT NULL, at_ms INTEGER NOT NULL,
  PRIMARY KEY (thread_id, seq)
);
"""


def _process_start(pid: int) -> str:
    """The kernel's start time of a process (Linux), to tell a live owner from a reused pid; "" if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


OWNER = f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}"


def _owner_alive(owner: str) -> bool:
    """Whether the emulator process that owns a running thread still exists (same host, same process)."""
    host, pid_text, start = [*owner.split(":"), "", "", ""][:3]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to another user
        pass
    return not start or _process_start(pid) in ("", start)


def now_ms() -> int:
    return int(time.time() * 1000)


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _from_json(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    return json.loads(text)


def check_script_name(name: str) -> None:
    if not name:
        raise bad_request("name is required", [("name", "required")])
    if not NAME_RE.fullmatch(name):
        raise bad_request(
            f"invalid script name {name!r}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit",
            [("name", "invalid script name")],
        )


def check_env_key(key: str) -> None:
    if not key:
        raise bad_request("key is required", [("key", "required")])
    if not ENV_KEY_RE.fullmatch(key):
        raise bad_request(
            f"invalid env key {key!r}: use letters, digits and '_', not starting with a digit",
            [("key", "invalid env key")],
        )


def _encode_token(value: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(_to_json(value).encode()).decode().rstrip("=")


def _decode_token(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
    except (ValueError, json.JSONDecodeError):
        raise bad_request("invalid pageToken", [("pageToken", "not a token returned by this API")]) from None
    if not isinstance(value, dict):
        raise bad_request("invalid pageToken", [("pageToken", "not a token returned by this API")])
    return value


def clamp_page_size(size: int, default: int = 50, maximum: int = 1000) -> int:
    if size < 0:
        raise bad_request("pageSize must not be negative", [("pageSize", "must be >= 0")])
    return default if size == 0 else min(size, maximum)


class Store:
    """All persistent state. Methods are synchronous and short; each is one transaction."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA busy_timeout = 30000")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._init_schema()
        self.recovered_threads = self._recover()

    # -- plumbing -------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; writers take SQLite's write lock up front (`BEGIN IMMEDIATE`), readers do not."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def transaction(self, *, write: bool = True) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One transaction, for the other record kinds that share this file (Ignite's)."""
        return self._tx(write=write)

    def executescript(self, script: str) -> None:
        with self._lock:
            self._db.executescript(script)

    def _init_schema(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"store {self.path} has schema {version}, newer than this emulator ({SCHEMA_VERSION})"
                )
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _recover(self) -> int:
        """After a crash: threads whose process is gone become FAILED, interrupted compiles go back to DRAFT.

        Threads owned by another live emulator process on the same data folder are left alone.
        """
        with self._tx() as db:
            t = now_ms()
            rows = db.execute(
                "SELECT id, owner FROM threads WHERE status IN ('PENDING','RUNNING')"
            ).fetchall()
            lost = [r["id"] for r in rows if not _owner_alive(r["owner"])]
            for tid in lost:
                db.execute(
                    "UPDATE threads SET status='FAILED', error=?, finished_at_ms=? WHERE id=?",
                    (CRASH_ERROR, t, tid),
                )
                db.execute(
                    "UPDATE steps SET status='FAILED', error=?, finished_at_ms=? WHERE thread_id=? AND status='RUNNING'",
                    (CRASH_ERROR, t, tid),
                )
            db.execute("UPDATE drafts SET status='DRAFT' WHERE status='COMPILING'")
        return len(lost)

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.close()

    def integrity_check(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- scripts --------------------------------------------------------------------------------------------
    def _script_row(self, db: sqlite3.Connection, org: str, name: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM scripts WHERE org=? AND name=?", (org, name)
        ).fetchone()
        if row is None:
            raise not_found(f"script {name!r} not found")
        return row

    def create_script(
        self,
        org: str,
        name: str,
        *,
        description: str,
        tags: Sequence[str],
        labels: Sequence[Mapping[str, Any]],
        env: Mapping[str, str],
        draft_dsl: str | None = None,
    ) -> int:
        check_script_name(name)
        for k in env:
            check_env_key(k)
        t = now_ms()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM scripts WHERE org=? AND name=?", (org, name)).fetchone():
                raise already_exists(f"script {name!r} already exists")
            db.execute(
                "INSERT INTO scripts (org, name, description, tags, labels, env, created_at_ms, updated_at_ms)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (
                    org,
                    name,
                    description,
                    _to_json(list(tags)),
                    _to_json(list(labels)),
                    _to_json(dict(env)),
                    t,
                    t,
                ),
            )
            if draft_dsl is not None:
                db.execute(
                    "INSERT INTO drafts (org, name, kind, dsl_content, status, rev, created_at_ms, updated_at_ms)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (org, name, "dsl", draft_dsl, "DRAFT", 1, t, t),
                )
        return t

    def _script_dict(self, db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
        draft = db.execute(
            "SELECT * FROM drafts WHERE org=? AND name=?", (row["org"], row["name"])
        ).fetchone()
        contract: Any = None
        if row["active_version"]:
            v = db.execute(
                "SELECT contract FROM versions WHERE org=? AND name=? AND version=?",
                (row["org"], row["name"], row["active_version"]),
            ).fetchone()
            contract = _from_json(v["contract"]) if v else None
        if contract is None and draft is not None:
            contract = _from_json(draft["contract"])
        if row["active_version"]:
            status = "ACTIVE"
        elif draft is not None:
            status = "DRAFT"
        else:
            status = "CREATED"
        return {
            "name": row["name"],
            "description": row["description"],
            "tags": _from_json(row["tags"], []),
            "active_version": row["active_version"],
            "latest_version": row["latest_version"],
            "draft_status": self._draft_status(db, draft) if draft is not None else None,
            "created_at_ms": row["created_at_ms"],
            "updated_at_ms": row["updated_at_ms"],
            "status": status,
            "labels": _from_json(row["labels"], []),
            "contract": contract or dict(EMPTY_CONTRACT),
            "env": _from_json(row["env"], {}),
        }

    def get_script(self, org: str, name: str) -> dict[str, Any]:
        with self._tx(write=False) as db:
            return self._script_dict(db, self._script_row(db, org, name))

    def list_scripts(
        self,
        org: str,
        *,
        page_size: int,
        page_token: str,
        tags: Sequence[str],
        labels: Sequence[Mapping[str, Any]],
    ) -> tuple[list[dict[str, Any]], str]:
        size = clamp_page_size(page_size)
        after = str(_decode_token(page_token).get("after", "")) if page_token else ""
        out: list[dict[str, Any]] = []
        next_token = ""
        with self._tx(write=False) as db:
            rows = db.execute("SELECT * FROM scripts WHERE org=? AND name>? ORDER BY name", (org, after))
            for row in rows.fetchall():
                if tags and not set(tags) <= set(_from_json(row["tags"], [])):
                    continue
                if labels and not _labels_match(_from_json(row["labels"], []), labels):
                    continue
                if len(out) == size:
                    next_token = _encode_token({"after": out[-1]["name"]})
                    break
                out.append(self._script_dict(db, row))
        return out, next_token

    def delete_script(self, org: str, name: str) -> None:
        with self._tx() as db:
            self._script_row(db, org, name)
            for table in ("scripts", "drafts", "versions"):
                db.execute(f"DELETE FROM {table} WHERE org=? AND name=?", (org, name))

    # -- drafts ---------------------------------------------------------------------------------------------
    @staticmethod
    def _draft_status(db: sqlite3.Connection, draft: sqlite3.Row) -> str:
        if draft["published_version"]:
            v = db.execute(
                "SELECT status FROM versions WHERE org=? AND name=? AND version=?",
                (draft["org"], draft["name"], draft["published_version"]),
            ).fetchone()
            if v is not None:
                return str(v["status"])
        return str(draft["status"])

    def save_draft(self, org: str, name: str, *, dsl: str, yaml: str) -> int:
        kind = "dsl" if dsl else "yaml"
        t = now_ms()
        with self._tx() as db:
            self._script_row(db, org, name)
            cur = db.execute(
                "SELECT rev, kind, dsl_content, yaml_content, updated_at_ms FROM drafts WHERE org=? AND name=?",
                (org, name),
            ).fetchone()
            if (
                cur is not None
                and cur["kind"] == kind
                and (cur["dsl_content"] if dsl else cur["yaml_content"]) == (dsl or yaml)
            ):
                # saving exactly the draft's content is not a change: its status, compile result and
                # published version stay (so publishing it again is refused, not minted as a duplicate)
                return int(cur["updated_at_ms"])
            if cur is None:
                db.execute(
                    "INSERT INTO drafts (org, name, kind, dsl_content, yaml_content, status, rev, created_at_ms,"
                    " updated_at_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                    (org, name, kind, dsl, yaml, "DRAFT", 1, t, t),
                )
            else:
                db.execute(
                    "UPDATE drafts SET kind=?, dsl_content=?, yaml_content=?, status='DRAFT', error='',"
                    " tools_required='[]', diagnostics='[]', contract='', ast_json='', ir_yaml='', ir_json='',"
                    " rev=rev+1, published_version=NULL, updated_at_ms=? WHERE org=? AND name=?",
                    (kind, dsl, yaml, t, org, name),
                )
            db.execute("UPDATE scripts SET updated_at_ms=? WHERE org=? AND name=?", (t, org, name))
        return t

    def _draft_row(self, db: sqlite3.Connection, org: str, name: str) -> sqlite3.Row:
        self._script_row(db, org, name)
        draft: sqlite3.Row | None = db.execute(
            "SELECT * FROM drafts WHERE org=? AND name=?", (org, name)
        ).fetchone()
        if draft is None:
            raise failed_precondition(f"script {name!r} has no draft; save one with SaveScriptDraft first")
        return draft

    def begin_compile(self, org: str, name: str) -> tuple[str, str, int]:
        """Mark the draft COMPILING; return (kind, source, rev) to compile outside the transaction."""
        with self._tx() as db:
            draft = self._draft_row(db, org, name)
            db.execute("UPDATE drafts SET status='COMPILING' WHERE org=? AND name=?", (org, name))
            source = draft["dsl_content"] if draft["kind"] == "dsl" else draft["yaml_content"]
            return str(draft["kind"]), str(source), int(draft["rev"])

    def finish_compile(self, org: str, name: str, rev: int, result: Mapping[str, Any]) -> bool:
        """Record a compile result if the draft is still the revision that was compiled."""
        with self._tx() as db:
            draft = db.execute("SELECT rev, kind FROM drafts WHERE org=? AND name=?", (org, name)).fetchone()
            if draft is None or int(draft["rev"]) != rev:
                return False
            yaml_content = result["ir_yaml"] if draft["kind"] == "dsl" else None
            db.execute(
                "UPDATE drafts SET status=?, error=?, tools_required=?, diagnostics=?, contract=?, ast_json=?,"
                " ir_yaml=?, ir_json=?, compiled_rev=?, yaml_content=COALESCE(?, yaml_content)"
                " WHERE org=? AND name=?",
                (
                    "COMPILED" if result["success"] else "FAILED",
                    result["error"],
                    _to_json(list(result["tools_required"])),
                    _to_json(list(result["diagnostics"])),
                    _to_json(result["contract"]),
                    result["ast_json"],
                    result["ir_yaml"],
                    _to_json(result["ir"]) if result["ir"] is not None else "",
                    rev,
                    yaml_content,
                    org,
                    name,
                ),
            )
            return True

    def abort_compile(self, org: str, name: str, rev: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE drafts SET status='DRAFT' WHERE org=? AND name=? AND rev=? AND status='COMPILING'",
                (org, name, rev),
            )

    def get_draft(self, org: str, name: str) -> dict[str, Any]:
        with self._tx(write=False) as db:
            draft = self._script_draft_or_404(db, org, name)
            return {
                "status": self._draft_status(db, draft),
                "kind": draft["kind"],
                "dsl_content": draft["dsl_content"],
                "yaml_content": draft["yaml_content"],
                "error": draft["error"],
                "tools_required": _from_json(draft["tools_required"], []),
                "diagnostics": _from_json(draft["diagnostics"], []),
                "updated_at_ms": draft["updated_at_ms"],
                "created_at_ms": draft["created_at_ms"],
                "contract": _from_json(draft["contract"]) or dict(EMPTY_CONTRACT),
                "ir": _from_json(draft["ir_json"]),
                "rev": draft["rev"],
                "compiled_rev": draft["compiled_rev"],
                "draft_state": draft["status"],
            }

    def _script_draft_or_404(self, db: sqlite3.Connection, org: str, name: str) -> sqlite3.Row:
        self._script_row(db, org, name)
        draft: sqlite3.Row | None = db.execute(
            "SELECT * FROM drafts WHERE org=? AND name=?", (org, name)
        ).fetchone()
        if draft is None:
            raise not_found(f"script {name!r} has no draft")
        return draft

    def publish(self, org: str, name: str) -> int:
        t = now_ms()
        with self._tx() as db:
            script = self._script_row(db, org, name)
            draft = self._draft_row(db, org, name)
            status = draft["status"]
            if draft["published_version"]:
                raise failed_precondition(
                    f"the draft of {name!r} is already published as version {draft['published_version']};"
                    " save a change before publishing again"
                )
            if status == "FAILED":
                raise failed_precondition(f"the draft of {name!r} failed to compile: {draft['error']}")
            if status == "COMPILING":
                raise failed_precondition(
                    f"the draft of {name!r} is still compiling; publish after the compile finishes"
                )
            if status != "COMPILED" or draft["compiled_rev"] != draft["rev"]:
                raise failed_precondition(
                    f"the draft of {name!r} is not compiled (its source changed since the last compile);"
                    " call CompileScriptDraft before publishing"
                )
            version = int(script["latest_version"]) + 1
            db.execute(
                "UPDATE versions SET status='SUPERSEDED' WHERE org=? AND name=? AND status='ACTIVE'",
                (org, name),
            )
            yaml_content = draft["ir_yaml"] if draft["kind"] == "dsl" else draft["yaml_content"]
            db.execute(
                "INSERT INTO versions (org, name, version, status, dsl_content, yaml_content, ir_json, tools_required,"
                " contract, created_at_ms, published_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    org,
                    name,
                    version,
                    "ACTIVE",
                    draft["dsl_content"],
                    yaml_content,
                    draft["ir_json"],
                    draft["tools_required"],
                    draft["contract"] or _to_json(EMPTY_CONTRACT),
                    t,
                    t,
                ),
            )
            stack = [*_from_json(script["active_stack"], []), version]
            db.execute(
                "UPDATE scripts SET active_version=?, latest_version=?, active_stack=?, updated_at_ms=?"
                " WHERE org=? AND name=?",
                (version, version, _to_json(stack), t, org, name),
            )
            db.execute("UPDATE drafts SET published_version=? WHERE org=? AND name=?", (version, org, name))
        return version

    def rollback(self, org: str, name: str, target: int) -> int:
        if target < 0:
            raise bad_request("targetVersion must be >= 0", [("targetVersion", "must be >= 0")])
        t = now_ms()
        with self._tx() as db:
            script = self._script_row(db, org, name)
            active = int(script["active_version"])
            stack: list[int] = _from_json(script["active_stack"], [])
            if active == 0:
                raise failed_precondition(f"script {name!r} has no published version to roll back")
            if target == 0:
                if len(stack) < 2:
                    raise failed_precondition(
                        f"script {name!r} has no previous active version to roll back to"
                    )
                stack.pop()
                target = stack[-1]
            else:
                row = db.execute(
                    "SELECT 1 FROM versions WHERE org=? AND name=? AND version=?", (org, name, target)
                ).fetchone()
                if row is None:
                    raise not_found(f"version {target} of script {name!r} not found")
                if target == active:
                    return active
                stack.append(target)
            db.execute(
                "UPDATE versions SET status='SUPERSEDED' WHERE org=? AND name=? AND status='ACTIVE'",
                (org, name),
            )
            db.execute(
                "UPDATE versions SET status='ACTIVE' WHERE org=? AND name=? AND version=?",
                (org, name, target),
            )
            db.execute(
                "UPDATE scripts SET active_version=?, active_stack=?, updated_at_ms=? WHERE org=? AND name=?",
                (target, _to_json(stack), t, org, name),
            )
        return target

    @staticmethod
    def _version_dict(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "version": row["version"],
            "status": row["status"],
            "tools_required": _from_json(row["tools_required"], []),
            "created_at_ms": row["created_at_ms"],
            "published_at_ms": row["published_at_ms"],
            "contract": _from_json(row["contract"]) or dict(EMPTY_CONTRACT),
            "dsl_content": row["dsl_content"],
            "yaml_content": row["yaml_content"],
            "ir": _from_json(row["ir_json"]),
        }

    def list_versions(self, org: str, name: str) -> list[dict[str, Any]]:
        with self._tx(write=False) as db:
            self._script_row(db, org, name)
            rows = db.execute(
                "SELECT * FROM versions WHERE org=? AND name=? ORDER BY version", (org, name)
            ).fetchall()
            return [self._version_dict(r) for r in rows]

    def get_version(self, org: str, name: str, version: int) -> dict[str, Any]:
        with self._tx(write=False) as db:
            self._script_row(db, org, name)
            row = db.execute(
                "SELECT * FROM versions WHERE org=? AND name=? AND version=?", (org, name, version)
            ).fetchone()
            if row is None:
                raise not_found(f"version {version} of script {name!r} not found")
            return self._version_dict(row)

    # -- env ------------------------------------------------------------------------------------------------
    def set_env(self, org: str, key: str, value: str) -> int:
        check_env_key(key)
        t = now_ms()
        with self._tx() as db:
            db.execute(
                "INSERT INTO env (org, key, value, updated_at_ms) VALUES (?,?,?,?)"
                " ON CONFLICT (org, key) DO UPDATE SET value=excluded.value, updated_at_ms=excluded.updated_at_ms",
                (org, key, value, t),
            )
        return t

    def import_env(self, org: str, values: Mapping[str, str]) -> int:
        for k in values:
            check_env_key(k)
        t = now_ms()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO env (org, key, value, updated_at_ms) VALUES (?,?,?,?)"
                " ON CONFLICT (org, key) DO UPDATE SET value=excluded.value, updated_at_ms=excluded.updated_at_ms",
                [(org, k, v, t) for k, v in values.items()],
            )
        return t

    def get_env(self, org: str, key: str) -> dict[str, Any]:
        with self._tx(write=False) as db:
            row = db.execute("SELECT * FROM env WHERE org=? AND key=?", (org, key)).fetchone()
            if row is None:
                raise not_found(f"env var {key!r} not found")
            return {"key": row["key"], "value": row["value"], "updated_at_ms": row["updated_at_ms"]}

    def list_env(self, org: str) -> list[dict[str, Any]]:
        with self._tx(write=False) as db:
            rows = db.execute("SELECT * FROM env WHERE org=? ORDER BY key", (org,)).fetchall()
            return [{"key": r["key"], "value": r["value"], "updated_at_ms": r["updated_at_ms"]} for r in rows]

    def delete_env(self, org: str, key: str) -> None:
        with self._tx() as db:
            if db.execute("DELETE FROM env WHERE org=? AND key=?", (org, key)).rowcount == 0:
                raise not_found(f"env var {key!r} not found")

    def get_script_env(self, org: str, name: str) -> dict[str, str]:
        with self._tx(write=False) as db:
            return dict(_from_json(self._script_row(db, org, name)["env"], {}))

    def update_script_env(
        self, org: str, name: str, set_: Mapping[str, str], delete: Sequence[str]
    ) -> dict[str, str]:
        for k in set_:
            check_env_key(k)
        with self._tx() as db:
            env: dict[str, str] = dict(_from_json(self._script_row(db, org, name)["env"], {}))
            for k in delete:
                env.pop(k, None)
            env.update(set_)
            db.execute(
                "UPDATE scripts SET env=?, updated_at_ms=? WHERE org=? AND name=?",
                (_to_json(env), now_ms(), org, name),
            )
            return env

    def effective_env(self, org: str, name: str) -> dict[str, str]:
        """Tenant env with the script overlay merged over it; an empty overlay value defers to the tenant."""
        with self._tx(write=False) as db:
            env = {r["key"]: r["value"] for r in db.execute("SELECT key, value FROM env WHERE org=?", (org,))}
            row = db.execute("SELECT env FROM scripts WHERE org=? AND name=?", (org, name)).fetchone()
            overlay: dict[str, str] = _from_json(row["env"], {}) if row else {}
        for k, v in overlay.items():
            if v != "" or k not in env:
                env[k] = v
        return env

    # -- threads --------------------------------------------------------------------------------------------
    def create_thread(
        self,
        org: str,
        thread_id: str,
        *,
        script_name: str,
        version: int,
        is_test: bool,
        input_json: str,
        metadata: Mapping[str, str],
        load_env: bool,
        ir: Mapping[str, Any],
        total_steps: int,
        timeout: str,
        callback_url: str,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO threads (id, org, script_name, version, is_test, status, input_json, metadata, load_env,"
                " ir_json, total_steps, created_at_ms, timeout, callback_url, owner)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    thread_id,
                    org,
                    script_name,
                    version,
                    int(is_test),
                    "PENDING",
                    input_json,
                    _to_json(dict(metadata)),
                    int(load_env),
                    _to_json(ir),
                    total_steps,
                    now_ms(),
                    timeout,
                    callback_url,
                    OWNER,
                ),
            )

    def update_thread(self, thread_id: str, **fields: Any) -> None:
        if not fields:
            return
        cols = ", ".join(f"{k}=?" for k in fields)
        with self._tx() as db:
            db.execute(f"UPDATE threads SET {cols} WHERE id=?", (*fields.values(), thread_id))

    def finish_thread_if_active(self, thread_id: str, **fields: Any) -> bool:
        """Set terminal fields unless the thread already reached a terminal state (e.g. cancelled)."""
        cols = ", ".join(f"{k}=?" for k in fields)
        with self._tx() as db:
            n = db.execute(
                f"UPDATE threads SET {cols} WHERE id=? AND status NOT IN ('COMPLETED','FAILED','CANCELLED')",
                (*fields.values(), thread_id),
            ).rowcount
            if fields.get("status") in TERMINAL_THREAD or fields.get("status") == "PAUSED":
                db.execute(
                    "UPDATE steps SET status=?, finished_at_ms=? WHERE thread_id=? AND status='RUNNING'",
                    ("CANCELLED" if fields.get("status") == "CANCELLED" else "FAILED", now_ms(), thread_id),
                )
            return n > 0

    @staticmethod
    def _thread_dict(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "thread_id": row["id"],
            "org": row["org"],
            "script_name": row["script_name"],
            "version": row["version"],
            "is_test": bool(row["is_test"]),
            "status": row["status"],
            "input_json": row["input_json"],
            "error": row["error"],
            "error_detail": _from_json(row["error_json"]),
            "current_step_path": row["current_step_path"],
            "current_step_name": row["current_step_name"],
            "total_steps": row["total_steps"],
            "created_at_ms": row["created_at_ms"],
            "started_at_ms": row["started_at_ms"],
            "finished_at_ms": row["finished_at_ms"],
            "output": _from_json(row["output_json"]),
            "has_output": bool(row["output_json"]),
            "state": _from_json(row["state_json"]),
            "pause": _from_json(row["pause_json"]),
            "metadata": _from_json(row["metadata"], {}),
            "load_env": bool(row["load_env"]),
            "ir": _from_json(row["ir_json"]),
            "timeout": row["timeout"],
            "callback_url": row["callback_url"],
        }

    def get_thread_status(self, thread_id: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT status FROM threads WHERE id=?", (thread_id,)).fetchone()
        return str(row["status"]) if row else ""

    def get_thread(self, org: str, thread_id: str) -> dict[str, Any]:
        with self._tx(write=False) as db:
            row = db.execute("SELECT * FROM threads WHERE id=? AND org=?", (thread_id, org)).fetchone()
            if row is None:
                raise not_found(f"thread {thread_id!r} not found")
            return self._thread_dict(row)

    def list_threads(
        self, org: str, *, page_size: int, page_token: str, status: str | None, script_name: str
    ) -> tuple[list[dict[str, Any]], str]:
        size = clamp_page_size(page_size)
        before = int(_decode_token(page_token).get("before", 0)) if page_token else 0
        sql = "SELECT * FROM threads WHERE org=?"
        args: list[Any] = [org]
        if before:
            sql += " AND seq<?"
            args.append(before)
        if status:
            sql += " AND status=?"
            args.append(status)
        if script_name:
            sql += " AND script_name=?"
            args.append(script_name)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(size + 1)
        with self._tx(write=False) as db:
            rows = db.execute(sql, args).fetchall()
        more = len(rows) > size
        rows = rows[:size]
        token = _encode_token({"before": rows[-1]["seq"]}) if more and rows else ""
        return [self._thread_dict(r) for r in rows], token

    def add_step(self, thread_id: str, record: Mapping[str, Any]) -> int:
        with self._tx() as db:
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE thread_id=?", (thread_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO steps (thread_id, seq, path, primitive, label, line, status, tool, input_json, output_json,"
                " error, started_at_ms, finished_at_ms, attempt) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (thread_id, seq, *self._step_values(record)),
            )
            db.execute(
                "UPDATE threads SET current_step_path=?, current_step_name=? WHERE id=?",
                (record["path"], record.get("label") or "", thread_id),
            )
            return int(seq)

    def finish_step(self, thread_id: str, record: Mapping[str, Any]) -> int:
        """Update the open record of this step (same path and attempt), or append one."""
        with self._tx() as db:
            row = db.execute(
                "SELECT seq FROM steps WHERE thread_id=? AND path=? AND attempt=? AND status='RUNNING'"
                " ORDER BY seq DESC LIMIT 1",
                (thread_id, record["path"], record.get("attempt", 1)),
            ).fetchone()
            values = self._step_values(record)
            if row is None:
                seq = db.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE thread_id=?", (thread_id,)
                ).fetchone()[0]
                db.execute(
                    "INSERT INTO steps (thread_id, seq, path, primitive, label, line, status, tool, input_json,"
                    " output_json, error, started_at_ms, finished_at_ms, attempt) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (thread_id, seq, *values),
                )
            else:
                seq = row["seq"]
                db.execute(
                    "UPDATE steps SET path=?, primitive=?, label=?, line=?, status=?, tool=?, input_json=?,"
                    " output_json=?, error=?, started_at_ms=?, finished_at_ms=?, attempt=? WHERE thread_id=? AND seq=?",
                    (*values, thread_id, seq),
                )
            return int(seq)

    @staticmethod
    def _step_values(r: Mapping[str, Any]) -> tuple[Any, ...]:
        return (
            r["path"],
            r.get("primitive") or "",
            r.get("label"),
            int(r.get("line") or 0),
            r.get("status") or "RUNNING",
            r.get("tool"),
            _to_json(r.get("input")),
            _to_json(r.get("output")),
            r.get("error") or "",
            int(r.get("started_at_ms") or 0),
            int(r.get("finished_at_ms") or 0),
            int(r.get("attempt") or 1),
        )

    def steps(self, thread_id: str) -> list[dict[str, Any]]:
        with self._tx(write=False) as db:
            rows = db.execute("SELECT * FROM steps WHERE thread_id=? ORDER BY seq", (thread_id,)).fetchall()
        return [
            {
                "seq": r["seq"],
                "path": r["path"],
                "primitive": r["primitive"],
                "label": r["label"],
                "line": r["line"],
                "status": r["status"],
                "tool": r["tool"],
                "input": _from_json(r["input_json"]),
                "output": _from_json(r["output_json"]),
                "error": r["error"],
                "started_at_ms": r["started_at_ms"],
                "finished_at_ms": r["finished_at_ms"],
                "attempt": r["attempt"],
            }
            for r in rows
        ]

    def add_yield(self, thread_id: str, label: str | None, value: Any) -> tuple[int, int]:
        t = now_ms()
        with self._tx() as db:
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM yields WHERE thread_id=?", (thread_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO yields (thread_id, seq, label, value_json, at_ms) VALUES (?,?,?,?,?)",
                (thread_id, seq, label, _to_json(value), t),
            )
        return int(seq), t

    def yields(self, thread_id: str, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        with self._tx(write=False) as db:
            total = db.execute("SELECT COUNT(*) FROM yields WHERE thread_id=?", (thread_id,)).fetchone()[0]
            rows = db.execute(
                "SELECT * FROM yields WHERE thread_id=? ORDER BY seq LIMIT ?",
                (thread_id, -1 if limit is None else limit),
            ).fetchall()
        return [
            {"seq": r["seq"], "label": r["label"], "value": _from_json(r["value_json"]), "at_ms": r["at_ms"]}
            for r in rows
        ], int(total)


def _labels_match(have: Sequence[Mapping[str, Any]], want: Sequence[Mapping[str, Any]]) -> bool:
    """Any wanted key+value pair present passes (a wanted key with no values matches the key alone)."""
    index = {str(e.get("key")): set(e.get("values", [])) for e in have}
    for w in want:
        key = str(w.get("key"))
        if key not in index:
            continue
        values = set(w.get("values", []))
        if not values or values & index[key]:
            return True
    return False
