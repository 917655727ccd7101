"""The Keithley 2400 driver: every command as exact bytes, then against an emulated instrument on a socket."""

from __future__ import annotations

import os
import time

import pytest

from dermaport.device import FakeClock, OutputConfig, SessionRunner, plan_from_steps
from dermaport.device.scpi import Keithley2400
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError
from tests.device._keithley import IDN, EmulatedKeithley2400
from tests.device._ports import ExpectedProtocol, TricklingPort

OK = b'0,"No error"\n'


def cmd(text: str) -> list[tuple[bytes, bytes]]:
    """A setting command and the error-queue check after it."""
    return [(text.encode() + b";:SYST:ERR?\n", OK)]


IDENTIFY = [(b"*IDN?\n", IDN.encode() + b"\n")]
SETUP = [
    (b"*RST\n", b""),
    *cmd(":SOUR:FUNC CURR"),
    *cmd(":SOUR:CURR:MODE FIX"),
    *cmd(":SOUR:CURR:RANG 1.000000E-02"),
    *cmd(":SOUR:CURR:LEV 0.000000E+00"),
    *cmd(':SENS:FUNC "VOLT"'),
    *cmd(":SENS:VOLT:PROT 2.000000E+01"),
    *cmd(":SENS:VOLT:RANG 2.000000E+01"),
    *cmd(":FORM:ELEM VOLT,CURR"),
    *cmd(":OUTP OFF"),
]


def test_identify_and_setup_byte_for_byte() -> None:
    port = ExpectedProtocol([*IDENTIFY, *SETUP])
    smu = Keithley2400(port, clock=FakeClock())
    identity = smu.identify()
    assert (identity.model, identity.serial, identity.watchdog_s) == ("Keithley MODEL 2400", "4112233", None)
    assert identity.firmware.startswith("C32")
    smu.setup()
    port.done()


def test_a_delivery_byte_for_byte() -> None:
    clock = FakeClock()
    port = ExpectedProtocol(
        [
            *cmd(":SOUR:CURR:LEV 1.000000E-05"),  # contact check: 10 µA for one reading
            *cmd(":OUTP ON"),
            (b":READ?\n", b"+1.000000E-02,+1.000000E-05\n"),
            (b":OUTP OFF\n", b""),
            *cmd(":SOUR:CURR:LEV 0.000000E+00"),
            *cmd(":SOUR:CURR:LEV 0.000000E+00"),  # configure: cathode, 0 mA
            *cmd(":OUTP ON"),
            *cmd(":SOUR:CURR:LEV -2.000000E-03"),  # 2 mA out of LO: product under the cathode
            (b"*OPC?\n", b"1\n"),
            (b":OUTP?\n", b"1\n"),
            (b":READ?\n", b"+2.000000E+00,-2.000000E-03\n"),
            (b":SENS:VOLT:PROT:TRIP?\n", b"0\n"),
            *cmd(":OUTP OFF"),
        ]
    )
    smu = Keithley2400(port, clock=clock)
    assert smu.check_contact().impedance_ohm == pytest.approx(1000.0)
    smu.configure(OutputConfig("galvanic", "cathode", 0.0))
    smu.output(True)
    smu.set_current(2.0)
    smu.heartbeat()
    clock.advance(1.5)
    tel = smu.read()
    assert (tel.current_mA, tel.voltage_V, tel.impedance_ohm, tel.output) == (2.0, 2.0, 1000.0, "on")
    assert tel.charge_mA_min == pytest.approx(2.0 * 1.5 / 60)
    smu.output(False)
    port.done()


def test_a_command_the_instrument_did_not_take_is_a_refusal() -> None:
    port = ExpectedProtocol([(b":OUTP ON;:SYST:ERR?\n", b'-221,"Settings conflict"\n')])
    with pytest.raises(DeviceRefusedError, match="Settings conflict"):
        Keithley2400(port, clock=FakeClock()).output(True)


@pytest.mark.parametrize(
    ("answer", "match"),
    [(b"", "no answer"), (b"+2.0E+00\n", "answered"), (b"+2.0E+00,nan\n", "answered")],
)
def test_an_unreadable_reading_fails_closed(answer: bytes, match: str) -> None:
    port = ExpectedProtocol([(b":OUTP?\n", b"1\n"), (b":READ?\n", answer)])
    with pytest.raises(DeviceCommunicationError, match=match):
        Keithley2400(port, clock=FakeClock()).read()


