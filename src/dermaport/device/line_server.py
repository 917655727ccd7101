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
import socket
import threading
import tty
from collections.abc import Callable

from dermaport.device import line_protocol as lp
from dermaport.device.protocol import Device, OutputConfig
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError

__all__ = ["LineProtocolHandler", "PtyServer", "TcpServer"]

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
        except (ValueError, IndexError):
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


def _words(text: str) -> list[str]:
    return [w for w in text.replace("*", "x").encode("ascii", "replace").decode().split() if w][:12]


def _serve_lines(
    read: Callable[[], bytes], write: Callable[[bytes], object], handler: LineProtocolHandler
) -> None:
    buffer = b""
    while True:
        chunk = read()
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            reply = handler.handle(line + b"\n")
            if reply is not None:
                write(reply)
        if len(buffer) > lp.MAX_LINE:
            buffer = b""
            write(lp.encode(0, "ERR", "SYNTAX"))


class PtyServer:
    """The device on a pseudo-terminal: open :attr:`path` as a serial port (``serial://PATH``)."""

    def __init__(self, device: Device) -> None:
        self._handler = LineProtocolHandler(device)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._run, name="dermaport-pty-server", daemon=True)
        self._closed = False

    def __enter__(self) -> PtyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> bytes:
        try:
            return os.read(self._master, 4096)
        except OSError:
            return b""

    def _run(self) -> None:
        _serve_lines(self._read, lambda data: os.write(self._master, data), self._handler)

    def close(self) -> None:
        """Stop serving and release the terminal."""
        if not self._closed:
            self._closed = True
            os.close(self._slave)
            os.close(self._master)
            self._thread.join(timeout=2)


class TcpServer:
    """The device on a loopback TCP port: ``socket://127.0.0.1:PORT`` (one client at a time)."""

    def __init__(self, device: Device, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = LineProtocolHandler(device)
        self._listener = socket.create_server((host, port))
        self.port = self._listener.getsockname()[1]
        self.url = f"socket://{host}:{self.port}"
        self._thread = threading.Thread(target=self._run, name="dermaport-tcp-server", daemon=True)
        self._closed = False

    def __enter__(self) -> TcpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                _serve_lines(functools.partial(_recv, conn), conn.sendall, self._handler)

    def close(self) -> None:
        """Stop accepting and serving."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._thread.join(timeout=2)


def _recv(conn: socket.socket) -> bytes:
    try:
        return conn.recv(4096)
    except OSError:
        return b""
