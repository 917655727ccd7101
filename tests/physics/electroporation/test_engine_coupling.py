"""Pulse steps in the transport engine: conservation, limits and the ``simulate --json`` figures.

Verification only (closed forms, conservation, limits): the coupling of the barrier model's
pores and LTRs to the engine's stratum corneum (docs/electroporation.md, "In the engine").
"""

from __future__ import annotations

import numpy as np
import pytest

from dermaport.library.actives import load_actives
from dermaport.library.skin import load_skin
from dermaport.physics.electroporation import BarrierModel
from dermaport.physics.electroporation.hindrance import diffusive_hindrance
from dermaport.physics.engine import simulate
from dermaport.physics.poration import pathway_coefficients
from dermaport.physics.setup import Vehicle, build
from dermaport.protocol.pulses import parse_electroporation

REFERENCE = "electroporation 100 V 1 ms pulses at 1 Hz for 5 min"
SAP = ("sodium ascorbyl phosphate", "3 %")
EP_KEYS = (
    "sc_resistance_min_ratio",
    "sc_resistance_end_ratio",
    "ltr_area_fraction_max",
    "pulse_count",
    "peak_temperature_rise_K",
)


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    return simulate(*SAP, [REFERENCE], observe="1 h").to_json()


def test_mass_balance_of_a_pulse_run(reference: dict[str, object]) -> None:
    assert float(reference["mass_balance_error"]) < 1e-9  # type: ignore[arg-type]
    followed = simulate(
        *SAP,
        [
            "electroporation 100 V 1 ms x 10 pulses at 1 Hz cathode",
            "iontophoresis cathode 0.3 mA/cm2 for 3 min",
        ],
    )
    assert followed.mass_balance_error < 1e-9


def test_json_figures_of_a_pulse_run(reference: dict[str, object]) -> None:
    d = reference
    assert d["pulse_count"] == 300
    assert 0 < d["sc_resistance_min_ratio"] < d["sc_resistance_end_ratio"] <= 1  # type: ignore[operator]
    assert 0 < d["ltr_area_fraction_max"] <= 1e-5  # type: ignore[operator]  # at most f_LTR,max
    assert d["peak_temperature_rise_K"] > 0  # type: ignore[operator]
    timeline = d["timeline"]
    assert isinstance(timeline, dict)
    resistance = timeline["sc_resistance_ohm_cm2"]
    assert len(resistance) == len(timeline["time_s"])
    intact = 8000.0  # human_face, 8 kΩ·cm²
    assert max(resistance) <= intact * (1 + 1e-9)
    assert min(resistance) < 0.5 * intact


def test_galvanic_runs_have_no_pulse_figures() -> None:
    d = simulate(*SAP, ["iontophoresis cathode 0.3 mA/cm2 for 3 min"]).to_json()
    for key in EP_KEYS:
        assert key not in d
    assert "sc_resistance_ohm_cm2" not in d["timeline"]


def test_resealing_back_to_the_intact_barrier_in_the_engine() -> None:
    # LTRs close with τ = 1 h: twelve hours leave e^-12 of the opening
    result = simulate(*SAP, ["electroporation 100 V 1 ms x 30 pulses at 1 Hz"], observe="12 h")
    assert result.electroporation is not None
    assert result.electroporation.sc_resistance_end_ratio == pytest.approx(1.0, abs=1e-6)
    assert result.timeline.sc_resistance_ohm_cm2[-1] == pytest.approx(8000.0, rel=1e-6)


def test_a_train_that_porates_nothing_and_drives_nothing_is_passive_application() -> None:
    # 2 V bipolar: no pores beyond N0 (V_b ≪ V_ep) and charge-balanced on a linear load
    pulsed = simulate(*SAP, ["electroporation bipolar 2 V 1 ms x 60 pulses at 1 Hz"])
    passive = simulate(*SAP, ["passive for 1 min"])
    assert pulsed.electroporation is not None
    assert pulsed.electroporation.sc_resistance_min_ratio == pytest.approx(1.0, abs=1e-5)
    assert pulsed.charge_dose_mA_min < 1e-6  # mA·min; the gross charge is about 0.1 mA·min
    # the windows' breakpoints cut the time steps differently: 0.2 % of time-step error
    assert pulsed.total_delivered_ug_per_cm2 == pytest.approx(passive.total_delivered_ug_per_cm2, rel=5e-3)


def test_bipolar_train_drives_its_net_charge_only() -> None:
    # the engine's d.c. drive is the barrier model's signed charge, nothing more
    step = "electroporation bipolar 100 V 1 ms x 20 pulses at 1 Hz"
    result = simulate(*SAP, [step], electrode_area="1 cm2")
    unipolar = simulate(*SAP, ["electroporation 100 V 1 ms x 20 pulses at 1 Hz"], electrode_area="1 cm2")
    train = BarrierModel().run(parse_electroporation(step).schedule())
    net_ma_min = abs(train.net_charge_c_per_m2) * 1e-4 * 1e3 / 60.0  # over 1 cm²
    assert result.charge_dose_mA_min == pytest.approx(net_ma_min, rel=1e-9)
    # a voltage source on a porating load is not exactly balanced: about 11 % of one polarity at 100 V
    assert result.charge_dose_mA_min < 0.2 * unipolar.charge_dose_mA_min


def test_hyaluronic_acid_1_mda_gains_nothing_from_pulses() -> None:
    # its coil is larger than the LTRs' 20 nm pathways: H = 0 in both new pathways, so the
    # pulses add no path for it (its net drive under the anode-positive train only holds it back)
    step = "electroporation bipolar 100 V 1 ms x 20 pulses at 1 Hz"
    pulsed = simulate("hyaluronic_acid_1mda", "0.1 %", [step])
    passive = simulate("hyaluronic_acid_1mda", "0.1 %", ["passive for 20 s"])
    assert pulsed.total_delivered_ug_per_cm2 <= passive.total_delivered_ug_per_cm2 * (1 + 1e-6)
    small = simulate(*SAP, [step])
    assert (
        small.total_delivered_ug_per_cm2 > 2 * simulate(*SAP, ["passive for 20 s"]).total_delivered_ug_per_cm2
    )


def test_pathway_spread_over_the_faces_gives_h_d_over_l() -> None:
    # the faces in series carry A H D / L per unit pathway area, whatever the mesh grading
    library = load_actives()
    active = library.resolve("sodium ascorbyl phosphate")
    site = load_skin().get("human_face")
    ions = {n: library.get(n) for n in ("sodium", "chloride", "hydrogen_ion", "hydroxide")}
    chain, _, _ = build(active, Vehicle(5.5, 2e-4, 10.0), site, ions, electrode="inert", in_vitro=False)
    model = BarrierModel()
    pore, ltr, _ = pathway_coefficients(chain, model.kinetics.pore_radius_m, model.skin.ltr_pathway_radius_m)
    a0 = chain.routes.area_fraction[0]
    solute = chain.solutes[0]
    thickness = float(chain.column.widths_m[: chain.n_sc].sum())
    m = int(chain.micro.starts[0])
    for coefficient, radius in (
        (pore[m], model.kinetics.pore_radius_m),
        (ltr[m], model.skin.ltr_pathway_radius_m),
    ):
        series = a0 / float(np.sum(1.0 / coefficient))
        expected = diffusive_hindrance(solute.radius_m, radius) * solute.diffusivity_m2_s / thickness
        assert series == pytest.approx(expected, rel=1e-12)
