"""Every diagnostic the checker and parser emit, as readable snapshots (exact range, severity, hint).

One `check(source, expected)` call per case; the expected text is `line:col-end_line:end_col severity
message (hint)` per diagnostic, 1-based, end-exclusive, sorted by position.
"""

from __future__ import annotations

from tests.language.helpers import check


def test_unknown_name_did_you_mean() -> None:
    check(
        r"""
        script "T"
        input
          query : text
        let q = quer
        """,
        r"""
        4:9-4:13 error unknown name 'quer' (did you mean 'query'?)
        """,
    )


def test_unknown_name_lookup_order_loop_first() -> None:
    check(
        r"""
        script "T"
        input
          items : list<text>
          item2 : text
        each item in items
          let x = itme
        """,
        r"""
        6:11-6:15 error unknown name 'itme' (did you mean 'item'?)
        """,
    )


def test_unknown_field_tool_input() -> None:
    check(
        r"""
        script "T"
        import tools
          http_request from native
        do "Fetch" with http_request
          ur = "https://example.com"
        """,
        r"""
        5:3-5:5 error unknown field 'ur' on http_request input (did you mean 'url'?)
        """,
    )


def test_inline_call_unknown_field() -> None:
    check(
        r"""
        script my_pipeline {
          import tools {
            http_request from native
          }
          do fetch_data with http_request(ur: input.source)
        }
        """,
        r"""
        5:35-5:37 error unknown field 'ur' on http_request input (did you mean 'url'?)
        """,
    )


def test_missing_required_input() -> None:
    check(
        r"""
        script "T"
        import tools
          web_search from native
        do "Search" with web_search
          max_results = 5
        """,
        r"""
        4:18-4:28 error missing required input 'query' for web_search
        """,
    )


def test_wrong_literal_type() -> None:
    check(
        r"""
        script "T"
        import tools
          web_search from native
        do "Search" with web_search
          query = "cats"
          max_results = "five"
        """,
        r"""
        6:17-6:23 error 'max_results' of web_search expects integer, got text
        """,
    )


def test_enum_value_of_tool_input() -> None:
    check(
        r"""
        script "T"
        do "Ask" with llm
          prompt = "hi"
          response_format = "jsn"
        """,
        r"""
        4:21-4:26 error 'response_format' of llm must be one of "text", "json" (did you mean 'json'?)
        """,
    )


def test_tool_not_imported() -> None:
    check(
        r"""
        script "T"
        import tools
          echo from native
        do "A" with ecko
          message = 1
        do "B" with http_request
          url = "x"
        do "C" with made_up
          x = 1
        """,
        r"""
        4:13-4:17 error tool 'ecko' is not imported (did you mean 'echo'?)
        8:13-8:20 error tool 'made_up' is not imported (import it in the 'import tools' block)
        """,
    )


def test_native_tools_need_no_import_but_their_inputs_are_checked() -> None:
    """The reference's own script calls http_request unimported; the platform reports only the field."""
    check(
        r"""
        script my_pipeline {
          do fetch_data with http_request(ur: input.source)
        }
        """,
        r"""
        2:35-2:37 error unknown field 'ur' on http_request input (did you mean 'url'?)
        """,
    )


def test_model_capability_needs_no_import() -> None:
    check(
        r"""
        script "T"
        do "Embed" with embed
          text = "hello"
        -> v
        """,
        r"""

        """,
    )


def test_duplicate_binding() -> None:
    check(
        r"""
        script "T"
        input
          name : text
        let a = 1
        let a = 2
        let name = 3
        """,
        r"""
        5:5-5:6 error 'a' is already declared as a binding (bindings are immutable; pick a new name)
        6:5-6:9 error 'name' is already declared as an input (bindings are immutable; pick a new name)
        """,
    )


def test_decide_branches_may_rebind() -> None:
    check(
        r"""
        script "T"
        input
          n : integer
        decide "D" with rules
          when n > 1 -> "A"
          otherwise -> "B"
          "A":
            let r = 1
          "B":
            let r = 2
        let s = r
        """,
        r"""

        """,
    )


