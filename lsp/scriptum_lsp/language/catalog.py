"""The tool catalog: native tools, model capabilities and local helper tools (pure data, no IO).

The platform's catalog is tenant-specific and its schemas are not documented; this catalog follows the tool
names and inputs seen in the reference examples (see docs/language.md §9) and adds a few local text/JSON helpers
that the emulator's runner executes offline. The compiler checks tool inputs against `input_schema`; the
checker types `do` bindings from `output_schema`; the runner runs the tools marked `runs_locally`.

Schemas are JSON Schema objects: `{"type": "object", "properties": {name: {"type", "description",
"enum"?, "items"?}}, "required": [...]}`. A property's `type` is one JSON Schema type name ("string",
"number", "integer", "boolean", "object", "array") or, for values of any type, the list of all of them
(see `ANY_TYPE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

ToolKind = Literal["native", "model"]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its JSON Schemas for inputs and output, and whether the local runner can execute it."""

    name: str
    kind: ToolKind
    description: str
    input_schema: dict[str, Any] = field(hash=False)
    output_schema: dict[str, Any] = field(hash=False)
    runs_locally: bool

    @property
    def required_inputs(self) -> tuple[str, ...]:
        return tuple(self.input_schema.get("required", ()))

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self.input_schema.get("properties", {}))


def _p(type_: str | list[str], description: str, **extra: Any) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": type_, "description": description}
    prop.update(extra)
    return prop


