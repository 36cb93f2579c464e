"""The IR's YAML writer: whatever JSON data goes in, a YAML reader gets the same data back."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scriptum_lsp.language.yamlout import dump_yaml

_SAFE_LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])

TRICKY_TEXTS = [
    "", " ", "yes", "No", "ON", "off", "null", "Null", "~", "true", "y", "n", "1", "0x1F", "1_000", "1:30",
    "2024-01-01", ".inf", "-.inf", ".nan", "1e5", "-", "- a", "a -", "a - b", "a: b", "a #b", "#x", "<<", "=",
    "&a", "*a", "!t", "|", ">", "'q'", '"q"', "%x", "@x", "`x", "a\nb", "a\r\nb", "\t", "tab\there", "é", "😀",
    "\x00", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "trailing ", " leading",
    "hello world", "path/to.file", "a...b", "---", "...", "{x}", "[x]", "a,b", "?x", "a?",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.sampled_from(TRICKY_TEXTS),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text() | st.sampled_from(TRICKY_TEXTS), inner)
    ),
    max_leaves=25,
)


def same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN (YAML reads .nan back as a fresh NaN)."""
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("loader", _SAFE_LOADERS)
@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_tricky_texts_round_trip(text: str, loader: Any) -> None:
    data = {"k": text, text: [text, {"v": text}], "l": [[text, 1.5e300, 1e-7, -0.0, 2**70]]}
    assert same(yaml.load(dump_yaml(data), Loader=loader), data)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_data_round_trips(data: Any) -> None:
    assert same(yaml.safe_load(dump_yaml(data)), data)


def test_block_layout() -> None:
    data = {"steps": [{"path": "0", "args": [1, [2, 3]], "empty": {}, "none": []}], "name": "Spend Approval"}
    assert dump_yaml(data) == (
        "steps:\n"
        '- path: "0"\n'
        "  args:\n"
        "  - 1\n"
        "  - - 2\n"
        "    - 3\n"
        "  empty: {}\n"
        "  none: []\n"
        "name: Spend Approval\n"
    )


@pytest.mark.parametrize(
    ("data", "loaded"),
    [({1: "int key"}, {1: "int key"}), ({"t": (1, 2)}, {"t": [1, 2]}), ("lone", "lone"), ([], []), ({}, {})],
)
def test_other_data_falls_back_to_pyyaml(data: Any, loaded: Any) -> None:
    assert yaml.safe_load(dump_yaml(data)) == loaded
