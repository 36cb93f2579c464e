"""textDocument/hover: tools (description and input schema from ListTools), bindings (kind and type),
built-in functions and model capabilities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.server.local import document
from scriptum_lsp.server.tools import describe_schema, tools

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ScriptumLanguageServer, params: types.HoverParams) -> types.Hover | None:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return None
        line, col = doc.cp(params.position)
        hit = doc.reference_at(line, col)
        if hit is not None:
            b, span = hit
            typ = f": {b.type}" if b.type else ""
            md = f"```scriptum\n{b.name}{typ}\n```\n{b.kind} binding"
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=md), range=doc.range(span)
            )
        word, start, end = doc.word_at(line, col)
        if not word:
            return None
        rng = types.Range(doc.position(line, start), doc.position(line, end))
        known = await tools(ls)
        tool = known.get(word)
        if tool is not None:
            parts = [f"**{word}** — tool" + (f" ({tool['kind']})" if tool.get("kind") else "")]
            if tool.get("description"):
                parts.append(str(tool["description"]))
            fields = describe_schema(tool.get("inputSchema") or {})
            if fields:
                parts.append("Inputs:\n" + "\n".join(fields))
            md = "\n\n".join(parts)
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=md), range=rng
            )
        from scriptum_lsp.language.builtins import BUILTINS

        spec = BUILTINS.get(word)
        if spec is not None:
            sig = f"{word}({', '.join(spec.params)}) -> {spec.returns}"
            md = f"```scriptum\n{sig}\n```\n{spec.description}"
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=md), range=rng
            )
        return None
