"""A Keithley 2400-series source-measure unit as a constant-current source (SCPI over pyserial).

The subset of the 2400 Series SCPI command set used (2400 Series SourceMeter User's Manual,
2400S-900-01, section 18; the same commands laboratory iontophoresis set-ups use)::

    *IDN?  *RST  *OPC?  :SYST:ERR?
    :SOUR:FUNC CURR  :SOUR:CURR:MODE FIX  :SOUR:CURR:RANG <A>  :SOUR:CURR:LEV <A>
    :SENS:FUNC "VOLT"  :SENS:VOLT:PROT <V>  :SENS:VOLT:RANG <V>  :SENS:VOLT:PROT:TRIP?
    :FORM:ELEM VOLT,CURR  :READ?  :OUTP ON  :OUTP OFF  :OUTP?

Every setting command is followed by ``:SYST:ERR?`` on the same line (``:OUTP ON;:SYST:ERR?``),
and anything but ``0,...`` is a refusal,
so a command the instrument did not take never passes silently. The voltage protection
(compliance) is set in the instrument: a ceiling the hardware enforces whatever the host does.
The active electrode goes on the HI (red) terminal: anode = positive current, cathode =
negative. Limits of this driver, said plainly: the 2400 has no heartbeat watchdog
(``watchdog_s`` is ``None``: if the host dies the output stays on at its last set-point until
someone presses OUTPUT), it does not count charge (the driver integrates its readings), and
its contact check passes a 10 µA test current for one reading. The runner's host watchdog
guards it (:mod:`dermaport.device.watchdog`); the driver takes one request at a time (a lock),
so the watchdog's ``:OUTP OFF`` waits at most for the exchange in progress.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import serial

from dermaport.device.clock import Clock
from dermaport.device.protocol import Contact, Identity, OutputConfig, Telemetry
from dermaport.device.serial_driver import Port, read_line_before
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError
from dermaport.safety.limits import MAX_CURRENT_MA

__all__ = ["CONTACT_TEST_A", "Keithley2400"]

logger = logging.getLogger(__name__)

#: Test current of the contact check, A.
CONTACT_TEST_A = 1e-5
#: The 10 mA source range: the smallest that holds the 4 mA ceiling.
_SOURCE_RANGE_A = 1e-2
#: Tolerance stated for this set-up (above the instrument's source accuracy on the 10 mA range).
_TOLERANCE_MA = 0.01
_OPEN_OHM = 1e7
#: The longest answer the driver reads before calling it garbled (bytes).
_MAX_ANSWER = 256


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exclusive(
    method: Callable[Concatenate[Keithley2400, _P], _R],
) -> Callable[Concatenate[Keithley2400, _P], _R]:
    """One exchange on the wire at a time: the host watchdog's thread may switch off meanwhile."""

    def locked(self: Keithley2400, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)

    locked.__doc__, locked.__name__ = method.__doc__, method.__name__
    return locked


def _a(value: float) -> str:
    return f"{value:.6E}"


