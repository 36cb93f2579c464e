"""Input validation against a ScriptContract: one table, rendered problems compared as text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scriptum_lsp.language.inputs import apply_defaults, describe_type, validate_input


def field(
    name: str,
    type_: dict[str, Any],
    *,
    default: Any = None,
    constraints: Any = (),
    required: bool | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "defaultValueJson": "" if default is None else json.dumps(default),
        "required": (default is None) if required is None else required,
        "constraints": [{"name": n, "args": list(a)} for n, a in constraints],
    }


TEXT = {"kind": "text"}
INT = {"kind": "integer"}
NUM = {"kind": "number"}

CONTRACT = {
    "inputs": [
        field("query", TEXT, constraints=[("length", (1, 20))]),
        field("limit", INT, default=10, constraints=[("range", (1, 100))]),
        field("score", NUM, required=False, constraints=[("min", (0,)), ("max", (1,))]),
        field("flag", {"kind": "boolean"}, default=False),
        field(
            "tags",
            {"kind": "list", "elementType": TEXT},
            default=[],
            constraints=[("max_items", (3,)), ("unique", ())],
        ),
        field("tier", {"kind": "enum", "enumName": "Tier"}, default="free"),
        field("code", TEXT, required=False, constraints=[("pattern", ("^[A-Z]{3}$",))]),
        field("labels", {"kind": "map", "keyType": TEXT, "valueType": NUM}, required=False),
        field("meta", {"kind": "object"}, required=False),
        field("day", {"kind": "date"}, required=False),
        field("at", {"kind": "timestamp"}, required=False),
        field("extra", {"kind": "any"}, required=False),
        field("ids", {"kind": "list", "elementType": INT}, required=False, constraints=[("min_items", (2,))]),
    ],
    "enums": [{"name": "Tier", "baseType": "text", "variants": ["free", "pro"]}],
}


def check(data: object) -> list[str]:
    return [p.render() for p in validate_input(CONTRACT, data)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"query": "ok"}, []),
        ({"query": "ok", "limit": 5, "score": 0.5, "flag": True, "tags": ["a", "b"], "tier": "pro"}, []),
        ({"query": "ok", "limit": 5.0}, []),
        ({"query": "ok", "score": None, "extra": None}, []),
        ({"query": "ok", "day": "2026-11-23", "at": "2026-11-23T10:00:00Z", "labels": {"eu": 1}}, []),
        ([], ["input must be a JSON object, got list"]),
        ({}, ["query: required input 'query' (text) is missing"]),
        ({"query": 3}, ["query: expected text, got integer"]),
        ({"query": ""}, ["query: length must be in [1, 20], got 0 characters"]),
        ({"query": "ok", "limit": 0}, ["limit: must be in range(1, 100), got 0"]),
        ({"query": "ok", "limit": 2.5}, ["limit: expected integer, got number"]),
        ({"query": "ok", "limit": True}, ["limit: expected integer, got boolean"]),
        ({"query": None}, ["query: expected text, got null"]),
        ({"query": "ok", "limit": None}, []),
        ({"query": "ok", "score": 1.5}, ["score: must be <= 1, got 1.5"]),
        ({"query": "ok", "score": -1}, ["score: must be >= 0, got -1"]),
        ({"query": "ok", "tags": ["a", 2]}, ["tags[1]: expected text, got integer"]),
        ({"query": "ok", "tags": ["a", "a"]}, ["tags: items must be unique; item 1 repeats an earlier item"]),
        ({"query": "ok", "tags": ["a", "b", "c", "d"]}, ["tags: must have at most 3 items, got 4"]),
        ({"query": "ok", "ids": [1]}, ["ids: must have at least 2 items, got 1"]),
        ({"query": "ok", "tier": "gold"}, ['tier: "gold" is not a variant of Tier ("free", "pro")']),
        ({"query": "ok", "code": "abc"}, ['code: must match pattern "^[A-Z]{3}$"']),
        ({"query": "ok", "labels": {"eu": "x"}}, ["labels.eu: expected number, got text"]),
        ({"query": "ok", "meta": [1]}, ["meta: expected object, got list"]),
        ({"query": "ok", "day": "2026-13-01"}, ['day: expected a date (YYYY-MM-DD), got "2026-13-01"']),
        ({"query": "ok", "at": "yesterday"}, ['at: expected a timestamp (RFC 3339), got "yesterday"']),
        ({"query": "ok", "limt": 3}, ["limt: unknown input field 'limt' (did you mean 'limit'?)"]),
        (
            {"query": 1, "limit": "x", "zzz": 1},
            [
                "query: expected text, got integer",
                "limit: expected integer, got text",
                "zzz: unknown input field 'zzz'",
            ],
        ),
    ],
)
def test_validate_input(data: object, expected: list[str]) -> None:
    assert check(data) == expected


def test_ir_spelling_is_accepted() -> None:
    ir_inputs = {
        "inputs": [
            {
                "name": "xs",
                "type": {"kind": "list", "of": {"kind": "integer"}},
                "required": True,
                "default": None,
                "constraints": [],
            },
            {
                "name": "n",
                "type": {"kind": "integer"},
                "required": False,
                "default": 7,
                "constraints": [{"name": "max", "args": [9]}],
            },
        ]
    }
    assert [p.render() for p in validate_input(ir_inputs, {"xs": [1, "2"], "n": 10})] == [
        "xs[1]: expected integer, got text",
        "n: must be <= 9, got 10",
    ]
    assert apply_defaults(ir_inputs, {"xs": []}) == {"xs": [], "n": 7}


def test_apply_defaults_fills_only_absent_fields() -> None:
    data = {"query": "q", "flag": None}
    out = apply_defaults(CONTRACT, data)
    assert out == {"query": "q", "flag": None, "limit": 10, "tags": [], "tier": "free"}
    assert data == {"query": "q", "flag": None}
    assert validate_input(CONTRACT, apply_defaults(CONTRACT, {"query": "q"})) == []


@pytest.mark.parametrize(
    ("type_ref", "text"),
    [
        ({"kind": "list", "elementType": {"kind": "list", "elementType": NUM}}, "list<list<number>>"),
        ({"kind": "map", "keyType": TEXT, "valueType": INT}, "map<text, integer>"),
        ({"kind": "enum", "enumName": "Tier"}, "Tier"),
    ],
)
def test_describe_type(type_ref: dict[str, Any], text: str) -> None:
    assert describe_type(type_ref) == text
