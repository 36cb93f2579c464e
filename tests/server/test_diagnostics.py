"""Diagnostics end to end over stdio against the emulator: exact ranges in the client's position encoding
(VS Code: UTF-16, Neovim: UTF-8 and pull diagnostics), quick fixes, missing scripts, closing."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.server.conftest import (
    Start,
    change_full,
    change_range,
    doc_uri,
    open_doc,
    options,
    render,
    wait_diagnostics,
    wait_status,
)
from tests.support.emulator import Emulator

HEAD = 'script "Hello"\n\ninput\n  name : text\n\noutput\n  greeting : text\n\nemit "Done"\n'
GOOD = HEAD + '  greeting = "hi {name}"\n'


def remote(ds: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in ds if d.source == "scriptum"]


def units(prefix: str, encoding: str) -> int:
    """Independent reference: the length of `prefix` in the client's units."""
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    if encoding == "utf-16":
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix)


async def test_error_range_quick_fix_and_fix_all(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(emulator, org))
    uri = doc_uri(tmp_path, "hello.scriptum")
    text = HEAD + '  greeting = "hi {nme}"\n'
    open_doc(client, uri, text)
    diags = await wait_diagnostics(client, uri, lambda ds: bool(remote(ds)))
    assert render(remote(diags)) == ["9:18-9:21 error unknown name 'nme' (did you mean 'name'?)"]
    d = remote(diags)[0]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=d.range,
            context=types.CodeActionContext(diagnostics=[d], only=[types.CodeActionKind.QuickFix]),
        )
    )
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.is_preferred]
    assert [f.title for f in fixes] == ["Replace 'nme' with 'name'"]
    edit = fixes[0].edit
    assert edit is not None and edit.changes is not None
    (text_edit,) = edit.changes[uri]
    assert (text_edit.range.start.character, text_edit.range.end.character, text_edit.new_text) == (
        18,
        21,
        "name",
    )

    fix_all = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.scriptum"]),
        )
    )
    assert [a.title for a in fix_all or [] if isinstance(a, types.CodeAction)] == [
        "Apply all Scriptum suggestions"
    ]

    # apply the fix as the editor would (this line is ASCII: characters are UTF-16 units): the error goes away
    lines = text.split("\n")
    r = text_edit.range
    lines[r.start.line] = (
        lines[r.start.line][: r.start.character] + text_edit.new_text + lines[r.end.line][r.end.character :]
    )
    fixed = "\n".join(lines)
    assert fixed == GOOD
    change_full(client, uri, fixed, 2)
    await wait_diagnostics(client, uri, lambda ds: not remote(ds))

    # closing clears everything
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    change_back = HEAD + '  greeting = "hi {nme}"\n'
    open_doc(client, uri, change_back, version=3)
    await wait_diagnostics(client, uri, lambda ds: bool(remote(ds)))
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_diagnostics(client, uri, lambda ds: ds == [])


# Lines that put wide characters, tabs and CJK before a faulty name; every line break style.
PREFIXES = ['let a = "😀\t中文 {', 'let b = "\t\t{', 'let c = "é😀😀 ĳ {']
WIDE = 'script "Wide"\n\ninput\n  name : text\n\n' + "".join(
    p + f"nm{i}" + '}"\n' for i, p in enumerate(PREFIXES)
)


@pytest.mark.parametrize("caps", ["visual-studio-code", "neovim"])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
async def test_exact_ranges(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path, caps: str, eol: str
) -> None:
    client = await start_server(options(emulator, org), caps=caps)
    encoding = "utf-8" if caps == "neovim" else "utf-16"
    uri = doc_uri(tmp_path, "wide.scriptum")
    open_doc(client, uri, WIDE.replace("\n", eol))
    diags = await wait_diagnostics(client, uri, lambda ds: len(remote(ds)) >= 3)
    got = sorted((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
                 for d in remote(diags) if "nm" in d.message)  # fmt: skip
    want = [(5 + i, units(p, encoding), 5 + i, units(p, encoding) + 3) for i, p in enumerate(PREFIXES)]
    assert got == want, render(diags)


async def test_neovim_pull_diagnostics(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(emulator, org), caps="neovim")
    uri = doc_uri(tmp_path, "pull.scriptum")
    prefix = '  greeting = "中文 {'
    open_doc(client, uri, HEAD + prefix + 'nme}"\n')
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    (d,) = remote(list(report.items))
    assert d.range.start.character == len(prefix.encode("utf-8"))
    assert d.message == "unknown name 'nme' (did you mean 'name'?)"


async def test_missing_script_offers_to_create_it(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(emulator, org, createMissingScripts=False))
    uri = doc_uri(tmp_path, "not-there-yet.scriptum")
    open_doc(client, uri, GOOD)
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.code == "missing-script" for d in ds))
    (notice,) = [d for d in diags if d.code == "missing-script"]
    assert notice.severity == types.DiagnosticSeverity.Information
    assert notice.range.start.line == 0
    assert "not-there-yet" in notice.message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=notice.range,
            context=types.CodeActionContext(diagnostics=[notice]),
        )
    )
    titles = [a.title for a in actions or []]  # command-only actions may decode as Command
    assert "Create script 'not-there-yet'" in titles
    with emulator.client(org) as http:
        assert http.get("/v1/scriptum/scripts/not-there-yet").status_code == 404


async def test_scripts_are_created_on_the_emulator(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    """On a loopback emulator `createMissingScripts` defaults to true; the draft holds the buffer."""
    client = await start_server(options(emulator, org))
    uri = doc_uri(tmp_path, "auto-made.scriptum")
    open_doc(client, uri, GOOD)
    await wait_status(client, "ok")
    with emulator.client(org) as http:
        draft = http.get("/v1/scriptum/scripts/auto-made/draft").json()
    assert draft["dslContent"] == GOOD


async def test_out_of_range_changes_are_clamped(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(emulator, org))
    uri = doc_uri(tmp_path, "clamp.scriptum")
    open_doc(client, uri, GOOD)
    await wait_status(client, "ok")
    # an insertion far past the end of the document lands at its end (LSP: positions are clamped)
    change_range(client, uri, 2, (999, 999), (999, 999), 'let z = "{nm9}"\n')
    diags = await wait_diagnostics(client, uri, lambda ds: any("nm9" in d.message for d in ds))
    (d,) = [d for d in remote(diags) if "nm9" in d.message]
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (10, 10, 13)
    with emulator.client(org) as http:
        assert http.get("/v1/scriptum/scripts/clamp/draft").json()["dslContent"] == GOOD + 'let z = "{nm9}"\n'
