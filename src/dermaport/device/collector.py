"""The garbage collector's full collections, held off while a session's loop runs in real time.

A full collection (the oldest generation) holds the interpreter lock until it has walked every
object that generation holds; the session loop, which needs the lock every period (50 ms), waits
for it. On a server busy with logins (argon2 takes both cores and their caches) they took
30-100 ms each, five or six times in a 60 s session (``benchmarks/bench_sessions.py`` with a
probe thread), and a tick that comes more than two periods late fails the session. While any
runner runs on a real-time clock, the automatic full collection is therefore deferred: the
young generations are still collected every few hundred allocations (a few ms), and when the
last such runner ends the collector's own thresholds come back, so the next young collection
runs the full one it owes (the output is off by then).

The cost is memory: reference cycles that outlive two young collections wait for the session's
end (without the deferral, those full collections freed 0-5 069 objects each). ``dermaport
serve`` also freezes what it loaded before serving (:func:`gc.freeze`), so the full collection
it owes walks only what was made since.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["full_collections_deferred", "full_collections_held"]

logger = logging.getLogger(__name__)

#: The oldest generation's threshold while a session runs: young collections counted before a
#: full one, never reached in a session (one young collection per few hundred allocations).
DEFERRED_THRESHOLD = 2**30

_lock = threading.Lock()
_holders = 0
_saved: tuple[int, int, int] | None = None


def full_collections_held() -> bool:
    """Whether a running session holds the full collections off now."""
    with _lock:
        return _holders > 0


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Defer the automatic full collection while the ``with`` block runs (re-entrant, thread-safe).

    Nested and concurrent holders share one deferral; the last to leave restores the thresholds
    it found. A collector that is disabled, or whose youngest threshold is 0, is left as it is.
    """
    global _holders, _saved
    with _lock:
        if _holders == 0:
            found = gc.get_threshold()
            _saved = found if found[0] > 0 else None
            if _saved is not None:
                gc.set_threshold(found[0], found[1], DEFERRED_THRESHOLD)
                logger.debug("full collections deferred while a session runs (thresholds %s)", found)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _saved is not None:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _saved[2])
                _saved = None
