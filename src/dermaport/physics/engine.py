"""``simulate(...)``: the one facade the CLI, planning and the device simulator call."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from dermaport.errors import InputError, SimulationError
from dermaport.library.actives import Active, load_actives
from dermaport.library.skin import SkinSite, load_skin
from dermaport.physics import parameters as par
from dermaport.physics.constants import FARADAY_C_PER_MOL
from dermaport.physics.model import DERMIS, SUBCUTIS, TOP, VIABLE, Chain
from dermaport.physics.poration import OpenedPathways, PoratedBarrier, PulseWindow, barrier_for_site
from dermaport.physics.result import (
    DepthSummary,
    ElectroporationSummary,
    LayerAmounts,
    SimulationResult,
    Timeline,
)
from dermaport.physics.setup import Resolution, Vehicle, build
from dermaport.physics.solver import (
    Conditions,
    ElectrodeKind,
    SolverError,
    State,
    advance,
    speciation,
    stored_amounts,
)
from dermaport.physics.stepping import TimeControl
from dermaport.protocol.pulses import Electroporation, ModulatedCarrier, PulseTrain, parse_electroporation
from dermaport.protocol.steps import Passive, Rest, Step, parse_step
from dermaport.protocol.waveform import current_waveform, is_current_step
from dermaport.units import Concentration, parse_concentration, parse_ph, parse_si

__all__ = ["SALTS", "simulate"]

logger = logging.getLogger(__name__)

#: Salts a background electrolyte may name, as library ions and their counts per formula unit.
SALTS: dict[str, dict[str, int]] = {
    "nacl": {"sodium": 1, "chloride": 1},
    "kcl": {"potassium": 1, "chloride": 1},
    "mgcl2": {"magnesium": 1, "chloride": 2},
}
DEFAULT_VEHICLE_VOLUME = "20 uL/cm2"
DEFAULT_IN_VITRO_VOLUME = "1000 uL/cm2"
DEFAULT_ELECTRODE_AREA_M2 = 10e-4

_UG_PER_CM2 = 100.0  # mol/m² × (g/mol) × 100 = µg/cm²


@dataclass(frozen=True)
class _Segment:
    step: str
    duration_s: float
    current: Callable[[float], float]  # A/m² into the skin at time t within the step
    attached: bool
    carries_current: bool
    breakpoints: tuple[float, ...]
    pulse: Electroporation | None = None  # a pulse step: its current is the windows' net drive


def _background(text: str, library_ions: Callable[[str], Active]) -> list[tuple[Active, float]]:
    match = re.fullmatch(r"\s*(\S+)\s+(.+?)\s*", text)
    example = "e.g. 'NaCl 150 mM'"
    if match is None:
        raise InputError(f"background {text!r} is not 'SALT CONCENTRATION': {example}")
    salt, amount = match.group(1), match.group(2)
    try:
        conc = parse_si(amount, "molar concentration")
    except InputError as exc:
        raise InputError(f"background {text!r}: the concentration must be molar, {example}") from exc
    if conc < 0:
        raise InputError(f"background {text!r}: the concentration must not be negative, {example}")
    ions = SALTS.get(salt.lower())
    if ions is None:
        raise InputError(f"background salt {salt!r} is not known (known: NaCl, KCl, MgCl2): {example}")
    return [(library_ions(name), count * conc) for name, count in ions.items()]


def _buffer(text: str, library: Callable[[str], Active]) -> tuple[Active, float]:
    match = re.fullmatch(r"\s*(\S+)\s+(.+?)\s*", text)
    example = "e.g. 'phosphate 10 mM' or 'citrate 10 mM'"
    if match is None:
        raise InputError(f"buffer {text!r} is not 'BUFFER CONCENTRATION': {example}")
    try:
        entry = library(match.group(1))
    except LookupError as exc:
        raise InputError(f"buffer {match.group(1)!r} is not in the library: {example}") from exc
    if not entry.entry.ionisable_groups:
        raise InputError(f"buffer {match.group(1)!r} has no acid-base groups in the library: {example}")
    try:
        conc = parse_si(match.group(2), "molar concentration")
    except InputError as exc:
        raise InputError(f"buffer {text!r}: the concentration must be molar, {example}") from exc
    return entry, conc


def _parse(text: str) -> Step | Electroporation:
    if text.strip().lower().startswith("electroporation"):
        return parse_electroporation(text)
    return parse_step(text)


def _pulse_segment(step: Electroporation) -> _Segment:
    duration = step.schedule().duration_s
    return _Segment(str(step), duration, lambda _t: 0.0, True, False, (duration,), step)


def _with_windows(seg: _Segment, windows: list[PulseWindow]) -> _Segment:
    """A pulse segment driven by its windows' mean net current (piecewise constant, A/m²)."""
    ends = np.array([w.end_s for w in windows])
    values = [w.current_a_per_m2 for w in windows]

    def current(t: float) -> float:
        return values[min(int(np.searchsorted(ends, t)), len(values) - 1)] if values else 0.0

    drives = any(v != 0.0 for v in values)
    return replace(seg, current=current, carries_current=drives, breakpoints=tuple(ends) or (seg.duration_s,))


