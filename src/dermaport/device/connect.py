"""Open a device from its address, as ``dermaport run --device`` takes it.

Addresses::

    sim                          the simulated device (the default)
    serial:///dev/ttyUSB0        the reference line protocol on a serial port (or a pty path)
    socket://127.0.0.1:7700      the reference line protocol over TCP
    scpi://192.168.1.20:5025     a Keithley 2400-series SMU over a raw TCP socket (a serial server)
    scpi-serial:///dev/ttyUSB1   the same SMU on its RS-232 port

Faults can be injected only into the simulated device. :func:`open_device` opens a galvanic
current source, :func:`open_pulse_device` a pulse generator (``sim``: the simulated pulse
generator on the barrier model's load; ``serial://`` and ``socket://``: the line protocol's
pulse commands), and :func:`open_for_plan` the one a plan's steps need. A session runs on one
device, so a plan with both current and pulse steps is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from dermaport.device.clock import Clock
from dermaport.device.electrical import skin_load
from dermaport.device.faults import FAULT_KINDS, PULSE_FAULT_KINDS, Fault
from dermaport.device.protocol import Device
from dermaport.device.pulse_protocol import PulseDevice
from dermaport.device.simulated import SimulatedDevice
from dermaport.errors import InputError

__all__ = ["ADDRESS_EXAMPLES", "check_fault_kinds", "open_device", "open_for_plan", "open_pulse_device"]

_EXAMPLE = "e.g. --device socket://127.0.0.1:7700"

ADDRESS_EXAMPLES = (
    "sim",
    "serial:///dev/ttyUSB0",
    "socket://127.0.0.1:7700",
    "scpi://192.168.1.20:5025",
    "scpi-serial:///dev/ttyUSB1",
)


def open_device(
    address: str,
    *,
    clock: Clock,
    electrode_area_cm2: float,
    skin: str = "human_face",
    faults: Sequence[Fault] = (),
    seed: int = 0,
) -> Device:
    """The device at ``address`` (see the module text); raises InputError for a bad address."""
    text = address.strip()
    if faults and text != "sim":
        raise InputError(f"--fault works only with --device sim, not {address!r}: e.g. --device sim")
    check_fault_kinds(faults, FAULT_KINDS, "galvanic simulator")
    if text == "sim":
        load = skin_load(electrode_area_cm2, site=skin)
        return SimulatedDevice(load, clock=clock, faults=faults, seed=seed)
    scheme, sep, rest = text.partition("://")
    if not sep or not rest:
        raise InputError(
            f"device address {address!r} is not one of the forms {', '.join(ADDRESS_EXAMPLES)}: {_EXAMPLE}"
        )
    if scheme == "serial":
        from dermaport.device.serial_driver import LineProtocolDevice

        return LineProtocolDevice.open(rest)
    if scheme == "socket":
        from dermaport.device.serial_driver import LineProtocolDevice

        return LineProtocolDevice.open(text)
    if scheme == "scpi":
        from dermaport.device.scpi import Keithley2400

        return Keithley2400.open(f"socket://{rest}", clock=clock)
    if scheme == "scpi-serial":
        from dermaport.device.scpi import Keithley2400

        return Keithley2400.open(rest, clock=clock)
    raise InputError(
        f"device address scheme {scheme!r} in {address!r} is not one of sim, serial, socket, scpi, "
        f"scpi-serial: {_EXAMPLE}"
    )


def check_fault_kinds(faults: Sequence[Fault], kinds: tuple[str, ...], which: str) -> None:
    """Refuse (InputError) a fault of a kind the simulator ``which`` does not know."""
    for fault in faults:
        if fault.kind not in kinds:
            raise InputError(
                f"fault kind {fault.kind!r} is not one the {which} knows ({', '.join(kinds)}): "
                f"e.g. --fault '{kinds[0]}@2 min'"
            )


def open_pulse_device(address: str, *, clock: Clock, faults: Sequence[Fault] = ()) -> PulseDevice:
    """The pulse generator at ``address``: ``sim``, ``serial://PORT`` or ``socket://HOST:PORT``."""
    text = address.strip()
    if faults and text != "sim":
        raise InputError(f"--fault works only with --device sim, not {address!r}: e.g. --device sim")
    check_fault_kinds(faults, PULSE_FAULT_KINDS, "pulse generator")
    if text == "sim":
        from dermaport.device.pulse_simulated import SimulatedPulseGenerator
        from dermaport.physics.electroporation import BarrierModel

        return SimulatedPulseGenerator(BarrierModel(), clock=clock, faults=faults)
    scheme, sep, rest = text.partition("://")
    if sep and rest and scheme in ("serial", "socket"):
        from dermaport.device.serial_driver import LinePulseDevice

        return LinePulseDevice.open(rest if scheme == "serial" else text)
    raise InputError(
        f"pulse device address {address!r} is not sim, serial://PORT or socket://HOST:PORT (a "
        "source-measure unit delivers no pulse trains): e.g. --device sim"
    )


def open_for_plan(
    address: str,
    *,
    clock: Clock,
    modalities: Sequence[str],
    electrode_area_cm2: float,
    skin: str = "human_face",
    faults: Sequence[Fault] = (),
) -> Device | PulseDevice:
    """The device a plan of ``modalities`` needs at ``address`` (InputError for two kinds)."""
    kinds = tuple(dict.fromkeys(modalities))
    if len(kinds) > 1:
        raise InputError(
            f"the steps need {' and '.join(kinds)} outputs: a session runs on one device, so run the "
            "electroporation steps and the current steps as two sessions"
        )
    if kinds == ("electroporation",):
        return open_pulse_device(address, clock=clock, faults=faults)
    return open_device(address, clock=clock, electrode_area_cm2=electrode_area_cm2, skin=skin, faults=faults)
