"""Property tests: validation never raises, defaults are idempotent, values survive echo and checkpoints."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scriptum_lsp.language.inputs import apply_defaults, validate_input
from tests.runtime.kit import do, emit, get, lit, name, run, script

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)

KINDS = ["text", "number", "integer", "boolean", "object", "binary", "date", "timestamp", "any"]
TYPE_REF = st.recursive(
    st.sampled_from(KINDS).map(lambda k: {"kind": k}) | st.just({"kind": "enum", "enumName": "E"}),
    lambda inner: (
        inner.map(lambda t: {"kind": "list", "elementType": t})
        | inner.map(lambda t: {"kind": "map", "keyType": {"kind": "text"}, "valueType": t})
    ),
    max_leaves=3,
)
CONSTRAINT = st.sampled_from(
    [
        {"name": "range", "args": [0, 10]},
        {"name": "min", "args": [1]},
        {"name": "max", "args": [1]},
        {"name": "length", "args": [1, 3]},
        {"name": "pattern", "args": ["^a"]},
        {"name": "min_items", "args": [1]},
        {"name": "max_items", "args": [2]},
        {"name": "unique", "args": []},
    ]
)
FIELD = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["a", "b", "c"]),
        "type": TYPE_REF,
        "defaultValueJson": st.one_of(st.just(""), JSON.map(json.dumps)),
        "required": st.booleans(),
        "constraints": st.lists(CONSTRAINT, max_size=2),
    }
)


@settings(max_examples=100, deadline=None)
@given(fields=st.lists(FIELD, max_size=3), data=JSON)
def test_validation_never_raises_and_defaults_are_idempotent(fields: list[dict[str, Any]], data: Any) -> None:
    contract = {"inputs": fields, "enums": [{"name": "E", "baseType": "text", "variants": ["x", "y"]}]}
    problems = validate_input(contract, data)
    assert all(p.message for p in problems)
    if isinstance(data, dict):
        once = apply_defaults(contract, data)
        assert apply_defaults(contract, once) == once
        assert {k: once[k] for k in data} == data
    else:
        assert len(problems) == 1 and problems[0].path == ""


@settings(max_examples=40, deadline=None)
@given(value=JSON)
async def test_echo_round_trips_json_values(value: Any) -> None:
    outcome, _ = await run(
        script(do("E", "echo", bind="r", message=lit(value)), emit(v=get(name("r"), "message")))
    )
    assert outcome.output == {"v": value}
    assert json.loads(json.dumps(outcome.state))["completed"]["0"]["output"] == {"message": value}
