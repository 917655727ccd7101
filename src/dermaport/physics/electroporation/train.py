"""Time integration of the barrier under a pulse step: implicit in the pulses, closed form between.

During a pulse the pore densities of both routes and the stratum-corneum voltage are coupled
(more pores → less of the applied voltage on the stratum corneum → slower poration), and the
coupling is stiff. Each stretch of output is integrated by backward Euler on ln N (each
step solved exactly for one scalar, the appendage walls' voltage, by Brent's method; the pore
densities then follow in closed form through Lambert's W), over steps that start at 1 µs and
double (a 1 ms pulse takes 10 steps, a 0.5 s carrier burst 19; growing them by 1.1 instead
changes the results by about 2 %). Between pulses the voltage is zero: pores
reseal, the LTRs close and the heat leaves in closed form, whatever the gap. A carrier's
half-cycles are merged into one stretch of the same |V| (the pore equation depends on V²
only and the skin's capacitance is neglected: its charging time, C_SC times the series
resistance, is about 10 µs).

The integrator records every pulse (:class:`PulseRecord`) and a timeline of the stratum
corneum's resistance, and reports what the issue's ``simulate --json`` contract will carry
(:class:`TrainResult`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from scipy.optimize import brentq

from dermaport.errors import SimulationError
from dermaport.physics.electroporation.barrier import (
    BarrierState,
    appendage_wall_share,
    current_area_fraction,
    route_conductances,
    sc_conductance,
    sc_voltage,
)
from dermaport.physics.electroporation.heating import hot_time, power_density, temperature_after
from dermaport.physics.electroporation.parameters import Circuit, PoreKinetics, SkinBarrier
from dermaport.physics.electroporation.pores import MAX_EXPONENT, reseal
from dermaport.protocol.pulses import PulseSchedule

__all__ = ["BarrierModel", "PulseRecord", "TrainResult"]

_FIRST_STEP_S = 1e-6
_GROWTH = 2.0
_MERGE_ABOVE_PHASES = 8


@dataclass(frozen=True)
class PulseRecord:
    """One period's output: timing, the stratum corneum at its lowest, charge, energy, heat.

    Charges are per area (C/m²): ``charge`` counts both signs, ``signed_charge`` their sum;
    for a merged carrier burst the signed charge is taken as zero and ``charge_balance_bound``
    bounds the error (|ΔJ| over the burst times one half-cycle).
    """

    start_s: float
    on_s: float
    v_sc_end_v: float
    current_density_peak_a_per_m2: float
    charge_c_per_m2: float
    signed_charge_c_per_m2: float
    charge_balance_bound_c_per_m2: float
    energy_j_per_m2: float
    peak_temperature_rise_k: float
    sc_resistance_min_ohm_m2: float
    current_area_fraction_max: float


@dataclass(frozen=True)
class TrainResult:
    """A pulse step's effect on the barrier; ratios are over the intact resistance."""

    times_s: tuple[float, ...]
    sc_resistance_ohm_m2: tuple[float, ...]
    ltr_area_fraction: tuple[float, ...]
    pulses: tuple[PulseRecord, ...]
    state: BarrierState
    intact_resistance_ohm_m2: float
    exposure_dose_v_s: float

    @property
    def pulse_count(self) -> int:
        """Periods with output (pulses, or carrier bursts)."""
        return len(self.pulses)

    @property
    def sc_resistance_min_ratio(self) -> float:
        """Lowest stratum-corneum resistance over its starting value."""
        return min(self.sc_resistance_ohm_m2) / self.intact_resistance_ohm_m2

    @property
    def sc_resistance_end_ratio(self) -> float:
        """Stratum-corneum resistance at the end (of the observation) over its starting value."""
        return self.sc_resistance_ohm_m2[-1] / self.intact_resistance_ohm_m2

    @property
    def ltr_area_fraction_max(self) -> float:
        """Largest LTR area fraction reached."""
        return max(self.ltr_area_fraction)

    @property
    def peak_temperature_rise_k(self) -> float:
        """Largest temperature rise in the LTRs (K)."""
        return max((p.peak_temperature_rise_k for p in self.pulses), default=0.0)

    @property
    def current_area_fraction_max(self) -> float:
        """Largest area fraction carrying current during a pulse (Pliquett 2004's measure)."""
        return max((p.current_area_fraction_max for p in self.pulses), default=0.0)

    @property
    def net_charge_c_per_m2(self) -> float:
        """Signed charge of the whole step per area (C/m²)."""
        return sum(p.signed_charge_c_per_m2 for p in self.pulses)


