"""Errors raised by the engine facade (besides the API's own `ApiError` subclasses)."""

from __future__ import annotations


class RemoteDraftChanged(Exception):
    """The remote draft was changed by someone else since this server last saved it."""

    def __init__(self, uri: str, script: str) -> None:
        self.uri = uri
        self.script = script
        super().__init__(
            f"the remote draft of '{script}' changed since this editor last saved it; "
            "run 'scriptum.overwriteDraft' to replace it or 'scriptum.openRemoteDraft' to see it"
        )


class UnknownDocument(KeyError):
    """No open document with that URI."""


class DraftChangedMeanwhile(Exception):
    """The remote draft no longer holds the text a command compiled (a newer automatic save ran since)."""

    def __init__(self, script: str) -> None:
        self.script = script
        super().__init__(f"the draft of {script} changed while it was being compiled")