def _segments(steps: Sequence[Step | Electroporation], area_m2: float | None) -> list[_Segment]:
    out: list[_Segment] = []
    for step in steps:
        if isinstance(step, PulseTrain | ModulatedCarrier):
            out.append(_pulse_segment(step))
            continue
        duration = step.duration.si
        if is_current_step(step):
            wave = current_waveform(step, electrode_area_m2=area_m2)
            out.append(_Segment(str(step), duration, wave.signed_density_at, True, True, wave.breakpoints))
        elif isinstance(step, Passive | Rest):
            out.append(
                _Segment(str(step), duration, lambda _t: 0.0, isinstance(step, Passive), False, (duration,))
            )
    return out


def simulate(
    active: Active | str,
    concentration: str | Concentration,
    steps: Sequence[Step | Electroporation | str],
    *,
    vehicle_ph: float | str = 5.5,
    background: Sequence[str] = (),
    buffer: str | None = None,
    vehicle_volume: str | float | None = None,
    electrode: ElectrodeKind = "inert",
    electrode_area: str | float | None = None,
    skin: SkinSite | str = "human_face",
    in_vitro: bool = False,
    observe: str | float | None = None,
    resolution: Resolution | None = None,
    time_control: TimeControl | None = None,
) -> SimulationResult:
    """Predict delivery of ``active`` from a product through the ``steps`` of a protocol.

    Quantities are strings read by :mod:`dermaport.units` (``"3 %"``, ``"20 uL/cm2"``,
    ``"10 cm2"``, ``"1 h"``) or SI floats (m³/m², m², s). ``observe`` follows the skin for that
    long after the last step with the product removed. Raises :class:`InputError` on bad input.
    """
    library = load_actives()
    the_active = library.resolve(active) if isinstance(active, str) else active
    site = load_skin().get(skin) if isinstance(skin, str) else skin
    conc = parse_concentration(concentration) if isinstance(concentration, str) else concentration
    ph = parse_ph(vehicle_ph)
    if electrode not in ("inert", "ag-agcl"):
        raise InputError(f"electrode {electrode!r} is not 'inert' or 'ag-agcl': e.g. --electrode ag-agcl")
    volume = (
        vehicle_volume
        if vehicle_volume is not None
        else (DEFAULT_IN_VITRO_VOLUME if in_vitro else DEFAULT_VEHICLE_VOLUME)
    )
    volume_m = parse_si(volume, "volume per area") if isinstance(volume, str) else float(volume)
    area_m2 = parse_si(electrode_area, "area") if isinstance(electrode_area, str) else electrode_area
    for name, value, example in (
        ("vehicle volume", volume_m, "20 uL/cm2"),
        ("electrode area", area_m2, "10 cm2"),
    ):
        if value is not None and not (value > 0 and math.isfinite(value)):
            raise InputError(f"{name} must be above zero: e.g. '{example}'")
    parsed = [_parse(s) if isinstance(s, str) else s for s in steps]
    if not parsed:
        raise InputError("give at least one step, e.g. 'iontophoresis cathode 0.3 mA/cm2 for 6 min'")
    segments = _segments(parsed, area_m2)
    if observe is not None:
        observe_s = parse_si(observe, "duration") if isinstance(observe, str) else float(observe)
        if not observe_s > 0:
            raise InputError(f"observe {observe!r} must be a positive duration: e.g. '1 h'")
        segments.append(
            _Segment(f"observe for {observe}", observe_s, lambda _t: 0.0, False, False, (observe_s,))
        )

    barrier = _barrier(segments, site)

    ions = {name: library.get(name) for name in ("sodium", "chloride", "hydrogen_ion", "hydroxide")}
    added: list[tuple[Active, float]] = []
    for text in background:
        added.extend(_background(text, library.get))
    for ion, _ in added:
        ions[ion.name] = ion
    counter = the_active.entry.counter_ion
    if counter and counter not in ions:
        try:
            ions[counter] = library.get(counter)
        except LookupError:
            logger.warning(
                "counter-ion %r of %s is not in the library; sodium/chloride used", counter, the_active.name
            )
    buffers = (_buffer(buffer, library.get),) if buffer else ()
    molar = the_active.molar_concentration(conc)
    _check_solubility(the_active, molar)
    vehicle = Vehicle(ph, volume_m, molar, tuple(added), buffers)
    chain, cond, state = build(
        the_active,
        vehicle,
        site,
        ions,
        electrode=electrode,
        in_vitro=in_vitro,
        resolution=resolution or Resolution(),
    )
    return _run(
        chain,
        cond,
        state,
        segments,
        the_active,
        site,
        in_vitro,
        electrode,
        area_m2,
        time_control or TimeControl(),
        barrier,
    )


