"""What a pulse generator offers the session runner: a typed protocol beside the galvanic one.

A pulse generator is a voltage source that fires a configured pulse step by itself once its
output is on (:class:`~dermaport.device.pulse_simulated.PulseConfig`: the step's
:class:`~dermaport.protocol.pulses.PulseSchedule` and the electrode area), and reports each
reading as a :class:`~dermaport.device.pulse_simulated.PulseTelemetry` (pulses fired, the
last pulse's peak current, charge and lowest load, totals of charge and energy, flags).
The simulated generator and the line-protocol driver satisfy :class:`PulseDevice`
(``typing.Protocol``, checked by mypy). Units are in the names: V, mA, Ω, µC, mJ, s.

As for a galvanic device, a call that cannot be answered raises
:class:`~dermaport.errors.DeviceCommunicationError`, a refused command
:class:`~dermaport.errors.DeviceRefusedError`; the runner treats both as faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dermaport.device.protocol import Contact

if TYPE_CHECKING:
    from dermaport.device.pulse_simulated import PulseConfig, PulseTelemetry

__all__ = ["PULSE_FLAG_NAMES", "PulseDevice", "PulseIdentity"]

#: Faults a pulse generator may report in its telemetry's flags.
PULSE_FLAG_NAMES = (
    "reset",
    "watchdog",
    "open-circuit",
    "arc",
    "misfire",
    "over-current",
    "current-limit",
)


@dataclass(frozen=True)
class PulseIdentity:
    """Who the generator is and what it can never exceed.

    ``max_voltage_V`` is its highest pulse voltage, ``max_current_mA`` its current limit (its
    compliance), ``watchdog_s`` how long it keeps firing without a command (``None``: none).
    """

    model: str
    firmware: str
    serial: str
    max_voltage_V: float  # noqa: N815 - unit in the name
    max_current_mA: float  # noqa: N815
    watchdog_s: float | None
    protocol: str = ""

    def to_json(self) -> dict[str, object]:
        """The identity as the start document's ``device``."""
        return {
            "serial": self.serial,
            "model": self.model,
            "firmware": self.firmware,
            "modality": "electroporation",
            "max_voltage_V": self.max_voltage_V,
            "max_current_mA": self.max_current_mA,
            "watchdog_s": self.watchdog_s,
            "protocol": self.protocol,
        }


@runtime_checkable
class PulseDevice(Protocol):
    """A pulse generator the runner can drive (every method may raise a DeviceError)."""

    def identify(self) -> PulseIdentity:
        """Model, firmware, serial number and hard ceilings."""
        ...

    def check_contact(self) -> Contact:
        """Measure the load with a test signal, output off (the top of range when open)."""
        ...

    def configure(self, config: PulseConfig) -> None:
        """Take a pulse step (output must be off)."""
        ...

    def output(self, on: bool) -> None:
        """Switch the output (the train starts at its first period); off must always be accepted."""
        ...

    def read(self) -> PulseTelemetry:
        """One reading."""
        ...

    def heartbeat(self) -> None:
        """Tell the generator the host is alive."""
        ...

    def close(self) -> None:
        """Release the link (after switching the output off where the link still works)."""
        ...
