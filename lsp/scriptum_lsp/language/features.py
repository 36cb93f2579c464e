"""Editor facts as neutral items: what completion offers at a position and what hover shows for a word.

The server only maps these to LSP types. Every fact comes from the language's own tables (the checker's
constraint and verb-field tables, the built-ins, the type words, the verbs), so what completion offers is
what the checker accepts. Tools are passed in (`ToolTable`: name -> ListTools entry with `description`,
`kind`, `inputSchema`), because the endpoint's catalog may differ from the built-in one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .analysis import Analysis, Context
from .builtins import BUILTINS
from .catalog import MODEL_CAPABILITIES
from .checker import CONSTRAINTS, VERB_FIELDS
from .lines import DECL_WORDS, STEP_VERBS
from .types import TYPE_WORDS

ToolTable = Mapping[str, Mapping[str, Any]]

# completion contexts that need the tool table (the server fetches it only for these)
TOOL_CONTEXTS = frozenset({"import", "after-with", "tool-input"})
BINDING_KIND = {
    "input": "field",
    "let": "variable",
    "step": "variable",
    "loop": "variable",
    "env": "constant",
}
EXPRESSION_KEYWORDS = ("and", "env", "false", "not", "null", "or", "true")


@dataclass(frozen=True)
class Completion:
    """One completion item. `kind`: keyword, type, enum, enum-member, field, variable, constant, function,
    method, module."""

    label: str
    kind: str
    detail: str | None = None
    documentation: str | None = None  # Markdown
    insert_text: str | None = None
    sort_text: str | None = None


def _keywords(words: Iterable[str]) -> list[Completion]:
    return [Completion(w, "keyword") for w in sorted(words)]


def _top_level(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return _keywords(DECL_WORDS | STEP_VERBS)


def _step_verb(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return _keywords(STEP_VERBS)


def _type(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return [Completion(t, "type") for t in TYPE_WORDS] + [Completion(n, "enum", "enum") for n in a.enums]


def _constraint(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return [Completion(c, "function", "constraint") for c in CONSTRAINTS]


def _tool_item(name: str, tool: Mapping[str, Any] | None) -> Completion:
    return Completion(name, "module", "tool", str((tool or {}).get("description") or ""))


def _import(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return [_tool_item(n, t) for n, t in sorted(tools.items())] + _keywords({"from", "native", "mcp"})


def _after_with(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return [_tool_item(n, tools.get(n)) for n in sorted({*a.imported_tools, *MODEL_CAPABILITIES})]


def _tool_input(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    if not ctx.tool:
        return []
    schema = (tools.get(ctx.tool) or {}).get("inputSchema") or {}
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (props or {}).items():
        if name in ctx.given:
            continue
        prop = prop if isinstance(prop, dict) else {}
        detail = f"{prop.get('type', 'any')}{' (required)' if name in required else ''}"
        out.append(
            Completion(
                name,
                "field",
                detail,
                str(prop.get("description") or "") or None,
                insert_text=f"{name} = ",
                sort_text=f"{0 if name in required else 1}{name}",
            )
        )
    return out + _keywords({"on"})


def _emit_field(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return [Completion(f, "field", "output field") for f in ctx.fields]


def verb_field_items(verb: str, given: Iterable[str] = ()) -> list[Completion]:
    """The fields of a built-in verb (`ask`, `agent`, `plan`) the checker knows; required ones first."""
    known, required, _open = VERB_FIELDS[verb]
    skip = set(given)
    return [
        Completion(
            f,
            "field",
            f"{verb} field (required)" if f in required else f"{verb} field",
            insert_text=f"{f} = ",
            sort_text=f"{0 if f in required else 1}{f}",
        )
        for f in known
        if f not in skip
    ]


def _ask_field(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return verb_field_items("ask", ctx.given)


def _agent_field(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    verb = ctx.tool if ctx.tool is not None and ctx.tool in VERB_FIELDS else "agent"
    return verb_field_items(verb, ctx.given)


def _env_key(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    return [Completion(k, "constant", "env") for k in a.env_keys]


def _field_access(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    head = ctx.path[0] if ctx.path else ""
    if head in a.enums:
        return [Completion(str(v), "enum-member", head) for v in a.enums[head]]
    return [Completion(n, "method", s.returns, s.description) for n, s in BUILTINS.items() if s.method]


def _expression(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    out = [
        Completion(name, BINDING_KIND.get(bkind, "variable"), f"{bkind}: {typ}" if typ else bkind)
        for name, bkind, typ in a.names_visible_at(line, col)
    ]
    if ctx.kind == "interpolation":
        return out
    out += [
        Completion(n, "function", f"({', '.join(s.params)}) -> {s.returns}", s.description)
        for n, s in BUILTINS.items()
        if not s.method
    ]
    for enum, variants in a.enums.items():
        out += [Completion(str(v), "enum-member", enum) for v in variants]
    return out + _keywords(EXPRESSION_KEYWORDS)


Provider = Callable[[Analysis, Context, int, int, ToolTable], list[Completion]]
PROVIDERS: Mapping[str, Provider] = {
    "top-level": _top_level,
    "step-verb": _step_verb,
    "type": _type,
    "constraint": _constraint,
    "import": _import,
    "after-with": _after_with,
    "tool-input": _tool_input,
    "emit-field": _emit_field,
    "ask-field": _ask_field,
    "agent-field": _agent_field,
    "env-key": _env_key,
    "field-access": _field_access,
    "expression": _expression,
    "interpolation": _expression,
    "check-clause": _expression,
    "decide-clause": _expression,
}


def completions_for(a: Analysis, ctx: Context, line: int, col: int, tools: ToolTable) -> list[Completion]:
    """What to offer in context `ctx` (from `a.context_at(line, col)`)."""
    provider = PROVIDERS.get(ctx.kind)
    return provider(a, ctx, line, col, tools) if provider is not None else []


def completions_at(a: Analysis, line: int, col: int, tools: ToolTable | None = None) -> list[Completion]:
    return completions_for(a, a.context_at(line, col), line, col, tools or {})


# --- hover ---------------------------------------------------------------------------------------------------


def describe_schema(schema: Mapping[str, Any]) -> list[str]:
    """Markdown lines: one per input field with type, required flag and description."""
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (props or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        typ = prop.get("type", "any")
        if isinstance(typ, list):
            typ = " | ".join(str(t) for t in typ)
        req = " (required)" if name in required else ""
        desc = f" — {prop['description']}" if prop.get("description") else ""
        enum = f" one of {', '.join(map(str, prop['enum']))}" if isinstance(prop.get("enum"), list) else ""
        out.append(f"- `{name}`: {typ}{req}{enum}{desc}")
    return out


def binding_hover(name: str, kind: str, type_text: str | None) -> str:
    """Markdown for a bound name (input, let, step, loop variable, env)."""
    typ = f": {type_text}" if type_text else ""
    return f"```scriptum\n{name}{typ}\n```\n{kind} binding"


def word_hover(word: str, tools: ToolTable) -> str | None:
    """Markdown for a tool or a built-in function named `word`, else None."""
    tool = tools.get(word)
    if tool is not None:
        parts = [f"**{word}** — tool" + (f" ({tool['kind']})" if tool.get("kind") else "")]
        if tool.get("description"):
            parts.append(str(tool["description"]))
        fields = describe_schema(tool.get("inputSchema") or {})
        if fields:
            parts.append("Inputs:\n" + "\n".join(fields))
        return "\n\n".join(parts)
    spec = BUILTINS.get(word)
    if spec is not None:
        return f"```scriptum\n{word}({', '.join(spec.params)}) -> {spec.returns}\n```\n{spec.description}"
    return None