def test_block_order() -> None:
    check(
        r"""
        script "T"
        env
          KEY = "x"
        import tools
          echo from native
        input
          a : text
        do "E" with echo
          message = a
        output
          b : text
        """,
        r"""
        4:1-4:7 warning 'import tools' is out of order and is skipped by the platform (move it before 'env')
        6:1-6:6 warning 'input' is out of order and is skipped by the platform (move it before 'env')
        10:1-10:7 warning 'output' after the first step is skipped by the platform (move it above the steps)
        11:3-11:4 warning output field 'b' is never set by 'emit'
        """,
    )


def test_annotations() -> None:
    check(
        r"""
        -- @accepts_extensions pdf
        -- @accepts_content_type
        script "T"
        -- @accepts_extension pdf
        """,
        r"""
        1:4-1:23 warning unknown annotation '@accepts_extensions' (did you mean 'accepts_extension'?)
        2:1-2:25 warning '@accepts_content_type' has no values
        4:1-4:26 warning annotation '@accepts_extension' is ignored after 'script' (move it above the 'script' line)
        """,
    )


def test_enum_rules() -> None:
    check(
        r"""
        script "T"
        enum Mixed = A | 2
        enum Dup = A | A
        enum Base : text = 1 | 2
        enum Wide : integer = 1 | 2.5
        enum Odd : strin = X
        enum Mixed = B
        """,
        r"""
        2:18-2:19 error enum 'Mixed' mixes text and numeric variants
        3:16-3:17 error duplicate variant 'A' in enum 'Dup'
        4:13-4:17 error enum 'Base' is declared text but has numeric variants
        5:13-5:20 error enum 'Wide' is declared integer but has non-integer variants (declare it ': number')
        6:12-6:17 error enum base must be integer, number or text, not 'strin'
        7:6-7:11 error duplicate enum 'Mixed'
        """,
    )


def test_types_and_constraints() -> None:
    check(
        r"""
        script "T"
        enum Tier = Free | Pro
        input
          a : strng
          b : text range(1, 2)
          c : integer length(1, 2)
          d : list<text> unique(1)
          e : integer range(5, 1)
          f : text lenght(1, 2)
          g : map
          h : integer = "ten"
          i : Tier = Gold
          j : text = input_default
          k : list<text, text>
        """,
        r"""
        4:7-4:12 error unknown type 'strng' (did you mean 'string'?)
        5:12-5:23 error 'range' applies to number or integer fields, not text
        6:15-6:27 error 'length' applies to text fields, not integer
        7:18-7:27 error 'unique' takes 0 arguments, got 1 (write unique without parentheses)
        8:15-8:26 error 'range' minimum is greater than its maximum
        9:12-9:18 error unknown constraint 'lenght' (did you mean 'length'?)
        10:7-10:10 error 'map' needs key and value types (write map<text, any>)
        11:17-11:22 error default of 'h' should be integer, got text
        12:14-12:18 error 'Gold' is not a variant of enum 'Tier'
        13:14-13:27 error the default of 'j' must be a literal
        14:7-14:23 error 'list' takes 1 type parameter
        """,
    )


def test_emit_vs_output() -> None:
    check(
        r"""
        script "T"
        output
          status : text
          count : integer
          never : text
        emit "Done"
          status = "ok"
          cuont = 3
        emit "Again"
          status = 1
          count = 2
        """,
        r"""
        5:3-5:8 warning output field 'never' is never set by 'emit'
        8:3-8:8 error 'cuont' is not a field of the output block (did you mean 'count'?)
        10:12-10:13 error output field 'status' is text, got integer
        """,
    )


def test_stream_field_never_yielded() -> None:
    check(
        r"""
        script "T"
        stream
          pct : number
          stage : text
        yield "Progress"
          pct = 0.5
        """,
        r"""
        4:3-4:8 warning stream field 'stage' is never set by 'yield'
        """,
    )


def test_yield_without_stream() -> None:
    check(
        r"""
        script "T"
        yield "Progress"
          pct = 1
        """,
        r"""
        2:1-2:6 warning 'yield' without a 'stream' block (declare the yielded fields in a stream block)
        """,
    )