def _obj(props: Mapping[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(props), "required": list(required)}


def _tool(
    name: str,
    kind: ToolKind,
    description: str,
    inputs: Mapping[str, dict[str, Any]],
    required: tuple[str, ...],
    outputs: Mapping[str, dict[str, Any]],
    *,
    local: bool,
) -> ToolSpec:
    return ToolSpec(name, kind, description, _obj(inputs, required), _obj(outputs), local)


_TEXT = "string"
ANY_TYPE: tuple[str, ...] = ("string", "number", "integer", "boolean", "object", "array", "null")
_ANY = list(ANY_TYPE)

_MODEL_TUNING: dict[str, dict[str, Any]] = {
    "model": _p(_TEXT, "Model override (defaults to the tenant's model for this capability)."),
    "temperature": _p("number", "Sampling temperature, 0 to 2."),
    "max_tokens": _p("integer", "Upper bound on generated tokens."),
}

_SPECS: tuple[ToolSpec, ...] = (
    # --- model capabilities (dispatched to Ignite's managed model service; cloud only) -------------------
    _tool(
        "llm",
        "model",
        "Generate text with a large language model.",
        {
            "prompt": _p(_TEXT, "The user prompt."),
            "system": _p(_TEXT, "System prompt."),
            **_MODEL_TUNING,
            "response_format": _p(_TEXT, "Requested output format.", enum=["text", "json"]),
        },
        ("prompt",),
        {
            "text": _p(_TEXT, "The generated text."),
            "parsed": _p("object", "Structured output when response_format is json."),
            "model": _p(_TEXT, "The model that answered."),
            "usage": _p("object", "Token usage."),
        },
        local=False,
    ),
    _tool(
        "embed",
        "model",
        "Compute an embedding vector for a text.",
        {"text": _p(_TEXT, "Text to embed."), "model": _MODEL_TUNING["model"]},
        ("text",),
        {
            "embedding": _p("array", "The embedding vector.", items={"type": "number"}),
            "dimensions": _p("integer", "Vector length."),
            "model": _p(_TEXT, "The model used."),
        },
        local=False,
    ),
    _tool(
        "rerank",
        "model",
        "Reorder documents by relevance to a query.",
        {
            "query": _p(_TEXT, "The query."),
            "documents": _p("array", "Texts to rank.", items={"type": "string"}),
            "top_k": _p("integer", "How many results to keep."),
            "model": _MODEL_TUNING["model"],
        },
        ("query", "documents"),
        {"results": _p("array", "Items {index, score, document} best first.", items={"type": "object"})},
        local=False,
    ),
    _tool(
        "transcribe",
        "model",
        "Transcribe speech audio to text.",
        {
            "url": _p(_TEXT, "Audio location."),
            "language": _p(_TEXT, "Spoken language hint (BCP 47)."),
            "model": _MODEL_TUNING["model"],
        },
        ("url",),
        {"text": _p(_TEXT, "The transcript."), "segments": _p("array", "Timed segments.")},
        local=False,
    ),
    _tool(
        "infer",
        "model",
        "Run a hosted model (vision, classification, ...) on an input.",
        {
            "model": _p(_TEXT, "The model to run."),
            "input": _p(_ANY, "Model input."),
            "url": _p(_TEXT, "Input location (images, documents)."),
            "parameters": _p("object", "Model parameters."),
        },
        ("model",),
        {"output": _p(_ANY, "Model output."), "model": _p(_TEXT, "The model used.")},
        local=False,
    ),
    # --- native tools ---------------------------------------------------------------------------------
    _tool(
        "echo",
        "native",
        "Return the message unchanged (testing passthrough).",
        {"message": _p(_ANY, "The value to echo.")},
        ("message",),
        {"message": _p(_ANY, "The echoed value.")},
        local=True,
    ),
    _tool(
        "http_request",
        "native",
        "Make an HTTP request. Locally only to allowed hosts (loopback by default).",
        {
            "url": _p(_TEXT, "Absolute http(s) URL."),
            "method": _p(_TEXT, "HTTP method.", enum=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
            "headers": _p("object", "Request headers."),
            "query": _p("object", "Query parameters."),
            "body": _p(_ANY, "Request body: text is sent as is, other values as JSON."),
            "timeout_ms": _p("integer", "Request timeout in milliseconds."),
        },
        ("url",),
        {
            "status": _p("integer", "HTTP status code."),
            "headers": _p("object", "Response headers (lower-case names)."),
            "body": _p(_ANY, "Response body: parsed JSON when the response is JSON, else text."),
            "text": _p(_TEXT, "Raw response text."),
            "ok": _p("boolean", "True for 2xx."),
        },
        local=True,
    ),
    _tool(
        "fetch_url",
        "native",
        "Fetch a web page and return its text. Locally only to allowed hosts.",
        {"url": _p(_TEXT, "Absolute http(s) URL."), "timeout_ms": _p("integer", "Timeout in ms.")},
        ("url",),
        {
            "status": _p("integer", "HTTP status code."),
            "content": _p(_TEXT, "Response text."),
            "content_type": _p(_TEXT, "Content type."),
        },
        local=True,
    ),
    _tool(
        "web_search",
        "native",
        "Search the web.",
        {"query": _p(_TEXT, "Search query."), "max_results": _p("integer", "Maximum hits.")},
        ("query",),
        {"results": _p("array", "Hits {title, url, snippet}.", items={"type": "object"})},
        local=False,
    ),
    _tool(
        "search_web",
        "native",
        "Search the web (alias used in agent tool lists).",
        {"query": _p(_TEXT, "Search query."), "max_results": _p("integer", "Maximum hits.")},
        ("query",),
        {"results": _p("array", "Hits {title, url, snippet}.", items={"type": "object"})},
        local=False,
    ),
    _tool(
        "file_read",
        "native",
        "Read a file of the thread's workspace.",
        {"path": _p(_TEXT, "File path."), "encoding": _p(_TEXT, "Text encoding (default utf-8).")},
        ("path",),
        {"content": _p(_TEXT, "File content."), "size": _p("integer", "Size in bytes.")},
        local=False,
    ),
    _tool(
        "file_write",
        "native",
        "Write a file in the thread's workspace.",
        {
            "path": _p(_TEXT, "File path."),
            "content": _p(_TEXT, "Content to write."),
            "append": _p("boolean", "Append instead of replacing."),
        },
        ("path", "content"),
        {"path": _p(_TEXT, "Written path."), "bytes_written": _p("integer", "Bytes written.")},
        local=False,
    ),
    _tool(
        "file_glob",
        "native",
        "List workspace files matching a glob pattern.",
        {"pattern": _p(_TEXT, "Glob pattern, e.g. docs/**/*.md.")},
        ("pattern",),
        {"matches": _p("array", "Matching paths.", items={"type": "string"})},
        local=False,
    ),
    _tool(
        "grep",
        "native",
        "Search workspace files for a regular expression.",
        {
            "pattern": _p(_TEXT, "Regular expression."),
            "path": _p(_TEXT, "File or directory to search."),
            "max_results": _p("integer", "Maximum matches."),
        },
        ("pattern",),
        {"matches": _p("array", "Matches {path, line, text}.", items={"type": "object"})},
        local=False,
    ),
    _tool(
        "shell_exec",
        "native",
        "Run a shell command in the thread's sandbox.",
        {
            "command": _p(_TEXT, "Command line."),
            "cwd": _p(_TEXT, "Working directory."),
            "timeout_ms": _p("integer", "Timeout in ms."),
        },
        ("command",),
        {
            "exit_code": _p("integer", "Exit status."),
            "stdout": _p(_TEXT, "Standard output."),
            "stderr": _p(_TEXT, "Standard error."),
        },
        local=False,
    ),
    _tool(
        "notify",
        "native",
        "Send a notification to a channel.",
        {"channel": _p(_TEXT, "Channel name."), "message": _p(_TEXT, "Message text.")},
        ("channel", "message"),
        {"delivered": _p("boolean", "Whether the notification was accepted.")},
        local=False,
    ),
    _tool(
        "vector_store_search",
        "native",
        "Nearest-neighbour search in a vector collection.",
        {
            "collection_name": _p(_TEXT, "Collection to search."),
            "query": _p(_TEXT, "Query text."),
            "vector": _p("array", "Query vector.", items={"type": "number"}),
            "top_k": _p("integer", "How many hits."),
        },
        ("collection_name",),
        {"results": _p("array", "Hits {id, score, payload}.", items={"type": "object"})},
        local=False,
    ),
    _tool(
        "text_embed",
        "native",
        "Embed a text (native embedding tool).",
        {"text": _p(_TEXT, "Text to embed.")},
        ("text",),
        {"embedding": _p("array", "The embedding vector.", items={"type": "number"})},
        local=False,
    ),
    _tool(
        "extract_pdf",
        "native",
        "Extract the pages of a PDF document as text.",
        {"url": _p(_TEXT, "PDF location."), "stream": _p("boolean", "Stream pages one by one.")},
        ("url",),
        {
            "pages": _p("array", "Pages {number, text}.", items={"type": "object"}),
            "text": _p(_TEXT, "All text."),
        },
        local=False,
    ),
    _tool(
        "transfer_source",
        "native",
        "Copy an object from a data source into the thread's cache.",
        {
            "source": _p(_TEXT, "Source name."),
            "object": _p("object", "Object reference {type, value}."),
            "stream": _p("boolean", "Stream the content."),
        },
        ("source", "object"),
        {"content": _p("object", "Transferred content {cache_url, url, size}.")},
        local=False,
    ),
    _tool(
        "read_source",
        "native",
        "Read an object from a data source.",
        {
            "source": _p(_TEXT, "Source name."),
            "object": _p("object", 'Object reference, e.g. {type: "Url", value: ...}.'),
            "format": _p(_TEXT, "Content format.", enum=["String", "Bytes", "Json"]),
        },
        ("source", "object"),
        {"content": _p(_ANY, "Object content.")},
        local=False,
    ),
    _tool(
        "normalize",
        "native",
        "Normalise a text.",
        {
            "text": _p(_TEXT, "Input text."),
            "operation": _p(
                _TEXT,
                "Normalisation to apply.",
                enum=["TrimAndLower", "Trim", "Lower", "Upper", "CollapseWhitespace"],
            ),
        },
        ("text",),
        {"text": _p(_TEXT, "Normalised text.")},
        local=True,
    ),
    _tool(
        "image_chunk",
        "native",
        "Split an image into tiles.",
        {"url": _p(_TEXT, "Image location."), "tile_size": _p("integer", "Tile edge in pixels.")},
        ("url",),
        {"chunks": _p("array", "Tiles {url, x, y}.", items={"type": "object"})},
        local=False,
    ),
    _tool(
        "classify",
        "native",
        "Classify a text into a category.",
        {
            "text": _p(_TEXT, "Input text."),
            "category": _p(_TEXT, "Category set or label to test."),
            "categories": _p("array", "Candidate categories.", items={"type": "string"}),
        },
        ("text",),
        {"label": _p(_TEXT, "Chosen category."), "confidence": _p("number", "Confidence 0..1.")},
        local=False,
    ),
    _tool(
        "transform",
        "native",
        "Apply a server-side transformation to data.",
        {"data": _p(_ANY, "Input data."), "operation": _p(_TEXT, "Transformation name.")},
        ("data",),
        {"data": _p(_ANY, "Transformed data.")},
        local=False,
    ),
    _tool(
        "encrypt_data",
        "native",
        "Encrypt a plaintext with a managed key.",
        {"plaintext": _p(_TEXT, "Text to encrypt."), "key": _p(_TEXT, "Key name or secret.")},
        ("plaintext", "key"),
        {"ciphertext": _p(_TEXT, "Encrypted data (base64).")},
        local=False,
    ),
    # --- local text/JSON helpers (native, executed by the emulator's runner) --------------------------
    _tool(
        "text_template",
        "native",
        "Render a template: each {name} is replaced by values[name] (missing names stay as written).",
        {"template": _p(_TEXT, "Template text."), "values": _p("object", "Replacement values.")},
        ("template",),
        {"text": _p(_TEXT, "Rendered text.")},
        local=True,
    ),
    _tool(
        "json_parse",
        "native",
        "Parse a JSON text.",
        {"text": _p(_TEXT, "JSON text.")},
        ("text",),
        {"value": _p(_ANY, "Parsed value.")},
        local=True,
    ),
    _tool(
        "json_stringify",
        "native",
        "Serialise a value as JSON text.",
        {"value": _p(_ANY, "Value to serialise."), "indent": _p("integer", "Indentation (0 = compact).")},
        ("value",),
        {"text": _p(_TEXT, "JSON text.")},
        local=True,
    ),
    _tool(
        "text_split",
        "native",
        "Split a text by a separator (default newline), optionally dropping empty parts.",
        {
            "text": _p(_TEXT, "Input text."),
            "separator": _p(_TEXT, 'Separator (default "\\n").'),
            "skip_empty": _p("boolean", "Drop empty (whitespace-only) parts."),
        },
        ("text",),
        {"parts": _p("array", "The parts.", items={"type": "string"}), "count": _p("integer", "Part count.")},
        local=True,
    ),
    _tool(
        "regex_extract",
        "native",
        "Find all matches of a regular expression (Python syntax) in a text.",
        {
            "text": _p(_TEXT, "Input text."),
            "pattern": _p(_TEXT, "Regular expression."),
            "group": _p("integer", "Capture group to return (default 0, the whole match)."),
        },
        ("text", "pattern"),
        {
            "matches": _p("array", "Matched strings.", items={"type": "string"}),
            "count": _p("integer", "Match count."),
        },
        local=True,
    ),
)

TOOLS: Mapping[str, ToolSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
MODEL_CAPABILITIES: frozenset[str] = frozenset({"llm", "embed", "rerank", "transcribe", "infer"})
LOCAL_HELPERS: frozenset[str] = frozenset(
    {"text_template", "json_parse", "json_stringify", "text_split", "regex_extract"}
)


def tool_names() -> tuple[str, ...]:
    """All catalog tool names, sorted."""
    return tuple(sorted(TOOLS))


def get_tool(name: str) -> ToolSpec | None:
    """The spec of `name`, or None when the catalog does not know it (cloud/MCP tools)."""
    return TOOLS.get(name)
