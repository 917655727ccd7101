"""The simulated pulse generator: high-voltage pulse trains into a skin load that porates.

A voltage source that fires the pulses of a configured step by itself once its output is
on, at the step's frequency, counted from the moment it was switched on. Its load is the
barrier model's (:class:`~dermaport.physics.electroporation.BarrierModel`): the stratum
corneum's resistance per area over the electrode area, times the crossings, plus the series
part and the leads; it falls during the pulses and recovers after. It limits the current to
``max_current_mA`` (its compliance, flagged ``current-limit``), and its own protection
switches the output off and latches ``over-current`` when a pulse would draw more than the
``trip_current_mA`` (a short). It counts pulses fired, and the charge and energy of each
(:attr:`SimulatedPulseGenerator.pulses`). Its watchdog ends the output when no command came
for ``watchdog_s``. Time comes from the injected clock, as for the galvanic simulator.

Faults (:data:`PULSE_FAULT_KINDS`, started at their times from the generator's creation):

- ``contact-loss``: the electrode leaves the skin: the load is open, pulses carry no current;
- ``arc``: an arc or a short across the electrodes: the load collapses to ``arc_ohm``;
- ``misfire``: pulses come due but are not fired (flag ``misfire``);
- ``over-current``: the current limiter fails: pulses draw twice their load's current, and the
  protection trips once a pulse passes the current limit;
- ``comm-loss``: the generator neither answers nor hears; its watchdog ends the output;
- ``device-reset``: it reboots: output off, configuration and counts cleared, flag ``reset``.

Generator specification (stated for the simulator, not sourced): 150 V maximum (the
dermaport ceiling), 2 A current limit, 3 A protective trip, 10 Ω of leads, 5 Ω arc, 0.1 s
watchdog.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from dermaport.device.clock import Clock
from dermaport.device.faults import PULSE_FAULT_KINDS, Fault
from dermaport.device.protocol import Contact
from dermaport.device.pulse_protocol import PulseIdentity
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError, InputError
from dermaport.physics.electroporation import BarrierModel, BarrierState
from dermaport.protocol.pulses import PulseSchedule

__all__ = [
    "PULSE_FAULT_KINDS",
    "FiredPulse",
    "PulseConfig",
    "PulseTelemetry",
    "SimulatedPulseGenerator",
]

logger = logging.getLogger(__name__)


OPEN_OHM: Final = 1e7


@dataclass(frozen=True)
class PulseConfig:
    """A pulse step for the generator: its schedule, the electrode area (cm²), the polarity.

    ``polarity`` is the electrode the product is under for a unipolar train (``None``: bipolar).
    """

    schedule: PulseSchedule
    electrode_area_cm2: float
    polarity: str | None = None


@dataclass(frozen=True)
class FiredPulse:
    """One period as the generator delivered it.

    Time since creation (s), peak current (mA), charge of all phases (µC, both signs counted),
    signed charge (µC), energy (mJ), load at its lowest (Ω) and whether it fired.
    """

    time_s: float
    peak_current_mA: float  # noqa: N815 - unit in the name
    charge_uC: float  # noqa: N815
    signed_charge_uC: float  # noqa: N815
    energy_mJ: float  # noqa: N815
    load_min_ohm: float
    fired: bool


@dataclass(frozen=True)
class PulseTelemetry:
    """One reading: time (s), output state, pulses fired, the last pulse, load now (Ω), flags.

    ``last_load_min_ohm`` is the lowest load during the last pulse fired (``None`` before any).
    """

    time_s: float
    output: str
    pulses_fired: int
    last_peak_current_mA: float  # noqa: N815
    last_charge_uC: float  # noqa: N815
    impedance_ohm: float
    charge_total_uC: float  # noqa: N815
    energy_total_mJ: float  # noqa: N815
    flags: tuple[str, ...]
    last_load_min_ohm: float | None = None


class SimulatedPulseGenerator:
    """A high-voltage pulse generator on a porating skin load (thread-safe)."""

    def __init__(
        self,
        model: BarrierModel,
        *,
        clock: Clock,
        faults: Iterable[Fault] = (),
        serial: str = "SIM-PULSE-0001",
        max_voltage_V: float = 150.0,  # noqa: N803 - unit in the name
        max_current_mA: float = 2000.0,  # noqa: N803
        trip_current_mA: float = 3000.0,  # noqa: N803
        lead_ohm: float = 10.0,
        arc_ohm: float = 5.0,
        watchdog_s: float = 0.1,
        watchdog_scale: float = 1.0,
        reply_timeout_s: float = 0.02,
    ) -> None:
        if not (math.isfinite(watchdog_scale) and watchdog_scale >= 1):
            raise InputError(
                f"watchdog scale {watchdog_scale!r} must be a finite number of at least 1: e.g. 10"
            )
        #: Clock seconds per second of the watchdog (as the galvanic simulator's): on a clock
        #: ``speed`` times faster than real time, ``speed`` keeps ``watchdog_s`` in real seconds.
        self._watchdog_scale = watchdog_scale
        self.model = model
        self.serial = serial
        self.max_voltage_V = max_voltage_V
        self.max_current_mA = max_current_mA
        self.trip_current_mA = trip_current_mA
        self.lead_ohm, self.arc_ohm = lead_ohm, arc_ohm
        self.watchdog_s, self._reply_timeout_s = watchdog_s, reply_timeout_s
        self._clock = clock
        self._epoch = self._t = clock.now()
        for fault in faults:
            if fault.kind not in PULSE_FAULT_KINDS:
                raise InputError(f"fault kind {fault.kind!r} is not one of {', '.join(PULSE_FAULT_KINDS)}")
        self._pending = sorted(faults, key=lambda f: f.at_s)
        self._active: set[str] = set()
        self._lock = threading.RLock()
        self._config: PulseConfig | None = None
        self._on = False
        self._on_since = 0.0
        self._next_period = 0
        self._state = BarrierState.intact(model.kinetics)
        self._rise = 0.0
        self._flags: set[str] = set()
        self._last_heard = self._epoch
        #: Every period due while on, fired or not (the simulator's own truth, for tests).
        self.pulses: list[FiredPulse] = []
        #: (time since creation s, output on?) at every switch, by whatever cause.
        self.switches: list[tuple[float, bool]] = []

    # -- the load -----------------------------------------------------------------------------

    def load_ohm(self, state: BarrierState | None = None) -> float:
        """Resistance between the electrodes now (Ω): skin per area over the area, plus leads."""
        if "contact-loss" in self._active:
            return math.inf
        if "arc" in self._active:
            return self.arc_ohm
        if self._config is None:
            return OPEN_OHM
        area_m2 = self._config.electrode_area_cm2 * 1e-4
        circuit = self.model.circuit
        st = state if state is not None else self._state
        per_area = circuit.crossings * self.model.resistance(st) + circuit.series_ohm_m2()
        return per_area / area_m2 + self.lead_ohm

    # -- advancing in time --------------------------------------------------------------------

    def _period_start(self, n: int) -> float:
        assert self._config is not None
        return self._on_since + n * self._config.schedule.period_s

    def _events(self) -> list[float]:
        times = [self._epoch + f.at_s for f in self._pending]
        if self._on and self._config is not None and self._next_period < self._config.schedule.periods:
            times.append(self._period_start(self._next_period))
        if self._on and self.watchdog_s is not None:
            times.append(self._last_heard + self.watchdog_s * self._watchdog_scale)
        return times

    def _advance(self, now: float) -> None:
        while True:
            due = [t for t in self._events() if t <= now]
            if not due:
                break
            t = min(due)
            self._relax(t)
            self._fire_faults(t)
            if self._on and self._last_heard + self.watchdog_s * self._watchdog_scale <= t + 1e-12:
                logger.warning(
                    "simulated pulse generator watchdog: no command for %.3f s, output off", self.watchdog_s
                )
                self._flags.add("watchdog")
                self._switch(False, t)
            if (
                self._on
                and self._config is not None
                and self._next_period < self._config.schedule.periods
                and self._period_start(self._next_period) <= t + 1e-12
            ):
                self._fire_period(t)
        self._relax(now)

    def _relax(self, t: float) -> None:
        if t > self._t:
            self._state, self._rise = self.model.off(self._state, self._rise, t - self._t)
            self._t = t

    def _fire_faults(self, t: float) -> None:
        while self._pending and self._epoch + self._pending[0].at_s <= t + 1e-12:
            fault = self._pending.pop(0)
            logger.info("simulated pulse fault %s at %.3f s", fault.kind, fault.at_s)
            if fault.kind == "device-reset":
                self._switch(False, t)
                self._config, self._next_period = None, 0
                self._flags = {"reset"}
            else:
                self._active.add(fault.kind)

    def _fire_period(self, t: float) -> None:
        assert self._config is not None
        schedule = self._config.schedule
        self._next_period += 1
        if "misfire" in self._active:
            self._flags.add("misfire")
            self.pulses.append(FiredPulse(t - self._epoch, 0.0, 0.0, 0.0, 0.0, self.load_ohm(), False))
            return
        area_m2 = self._config.electrode_area_cm2 * 1e-4
        peak = charge = signed = energy = 0.0
        load_min = math.inf
        elapsed = 0.0
        for duration, sign in schedule.phases:
            if sign == 0:
                self._state, self._rise = self.model.off(self._state, self._rise, duration)
                elapsed += duration
                continue
            before = self.load_ohm()
            if math.isinf(before):  # open circuit: no current, the skin sees nothing
                elapsed += duration
                continue
            if "arc" in self._active:
                current = 1e3 * schedule.voltage_v / self.arc_ohm
                q = current * duration * 1e3
                self._state, self._rise = self.model.off(self._state, self._rise, duration)
            else:
                self._state, self._rise, totals = self.model.on(
                    self._state, self._rise, schedule.voltage_v, duration
                )
                current = 1e3 * totals.j_peak * area_m2
                q = 1e6 * totals.charge * area_m2
            gain = 2.0 if "over-current" in self._active else 1.0
            current, q = current * gain, q * gain
            failed_limiter = "over-current" in self._active
            tripped = current > self.trip_current_mA or (failed_limiter and current > self.max_current_mA)
            if current > self.max_current_mA and not failed_limiter:
                self._flags.add("current-limit")
                q *= self.max_current_mA / current
                current = self.max_current_mA
            peak, charge, signed = max(peak, current), charge + q, signed + sign * q
            energy += schedule.voltage_v * q * 1e-3
            load_min = min(load_min, before, self.load_ohm())
            elapsed += duration
            if tripped:
                logger.warning("simulated pulse generator: over-current, output off")
                self._flags.add("over-current")
                self._switch(False, t + elapsed)
                break
        self._t = max(self._t, t + elapsed)
        self.pulses.append(FiredPulse(t - self._epoch, peak, charge, signed, energy, load_min, True))

    def _switch(self, on: bool, t: float) -> None:
        if on != self._on:
            self._on = on
            self.switches.append((t - self._epoch, on))
            if on:
                self._on_since, self._next_period = t, 0

    def _exchange(self) -> float:
        now = self._clock.now()
        self._advance(now)
        if "comm-loss" in self._active:
            self._clock.sleep_until(now + self._reply_timeout_s)
            self._advance(self._clock.now())
            raise DeviceCommunicationError(f"simulated pulse generator {self.serial}: no answer")
        self._last_heard = now
        return now

    # -- commands -----------------------------------------------------------------------------

    def identify(self) -> PulseIdentity:
        """Model, firmware, serial and the generator's ceilings."""
        with self._lock:
            self._exchange()
            return PulseIdentity(
                model="dermaport simulated pulse generator",
                firmware="sim-1",
                serial=self.serial,
                max_voltage_V=self.max_voltage_V,
                max_current_mA=self.max_current_mA,
                watchdog_s=self.watchdog_s,
                protocol="simulated",
            )

    def check_contact(self) -> Contact:
        """The load with a test signal (Ω), the top of range when open."""
        with self._lock:
            self._exchange()
            return Contact(min(self.load_ohm(), OPEN_OHM))

    def configure(self, config: PulseConfig) -> None:
        """Take a pulse step (output off; voltage within the generator's maximum)."""
        with self._lock:
            self._exchange()
            v = config.schedule.voltage_v
            if self._on:
                raise DeviceRefusedError("configuration refused: switch the output off first")
            if not (math.isfinite(v) and 0 < v <= self.max_voltage_V):
                raise DeviceRefusedError(f"pulse voltage {v!r} V is outside 0–{self.max_voltage_V:g} V")
            if not config.electrode_area_cm2 > 0:
                raise DeviceRefusedError(
                    f"electrode area {config.electrode_area_cm2!r} cm² must be above zero"
                )
            self._config, self._next_period = config, 0
            self._flags.discard("reset")

    def output(self, on: bool) -> None:
        """Switch the output; on only when configured and no fault is latched."""
        with self._lock:
            now = self._exchange()
            if on and self._config is None:
                raise DeviceRefusedError("output refused: not configured since start or reset")
            if on and self._flags:
                raise DeviceRefusedError(f"output refused: faults latched ({', '.join(sorted(self._flags))})")
            self._switch(on, now)
            if on:
                self._advance(now)

    def read(self) -> PulseTelemetry:
        """One reading; pulses due since the last command are fired first."""
        with self._lock:
            now = self._exchange()
            fired = [p for p in self.pulses if p.fired]
            last = fired[-1] if fired else None
            flags = set(self._flags)
            if self._on and "contact-loss" in self._active:
                flags.add("open-circuit")
            if "arc" in self._active:
                flags.add("arc")
            return PulseTelemetry(
                time_s=now - self._epoch,
                output="on" if self._on else ("reset" if "reset" in self._flags else "off"),
                pulses_fired=len(fired),
                last_peak_current_mA=last.peak_current_mA if last else 0.0,
                last_charge_uC=last.charge_uC if last else 0.0,
                impedance_ohm=min(self.load_ohm(), OPEN_OHM),
                charge_total_uC=sum(p.charge_uC for p in fired),
                energy_total_mJ=sum(p.energy_mJ for p in fired),
                flags=tuple(sorted(flags)),
                last_load_min_ohm=min(last.load_min_ohm, OPEN_OHM) if last else None,
            )

    def heartbeat(self) -> None:
        """Reset the watchdog."""
        with self._lock:
            self._exchange()

    def close(self) -> None:
        """Switch the output off."""
        with self._lock:
            now = self._clock.now()
            self._advance(now)
            self._switch(False, now)

    def output_is_on(self) -> bool:
        """Whether pulses may be fired now (the simulator's truth, not a reading)."""
        with self._lock:
            self._advance(self._clock.now())
            return self._on
