"""The source code actions that run commands: `source.scriptum.publish` and `source.scriptum.test`."""

from __future__ import annotations

from lsprotocol import types

from scriptum_lsp.server.commands.common import Server

SOURCE_PUBLISH = "source.scriptum.publish"
SOURCE_TEST = "source.scriptum.test"


def source_actions(ls: Server, uri: str) -> list[types.CodeAction]:
    """`source.scriptum.publish` and `source.scriptum.test` for a script document."""
    arg = {"uri": uri}
    return [
        types.CodeAction(
            title="Scriptum: Publish this script",
            kind=SOURCE_PUBLISH,
            command=types.Command(title="Publish", command="scriptum.publish", arguments=[arg]),
        ),
        types.CodeAction(
            title="Scriptum: Test this script",
            kind=SOURCE_TEST,
            command=types.Command(title="Test", command="scriptum.test", arguments=[arg]),
        ),
    ]
