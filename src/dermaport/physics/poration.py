"""The porated stratum corneum in the transport engine: the barrier model's state over a run.

Pulse steps run through :class:`~dermaport.physics.electroporation.BarrierModel` once, before
transport, each from the barrier state the previous steps left (resealing in closed form
between them). :class:`PoratedBarrier` then answers, for any stretch [t0, t1] of the run (s
from its start), the mean area of the new aqueous pathways through the stratum corneum:

- the pores' area, A_p = (G_SC − G0 − f_LTR σ/L) L / σ (the conductance the pores add, as an
  area of electrolyte of conductivity σ through the thickness L: Pliquett 2004's conversion),
  with the pore radius of the pore model (0.8 nm);
- the local transport regions' area f_LTR, with their pathway radius (20 nm).

The engine adds them to the intercellular route as one parallel aqueous pathway: for a charge
state of radius a and free diffusivity D, the permeability P = (A_p H(a/r_p) + f_LTR H(a/r_LTR))
D / L (hindrance of Dechadilok & Deen 2006), spread over the route's faces in proportion to
their length, so the scheme stays conservative. Between the samples of a train the pathway
area decays exponentially (resealing), so its mean over a gap is the logarithmic mean of the
ends; after a train the recovery is sampled on a logarithmic grid (8 a decade from 1 ms),
the log-mean again between samples. A pulse step's electrophoretic drive is its net (signed)
charge per period, in windows of 1, 1, 2, 4, … periods: a charge-balanced bipolar train
drives nothing. A unipolar train without an electrode named drives as the anode (+ into the
skin from the product); ``cathode`` reverses it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from dermaport.library.skin import SkinSite
from dermaport.physics.electroporation import BarrierModel, BarrierState, SkinBarrier, TrainResult
from dermaport.physics.electroporation.hindrance import diffusive_hindrance
from dermaport.physics.model import Chain
from dermaport.protocol.pulses import Electroporation, PulseTrain

__all__ = ["PoratedBarrier", "PulseWindow", "barrier_for_site", "pathway_coefficients"]

Array = NDArray[np.float64]


def barrier_for_site(site: SkinSite) -> BarrierModel:
    """The barrier model with the site's SC resistance, thickness and appendage area (library data)."""
    e = site.entry
    skin = replace(
        SkinBarrier(),
        sc_resistance_ohm_m2=e.resistance_kohm_cm2.value * 0.1,  # kΩ·cm² → Ω·m²
        sc_thickness_m=e.thickness.stratum_corneum_um.value * 1e-6,
        appendage_area_fraction=e.appendage_area_fraction.value,
    )
    return BarrierModel(skin=skin)


@dataclass(frozen=True)
class PulseWindow:
    """Periods of a pulse step grouped for the engine: start and end (s, within the step), mean current."""

    start_s: float
    end_s: float
    current_a_per_m2: float


def _log_mean(a: float, b: float) -> float:
    if a <= 0.0 or b <= 0.0:
        return 0.5 * (a + b)
    if abs(a - b) <= 1e-12 * max(a, b):
        return a
    return (a - b) / math.log(a / b)


class PoratedBarrier:
    """The barrier's pathway areas over a whole run, from its pulse steps and closed-form recovery.

    ``steps`` is every segment of the run in order, as (duration s, pulse step or None).
    """

    def __init__(
        self,
        model: BarrierModel,
        steps: Sequence[tuple[float, Electroporation | None]],
    ) -> None:
        self.model = model
        skin = model.skin
        self._g0 = skin.intact_conductance_s_per_m2
        self._ltr_g = skin.electrolyte_conductivity_s_per_m / skin.sc_thickness_m
        self.trains: list[TrainResult] = []
        self.train_starts: list[float] = []
        self.windows: list[list[PulseWindow]] = []
        times: list[float] = [0.0]
        state = BarrierState.intact(model.kinetics)
        rise = 0.0
        pores, ltr = [self._pore_area(state)], [state.ltr_area_fraction]
        t = 0.0
        for duration, pulse in steps:
            if pulse is None:  # closed-form recovery, sampled on a logarithmic grid
                last = 0.0
                for mark in _recovery_marks(duration):
                    state, rise = model.off(state, rise, mark - last)
                    last = mark
                    if mark < duration:
                        times.append(t + mark)
                        pores.append(self._pore_area(state))
                        ltr.append(state.ltr_area_fraction)
            else:
                schedule = pulse.schedule()
                train = model.run(schedule, state=state)
                self.trains.append(train)
                self.train_starts.append(t)
                self.windows.append(_windows(train, schedule.period_s, pulse))
                for ts, r, frac in zip(
                    train.times_s, train.sc_resistance_ohm_m2, train.ltr_area_fraction, strict=True
                ):
                    times.append(t + ts)
                    pores.append(self._pore_area_from(r, frac))
                    ltr.append(frac)
                state = train.state
                rise = 0.0  # the heat is gone within ms (thermal time ~0.5 ms)
            t += duration
            times.append(t)
            pores.append(self._pore_area(state))
            ltr.append(state.ltr_area_fraction)
        self._end_state = state
        self._t = np.array(times)
        p, f = np.array(pores), np.array(ltr)
        dt = np.diff(self._t)
        mean_p = np.array([_log_mean(a, b) for a, b in itertools.pairwise(pores)])
        mean_f = np.array([_log_mean(a, b) for a, b in itertools.pairwise(ltr)])
        self._cum_p = np.concatenate(([0.0], np.cumsum(mean_p * dt)))
        self._cum_f = np.concatenate(([0.0], np.cumsum(mean_f * dt)))
        self._p_samples, self._f_samples = p, f

    def _pore_area_from(self, resistance_ohm_m2: float, ltr: float) -> float:
        added = 1.0 / resistance_ohm_m2 - self._g0 - ltr * self._ltr_g
        return max(added, 0.0) / self._ltr_g

    def _pore_area(self, state: BarrierState) -> float:
        return self._pore_area_from(self.model.resistance(state), state.ltr_area_fraction)

    @property
    def end_state(self) -> BarrierState:
        """The barrier at the end of the run."""
        return self._end_state

    def mean_areas(self, t0: float, t1: float) -> tuple[float, float]:
        """Mean pore area and LTR area fractions over [t0, t1] (s from the run's start)."""
        if t1 <= t0:
            i = int(np.clip(np.searchsorted(self._t, t0), 0, self._t.size - 1))
            return float(self._p_samples[i]), float(self._f_samples[i])
        cp = np.interp([t0, t1], self._t, self._cum_p)
        cf = np.interp([t0, t1], self._t, self._cum_f)
        return float(cp[1] - cp[0]) / (t1 - t0), float(cf[1] - cf[0]) / (t1 - t0)

    def resistance_ohm_m2(self, pore_area: float, ltr: float) -> float:
        """SC resistance (Ω·m²) with these pathway areas open."""
        return 1.0 / (self._g0 + (pore_area + ltr) * self._ltr_g)

    @property
    def intact_resistance_ohm_m2(self) -> float:
        """Resistance of the intact stratum corneum (Ω·m²)."""
        return 1.0 / self._g0


