"""Verification: the engine against closed-form solutions and conservation laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dermaport.library.actives import load_actives
from dermaport.library.skin import load_skin
from dermaport.physics import simulate
from dermaport.physics.constants import FARADAY_C_PER_MOL, thermal_voltage_v
from dermaport.physics.model import VEHICLE, Chain
from dermaport.physics.setup import Resolution, Vehicle, build
from dermaport.physics.sg import bernoulli_pair
from dermaport.physics.solver import Conditions, ElectrodeKind, State, advance, buffer_charge, speciation
from dermaport.units import parse_concentration
from tests.physics._column import D_TRACE, THICKNESS, column, run, steady


def test_bernoulli_limits_and_derivative() -> None:
    x = np.array([-700.0, -50.0, -1.0, -1e-7, 0.0, 1e-7, 1.0, 50.0, 700.0])
    b, b_minus, db, db_minus = bernoulli_pair(x)
    with np.errstate(over="ignore"):
        direct = np.where(x == 0, 1.0, x / np.expm1(np.where(x == 0, 1.0, x)))
    assert b == pytest.approx(direct, rel=1e-12, abs=1e-300)
    assert b - b_minus == pytest.approx(-x, rel=1e-12, abs=1e-12)  # B(x) - B(-x) = -x
    h = 1e-6
    numeric = (bernoulli_pair(x + h)[0] - bernoulli_pair(x - h)[0]) / (2 * h)
    assert db == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    assert db_minus == pytest.approx(-1.0 - db, abs=1e-12)  # d/dx B(-x) = -(1 + B'(x))


def test_diffusion_through_a_slab_matches_the_series_solution() -> None:
    """Crank (1975) eq. 4.24a: Q/(L c0) = Dt/L² - 1/6 - 2/π² Σ (-1)^n/n² exp(-D n² π² t / L²)."""
    chain, cond, state = column(20)
    times = list(np.linspace(0.2, 120.0, 600))
    _, _, out = run(chain, cond, state, times)
    t, big_l, c0 = times[-1], THICKNESS, 1.0
    tau = D_TRACE * t / big_l**2
    series = (
        tau
        - 1 / 6
        - 2 / math.pi**2 * sum((-1) ** n / n**2 * math.exp(-(n**2) * math.pi**2 * tau) for n in range(1, 200))
    )
    assert out == pytest.approx(series * big_l * c0, rel=0.01)


def test_steady_flux_of_a_trace_ion_in_a_constant_field_is_goldmans() -> None:
    """A trace cation in an excess of NaCl sees a uniform field: J = P ν c0 / (1 - e^-ν), ν = zFΔφ/RT."""
    chain, cond, state = column(10, charge=1)
    current = 300.0  # A/m², into the skin: a drop of a few RT/F across 0.3 mm of 0.1 M NaCl
    state, flux = steady(chain, cond, state, current)
    route = chain.face_route != 1
    nu = -float(np.sum(state.dpsi[route]))  # vehicle to the reservoir below
    permeability = D_TRACE / THICKNESS
    goldman = 0.1 * permeability * nu / (1 - math.exp(-nu))  # c0 = 0.1 mol/m³
    assert nu > 1.0
    assert flux == pytest.approx(goldman, rel=0.01)


def test_steady_convection_diffusion_flux() -> None:
    """A neutral solute carried by a uniform electroosmotic flow v: J = v c0 / (1 - e^-Pe), Pe = vL/D."""
    chain, cond, state = column(10, fixed=20.0, kappa=2e-12)
    state, flux = steady(chain, cond, state, current=5.0)
    v = float(state.volume_flow[0])
    assert state.volume_flow[0] == pytest.approx(state.volume_flow[1], rel=1e-6)
    pe = v * THICKNESS / D_TRACE
    assert abs(pe) > 0.3
    assert flux == pytest.approx(v / -math.expm1(-pe), rel=0.01)


def _reaction_diffusion_error(cells: int, k: float) -> float:
    chain, cond, state = column(cells)
    chain.clearance[0, chain.depth_index >= 0] = k
    _, flux = steady(chain, cond, state)
    m = math.sqrt(k / D_TRACE)
    exact = D_TRACE * m / math.tanh(m * THICKNESS)
    return abs(flux - exact) / exact


def test_observed_order_of_convergence_under_mesh_refinement() -> None:
    """Steady diffusion with first-order loss (cosh/sinh solution): the error falls as h²."""
    k = 2e-3  # 1/s: decay length 0.7 mm against 0.3 mm of tissue
    errors = [_reaction_diffusion_error(n, k) for n in (2, 4, 8)]
    orders = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert errors[-1] < 1e-3
    assert min(orders) > 1.8


@pytest.fixture(scope="module")
def cathodal_sap() -> dict[str, object]:
    return simulate(
        "sodium ascorbyl phosphate",
        "3 %",
        ["iontophoresis cathode 0.3 mA/cm2 for 6 min ramp 30 s"],
        vehicle_ph=7,
        observe="30 min",
    ).to_json()


def test_mass_balance_to_round_off(cathodal_sap: dict[str, object]) -> None:
    d = cathodal_sap
    applied = float(d["applied_ug_per_cm2"])  # type: ignore[arg-type]
    remaining = float(d["vehicle_remaining_ug_per_cm2"])  # type: ignore[arg-type]
    total = float(d["total_delivered_ug_per_cm2"])  # type: ignore[arg-type]
    layers = d["layers_ug_per_cm2"]
    assert isinstance(layers, dict)
    assert abs(applied - remaining - total) / applied < 1e-9
    assert abs(total - sum(layers.values())) / applied < 1e-9  # SC, VE, dermis, subcutis, cleared
    assert d["mass_balance_error"] < 1e-9  # type: ignore[operator]


@pytest.mark.parametrize(
    ("active", "step", "ph"),
    [
        ("sodium ascorbyl phosphate", "iontophoresis cathode 0.3 mA/cm2 for 5 min", 7.0),
        ("lidocaine", "iontophoresis anode 0.3 mA/cm2 for 5 min", 5.5),
        ("sodium", "iontophoresis anode 0.5 mA/cm2 for 5 min", 7.0),
    ],
)
def test_transport_number_at_most_one_and_faradays_bound(active: str, step: str, ph: float) -> None:
    result = simulate(active, "100 mM", [step], vehicle_ph=ph, electrode="ag-agcl", in_vitro=True)
    assert result.transport_number is not None
    assert 0.0 < result.transport_number <= 1.0
    # the active crosses the surface in its charge states there; the charge it carries is the
    # transport number's share of the charge passed and cannot exceed what its most charged
    # state would carry
    entry = load_actives().resolve(active)
    moles = result.total_delivered_ug_per_cm2 / entry.mw_g_per_mol / 100.0
    charge_passed = result.charge_dose_mA_min * 60e-3 / (result.electrode_area_cm2 * 1e-4)  # C/m²
    most = max(abs(z) for z in entry.charge_fractions(ph)) if entry.entry.ionisable_groups else 1
    assert result.transport_number * charge_passed <= most * moles * FARADAY_C_PER_MOL * 1.000001


def test_thermal_voltage() -> None:
    assert thermal_voltage_v(32.0) == pytest.approx(0.02629, rel=1e-3)


def _built_reference(electrode: ElectrodeKind) -> tuple[Chain, Conditions, State]:
    """The reference product (SAP 3 % at pH 7) on the face, as the engine builds it."""
    library = load_actives()
    sap = library.resolve("sodium ascorbyl phosphate")
    ions = {name: library.get(name) for name in ("sodium", "chloride", "hydrogen_ion", "hydroxide")}
    vehicle = Vehicle(7.0, 20e-6, sap.molar_concentration(parse_concentration("3 %")), (), ())
    skin = load_skin().get("human_face")
    return build(sap, vehicle, skin, ions, electrode=electrode, in_vitro=False, resolution=Resolution())


def _cell_charge(chain: Chain, cond: Conditions, state: State) -> np.ndarray:
    """Net charge in each cell (mol per m² of skin): every charge state, water ions, fixed groups."""
    alpha, _ = speciation(chain, state.ph, cond.kw)
    mi = chain.micro
    conc = alpha.copy()
    conc[: mi.proton] *= state.u[mi.parent[: mi.proton]]
    mobile = np.sum(chain.capacity * mi.z[:, None] * conc, axis=0)
    return np.asarray(chain.volume_m * (mobile + chain.water * buffer_charge(chain, state.ph)))


@pytest.mark.parametrize("electrode", ["ag-agcl", "inert"])
def test_every_skin_cell_keeps_its_charge_under_current(electrode: ElectrodeKind) -> None:
    """Current continuity on every face conserves each cell's charge, across every junction.

    The drug changes charge state as it passes from the acid SC into the pH 7.4 viable
    epidermis; the protons it gives up are carried to the tissue buffer, so no cell gains
    charge (where clearance acts, the active leaves with its counter-ions).
    """
    chain, cond, state = _built_reference(electrode)
    before = _cell_charge(chain, cond, state)
    for _ in range(60):
        state, _ = advance(chain, cond, state, 1.0, -3.0)  # 0.3 mA/cm² under the cathode
    after = _cell_charge(chain, cond, state)
    skin = chain.kind != VEHICLE
    ionic = float(np.max(state.u[:, skin] * chain.volume_m[skin]))
    assert np.max(np.abs(after - before)[skin]) < 1e-6 * ionic
    assert abs(after[0] - before[0]) < 1e-6 * float(np.max(state.u[:, 0]) * chain.volume_m[0])


def test_mesh_refinement_changes_the_reference_prediction_little() -> None:
    """Halving every cell moves the amounts delivered by a few per cent (spatial convergence)."""
    step = ["iontophoresis cathode 0.3 mA/cm2 for 6 min"]
    base = simulate("sodium ascorbyl phosphate", "3 %", step, vehicle_ph=7.0, electrode="ag-agcl")
    fine = simulate(
        "sodium ascorbyl phosphate",
        "3 %",
        step,
        vehicle_ph=7.0,
        electrode="ag-agcl",
        resolution=Resolution(48, 24, 32, 16),
    )
    assert fine.total_delivered_ug_per_cm2 == pytest.approx(base.total_delivered_ug_per_cm2, rel=0.03)
    assert fine.delivered.viable_epidermis == pytest.approx(base.delivered.viable_epidermis, rel=0.1)
    assert fine.transport_number == pytest.approx(base.transport_number, rel=0.03)


def test_a_solute_too_large_for_the_intercellular_pores_still_solves() -> None:
    """Hyaluronic acid (5 kDa) is shut out of the 2 nm pores (no conductance there):
    it may cross only by the appendages, and mass is still conserved."""
    result = simulate(
        "hyaluronic acid 5kda",
        "0.5 %",
        ["iontophoresis cathode 0.3 mA/cm2 for 6 min"],
        vehicle_ph=6.5,
        electrode="ag-agcl",
    )
    assert 0.0 < result.total_delivered_ug_per_cm2 < result.applied_ug_per_cm2
    assert result.mass_balance_error < 1e-9
    assert math.isfinite(result.kp_passive_cm_per_h)


def test_what_crossed_the_surface_is_in_the_layers_or_cleared_to_round_off() -> None:
    """The in-skin balance, for an active with a lipid route whose charge moves with the pH:
    total delivered = SC + viable epidermis + dermis + subcutis + cleared, to 1e-9 of what
    was applied, after current and half an hour without the product."""
    result = simulate(
        "lidocaine",
        "2 %",
        ["iontophoresis anode 0.5 mA/cm2 for 20 min"],
        vehicle_ph=7.5,
        observe="30 min",
    )
    d = result.delivered
    in_skin = d.stratum_corneum + d.viable_epidermis + d.dermis + d.subcutis + d.beyond
    assert abs(result.total_delivered_ug_per_cm2 - in_skin) < 1e-9 * result.applied_ug_per_cm2