def _barrier(segments: list[_Segment], site: SkinSite) -> PoratedBarrier | None:
    """Run the pulse steps through the barrier model (None without any); give them their drive."""
    if not any(seg.pulse is not None for seg in segments):
        return None
    barrier = PoratedBarrier(barrier_for_site(site), [(seg.duration_s, seg.pulse) for seg in segments])
    windows = iter(barrier.windows)
    for i, seg in enumerate(segments):
        if seg.pulse is not None:
            segments[i] = _with_windows(seg, next(windows))
    return barrier


def _check_solubility(active: Active, molar_mol_per_m3: float) -> None:
    """A product above the active's cited water solubility is bad input."""
    limit = active.entry.water_solubility_mg_per_ml
    if limit is None:
        return
    mg_per_ml = molar_mol_per_m3 * active.mw_g_per_mol / 1000.0
    if mg_per_ml > limit.value * (1.0 + 1e-9):
        percent = limit.value / 10.0
        raise InputError(
            f"concentration {mg_per_ml / 10.0:.3g} % ({mg_per_ml:.4g} mg/mL) is above the water "
            f"solubility of {active.name}, {limit.value:g} mg/mL ({percent:.3g} %, source: {limit.source}): "
            f"e.g. --concentration '{min(percent, 3.0):.3g} %'"
        )


def _amounts(chain: Chain, cond: Conditions, state: State) -> NDArray[np.float64]:
    return np.asarray(stored_amounts(chain, cond, state.u, state.ph)[cond.active])


def _run(
    chain: Chain,
    cond: Conditions,
    state: State,
    segments: list[_Segment],
    active: Active,
    site: SkinSite,
    in_vitro: bool,
    electrode: ElectrodeKind,
    area_m2: float | None,
    control: TimeControl,
    barrier: PoratedBarrier | None = None,
) -> SimulationResult:
    pathways = OpenedPathways(chain, barrier.model) if barrier is not None else None
    try:
        return _integrate(
            chain,
            cond,
            state,
            segments,
            active,
            site,
            in_vitro,
            electrode,
            area_m2,
            control,
            barrier,
            pathways,
        )
    finally:
        if pathways is not None:
            pathways.restore()


