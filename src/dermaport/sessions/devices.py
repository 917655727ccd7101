"""The device a session runs on, and its clock.

A :class:`DeviceProvider` opens one device for one session plan and gives the clock the
runner must use with it:

* :class:`SimulatedDevices`: the simulated device (``sim``: the galvanic source, or the pulse
  generator on the barrier model for a plan of electroporation steps), in real time, ``speed`` times
  faster (:class:`ScaledClock`, for demonstrations and tests), or on a
  :class:`~dermaport.device.clock.FakeClock` as fast as the host goes (``speed=None``). Each
  simulated device gets a serial of its own, so sessions on two of them never take each other
  for the same device.
* :class:`AddressDevices`: a real device at an address (``serial://``, ``socket://``,
  ``scpi://``…), always in real time.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from dermaport.device.clock import Clock, FakeClock, RealClock
from dermaport.device.connect import open_for_plan
from dermaport.device.electrical import skin_load
from dermaport.device.protocol import Device
from dermaport.device.pulse_protocol import PulseDevice
from dermaport.device.pulse_simulated import SimulatedPulseGenerator
from dermaport.device.session_plan import SessionPlan
from dermaport.device.simulated import SimulatedDevice
from dermaport.errors import InputError
from dermaport.physics.electroporation import BarrierModel

__all__ = ["AddressDevices", "DeviceProvider", "ScaledClock", "SimulatedDevices", "devices_for"]

_serials = itertools.count(1)
_serial_lock = threading.Lock()


class DeviceProvider(Protocol):
    """Opens the device for one session and gives the clock to run it on."""

    def open(self, plan: SessionPlan) -> tuple[Device | PulseDevice, Clock]:
        """A device ready to identify (the kind the plan's steps need), and its clock."""
        ...

    def describe(self) -> str:
        """The device address, for messages (``sim``, ``sim ×10``, ``socket://…``)."""
        ...


class ScaledClock:
    """Monotonic time running ``speed`` times faster than real time (speed ≥ 1)."""

    def __init__(self, speed: float) -> None:
        if not (math.isfinite(speed) and speed >= 1):
            raise InputError(f"simulation speed {speed!r} must be a finite number of at least 1: e.g. 10")
        self._speed = speed
        self._origin = time.monotonic()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (the runner holds its lag checks in real time)."""
        return self._speed

    def now(self) -> float:
        """Simulated seconds since the clock was made."""
        return (time.monotonic() - self._origin) * self._speed

    def sleep_until(self, deadline: float) -> None:
        """Sleep until the simulated ``deadline``."""
        delay = (deadline - self.now()) / self._speed
        if delay > 0:
            time.sleep(delay)


@dataclass
class SimulatedDevices:
    """The simulated device: real time (``speed=1``), ``speed`` times faster, or fake time (None)."""

    speed: float | None = 1.0
    skin: str = "human_face"
    #: The served simulator's watchdog, s: five periods, as a line-protocol device might state
    #: (the runner takes up to 1 s). The simulator's own default, 0.1 s (two periods), is for
    #: runs alone in a process; in the server a busy API shares the interpreter with the loop,
    #: and a 130 ms gap between two ticks (measured under 20 signed-in clients) is scheduling,
    #: not a lost link. The host's own check still ends a loop two periods late. It is held in
    #: real seconds whatever ``speed``: on a :class:`ScaledClock` the device counts it
    #: ``speed`` times as many simulated seconds (``watchdog_scale``), so a scheduling gap that
    #: passes at ×1 passes at ×10 (0.25 s simulated would be 25 ms real there). What it states,
    #: and the runner bounds (``MAX_WATCHDOG_S``), is the time current flows after losing the
    #: host, in the person's seconds.
    watchdog_s: float = 0.25
    serial_prefix: str = field(default_factory=lambda: f"SIM-{os.getpid()}")

    def open(self, plan: SessionPlan) -> tuple[Device | PulseDevice, Clock]:
        """A new simulated device on the plan's electrode area, with a serial of its own.

        A plan of electroporation steps gets the simulated pulse generator; any other, the
        galvanic source (a plan needing both is refused by the runner before any output).
        """
        clock: Clock
        scale = 1.0
        if self.speed is None:
            clock = FakeClock()
        elif self.speed == 1:
            clock = RealClock()
        else:
            clock, scale = ScaledClock(self.speed), self.speed
        with _serial_lock:
            serial = f"{self.serial_prefix}-{next(_serials)}"
        if plan.modalities == ("electroporation",):
            generator = SimulatedPulseGenerator(
                BarrierModel(), clock=clock, serial=serial, watchdog_s=self.watchdog_s, watchdog_scale=scale
            )
            return generator, clock
        device = SimulatedDevice(
            skin_load(plan.electrode_area_cm2, site=self.skin),
            clock=clock,
            serial=serial,
            watchdog_s=self.watchdog_s,
            watchdog_scale=scale,
        )
        return device, clock

    def describe(self) -> str:
        """``sim``, with its speed."""
        return (
            "sim"
            if self.speed == 1
            else ("sim (fake clock)" if self.speed is None else f"sim ×{self.speed:g}")
        )


@dataclass
class AddressDevices:
    """A real device at ``address`` (see :func:`dermaport.device.connect.open_device`), in real time."""

    address: str

    def open(self, plan: SessionPlan) -> tuple[Device | PulseDevice, Clock]:
        """Open the device the plan's steps need (a real device always runs in real time)."""
        clock = RealClock()
        device = open_for_plan(
            self.address, clock=clock, modalities=plan.modalities, electrode_area_cm2=plan.electrode_area_cm2
        )
        return device, clock

    def describe(self) -> str:
        """The address."""
        return self.address


def devices_for(address: str, *, sim_speed: float = 1.0) -> DeviceProvider:
    """The provider for ``--device ADDRESS`` (``sim`` by default) and ``--sim-speed N`` (sim only)."""
    if not (math.isfinite(sim_speed) and sim_speed >= 1):
        raise InputError(
            f"--sim-speed {sim_speed!r} must be a finite number of at least 1: e.g. --sim-speed 10"
        )
    if address.strip() == "sim":
        return SimulatedDevices(speed=sim_speed)
    if sim_speed != 1:
        raise InputError(f"--sim-speed {sim_speed:g} applies to the simulated device only, not {address!r}")
    return AddressDevices(address)