def test_check_and_goto() -> None:
    check(
        r"""
        script "T"
        ### Start ###
        check "Gate" 1 > 0
          on pass: goto "Strat"
          on fail: goto "Nowhere"
        check "Empty"
        """,
        r"""
        4:17-4:24 error unknown goto target 'Strat' (did you mean 'Start'?)
        5:17-5:26 error unknown goto target 'Nowhere'
        6:1-6:6 error 'check' needs a condition or an 'ask llm' question (write check "Label" <condition>)
        """,
    )


def test_decide_structure() -> None:
    check(
        r"""
        script "T"
        decide "D" with rules
          when true -> "Yes"
          otherwise -> "Noo"
          "Yes":
            let a = 1
          "No":
            let a = 2
          "Extra":
            let a = 3
        decide "L" with llm
          "Only":
            let b = 1
        """,
        r"""
        4:16-4:21 error no branch named 'Noo' (did you mean 'No'?)
        7:3-7:7 warning branch 'No' is never chosen (did you mean 'Noo'?)
        9:3-9:10 warning branch 'Extra' is never chosen
        11:1-11:7 error 'decide ... with llm' needs at least two branches
        """,
    )


def test_interpolation() -> None:
    check(
        r'''
        script "T"
        input
          name : text
        let a = "Hello {nme}"
        let b = "Count {count(name)}"
        let c = "Open { brace"
        let d = """raw {anything: here}"""
        ''',
        r"""
        4:17-4:20 error unknown name 'nme' (did you mean 'name'?)
        5:16-5:29 error only a name or a dotted path can be interpolated (compute the value with 'let' first, or write \{ for a literal brace)
        6:15-6:16 error unclosed '{' in string (write \{ for a literal brace)
        """,
    )


def test_syntax_errors_recover() -> None:
    check(
        r"""
        script "T"
        let a = (1 +
        let b = 2 +
        do "X" with
        frobnicate "y"
        let c = "unterminated
        let d = 3 $ 4
        let ok = 5
        """,
        r"""
        2:12-2:13 error expected an expression, found end of line
        3:11-3:12 error expected an expression, found end of line
        4:8-4:12 error expected a tool name, found end of line
        5:1-5:11 error unknown step 'frobnicate'
        6:9-6:22 error unterminated string (close it with ")
        7:11-7:12 error unexpected character '$'
        """,
    )


def test_unknown_function_and_arity() -> None:
    check(
        r"""
        script "T"
        let a = cnt([1, 2])
        let b = count(1, 2)
        let c = "x".trimm()
        let e = upper("a", "b")
        let d = count
        """,
        r"""
        2:9-2:12 error unknown function 'cnt'
        3:9-3:14 error 'count' takes 1 argument, got 2
        4:13-4:18 error unknown method 'trimm' (did you mean 'trim'?)
        5:9-5:14 error 'upper' takes 1 argument, got 2
        6:9-6:14 error unknown name 'count' ('count' is a function; call it as count(...))
        """,
    )


def test_ask_agent_plan_fields() -> None:
    check(
        r"""
        script "T"
        ask "Q"
          promt = "?"
          type = "txt"
          timeout = "soon"
        agent "A" with gpt
          task = "t"
        plan "P" with llm
          tasks = "t"
        """,
        r"""
        3:3-3:8 error unknown field 'promt' on ask (did you mean 'prompt'?)
        4:10-4:15 error ask type must be "text", "number" or "boolean" (did you mean 'text'?)
        5:13-5:19 error invalid duration 'soon' (write a duration like "30s", "5m" or "2h")
        6:1-6:6 error missing required field 'tools' on agent
        6:16-6:19 error 'agent' runs with llm, not 'gpt' (write agent "..." with llm)
        9:3-9:8 error unknown field 'tasks' on plan (did you mean 'task'?)
        """,
    )