@dataclass
class _Stretch:
    """Running totals over one stretch of output."""

    charge: float = 0.0
    energy: float = 0.0
    j_peak: float = 0.0
    j_first: float = -1.0
    j_last: float = 0.0
    peak_rise: float = 0.0
    r_min: float = math.inf
    f_max: float = 0.0
    v_sc: float = 0.0
    signed: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class BarrierModel:
    """The barrier model for one skin and circuit (all inputs cited in :mod:`.parameters`)."""

    skin: SkinBarrier = field(default_factory=SkinBarrier)
    circuit: Circuit = field(default_factory=Circuit.from_layers)
    kinetics: PoreKinetics = field(default_factory=PoreKinetics)

    # -- the pieces -----------------------------------------------------------------------------

    def conductance(self, state: BarrierState) -> float:
        """Conductance per area of one stratum-corneum crossing (S/m²)."""
        return sc_conductance(state, self.skin, self.kinetics)

    def resistance(self, state: BarrierState) -> float:
        """Resistance of one stratum-corneum crossing (Ω·m²)."""
        return 1.0 / self.conductance(state)

    def current_density(self, v_applied: float, state: BarrierState) -> float:
        """Current density through the whole circuit at ``v_applied`` (A/m²)."""
        return v_applied / (self.circuit.crossings * self.resistance(state) + self.circuit.series_ohm_m2())

    def off(self, state: BarrierState, rise_k: float, t_s: float) -> tuple[BarrierState, float]:
        """State and temperature rise after ``t_s`` with no output (closed form)."""
        k, skin = self.kinetics, self.skin
        return (
            BarrierState(
                reseal(state.lipid_pores_per_m2, t_s, k),
                reseal(state.appendage_pores_per_m2, t_s, k),
                state.ltr_area_fraction * math.exp(-t_s / skin.ltr_recovery_time_s),
            ),
            rise_k * math.exp(-t_s / skin.thermal_time_s),
        )

    def _g(self, y_l: float, y_a: float, ltr: float) -> float:
        added = route_conductances(math.exp(y_l), math.exp(y_a), ltr, self.skin, self.kinetics)
        return self.skin.intact_conductance_s_per_m2 + sum(added)

    def _route_step(self, y0: float, v_bilayer: float, dt: float) -> float:
        """Ln N after a backward-Euler step of ``dt`` at ``v_bilayer`` (exact root, Lambert W).

        The step z = y − y0 solves z = A e^{−z} − B with A = dt α e^{x − y0} and
        B = dt α e^{(1−q)x} / N0 (x = (V/Vep)²), so z + B = W(A e^B).
        """
        k = self.kinetics
        x = min((v_bilayer / k.v_ep_v) ** 2, MAX_EXPONENT / max(k.q, 1.0))
        b = dt * k.alpha_per_m2_s * math.exp((1.0 - k.q) * x) / k.n0_per_m2
        log_arg = math.log(dt * k.alpha_per_m2_s) + x - y0 + b
        return y0 - b + _lambert_w_of_exp(log_arg)

    def _implicit_step(self, y0: tuple[float, float], v: float, ltr: float, dt: float) -> tuple[float, float]:
        """Backward Euler over ``dt``, solved for the appendage walls' voltage w.

        Given w, the walls' pores have a closed form, hence their share of the route's
        voltage and so the stratum-corneum voltage u = w / share; given u the lipid pores have
        a closed form too. w is the root of u(w) − V_SC(G(pores)), increasing in w.
        """
        skin, k = self.skin, self.kinetics

        def state(w: float) -> tuple[float, float, float]:
            y_a = self._route_step(y0[1], w / skin.appendage_bilayers, dt)
            u = w / appendage_wall_share(math.exp(y_a), skin, k)
            return u, self._route_step(y0[0], u / skin.lipid_bilayers, dt), y_a

        def gap(w: float) -> float:
            u, y_l, y_a = state(w)
            return u - sc_voltage(v, self._g(y_l, y_a, ltr), self.circuit)

        _, y_l, y_a = state(_solve_increasing(gap, 0.0, v / self.circuit.crossings))
        return y_l, y_a

    def on(
        self, state: BarrierState, rise_k: float, v_applied: float, t_s: float, totals: _Stretch | None = None
    ) -> tuple[BarrierState, float, _Stretch]:
        """Integrate ``t_s`` seconds at |``v_applied``|; return the state, the rise and the totals."""
        skin = self.skin
        tot = totals if totals is not None else _Stretch()
        v = abs(v_applied)
        y = (math.log(state.lipid_pores_per_m2), math.log(state.appendage_pores_per_m2))
        ltr, rise = state.ltr_area_fraction, rise_k
        j_prev = self.current_density(v, state)
        if tot.j_first < 0:
            tot.j_first = j_prev
        elapsed, dt = 0.0, min(_FIRST_STEP_S, t_s)
        while elapsed < t_s - 1e-15:
            dt = min(dt, t_s - elapsed)
            y = self._implicit_step(y, v, ltr, dt)
            lipid, appendage, from_ltr = route_conductances(
                math.exp(y[0]), math.exp(y[1]), ltr, skin, self.kinetics
            )
            g = skin.intact_conductance_s_per_m2 + lipid + appendage + from_ltr
            v_sc = sc_voltage(v, g, self.circuit)
            p = power_density(v_sc, lipid, skin)
            hot = hot_time(rise, p, dt, skin.lipid_transition_rise_k, skin)
            rise = temperature_after(rise, p, dt, skin)
            if hot > 0:
                ltr += (skin.ltr_max_area_fraction - ltr) * (1.0 - math.exp(-hot / skin.ltr_formation_time_s))
                g = self._g(y[0], y[1], ltr)
            j = v / (self.circuit.crossings / g + self.circuit.series_ohm_m2())
            tot.charge += 0.5 * (j + j_prev) * dt
            tot.energy += v * 0.5 * (j + j_prev) * dt
            tot.j_peak = max(tot.j_peak, j, j_prev)
            tot.peak_rise = max(tot.peak_rise, rise)
            tot.r_min = min(tot.r_min, 1.0 / g)
            tot.f_max = max(tot.f_max, current_area_fraction(g, skin))
            tot.v_sc, tot.j_last, j_prev = v_sc, j, j
            elapsed += dt
            dt *= _GROWTH
        return BarrierState(math.exp(y[0]), math.exp(y[1]), ltr), rise, tot

    # -- a whole step -----------------------------------------------------------------------

    def run(
        self,
        schedule: PulseSchedule,
        *,
        state: BarrierState | None = None,
        observe_s: float = 0.0,
        observe_samples: int = 40,
    ) -> TrainResult:
        """Apply ``schedule`` to ``state`` (intact by default), then watch ``observe_s`` seconds."""
        st = state if state is not None else BarrierState.intact(self.kinetics)
        r0 = self.resistance(BarrierState.intact(self.kinetics))
        rise, t = 0.0, 0.0
        times, resist, ltrs = [0.0], [self.resistance(st)], [st.ltr_area_fraction]
        records: list[PulseRecord] = []
        runs = _runs(schedule.phases)
        for _ in range(schedule.periods):
            period_start = t
            tot = _Stretch()
            for kind, duration, signs in runs:
                if kind == "off":
                    st, rise = self.off(st, rise, duration)
                elif len(signs) > _MERGE_ABOVE_PHASES:
                    times.append(t)
                    resist.append(self.resistance(st))
                    ltrs.append(st.ltr_area_fraction)
                    st, rise, tot = self.on(st, rise, schedule.voltage_v, duration, tot)
                    tot.signed.append(0.0)
                    times.append(t + duration)
                    resist.append(self.resistance(st))
                    ltrs.append(st.ltr_area_fraction)
                else:
                    times.append(t)
                    resist.append(self.resistance(st))
                    ltrs.append(st.ltr_area_fraction)
                    for phase_s, sign in signs:
                        before = tot.charge
                        st, rise, tot = self.on(st, rise, schedule.voltage_v, phase_s, tot)
                        tot.signed.append(sign * (tot.charge - before))
                    times.append(t + duration)
                    resist.append(self.resistance(st))
                    ltrs.append(st.ltr_area_fraction)
                t += duration
            half = min((d for _, d, s in runs if s for d, _ in s), default=0.0)
            merged = any(len(s) > _MERGE_ABOVE_PHASES for _, _, s in runs)
            records.append(
                PulseRecord(
                    start_s=period_start,
                    on_s=schedule.on_time_per_period_s,
                    v_sc_end_v=tot.v_sc,
                    current_density_peak_a_per_m2=tot.j_peak,
                    charge_c_per_m2=tot.charge,
                    signed_charge_c_per_m2=sum(tot.signed),
                    charge_balance_bound_c_per_m2=abs(tot.j_last - tot.j_first) * half if merged else 0.0,
                    energy_j_per_m2=tot.energy,
                    peak_temperature_rise_k=tot.peak_rise,
                    sc_resistance_min_ohm_m2=tot.r_min,
                    current_area_fraction_max=tot.f_max,
                )
            )
        if observe_s > 0:
            first = min(1e-2, observe_s)
            marks = [
                first * (observe_s / first) ** (i / max(observe_samples - 1, 1))
                for i in range(observe_samples)
            ]
            last = 0.0
            for mark in marks:
                st, rise = self.off(st, rise, mark - last)
                last = mark
                times.append(t + mark)
                resist.append(self.resistance(st))
                ltrs.append(st.ltr_area_fraction)
        return TrainResult(
            tuple(times), tuple(resist), tuple(ltrs), tuple(records), st, r0, schedule.exposure_dose_v_s
        )


