"""Go to definition, references, prepare rename and rename of bindings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.server.local import document

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RENAMABLE = frozenset({"input", "let", "step", "loop", "env", "enum", "enumVariant"})


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: ScriptumLanguageServer, params: types.DefinitionParams) -> types.Location | None:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return None
        hit = doc.reference_at(*doc.cp(params.position), definition=True)
        if hit is None:
            return None
        return types.Location(uri=doc.uri, range=doc.range(hit[1]))

    @ls.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: ScriptumLanguageServer, params: types.ReferenceParams) -> list[types.Location]:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return []
        hit = doc.analysis.reference_at(*doc.cp(params.position))
        if hit is None:
            return []
        binding = hit[0]
        spans = list(binding.references)
        if params.context.include_declaration:
            spans.insert(0, binding.definition)
        return [types.Location(uri=doc.uri, range=doc.range(s)) for s in spans]

    @ls.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: ScriptumLanguageServer, params: types.PrepareRenameParams) -> types.Range | None:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return None
        hit = doc.analysis.reference_at(*doc.cp(params.position))
        if hit is None or hit[0].kind not in RENAMABLE:
            return None
        return doc.range(hit[1])

    @ls.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def rename(ls: ScriptumLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return None
        hit = doc.analysis.reference_at(*doc.cp(params.position))
        if hit is None or hit[0].kind not in RENAMABLE:
            return None
        if not IDENT.match(params.new_name):
            raise ValueError(f"'{params.new_name}' is not a valid name")
        binding = hit[0]
        taken = {b.name for b in doc.analysis.bindings if b is not binding}
        if params.new_name in taken:
            raise ValueError(f"'{params.new_name}' is already used in this script")
        spans = [binding.definition, *binding.references]
        edits = [types.TextEdit(range=doc.range(s), new_text=params.new_name) for s in spans]
        return types.WorkspaceEdit(changes={doc.uri: edits})