def _integrate(
    chain: Chain,
    cond: Conditions,
    state: State,
    segments: list[_Segment],
    active: Active,
    site: SkinSite,
    in_vitro: bool,
    electrode: ElectrodeKind,
    area_m2: float | None,
    control: TimeControl,
    barrier: PoratedBarrier | None,
    pathways: OpenedPathways | None,
) -> SimulationResult:
    mw = active.mw_g_per_mol
    first_pulse = barrier.train_starts[0] if barrier is not None else math.inf
    area = area_m2 if area_m2 is not None else DEFAULT_ELECTRODE_AREA_M2
    applied = float(_amounts(chain, cond, state)[chain.vehicle])
    kp = _passive_permeability(chain, cond, state)
    timeline = Timeline()
    delivered = cleared = 0.0
    on_time = on_delivered = on_charge = on_current_charge = on_flow = dose = 0.0
    ph_seen = [state.vehicle_ph]
    out_bottom = 0.0
    t_total = 0.0
    steps_taken = 0
    dt = control.first_step_s
    for seg in segments:
        if state.attached and not seg.attached:
            state.dpsi = np.zeros_like(state.dpsi)  # no current from now on: start from no field
        state.attached = seg.attached
        previous: State | None = None  # no extrapolation across a change of step
        previous_h = 1.0
        if seg.carries_current or seg.attached:
            dt = min(dt, 2.5 * control.first_step_s)
        dt_max = control.max_step(seg.duration_s, carries_current=seg.carries_current, attached=seg.attached)
        dt = min(dt, dt_max)
        t = 0.0
        while t < seg.duration_s * (1 - 1e-12):
            upcoming = min(
                (p for p in seg.breakpoints if p > t * (1 + 1e-12) + 1e-12), default=seg.duration_s
            )
            h = min(dt, upcoming - t)
            if seg.pulse is not None:  # piecewise constant between the windows' breakpoints
                current = mean_current = seg.current(t + 0.5 * h)
            else:
                current = seg.current(t + h)
                mean_current = 0.5 * (seg.current(t) + current)  # exact: ramps are linear between breakpoints
            areas = (0.0, 0.0)
            if barrier is not None and pathways is not None and t_total + t + h > first_pulse:
                areas = barrier.mean_areas(t_total + t, t_total + t + h)
                pathways.apply(*areas)
            guess = _extrapolate(previous, state, h / previous_h) if previous is not None else None
            try:
                new, report = advance(chain, cond, state, h, current, guess=guess)
            except SolverError as exc:
                if h < 1e-7:
                    raise SimulationError(
                        f"the transport solver failed at t = {t_total + t:.3g} s: {exc}"
                    ) from exc
                dt = h / 4
                continue
            ph_change = abs(new.vehicle_ph - state.vehicle_ph)
            if ph_change > control.ph_change_limit and h > 1e-5:
                dt = h / 2
                continue
            previous, previous_h = state, h
            state = new
            t += h
            steps_taken += 1
            a = report.surface[cond.active]
            delivered += a
            cleared += report.cleared[cond.active]
            out_bottom += report.bottom[cond.active]
            if seg.carries_current:
                on_time += h
                on_delivered += a
                on_charge += report.surface_charge
                on_current_charge += mean_current * h
                on_flow += float(np.dot(chain.routes.area_fraction, state.volume_flow)) * h
                dose += abs(mean_current) * area * h
            ph_seen.append(state.vehicle_ph)
            timeline.time_s.append(t_total + t)
            timeline.current_mA.append(abs(current) * area * 1e3)
            timeline.voltage_V.append(abs(report.voltage_v))
            timeline.flux_ug_per_cm2_h.append(a / h * mw * _UG_PER_CM2 * 3600.0)
            timeline.vehicle_ph.append(state.vehicle_ph)
            if barrier is not None:
                timeline.sc_resistance_ohm_cm2.append(barrier.resistance_ohm_m2(*areas) * 1e4)
            if h >= dt * 0.999:
                dt = control.next_step(
                    h, iterations=report.iterations, ph_change=ph_change, max_step_s=dt_max
                )
        t_total += seg.duration_s

    amounts = _amounts(chain, cond, state)
    layer = chain.kind
    remaining = float(amounts[chain.vehicle])
    in_tissue = amounts.copy()
    in_tissue[chain.vehicle] = 0.0
    layers = LayerAmounts(
        stratum_corneum=float(amounts[layer == TOP].sum()) * mw * _UG_PER_CM2,
        viable_epidermis=float(amounts[layer == VIABLE].sum()) * mw * _UG_PER_CM2,
        dermis=float(amounts[layer == DERMIS].sum()) * mw * _UG_PER_CM2,
        beyond=(cleared + out_bottom) * mw * _UG_PER_CM2,
        subcutis=float(amounts[layer == SUBCUTIS].sum()) * mw * _UG_PER_CM2,
        blood=cleared * mw * _UG_PER_CM2,
        deep_boundary=out_bottom * mw * _UG_PER_CM2,
    )
    depth_um, profile, depth90 = _profile(chain, amounts, cond, state)
    depth = _depth_summary(chain, amounts, layers, in_vitro)
    total_time = t_total
    mean_flux = (
        (on_delivered / on_time if on_time > 0 else delivered / total_time) * mw * _UG_PER_CM2 * 3600.0
    )
    in_tissue_total = float(in_tissue.sum())
    balance = (
        max(abs(applied - remaining - delivered), abs(delivered - in_tissue_total - cleared - out_bottom))
        / applied
        if applied > 0
        else 0.0
    )
    citations = active.citations()
    citations.update(site.citations())
    citations.update(par.references())
    return SimulationResult(
        active=active.name,
        skin=site.name,
        in_vitro=in_vitro,
        steps=[s.step for s in segments],
        electrode=electrode,
        electrode_area_cm2=area * 1e4,
        applied_ug_per_cm2=applied * mw * _UG_PER_CM2,
        vehicle_remaining_ug_per_cm2=remaining * mw * _UG_PER_CM2,
        delivered=layers,
        total_delivered_ug_per_cm2=delivered * mw * _UG_PER_CM2,
        mean_flux_ug_per_cm2_h=mean_flux,
        transport_number=(on_charge * FARADAY_C_PER_MOL / on_current_charge) if on_current_charge else None,
        volume_flow_uL_per_cm2_h=(on_flow / on_time * 3.6e8) if on_time > 0 else None,
        charge_dose_mA_min=dose * 1e3 / 60.0,
        vehicle_ph_start=ph_seen[0],
        vehicle_ph_min=min(ph_seen),
        vehicle_ph_max=max(ph_seen),
        vehicle_ph_end=ph_seen[-1],
        kp_passive_cm_per_h=kp,
        penetration_depth_um=depth90,
        depth=depth,
        profile_depth_um=depth_um,
        profile_ug_per_cm3=profile,
        timeline=timeline,
        mass_balance_error=balance,
        step_count=steps_taken,
        citations=citations,
        electroporation=_summary(barrier) if barrier is not None else None,
    )


