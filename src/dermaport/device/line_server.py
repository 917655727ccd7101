"""Serve a device (the simulator) over the reference line protocol, on a pseudo-terminal or TCP.

:class:`LineProtocolHandler` turns one request line into one reply (or into silence, when
the device behind it has lost its link: the simulator's ``comm-loss``). :class:`PtyServer` and
:class:`TcpServer` move the bytes in a background thread, so end-to-end tests and
``dermaport run --device serial://…`` go through the real driver and real bytes.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import select
import socket
import threading
import tty
from collections.abc import Callable
from typing import Self

from dermaport.device import line_protocol as lp
from dermaport.device.protocol import Device, OutputConfig
from dermaport.device.pulse_protocol import PulseDevice
from dermaport.device.pulse_simulated import PulseConfig
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError

__all__ = ["LineProtocolHandler", "PtyServer", "PulseLineHandler", "TcpServer", "handler_for"]

logger = logging.getLogger(__name__)


class LineProtocolHandler:
    """Answers request frames for one device."""

    def __init__(self, device: Device) -> None:
        self._device = device
        self._version: int | None = None

    def handle(self, line: bytes) -> bytes | None:
        """The reply to ``line``, or None when the device does not answer (link lost)."""
        try:
            frame = lp.decode(line)
        except lp.FrameError as exc:
            return lp.encode(0, "ERR", "CRC" if "checksum" in str(exc) else "SYNTAX")
        try:
            words = self._answer(frame.words)
        except DeviceCommunicationError:
            return None
        except DeviceRefusedError as exc:
            code = "FAULT" if "fault" in str(exc) else ("RANGE" if "outside" in str(exc) else "STATE")
            words = ["ERR", code, *_words(str(exc))]
        except (ValueError, IndexError, KeyError, TypeError):  # a request that cannot be read
            words = ["ERR", "SYNTAX", *_words(f"cannot read {' '.join(frame.words)}")]
        return lp.encode(frame.seq, *words)

    def _answer(self, words: tuple[str, ...]) -> list[str]:
        command, args = words[0], words[1:]
        if command == "HELLO":
            offered = {int(v) for v in args[0].split(",")}
            common = offered & set(lp.VERSIONS)
            if not common:
                return ["ERR", "VERSION", "supported", ",".join(str(v) for v in lp.VERSIONS)]
            self._version = max(common)
            self._device.heartbeat()
            return ["OK", str(self._version)]
        if command == "IDN?":
            return ["OK", *lp.identity_words(self._device.identify())]
        if self._version is None:
            return ["ERR", "STATE", "send", "HELLO", "first"]
        if command == "CONTACT?":
            return ["OK", f"{self._device.check_contact().impedance_ohm:.7g}"]
        if command == "CONF":
            mode = {"G": "galvanic", "P": "pulsed"}[args[0]]
            polarity = {"A": "anode", "C": "cathode"}[args[1]]
            pulse = (float(args[3]), float(args[4])) if len(args) >= 5 else (None, None)
            config = OutputConfig(mode, polarity, float(args[2]), *pulse)  # type: ignore[arg-type]
            self._device.configure(config)
            return ["OK"]
        if command == "SET":
            self._device.set_current(float(args[0]))
            return ["OK"]
        if command == "OUT":
            if args[0] not in ("0", "1"):
                raise ValueError(args[0])
            self._device.output(args[0] == "1")
            return ["OK"]
        if command == "TEL?":
            return ["OK", *lp.telemetry_words(self._device.read())]
        if command == "HB":
            self._device.heartbeat()
            return ["OK"]
        return ["ERR", "UNKNOWN", *_words(command)]


class PulseLineHandler(LineProtocolHandler):
    """Answers request frames for one pulse generator (protocol version 2)."""

    versions = lp.PULSE_VERSIONS

    def __init__(self, device: PulseDevice) -> None:
        self._pulse = device
        self._version = None

    def _answer(self, words: tuple[str, ...]) -> list[str]:
        command, args = words[0], words[1:]
        if command == "HELLO":
            offered = {int(v) for v in args[0].split(",")}
            common = offered & set(self.versions)
            if not common:
                return ["ERR", "VERSION", "supported", ",".join(str(v) for v in self.versions)]
            self._version = max(common)
            self._pulse.heartbeat()
            return ["OK", str(self._version)]
        if command == "IDN?":
            return ["OK", *lp.pulse_identity_words(self._pulse.identify())]
        if self._version is None:
            return ["ERR", "STATE", "send", "HELLO", "first"]
        if command == "CONTACT?":
            return ["OK", f"{self._pulse.check_contact().impedance_ohm:.7g}"]
        if command == "PCONF":
            try:
                schedule, area, polarity = lp.parse_schedule(args)
            except lp.FrameError as exc:
                raise ValueError(str(exc)) from exc
            self._pulse.configure(PulseConfig(schedule, area, polarity))
            return ["OK"]
        if command == "OUT":
            if args[0] not in ("0", "1"):
                raise ValueError(args[0])
            self._pulse.output(args[0] == "1")
            return ["OK"]
        if command == "PTEL?":
            return ["OK", *lp.pulse_telemetry_words(self._pulse.read())]
        if command == "HB":
            self._pulse.heartbeat()
            return ["OK"]
        return ["ERR", "UNKNOWN", *_words(command)]


def handler_for(device: Device | PulseDevice) -> LineProtocolHandler:
    """The handler for ``device``: version 1 for a current source, version 2 for a pulse generator."""
    if isinstance(device, Device):
        return LineProtocolHandler(device)
    return PulseLineHandler(device)


def _words(text: str) -> list[str]:
    return [w for w in text.replace("*", "x").encode("ascii", "replace").decode().split() if w][:12]


def _serve_lines(
    read: Callable[[], bytes], write: Callable[[bytes], object], handler: LineProtocolHandler
) -> None:
    """Answer the lines ``read`` gives until it gives ``b""``; ``write``'s OSError ends it too."""
    buffer = b""
    while True:
        chunk = read()
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                reply = handler.handle(line + b"\n")
            except Exception:  # a fault of the device behind, not of the request: stay up, say nothing
                logger.exception("line server: no reply to %r: the device failed", line[:40])
                reply = None  # the host reads silence as a lost link and fails closed
            if reply is not None:
                write(reply)
        if len(buffer) > lp.MAX_LINE:
            buffer = b""
            write(lp.encode(0, "ERR", "SYNTAX"))


