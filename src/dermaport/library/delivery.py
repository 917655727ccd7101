"""Which electrode an active goes under at a product's pH, and whether it can be delivered.

The physics rule (DOMAIN.md §2): like charges repel, so an **anion goes under the
cathode (−)** and a **cation under the anode (+)**. A neutral or net-neutral molecule
rides the electroosmotic flow, which runs from anode to cathode while the skin is
negatively charged (pH above its isoelectric point, about 4.8 in human skin; Marro et
al. 2001) and reverses below it. The trade rule "negative ions → positive pole" is
backwards and is never used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dermaport.library.actives import Active
from dermaport.library.schema import Category

__all__ = [
    "ELECTROMIGRATION_RADIUS_LIMIT_M",
    "IONIC_FORM_THRESHOLD",
    "MAX_DELIVERABLE_MW_G_PER_MOL",
    "PRACTICALLY_INSOLUBLE_MG_PER_ML",
    "DeliveryAssessment",
    "assess",
    "format_charge",
]

Electrode = Literal["anode", "cathode"]
IonicForm = Literal["anion", "cation", "neutral"]
Mechanism = Literal["electromigration", "electroosmosis"]
Verdict = Literal["suitable", "insoluble", "too large"]

#: Hydrodynamic radius above which electromigration is negligible (Mudry et al. 2007).
ELECTROMIGRATION_RADIUS_LIMIT_M = 8e-10
#: |mean charge| at which the charged form predominates; below it the molecule is
#: treated as (net-)neutral and carried by electroosmosis. A design choice: the
#: predominant form decides.
IONIC_FORM_THRESHOLD = 0.5
#: Solubility below which a substance is "practically insoluble" (USP General Notices
#: 5.30: more than 10 000 parts of solvent for 1 part of solute).
PRACTICALLY_INSOLUBLE_MG_PER_ML = 0.1
#: Largest molecules shown delivered intact across intact skin by iontophoresis are
#: proteins of 12–14 kDa (cytochrome c 12.4 kDa, Cázares-Delgadillo et al. 2007;
#: ribonuclease A 13.6 kDa, Dubey & Kalia 2010). Above this limit an active is too large.
MAX_DELIVERABLE_MW_G_PER_MOL = 20_000.0


@dataclass(frozen=True)
class DeliveryAssessment:
    """The verdict for one active at one pH. Charges in elementary charges; radius in m."""

    active: Active
    ph: float
    skin_isoelectric_point: float
    charge_fractions: dict[int, float]
    mean_charge: float
    ionic_form: IonicForm
    electrode: Electrode | None
    mechanism: Mechanism | None
    electromigration_negligible: bool
    suitable: bool
    verdict: Verdict
    reason: str
    rule_sources: tuple[str, ...]

    def citations(self) -> dict[str, str]:
        """Every reference behind the numbers and the rules of this verdict."""
        return self.active.citations(self.rule_sources)

    def to_json(self) -> dict[str, Any]:
        """The public JSON object (contract of ``dermaport actives show --json``)."""
        entry = self.active.entry
        return {
            "name": self.active.name,
            "display_name": self.active.display_name,
            "category": self.active.category.value,
            "inci": entry.inci or None,
            "aliases": list(entry.aliases),
            "concerns": [c.value for c in entry.concerns],
            "ph": self.ph,
            "mw_g_per_mol": self.active.mw_g_per_mol,
            "mean_charge": round(self.mean_charge, 6),
            "charge_fractions": {_charge_key(z): round(f, 6) for z, f in self.charge_fractions.items()},
            "ionic_form": self.ionic_form,
            "electrode": self.electrode,
            "mechanism": self.mechanism,
            "electromigration_negligible": self.electromigration_negligible,
            "suitable": self.suitable,
            "verdict": self.verdict,
            "reason": self.reason,
            "hydrodynamic_radius_angstrom": round(self.active.hydrodynamic_radius_m * 1e10, 3),
            "aqueous_diffusivity_cm2_per_s_25c": float(f"{self.active.diffusivity_m2_s(25.0) * 1e4:.4g}"),
            "log_kow": entry.log_kow.value if entry.log_kow else None,
            "water_solubility_mg_per_ml": (
                entry.water_solubility_mg_per_ml.value if entry.water_solubility_mg_per_ml else None
            ),
            "typical_concentration_percent": (
                [entry.typical_concentration_percent.min, entry.typical_concentration_percent.max]
                if entry.typical_concentration_percent
                else None
            ),
            "ionisable_groups": [
                {"name": g.name, "kind": g.kind, "pka": list(g.pka), "source": g.source}
                for g in entry.ionisable_groups
            ],
            "skin_isoelectric_point": self.skin_isoelectric_point,
            "citations": [f"[{key}] {text}" for key, text in self.citations().items()],
        }


def _charge_key(charge: int) -> str:
    return f"+{charge}" if charge > 0 else str(charge)


def _ionic_form(mean: float) -> IonicForm:
    if mean <= -IONIC_FORM_THRESHOLD:
        return "anion"
    if mean >= IONIC_FORM_THRESHOLD:
        return "cation"
    return "neutral"


def _unsuitability(active: Active) -> tuple[Verdict, str, tuple[str, ...]] | None:
    entry = active.entry
    solubility = entry.water_solubility_mg_per_ml
    if solubility is not None and solubility.value < PRACTICALLY_INSOLUBLE_MG_PER_ML:
        return (
            "insoluble",
            f"practically insoluble in water ({solubility.value:.2g} mg/mL < "
            f"{PRACTICALLY_INSOLUBLE_MG_PER_ML} mg/mL): it cannot be in the aqueous vehicle a "
            "current needs, so no electrode delivers it",
            ("usp-solubility", solubility.source),
        )
    if active.mw_g_per_mol > MAX_DELIVERABLE_MW_G_PER_MOL:
        return (
            "too large",
            f"too large ({active.mw_g_per_mol / 1000:.0f} kDa): nothing above about 14 kDa has been "
            "shown to cross intact skin by iontophoresis (cytochrome c 12.4 kDa, ribonuclease A "
            "13.6 kDa); it stays on the surface as a film",
            ("cazares2007", "dubey2010"),
        )
    return None


def format_charge(mean: float) -> str:
    """A mean charge with its sign and two decimals, never '-0.00'."""
    return f"{mean + 0.0:+.2f}".replace("-0.00", "+0.00")


def _electrode_rule(
    active: Active, ph: float, mean: float, form: IonicForm, skin_pi: float
) -> tuple[Electrode, Mechanism, str]:
    """Electrode, mechanism and the reason in words, by the physics rule."""
    charge = f"at pH {ph:g} (mean charge {format_charge(mean)})"
    if form == "anion":
        return (
            "cathode",
            "electromigration",
            f"anion {charge}: like charges repel, so it is delivered from the cathode (−); "
            "electroosmosis runs against it",
        )
    if form == "cation":
        return (
            "anode",
            "electromigration",
            f"cation {charge}: like charges repel, so it is delivered from the anode (+), "
            "helped by electroosmosis",
        )
    kind = "net-neutral (zwitterion)" if _is_zwitterion(active) else "neutral"
    if ph >= skin_pi:
        electrode: Electrode = "anode"
        reason = (
            f"{kind} {charge}: carried by electroosmosis, which flows from the anode (+) while the "
            f"skin is negatively charged (pH above its isoelectric point {skin_pi:g})"
        )
    else:
        electrode = "cathode"
        reason = (
            f"{kind} {charge}: carried by electroosmosis, which reverses and flows from the "
            f"cathode (−) because the pH is below the skin's isoelectric point {skin_pi:g}"
        )
    if abs(ph - skin_pi) < 0.3:
        reason += "; so close to the isoelectric point electroosmosis is weak"
    return electrode, "electroosmosis", reason


def assess(
    active: Active, ph: float, *, skin_isoelectric_point: float, skin_pi_source: str = "marro2001"
) -> DeliveryAssessment:
    """Decide electrode, mechanism and suitability for ``active`` in a product at ``ph``.

    ``skin_isoelectric_point`` is that of the skin treated (human about 4.8, pig 4.4).
    """
    fractions = active.charge_fractions(ph)
    mean = active.mean_charge(ph)
    form = _ionic_form(mean)
    radius = active.hydrodynamic_radius_m
    negligible = radius > ELECTROMIGRATION_RADIUS_LIMIT_M
    sources: tuple[str, ...] = ("mudry2007", skin_pi_source)
    electrode: Electrode | None
    mechanism: Mechanism | None
    bad = _unsuitability(active)
    if bad is not None:
        verdict, detail, keys = bad
        electrode, mechanism, reason = None, None, f"unsuitable: {detail}"
        sources += keys
    else:
        verdict = "suitable"
        electrode, mechanism, reason = _electrode_rule(active, ph, mean, form, skin_isoelectric_point)
        if active.category is Category.ION:
            reason += " (a background ion: it competes with the active for the current)"
        if negligible:
            reason += (
                f"; its size (hydrodynamic radius {radius * 1e10:.1f} Å > 8 Å) makes electromigration "
                "negligible, so expect little more than passive and electroosmotic delivery"
            )
    return DeliveryAssessment(
        active=active,
        ph=ph,
        skin_isoelectric_point=skin_isoelectric_point,
        charge_fractions=fractions,
        mean_charge=mean,
        ionic_form=form,
        electrode=electrode,
        mechanism=mechanism,
        electromigration_negligible=negligible,
        suitable=bad is None,
        verdict=verdict,
        reason=reason,
        rule_sources=sources,
    )


def _is_zwitterion(active: Active) -> bool:
    kinds = {g.kind for g in active.entry.ionisable_groups}
    return kinds == {"acid", "base"} or (active.entry.fixed_charge != 0 and "acid" in kinds)
