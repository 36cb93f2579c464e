"""`value_kind`: the one type-name function shared by input validation and the runner."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

from scriptum_lsp.emulator.runner.values import type_name
from scriptum_lsp.language.inputs import validate_input
from scriptum_lsp.language.types import value_kind


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (False, "boolean"),
        (0, "integer"),
        (-7, "integer"),
        (1.5, "number"),
        (float("nan"), "number"),
        ("", "text"),
        ("x", "text"),
        ([], "list"),
        ((1, 2), "list"),
        ({}, "object"),
        (OrderedDict(a=1), "object"),
        (lambda x: x, "lambda"),
        (b"raw", "bytes"),
        ({1, 2}, "set"),
    ],
)
def test_value_kind(value: Any, kind: str) -> None:
    assert value_kind(value) == kind
    assert type_name(value) == kind  # the runner uses the same function


def test_validate_input_names_the_kind() -> None:
    contract = {"inputs": [{"name": "n", "type": "integer", "required": True}]}
    problems = validate_input(contract, [1, 2])
    assert [p.message for p in problems] == ["input must be a JSON object, got list"]
