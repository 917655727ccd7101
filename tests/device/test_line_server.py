"""The line-protocol server's lifetime: close() ends the serving thread promptly, whatever the
client does; a bad request or a client that resets costs one error reply, not the server."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

import pytest

from dermaport.device import FakeClock, SimulatedDevice
from dermaport.device import line_protocol as lp
from dermaport.device.electrical import skin_load
from dermaport.device.line_server import LineProtocolHandler, PtyServer, TcpServer

#: A generous bound on close() (its join waits at most 2 s): it must not wait for the client.
CLOSE_BOUND_S = 1.5


def _sim() -> SimulatedDevice:
    return SimulatedDevice(skin_load(10), clock=FakeClock())


def _ask(conn: socket.socket, seq: int, *words: str) -> lp.Frame:
    conn.sendall(lp.encode(seq, *words))
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = conn.recv(4096)
        assert chunk, f"no reply to {words}"
        reply += chunk
    return lp.decode(reply)


def test_tcp_close_with_a_connected_client_ends_the_thread_and_the_service() -> None:
    server = TcpServer(_sim()).__enter__()
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        assert _ask(client, 1, "HELLO", "1").words == ("OK", "1")
        started = time.monotonic()
        server.close()
        assert time.monotonic() - started < CLOSE_BOUND_S
        assert not server.running
        try:
            client.sendall(lp.encode(2, "HB"))
            after = client.recv(4096)
        except OSError:
            after = b""
        assert after == b""  # closed: nobody answers any more
    finally:
        client.close()


def test_pty_close_while_a_client_holds_the_terminal_ends_the_thread() -> None:
    server = PtyServer(_sim()).__enter__()
    client = os.open(server.path, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(client, lp.encode(1, "HELLO", "1"))
        reply = b""
        while not reply.endswith(b"\n"):
            reply += os.read(client, 4096)
        assert lp.decode(reply).words == ("OK", "1")  # the server is serving, waiting in its read
        started = time.monotonic()
        server.close()
        assert time.monotonic() - started < CLOSE_BOUND_S
        assert not server.running
    finally:
        os.close(client)


@pytest.mark.parametrize("server_type", [TcpServer, PtyServer])
def test_close_without_enter(server_type: type[TcpServer] | type[PtyServer]) -> None:
    server = server_type(_sim())
    server.close()
    server.close()
    assert not server.running


@pytest.mark.parametrize(
    "words",
    [("CONF", "X", "A", "0"), ("CONF", "G", "Z", "0"), ("CONF", "G"), ("SET",), ("HELLO", "x")],
)
def test_a_bad_request_gets_an_error_reply(words: tuple[str, ...]) -> None:
    handler = LineProtocolHandler(_sim())
    assert handler.handle(lp.encode(1, "HELLO", "1")) == lp.encode(1, "OK", "1")
    reply = lp.decode(handler.handle(lp.encode(2, *words)) or b"")
    assert reply.seq == 2
    assert reply.words[:2] == ("ERR", "SYNTAX")


def test_the_server_answers_after_a_bad_request() -> None:
    with TcpServer(_sim()) as server, socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
        assert _ask(c, 1, "HELLO", "1").words == ("OK", "1")
        assert _ask(c, 2, "CONF", "X", "A", "0").words[:2] == ("ERR", "SYNTAX")
        assert _ask(c, 3, "HB").words == ("OK",)
        assert server.running


class _GatedDevice(SimulatedDevice):
    """A simulator whose next heartbeat waits until :attr:`gate` is set."""

    def __init__(self) -> None:
        super().__init__(skin_load(10), clock=FakeClock())
        self.entered = threading.Event()
        self.gate = threading.Event()

    def heartbeat(self) -> None:
        self.entered.set()
        assert self.gate.wait(timeout=5)
        super().heartbeat()


def test_a_client_that_resets_does_not_stop_the_server() -> None:
    device = _GatedDevice()
    with TcpServer(device) as server:
        client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        client.sendall(lp.encode(1, "HELLO", "1"))  # HELLO heartbeats: the server waits there
        assert device.entered.wait(timeout=5)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # a reset: the reply's sendall fails
        time.sleep(0.05)  # let the reset arrive before the reply is sent
        device.gate.set()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as again:
            assert _ask(again, 1, "HELLO", "1").words == ("OK", "1")
        assert server.running
