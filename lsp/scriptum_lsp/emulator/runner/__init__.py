"""The local thread runner: executes the IR (docs/ir.md) with local tools. See docs/runtime.md."""

from .interpreter import run_thread
from .model import (
    LOOPBACK_HOSTS,
    ResumeError,
    ResumeRequest,
    RunConfig,
    RunOutcome,
    RunSink,
    StepRecord,
)

__all__ = [
    "LOOPBACK_HOSTS",
    "ResumeError",
    "ResumeRequest",
    "RunConfig",
    "RunOutcome",
    "RunSink",
    "StepRecord",
    "run_thread",
]
