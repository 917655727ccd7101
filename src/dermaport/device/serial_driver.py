"""The host side of the reference line protocol over pyserial: a current source and a pulse generator.

:class:`LineProtocolDevice` is a :class:`~dermaport.device.protocol.Device` (version 1),
:class:`LinePulseDevice` a :class:`~dermaport.device.pulse_protocol.PulseDevice` (version 2,
the pulse commands); both send one request and read one reply the same way.

:meth:`LineProtocolDevice.open` takes anything :func:`serial.serial_for_url` takes: a port
(``/dev/ttyUSB0``, a pseudo-terminal path), ``socket://HOST:PORT``, ``loop://``. Every call is
one request and one reply; a reply that does not come within ``timeout_s``, fails its checksum,
or carries another sequence number than the request's is a
:class:`~dermaport.errors.DeviceCommunicationError` (no retries: the runner fails closed). An
``ERR`` reply is a :class:`~dermaport.errors.DeviceRefusedError` naming its code.

``timeout_s`` bounds the whole request, not each read: pyserial's timeout counts from each
byte, so a device trickling bytes, or answering with stale sequence numbers, would otherwise
keep one request waiting far longer than ``timeout_s`` (forever, for the stale replies). The
driver reads against one monotonic deadline and sets the port's timeout to what is left of it
before every read that may block.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol, Self

import serial

from dermaport.device import line_protocol as lp
from dermaport.device.protocol import Contact, Identity, OutputConfig, Telemetry
from dermaport.device.pulse_protocol import PulseIdentity
from dermaport.device.pulse_simulated import PulseConfig, PulseTelemetry
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError

__all__ = ["BAUD_RATE", "LineProtocolDevice", "LinePulseDevice", "Port"]

logger = logging.getLogger(__name__)

#: Serial line speed, 8 data bits, no parity, 1 stop bit.
BAUD_RATE = 115200


class Port(Protocol):
    """What the driver needs of a port (pyserial's ``Serial`` and its URL handlers have it)."""

    #: How long one read waits for each byte, s (None: for ever).
    timeout: float | None

    @property
    def in_waiting(self) -> int:
        """Bytes received and not yet read (at least 1 when some are, for a socket)."""
        ...

    def write(self, data: bytes, /) -> int | None:
        """Send bytes."""
        ...

    def read(self, size: int = 1, /) -> bytes:
        """Up to ``size`` bytes, or fewer when the timeout passes."""
        ...

    def readline(self, size: int = -1, /) -> bytes:
        """Bytes up to a newline, or fewer when the timeout passes (each byte's)."""
        ...

    def reset_input_buffer(self) -> None:
        """Drop whatever came in unasked."""
        ...

    def close(self) -> None:
        """Release the port."""
        ...


def read_line_before(port: Port, pending: bytearray, deadline: float, max_line: int) -> bytes | None:
    """The next line (newline included) from ``pending``, then ``port``; None past ``deadline``.

    ``deadline`` is in ``time.monotonic()`` seconds. Before every read that may block, the
    port's timeout is set to what is left of the deadline, so a device trickling bytes cannot
    stretch a request (pyserial's timeout is per read). Bytes past the newline stay in
    ``pending``. Raises ValueError when ``max_line`` bytes pass with no line end.
    """
    while b"\n" not in pending:
        if len(pending) > max_line:
            raise ValueError(f"no line end within {max_line} bytes")
        waiting = port.in_waiting
        if waiting <= 0:  # this read may block: let it wait only for what is left
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            port.timeout = remaining
        chunk = port.read(max(1, min(waiting, max_line + 1 - len(pending))))
        if not chunk:
            return None
        pending += chunk
    end = pending.index(b"\n") + 1
    line = bytes(pending[:end])
    del pending[:end]
    return line


class _LineLink:
    """One request, one reply on ``port``: the part both kinds of line device share."""

    #: The protocol versions this side offers in ``HELLO``.
    offered: tuple[int, ...] = lp.VERSIONS

    def __init__(self, port: Port, *, name: str = "line-protocol device", timeout_s: float = 0.1) -> None:
        """Drive ``port``; each request must have its reply within ``timeout_s`` seconds."""
        self._port = port
        self._name = name
        self._timeout_s = timeout_s
        self._seq = 0
        self.version: int | None = None

    @classmethod
    def open(cls, url: str, *, timeout_s: float = 0.1) -> Self:
        """Open ``url`` (a port path or a pyserial URL) and negotiate one of :attr:`offered` versions."""
        port = cls._open_port(url, timeout_s)
        device = cls(port, name=url, timeout_s=timeout_s)
        try:
            device.hello()
        except BaseException:
            port.close()
            raise
        return device

    @classmethod
    def _open_port(cls, url: str, timeout_s: float) -> Port:
        try:
            port: Port = serial.serial_for_url(
                url, baudrate=BAUD_RATE, timeout=timeout_s, write_timeout=timeout_s
            )
        except (serial.SerialException, ValueError, OSError) as exc:
            raise DeviceCommunicationError(f"cannot open device {url!r}: {exc}") from exc
        return port

    def _late(self, command: str) -> DeviceCommunicationError:
        return DeviceCommunicationError(f"{self._name}: no reply to {command} within {self._timeout_s:g} s")

    def _read_line(self, pending: bytearray, deadline: float, command: str) -> bytes:
        """The next line (newline included) from ``pending`` and the port, by ``deadline`` (monotonic s).

        Bytes read past the newline stay in ``pending`` for the next line of the same request.
        """
        try:
            line = read_line_before(self._port, pending, deadline, lp.MAX_LINE)
        except ValueError as exc:
            raise DeviceCommunicationError(f"{self._name}: bad reply to {command}: {exc}") from exc
        if line is None:
            raise self._late(command)
        return line

    def _request(self, *words: str) -> tuple[str, ...]:
        self._seq = (self._seq + 1) % 0x100
        frame = lp.encode(self._seq, *words)
        deadline = time.monotonic() + self._timeout_s
        pending = bytearray()
        try:
            self._port.reset_input_buffer()
            self._port.write(frame)
            while True:
                if time.monotonic() >= deadline:  # stale replies that keep coming do not extend it
                    raise self._late(words[0])
                reply = lp.decode(self._read_line(pending, deadline, words[0]))
                if reply.seq == self._seq:
                    break
                logger.warning("%s: dropped a reply with sequence %02X", self._name, reply.seq)
        except DeviceCommunicationError:
            raise
        except lp.FrameError as exc:
            raise DeviceCommunicationError(f"{self._name}: bad reply to {words[0]}: {exc}") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceCommunicationError(f"{self._name}: link failed on {words[0]}: {exc}") from exc
        if reply.words[0] == "OK":
            return reply.words[1:]
        if reply.words[0] == "ERR" and len(reply.words) >= 2:
            raise DeviceRefusedError(f"{self._name} refused {' '.join(words)}: {' '.join(reply.words[1:])}")
        raise DeviceCommunicationError(f"{self._name}: reply {reply.words!r} is neither OK nor ERR")

    def hello(self) -> int:
        """Agree on the highest protocol version both sides speak."""
        words = self._request("HELLO", ",".join(str(v) for v in self.offered))
        try:
            self.version = int(words[0])
        except (IndexError, ValueError) as exc:
            raise DeviceCommunicationError(f"{self._name}: HELLO answered {words!r}") from exc
        if self.version not in self.offered:
            raise DeviceCommunicationError(f"{self._name}: chose version {self.version}, not one offered")
        return self.version

    def check_contact(self) -> Contact:
        """``CONTACT?``."""
        words = self._request("CONTACT?")
        try:
            return Contact(float(words[0]))
        except (IndexError, ValueError) as exc:
            raise DeviceCommunicationError(f"{self._name}: unreadable impedance {words!r}") from exc

    def output(self, on: bool) -> None:
        """``OUT 1`` or ``OUT 0``."""
        self._request("OUT", "1" if on else "0")

    def heartbeat(self) -> None:
        """``HB``."""
        self._request("HB")

    def close(self) -> None:
        """Switch the output off if the link still works, then release the port."""
        try:
            self.output(False)
        except (DeviceCommunicationError, DeviceRefusedError):
            logger.warning("%s: could not switch the output off on close", self._name)
        finally:
            self._port.close()


class LineProtocolDevice(_LineLink):
    """A current source that speaks the reference line protocol (version 1) on ``port``."""

    def identify(self) -> Identity:
        """``IDN?``."""
        try:
            return lp.parse_identity(self._request("IDN?"), protocol=f"dermaport-line/{self.version}")
        except lp.FrameError as exc:
            raise DeviceCommunicationError(f"{self._name}: unreadable identity: {exc}") from exc

    def configure(self, config: OutputConfig) -> None:
        """``CONF G|P A|C SET_mA [FREQ_Hz WIDTH_ms]``."""
        words = ["G" if config.mode == "galvanic" else "P", "A" if config.polarity == "anode" else "C"]
        words.append(f"{config.set_current_mA:.5f}")
        if config.mode == "pulsed":
            words += [f"{config.pulse_frequency_hz:g}", f"{config.pulse_width_ms:g}"]
        self._request("CONF", *words)

    def set_current(self, current_mA: float) -> None:  # noqa: N803 - unit in the name
        """``SET mA``."""
        self._request("SET", f"{current_mA:.5f}")

    def read(self) -> Telemetry:
        """``TEL?``."""
        try:
            return lp.parse_telemetry(self._request("TEL?"))
        except lp.FrameError as exc:
            raise DeviceCommunicationError(f"{self._name}: unreadable telemetry: {exc}") from exc


class LinePulseDevice(_LineLink):
    """A pulse generator that speaks the line protocol's version 2 (the pulse commands) on ``port``."""

    offered = lp.PULSE_VERSIONS

    def identify(self) -> PulseIdentity:
        """``IDN?`` (a pulse generator's: ``modality=pulse``)."""
        try:
            return lp.parse_pulse_identity(self._request("IDN?"), protocol=f"dermaport-line/{self.version}")
        except lp.FrameError as exc:
            raise DeviceCommunicationError(f"{self._name}: unreadable identity: {exc}") from exc

    def configure(self, config: PulseConfig) -> None:
        """``PCONF SHAPE POLARITY V WIDTH_ms FREQ_Hz COUNT AREA_cm2``."""
        try:
            words = lp.schedule_words(
                config.schedule, area_cm2=config.electrode_area_cm2, polarity=config.polarity
            )
        except lp.FrameError as exc:
            raise DeviceRefusedError(f"{self._name}: cannot send the pulse step: {exc}") from exc
        self._request("PCONF", *words)

    def read(self) -> PulseTelemetry:
        """``PTEL?``."""
        try:
            return lp.parse_pulse_telemetry(self._request("PTEL?"))
        except lp.FrameError as exc:
            raise DeviceCommunicationError(f"{self._name}: unreadable telemetry: {exc}") from exc
