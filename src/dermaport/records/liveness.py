"""Which process records a session, and whether it is still alive.

A session is recorded by one process; its row names that process as ``host:pid:start``
(:func:`process_owner`, the start being the process's start time in clock ticks from
``/proc``, so a reused pid is not taken for the old process). A ``running`` session whose
process is gone was interrupted: on this host that is known at once (:func:`owner_alive`); a
session recorded on another host, or by a version that did not name its process, counts as
alive until no document arrived for :data:`STALE_S`.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
from datetime import datetime, timedelta

from dermaport.records.models import utcnow

__all__ = ["STALE_S", "owner_alive", "process_owner"]

logger = logging.getLogger(__name__)

#: A session from another host (or of unknown process) with no document for this long is dead, s.
#: Readings come 20 times a second, through pauses too.
STALE_S = 60.0


def _start_ticks(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), or None (gone, a zombie, or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # after "pid (name)": state, ppid, … starttime (22nd)
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]


@functools.cache
def process_owner() -> str:
    """The owner string of the calling process: ``host:pid:start``."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '0'}"[:200]


def owner_alive(
    owner: str, last_seen: datetime | None, *, now: datetime | None = None, self_alive: bool = True
) -> bool:
    """True while the process ``owner`` names may still be recording (see the module text).

    A session of this very process counts as alive when ``self_alive`` (its runner closes it),
    and as dead otherwise (a new session on the same device means its runner is gone).
    """
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if owner and host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return self_alive
        ticks = _start_ticks(pid)
        if ticks is not None:
            return start in ("0", ticks)
        if os.path.isdir("/proc"):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if last_seen is None:
        return False
    return (now or utcnow()) - last_seen < timedelta(seconds=STALE_S)
