"""analyze(): outline, folding, semantic tokens, bindings, scopes, tool calls and cursor context."""

from __future__ import annotations

import textwrap

from scriptum_lsp.language import Span, analyze

SOURCE = textwrap.dedent(
    """\
    -- @accepts_extension pdf
    script "Outline"
    A description.
    enum Tier = Free | Pro
    input
      query : text
      tier : Tier = Free
    import tools
      web_search from native
    env
      KEY = "k"
    ### Search ###
    do "Search" with web_search
      query = query
      max_results = 3
    -> results
    each hit, i in results.results
      let title = hit?.title
    -> titles
    decide "D" with rules
      when count(titles) > 0 -> "Some"
      otherwise -> "None"
      "Some":
        let note = "found"
      "None":
        let note = "none"
    emit
      x = note
    on thread error
      emit
        x = error.message
    """
)


def test_outline() -> None:
    a = analyze(SOURCE)
    (script,) = a.symbols
    assert (script.kind, script.name, script.detail) == ("script", "Outline", "A description.")
    kinds = [(c.kind, c.name) for c in script.children]
    assert kinds == [
        ("enum", "Tier"), ("block", "input"), ("block", "import tools"), ("block", "env"), ("section", "Search"),
        ("step", "Search"), ("step", "each"), ("step", "D"), ("step", "emit"), ("handler", "on thread error"),
    ]  # fmt: skip
    each = script.children[6]
    assert each.detail == "each -> titles"
    assert [(c.kind, c.name) for c in each.children] == [("binding", "let title")]
    decide = script.children[7]
    assert [(c.kind, c.name) for c in decide.children] == [("branch", "Some"), ("branch", "None")]
    assert script.children[5].selection_span == Span(12, 3, 12, 11)
    assert script.children[5].span == Span(12, 0, 15, 10)


def test_folds() -> None:
    a = analyze(SOURCE)
    assert (4, 6) in a.folds  # input block
    assert (12, 15) in a.folds  # do step with its binding
    assert (11, 30) in a.folds  # section up to the end
    assert (19, 25) in a.folds  # decide
    assert (28, 30) in a.folds  # handler


def test_semantic_tokens() -> None:
    a = analyze(SOURCE)
    by_pos = {(line, col): (length, kind, mods) for line, col, length, kind, mods in a.tokens}
    assert by_pos[(0, 0)][1] == "decorator"
    assert by_pos[(1, 0)][:2] == (6, "keyword")
    assert (2, 0) not in by_pos  # description text is not code
    assert by_pos[(3, 5)] == (4, "type", frozenset({"declaration"}))
    assert by_pos[(3, 12)][1] == "enumMember"
    assert by_pos[(5, 2)] == (5, "parameter", frozenset({"declaration"}))
    assert by_pos[(5, 10)][1] == "type"
    assert by_pos[(10, 2)] == (3, "variable", frozenset({"declaration", "readonly"}))
    assert by_pos[(11, 0)][1] == "namespace"
    assert by_pos[(12, 17)] == (10, "function", frozenset())
    assert by_pos[(13, 2)][1] == "property"
    assert by_pos[(13, 10)][1] == "parameter"  # the input `query`
    assert by_pos[(14, 16)][1] == "number"
    assert by_pos[(15, 3)] == (7, "variable", frozenset({"declaration"}))
    assert by_pos[(20, 7)] == (5, "function", frozenset({"defaultLibrary"}))
    assert by_pos[(17, 19)][1] == "property"
    positions = [(t[0], t[1]) for t in a.tokens]
    assert positions == sorted(positions)


def test_bindings_and_references() -> None:
    a = analyze(SOURCE)
    results = next(b for b in a.bindings if b.name == "results")
    assert results.kind == "step" and results.definition == Span(15, 3, 15, 10)
    assert results.references == [Span(16, 15, 16, 22)]
    assert a.binding_at(16, 17) is results
    ref = a.reference_at(16, 15)
    assert ref is not None and ref[1] == Span(16, 15, 16, 22)
    query = next(b for b in a.bindings if b.name == "query")
    assert query.kind == "input" and query.type == "text" and query.references == [Span(13, 10, 13, 15)]
    tier = next(b for b in a.bindings if b.name == "Tier")
    assert tier.kind == "enum" and tier.references == [Span(6, 9, 6, 13)]
    assert {b.name for b in a.bindings if b.kind == "enumVariant"} == {"Free", "Pro"}
    note = [b for b in a.bindings if b.name == "note"]
    assert len(note) == 2  # one per decide branch
    assert a.imported_tools == {"web_search": "native"}
    assert a.env_keys == ["KEY"]
    assert a.enums == {"Tier": ["Free", "Pro"]}