def test_wait_and_repeat() -> None:
    check(
        r"""
        script "T"
        wait "5 minutes"
        repeat
          let x = 1
        """,
        r"""
        2:6-2:17 error invalid duration '5 minutes' (write a duration like "30s", "5m" or "2h")
        3:1-3:7 error 'repeat' needs 'until <condition>' or 'max <n>' (add an 'until' line after the body)
        """,
    )


def test_iterate_non_list() -> None:
    check(
        r"""
        script "T"
        input
          n : integer
        each x in n
          let y = x
        -> ys
        let s = "a { n } b {missing}"
        """,
        r"""
        4:11-4:12 warning 'each' needs a list to iterate over, got integer
        7:21-7:28 error unknown name 'missing'
        """,
    )


def test_header_and_block_misuse() -> None:
    check(
        r"""
        script "T"
        script "Again"
        version "1"
        version "2"
        enum text = A | B
        output
          o : text = "x"
        secrets
          TOKEN from "T"
        each x in [1]
        repeat max 2
        let v = 1
        version = "3"
        run "plan"
        on thread error
          let h = 1
        on thread error
          let h2 = 2
        """,
        r"""
        2:1-2:7 error duplicate 'script' header
        4:1-4:8 error duplicate 'version'
        5:6-5:10 warning enum 'text' hides the type of the same name
        7:3-7:4 warning output field 'o' is never set by 'emit'
        7:14-7:17 error 'x' is not a variant of enum 'text' (did you mean 'A'?)
        7:14-7:17 info defaults are only meaningful on input fields
        8:1-8:8 info the 'secrets' block is legacy (use an 'env' block)
        10:1-10:5 error 'each' has an empty body (indent its steps under it)
        11:1-11:7 error 'repeat' has an empty body
        13:1-13:8 error 'version' belongs to the header
        14:5-14:11 error the 'run' target is an identifier, not a string (write run plan)
        17:1-17:3 error duplicate 'on thread error' handler
        """,
    )


def test_do_clauses() -> None:
    check(
        r"""
        script "T"
        import tools
          echo from native
        do "E" with echo
          message = 1
          on error: retry 2
          on error: ignore
          -> a
          extra = 2
        decide "D" with rules
          when true -> "Empty"
          otherwise -> "Empty"
        """,
        r"""
        7:3-7:5 error only one 'on error' clause per step
        9:3-9:8 error inputs must come before the '->' binding
        9:3-9:8 error unknown field 'extra' on echo input
        11:16-11:23 info branch 'Empty' has no body; choosing it does nothing (add a "Empty": block)
        12:16-12:23 info branch 'Empty' has no body; choosing it does nothing (add a "Empty": block)
        """,
    )


def test_more_syntax() -> None:
    check(
        r'''
        script "T"
        let a = 1 < 2 < 3
        import tools
          * from
          x from mcp(1)
        let b = [1, 2
        let c = x.
        } 
        each "L" in xs
          let z = 1
        let d = """never closed
        ''',
        r'''
        2:15-2:16 error comparisons cannot be chained; use 'and', found '<'
        4:5-4:9 error expected a tool source (native or mcp("server")), found end of line
        5:14-5:15 error expected the MCP server name as a string, found '1'
        6:13-6:14 error expected ']' to close the list, found end of line
        7:10-7:11 error expected a field name after '.', found end of line
        8:1-8:2 error unmatched '}'
        9:10-9:12 error expected a loop variable, found 'in'
        11:9-11:12 error unterminated triple-quoted string (close it with """)
        ''',
    )


def test_common_slips() -> None:
    check(
        r"""
        script "T"
        input
          a : integer
        check "C" a = 1
        let s = 'single'
        total = a + 1
        """,
        r"""
        4:13-4:14 error expected end of line, found '=' (use '==' to compare)
        5:9-5:10 error unexpected character "'" (strings use double quotes)
        6:1-6:6 info assignment without 'let' (brace-dialect form) (write let total = ...)
        """,
    )


def test_send_channel() -> None:
    check(
        r"""
        script "T"
        send "Ping" via "slak"
          text = "hi"
        """,
        r"""
        2:17-2:23 warning unknown channel 'slak' (did you mean 'slack'?)
        """,
    )


