"""A complete set of answers that screens ok, to vary one answer at a time."""

from __future__ import annotations

import datetime as dt

TODAY = dt.date(2026, 11, 21)

OK_ANSWERS: dict[str, object] = {
    "area": "face",
    "skin_sensitivity": "normal",
    "pacemaker": False,
    "metal_implants": "none",
    "excessive_dental_fillings": False,
    "epilepsy": False,
    "heart_disease": False,
    "pregnant": False,
    "breastfeeding": False,
    "cancer_treatment": False,
    "diabetes_insulin": False,
    "coagulation_disorder": False,
    "paralysis_history": False,
    "reduced_sensation": False,
    "allergy_to_ingredients": False,
    "urticaria": False,
    "skin_condition_flare": False,
    "skin_infection": False,
    "eye_infection": False,
    "broken_skin": False,
    "steroids": False,
    "blood_thinners": "none",
    "isotretinoin_last_dose": "never",
    "retinoid_or_vitamin_c_last_use": "never",
    "last_chemical_peel": "never",
    "last_laser": "never",
    "last_microneedling": "never",
    "last_microdermabrasion": "never",
    "recent_scar": "never",
    "jewellery_removed": True,
    "other_conditions": "",
    "written_clearance": False,
}


def answers(**changes: object) -> dict[str, object]:
    """The ok answers with ``changes``."""
    return {**OK_ANSWERS, **changes}
