"""The per-document pipeline: debounce, SaveScriptDraft + CompileScriptDraft, conflicts, degraded modes.

The engine knows nothing of pygls. It talks to its host (the language server) through `Host`:
`publish(uri)` when a document's diagnostics may have changed, `show(...)` for user messages,
`status(...)` for the `scriptum/status` notification, `log(...)`.

Rules it keeps:
* per document: one debounce timer; per script: at most one save+compile in flight (a newer version
  cancels the older request);
* identical content is never sent twice (content-hash cache);
* a result is only applied if the document still has the version it was computed from;
* someone else's draft is never overwritten silently (GetDraftInfo compared with what we saved).
"""

from __future__ import annotations

from scriptum_lsp.engine.documents import EngineDocuments
from scriptum_lsp.engine.pipeline import CONFLICT_RECHECK_S
from scriptum_lsp.engine.session import MAX_CONCURRENT_AUTOMATIC_RUNS, Host, uri_to_path

__all__ = ["CONFLICT_RECHECK_S", "MAX_CONCURRENT_AUTOMATIC_RUNS", "Engine", "Host", "uri_to_path"]


class Engine(EngineDocuments):
    """The engine facade the server holds. Its parts, each a base class in its own module:
    `session.EngineSession` (settings, client, workspace, status) <- `pipeline.EnginePipeline` (save + compile,
    conflicts, retry, the commands' facade) <- `documents.EngineDocuments` (open/change/close, diagnostics);
    `persisted.SentStore` keeps what was sent across restarts."""
