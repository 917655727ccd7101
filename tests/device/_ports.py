"""A fake port that checks every byte the driver writes and answers from a script (pymeasure style)."""

from __future__ import annotations

import time
from collections.abc import Sequence


class ExpectedProtocol:
    """A port for drivers: ``exchanges`` lists (bytes the driver must write, bytes to answer).

    An answer of ``b""`` stands for silence (the driver's read times out). Raises AssertionError
    on any byte out of script, and :meth:`done` checks the whole script was used.
    """

    def __init__(self, exchanges: Sequence[tuple[bytes, bytes]]) -> None:
        self._exchanges = list(exchanges)
        self._pending = b""
        self.closed = False
        self.timeout: float | None = 0.1

    @property
    def in_waiting(self) -> int:
        return len(self._pending)

    def write(self, data: bytes, /) -> int:
        assert self._exchanges, f"unexpected write {data!r}: the script is used up"
        expected, answer = self._exchanges.pop(0)
        assert data == expected, f"wrote {data!r}, expected {expected!r}"
        self._pending += answer
        return len(data)

    def _take(self, size: int) -> bytes:
        end = self._pending.find(b"\n")
        end = len(self._pending) if end < 0 else end + 1
        if size >= 0:
            end = min(end, size)
        line, self._pending = self._pending[:end], self._pending[end:]
        return line

    def readline(self, size: int = -1, /) -> bytes:
        return self._take(size)

    def read(self, size: int = 1, /) -> bytes:
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def reset_input_buffer(self) -> None:
        self._pending = b""

    def close(self) -> None:
        self.closed = True

    def done(self) -> None:
        assert not self._exchanges, f"script not used up: {self._exchanges!r}"


class TricklingPort:
    """A port that answers every write with ``answer`` repeated, one byte every ``byte_delay_s``.

    It reads as pyserial does: each ``read`` or ``readline`` byte waits at most :attr:`timeout`
    seconds for the next byte. ``answer`` is sent over and over (a device stuck on stale
    sequence numbers); ``silent_after_s`` after the write it falls silent, so that a driver
    that never gives up still ends (late) in a test instead of hanging.
    """

    def __init__(self, answer: bytes, *, byte_delay_s: float, silent_after_s: float = 2.0) -> None:
        self._answer = answer
        self._delay_s = byte_delay_s
        self._silent_after_s = silent_after_s
        self._sent = 0
        self._written_at: float | None = None
        self.timeout: float | None = 0.1

    def write(self, data: bytes, /) -> int:
        self._written_at = time.monotonic()
        self._sent = 0
        return len(data)

    @property
    def in_waiting(self) -> int:
        return 0  # every byte is still on its way

    def _byte(self) -> bytes:
        wait = self.timeout if self.timeout is not None else 3600.0
        assert self._written_at is not None, "read before any write"
        if time.monotonic() - self._written_at >= self._silent_after_s or self._delay_s > wait:
            time.sleep(wait)
            return b""
        time.sleep(self._delay_s)
        byte = self._answer[self._sent % len(self._answer) : self._sent % len(self._answer) + 1]
        self._sent += 1
        return byte

    def read(self, size: int = 1, /) -> bytes:
        data = b""
        while len(data) < size:
            byte = self._byte()
            if not byte:
                break
            data += byte
        return data

    def readline(self, size: int = -1, /) -> bytes:
        line = b""
        while not line.endswith(b"\n") and (size < 0 or len(line) < size):
            byte = self._byte()
            if not byte:
                break
            line += byte
        return line

    def reset_input_buffer(self) -> None:
        pass

    def close(self) -> None:
        pass