def _summary(barrier: PoratedBarrier) -> ElectroporationSummary:
    """The pulse steps' figures over the whole run (ratios over the intact SC resistance)."""
    trains = barrier.trains
    r0 = barrier.intact_resistance_ohm_m2
    times: list[float] = []
    peaks: list[float] = []
    for start, train in zip(barrier.train_starts, trains, strict=True):
        for record in train.pulses:
            times.append(start + record.start_s)
            peaks.append(record.current_density_peak_a_per_m2)
    return ElectroporationSummary(
        sc_resistance_min_ratio=min(t.sc_resistance_min_ratio for t in trains),
        sc_resistance_end_ratio=barrier.model.resistance(barrier.end_state) / r0,
        ltr_area_fraction_max=max(t.ltr_area_fraction_max for t in trains),
        pulse_count=sum(t.pulse_count for t in trains),
        peak_temperature_rise_k=max(t.peak_temperature_rise_k for t in trains),
        intact_resistance_ohm_cm2=r0 * 1e4,
        pulse_start_s=times,
        pulse_peak_current_a_per_m2=peaks,
    )


#: Largest pH change (pH units) the starting guess of a step extrapolates in any cell. A pH
#: front crossing a cell changes its pH fast and then not at all; extrapolating the whole
#: change would start Newton's method pH units beyond the answer.
GUESS_PH_CHANGE_LIMIT = 0.5


def _extrapolate(before: State, now: State, ratio: float) -> State:
    """Linear extrapolation ``ratio`` steps past ``now``: the starting guess of the next step.

    Each cell's pH moves at most :data:`GUESS_PH_CHANGE_LIMIT`. Only where Newton's method
    starts changes: the step converges to the same state.
    """
    ratio = min(ratio, 2.0)
    ph_change = np.clip(ratio * (now.ph - before.ph), -GUESS_PH_CHANGE_LIMIT, GUESS_PH_CHANGE_LIMIT)
    return State(
        u=now.u + ratio * (now.u - before.u),
        ph=now.ph + ph_change,
        dpsi=now.dpsi + ratio * (now.dpsi - before.dpsi),
        route_current=now.route_current + ratio * (now.route_current - before.route_current),
        volume_flow=now.volume_flow + ratio * (now.volume_flow - before.volume_flow),
        attached=now.attached,
    )


