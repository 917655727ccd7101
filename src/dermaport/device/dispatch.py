"""Documents from the safety loop to subscribers, through bounded queues, never blocking the loop.

Each subscriber gets a :class:`Channel`: a bounded queue and a thread of its own that calls
``subscriber(name, document)``. The loop only appends to the queues (:meth:`Dispatcher.put`,
which never waits); a slow subscriber (a database holding its write lock, an API client)
delays only its own thread.

What the loop learns, and treats as a fault (output off, session ``failed``):

* a **full queue**: :meth:`Dispatcher.put` returns ``False`` (the document was not queued);
* a **failed delivery**: a subscriber raised (a commit failed, whatever it raised), reported
  by :attr:`Dispatcher.failure`, which the loop reads at every tick.

After a failure a channel goes on delivering: a document that fails again is dropped (and
logged), except the ``stop`` document, which it retries until the subscriber takes it or
:meth:`Dispatcher.close` runs out of time, so the reason reaches the record once the database
answers again. The documents that end a session go in with ``final=True``, past the bound.

On a :class:`~dermaport.device.clock.FakeClock` the runner calls :meth:`Dispatcher.flush` once
a tick (lockstep): the subscribers have seen every document of a tick before the next, so that
simulated sessions are deterministic. Fake time does not pass while it waits.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["DEFAULT_CAPACITY", "STOP_RETRY_S", "Channel", "Dispatcher", "Subscriber"]

logger = logging.getLogger(__name__)

#: A subscriber: ``subscriber(name, document)`` with ``name`` start, reading, event or stop.
Subscriber = Callable[[str, Mapping[str, Any]], None]

#: Documents a channel holds before the loop calls it a fault: 30 s of readings at 20 Hz and
#: their events (a database may hold its write lock for seconds under load).
DEFAULT_CAPACITY = 1000
#: Wait between two tries of a stop document the subscriber refused, s (real time).
STOP_RETRY_S = 0.2


class Channel:
    """One subscriber on its own thread, fed by a bounded queue."""

    def __init__(self, subscriber: Subscriber, *, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"queue capacity {capacity!r} must be at least 1")
        self.subscriber = subscriber
        self.capacity = capacity
        self._queue: collections.deque[tuple[str, Mapping[str, Any]]] = collections.deque()
        self._cond = threading.Condition()
        self._busy = False  # a document is being delivered
        self._closing = False
        self._abandon = False
        self.failure: str | None = None
        self.dropped = 0
        self.delivered = 0
        self._thread = threading.Thread(target=self._run, name=f"dermaport-channel-{id(self):x}", daemon=True)

    def start(self) -> None:
        """Start the channel's thread."""
        self._thread.start()

    def put(self, name: str, document: Mapping[str, Any], *, final: bool = False) -> bool:
        """Queue a document, never waiting; ``False`` when the queue is full (``final``: past the bound)."""
        with self._cond:
            if not final and len(self._queue) >= self.capacity:
                return False
            self._queue.append((name, document))
            self._cond.notify_all()
            return True

    def backlog(self) -> int:
        """Documents queued and not yet delivered."""
        with self._cond:
            return len(self._queue) + (1 if self._busy else 0)

    def flush(self) -> None:
        """Wait until every document queued so far was delivered, or this channel has failed."""
        with self._cond:
            while (self._queue or self._busy) and self.failure is None:
                self._cond.wait()

    def close(self, deadline: float) -> bool:
        """Deliver what is queued, then end the thread; by ``deadline`` (``time.monotonic()``) at most.

        Returns whether everything was delivered (documents left are dropped, with a warning).
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            left = len(self._queue) + (1 if self._busy else 0)
            self._abandon = True
            self._cond.notify_all()
        if left:
            logger.error("subscriber %r did not take %d documents in time; dropped", self.subscriber, left)
        return left == 0 and self.failure is None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                name, document = self._queue.popleft()
                self._busy = True
            try:
                self._deliver(name, document)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _deliver(self, name: str, document: Mapping[str, Any]) -> None:
        while True:
            try:
                self.subscriber(name, document)
            except BaseException as exc:  # a failing record must stop the session, whatever it raised
                if self.failure is None:
                    logger.exception("subscriber %r failed on a %s document", self.subscriber, name)
                    with self._cond:
                        self.failure = f"recording failed: a subscriber refused the {name} document ({exc})"
                        self._cond.notify_all()
                    if name != "stop":
                        self.dropped += 1
                        return
                elif name != "stop":
                    logger.warning(
                        "subscriber %r failed again, %s document dropped: %s", self.subscriber, name, exc
                    )
                    self.dropped += 1
                    return
                with self._cond:  # the stop document: try again until taken, or closed for good
                    if self._abandon:
                        self.dropped += 1
                        return
                    self._cond.wait(STOP_RETRY_S)
                continue
            self.delivered += 1
            return


class Dispatcher:
    """The channels of one session: the loop's only way to its subscribers."""

    def __init__(self, subscribers: Iterable[Subscriber], *, capacity: int = DEFAULT_CAPACITY) -> None:
        self.channels = [Channel(s, capacity=capacity) for s in subscribers]
        self._started = False

    def start(self) -> None:
        """Start every channel's thread."""
        if not self._started:
            self._started = True
            for channel in self.channels:
                channel.start()

    def put(self, name: str, document: Mapping[str, Any], *, final: bool = False) -> bool:
        """Queue the document for every subscriber; ``False`` if any queue was full (a fault)."""
        queued = True
        for channel in self.channels:
            queued = channel.put(name, document, final=final) and queued
        return queued

    @property
    def failure(self) -> str | None:
        """The first subscriber failure, as the reason of a fault (``None``: all delivering)."""
        for channel in self.channels:
            if channel.failure is not None:
                return channel.failure
        return None

    def backlog(self) -> int:
        """The longest queue, in documents."""
        return max((c.backlog() for c in self.channels), default=0)

    def flush(self) -> None:
        """Wait until every subscriber has every document so far (lockstep on a fake clock)."""
        for channel in self.channels:
            channel.flush()

    def close(self, timeout_s: float) -> bool:
        """Deliver what is left and end the threads, within ``timeout_s`` seconds (real time) in all."""
        deadline = time.monotonic() + timeout_s
        done = True
        for channel in self.channels:
            done = channel.close(deadline) and done
        return done
