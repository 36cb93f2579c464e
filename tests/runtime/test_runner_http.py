"""http_request / fetch_url against a real HTTP server on 127.0.0.1, retries and the host allow list."""

from __future__ import annotations

from typing import Any

import pytest

from scriptum_lsp.emulator.runner import RunConfig
from tests.runtime.conftest import _Server
from tests.runtime.kit import FAST, do, emit, get, interp, lit, name, run, script


async def test_get_json(base_url: str) -> None:
    ir = script(do("Fetch", "http_request", bind="r", url=lit(f"{base_url}/count")), emit(r=name("r")))
    outcome, _ = await run(ir)
    assert outcome.output is not None
    r = outcome.output["r"]
    assert (r["status"], r["ok"], r["body"], r["headers"]["content-type"]) == (
        200,
        True,
        {"n": 1},
        "application/json",
    )


async def test_post_json_body_headers_and_query(base_url: str) -> None:
    ir = script(
        do(
            "Post",
            "http_request",
            bind="r",
            url=lit(f"{base_url}/echo"),
            method=lit("post"),
            headers=lit({"X-Test": "yes"}),
            query=lit({"q": "a b"}),
            body={"object": {"n": lit(1)}},
        ),
        emit(body=get(name("r"), "body")),
    )
    outcome, _ = await run(ir)
    assert outcome.output == {
        "body": {
            "method": "POST",
            "query": "q=a+b",
            "header": "yes",
            "body": '{"n":1}',
            "content_type": "application/json",
        }
    }


async def test_text_body_and_fetch_url(base_url: str) -> None:
    ir = script(
        do(
            "Raw",
            "http_request",
            bind="a",
            url=lit(f"{base_url}/echo"),
            method=lit("POST"),
            body=lit("hello"),
        ),
        do("Page", "fetch_url", bind="b", url=lit(f"{base_url}/text")),
        emit(sent=get(get(name("a"), "body"), "body"), page=get(name("b"), "content")),
    )
    outcome, _ = await run(ir)
    assert outcome.output == {"sent": "hello", "page": "plain words"}


async def test_retry_with_backoff_until_success(base_url: str, http_server: _Server) -> None:
    ir = script(
        do(
            "Flaky",
            "http_request",
            bind="r",
            on_error={"action": "retry", "count": 3},
            url=lit(f"{base_url}/flaky"),
        )
    )
    outcome, sink = await run(ir)
    assert outcome.status == "COMPLETED"
    assert http_server.hits["/flaky"] == 3
    assert sink.trace() == ["0 execute FAILED", "0 execute FAILED #2", "0 execute COMPLETED #3"]
    assert "returned 503 Service Unavailable: busy" in str(sink.finished[0].error)


async def test_retry_exhausted_pauses(base_url: str, http_server: _Server) -> None:
    ir = script(
        do("Flaky", "http_request", on_error={"action": "retry", "count": 1}, url=lit(f"{base_url}/flaky"))
    )
    outcome, _ = await run(ir)
    assert outcome.status == "PAUSED" and outcome.error is not None
    assert (outcome.error["code"], http_server.hits["/flaky"]) == ("HTTP_503", 2)


async def test_client_errors_are_not_retried(base_url: str, http_server: _Server) -> None:
    ir = script(
        do(
            "Missing",
            "http_request",
            on_error={"action": "retry", "count": 3},
            url=lit(f"{base_url}/status/404"),
        )
    )
    outcome, _ = await run(ir)
    assert outcome.error is not None and outcome.error["code"] == "HTTP_404"
    assert http_server.hits["/status/404"] == 1


@pytest.mark.parametrize(
    ("url", "code", "fragment"),
    [
        (
            "https://example.com/x",
            "HOST_NOT_ALLOWED",
            "host 'example.com' is not allowed in the local emulator",
        ),
        ("ftp://127.0.0.1/x", "BAD_TOOL_INPUT", "is not an absolute http(s) URL"),
    ],
)
async def test_url_policy(url: str, code: str, fragment: str) -> None:
    outcome, _ = await run(script(do("Out", "http_request", url=lit(url))))
    assert outcome.status == "PAUSED" and outcome.error is not None
    assert outcome.error["code"] == code and fragment in outcome.error["message"]