def _passive_permeability(chain: Chain, cond: Conditions, state: State) -> float:
    """Steady passive permeability (cm/h) at the initial pH profile.

    Each SC route's faces in series, the two routes in parallel, then the living tissue's
    faces in series; each face conducts the active's charge states in their local proportions.
    """
    alpha, _ = speciation(chain, state.ph, cond.kw)
    active = chain.micro.parent == cond.active
    weights = alpha[active][:, chain.face_left]
    g = np.sum(weights * chain.conductance[active], axis=0) * chain.face_area
    with np.errstate(divide="ignore"):  # a closed route adds nothing
        resistance = 1.0 / g
        sc = 0.0
        for r in (0, 1):
            sc += 1.0 / float(np.sum(resistance[chain.face_route == r]))
        living = float(np.sum(resistance[chain.face_route == 2]))
        total = 1.0 / (1.0 / sc + living) if sc > 0 else 0.0
    return total * 3.6e5


def _profile(
    chain: Chain,
    amounts: np.ndarray,
    cond: Conditions,
    state: State,
) -> tuple[list[float], list[float], float | None]:
    column = chain.column
    per_depth = np.zeros(column.size)
    tissue = chain.depth_index >= 0
    np.add.at(per_depth, chain.depth_index[tissue], amounts[tissue])
    mw = chain.solutes[cond.active].mw_g_per_mol
    concentration = per_depth / column.widths_m * mw  # mol/m³ × g/mol = g/m³ = µg/cm³
    depth_um = (column.centers_m * 1e6).tolist()
    total = per_depth.sum()
    if total <= 0:
        return depth_um, concentration.tolist(), None
    edges = np.concatenate(([0.0], np.cumsum(column.widths_m)))
    cumulative = np.concatenate(([0.0], np.cumsum(per_depth))) / total
    depth90 = float(np.interp(0.9, cumulative, edges)) * 1e6
    return depth_um, concentration.tolist(), depth90


_LAYER_NAMES = {TOP: "stratum corneum", VIABLE: "viable epidermis", DERMIS: "dermis", SUBCUTIS: "subcutis"}


def _depth_summary(chain: Chain, amounts: np.ndarray, layers: LayerAmounts, in_vitro: bool) -> DepthSummary:
    """Where the active in the tissue is at the end, in words a practitioner can use."""
    column = chain.column
    per_depth = np.zeros(column.size)
    tissue = chain.depth_index >= 0
    np.add.at(per_depth, chain.depth_index[tissue], amounts[tissue])
    total = float(per_depth.sum())
    held = {
        "stratum corneum": layers.stratum_corneum,
        "viable epidermis": layers.viable_epidermis,
        "dermis": layers.dermis,
        "subcutis": layers.subcutis,
    }
    away = "receptor" if in_vitro else "blood"
    if total <= 0:
        return DepthSummary(
            None,
            None,
            None,
            None,
            f"none of it remains in the skin (taken up by the {away} or never entered)",
        )
    most = max(held, key=lambda k: held[k])
    edges = np.concatenate(([0.0], np.cumsum(column.widths_m)))
    cumulative = np.concatenate(([0.0], np.cumsum(per_depth))) / total
    half = float(np.interp(0.5, cumulative, edges)) * 1e6
    bulk = float(np.interp(0.9, cumulative, edges)) * 1e6
    deepest_layer = _LAYER_NAMES[
        int(column.layer[min(int(np.searchsorted(edges, bulk * 1e-6)) - 1, column.size - 1)] + 1)
    ]
    share = 100.0 * held[most] / max(sum(held.values()), 1e-300)
    text = (
        f"most of what remains is in the {most} ({share:.0f} %); half lies within {half:.0f} µm of the "
        f"surface and 90 % within {bulk:.0f} µm (in the {deepest_layer})"
    )
    return DepthSummary(most, share, half, bulk, text)
