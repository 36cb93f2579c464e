"""Completion offers what the checker accepts: every field completion offers compiles without an unknown-field
error, every required field is offered, and what completion leaves out is what the checker rejects."""

from __future__ import annotations

import pytest

from scriptum_lsp.language import analyze, compile_source
from scriptum_lsp.language.catalog import TOOLS
from scriptum_lsp.language.checker import VERB_FIELDS
from scriptum_lsp.language.features import completions_at, word_hover

VALUES = {
    "prompt": '"?"', "options": '["a"]', "type": '"text"', "default": '"a"', "timeout": '"5m"',
    "max_retries": "2", "task": '"t"', "tools": '["echo"]', "system": '"s"', "max_iterations": "3",
    "temperature": "0.5", "max_tokens": "100", "model": '"m"', "context": '"c"', "max_steps": "4",
    "validate": "true",
}  # fmt: skip
HEADS = {"ask": 'ask "A"', "agent": 'agent "A" with llm', "plan": 'plan "P" with llm'}


def _script(verb: str, fields: list[str]) -> str:
    body = "".join(f"  {f} = {VALUES[f]}\n" for f in fields)
    return f'script "T"\n{HEADS[verb]}\n{body}'


def _codes(source: str, code: str) -> list[str]:
    return [d.message for d in compile_source(source).diagnostics if d.code == code]


def _offered(verb: str) -> dict[str, str | None]:
    source = f'script "T"\n{HEADS[verb]}\n  \n'
    return {c.label: c.sort_text for c in completions_at(analyze(source), 2, 2) if c.kind == "field"}


@pytest.mark.parametrize("verb", sorted(VERB_FIELDS))
def test_every_offered_field_is_accepted(verb: str) -> None:
    offered = _offered(verb)
    assert offered, f"no field offered in a {verb} body"
    source = _script(verb, sorted(offered))
    assert _codes(source, "unknown-field") == []
    assert _codes(source, "missing-field") == []


@pytest.mark.parametrize("verb", sorted(VERB_FIELDS))
def test_required_fields_are_offered_first(verb: str) -> None:
    offered = _offered(verb)
    missing = _codes(_script(verb, []), "missing-field")
    required = {m.split("'")[1] for m in missing}
    assert required, f"{verb} has no required field?"
    assert required <= set(offered)
    assert all((offered[f] or "").startswith("0") for f in required)
    assert all((offered[f] or "").startswith("1") for f in set(offered) - required)


def test_a_field_not_offered_is_rejected_for_closed_verbs() -> None:
    # the fields the old completion lists offered and the checker does not know
    assert _codes('script "T"\nask "A"\n  prompt = "?"\n  input = 1\n', "unknown-field")
    assert "goal" not in _offered("agent") and "task" in _offered("agent")


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_every_offered_tool_input_is_accepted(tool: str) -> None:
    spec = TOOLS[tool]
    tools = {tool: {"description": spec.description, "inputSchema": spec.input_schema}}
    head = f'script "T"\nimport tools\n  {tool} from native\ndo "S" with {tool}\n'
    offered = [c.label for c in completions_at(analyze(head + "  \n"), 4, 2, tools) if c.kind == "field"]
    props = (spec.input_schema or {}).get("properties") or {}
    assert set(offered) == set(props)
    if offered:
        source = head + "".join(f"  {name} = 1\n" for name in offered)
        assert _codes(source, "unknown-field") == []


def test_hover_text_for_tools_and_builtins() -> None:
    name = sorted(TOOLS)[0]
    md = word_hover(name, {name: {"description": "does things", "kind": "native", "inputSchema": {}}})
    assert md is not None and "does things" in md and "(native)" in md
    assert word_hover("no_such_word", {}) is None