async def test_allow_list_is_configurable(base_url: str) -> None:
    ir = script(do("Fetch", "http_request", url=lit(f"{base_url}/count")))
    outcome, _ = await run(ir, config=RunConfig(allow_hosts=frozenset({"localhost"})))
    assert outcome.error is not None and outcome.error["code"] == "HOST_NOT_ALLOWED"


async def test_timeout(base_url: str) -> None:
    ir = script(do("Slow", "http_request", url=lit(f"{base_url}/slow"), timeout_ms=lit(100)))
    outcome, _ = await run(ir)
    assert outcome.error is not None and "timed out" in outcome.error["message"]


async def test_missing_required_input() -> None:
    outcome, _ = await run(script(do("Bad", "http_request", method=lit("GET"))))
    assert outcome.error is not None
    assert (
        outcome.error["message"] == "RUNTIME ERROR at step \"Bad\": tool 'http_request' requires input 'url'"
    )


@pytest.mark.parametrize(
    ("tool", "inputs", "expected"),
    [
        ("echo", {"message": lit({"a": 1})}, {"message": {"a": 1}}),
        ("normalize", {"text": lit("  Hello World ")}, {"text": "hello world"}),
        ("normalize", {"text": lit("a   b"), "operation": lit("CollapseWhitespace")}, {"text": "a b"}),
        (
            "text_template",
            {"template": lit("Hi {who}, {missing}"), "values": lit({"who": "Ada"})},
            {"text": "Hi Ada, {missing}"},
        ),
        ("json_parse", {"text": lit('[1, {"a": null}]')}, {"value": [1, {"a": None}]}),
        ("json_stringify", {"value": lit({"a": [1]})}, {"text": '{"a":[1]}'}),
        ("json_stringify", {"value": lit({"a": 1}), "indent": lit(2)}, {"text": '{\n  "a": 1\n}'}),
        ("text_split", {"text": lit("a\n\nb")}, {"parts": ["a", "", "b"], "count": 3}),
        (
            "text_split",
            {"text": lit("a,,b"), "separator": lit(","), "skip_empty": lit(True)},
            {"parts": ["a", "b"], "count": 2},
        ),
        (
            "regex_extract",
            {"text": lit("id-1 id-22"), "pattern": lit("id-(\\d+)"), "group": lit(1)},
            {"matches": ["1", "22"], "count": 2},
        ),
    ],
)
async def test_local_helper_tools(tool: str, inputs: dict[str, Any], expected: Any) -> None:
    outcome, _ = await run(script(do("T", tool, bind="r", **inputs), emit(r=name("r"))), config=FAST)
    assert outcome.output == {"r": expected}


@pytest.mark.parametrize(
    ("tool", "inputs", "fragment"),
    [
        ("normalize", {"text": lit("x"), "operation": lit("Shout")}, "unknown operation 'Shout'"),
        ("json_parse", {"text": lit("{")}, "invalid JSON"),
        ("regex_extract", {"text": lit("x"), "pattern": lit("(")}, "invalid pattern"),
        ("text_template", {"template": lit(1)}, "input 'template' must be text, got integer"),
    ],
)
async def test_local_helper_errors(tool: str, inputs: dict[str, Any], fragment: str) -> None:
    outcome, _ = await run(script(do("T", tool, **inputs)))
    assert outcome.error is not None and fragment in outcome.error["message"]


async def test_interpolated_url(base_url: str) -> None:
    ir = script(
        do("F", "http_request", bind="r", url=interp(base_url, "/count")),
        emit(n=get(get(name("r"), "body"), "n")),
    )
    outcome, _ = await run(ir)
    assert outcome.output == {"n": 1}