class Keithley2400:
    """A 2400-series SMU on ``port`` (line-terminated SCPI)."""

    def __init__(
        self,
        port: Port,
        *,
        clock: Clock,
        compliance_V: float = 20.0,  # noqa: N803 - unit in the name
        name: str = "SMU",
        timeout_s: float = 0.5,
    ) -> None:
        """Drive ``port``; each query must have its answer within ``timeout_s`` seconds."""
        if not 0 < compliance_V <= 60:
            raise DeviceRefusedError(f"compliance {compliance_V!r} V must be above 0 and at most 60 V")
        self._port, self._clock, self._name = port, clock, name
        self._timeout_s = timeout_s
        self._compliance_V = compliance_V
        self._identity: Identity | None = None
        self._sign = 1.0
        self._on = False
        self._charge_mA_min = 0.0
        self._last_t: float | None = None
        self._contact_ohm: float | None = None
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock,
        compliance_V: float = 20.0,  # noqa: N803 - unit in the name
        timeout_s: float = 0.5,
    ) -> Keithley2400:
        """Open ``url`` (``socket://HOST:PORT`` or a serial port), check it is a 2400, set it up."""
        try:
            port = serial.serial_for_url(url, baudrate=9600, timeout=timeout_s, write_timeout=timeout_s)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise DeviceCommunicationError(f"cannot open SMU {url!r}: {exc}") from exc
        smu = cls(port, clock=clock, compliance_V=compliance_V, name=url, timeout_s=timeout_s)
        try:
            smu.identify()
            smu.setup()
        except BaseException:
            port.close()
            raise
        return smu

    # -- the wire ---------------------------------------------------------------------------------

    def _write(self, command: str) -> None:
        try:
            self._port.write(command.encode("ascii") + b"\n")
        except (serial.SerialException, OSError) as exc:
            raise DeviceCommunicationError(f"{self._name}: link failed on {command}: {exc}") from exc

    def _query(self, command: str) -> str:
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DeviceCommunicationError(f"{self._name}: link failed: {exc}") from exc
        deadline = time.monotonic() + self._timeout_s  # one deadline for the whole answer
        self._write(command)
        try:
            line = read_line_before(self._port, bytearray(), deadline, _MAX_ANSWER)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceCommunicationError(f"{self._name}: link failed on {command}: {exc}") from exc
        if line is None:
            raise DeviceCommunicationError(f"{self._name}: no answer to {command} in time")
        try:
            return line.decode("ascii").strip()
        except UnicodeDecodeError as exc:
            raise DeviceCommunicationError(f"{self._name}: unreadable answer to {command}: {line!r}") from exc

    def _command(self, command: str) -> None:
        """Send a setting and make sure the instrument took it (``:SYST:ERR?`` says ``0,...``).

        Both go as one compound line (``;:``), so one write and one answer per setting.
        """
        error = self._query(f"{command};:SYST:ERR?")
        if not error.startswith("0,"):
            raise DeviceRefusedError(f"{self._name} refused {command!r}: {error}")

    def _numbers(self, command: str, count: int) -> list[float]:
        answer = self._query(command)
        try:
            values = [float(v) for v in answer.split(",")]
        except ValueError as exc:
            raise DeviceCommunicationError(f"{self._name}: {command} answered {answer!r}") from exc
        if len(values) != count or not all(math.isfinite(v) for v in values):
            raise DeviceCommunicationError(f"{self._name}: {command} answered {answer!r}")
        return values

    # -- the Device protocol ---------------------------------------------------------------------

    @_exclusive
    def identify(self) -> Identity:
        """``*IDN?``; refuses an instrument that is not a 2400-series SourceMeter."""
        answer = self._query("*IDN?")
        parts = [p.strip() for p in answer.split(",")]
        if len(parts) < 4 or not parts[0].upper().startswith("KEITHLEY") or " 24" not in f" {parts[1]}":
            raise DeviceRefusedError(f"{self._name} is not a Keithley 2400-series SMU: *IDN? said {answer!r}")
        self._identity = Identity(
            model=f"Keithley {parts[1]}",
            firmware=parts[3],
            serial=parts[2],
            max_current_mA=MAX_CURRENT_MA,
            compliance_V=self._compliance_V,
            tolerance_mA=_TOLERANCE_MA,
            watchdog_s=None,
            protocol="scpi-2400",
        )
        return self._identity

    @_exclusive
    def setup(self) -> None:
        """Reset, then a fixed current source at 0 A, voltage measured, compliance set, output off."""
        self._write("*RST")
        for command in (
            ":SOUR:FUNC CURR",
            ":SOUR:CURR:MODE FIX",
            f":SOUR:CURR:RANG {_a(_SOURCE_RANGE_A)}",
            f":SOUR:CURR:LEV {_a(0.0)}",
            ':SENS:FUNC "VOLT"',
            f":SENS:VOLT:PROT {_a(self._compliance_V)}",
            f":SENS:VOLT:RANG {_a(self._compliance_V)}",
            ":FORM:ELEM VOLT,CURR",
            ":OUTP OFF",
        ):
            self._command(command)
        self._on = False

    @_exclusive
    def check_contact(self) -> Contact:
        """Pass the 10 µA test current for one reading; V/I, or the top of range if nothing flows."""
        if self._on:
            raise DeviceRefusedError(f"{self._name}: contact check refused while the output is on")
        self._command(f":SOUR:CURR:LEV {_a(CONTACT_TEST_A)}")
        try:
            self._command(":OUTP ON")
            volts, amps = self._numbers(":READ?", 2)
        finally:
            self._write(":OUTP OFF")
            self._command(f":SOUR:CURR:LEV {_a(0.0)}")
        impedance = abs(volts / amps) if abs(amps) >= CONTACT_TEST_A / 10 else _OPEN_OHM
        self._contact_ohm = min(impedance, _OPEN_OHM)
        return Contact(self._contact_ohm)

    @_exclusive
    def configure(self, config: OutputConfig) -> None:
        """Galvanic only: polarity and set-point (the 2400 gives no electroporation pulses)."""
        if config.mode != "galvanic":
            raise DeviceRefusedError(f"{self._name}: only galvanic (DC) output, not {config.mode!r}")
        problems = config.problems()
        if problems:
            raise DeviceRefusedError(f"{self._name}: configuration refused: " + "; ".join(problems))
        if self._on:
            raise DeviceRefusedError(f"{self._name}: switch the output off before configuring")
        self._sign = 1.0 if config.polarity == "anode" else -1.0
        self.set_current(config.set_current_mA)
        self._charge_mA_min, self._last_t = 0.0, None

    @_exclusive
    def set_current(self, current_mA: float) -> None:  # noqa: N803 - unit in the name
        """``:SOUR:CURR:LEV`` in A, signed by polarity (never above 4 mA)."""
        if not (math.isfinite(current_mA) and 0 <= current_mA <= MAX_CURRENT_MA):
            raise DeviceRefusedError(
                f"{self._name}: set-point {current_mA!r} mA is outside 0–{MAX_CURRENT_MA:g}"
            )
        level_a = self._sign * current_mA * 1e-3 or 0.0  # no "-0" on the wire
        self._command(f":SOUR:CURR:LEV {_a(level_a)}")

    @_exclusive
    def output(self, on: bool) -> None:
        """``:OUTP ON`` / ``:OUTP OFF``."""
        if not on:
            self._on = False  # believe it off only once sent; the next :OUTP? checks
        self._command(":OUTP ON" if on else ":OUTP OFF")
        self._on = on
        self._last_t = self._clock.now()

    @_exclusive
    def read(self) -> Telemetry:
        """``:OUTP?``, then (output on) ``:READ?`` and ``:SENS:VOLT:PROT:TRIP?``; charge integrated here."""
        now = self._clock.now()
        (state,) = self._numbers(":OUTP?", 1)
        on = state == 1.0
        volts = milliamps = 0.0
        flags: tuple[str, ...] = ()
        impedance = self._contact_ohm
        if on:
            volts, amps = self._numbers(":READ?", 2)
            milliamps = self._sign * amps * 1e3
            (tripped,) = self._numbers(":SENS:VOLT:PROT:TRIP?", 1)
            flags = ("compliance",) if tripped == 1.0 else ()
            impedance = abs(volts / (milliamps * 1e-3)) if abs(milliamps) > 0.1 else self._contact_ohm
        if self._last_t is not None and on:  # the reading measures the level held since the last one
            self._charge_mA_min += milliamps * (now - self._last_t) / 60.0
        self._last_t = now
        return Telemetry(
            time_s=now,
            current_mA=milliamps,
            voltage_V=abs(volts),
            impedance_ohm=impedance,
            charge_mA_min=self._charge_mA_min,
            output="on" if on else "off",
            flags=flags,
            compliance_V=self._compliance_V,
        )

    @_exclusive
    def heartbeat(self) -> None:
        """``*OPC?``: the link answers (the 2400 itself has no watchdog)."""
        if self._query("*OPC?") != "1":
            raise DeviceCommunicationError(f"{self._name}: *OPC? did not answer 1")

    @_exclusive
    def close(self) -> None:
        """``:OUTP OFF`` if the link still works, then release the port."""
        try:
            self._write(":OUTP OFF")
        except DeviceCommunicationError:
            logger.warning("%s: could not switch the output off on close", self._name)
        finally:
            self._port.close()
