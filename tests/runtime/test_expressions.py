"""Expressions and built-ins, evaluated by the real runner (`let v = <expr>` then `emit v`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.runtime.kit import E, call, error_of, field, get, interp, lam, lit, method, name, op, value_of

DATA = {
    "o": {"a": 1, "b": {"c": "x"}, "n": None},
    "xs": [3, 1, 2],
    "s": "  Hi There  ",
    "hits": [
        {"title": "A", "url": "u1", "snippet": "s", "score": 0.9},
        {"title": "B", "url": "u2", "snippet": "t", "score": 0.4},
    ],
}
INPUTS = [field(k) for k in DATA]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (lit(3), 3),
        (op("+", lit(2), lit(3)), 5),
        (op("-", lit(2), lit(3.5)), -1.5),
        (op("*", lit(4), lit(2.5)), 10.0),
        (op("/", lit(6), lit(3)), 2),
        (op("/", lit(7), lit(2)), 3.5),
        (op("%", lit(7), lit(3)), 1),
        (op("neg", lit(4)), -4),
        (op("+", lit("a"), lit("b")), "ab"),
        (op("+", {"list": [lit(1)]}, {"list": [lit(2)]}), [1, 2]),
        (op("==", lit(1), lit(1.0)), True),
        (op("==", lit(1), lit(True)), False),
        (op("!=", lit("a"), lit("b")), True),
        (op("==", {"object": {"k": lit([1, 2])}}, {"object": {"k": lit([1, 2])}}), True),
        (op("<", lit(1), lit(2)), True),
        (op(">=", lit("b"), lit("a")), True),
        (op("and", lit(True), lit(False)), False),
        (op("or", lit(False), lit(True)), True),
        (op("and", lit(False), op("/", lit(1), lit(0))), False),
        (op("or", lit(True), op("/", lit(1), lit(0))), True),
        (op("not", lit(0)), True),
        (op("??", lit(None), lit("d")), "d"),
        (op("??", lit(0), lit("d")), 0),
        (op("??", get(get(name("o"), "zz", True), "q", True), lit("fallback")), "fallback"),
        (get(get(name("o"), "b"), "c"), "x"),
        (get(get(name("o"), "n"), "c", True), None),
        ({"index": name("xs"), "at": lit(0)}, 3),
        ({"index": name("xs"), "at": lit(-1)}, 2),
        ({"index": name("xs"), "at": lit(9)}, None),
        ({"index": name("o"), "at": lit("a")}, 1),
        ({"index": name("o"), "at": lit("missing")}, None),
        (interp("n=", ["o", "a"], " c=", ["o", "b", "c"], " xs=", ["xs"]), "n=1 c=x xs=[3,1,2]"),
        (
            interp("none=", ["o", "n"], " f=", ["hits"]),
            'none=null f=[{"title":"A","url":"u1","snippet":"s","score":0.9},{"title":"B","url":"u2","snippet":"t","score":0.4}]',
        ),
        ({"list": [lit(1), op("+", lit(1), lit(1))]}, [1, 2]),
        ({"object": {"z": lit(1), "a": name("s")}}, {"z": 1, "a": "  Hi There  "}),
        (method("trim", name("s")), "Hi There"),
        (method("contains", method("lower", name("s")), lit("there")), True),
        (call("map", name("hits"), lam(["h"], get(name("h"), "title"))), ["A", "B"]),
        (call("map", name("xs"), lam(["x", "i"], op("*", name("x"), name("i")))), [0, 1, 4]),
        (
            call("filter", name("hits"), lam(["r"], op(">", get(name("r"), "score"), lit(0.7)))),
            [DATA["hits"][0]],
        ),  # type: ignore[index]
        (method("sort", name("xs")), [1, 2, 3]),
        (call("sort", name("hits"), lam(["h"], get(name("h"), "score"))), list(reversed(DATA["hits"]))),  # type: ignore[call-overload]
    ],
)
async def test_expression(expr: E, expected: Any) -> None:
    assert await value_of(expr, DATA, INPUTS) == expected


@pytest.mark.parametrize(
    ("f", "args", "expected"),
    [
        ("count", [[1, 2, 3]], 3),
        ("count", ["héllo"], 5),
        ("count", [{"a": 1}], 1),
        ("count", [None], 0),
        ("len", [[1]], 1),
        ("contains", ["abc", "b"], True),
        ("contains", [[1, 2], 2], True),
        ("contains", [{"k": 1}, "k"], True),
        ("index_of", [["a", "b"], "b"], 1),
        ("starts_with", ["image/png", "image/"], True),
        ("ends_with", ["a.pdf", ".pdf"], True),
        ("cosine_similarity", [[1, 0], [1, 0]], 1.0),
        ("cosine_similarity", [[1, 0], [0, 1]], 0.0),
        ("lower", ["AbC"], "abc"),
        ("upper", ["AbC"], "ABC"),
        ("trim", [" x "], "x"),
        ("split", ["a b  c"], ["a", "b", "c"]),
        ("split", ["a,b", ","], ["a", "b"]),
        ("join", [["a", 1, True], "-"], "a-1-true"),
        ("keys", [{"b": 1, "a": 2}], ["b", "a"]),
        ("values", [{"b": 1, "a": 2}], [1, 2]),
        ("entries", [{"a": 1}], [{"key": "a", "value": 1}]),
        ("merge", [{"a": 1, "b": 1}, {"b": 2}], {"a": 1, "b": 2}),
        ("sum", [[1, 2, 3.5]], 6.5),
        ("sum", [[]], 0),
        ("min", [[4, 2, 8]], 2),
        ("min", [4, 2, 8], 2),
        ("max", [[4, 2, 8]], 8),
        ("avg", [[1, 2, 3]], 2),
        ("avg", [[]], None),
        ("round", [2.5], 3),
        ("round", [-2.5], -3),
        ("round", [3.14159, 2], 3.14),
        ("floor", [2.7], 2),
        ("ceil", [2.1], 3),
        ("abs", [-3], 3),
        ("to_text", [1.0], "1"),
        ("to_text", [{"a": [1]}], '{"a":[1]}'),
        ("to_number", ["42"], 42),
        ("to_number", ["4.5"], 4.5),
        ("to_integer", ["4.9"], 4),
        ("to_boolean", [[]], False),
        ("type_of", [1.5], "number"),
        ("first", [[1, 2]], 1),
        ("first", [[]], None),
        ("last", [[1, 2]], 2),
        ("slice", [[1, 2, 3, 4], 1, 3], [2, 3]),
        ("slice", ["hello", 1], "ello"),
        ("substring", ["hello", 0, 2], "he"),
        ("flatten", [[[1], [2, 3], 4]], [1, 2, 3, 4]),
        ("unique", [[1, 2, 1, {"a": 1}, {"a": 1}]], [1, 2, {"a": 1}]),
        ("reverse", [[1, 2]], [2, 1]),
        ("range", [3], [0, 1, 2]),
        ("range", [1, 7, 2], [1, 3, 5]),
        ("zip", [[1, 2], ["a"]], [[1, "a"]]),
        ("json_parse", ['{"a": [1, null]}'], {"a": [1, None]}),
        ("json_stringify", [{"a": [1, None]}], '{"a":[1,null]}'),
        ("json_stringify", ["x"], '"x"'),
        ("replace", ["a-b-c", "-", "+"], "a+b+c"),
        ("matches", ["order-123", "^order-\\d+$"], True),
        ("default", [None, 5], 5),
        ("default", [0, 5], 0),
        ("get", [{"a": 1}, "b", "d"], "d"),
        ("is_empty", [""], True),
        ("pad_left", ["7", 3, "0"], "007"),
        ("format_number", [3.14159, 2], "3.14"),
    ],
)
async def test_builtin(f: str, args: list[Any], expected: Any) -> None:
    assert await value_of(call(f, *[lit(a) for a in args])) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            get({"index": name("hits"), "at": lit(0)}, "ttle"),
            "RUNTIME ERROR at step \"let v\": field 'ttle' not found on hits[0]\n  available keys: title, url, snippet, score",
        ),
        (get(get(name("o"), "n"), "c"), "cannot read field 'c' of null (o.n is null)"),
        (get(name("xs"), "length"), "cannot read field 'length' of list xs (use count(...) for its length"),
        (name("nope"), "unknown name 'nope'"),
        (op("/", lit(1), lit(0)), "division by zero"),
        (op("+", lit("a"), lit(1)), "cannot apply '+' to text and integer"),
        (op("<", lit("a"), lit(1)), "cannot compare text < integer"),
        (call("count", lit(3)), "count() expects a list, object or text, got integer"),
        (call("count"), "count() takes 1 argument(s), got 0"),
        (call("nope"), "unknown function 'nope'"),
        (call("to_number", lit("abc")), 'to_number(): "abc" is not a number'),
        (call("map", lit([1]), lit(2)), "map() expects a lambda"),
        (call("sort", lit([1, "a"])), "sort() cannot order a mix of numbers and texts"),
        (call("json_parse", lit("{")), "json_parse(): invalid JSON"),
        (call("cosine_similarity", lit([1]), lit([1, 2])), "equal length"),
    ],
)
async def test_expression_error(expr: E, message: str) -> None:
    assert message in await error_of(expr, DATA, INPUTS)


async def test_env_names_and_env_calls() -> None:
    from scriptum_lsp.emulator.runner import RunConfig
    from tests.runtime.kit import emit, let, run, script

    ir = script(
        let("a", {"env": "API_URL", "default": None}),
        let("b", {"env": "MISSING", "default": lit("dflt")}),
        let("c", {"env": "MISSING", "default": None}),
        emit(a=name("a"), b=name("b"), c=name("c"), model=name("MODEL"), n=name("N")),
        env=[
            {"name": "MODEL", "from": None, "default": lit("gpt-4o"), "type": {"kind": "text"}},
            {"name": "N", "from": "COUNT", "default": None, "type": {"kind": "integer"}},
        ],
    )
    outcome, _ = await run(ir, config=RunConfig(env={"API_URL": "http://x", "COUNT": "7"}))
    assert outcome.output == {"a": "http://x", "b": "dflt", "c": None, "model": "gpt-4o", "n": 7}
