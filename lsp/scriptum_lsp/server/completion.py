"""textDocument/completion driven by the language core's `context_at`: verbs, types, tools, tool input
fields, bound names, enum variants, env keys and built-in functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.server.local import Doc, document
from scriptum_lsp.server.tools import tools

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

K = types.CompletionItemKind
CONSTRAINTS = ("range", "length", "min", "max", "min_items", "max_items", "unique", "pattern")
ASK_FIELDS = ("prompt", "options", "timeout", "input")
AGENT_FIELDS = ("goal", "tools", "model", "max_steps", "prompt")
BINDING_KIND = {
    "input": K.Field,
    "let": K.Variable,
    "step": K.Variable,
    "loop": K.Variable,
    "env": K.Constant,
}


def _item(
    label: str, kind: types.CompletionItemKind, detail: str | None = None, doc: str | None = None
) -> types.CompletionItem:
    return types.CompletionItem(
        label=label,
        kind=kind,
        detail=detail,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc) if doc else None,
    )


def _keywords(words: Any) -> list[types.CompletionItem]:
    return [_item(w, K.Keyword) for w in sorted(words)]


async def items_for(ls: ScriptumLanguageServer, doc: Doc, line: int, col: int) -> list[types.CompletionItem]:
    from scriptum_lsp.language.builtins import BUILTINS
    from scriptum_lsp.language.catalog import MODEL_CAPABILITIES
    from scriptum_lsp.language.lines import DECL_WORDS, STEP_VERBS
    from scriptum_lsp.language.types import TYPE_WORDS

    a, line, _mapped = doc.answering(line, patch_line=True)
    ctx = a.context_at(line, col)
    kind = ctx.kind
    out: list[types.CompletionItem] = []
    if kind == "top-level":
        out += _keywords(DECL_WORDS | STEP_VERBS)
    elif kind == "step-verb":
        out += _keywords(STEP_VERBS)
    elif kind == "type":
        out += [_item(t, K.TypeParameter) for t in TYPE_WORDS]
        out += [_item(name, K.Enum, "enum") for name in a.enums]
    elif kind == "constraint":
        out += [_item(c, K.Function, "constraint") for c in CONSTRAINTS]
    elif kind in ("import", "after-with"):
        known = await tools(ls)
        if kind == "after-with":
            names = {*a.imported_tools, *MODEL_CAPABILITIES}
            out += [
                _item(n, K.Module, "tool", str(known.get(n, {}).get("description") or ""))
                for n in sorted(names)
            ]
        else:
            out += [
                _item(n, K.Module, "tool", str(t.get("description") or "")) for n, t in sorted(known.items())
            ]
            out += _keywords({"from", "native", "mcp"})
    elif kind == "tool-input" and ctx.tool:
        known = await tools(ls)
        schema = (known.get(ctx.tool) or {}).get("inputSchema") or {}
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = set(schema.get("required") or [])
        for name, prop in (props or {}).items():
            if name in ctx.given:
                continue
            prop = prop if isinstance(prop, dict) else {}
            typ = prop.get("type", "any")
            detail = f"{typ}{' (required)' if name in required else ''}"
            item = _item(name, K.Field, detail, str(prop.get("description") or "") or None)
            item.insert_text = f"{name} = "
            item.sort_text = f"{0 if name in required else 1}{name}"
            out.append(item)
        out += _keywords({"on"})
    elif kind == "emit-field":
        out += [_item(f, K.Field, "output field") for f in ctx.fields]
    elif kind == "ask-field":
        out += [_item(f, K.Field) for f in ASK_FIELDS]
    elif kind == "agent-field":
        out += [_item(f, K.Field) for f in AGENT_FIELDS]
    elif kind == "env-key":
        out += [_item(k, K.Constant, "env") for k in a.env_keys]
    elif kind == "field-access":
        head = ctx.path[0] if ctx.path else ""
        if head in a.enums:
            out += [_item(str(v), K.EnumMember, head) for v in a.enums[head]]
        else:
            out += [
                _item(n, K.Method, spec.returns, spec.description)
                for n, spec in BUILTINS.items()
                if spec.method
            ]
    elif kind in ("expression", "interpolation", "check-clause", "decide-clause"):
        for name, bkind, typ in a.names_visible_at(line, col):
            out.append(_item(name, BINDING_KIND.get(bkind, K.Variable), f"{bkind}: {typ}" if typ else bkind))
        if kind != "interpolation":
            out += [
                _item(n, K.Function, f"({', '.join(s.params)}) -> {s.returns}", s.description)
                for n, s in BUILTINS.items()
                if not s.method
            ]
            for enum, variants in a.enums.items():
                out += [_item(str(v), K.EnumMember, enum) for v in variants]
            out += _keywords({"true", "false", "null", "and", "or", "not", "env"})
    return out


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "{"]))
    async def completion(ls: ScriptumLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return types.CompletionList(is_incomplete=False, items=[])
        line, col = doc.cp(params.position)
        return types.CompletionList(is_incomplete=False, items=await items_for(ls, doc, line, col))
