"""compile_source: the API result shape, IR per docs/ir.md, the ScriptContract, examples and dialects."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from scriptum_lsp.language import CompileDiagnostic, CompileResult, compile_source

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.scriptum"))


def compiled(source: str) -> CompileResult:
    result = compile_source(textwrap.dedent(source).lstrip("\n"))
    assert result.success, [d.render() for d in result.diagnostics]
    return result


def step(result: CompileResult, *path: int) -> dict[str, Any]:
    assert result.ir is not None
    steps: Any = result.ir["steps"]
    node: dict[str, Any] = {}
    for i in path:
        node = steps[i]
        steps = node.get("body", [])
    return node


def test_at_least_fifteen_examples() -> None:
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_compile_clean(path: Path) -> None:
    result = compile_source(path.read_text(encoding="utf-8"))
    bad = [d.render() for d in result.diagnostics if d.severity in ("error", "warning")]
    assert bad == []
    assert result.success and result.error == ""
    assert result.ir is not None and yaml.safe_load(result.ir_yaml) == result.ir
    assert json.loads(result.ast_json)["node"] == "Script"


@pytest.mark.parametrize("path", sorted(Path(EXAMPLES[0]).parent.glob("*.input.json")), ids=lambda p: p.stem)
def test_example_inputs_match_contract(path: Path) -> None:
    script = path.with_name(path.name.replace(".input.json", ".scriptum"))
    contract = compile_source(script.read_text(encoding="utf-8")).contract
    data = json.loads(path.read_text(encoding="utf-8"))
    names = {f["name"] for f in contract["inputs"]}
    required = {f["name"] for f in contract["inputs"] if f["required"]}
    assert set(data) <= names
    assert required <= set(data)


def test_examples_cover_every_construct() -> None:
    primitives: set[str] = set()

    def walk(steps: list[dict[str, Any]]) -> None:
        for s in steps:
            primitives.add(s["primitive"])
            walk(s.get("body", []))
            for b in s.get("branches", []):
                walk(b["body"])
            for lane in s.get("lanes", []):
                walk(lane)

    for path in EXAMPLES:
        ir = compile_source(path.read_text(encoding="utf-8")).ir
        assert ir is not None
        walk(ir["steps"])
        walk(ir["on_thread_error"])
    assert primitives == {
        "section", "let", "execute", "iterate", "pipe", "evaluate", "branch", "decide", "parallel", "repeat",
        "wait", "ask", "agent", "plan", "run", "emit", "yield", "send",
    }  # fmt: skip


def test_failure_shape_like_the_api() -> None:
    result = compile_source('script "T"\nlet a = b\nlet c = d\n')
    assert not result.success
    assert result.error == "2 errors; first: unknown name 'b' at 2:9"
    assert result.ast_json == "" and result.ir_yaml == "" and result.ir is None
    d = result.diagnostics[0]
    assert isinstance(d, CompileDiagnostic)
    assert d.to_api() == {
        "line": 2,
        "col": 9,
        "message": "unknown name 'b'",
        "hint": "",
        "severity": "error",
        "sourceLine": "let a = b",
    }
    assert (d.end_line, d.end_col, d.code) == (2, 10, "unknown-name")
    assert result.to_api()["toolsRequired"] == []


def test_warnings_do_not_fail_and_tools_are_sorted() -> None:
    result = compile_source(
        'script "T"\nimport tools\n  echo from native\nyield "Y"\n  a = 1\n'
        'do "B" with echo\n  message = 1\ndo "A" with llm\n  prompt = "x"\n'
    )
    assert result.success
    assert [d.severity for d in result.diagnostics] == ["warning"]
    assert result.tools_required == ("echo", "llm")


def test_columns_count_code_points() -> None:
    result = compile_source('script "T"\nlet a = "😀é" + nope\n')
    (d,) = result.diagnostics
    assert (d.col, d.end_col) == (16, 20)
    assert d.source_line[d.col - 1 : d.end_col - 1] == "nope"


def test_contract_shape() -> None:
    result = compiled(
        """
        -- @accepts_content_type image/*, application/pdf
        -- @accepts_extension .PNG, jpg
        script "Contract"
        enum Tier = Free | Pro
        enum Size : number = 1 | 2.5
        input
          q : text length(1, 10)  -- the query
          tier : Tier = Free
          tags : list<text> unique = []
          m : map<text, integer> = {}
        output
          answer : text
        stream
          pct : number
        env
          KEY from "STORE_KEY"
          MODEL : text = "gpt"
        emit
          answer = q
        """
    )
    c = result.contract
    assert c["inputs"][0] == {
        "name": "q",
        "type": {"kind": "text"},
        "defaultValueJson": "",
        "required": True,
        "description": "the query",
        "constraints": [{"name": "length", "args": [1, 10]}],
    }
    assert c["inputs"][1]["type"] == {"kind": "enum", "enumName": "Tier"}
    assert c["inputs"][1]["defaultValueJson"] == '"Free"' and not c["inputs"][1]["required"]
    assert c["inputs"][2]["type"] == {"kind": "list", "elementType": {"kind": "text"}}
    assert c["inputs"][2]["constraints"] == [{"name": "unique", "args": []}]
    assert c["inputs"][3]["type"] == {
        "kind": "map",
        "keyType": {"kind": "text"},
        "valueType": {"kind": "integer"},
    }
    assert [f["name"] for f in c["outputs"]] == ["answer"]
    assert [f["name"] for f in c["stream"]] == ["pct"]
    assert [(e["name"], e["defaultValueJson"], e["required"]) for e in c["env"]] == [
        ("KEY", "", True),
        ("MODEL", '"gpt"', False),
    ]
    assert c["enums"] == [
        {"name": "Tier", "baseType": "text", "variants": ["Free", "Pro"]},
        {"name": "Size", "baseType": "number", "variants": [1, 2.5]},
    ]
    assert c["acceptedContentTypes"] == ["image/*", "application/pdf"]
    assert c["acceptedExtensions"] == ["png", "jpg"]
    assert result.script_name == "Contract"


def test_contract_is_filled_even_with_errors() -> None:
    result = compile_source('script "T"\ninput\n  a : text\n  b : nosuchtype\nlet x = y\n')
    assert not result.success
    assert [f["name"] for f in result.contract["inputs"]] == ["a", "b"]


def test_ir_top_level() -> None:
    result = compiled(
        """
        script "IR"
        Line one.
        Line two.
        version "1.2.3"
        input
          limit : integer range(1, 100) = 10
        import tools
          echo from native
          search from mcp("srv")
          cloudy
        env
          A from "B"
          C = "d"
        let x = limit
        on thread error
          emit
            msg = error.message
        """
    )
    ir = result.ir
    assert ir is not None
    assert ir["ir_version"] == 1
    assert ir["script"] == {"name": "IR", "description": "Line one. Line two.", "version": "1.2.3"}
    assert ir["imports"] == [
        {"tool": "echo", "source": "native"},
        {"tool": "search", "source": "mcp:srv"},
        {"tool": "cloudy", "source": "cloud"},
    ]
    assert ir["env"] == [
        {"name": "A", "from": "B", "default": None, "type": {"kind": "text"}},
        {"name": "C", "from": None, "default": {"lit": "d"}, "type": {"kind": "text"}},
    ]
    assert ir["inputs"] == [
        {
            "name": "limit",
            "type": {"kind": "integer"},
            "required": False,
            "default": 10,
            "constraints": [{"name": "range", "args": [1, 100]}],
        }
    ]
    assert ir["steps"] == [{"path": "0", "primitive": "let", "label": None, "line": 14, "bind": "x",
                            "value": {"name": "limit"}}]  # fmt: skip
    assert ir["on_thread_error"][0]["path"] == "E.0"
    assert ir["on_thread_error"][0]["fields"] == {
        "msg": {"get": {"name": "error"}, "field": "message", "safe": False}
    }


def test_ir_expression_shapes() -> None:
    result = compiled(
        """
        script "E"
        input
          xs : list<number>
          o : object
          n : integer
        let a = not (1 + 2 * 3 > 4 - -n) or o?.k ?? "d"
        let b = map(xs, (v, i) => v * i)
        let c = xs[0].trim()
        let d = { k: [1, true, null], q: "hi {o.k}!" }
        let e = env("K", 3)
        """
    )
    vals = [step(result, i)["value"] for i in range(5)]
    lit = lambda v: {"lit": v}  # noqa: E731
    assert vals[0] == {
        "op": "or",
        "args": [
            {"op": "not", "args": [{"op": ">", "args": [
                {"op": "+", "args": [lit(1), {"op": "*", "args": [lit(2), lit(3)]}]},
                {"op": "-", "args": [lit(4), {"op": "neg", "args": [{"name": "n"}]}]},
            ]}]},
            {"op": "??", "args": [{"get": {"name": "o"}, "field": "k", "safe": True}, lit("d")]},
        ],
    }  # fmt: skip
    assert vals[1] == {"call": "map", "args": [{"name": "xs"}, {"lambda": ["v", "i"], "body": {
        "op": "*", "args": [{"name": "v"}, {"name": "i"}]}}]}  # fmt: skip
    assert vals[2] == {"method": "trim", "target": {"index": {"name": "xs"}, "at": lit(0)}, "args": []}
    assert vals[3] == {"object": {"k": {"list": [lit(1), lit(True), lit(None)]},
                                  "q": {"interp": ["hi ", {"path": ["o", "k"]}, "!"]}}}  # fmt: skip
    assert vals[4] == {"env": "K", "default": lit(3)}


def test_ir_steps() -> None:
    result = compiled(
        """
        script "S"
        input
          xs : list<text>
        import tools
          echo from native
          fetch_url from native
        ### Intro ###
        do "Call" with echo
          message = "hi"
          on error: fallback fetch_url { url = "u" }
        ->> out
        each "Loop" x, i in xs parallel 2 sleep 10
          let y = x
        -> ys
        pipe r from xs batch 5 parallel 2
          do "P" with echo
            message = r
          -> p
        -> ps
        check "C" count(xs) > 0
          on fail: retry
        check "Q"
          ask llm "Fine? {xs}"
          on pass: goto "Intro"
        decide "D" with rules
          when count(xs) > 1 -> "Many"
          otherwise -> "Few"
          "Many":
            let m = 1
          "Few":
            let m = 2
        decide "L" with llm
          prompt = "pick"
          "A":
            wait "5m"
          "B":
            wait 100
        together
          do "T1" with echo
            message = 1
          do "T2" with echo
            message = 2
        -> both
        repeat "R" max 3
          let k = 1
          until k > 0
        -> rs
        ask "Ask"
          prompt = "?"
          options = ["a"]
        -> answer
        agent "Ag" with llm
          task = "t"
          tools = ["echo"]
        -> ag
        plan "Pl" with llm
          task = "t"
        -> pl
        run pl
          x = 1
        -> ran
        emit "E"
          a = 1
        yield "Y"
          b = 2
        send "S" via "email"
          to = "a@b.c"
        """
    )
    ir = result.ir
    assert ir is not None
    prims = [(s["path"], s["primitive"]) for s in ir["steps"]]
    assert prims == [
        ("0", "section"), ("1", "execute"), ("2", "iterate"), ("3", "pipe"), ("4", "evaluate"),
        ("5", "evaluate"), ("6", "branch"), ("7", "decide"), ("8", "parallel"), ("9", "repeat"),
        ("10", "ask"), ("11", "agent"), ("12", "plan"), ("13", "run"), ("14", "emit"), ("15", "yield"),
        ("16", "send"),
    ]  # fmt: skip
    s = ir["steps"]
    assert s[0]["label"] == "Intro"
    assert s[1]["tool"] == "echo" and s[1]["bind"] == "out" and s[1]["stream"] is True
    assert s[1]["on_error"] == {"action": "fallback", "tool": "fetch_url", "inputs": {"url": {"lit": "u"}}}
    assert (s[2]["label"], s[2]["item"], s[2]["index"], s[2]["bind"]) == ("Loop", "x", "i", "ys")
    assert s[2]["parallel"] == {"lit": 2} and s[2]["sleep"] == {"lit": 10}
    assert s[2]["body"][0]["path"] == "2.0"
    assert s[3]["batch"] == {"lit": 5} and s[3]["body"][0]["bind"] == "p" and s[3]["bind"] == "ps"
    assert s[4]["on_pass"] == {"action": "continue"} and s[4]["on_fail"] == {"action": "retry", "count": 3}
    assert s[5]["condition"] is None and s[5]["ask_llm"] == {"interp": ["Fine? ", {"path": ["xs"]}]}
    assert s[5]["on_pass"] == {"action": "goto", "target": "Intro"}
    assert s[5]["on_fail"] == {"action": "fail", "message": None}
    assert s[6]["rules"][0]["branch"] == "Many" and s[6]["otherwise"] == "Few"
    assert [b["name"] for b in s[6]["branches"]] == ["Many", "Few"]
    assert s[6]["branches"][1]["body"][0]["path"] == "6.1.0"
    assert s[7]["inputs"] == {"prompt": {"lit": "pick"}}
    assert s[7]["branches"][0]["body"][0]["duration"] == {"lit": "5m"}
    assert [lane[0]["path"] for lane in s[8]["lanes"]] == ["8.0.0", "8.1.0"] and s[8]["bind"] == "both"
    assert s[9]["max"] == {"lit": 3} and s[9]["until"] is not None and s[9]["bind"] == "rs"
    assert s[10]["inputs"]["options"] == {"list": [{"lit": "a"}]}
    assert s[11]["tool"] == "llm" and s[12]["tool"] == "llm"
    assert s[13]["target"] == "pl" and s[13]["inputs"] == {"x": {"lit": 1}}
    assert s[14]["fields"] == {"a": {"lit": 1}} and s[16]["channel"] == "email"
    assert result.tools_required == ("echo", "fetch_url", "llm")


DIALECT_INDENT = """
script "D"
input
  source : text
import tools
  http_request from native
do "fetch" with http_request
  url = source
-> page
each x in [1, 2] parallel 2
  let y = x
-> ys
emit
  status = page.status
"""

DIALECT_BRACE = """
script "D" {
  input { source: text }
  import tools {
    http_request from native
  }
  page = do fetch with http_request { url = source }
  each x in [1, 2] parallel 2 {
    y = x
  } -> ys
  emit { status = page.status }
}
"""

DIALECT_INLINE = """
script "D"
input
  source : text
import tools
  http_request from native
do fetch with http_request(url: source) -> page
each x in [1, 2] parallel 2 -> ys
  let y = x
emit
  status = page.status
"""


def test_three_dialects_give_the_same_ir() -> None:
    irs = []
    for src in (DIALECT_INDENT, DIALECT_BRACE, DIALECT_INLINE):
        result = compile_source(src)
        assert result.success, [d.render() for d in result.diagnostics]
        ir = result.ir
        assert ir is not None

        def strip(v: Any) -> Any:
            if isinstance(v, dict):
                return {k: strip(x) for k, x in v.items() if k != "line"}
            if isinstance(v, list):
                return [strip(x) for x in v]
            return v

        irs.append(strip(ir))
    assert irs[0] == irs[1] == irs[2]


def test_brace_output_assignment_is_an_emit() -> None:
    result = compile_source('script "B" {\n  x = 1\n  output = x\n}\n')
    assert result.success
    assert step(result, 1) == {"path": "1", "primitive": "emit", "label": None, "line": 3,
                               "fields": {"output": {"name": "x"}}}  # fmt: skip


@pytest.mark.parametrize(
    "source",
    ["", "\n\n", "script", '"""', "script \"x\"\n\t\t\x00\x01", "{" * 500, "(" * 3000, "- " * 3000 + "1",
     'script "x"\nlet a = ' + "+".join(["1"] * 2000), 'script "x"\n' + "\n".join(" " * i + "each x in y" for i in range(300)),
     "\r\n\r", "script \"é\" {\n}}}\n", 'script "t"\nlet a = ' + "a." * 2000 + "b"],
)  # fmt: skip
def test_never_raises_on_hostile_input(source: str) -> None:
    result = compile_source(source)
    assert isinstance(result, CompileResult)
    assert result.success is False or result.error == ""
