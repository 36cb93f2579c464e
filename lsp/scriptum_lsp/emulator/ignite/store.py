"""Ignite's tables in the emulator's SQLite file: apps, their draft (version 0), versions, executions and
compile logs, per organization. Same transactions as the Scriptum store (`Store.transaction`)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from typing import Any

from scriptum_lsp.emulator.errors import already_exists, bad_request, failed_precondition, not_found
from scriptum_lsp.emulator.store import Store, now_ms

APP_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")
# a run or compile older than this that is still RUNNING/COMPILING when a store opens was lost with its
# process (another live process sharing the file finishes well within it: runs and compiles time out sooner)
STALE_AFTER_MS = 15 * 60 * 1000
TERMINAL_EXECUTION = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ignite_apps (
  org TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  tier TEXT NOT NULL DEFAULT 'MEDIUM', timeout_s REAL NOT NULL DEFAULT 0, memory_mb INTEGER NOT NULL DEFAULT 0,
  env TEXT NOT NULL DEFAULT '{}', active_version INTEGER NOT NULL DEFAULT 0,
  latest_version INTEGER NOT NULL DEFAULT 0, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (org, name)
);
CREATE TABLE IF NOT EXISTS ignite_drafts (
  org TEXT NOT NULL, name TEXT NOT NULL, runtime TEXT NOT NULL, code_kind TEXT NOT NULL,
  source BLOB NOT NULL, code_hash TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
  deploy_id TEXT NOT NULL DEFAULT '', rev INTEGER NOT NULL, compiled_rev INTEGER,
  published_version INTEGER, created_at_ms INTEGER NOT NULL, last_deployment_at_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org, name)
);
CREATE TABLE IF NOT EXISTS ignite_versions (
  org TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
  runtime TEXT NOT NULL, code_kind TEXT NOT NULL, source BLOB NOT NULL, code_hash TEXT NOT NULL,
  tier TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (org, name, version)
);
CREATE TABLE IF NOT EXISTS ignite_executions (
  id TEXT PRIMARY KEY, org TEXT NOT NULL, app TEXT NOT NULL, version INTEGER NOT NULL,
  status TEXT NOT NULL, output BLOB NOT NULL DEFAULT x'', error TEXT NOT NULL DEFAULT '',
  logs TEXT NOT NULL DEFAULT '[]', location TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL, started_at_ms INTEGER NOT NULL DEFAULT 0, finished_at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ignite_compile_logs (
  deploy_id TEXT NOT NULL, seq INTEGER NOT NULL, line TEXT NOT NULL, at_ms INTEGER NOT NULL,
  PRIMARY KEY (deploy_id, seq)
);
"""


def code_hash(data: bytes) -> str:
    """The draft's `codeHash`: 8 hex digits, like the documented `"9f1c2a7e"`."""
    return hashlib.sha256(data).hexdigest()[:8]


def check_app_name(name: str) -> None:
    if not name:
        raise bad_request("app name is required", [("appName", "required")])
    if not APP_NAME_RE.fullmatch(name):
        raise bad_request(
            f"invalid app name {name!r}: use 1-63 lower-case letters, digits, '.' or '-', starting with a"
            " letter or digit",
            [("appName", "invalid app name")],
        )


