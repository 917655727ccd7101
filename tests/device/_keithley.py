"""An emulated Keithley 2400 on a loopback socket: the SCPI subset the driver uses, a resistor load.

It answers as the instrument does for that subset (2400S-900-01 §18): ``*IDN?``, numbers in
``%+.6E`` pairs from ``:READ?``, compliance clamping with ``:SENS:VOLT:PROT:TRIP?``, and an error
queue read by ``:SYST:ERR?`` (``-113,"Undefined header"`` for anything else).
"""

from __future__ import annotations

import contextlib
import socket
import threading

IDN = "KEITHLEY INSTRUMENTS INC.,MODEL 2400,4112233,C32   Oct  4 2010 14:20:11/A02  /S/K"


class EmulatedKeithley2400:
    """Serve one client on ``url`` (socket://127.0.0.1:PORT) until closed."""

    def __init__(self, *, load_ohm: float = 1000.0, idn: str = IDN) -> None:
        self.load_ohm = load_ohm
        self.idn = idn
        self.level_a = 0.0
        self.protection_v = 21.0
        self.output = False
        self.errors: list[str] = []
        self.received: list[str] = []
        self.silent = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> EmulatedKeithley2400:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=2)

    def _source(self) -> tuple[float, float, bool]:
        if not self.output:
            return 0.0, 0.0, False
        volts = self.level_a * self.load_ohm
        if abs(volts) <= self.protection_v:
            return volts, self.level_a, False
        clamped = self.protection_v if volts > 0 else -self.protection_v
        return clamped, clamped / self.load_ohm, True

    def answer(self, command: str) -> str | None:
        self.received.append(command)
        head, _, arg = command.partition(" ")
        if head == "*IDN?":
            return self.idn
        if head == "*OPC?":
            return "1"
        if head == ":SYST:ERR?":
            return self.errors.pop(0) if self.errors else '0,"No error"'
        if head == "*RST":
            self.level_a, self.output = 0.0, False
            return None
        if head == ":SOUR:CURR:LEV":
            self.level_a = float(arg)
            return None
        if head == ":SENS:VOLT:PROT":
            self.protection_v = float(arg)
            return None
        if head in (
            ":SOUR:FUNC",
            ":SOUR:CURR:MODE",
            ":SOUR:CURR:RANG",
            ":SENS:FUNC",
            ":SENS:VOLT:RANG",
            ":FORM:ELEM",
        ):
            return None
        if command in (":OUTP ON", ":OUTP OFF"):
            self.output = command.endswith("ON")
            return None
        if head == ":OUTP?":
            return "1" if self.output else "0"
        if head == ":READ?":
            volts, amps, _ = self._source()
            return f"{volts:+.6E},{amps:+.6E}"
        if head == ":SENS:VOLT:PROT:TRIP?":
            return "1" if self._source()[2] else "0"
        self.errors.append('-113,"Undefined header"')
        return None

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        with conn:
            buffer = b""
            while True:
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    replies = [self.answer(c.strip()) for c in line.decode("ascii").split(";")]
                    answers = [r for r in replies if r is not None]
                    if answers and not self.silent:  # a compound line gets its answers joined by ';'
                        conn.sendall(";".join(answers).encode("ascii") + b"\n")
