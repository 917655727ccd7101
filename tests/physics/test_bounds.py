"""Physical bounds over random inputs: no transport number above 1, mass conserved, bad input named."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dermaport.errors import InputError
from dermaport.physics import simulate

ACTIVES = (
    "lidocaine",
    "sodium ascorbyl phosphate",
    "niacinamide",
    "ascorbic acid",
    "tranexamic acid",
    "sodium",
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    active=st.sampled_from(ACTIVES),
    millimolar=st.floats(1.0, 200.0),
    ph=st.floats(3.0, 9.0),
    density=st.floats(0.05, 0.5),
    polarity=st.sampled_from(("anode", "cathode")),
    electrode=st.sampled_from(("inert", "ag-agcl")),
    salt=st.sampled_from(((), ("NaCl 50 mM",))),
)
def test_no_transport_number_above_one(
    active: str,
    millimolar: float,
    ph: float,
    density: float,
    polarity: str,
    electrode: str,
    salt: tuple[str, ...],
) -> None:
    result = simulate(
        active,
        f"{millimolar:.3f} mM",
        [f"iontophoresis {polarity} {density:.3f} mA/cm2 for 3 min"],
        vehicle_ph=ph,
        electrode=electrode,  # type: ignore[arg-type]
        background=salt,
    )
    assert result.transport_number is not None
    assert abs(result.transport_number) <= 1.0
    assert result.mass_balance_error < 1e-6


@pytest.mark.parametrize("concentration", ["500 %", "90 %"])
def test_a_concentration_above_solubility_is_bad_input(concentration: str) -> None:
    """Sodium ascorbyl phosphate: 300 mg/mL in the library (freely soluble, about 30 %)."""
    with pytest.raises(InputError, match=r"solubility .*300 mg/mL"):
        simulate("SAP", concentration, ["iontophoresis cathode 0.3 mA/cm2 for 6 min"])
