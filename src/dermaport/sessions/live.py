"""A running session's documents for live views: appended by the runner, read by any number of listeners.

:class:`LiveFeed` is a runner subscriber that never blocks: it appends the document under a
lock and wakes the listeners. Each listener (:meth:`LiveFeed.follow`) reads from the start,
so a page opened late still sees the whole session, and ends after the ``stop`` document.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["LiveFeed"]


class LiveFeed:
    """Every document of one session, in order, for as many listeners as there are."""

    def __init__(self) -> None:
        self._documents: list[tuple[str, dict[str, Any]]] = []
        self._changed = threading.Condition()
        self._ended = False

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        """Subscriber: keep the document and wake the listeners (never waits on them)."""
        with self._changed:
            self._documents.append((name, dict(document)))
            if name == "stop":
                self._ended = True
            self._changed.notify_all()

    def end(self) -> None:
        """Mark the feed ended (the run is over, whether or not a stop document came)."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def ended(self) -> bool:
        """True once the session's stop document (or its end) came."""
        with self._changed:
            return self._ended

    def follow(self, *, wait_s: float = 15.0) -> Iterator[tuple[str, dict[str, Any]] | None]:
        """The documents from the first, as they come; ``None`` after ``wait_s`` without one."""
        index = 0
        while True:
            with self._changed:
                if index >= len(self._documents) and not self._ended:
                    self._changed.wait(wait_s)
                batch = self._documents[index:]
                ended = self._ended
            index += len(batch)
            yield from batch
            if ended and not batch:
                return
            if not batch:
                yield None
