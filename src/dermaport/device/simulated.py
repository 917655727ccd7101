"""The simulated device: the default everywhere, a :class:`~dermaport.device.protocol.Device`.

It regulates a constant current into the skin load of :mod:`dermaport.device.electrical`
(V = I·R), up to its compliance voltage; beyond that the current falls to V/R and it flags
``compliance``. Its regulated current differs from the set-point by a fixed gain error within
±0.25 %, and each reading adds ±0.005 mA of noise, so it stays inside its stated tolerance
(0.02 mA). Its watchdog switches the output off when no command or heartbeat came for
``watchdog_s``. It counts the charge it delivers (mA·min) exactly, between events.

The simulator keeps its own truth for tests: :attr:`SimulatedDevice.history` holds every
change of the current that really flowed, with its time. Time comes from an injected
:class:`~dermaport.device.clock.Clock`; on a :class:`~dermaport.device.clock.FakeClock` a
session runs as fast as the host asks. Faults (:mod:`dermaport.device.faults`) start at
their times, counted from the device's creation.

Device specification (stated for the simulator, not sourced): 4.0 mA maximum (the hard limit,
ActivaDose II), 60 V compliance (the order of the ±54 V of Martins et al. 2009's aesthetic
device), ±0.02 mA tolerance, 0.1 s watchdog (or none, ``watchdog=False``).
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Iterable

from dermaport.device.clock import Clock
from dermaport.device.electrical import SkinLoad
from dermaport.device.faults import FAULT_KINDS, Fault
from dermaport.device.protocol import Contact, Identity, OutputConfig, Telemetry
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError, InputError

__all__ = ["OPEN_CIRCUIT_OHM", "SimulatedDevice"]

logger = logging.getLogger(__name__)

#: What the impedance measurement reads on an open circuit (its top of range), Ω.
OPEN_CIRCUIT_OHM = 1e7
_INTERMITTENT_CYCLE_S = 0.5
_INTERMITTENT_OPEN_S = 0.2
_IMPEDANCE_RISE = 5.0
_FAILED_COMPLIANCE_V = 0.2
_REGULATION_GAIN = 0.6
_NOISE_MA = 0.005
_GAIN_ERROR = 0.0025


class SimulatedDevice:
    """A constant-current source on a simulated skin load (thread-safe).

    ``watchdog=False`` gives a device with no watchdog of its own (``watchdog_s`` ``None``), as
    the Keithley 2400 is: the runner then runs the host watchdog.
    """

    def __init__(
        self,
        load: SkinLoad,
        *,
        clock: Clock,
        faults: Iterable[Fault] = (),
        seed: int = 0,
        serial: str = "SIM-0001",
        max_current_mA: float = 4.0,  # noqa: N803 - unit in the name
        compliance_V: float = 60.0,  # noqa: N803
        tolerance_mA: float = 0.02,  # noqa: N803
        watchdog_s: float = 0.1,
        watchdog: bool = True,
        watchdog_scale: float = 1.0,
        reply_timeout_s: float = 0.02,
        report_flags: bool = True,
    ) -> None:
        self.load = load
        self._clock = clock
        self._epoch = clock.now()
        self._t = self._epoch
        self._rng = random.Random(seed)
        self._gain = 1.0 + self._rng.uniform(-_GAIN_ERROR, _GAIN_ERROR)
        self._identity = Identity(
            model="dermaport simulated iontophoresis source",
            firmware="1.0.0",
            serial=serial,
            max_current_mA=max_current_mA,
            compliance_V=compliance_V,
            tolerance_mA=tolerance_mA,
            watchdog_s=watchdog_s if watchdog else None,
            protocol="in-process",
        )
        if not (math.isfinite(watchdog_scale) and watchdog_scale >= 1):
            raise InputError(
                f"watchdog scale {watchdog_scale!r} must be a finite number of at least 1: e.g. 10"
            )
        #: Clock seconds per second of the watchdog: on a clock ``speed`` times faster than real
        #: time, ``speed`` keeps ``watchdog_s`` in real seconds (the served simulator's).
        self._watchdog_scale = watchdog_scale
        self._reply_timeout_s = reply_timeout_s
        self._report_flags = report_flags
        for fault in faults:
            if fault.kind not in FAULT_KINDS:
                raise InputError(f"fault kind {fault.kind!r} is not one of {', '.join(FAULT_KINDS)}")
        self._pending = sorted(faults, key=lambda f: f.at_s)
        self._active: dict[str, float] = {}  # kind -> absolute start time
        self._lock = threading.RLock()
        self._config = OutputConfig()
        self._configured = False
        self._set_mA = 0.0
        self._on = False
        self._charge_mA_s = 0.0
        self._last_heard = self._epoch
        self._flags: set[str] = set()
        self._state = "off"
        #: (time since creation s, current that really flowed mA) at every change.
        self.history: list[tuple[float, float]] = [(0.0, 0.0)]
        #: (time since creation s, output on?) at every switch, by whatever cause.
        self.switches: list[tuple[float, bool]] = []

    # -- the device's own physics, advanced event by event ------------------------------------

    def _contact_open(self, t: float) -> bool:
        if "contact-loss" in self._active:
            return True
        start = self._active.get("intermittent-contact")
        return start is not None and (t - start) % _INTERMITTENT_CYCLE_S < _INTERMITTENT_OPEN_S

    def _load_ohm(self, t: float) -> float:
        if self._contact_open(t):
            return math.inf
        rise = _IMPEDANCE_RISE if "impedance-rise" in self._active else 1.0
        return self.load.ohm * rise

    def _compliance_v(self) -> float:
        return _FAILED_COMPLIANCE_V if "compliance" in self._active else self._identity.compliance_V

    def _true_current(self, t: float) -> float:
        if not self._on:
            return 0.0
        load = self._load_ohm(t)
        gain = _REGULATION_GAIN if "regulation" in self._active else self._gain
        wanted = self._set_mA * gain
        return min(wanted, 1e3 * self._compliance_v() / load) if load > 0 else wanted

    def _next_event(self) -> float:
        times = [self._epoch + f.at_s for f in self._pending]
        start = self._active.get("intermittent-contact")
        if start is not None and self._on:  # the contact's edges matter only while current may flow
            n = math.floor((self._t - start) / _INTERMITTENT_CYCLE_S)
            base = start + n * _INTERMITTENT_CYCLE_S
            # the next cycle's opening too: at a cycle's end, rounding can put both of this
            # cycle's edges at or before now
            cycle, opening = _INTERMITTENT_CYCLE_S, _INTERMITTENT_OPEN_S
            offsets = (opening, cycle, cycle + opening)
            edges = (base + d for d in offsets)
            times.append(min(e for e in edges if e > self._t + 1e-9))
        if self._on and self._identity.watchdog_s is not None:
            times.append(self._last_heard + self._identity.watchdog_s * self._watchdog_scale)
        return min(times, default=math.inf)

    def _advance(self, now: float) -> None:
        while True:
            t_next = self._next_event()
            if t_next > now:
                break
            self._integrate(max(t_next, self._t))
            self._fire_events()
        self._integrate(now)

    def _integrate(self, t: float) -> None:
        if t > self._t:
            self._charge_mA_s += self._true_current(self._t) * (t - self._t)
            self._t = t

    def _fire_events(self) -> None:
        t = self._t
        while self._pending and self._epoch + self._pending[0].at_s <= t + 1e-12:
            fault = self._pending.pop(0)
            self._active[fault.kind] = self._epoch + fault.at_s
            logger.info("simulated fault %s at %.3f s", fault.kind, fault.at_s)
            if fault.kind == "device-reset":
                self._reset()
            elif fault.kind in ("regulation", "compliance") and self._report_flags:
                self._flags.add(fault.kind)
        wd = self._identity.watchdog_s
        if self._on and wd is not None and t >= self._last_heard + wd * self._watchdog_scale - 1e-12:
            logger.warning("simulated device watchdog: no heartbeat for %.3f s, output off", wd)
            self._flags.add("watchdog")
            self._switch(False)
        self._record()

    def _reset(self) -> None:
        self._active.pop("device-reset", None)
        self._switch(False)
        self._set_mA, self._charge_mA_s, self._configured = 0.0, 0.0, False
        self._config = OutputConfig()
        self._flags = {"reset"} if self._report_flags else set()
        self._state = "reset"

    def _switch(self, on: bool) -> None:
        if on != self._on:
            self._on = on
            self.switches.append((self._t - self._epoch, on))
        self._state = "on" if on else ("reset" if self._state == "reset" and not on else "off")

    def _record(self) -> None:
        current = self._true_current(self._t)
        if current != self.history[-1][1]:
            self.history.append((self._t - self._epoch, current))

    # -- the link ------------------------------------------------------------------------------

    def _exchange(self) -> float:
        """Advance to now; raise as a lost link would; count the command as a heartbeat."""
        now = self._clock.now()
        self._advance(now)
        if "comm-loss" in self._active:
            self._clock.sleep_until(now + self._reply_timeout_s)
            self._advance(self._clock.now())
            raise DeviceCommunicationError(
                f"simulated device {self._identity.serial}: no answer within {self._reply_timeout_s:g} s"
            )
        self._last_heard = now
        return now

    # -- the Device protocol -------------------------------------------------------------------

    def identify(self) -> Identity:
        """The simulator's identity and ceilings."""
        with self._lock:
            self._exchange()
            return self._identity

    def check_contact(self) -> Contact:
        """The load with a test signal: the skin load, or the top of range on an open circuit."""
        with self._lock:
            now = self._exchange()
            return Contact(min(self._load_ohm(now), OPEN_CIRCUIT_OHM))

    def configure(self, config: OutputConfig) -> None:
        """Take a configuration (output off; set-point within the device's maximum)."""
        with self._lock:
            self._exchange()
            problems = config.problems()
            if problems:
                raise DeviceRefusedError("configuration refused: " + "; ".join(problems))
            if self._on:
                raise DeviceRefusedError("configuration refused: switch the output off first")
            self._check_range(config.set_current_mA)
            self._config, self._set_mA, self._configured = config, config.set_current_mA, True
            self._charge_mA_s = 0.0
            self._flags.discard("reset")
            self._state = "off"
            self._record()

    def _check_range(self, current_mA: float) -> None:  # noqa: N803
        if not (math.isfinite(current_mA) and 0 <= current_mA <= self._identity.max_current_mA):
            raise DeviceRefusedError(
                f"set-point {current_mA!r} mA is outside 0–{self._identity.max_current_mA:g} mA"
            )

    def set_current(self, current_mA: float) -> None:  # noqa: N803
        """Change the set-point (mA)."""
        with self._lock:
            self._exchange()
            self._check_range(current_mA)
            self._set_mA = current_mA
            self._record()

    def output(self, on: bool) -> None:
        """Switch the output; on only once configured and while no fault is latched."""
        with self._lock:
            self._exchange()
            if on and not self._configured:
                raise DeviceRefusedError("output refused: not configured since start or reset")
            if on and self._flags:
                raise DeviceRefusedError(f"output refused: faults latched ({', '.join(sorted(self._flags))})")
            self._switch(on)
            self._record()

    def read(self) -> Telemetry:
        """One reading: current and voltage measured, impedance, charge counted, state, flags."""
        with self._lock:
            now = self._exchange()
            true = self._true_current(now)
            load = self._load_ohm(now)
            measured = true + self._rng.uniform(-_NOISE_MA, _NOISE_MA) if true > 0 else 0.0
            if self._on and math.isinf(load):
                voltage = self._compliance_v() if self._set_mA > 0 else 0.0
            else:
                voltage = true * 1e-3 * load if true > 0 else 0.0
            impedance = voltage / (measured * 1e-3) if measured > 0.01 else min(load, OPEN_CIRCUIT_OHM)
            flags = set(self._flags)
            if self._report_flags:
                if self._on and math.isinf(load):
                    flags.add("open-circuit")
                if self._on and true < self._set_mA * self._gain - 1e-9 and not math.isinf(load):
                    flags.add("compliance" if "regulation" not in self._active else "regulation")
            return Telemetry(
                time_s=now - self._epoch,
                current_mA=measured,
                voltage_V=voltage,
                impedance_ohm=impedance,
                charge_mA_min=self._charge_mA_s / 60.0,
                output=self._state,
                flags=tuple(sorted(flags)),
                compliance_V=self._compliance_v(),
            )

    def heartbeat(self) -> None:
        """Reset the watchdog."""
        with self._lock:
            self._exchange()

    def close(self) -> None:
        """Switch the output off (the simulator's link cannot be lost for this)."""
        with self._lock:
            self._advance(self._clock.now())
            self._switch(False)
            self._record()

    # -- for tests and the server --------------------------------------------------------------

    def output_is_on(self) -> bool:
        """Whether current may flow now (the simulator's truth, not a reading)."""
        with self._lock:
            self._advance(self._clock.now())
            return self._on
