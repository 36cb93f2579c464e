"""textDocument/completion: the language core's `completions_for` (language/features.py) mapped to LSP items.
The tool table (ListTools, else the catalog) is fetched only for the contexts that need it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.server.local import Doc, document
from scriptum_lsp.server.tools import tools

if TYPE_CHECKING:
    from scriptum_lsp.language.features import Completion
    from scriptum_lsp.server.app import ScriptumLanguageServer

K = types.CompletionItemKind
KINDS = {
    "keyword": K.Keyword,
    "type": K.TypeParameter,
    "enum": K.Enum,
    "enum-member": K.EnumMember,
    "field": K.Field,
    "variable": K.Variable,
    "constant": K.Constant,
    "function": K.Function,
    "method": K.Method,
    "module": K.Module,
}


def to_lsp(c: Completion) -> types.CompletionItem:
    return types.CompletionItem(
        label=c.label,
        kind=KINDS.get(c.kind, K.Text),
        detail=c.detail,
        documentation=(
            types.MarkupContent(kind=types.MarkupKind.Markdown, value=c.documentation)
            if c.documentation
            else None
        ),
        insert_text=c.insert_text,
        sort_text=c.sort_text,
    )


async def items_for(ls: ScriptumLanguageServer, doc: Doc, line: int, col: int) -> list[types.CompletionItem]:
    from scriptum_lsp.language.features import TOOL_CONTEXTS, completions_for  # lazy: start-up time

    a, line, _mapped = doc.answering(line, patch_line=True)
    ctx = a.context_at(line, col)
    known = await tools(ls) if ctx.kind in TOOL_CONTEXTS else {}
    return [to_lsp(c) for c in completions_for(a, ctx, line, col, known)]


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "{"]))
    async def completion(ls: ScriptumLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return types.CompletionList(is_incomplete=False, items=[])
        line, col = doc.cp(params.position)
        return types.CompletionList(is_incomplete=False, items=await items_for(ls, doc, line, col))
