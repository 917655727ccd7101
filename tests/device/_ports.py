"""A fake port that checks every byte the driver writes and answers from a script (pymeasure style)."""

from __future__ import annotations

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
