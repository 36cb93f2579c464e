"""Logging to stderr (stdout is the protocol), with every token redacted."""

from __future__ import annotations

import logging

from scriptum_lsp.api.errors import redact


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets and `Bearer ...` values replaced by `***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True


def setup_logging(level: str = "warning", log_file: str | None = None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers = handlers
    root.setLevel(getattr(logging, level.upper(), logging.WARNING))
    # pygls logs every message it sends or receives (initializationOptions included) at info level:
    # keep it at warning; the redacting filter is the second line of defence
    logging.getLogger("pygls").setLevel(max(root.level, logging.WARNING))