class IgniteStore:
    """Ignite records; every method is one short transaction of the shared store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.executescript(_SCHEMA)

    # -- apps -----------------------------------------------------------------------------------------------
    @staticmethod
    def _app(db: sqlite3.Connection, org: str, name: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM ignite_apps WHERE org=? AND name=?", (org, name)
        ).fetchone()
        if row is None:
            raise not_found(f"app {org}/{name} not found")
        return row

    def create_app(
        self,
        org: str,
        name: str,
        *,
        description: str = "",
        tier: str = "MEDIUM",
        timeout_s: float = 0.0,
        memory_mb: int = 0,
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        check_app_name(name)
        t = now_ms()
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM ignite_apps WHERE org=? AND name=?", (org, name)).fetchone():
                raise already_exists(f"app {org}/{name} already exists")
            db.execute(
                "INSERT INTO ignite_apps (org, name, description, tier, timeout_s, memory_mb, env, created_at_ms,"
                " updated_at_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                (org, name, description, tier, timeout_s, memory_mb, json.dumps(env or {}), t, t),
            )
            return dict(self._app(db, org, name))

    def get_app(self, org: str, name: str) -> dict[str, Any]:
        with self.store.transaction(write=False) as db:
            app = dict(self._app(db, org, name))
            draft = db.execute(
                "SELECT runtime, status FROM ignite_drafts WHERE org=? AND name=?", (org, name)
            ).fetchone()
            app["draft"] = dict(draft) if draft else None
            return app

    def list_apps(self, org: str, limit: int, after: str) -> list[dict[str, Any]]:
        with self.store.transaction(write=False) as db:
            rows = db.execute(
                "SELECT * FROM ignite_apps WHERE org=? AND name>? ORDER BY name LIMIT ?", (org, after, limit)
            ).fetchall()
            return [dict(r) for r in rows]

    def delete_app(self, org: str, name: str) -> None:
        with self.store.transaction() as db:
            self._app(db, org, name)
            for table in ("ignite_apps", "ignite_drafts", "ignite_versions"):
                db.execute(f"DELETE FROM {table} WHERE org=? AND name=?", (org, name))

    # -- the draft ------------------------------------------------------------------------------------------
    def save_draft(
        self, org: str, name: str, runtime: dict[str, Any], code_kind: str, source: bytes
    ) -> dict[str, Any]:
        t = now_ms()
        digest = code_hash(source)
        runtime_json = json.dumps(runtime, sort_keys=True)
        with self.store.transaction() as db:
            self._app(db, org, name)
            cur = db.execute("SELECT * FROM ignite_drafts WHERE org=? AND name=?", (org, name)).fetchone()
            if cur is not None and cur["code_hash"] == digest and cur["runtime"] == runtime_json:
                return dict(cur)  # the same source again is not a change: status and compile result stay
            if cur is None:
                db.execute(
                    "INSERT INTO ignite_drafts (org, name, runtime, code_kind, source, code_hash, status, rev,"
                    " created_at_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                    (org, name, runtime_json, code_kind, source, digest, "DRAFT", 1, t),
                )
            else:
                db.execute(
                    "UPDATE ignite_drafts SET runtime=?, code_kind=?, source=?, code_hash=?, status='DRAFT',"
                    " error='', deploy_id='', rev=rev+1, compiled_rev=NULL, published_version=NULL,"
                    " created_at_ms=? WHERE org=? AND name=?",
                    (runtime_json, code_kind, source, digest, t, org, name),
                )
            db.execute("UPDATE ignite_apps SET updated_at_ms=? WHERE org=? AND name=?", (t, org, name))
            return dict(
                db.execute("SELECT * FROM ignite_drafts WHERE org=? AND name=?", (org, name)).fetchone()
            )

    def get_draft(self, org: str, name: str) -> dict[str, Any]:
        with self.store.transaction(write=False) as db:
            self._app(db, org, name)
            row = db.execute("SELECT * FROM ignite_drafts WHERE org=? AND name=?", (org, name)).fetchone()
            if row is None:
                raise not_found(f"app {org}/{name} has no draft; SaveDraft first")
            return dict(row)

    def begin_compile(self, org: str, name: str, *, done: bool) -> dict[str, Any]:
        """Mark the draft COMPILING (or COMPILED at once when `done`) under a new deploy id."""
        t = now_ms()
        deploy = f"deploy-{secrets.token_hex(3)}"
        with self.store.transaction() as db:
            self._app(db, org, name)
            row = db.execute("SELECT * FROM ignite_drafts WHERE org=? AND name=?", (org, name)).fetchone()
            if row is None:
                raise not_found(f"app {org}/{name} has no draft; SaveDraft first")
            if row["status"] == "COMPILING":
                raise failed_precondition(
                    f"the draft of {org}/{name} is already compiling ({row['deploy_id']})"
                )
            status = "COMPILED" if done else "COMPILING"
            db.execute(
                "UPDATE ignite_drafts SET status=?, error='', deploy_id=?, last_deployment_at_ms=?,"
                " compiled_rev=? WHERE org=? AND name=?",
                (status, deploy, t, row["rev"] if done else None, org, name),
            )
            return dict(
                db.execute("SELECT * FROM ignite_drafts WHERE org=? AND name=?", (org, name)).fetchone()
            )

    def finish_compile(self, org: str, name: str, deploy_id: str, rev: int, ok: bool, error: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE ignite_drafts SET status=?, error=?, compiled_rev=? WHERE org=? AND name=? AND deploy_id=?"
                " AND rev=?",
                ("COMPILED" if ok else "FAILED", error, rev if ok else None, org, name, deploy_id, rev),
            )

    def add_log(self, deploy_id: str, line: str) -> None:
        with self.store.transaction() as db:
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM ignite_compile_logs WHERE deploy_id=?", (deploy_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO ignite_compile_logs (deploy_id, seq, line, at_ms) VALUES (?,?,?,?)",
                (deploy_id, seq, line, now_ms()),
            )

    def logs(self, deploy_id: str, after: int) -> tuple[list[dict[str, Any]], str | None]:
        """Log lines after `after`, and the status of the draft compiling under `deploy_id` (None: unknown)."""
        with self.store.transaction(write=False) as db:
            rows = db.execute(
                "SELECT seq, line, at_ms FROM ignite_compile_logs WHERE deploy_id=? AND seq>? ORDER BY seq",
                (deploy_id, after),
            ).fetchall()
            draft = db.execute("SELECT status FROM ignite_drafts WHERE deploy_id=?", (deploy_id,)).fetchone()
            return [dict(r) for r in rows], (draft["status"] if draft else None)

    def publish(self, org: str, name: str) -> int:
        t = now_ms()
        with self.store.transaction() as db:
            app = self._app(db, org, name)
            d = db.execute("SELECT * FROM ignite_drafts WHERE org=? AND name=?", (org, name)).fetchone()
            if d is None:
                raise failed_precondition(f"app {org}/{name} has no draft to publish; SaveDraft first")
            if d["published_version"]:
                raise failed_precondition(
                    f"the draft of {org}/{name} is already published as version {d['published_version']};"
                    " save a change before publishing again"
                )
            rust = "rust" in json.loads(d["runtime"] or "{}")
            if rust and d["status"] == "FAILED":
                raise failed_precondition(f"the Rust draft of {org}/{name} failed to compile: {d['error']}")
            if rust and d["status"] == "COMPILING":
                raise failed_precondition(f"the Rust draft of {org}/{name} is still compiling")
            if rust and (d["status"] != "COMPILED" or d["compiled_rev"] != d["rev"]):
                raise failed_precondition(
                    f"the Rust draft of {org}/{name} has not been compiled: call CompileDraft first"
                )
            if d["code_kind"] != "CODE_KIND_SDK":
                raise failed_precondition(
                    "image drafts (BYOI, Kaniko or Buildpacks builds) cannot be published in the emulator"
                )
            version = int(app["latest_version"]) + 1
            db.execute(
                "UPDATE ignite_versions SET status='SUPERSEDED' WHERE org=? AND name=? AND status='ACTIVE'",
                (org, name),
            )
            db.execute(
                "INSERT INTO ignite_versions (org, name, version, status, runtime, code_kind, source, code_hash,"
                " tier, created_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    org,
                    name,
                    version,
                    "ACTIVE",
                    d["runtime"],
                    d["code_kind"],
                    d["source"],
                    d["code_hash"],
                    app["tier"],
                    t,
                ),
            )
            db.execute(
                "UPDATE ignite_apps SET active_version=?, latest_version=?, updated_at_ms=? WHERE org=? AND name=?",
                (version, version, t, org, name),
            )
            db.execute(
                "UPDATE ignite_drafts SET published_version=? WHERE org=? AND name=?", (version, org, name)
            )
        return version

    def rollback(self, org: str, name: str, target: int) -> int:
        t = now_ms()
        with self.store.transaction() as db:
            self._app(db, org, name)
            if target <= 0:
                raise bad_request("version must be a published version (1 or more)", [("version", ">= 1")])
            if not db.execute(
                "SELECT 1 FROM ignite_versions WHERE org=? AND name=? AND version=?", (org, name, target)
            ).fetchone():
                raise not_found(f"app {org}/{name} has no version {target}")
            db.execute(
                "UPDATE ignite_versions SET status='SUPERSEDED' WHERE org=? AND name=? AND status='ACTIVE'",
                (org, name),
            )
            db.execute(
                "UPDATE ignite_versions SET status='ACTIVE' WHERE org=? AND name=? AND version=?",
                (org, name, target),
            )
            db.execute(
                "UPDATE ignite_apps SET active_version=?, updated_at_ms=? WHERE org=? AND name=?",
                (target, t, org, name),
            )
        return target

    def list_versions(self, org: str, name: str) -> list[dict[str, Any]]:
        with self.store.transaction(write=False) as db:
            self._app(db, org, name)
            rows = db.execute(
                "SELECT org, name, version, status, runtime, code_kind, code_hash, tier, created_at_ms"
                " FROM ignite_versions WHERE org=? AND name=? ORDER BY version DESC",
                (org, name),
            ).fetchall()
            return [dict(r) for r in rows]

    def get_version(self, org: str, name: str, version: int) -> dict[str, Any]:
        with self.store.transaction(write=False) as db:
            self._app(db, org, name)
            row = db.execute(
                "SELECT * FROM ignite_versions WHERE org=? AND name=? AND version=?", (org, name, version)
            ).fetchone()
            if row is None:
                raise not_found(f"app {org}/{name} has no version {version}")
            return dict(row)

    # -- executions -----------------------------------------------------------------------------------------
    def create_execution(
        self, org: str, app: str, version: int, status: str = "RUNNING", error: str = ""
    ) -> str:
        eid = f"exec-{secrets.token_hex(6)}"
        t = now_ms()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO ignite_executions (id, org, app, version, status, error, created_at_ms, started_at_ms,"
                " finished_at_ms) VALUES (?,?,?,?,?,?,?,?,?)",
                (eid, org, app, version, status, error, t, t, t if status in TERMINAL_EXECUTION else 0),
            )
        return eid

    def finish_execution(
        self, eid: str, status: str, output: bytes, error: str, logs: list[dict[str, str]], location: Any
    ) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE ignite_executions SET status=?, output=?, error=?, logs=?, location=?, finished_at_ms=?"
                " WHERE id=? AND status='RUNNING'",
                (
                    status,
                    output,
                    error,
                    json.dumps(logs),
                    json.dumps(location) if location else "",
                    now_ms(),
                    eid,
                ),
            )

    def get_execution(self, eid: str) -> dict[str, Any]:
        with self.store.transaction(write=False) as db:
            row = db.execute("SELECT * FROM ignite_executions WHERE id=?", (eid,)).fetchone()
            if row is None:
                raise not_found(f"execution {eid} not found")
            return dict(row)

    def recover(self) -> int:
        """Executions left RUNNING by a process that stopped: FAILED."""
        stale = now_ms() - STALE_AFTER_MS
        with self.store.transaction() as db:
            return (
                db.execute(
                    "UPDATE ignite_executions SET status='FAILED', error=?, finished_at_ms=? WHERE status='RUNNING'"
                    " AND started_at_ms<?",
                    ("the emulator stopped while this execution was running", now_ms(), stale),
                ).rowcount
                + db.execute(
                    "UPDATE ignite_drafts SET status='FAILED', error=? WHERE status='COMPILING'"
                    " AND last_deployment_at_ms<?",
                    ("the emulator stopped while this draft was compiling", stale),
                ).rowcount
            )
