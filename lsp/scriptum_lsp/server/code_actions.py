"""Code actions: "did you mean" replacements (preferred quick fixes), `source.fixAll.scriptum`, creating a
missing script, resolving a remote-draft conflict, plus the commands module's source actions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.core.text import split_lines
from scriptum_lsp.engine.model import EditorDiagnostic
from scriptum_lsp.server import convert

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

log = logging.getLogger(__name__)
FIX_ALL = "source.fixAll.scriptum"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL, "source.scriptum.publish", "source.scriptum.test"]


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def _overlaps(d: EditorDiagnostic, line0: int, line1: int) -> bool:
    return d.line <= line1 and d.end_line >= line0


def fix_edits(ls: ScriptumLanguageServer, uri: str, diags: list[EditorDiagnostic]) -> list[types.TextEdit]:
    doc = ls.engine.docs.get(uri)
    if doc is None:
        return []
    lines = split_lines(doc.text)
    edits: list[types.TextEdit] = []
    seen: set[tuple[int, int, int]] = set()
    for d in diags:
        data = d.data or {}
        suggestion = data.get("suggestion")
        replaces = data.get("replaces")
        if not isinstance(suggestion, str) or not isinstance(replaces, str) or d.line >= len(lines):
            continue
        if d.end_line != d.line or lines[d.line][d.start : d.end] != replaces:
            continue  # never edit text the fix did not mean to touch
        if (d.line, d.start, d.end) in seen:
            continue
        seen.add((d.line, d.start, d.end))
        rng = convert.lsp_range(lines, d.line, d.start, d.line, d.end, ls.engine.position_encoding)
        edits.append(types.TextEdit(range=rng, new_text=suggestion))
    return edits


def code_actions(ls: ScriptumLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    doc = ls.engine.docs.get(uri)
    if doc is None:
        return []
    only = params.context.only
    all_diags = ls.engine.diagnostics(uri)
    line0, line1 = params.range.start.line, params.range.end.line
    here = [d for d in all_diags if _overlaps(d, line0, line1)]
    lines = split_lines(doc.text)
    enc = ls.engine.position_encoding
    out: list[types.CodeAction] = []
    if _wanted(only, types.CodeActionKind.QuickFix):
        for d in here:
            data = d.data or {}
            lsp_diag = convert.diagnostic(d, lines, enc)
            suggestion = data.get("suggestion")
            if isinstance(suggestion, str):
                edits = fix_edits(ls, uri, [d])
                if edits:
                    current = lines[d.line][d.start : d.end]
                    out.append(
                        types.CodeAction(
                            title=f"Replace '{current}' with '{suggestion}'",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp_diag],
                            is_preferred=True,
                            edit=types.WorkspaceEdit(changes={uri: edits}),
                        )
                    )
            if d.code == "missing-script":
                name = str(data.get("createScript") or ls.engine.script_name(uri))
                out.append(
                    types.CodeAction(
                        title=f"Create script '{name}'",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp_diag],
                        is_preferred=True,
                        command=types.Command(
                            title=f"Create script '{name}'",
                            command="scriptum.createScript",
                            arguments=[{"uri": uri}],
                        ),
                    )
                )
            if d.code == "remote-draft-changed":
                for title, command in (
                    ("Overwrite the remote draft with this buffer", "scriptum.overwriteDraft"),
                    ("Open the remote draft", "scriptum.openRemoteDraft"),
                ):
                    out.append(
                        types.CodeAction(
                            title=title,
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp_diag],
                            command=types.Command(title=title, command=command, arguments=[{"uri": uri}]),
                        )
                    )
    if _wanted(only, FIX_ALL) and (only or any((d.data or {}).get("suggestion") for d in all_diags)):
        edits = fix_edits(ls, uri, all_diags)
        if edits:
            out.append(
                types.CodeAction(
                    title="Apply all Scriptum suggestions",
                    kind=FIX_ALL,
                    edit=types.WorkspaceEdit(changes={uri: edits}),
                )
            )
    out += _source_actions(ls, uri, only)
    return out


def _source_actions(
    ls: ScriptumLanguageServer, uri: str, only: Sequence[str] | None
) -> list[types.CodeAction]:
    try:
        from scriptum_lsp.server import commands

        provider: Any = getattr(commands, "source_actions", None)
        if provider is None:
            return []
        actions = list(provider(ls, uri))
    except Exception:
        log.exception("source actions failed")
        return []
    return [a for a in actions if isinstance(a, types.CodeAction) and _wanted(only, str(a.kind or ""))]


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=KINDS))
    def on_code_action(ls: ScriptumLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls, params)