def test_refusals_before_any_byte() -> None:
    smu = Keithley2400(ExpectedProtocol([]), clock=FakeClock())
    with pytest.raises(DeviceRefusedError, match="only galvanic"):
        smu.configure(OutputConfig("pulsed", "anode", 1.0, 1000.0, 0.2))
    with pytest.raises(DeviceRefusedError, match="outside"):
        smu.set_current(4.5)
    with pytest.raises(DeviceRefusedError, match="at most 60 V"):
        Keithley2400(ExpectedProtocol([]), clock=FakeClock(), compliance_V=100.0)


def test_another_instrument_is_refused() -> None:
    port = ExpectedProtocol([(b"*IDN?\n", b"Rigol Technologies,DP832,DP8C1,00.01.14\n")])
    with pytest.raises(DeviceRefusedError, match="not a Keithley 2400-series"):
        Keithley2400(port, clock=FakeClock()).identify()


def test_against_the_emulated_instrument_on_a_socket() -> None:
    clock = FakeClock()
    with EmulatedKeithley2400(load_ohm=1000.0) as instrument:
        smu = Keithley2400.open(instrument.url, clock=clock)
        try:
            plan = plan_from_steps(["iontophoresis anode 1 mA for 1 min ramp 30 s"], electrode_area_cm2=10)
            result = SessionRunner(smu, plan, clock=clock).run()
        finally:
            smu.close()
        assert result.status == "complete", result.reason
        assert result.charge_dose_mA_min == pytest.approx(result.planned_dose_mA_min, rel=0.01)
        assert instrument.output is False
        assert instrument.protection_v == 20.0
        assert ":SOUR:CURR:LEV 1.000000E-03" in instrument.received


def test_compliance_on_the_emulated_instrument_fails_the_session() -> None:
    clock = FakeClock()
    with EmulatedKeithley2400(load_ohm=1000.0) as instrument:
        smu = Keithley2400.open(instrument.url, clock=clock)
        try:
            plan = plan_from_steps(["iontophoresis anode 2 mA for 2 min ramp 30 s"], electrode_area_cm2=10)

            def dry_pad(name: str, document: object) -> None:
                if name == "reading" and isinstance(document, dict) and document["time_s"] >= 40:
                    instrument.load_ohm = 15000.0  # 2 mA would need 30 V: the SMU clamps at 20 V

            result = SessionRunner(smu, plan, clock=clock, subscribers=[dry_pad]).run()
        finally:
            smu.close()
    assert result.status == "failed"
    assert "compliance" in result.reason or "impedance" in result.reason
    assert instrument.output is False


def test_a_silent_instrument_is_a_lost_link() -> None:
    with EmulatedKeithley2400() as instrument:
        instrument.silent = True
        with pytest.raises(DeviceCommunicationError, match="no answer to \\*IDN\\? in time"):
            Keithley2400.open(instrument.url, clock=FakeClock(), timeout_s=0.05)


@pytest.mark.skipif(
    not os.environ.get("DERMAPORT_SCPI_ADDRESS"),
    reason="hardware: set DERMAPORT_SCPI_ADDRESS=socket://HOST:PORT or a port (a 2400 with a 1 kΩ load)",
)
def test_hardware_smu_identifies_and_checks_contact() -> None:
    from dermaport.device.clock import RealClock

    smu = Keithley2400.open(os.environ["DERMAPORT_SCPI_ADDRESS"], clock=RealClock())
    try:
        assert smu.identify().serial
        assert smu.check_contact().impedance_ohm > 0
    finally:
        smu.close()


def test_an_answer_trickled_byte_by_byte_gives_up_at_one_deadline() -> None:
    """pyserial's timeout is per byte; a trickling instrument must not stretch a query past it."""
    timeout_s = 0.2
    port = TricklingPort(b"KEITHLEY INSTRUMENTS INC.,MODEL 2400,1,C30\n", byte_delay_s=0.02)
    smu = Keithley2400(port, clock=FakeClock(), timeout_s=timeout_s)
    started = time.monotonic()
    with pytest.raises(DeviceCommunicationError, match="no answer to"):
        smu.identify()
    assert time.monotonic() - started < 3 * timeout_s  # a generous bound: one deadline, not one per byte
