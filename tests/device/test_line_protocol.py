"""The reference line protocol: frames and checksums byte for byte, the driver on a scripted port,
the simulator served on a pseudo-terminal and on a loopback socket, and a session through real bytes."""

from __future__ import annotations

import os
import time

import pytest

from dermaport.device import FakeClock, Fault, OutputConfig, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device import line_protocol as lp
from dermaport.device.electrical import skin_load
from dermaport.device.line_server import LineProtocolHandler, PtyServer, TcpServer
from dermaport.device.protocol import Identity, Telemetry
from dermaport.device.serial_driver import LineProtocolDevice
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError
from tests.device._ports import ExpectedProtocol, TricklingPort


def reference_crc(data: bytes) -> int:
    """CRC-16/CCITT-FALSE bit by bit, written out independently of binascii."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_crc_is_ccitt_false() -> None:
    assert lp.crc16(b"123456789") == 0x29B1  # the catalogued check value
    for data in (b"", b"01 HB", b"7F TEL?", bytes(range(32, 127))):
        assert lp.crc16(data) == reference_crc(data)


@pytest.mark.parametrize(
    ("seq", "words", "frame"),
    [
        (1, ("HB",), b"01 HB*2D9A\n"),
        (2, ("HELLO", "1"), b"02 HELLO 1*C81A\n"),
        (2, ("OK", "1"), b"02 OK 1*7381\n"),
        (3, ("SET", "2.00000"), b"03 SET 2.00000*00F2\n"),
        (4, ("OUT", "1"), b"04 OUT 1*C5D4\n"),
    ],
)
def test_frames_byte_for_byte(seq: int, words: tuple[str, ...], frame: bytes) -> None:
    assert lp.encode(seq, *words) == frame
    assert frame.endswith(b"*%04X\n" % reference_crc(frame[: frame.index(b"*")]))
    assert lp.decode(frame) == lp.Frame(seq, words)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"01 HB*2D9B\n", "checksum"),
        (b"01 HB\n", "not a frame"),
        (b"1 HB*2D9A\n", "not a frame"),
        (b"01 HB*2D9A", "not a frame"),
        (b"01 H\xffB*2D9A\n", "not a frame"),
        (b"01 " + b"A" * 200 + b"*0000\n", "longer than"),
        (b"01 HB*2D9A\n\n", "not a frame"),
        (b"01 HB*2D9A\r\n\n", "not a frame"),
    ],
)
def test_bad_frames_are_refused(line: bytes, why: str) -> None:
    with pytest.raises(lp.FrameError, match=why):
        lp.decode(line)


def test_words_that_would_break_the_framing_are_refused() -> None:
    for word in ("two words", "a*b", "", "é", "OK\n", "OK\r", "A\nB", "\n"):
        with pytest.raises(lp.FrameError):
            lp.encode(1, word)


def test_identity_and_telemetry_round_trip() -> None:
    identity = Identity("dermaport sim", "1.0.0", "SIM-0001", 4.0, 60.0, 0.02, 0.1)
    words = lp.identity_words(identity)
    assert words[0] == "model=dermaport-sim"
    back = lp.parse_identity(words, protocol="dermaport-line/1")
    assert (back.serial, back.max_current_mA, back.watchdog_s) == ("SIM-0001", 4.0, 0.1)
    tel = Telemetry(12.5, 2.0012, 2.0012, 1000.0, 0.3125, "on", ("compliance",), 60.0)
    assert lp.parse_telemetry(lp.telemetry_words(tel)) == tel
    with pytest.raises(lp.FrameError, match="missing"):
        lp.parse_telemetry(["t=1", "i=2"])
    with pytest.raises(lp.FrameError, match="not finite"):
        lp.parse_telemetry(["t=1", "i=nan", "v=0", "q=0", "out=on"])


def _sim(clock: FakeClock | None = None, faults: tuple[Fault, ...] = ()) -> SimulatedDevice:
    return SimulatedDevice(skin_load(10), clock=clock or FakeClock(), faults=faults)


def test_the_server_answers_byte_for_byte() -> None:
    handler = LineProtocolHandler(_sim())
    assert handler.handle(lp.encode(1, "SET", "1")) == lp.encode(1, "ERR", "STATE", "send", "HELLO", "first")
    assert handler.handle(b"02 HELLO 1*C81A\n") == b"02 OK 1*7381\n"
    assert handler.handle(lp.encode(3, "HELLO", "7,9")) == lp.encode(3, "ERR", "VERSION", "supported", "1")
    assert handler.handle(b"01 HB*2D9B\n") == lp.encode(0, "ERR", "CRC")
    assert handler.handle(lp.encode(4, "FLY")) == lp.encode(4, "ERR", "UNKNOWN", "FLY")
    assert handler.handle(lp.encode(5, "CONTACT?")) == lp.encode(5, "OK", "1000")
    reply = lp.decode(handler.handle(lp.encode(6, "SET", "9")) or b"")
    assert reply.words[:2] == ("ERR", "RANGE")
    reply = lp.decode(handler.handle(lp.encode(7, "OUT", "1")) or b"")
    assert reply.words[:2] == ("ERR", "STATE")  # not configured yet
    assert handler.handle(lp.encode(8, "CONF", "G", "A", "0")) == lp.encode(8, "OK")
    assert handler.handle(lp.encode(9, "OUT", "1")) == lp.encode(9, "OK")
    assert handler.handle(lp.encode(10, "OUT", "2")) == lp.encode(
        10, "ERR", "SYNTAX", "cannot", "read", "OUT", "2"
    )


def test_the_server_is_silent_when_the_link_is_lost() -> None:
    handler = LineProtocolHandler(_sim(faults=(Fault("comm-loss", 0.0),)))
    assert handler.handle(lp.encode(1, "HELLO", "1")) is None


def test_the_driver_writes_and_reads_exact_bytes() -> None:
    port = ExpectedProtocol(
        [
            (b"01 HELLO 1*" + b"%04X" % lp.crc16(b"01 HELLO 1") + b"\n", lp.encode(1, "OK", "1")),
            (
                lp.encode(2, "IDN?"),
                lp.encode(
                    2,
                    "OK",
                    "model=X",
                    "firmware=2.1",
                    "serial=A7",
                    "max_mA=4",
                    "compliance_V=40",
                    "tolerance_mA=0.01",
                    "watchdog_ms=250",
                ),
            ),
            (lp.encode(3, "CONTACT?"), lp.encode(3, "OK", "1234.5")),
            (lp.encode(4, "CONF", "G", "C", "0.00000"), lp.encode(4, "OK")),
            (lp.encode(5, "CONF", "P", "A", "1.00000", "1000", "0.2"), lp.encode(5, "OK")),
            (lp.encode(6, "OUT", "1"), lp.encode(6, "OK")),
            (lp.encode(7, "SET", "1.25000"), lp.encode(7, "OK")),
            (lp.encode(8, "HB"), lp.encode(8, "OK")),
            (
                lp.encode(9, "TEL?"),
                lp.encode(
                    9,
                    "OK",
                    "t=1.0000",
                    "i=1.25000",
                    "v=1.5000",
                    "z=1200",
                    "q=0.010000",
                    "out=on",
                    "flags=-",
                    "vc=40",
                ),
            ),
            (lp.encode(10, "OUT", "0"), lp.encode(10, "OK")),
        ]
    )
    device = LineProtocolDevice(port)
    assert device.hello() == 1
    identity = device.identify()
    assert (identity.model, identity.serial, identity.watchdog_s, identity.protocol) == (
        "X",
        "A7",
        0.25,
        "dermaport-line/1",
    )
    assert device.check_contact().impedance_ohm == 1234.5
    device.configure(OutputConfig("galvanic", "cathode", 0.0))
    device.configure(OutputConfig("pulsed", "anode", 1.0, 1000.0, 0.2))
    device.output(True)
    device.set_current(1.25)
    device.heartbeat()
    tel = device.read()
    assert (tel.current_mA, tel.impedance_ohm, tel.output, tel.flags) == (1.25, 1200.0, "on", ())
    device.close()
    assert port.closed
    port.done()


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        (b"", DeviceCommunicationError, r"no reply to HB within 0\.1 s"),
        (b"01 OK*0000\n", DeviceCommunicationError, "checksum"),
        (b"01 OK", DeviceCommunicationError, "no reply"),
        (lp.encode(1, "ERR", "FAULT", "latched"), DeviceRefusedError, "FAULT latched"),
        (lp.encode(1, "MAYBE"), DeviceCommunicationError, "neither OK nor ERR"),
    ],
)
def test_the_driver_fails_closed_on_a_bad_reply(answer: bytes, error: type[Exception], match: str) -> None:
    device = LineProtocolDevice(ExpectedProtocol([(lp.encode(1, "HB"), answer)]))
    with pytest.raises(error, match=match):
        device.heartbeat()


def test_the_driver_drops_a_stale_reply_and_reads_its_own() -> None:
    port = ExpectedProtocol([(lp.encode(1, "HB"), lp.encode(0xFF, "OK") + lp.encode(1, "OK"))])
    LineProtocolDevice(port).heartbeat()
    port.done()


@pytest.mark.parametrize(
    ("answer", "byte_delay_s"),
    [
        (lp.encode(1, "OK"), 0.05),  # the right reply, a byte at a time, each within the timeout
        (lp.encode(0xFF, "OK"), 0.0),  # stale replies, as fast as they come, forever
        (lp.encode(0xFF, "OK"), 0.01),  # stale replies, trickled
    ],
)
def test_one_request_gives_up_at_one_deadline(answer: bytes, byte_delay_s: float) -> None:
    timeout_s = 0.2
    port = TricklingPort(answer, byte_delay_s=byte_delay_s, silent_after_s=10 * timeout_s)
    device = LineProtocolDevice(port, timeout_s=timeout_s)
    started = time.monotonic()
    with pytest.raises(DeviceCommunicationError, match=r"no reply to HB within 0\.2 s"):
        device.heartbeat()
    assert time.monotonic() - started < 3 * timeout_s  # a generous bound: one deadline, not one per byte


def _session(url: str, clock: FakeClock) -> tuple[str, str, float, float]:
    device = LineProtocolDevice.open(url, timeout_s=0.2)
    try:
        plan = plan_from_steps(["iontophoresis anode 1 mA for 1 min ramp 30 s"], electrode_area_cm2=10)
        result = SessionRunner(device, plan, clock=clock).run()
    finally:
        device.close()
    return result.status, result.reason, result.charge_dose_mA_min, result.planned_dose_mA_min


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_a_whole_session_through_the_driver_and_real_bytes(transport: str) -> None:
    clock = FakeClock()
    sim = _sim(clock)
    with PtyServer(sim) if transport == "pty" else TcpServer(sim) as server:
        url = server.path if isinstance(server, PtyServer) else server.url
        status, reason, dose, planned = _session(url, clock)
    assert status == "complete", reason
    assert dose == pytest.approx(planned, rel=0.01)
    assert not sim.output_is_on()


@pytest.mark.parametrize("transport", ["pty", "tcp"])
@pytest.mark.parametrize(
    ("kind", "named"), [("comm-loss", "communication lost"), ("contact-loss", "contact")]
)
def test_faults_through_real_bytes(transport: str, kind: str, named: str) -> None:
    clock = FakeClock()
    sim = _sim(clock, (Fault(kind, 40.0),))
    with PtyServer(sim) if transport == "pty" else TcpServer(sim) as server:
        url = server.path if isinstance(server, PtyServer) else server.url
        status, reason, _, _ = _session(url, clock)
    assert status == "failed"
    assert named in reason
    clock.advance(1.0)
    assert not sim.output_is_on()  # switched off by the runner, or by the watchdog when the link was lost


def test_an_address_nobody_answers_is_one_error() -> None:
    with pytest.raises(DeviceCommunicationError, match="cannot open device"):
        LineProtocolDevice.open("socket://127.0.0.1:9")


@pytest.mark.skipif(
    not os.environ.get("DERMAPORT_LINE_DEVICE"),
    reason="hardware: set DERMAPORT_LINE_DEVICE to the port or socket:// URL of a line-protocol device",
)
def test_hardware_line_device_identifies_and_checks_contact() -> None:
    device = LineProtocolDevice.open(os.environ["DERMAPORT_LINE_DEVICE"], timeout_s=0.5)
    try:
        assert device.identify().serial
        assert device.check_contact().impedance_ohm > 0
        assert device.read().output in ("off", "reset")
    finally:
        device.close()