def _recovery_marks(duration_s: float, *, first_s: float = 1e-3, per_decade: int = 8) -> list[float]:
    """Times within a stretch without output where the recovery is sampled (s; the last is the end)."""
    if duration_s <= first_s:
        return [duration_s]
    count = max(2, math.ceil(per_decade * math.log10(duration_s / first_s)) + 1)
    return [first_s * (duration_s / first_s) ** (i / (count - 1)) for i in range(count)]


def _windows(train: TrainResult, period_s: float, pulse: Electroporation) -> list[PulseWindow]:
    """Periods grouped 1, 1, 2, 4, …, each with its mean signed current (A/m², + into the skin)."""
    sign = -1.0 if isinstance(pulse, PulseTrain) and pulse.electrode == "cathode" else 1.0
    out: list[PulseWindow] = []
    records = train.pulses
    i, size = 0, 1
    while i < len(records):
        group = records[i : i + size]
        start = i * period_s
        end = (i + len(group)) * period_s
        charge = sum(r.signed_charge_c_per_m2 for r in group)
        out.append(PulseWindow(start, end, sign * charge / (end - start)))
        i += len(group)
        if i > 1:
            size *= 2
    return out


def pathway_coefficients(
    chain: Chain, pore_radius_m: float, ltr_radius_m: float
) -> tuple[Array, Array, Array]:
    """Per unit pore area and unit LTR area: added conductance (M, F0) of the route-0 faces, and their index.

    Face f of the intercellular route spans dist_f of the stratum corneum (Σ dist_f = L); a
    pathway of area A adds A H D / (a0 dist_f) to its conductance per route area (m/s).
    """
    faces = np.flatnonzero(chain.face_route == 0)
    widths = chain.column.widths_m[: chain.n_sc]
    halves = 0.5 * widths
    dist = np.empty(faces.size)
    dist[0] = halves[0]
    dist[1:-1] = halves[:-1][: faces.size - 2] + halves[1:][: faces.size - 2]
    dist[-1] = halves[-1]
    a0 = chain.routes.area_fraction[0]
    mi = chain.micro
    pore = np.zeros((mi.size, faces.size))
    ltr = np.zeros((mi.size, faces.size))
    for m in range(mi.size):
        p = int(mi.parent[m])
        if p < 0:
            continue  # H⁺ and OH⁻ keep their intact pathways (their carriers are the buffers)
        solute = chain.solutes[p]
        d = solute.diffusivity_m2_s
        pore[m] = diffusive_hindrance(solute.radius_m, pore_radius_m) * d / (a0 * dist)
        ltr[m] = diffusive_hindrance(solute.radius_m, ltr_radius_m) * d / (a0 * dist)
    return pore, ltr, faces.astype(np.int64)


class OpenedPathways:
    """Writes the porated pathways into a chain's route-0 face coefficients, and restores them.

    The chain's conductance, polar share and Péclet arrays are changed in place (no cache of
    the solver depends on them); convection through the new pathways is neglected, so each
    face's convective term (Pe φ g) is kept.
    """

    def __init__(self, chain: Chain, model: BarrierModel) -> None:
        self.chain = chain
        self._pore, self._ltr, self._faces = pathway_coefficients(
            chain, model.kinetics.pore_radius_m, model.skin.ltr_pathway_radius_m
        )
        f = self._faces
        self._g = chain.conductance[:, f].copy()
        self._phi = chain.polar[:, f].copy()
        self._pe = chain.peclet_per_flow[:, f].copy()
        self._convective = self._pe * self._phi * self._g

    def apply(self, pore_area: float, ltr: float) -> None:
        """Open pathways of these area fractions (over the intact coefficients)."""
        added = pore_area * self._pore + ltr * self._ltr
        g = self._g + added
        polar_g = self._phi * self._g + added
        f = self._faces
        self.chain.conductance[:, f] = g
        self.chain.polar[:, f] = np.divide(polar_g, g, out=np.ones_like(g), where=g > 0)
        self.chain.peclet_per_flow[:, f] = np.divide(
            self._convective, polar_g, out=np.zeros_like(g), where=polar_g > 0
        )

    def restore(self) -> None:
        """Put the intact coefficients back."""
        f = self._faces
        self.chain.conductance[:, f] = self._g
        self.chain.polar[:, f] = self._phi
        self.chain.peclet_per_flow[:, f] = self._pe