class _ServingThread:
    """A server run by one daemon thread: ``with`` starts it, leaving the block closes it."""

    _thread: threading.Thread

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """Whether the serving thread is alive."""
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop serving and release what the server holds."""
        raise NotImplementedError


class PtyServer(_ServingThread):
    """The device on a pseudo-terminal: open :attr:`path` as a serial port (``serial://PATH``)."""

    def __init__(self, device: Device | PulseDevice) -> None:
        self._handler = handler_for(device)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        # close() writes a byte here to wake the serving thread: closing the terminal does not
        # end a read blocked on it while a client holds the other side open.
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="dermaport-pty-server", daemon=True)
        self._closed = False

    def _read(self) -> bytes:
        try:
            ready, _, _ = select.select([self._master, self._wake_read], [], [])
            if self._closed or self._wake_read in ready:
                return b""
            return os.read(self._master, 4096)
        except OSError:
            return b""

    def _write(self, data: bytes) -> None:
        try:
            while data:
                data = data[os.write(self._master, data) :]
        except OSError as exc:
            logger.warning("pty server: reply not sent: %s", exc)

    def _run(self) -> None:
        _serve_lines(self._read, self._write, self._handler)

    def close(self) -> None:
        """Stop serving (even while a client holds the terminal) and release the terminal."""
        if self._closed:
            return
        self._closed = True
        os.write(self._wake_write, b"x")
        if self._thread.ident is not None:  # started
            self._thread.join(timeout=2)
            if self._thread.is_alive():
                logger.warning("pty server: the serving thread did not stop within 2 s")
        for fd in (self._slave, self._master, self._wake_read, self._wake_write):
            os.close(fd)


class TcpServer(_ServingThread):
    """The device on a loopback TCP port: ``socket://127.0.0.1:PORT`` (one client at a time)."""

    def __init__(self, device: Device | PulseDevice, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler_for(device)
        self._listener = socket.create_server((host, port))
        self.port = self._listener.getsockname()[1]
        self.url = f"socket://{host}:{self.port}"
        self._thread = threading.Thread(target=self._run, name="dermaport-tcp-server", daemon=True)
        self._lock = threading.Lock()
        self._conn: socket.socket | None = None  # the client being served
        self._closed = False

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                if self._closed:
                    conn.close()
                    return
                self._conn = conn
            try:
                with conn:
                    _serve_lines(functools.partial(_recv, conn), conn.sendall, self._handler)
            except OSError as exc:  # the client reset or went away mid-reply: wait for the next
                logger.warning("tcp server: client connection ended: %s", exc)
            finally:
                with self._lock:
                    self._conn = None

    def close(self) -> None:
        """Stop accepting, end the client's connection, and stop serving."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conn = self._conn
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # the serving thread's recv returns b"" now
        if self._thread.ident is not None:  # started
            self._thread.join(timeout=2)
            if self._thread.is_alive():
                logger.warning("tcp server: the serving thread did not stop within 2 s")
        if conn is not None:
            conn.close()


def _recv(conn: socket.socket) -> bytes:
    try:
        return conn.recv(4096)
    except OSError:
        return b""
