"""The tool catalog and the built-in table: shape and coverage of the names the reference uses."""

from __future__ import annotations

import pytest

from scriptum_lsp.language import builtins, catalog

REFERENCE_TOOLS = [
    "llm",
    "embed",
    "rerank",
    "transcribe",
    "infer",
    "web_search",
    "http_request",
    "file_read",
    "file_glob",
    "file_write",
    "fetch_url",
    "search_web",
    "grep",
    "shell_exec",
    "echo",
    "notify",
    "vector_store_search",
    "text_embed",
    "extract_pdf",
    "transfer_source",
    "read_source",
    "normalize",
    "image_chunk",
    "classify",
    "transform",
    "encrypt_data",
]

JSON_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}


@pytest.mark.parametrize("name", REFERENCE_TOOLS)
def test_reference_tool_is_in_catalog(name: str) -> None:
    spec = catalog.get_tool(name)
    assert spec is not None and spec.name == name


@pytest.mark.parametrize("spec", list(catalog.TOOLS.values()), ids=lambda s: s.name)
def test_schema_shape(spec: catalog.ToolSpec) -> None:
    for schema in (spec.input_schema, spec.output_schema):
        assert schema["type"] == "object"
        assert set(schema["required"]) <= set(schema["properties"])
        for prop in schema["properties"].values():
            types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            assert set(types) <= JSON_TYPES
            assert prop["description"]
    assert spec.kind == ("model" if spec.name in catalog.MODEL_CAPABILITIES else "native")
    if spec.kind == "model":
        assert not spec.runs_locally


@pytest.mark.parametrize(
    ("tool", "required", "optional"),
    [
        ("http_request", ("url",), ("method", "headers", "body", "timeout_ms")),
        ("llm", ("prompt",), ("system", "model", "temperature", "max_tokens")),
        ("echo", ("message",), ()),
        ("web_search", ("query",), ("max_results",)),
        ("read_source", ("source", "object"), ("format",)),
        ("encrypt_data", ("plaintext", "key"), ()),
    ],
)
def test_inputs_match_reference_examples(
    tool: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    spec = catalog.TOOLS[tool]
    assert spec.required_inputs == required
    assert set(optional) <= set(spec.input_names) - set(required)


def test_echo_outputs_message_and_local_helpers_run_locally() -> None:
    assert list(catalog.TOOLS["echo"].output_schema["properties"]) == ["message"]
    local = {s.name for s in catalog.TOOLS.values() if s.runs_locally}
    assert local >= catalog.LOCAL_HELPERS
    assert {"echo", "http_request"} <= local
    assert catalog.tool_names() == tuple(sorted(catalog.TOOLS))
    assert catalog.get_tool("no_such_tool") is None


REFERENCE_BUILTINS = [
    "count",
    "len",
    "map",
    "filter",
    "contains",
    "starts_with",
    "ends_with",
    "cosine_similarity",
    "lower",
    "upper",
    "trim",
    "split",
    "join",
    "keys",
    "values",
    "sum",
    "min",
    "max",
    "avg",
    "round",
    "abs",
    "to_text",
    "to_number",
    "to_integer",
    "now",
    "first",
    "last",
    "flatten",
    "unique",
    "sort",
    "range",
    "json_parse",
    "json_stringify",
    "replace",
    "matches",
    "default",
]


@pytest.mark.parametrize("name", REFERENCE_BUILTINS)
def test_builtin_present(name: str) -> None:
    spec = builtins.get_builtin(name)
    assert spec is not None and spec.name == name and spec.description


@pytest.mark.parametrize(
    ("name", "min_args", "max_args"),
    [("count", 1, 1), ("split", 1, 2), ("min", 0, None), ("now", 0, 0), ("round", 1, 2), ("map", 2, 2)],
)
def test_builtin_arity(name: str, min_args: int, max_args: int | None) -> None:
    spec = builtins.BUILTINS[name]
    assert (spec.min_args, spec.max_args) == (min_args, max_args)


def test_functions_without_target_are_not_methods() -> None:
    assert not builtins.BUILTINS["now"].method
    assert not builtins.BUILTINS["range"].method
    assert builtins.BUILTINS["trim"].method and builtins.BUILTINS["contains"].method