def test_names_visible_at() -> None:
    a = analyze(SOURCE)
    inside_loop = a.names_visible_at(17, 14)
    names = [n for n, _k, _t in inside_loop]
    assert names[:2] == ["hit", "i"]  # loop variables first
    assert "results" in names and "query" in names and "KEY" in names
    assert "titles" not in names  # bound after the loop
    after = [n for n, _k, _t in a.names_visible_at(26, 6)]
    assert "hit" not in after and "title" not in after
    assert {"titles", "note", "results"} <= set(after)
    kinds = {n: k for n, k, _t in a.names_visible_at(26, 6)}
    assert kinds["query"] == "input" and kinds["note"] == "let" and kinds["results"] == "step"


def test_tool_call_at() -> None:
    a = analyze(SOURCE)
    assert a.tool_call_at(13, 4) == ("web_search", {"query", "max_results"})
    assert a.tool_call_at(20, 4) is None


def test_context_at() -> None:
    a = analyze(SOURCE)
    assert a.context_at(0, 5).kind == "annotation"
    assert a.context_at(12, 17).kind == "after-with"
    ctx = a.context_at(13, 2)
    assert (ctx.kind, ctx.tool) == ("tool-input", "web_search")
    assert a.context_at(13, 12).kind == "expression"
    assert a.context_at(5, 10).kind == "type"
    assert a.context_at(8, 4).kind == "import"
    assert a.context_at(16, 26).kind == "field-access"
    assert a.context_at(16, 26).path == ("results",)
    assert a.context_at(16, 26).fields == ("results",)  # web_search output fields
    assert a.context_at(20, 28).kind == "branch-target"
    assert a.context_at(13, 0).kind == "tool-input"
    assert a.context_at(27, 2).kind == "emit-field"
    assert a.context_at(3, 2).kind == "top-level"


def test_context_while_typing() -> None:
    src = 'script "T"\nimport tools\n  http_request from native\ndo "F" with http_request\n  u\n\nlet x = env(\n'
    a = analyze(src)
    ctx = a.context_at(4, 3)
    assert (ctx.kind, ctx.tool, ctx.prefix) == ("tool-input", "http_request", "u")
    assert a.tool_call_at(4, 3) == ("http_request", set())
    assert a.context_at(5, 0).kind == "step-verb"
    assert a.context_at(6, 12).kind == "env-key"
    inline = analyze('script "T"\ndo a with http_request(url: "x", \n')
    ctx = inline.context_at(1, 34)
    assert (ctx.kind, ctx.tool, ctx.given) == ("tool-input", "http_request", frozenset({"url"}))
    assert analyze('script "T"\nlet s = "abc {x').context_at(1, 15).kind == "interpolation"
    assert analyze('script "T"\nlet s = "abc').context_at(1, 11).kind == "string"
    assert analyze('script "T"\nlet s = 1 -- hi').context_at(1, 14).kind == "comment"
    assert analyze('script "T"\ncheck "C" 1 > 0\n  on fail: goto ').context_at(2, 16).kind == "goto-target"


def test_diagnostics_and_lazy_result_match_compile_source() -> None:
    from scriptum_lsp.language import compile_source

    src = SOURCE + "let broken = nope\n"
    a = analyze(src)
    full = compile_source(src)
    assert a.diagnostics == full.diagnostics
    assert a.result == full
    assert analyze(SOURCE).result.success


def test_handler_names_and_type_details() -> None:
    a = analyze(SOURCE)
    inside = {n: (k, t) for n, k, t in a.names_visible_at(30, 8)}
    assert inside["error"] == ("implicit", "object") and inside["thread"] == ("implicit", "object")
    assert "error" not in {n for n, _k, _t in a.names_visible_at(26, 6)}
    results = next(b for b in a.bindings if b.name == "results")
    assert results.type == "object (web_search output)"
