"""Thread scheduling priority: a thread that may wait gives way to the session loop (Linux)."""

from __future__ import annotations

import contextlib
import os
import threading

__all__ = ["lower_this_thread"]


def lower_this_thread(niceness: int) -> None:
    """Run the calling thread at ``niceness`` (0-19) or lower, never higher; threads it starts inherit it.

    Only Linux schedules threads by niceness; elsewhere, or where it is not allowed, nothing changes.
    """
    with contextlib.suppress(AttributeError, OSError):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, max(os.getpriority(os.PRIO_PROCESS, thread), niceness))