def test_env_usage() -> None:
    check(
        r"""
        script "T"
        env
          API_KEY from "API_KEY"
        let a = env(API_KEI)
        let b = env("OTHER", "x")
        """,
        r"""
        4:13-4:20 warning env key 'API_KEI' is not declared in the env block (did you mean 'API_KEY'?)
        5:13-5:20 warning env key 'OTHER' is not declared in the env block (declare it in an env block)
        """,
    )


def test_field_access() -> None:
    check(
        r"""
        script "T"
        input
          n : integer
        import tools
          echo from native
        do "Echo" with echo
          message = "x"
        -> out
        let a = out.mesage
        let b = out?.mesage
        let c = n.value
        let d = input.m
        """,
        r"""
        9:13-9:19 error unknown field 'mesage' on echo output (did you mean 'message'?)
        11:11-11:16 warning an integer value has no field 'value'
        12:15-12:16 error unknown field 'm' on input (did you mean 'n'?)
        """,
    )


def test_misplaced_steps() -> None:
    check(
        r"""
        script "T"
        -> orphan
        on pass: continue
        "Branch":
          let z = 1
        on error: retry
        dooo "x" with echo
        """,
        r"""
        2:1-2:3 error '->' must follow a step that produces a value
        3:1-3:3 error 'on pass' must follow a 'check' step
        4:1-4:9 error branch header outside a 'decide' step
        6:1-6:3 error 'on error' must be indented under a 'do' step
        7:1-7:5 error unknown step 'dooo' (did you mean 'do'?)
        """,
    )


def test_brace_dialect_infos() -> None:
    check(
        r"""
        script "B" {
          input { pdf: file }
          each x from [1, 2] {
            let y = x
          }
          decide on pdf {
            when true {
              let z = 1
            }
          }
        """,
        r"""
        1:12-1:13 error missing '}' to close this block
        2:16-2:20 warning 'file' is not a documented type; it is treated as 'binary' (write binary)
        3:10-3:14 info 'each' iterates with 'in' (write 'in' instead of 'from')
        6:3-6:9 info 'decide on' is the product-page form (write decide "Label" with rules)
        """,
    )


def test_duplicates_in_blocks() -> None:
    check(
        r"""
        script "T"
        input
          a : text
          a : integer
        import tools
          echo from native
          echo from native
          llm from native
          foo from somewhere
          bar from native
        env
          K = "1"
          K = "2"
        input
          b : text
        """,
        r"""
        4:3-4:4 error duplicate field 'a' in 'input'
        7:3-7:7 warning tool 'echo' is imported twice
        8:3-8:6 info 'llm' is a model capability and needs no import
        9:3-9:6 warning unknown tool source 'somewhere' (use native or mcp("server"))
        10:3-10:6 warning unknown native tool 'bar'
        13:3-13:4 error duplicate env key 'K'
        14:1-14:6 error duplicate 'input' block
        """,
    )


def test_missing_script() -> None:
    check(
        r"""
        let a = 1
        """,
        r"""
        1:1-1:10 error missing 'script "Name"' header (start the file with script "Name")
        """,
    )


def test_step_inputs() -> None:
    check(
        r"""
        script "T"
        do "E" with echo
          message = 1
          message = 2
        let o = { a: 1, a: 2 }
        """,
        r"""
        4:3-4:10 error duplicate field 'message'
        5:17-5:18 warning duplicate key 'a'
        """,
    )


def test_model_capability_outputs_are_open() -> None:
    """A prompt can ask for structured output: any field of an `llm` (or other model capability) step's output
    may be read (`parsed.confidence`, `parsed.total`); a closed tool's output still rejects unknown fields."""
    check(
        r"""
        script "Invoice"
        input
          doc : text
        do "Parse" with llm
          prompt = "Return JSON with confidence and total for: {doc}"
        -> parsed
        let c = parsed.confidence
        let t = parsed.total
        do "Echo" with echo
          message = "x"
        -> e
        let bad = e.nope
        emit "Done"
        """,
        r"""
        12:13-12:17 error unknown field 'nope' on echo output
        """,
    )
