"""Version commands: list, open (file or virtual document), roll back, restore into the buffer; and the
`scriptum/versionContent` request behind virtual version documents."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from lsprotocol import types

from scriptum_lsp.api.errors import NotFound
from scriptum_lsp.engine import runs
from scriptum_lsp.server import cmd_docs
from scriptum_lsp.server.cmd_args import CommandError, optional_int, require_int, require_str
from scriptum_lsp.server.commands.common import (
    CommandState,
    Server,
    cache_dir,
    caps,
    encoding,
    info,
    organization,
    params_dict,
    refresh_lenses,
    script_name,
    show_document,
    snapshot,
    status_word,
    wants_virtual_documents,
)


async def list_versions(ls: Server, name: str) -> tuple[list[dict[str, Any]], int]:
    """Versions of a script (oldest first) and its active version."""
    api = ls.engine.client()
    listing, script = await asyncio.gather(api.list_versions(name), api.get_script(name))
    active = runs.int_or_none(script.get("activeVersion")) or 0
    versions: list[dict[str, Any]] = []
    for v in listing.get("versions") or ():
        number = runs.int_or_none(v.get("version")) or 0
        status = status_word(v.get("status"), "SCRIPT_VERSION_STATUS_")
        versions.append(
            {
                "version": number,
                "status": status,
                "createdAtMs": runs.int_or_none(v.get("createdAtMs")),
                "publishedAtMs": runs.int_or_none(v.get("publishedAtMs")),
                "active": number == active if active else status == "ACTIVE",
            }
        )
    versions.sort(key=lambda v: v["version"])
    return versions, active


async def version_source(ls: Server, name: str, version: int) -> str:
    if version <= 0:
        raise CommandError(
            f"version must be a published version number (1 or more), got {version}", kind="invalid-arguments"
        )
    try:
        code = await ls.engine.client().get_code(name, version)
    except NotFound:
        raise CommandError(f"{name} has no version {version}", kind="unknown-version") from None
    text = code.get("dslContent")
    if not isinstance(text, str):
        raise CommandError(f"version {version} of {name} has no DSL source", kind="unknown-version")
    return text


async def cmd_list_versions(ls: Server, state: CommandState, values: dict[str, Any]) -> list[dict[str, Any]]:
    name = script_name(ls, require_str(values, "uri"))
    versions, active = await list_versions(ls, name)
    state.script_info[name] = (time.monotonic(), active)
    return versions


async def cmd_open_version(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    name = script_name(ls, require_str(values, "uri"))
    version = require_int(values, "version")
    text = await version_source(ls, name, version)
    if wants_virtual_documents(ls, values):
        uri = cmd_docs.version_uri(name, version)
    else:
        path = cmd_docs.version_file(cache_dir(ls), organization(ls), name, version)
        uri = cmd_docs.write_readonly(path, text).as_uri()
    shown = show_document(ls, uri)
    return {"uri": uri, "script": name, "version": version, "shown": shown}


async def cmd_rollback(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    name = script_name(ls, require_str(values, "uri"))
    version = optional_int(values, "version", 0) or 0
    if version < 0:
        raise CommandError(
            f"version must be 0 (previous active) or a version number, got {version}",
            kind="invalid-arguments",
        )
    try:
        response = await ls.engine.client().rollback(name, version)
    except NotFound:
        raise CommandError(
            f"{name} has no version {version} to roll back to", kind="unknown-version"
        ) from None
    active = runs.int_or_none(response.get("activeVersion")) or 0
    state.forget_script(name)
    info(ls, f"{name}: active version is now v{active}")
    refresh_lenses(ls)
    return {"activeVersion": active}


async def cmd_restore_version(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = script_name(ls, uri)
    version = require_int(values, "version")
    snap = snapshot(ls, uri)
    text = await version_source(ls, name, version)
    line, character = cmd_docs.document_end(snap.text, encoding(ls))
    edit = types.TextEdit(
        range=types.Range(types.Position(0, 0), types.Position(line, character)), new_text=text
    )
    ws_caps = caps(ls).workspace
    if ws_caps and ws_caps.workspace_edit and ws_caps.workspace_edit.document_changes:
        workspace_edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=snap.version
                    ),
                    edits=[edit],
                )
            ]
        )
    else:
        workspace_edit = types.WorkspaceEdit(changes={uri: [edit]})
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=workspace_edit, label=f"Restore {name} v{version}")
    )
    if not result.applied:
        reason = result.failure_reason or "the editor refused the edit"
        raise CommandError(f"Could not restore {name} v{version}: {reason}", kind="edit-refused")
    return {"applied": True, "version": version}


async def version_content(ls: Server, params: Any) -> str:
    """`scriptum/versionContent`: the source of a version, by virtual-document URI or (script, version)."""
    values = params_dict(params)
    parsed = cmd_docs.parse_version_uri(str(values.get("uri") or ""))
    if parsed is not None:
        name, version = parsed
    else:
        name = require_str(values, "script")
        version = require_int(values, "version")
    return await version_source(ls, name, version)
