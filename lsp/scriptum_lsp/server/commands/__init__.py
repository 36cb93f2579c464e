"""Every `scriptum.*` command (`workspace/executeCommand`), the custom requests `scriptum/versionContent`
and `scriptum/threadContent`, and the source code actions. See docs/commands.md for the contract.

Layout: `registry` holds the one table of commands and registers them; one module per family (`drafts`,
`publish`, `testing`, `versions`, `status`); `common` holds what the families share (`CommandState`,
capability helpers, the engine calls); `progress` the cancellable `$/progress`; `actions` the source actions.

Handlers parse their arguments (one object or positional values), call the engine facade and the API
client, and return plain JSON. Any failure is a `CommandError` (JSON-RPC error -32803 with a readable
message and `data.kind`); a command that fails changes nothing.
"""

from __future__ import annotations

from scriptum_lsp.server.commands.actions import SOURCE_PUBLISH, SOURCE_TEST, source_actions
from scriptum_lsp.server.commands.common import CommandState, state_of
from scriptum_lsp.server.commands.registry import (
    COMMANDS,
    HANDLERS,
    REGISTRY,
    THREAD_CONTENT,
    VERSION_CONTENT,
    Command,
    register,
)
from scriptum_lsp.server.commands.testing import RUN_SOURCE, THREAD_FINISHED
from scriptum_lsp.server.commands.versions import list_versions

__all__ = [
    "COMMANDS",
    "HANDLERS",
    "REGISTRY",
    "RUN_SOURCE",
    "SOURCE_PUBLISH",
    "SOURCE_TEST",
    "THREAD_CONTENT",
    "THREAD_FINISHED",
    "VERSION_CONTENT",
    "Command",
    "CommandState",
    "list_versions",
    "register",
    "source_actions",
    "state_of",
]
