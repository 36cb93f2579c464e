"""Built-in functions of Scriptum expressions (pure data, no IO).

The checker uses this table for name resolution, arity and result types; the emulator's runner implements
every entry (`scriptum_lsp.emulator.runner.functions`). Method syntax `x.f(a)` means `f(x, a)` for any
built-in whose `method` flag is set. Parameters ending in `?` are optional; a parameter starting with `*`
takes any number of arguments. `returns` is a Scriptum type name (`text`, `number`, `integer`, `boolean`,
`list`, `object`, `any`, `timestamp`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class BuiltinSpec:
    name: str
    params: tuple[str, ...]
    returns: str
    description: str
    method: bool

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.endswith("?") and not p.startswith("*"))

    @property
    def max_args(self) -> int | None:
        """Maximum argument count, None when variadic."""
        if any(p.startswith("*") for p in self.params):
            return None
        return len(self.params)


def _b(name: str, params: str, returns: str, description: str, method: bool = True) -> BuiltinSpec:
    return BuiltinSpec(
        name, tuple(p.strip() for p in params.split(",") if p.strip()), returns, description, method
    )


_SPECS: tuple[BuiltinSpec, ...] = (
    # collections
    _b(
        "count",
        "value",
        "integer",
        "Number of items of a list, entries of an object or characters of a text.",
    ),
    _b("len", "value", "integer", "Same as count."),
    _b("map", "list, fn", "list", "Apply a lambda `x => ...` (or `(x, i) => ...`) to each item."),
    _b("filter", "list, fn", "list", "Keep the items for which the lambda is true."),
    _b("find", "list, fn", "any", "First item for which the lambda is true, or null."),
    _b("any", "list, fn?", "boolean", "True if some item (or the lambda of some item) is true."),
    _b("all", "list, fn?", "boolean", "True if every item (or the lambda of every item) is true."),
    _b("contains", "haystack, needle", "boolean", "Substring of a text, item of a list or key of an object."),
    _b("index_of", "haystack, needle", "integer", "Position of needle in a text or list, -1 if absent."),
    _b("first", "list", "any", "First item or null."),
    _b("last", "list", "any", "Last item or null."),
    _b("slice", "value, start, end?", "any", "Items (or characters) from start up to end (exclusive)."),
    _b("flatten", "list", "list", "Concatenate a list of lists (one level)."),
    _b("unique", "list", "list", "Drop repeated items, keeping the first occurrence."),
    _b("sort", "list, key?", "list", "Sort ascending; with a lambda, by the lambda's value."),
    _b("reverse", "value", "any", "Reverse a list or text."),
    _b("range", "start, end?, step?", "list", "range(n) = 0..n-1; range(a, b) = a..b-1.", method=False),
    _b("zip", "a, b", "list", "Pairs [a[i], b[i]] up to the shorter length."),
    _b("keys", "object", "list", "Keys of an object, in order."),
    _b("values", "object", "list", "Values of an object, in order."),
    _b("entries", "object", "list", "Entries {key, value} of an object."),
    _b("merge", "*objects", "object", "Shallow merge, later objects win."),
    _b("get", "value, key, fallback?", "any", "value[key] or fallback (null) when absent."),
    _b("default", "value, fallback", "any", "value unless it is null, else fallback."),
    _b("is_empty", "value", "boolean", 'True for null, "", [] and {}.'),
    # numbers
    _b("sum", "list", "number", "Sum of the numbers."),
    _b("min", "*values", "number", "Smallest of a list or of the arguments."),
    _b("max", "*values", "number", "Largest of a list or of the arguments."),
    _b("avg", "list", "number", "Arithmetic mean; null for an empty list."),
    _b("round", "number, digits?", "number", "Round half away from zero to digits (default 0)."),
    _b("floor", "number", "integer", "Largest integer not above."),
    _b("ceil", "number", "integer", "Smallest integer not below."),
    _b("abs", "number", "number", "Absolute value."),
    _b("cosine_similarity", "a, b", "number", "Cosine similarity of two equal-length vectors."),
    # text
    _b("lower", "text", "text", "Lower-case."),
    _b("upper", "text", "text", "Upper-case."),
    _b("trim", "text", "text", "Strip leading and trailing whitespace."),
    _b("split", "text, separator?", "list", "Split by separator (default: runs of whitespace)."),
    _b("join", "list, separator?", "text", 'Join items as text with separator (default "").'),
    _b("replace", "text, old, new", "text", "Replace every occurrence of old by new."),
    _b("starts_with", "text, prefix", "boolean", "Text starts with prefix."),
    _b("ends_with", "text, suffix", "boolean", "Text ends with suffix."),
    _b("matches", "text, pattern", "boolean", "The regular expression matches somewhere in the text."),
    _b("substring", "text, start, end?", "text", "Characters from start up to end (exclusive)."),
    _b("pad_left", "text, width, fill?", "text", "Left-pad to width with fill (default space)."),
    _b("format_number", "number, digits", "text", "Fixed-point rendering with digits decimals."),
    # conversion
    _b("to_text", "value", "text", "Text rendering (JSON for lists and objects)."),
    _b("to_number", "value", "number", "Parse or convert to a number; error if impossible."),
    _b("to_integer", "value", "integer", "Convert to an integer (truncating); error if impossible."),
    _b("to_boolean", "value", "boolean", 'Truthiness: false for null, false, 0, "", [], {}.'),
    _b("type_of", "value", "text", "null, boolean, integer, number, text, list or object."),
    _b("json_parse", "text", "any", "Parse JSON text."),
    _b("json_stringify", "value", "text", "Compact JSON text."),
    # time
    _b("now", "", "timestamp", "Current time, RFC 3339 UTC text.", method=False),
    _b("now_ms", "", "integer", "Current time, milliseconds since the epoch.", method=False),
)

BUILTINS: Mapping[str, BuiltinSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})

# `env(...)` is a special form in the IR (`{env: NAME}`), not a built-in call; listed for completion.
SPECIAL_FORMS: frozenset[str] = frozenset({"env"})


def builtin_names() -> tuple[str, ...]:
    return tuple(sorted(BUILTINS))


def get_builtin(name: str) -> BuiltinSpec | None:
    return BUILTINS.get(name)
