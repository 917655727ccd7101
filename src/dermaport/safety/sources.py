"""The texts and sources the safety rules follow, by short key.

The source texts are the trade and clinic articles the project was created from (file names
as in the team's domain notes); the device manuals, standards and regulations are those
collected in the team's research notes. A rule names its sources by these keys, and every
finding carries their full text so a practitioner can look them up.
"""

from __future__ import annotations

__all__ = ["SOURCES", "cite"]

SOURCES: dict[str, str] = {
    "000": "source text 000_3cad60d9dcd5dc59 (No Needle Mesotherapy facial, galvanic iontophoresis): "
    "procedure and contraindications",
    "001": "source text 001_0387932779845212 (What you need to know about mesotherapy, A. Hansford): "
    "registered medical-device products, combining after laser and microneedling",
    "002": "source text 002_95aca6b301ee7872 (Iontophoresis in aesthetic care, N. Park RN): "
    "precautions, contraindications, combining with microdermabrasion and peels",
    "003": "source text 003_12272f29ab2e4280 (Electronic non-injection mesotherapy): electroporation",
    "004": "source text 004_52dcbaaadde21bde (mesotherapy guide with device catalogue): candidates, "
    "patch test, preparation, aftercare, courses",
    "manuals": "iontophoresis device manuals (Iomed Phoresor, ActivaDose II, Chattanooga Ionto, Hidrex): "
    "common warnings: implants and implanted electronics, epilepsy, heart disease, drug allergy, "
    "damaged skin or recent scars, reduced sensation, jewellery",
    "beauty-contraindications": "galvanic beauty contraindication lists (akmassagebeauty.co.nz; "
    "1beautycloud.com): epilepsy, metal plates or pins, scars under 12 months, sunburn, haemophilia, "
    "rosacea, pustular acne, infection",
    "activadose": "Caputron ActivaDose II manual: maximum 4.0 mA and 80.0 mA·min as hard LIMIT states",
    "dupel": "Empi Dupel B.L.U.E. electrodes: 80 mA·min must not be exceeded; buffer keeps pH 4–8",
    "iontodc": "Soterix IontoDC: current ramps up over 30 s and down over 30 s",
    "gbo": "gbo Duodynator manual: no more than 0.1 mA/cm² for iontophoresis, 0.2 mA/cm² for galvanisation",
    "density-review": "iontophoresis review: about 0.5 mA/cm² as the conventional upper current density",
    "iec60601-2-10": "IEC 60601-2-10 (AS 60601.2.10:2018): never a current path across the head, eyes, "
    "mouth, front of the neck or chest; electrodes above 2 mA/cm² need special attention",
    "cfr890.5525": "21 CFR 890.5525(b): an iontophoresis device must show its ability to maintain a safe "
    "pH level",
    "beurer": "Beurer FC76 manual: patch test 24 h before at the lowest intensity on an inconspicuous "
    "area of the neck; do not treat if red or painful",
    "clinic-aftercare": "clinic aftercare pages (rohamedspa; ls-enhance): sun protection and no sweating "
    "for 24 h; no sauna or other treatments for 1–2 weeks",
    "borciani": "clinic exclusions for mesotherapy (borcianilondon): isotretinoin, active herpes, eczema "
    "or psoriasis, sunburn, keloids",
    "dermaport": "dermaport design decision (no source text gives a number; the value is the "
    "conservative choice and is documented in docs/planning.md)",
}


def cite(*keys: str) -> str:
    """The full text of the sources ``keys``, joined by '; ' (unknown keys are a bug)."""
    return "; ".join(SOURCES[key] for key in keys)
