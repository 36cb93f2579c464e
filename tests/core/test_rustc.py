"""core.rustc: rustc's rendered output (captured from real `cargo check --color never` runs of a crate that
uses the emulator's stand-in `ignite` SDK, cargo 1.95) -> diagnostics."""

from __future__ import annotations

import pytest

from scriptum_lsp.core.rustc import RustDiagnostic, parse_rendered

THREE_ERRORS = """\
    Checking hello v0.1.0 (/tmp/rt/user)
error[E0425]: cannot find value `missing_name` in this scope
 --> src/main.rs:8:20
  |
8 |     println!("{}", missing_name);
  |                    ^^^^^^^^^^^^ not found in this scope

error[E0425]: cannot find value `req` in this scope
  --> src/main.rs:19:5
   |
19 |     req.payload()
   |     ^^^ not found in this scope

error[E0308]: mismatched types
 --> src/main.rs:6:18
  |
6 |     let n: i32 = "not a number";
  |            ---   ^^^^^^^^^^^^^^ expected `i32`, found `&str`
  |            |
  |            expected due to this

Some errors have detailed explanations: E0308, E0425.
For more information about an error, try `rustc --explain E0308`.
error: could not compile `hello` (bin "hello") due to 3 previous errors
"""

MISSING_DEPENDENCY = """\
error: no matching package named `serde_json` found
location searched: crates.io index
required by package `hello v0.1.0 (/tmp/rt/user)`
As a reminder, you're using offline mode (--offline) which can sometimes cause surprising resolution failures, if this error is too confusing you may wish to retry without `--offline`.
"""

SIGNATURE_NOTE_AND_WARNING = """\
    Checking hello v0.1.0 (/tmp/rt/user)
error[E0593]: function is expected to take 2 arguments, but it takes 1 argument
   --> src/main.rs:4:10
    |
  3 | #[ignite::main]
    | --------------- required by a bound introduced by this call
  4 | async fn handler(req: Request) -> String {
    | ---------^^^^^^^------------------------
    | |        |
    | |        expected function that takes 2 arguments
    | takes 1 argument
    |
note: required by a bound in `ignite::__private::check_handler`
   --> /tmp/rt/ignite/src/lib.rs:495:12
    |
493 |     pub fn check_handler<F, Fut>(handler: F)
    |            ------------- required by a bound in this function
494 |     where
495 |         F: Fn(Request, Context) -> Fut,
    |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^ required by this bound in `check_handler`

warning: unused variable: `x`
 --> src/main.rs:5:9
  |
5 |     let x = 1;
  |         ^ help: if this is intentional, prefix it with an underscore: `_x`
  |
  = note: `#[warn(unused_variables)]` (part of `#[warn(unused)]`) on by default

For more information about this error, try `rustc --explain E0593`.
warning: `hello` (bin "hello") generated 1 warning
error: could not compile `hello` (bin "hello") due to 1 previous error; 1 warning emitted
"""

CLEAN = """\
    Checking hello v0.1.0 (/tmp/rt/user)
    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.05s
"""

D = RustDiagnostic
CASES: list[tuple[str, str, list[RustDiagnostic]]] = [
    (
        "three errors, one with a two-digit line (wider gutter)",
        THREE_ERRORS,
        [
            D("src/main.rs", 8, 20, "error", "cannot find value `missing_name` in this scope", "E0425"),
            D("src/main.rs", 19, 5, "error", "cannot find value `req` in this scope", "E0425"),
            D("src/main.rs", 6, 18, "error", "mismatched types", "E0308"),
        ],
    ),
    (
        "a dependency cargo cannot resolve offline: no location",
        MISSING_DEPENDENCY,
        [D("", 0, 0, "error", "no matching package named `serde_json` found", None)],
    ),
    (
        "an error, its note in another file, a warning; cargo's summaries dropped",
        SIGNATURE_NOTE_AND_WARNING,
        [
            D(
                "src/main.rs",
                4,
                10,
                "error",
                "function is expected to take 2 arguments, but it takes 1 argument",
                "E0593",
            ),
            D(
                "/tmp/rt/ignite/src/lib.rs",
                495,
                12,
                "note",
                "required by a bound in `ignite::__private::check_handler`",
                None,
            ),
            D("src/main.rs", 5, 9, "warning", "unused variable: `x`", None),
        ],
    ),
    ("a clean check", CLEAN, []),
    ("nothing", "", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_rendered(text: str, expected: list[RustDiagnostic]) -> None:
    assert parse_rendered(text.splitlines()) == expected


def test_lines_may_keep_their_newlines_and_crlf() -> None:
    lines = [line + "\r\n" for line in THREE_ERRORS.splitlines()]
    assert parse_rendered(lines) == CASES[0][2]


def test_an_indented_note_is_not_a_diagnostic() -> None:
    assert parse_rendered(["  = note: `#[warn(unused_variables)]` on by default"]) == []
