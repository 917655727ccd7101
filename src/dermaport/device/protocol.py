"""What every device offers the session runner: a small typed protocol and its value types.

A device is anything that satisfies :class:`Device` (``typing.Protocol``, checked by mypy,
never by inheritance): the simulated device, the line-protocol driver, the SCPI source-measure
unit driver. Units are in the names: mA, V, Ω (``ohm``), mA·min, s.

A call that cannot be answered raises :class:`~dermaport.errors.DeviceCommunicationError`; a
command the device refuses raises :class:`~dermaport.errors.DeviceRefusedError`. The runner
treats both as faults (fail closed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "FLAG_NAMES",
    "OUTPUT_STATES",
    "Contact",
    "Device",
    "Identity",
    "Mode",
    "OutputConfig",
    "Polarity",
    "Telemetry",
]

Mode = Literal["galvanic", "pulsed"]
Polarity = Literal["anode", "cathode"]

#: What a device reports about its output: ``off``, ``on`` (regulating), or ``reset`` (it
#: rebooted since the host last configured it, output off).
OUTPUT_STATES = ("off", "on", "reset")

#: Faults a device may detect itself and report in :attr:`Telemetry.flags`.
FLAG_NAMES = ("reset", "regulation", "compliance", "watchdog", "open-circuit")


@dataclass(frozen=True)
class Identity:
    """Who the device is and what it can never exceed.

    ``max_current_mA`` and ``compliance_V`` are the device's own hardware ceilings;
    ``tolerance_mA`` is how far its regulated current may differ from the set-point;
    ``watchdog_s`` is how long it keeps the output on without a heartbeat (``None``: it has no
    watchdog, so the host alone must stop it).
    """

    model: str
    firmware: str
    serial: str
    max_current_mA: float  # noqa: N815 - unit in the name
    compliance_V: float  # noqa: N815
    tolerance_mA: float  # noqa: N815
    watchdog_s: float | None
    protocol: str = ""

    def to_json(self) -> dict[str, object]:
        """The identity as the start document's ``device`` (serial, model, firmware, ceilings)."""
        return {
            "serial": self.serial,
            "model": self.model,
            "firmware": self.firmware,
            "max_current_mA": self.max_current_mA,
            "compliance_V": self.compliance_V,
            "tolerance_mA": self.tolerance_mA,
            "watchdog_s": self.watchdog_s,
            "protocol": self.protocol,
        }


@dataclass(frozen=True)
class OutputConfig:
    """How the output is to be driven.

    ``galvanic`` is direct current; ``pulsed`` (electroporation-style square pulses) needs
    ``pulse_frequency_hz`` and ``pulse_width_ms``. ``polarity`` is the electrode the product is
    under (the active electrode). ``set_current_mA`` is the starting set-point (0 for a ramp).
    """

    mode: Mode = "galvanic"
    polarity: Polarity = "anode"
    set_current_mA: float = 0.0  # noqa: N815
    pulse_frequency_hz: float | None = None
    pulse_width_ms: float | None = None

    def problems(self) -> list[str]:
        """What is wrong with this configuration (empty when it can be used)."""
        found = []
        if self.mode not in ("galvanic", "pulsed"):
            found.append(f"mode {self.mode!r} is not galvanic or pulsed")
        if self.polarity not in ("anode", "cathode"):
            found.append(f"polarity {self.polarity!r} is not anode or cathode")
        if not (math.isfinite(self.set_current_mA) and self.set_current_mA >= 0):
            found.append(f"set-point {self.set_current_mA!r} mA is not a number ≥ 0")
        if self.mode == "pulsed":
            f, w = self.pulse_frequency_hz, self.pulse_width_ms
            if f is None or w is None or not (f > 0 and w > 0 and w * 1e-3 * f < 1):
                found.append(
                    "pulsed mode needs a frequency and a width shorter than the period, "
                    f"got {f!r} Hz, {w!r} ms"
                )
        return found


@dataclass(frozen=True)
class Contact:
    """The load between the electrodes, measured with a small test signal (no treatment current)."""

    impedance_ohm: float


@dataclass(frozen=True)
class Telemetry:
    """One reading from the device.

    ``time_s`` is the device's own clock; ``charge_mA_min`` its own count of the charge it has
    delivered since it was configured; ``output`` one of :data:`OUTPUT_STATES`; ``flags`` the
    faults it detected itself (:data:`FLAG_NAMES`). ``impedance_ohm`` is voltage over current
    while current flows, else the test-signal measurement; ``None`` when it cannot tell.
    """

    time_s: float
    current_mA: float  # noqa: N815
    voltage_V: float  # noqa: N815
    impedance_ohm: float | None
    charge_mA_min: float  # noqa: N815
    output: str
    flags: tuple[str, ...] = ()
    compliance_V: float | None = None  # noqa: N815 - the compliance voltage available now


@runtime_checkable
class Device(Protocol):
    """A current source the runner can drive (every method may raise a DeviceError)."""

    def identify(self) -> Identity:
        """Model, firmware, serial number and hard ceilings."""
        ...

    def check_contact(self) -> Contact:
        """Measure the load impedance with the output off."""
        ...

    def configure(self, config: OutputConfig) -> None:
        """Set mode, polarity, set-point and pulse parameters (output must be off)."""
        ...

    def set_current(self, current_mA: float) -> None:  # noqa: N803 - unit in the name
        """Change the set-point while the output runs (ramps)."""
        ...

    def output(self, on: bool) -> None:
        """Switch the output on or off; off must always be accepted."""
        ...

    def read(self) -> Telemetry:
        """One telemetry reading."""
        ...

    def heartbeat(self) -> None:
        """Tell the device the host is alive (its watchdog turns the output off otherwise)."""
        ...

    def close(self) -> None:
        """Release the link (after switching the output off where the link still works)."""
        ...
