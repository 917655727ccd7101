"""The barrier model against closed forms and limits (verification)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from dermaport.physics.electroporation import (
    BarrierModel,
    BarrierState,
    Circuit,
    PoreKinetics,
    SkinBarrier,
    diffusive_hindrance,
)
from dermaport.physics.electroporation.barrier import appendage_wall_share, sc_voltage
from dermaport.physics.electroporation.heating import BOILING_RISE_K, temperature_after
from dermaport.physics.electroporation.pores import creation_rate, equilibrium_density, reseal
from dermaport.protocol.pulses import parse_electroporation

K = PoreKinetics()


@pytest.mark.parametrize("v", [0.0, 0.1, 0.2, 0.3])
def test_pore_density_steady_state_at_constant_voltage(v: float) -> None:
    n_eq = equilibrium_density(v, K)
    assert n_eq == pytest.approx(K.n0_per_m2 * math.exp(K.q * (v / K.v_ep_v) ** 2))
    assert creation_rate(n_eq, v, K) == pytest.approx(0.0, abs=1e-9 * K.alpha_per_m2_s)
    # the ODE integrated long enough from N0 reaches it
    tau = n_eq / (K.alpha_per_m2_s * math.exp((v / K.v_ep_v) ** 2))
    sol = solve_ivp(lambda t, n: [creation_rate(n[0], v, K)], (0, 30 * tau), [K.n0_per_m2], rtol=1e-10)
    assert sol.y[0, -1] == pytest.approx(n_eq, rel=1e-6)


def test_resealing_closed_form_matches_the_ode_at_zero_voltage() -> None:
    n1 = 1e14
    sol = solve_ivp(lambda t, n: [creation_rate(n[0], 0.0, K)], (0, 5.0), [n1], rtol=1e-11, atol=1.0)
    assert reseal(n1, 5.0, K) == pytest.approx(sol.y[0, -1], rel=1e-7)
    assert K.resealing_time_s == pytest.approx(1.5)


def test_hindrance_limits() -> None:
    r = 20e-9
    assert diffusive_hindrance(0.0, r) == 1.0
    assert diffusive_hindrance(1e-14, r) == pytest.approx(1.0, abs=1e-4)
    assert diffusive_hindrance(r, r) == 0.0
    assert diffusive_hindrance(2 * r, r) == 0.0
    assert diffusive_hindrance(0.999 * r, r) < 1e-12
    lams = [i / 200 for i in range(1, 200)]
    values = [diffusive_hindrance(lam * r, r) for lam in lams]
    assert all(a > b for a, b in itertools.pairwise(values))  # falls with size, no jump at 0.95


def test_resealing_back_to_the_intact_barrier() -> None:
    model = BarrierModel()
    train = parse_electroporation("electroporation 120 V 10 ms x 50 pulses at 1 Hz").schedule()
    result = model.run(train, observe_s=12 * 3600)
    assert result.ltr_area_fraction_max > 0  # it was porated and formed LTRs
    assert result.sc_resistance_min_ratio < 0.05
    intact = model.resistance(BarrierState.intact(model.kinetics))
    assert result.sc_resistance_ohm_m2[-1] == pytest.approx(intact, rel=1e-4)
    assert result.state.lipid_pores_per_m2 == pytest.approx(K.n0_per_m2, rel=1e-9)


def test_pulse_integrator_matches_a_tight_reference_solution() -> None:
    """One 1 ms pulse at 100 V: the stepped backward Euler against Radau at rtol 1e-9."""
    model = BarrierModel(skin=SkinBarrier(heating_concentration=0.0))  # no LTR: pores only
    state, _, _ = model.on(BarrierState.intact(K), 0.0, 100.0, 1e-3)
    skin, circuit = model.skin, model.circuit

    def rhs(t: float, y: list[float]) -> list[float]:
        g = model.conductance(BarrierState(math.exp(y[0]), math.exp(y[1])))
        u = sc_voltage(100.0, g, circuit)
        w = u * appendage_wall_share(math.exp(y[1]), skin, K)
        return [
            creation_rate(math.exp(y[0]), u / skin.lipid_bilayers, K) / math.exp(y[0]),
            creation_rate(math.exp(y[1]), w / skin.appendage_bilayers, K) / math.exp(y[1]),
        ]

    y0 = [math.log(K.n0_per_m2)] * 2
    sol = solve_ivp(rhs, (0, 1e-3), y0, method="Radau", rtol=1e-9, atol=1e-9)
    ref = BarrierState(math.exp(sol.y[0, -1]), math.exp(sol.y[1, -1]))
    assert model.resistance(state) == pytest.approx(model.resistance(ref), rel=0.05)


def test_bipolar_trains_are_charge_balanced() -> None:
    model = BarrierModel()
    # at 2 V the pores hardly move (N rises 0.1 %): the two phases cancel to 1e-6
    low = model.run(parse_electroporation("electroporation bipolar 2 V 1 ms x 5 pulses at 1 Hz").schedule())
    gross = sum(p.charge_c_per_m2 for p in low.pulses)
    assert abs(low.net_charge_c_per_m2) < 1e-6 * gross
    # the appendages porate during the first phase at 20 V: a few per cent
    mid = model.run(parse_electroporation("electroporation bipolar 20 V 1 ms x 5 pulses at 1 Hz").schedule())
    gross = sum(p.charge_c_per_m2 for p in mid.pulses)
    assert abs(mid.net_charge_c_per_m2) < 0.05 * gross
    # under a voltage source the porated second phase draws more: the imbalance is what the
    # load's change within the pulse makes, and it is reported, not hidden
    high = model.run(
        parse_electroporation("electroporation bipolar 100 V 1 ms x 5 pulses at 1 Hz").schedule()
    )
    gross = sum(p.charge_c_per_m2 for p in high.pulses)
    assert 0 < -high.net_charge_c_per_m2 < 0.5 * gross
    carrier = parse_electroporation("electroporation bipolar 50 V 1.5 kHz modulated at 1 Hz for 10 s")
    burst = model.run(carrier.schedule())
    for pulse in burst.pulses:
        assert pulse.signed_charge_c_per_m2 == 0.0
        assert pulse.charge_balance_bound_c_per_m2 < 1e-3 * pulse.charge_c_per_m2
    unipolar = model.run(parse_electroporation("electroporation 100 V 1 ms x 5 pulses at 1 Hz").schedule())
    assert unipolar.net_charge_c_per_m2 == pytest.approx(sum(p.charge_c_per_m2 for p in unipolar.pulses))


@settings(max_examples=30, deadline=None)
@given(rise0=st.floats(0, 60), power=st.floats(0, 1e13), t=st.floats(0, 1.0))
def test_temperature_rise_is_bounded(rise0: float, power: float, t: float) -> None:
    skin = SkinBarrier()
    rise = temperature_after(rise0, power, t, skin)
    steady = power * skin.thermal_time_s / skin.heat_capacity_j_per_m3_k
    assert rise <= max(rise0, steady, 0) + 1e-9
    assert rise <= BOILING_RISE_K


def test_voltage_division_sums_to_the_applied_voltage() -> None:
    circuit = Circuit.from_layers(crossings=2)
    model = BarrierModel(circuit=circuit)
    state = BarrierState.intact(K)
    j = model.current_density(100.0, state)
    drops = 2 * j * model.resistance(state) + j * circuit.series_ohm_m2()
    assert drops == pytest.approx(100.0)
