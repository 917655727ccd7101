"""Open a device from its address, as ``dermaport run --device`` takes it.

Addresses::

    sim                          the simulated device (the default)
    serial:///dev/ttyUSB0        the reference line protocol on a serial port (or a pty path)
    socket://127.0.0.1:7700      the reference line protocol over TCP
    scpi://192.168.1.20:5025     a Keithley 2400-series SMU over a raw TCP socket (a serial server)
    scpi-serial:///dev/ttyUSB1   the same SMU on its RS-232 port

Faults can be injected only into the simulated device.
"""

from __future__ import annotations

from collections.abc import Sequence

from dermaport.device.clock import Clock
from dermaport.device.electrical import skin_load
from dermaport.device.faults import Fault
from dermaport.device.protocol import Device
from dermaport.device.simulated import SimulatedDevice
from dermaport.errors import InputError

__all__ = ["ADDRESS_EXAMPLES", "open_device"]

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