def _runs(phases: tuple[tuple[float, int], ...]) -> list[tuple[str, float, tuple[tuple[float, int], ...]]]:
    """Group a period's phases into stretches of output ("on", with their phases) and gaps ("off")."""
    runs: list[tuple[str, float, tuple[tuple[float, int], ...]]] = []
    current: list[tuple[float, int]] = []
    for duration, sign in phases:
        if duration <= 0:
            continue
        if sign == 0:
            if current:
                runs.append(("on", sum(d for d, _ in current), tuple(current)))
                current = []
            runs.append(("off", duration, ()))
        else:
            current.append((duration, sign))
    if current:
        runs.append(("on", sum(d for d, _ in current), tuple(current)))
    return runs


def _lambert_w_of_exp(log_s: float) -> float:
    """W(e^{log_s}), the principal branch for a positive argument given by its logarithm."""
    if log_s < 1.0:
        x = math.exp(log_s)
        w = math.log1p(x) * (1.0 - math.log1p(math.log1p(x)) / (2.0 + math.log1p(x)))
        for _ in range(20):  # Halley on w e^w = x
            e = math.exp(w)
            f = w * e - x
            step = f / (e * (w + 1.0) - (w + 2.0) * f / (2.0 * w + 2.0))
            w -= step
            if abs(step) <= 1e-13 * max(w, 1e-300):
                break
        return w
    ln = math.log(log_s)
    w = log_s - ln + ln / log_s
    for _ in range(20):  # Newton on w + ln w = log_s, from the asymptotic guess
        step = (w + math.log(w) - log_s) * w / (w + 1.0)
        w -= step
        if abs(step) <= 1e-13 * w:
            break
    return w


def _solve_increasing(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of an increasing ``f`` on [lo, hi] (an end if f keeps one sign): Brent's method."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo >= 0:
        return lo
    if f_hi <= 0:
        return hi
    try:
        return float(brentq(f, lo, hi, xtol=1e-12 * max(abs(hi), 1e-12), rtol=1e-10, maxiter=200))
    except RuntimeError as exc:
        raise SimulationError(
            f"the pulse voltage division did not converge between {lo:g} and {hi:g} V"
        ) from exc
