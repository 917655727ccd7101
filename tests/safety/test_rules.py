"""One test per screening rule, each naming the source text the rule follows."""

from __future__ import annotations

import pytest

from dermaport.safety import QUESTIONS, Outcome, screen
from dermaport.safety.rules import RULES
from tests.safety.helpers import OK_ANSWERS, TODAY, answers

# (question, answer, expected outcome, a piece of the source the finding must cite)
CASES = [
    ("pacemaker", True, "stop", "002_95aca6b301ee7872"),
    ("metal_implants", "in_treatment_area", "stop", "002_95aca6b301ee7872"),
    ("metal_implants", "elsewhere", "adjust", "manuals"),
    ("excessive_dental_fillings", True, "stop", "000_3cad60d9dcd5dc59"),
    ("epilepsy", True, "stop", "Hidrex"),
    ("heart_disease", True, "stop", "000_3cad60d9dcd5dc59"),
    ("pregnant", True, "stop", "004_52dcbaaadde21bde"),
    ("breastfeeding", True, "stop", "004_52dcbaaadde21bde"),
    ("cancer_treatment", True, "stop", "000_3cad60d9dcd5dc59"),
    ("diabetes_insulin", True, "clearance", "004_52dcbaaadde21bde"),
    ("coagulation_disorder", True, "stop", "004_52dcbaaadde21bde"),
    ("paralysis_history", True, "stop", "004_52dcbaaadde21bde"),
    ("reduced_sensation", True, "stop", "reduced sensation"),
    ("allergy_to_ingredients", True, "stop", "004_52dcbaaadde21bde"),
    ("urticaria", True, "stop", "004_52dcbaaadde21bde"),
    ("skin_condition_flare", True, "stop", "000_3cad60d9dcd5dc59"),
    ("skin_infection", True, "stop", "000_3cad60d9dcd5dc59"),
    ("eye_infection", True, "stop", "000_3cad60d9dcd5dc59"),
    ("broken_skin", True, "stop", "002_95aca6b301ee7872"),
    ("steroids", True, "stop", "000_3cad60d9dcd5dc59"),
    ("blood_thinners", "prescribed", "clearance", "004_52dcbaaadde21bde"),
    ("blood_thinners", "supplements_or_otc", "adjust", "004_52dcbaaadde21bde"),
    ("isotretinoin_last_dose", "2026-09-01", "defer", "000_3cad60d9dcd5dc59"),
    ("retinoid_or_vitamin_c_last_use", "2026-11-20", "defer", "004_52dcbaaadde21bde"),
    ("last_chemical_peel", "2026-11-14", "defer", "000_3cad60d9dcd5dc59"),
    ("last_laser", "2026-11-14", "defer", "001_0387932779845212"),
    ("last_microneedling", "2026-11-14", "defer", "001_0387932779845212"),
    ("last_microdermabrasion", "2026-11-18", "defer", "002_95aca6b301ee7872"),
    ("recent_scar", "2026-03-01", "defer", "scars under 12 months"),
    ("jewellery_removed", False, "adjust", "jewellery"),
    ("skin_sensitivity", "sensitive", "adjust", "000_3cad60d9dcd5dc59"),
    ("skin_sensitivity", "very_sensitive", "adjust", "gbo"),
    ("other_conditions", "multiple sclerosis", "clearance", "000_3cad60d9dcd5dc59"),
]


def _finding(raw: dict[str, object], qid: str) -> tuple[str, str, str]:
    result = screen(raw, today=TODAY)
    (finding,) = [f for f in result.findings if f.question_id == qid]
    return finding.outcome.value, finding.source, result.verdict.value


@pytest.mark.parametrize(("qid", "value", "expected", "source"), CASES, ids=[f"{c[0]}={c[1]}" for c in CASES])
def test_rule(qid: str, value: object, expected: str, source: str) -> None:
    outcome, cited, verdict = _finding(answers(**{qid: value}), qid)
    assert outcome == expected
    assert source in cited
    assert verdict == expected  # every other answer is ok, so this one decides


def test_every_rule_has_a_case_and_a_source() -> None:
    assert {rule.question_id for rule in RULES} <= {c[0] for c in CASES}
    for rule in RULES:
        assert rule.source


def test_ok_answers_screen_ok() -> None:
    result = screen(OK_ANSWERS, today=TODAY)
    assert result.verdict is Outcome.OK
    assert result.may_treat
    assert all(f.reason and f.source for f in result.findings)


def test_dental_fillings_do_not_matter_on_the_body() -> None:
    assert (
        _finding(answers(area="body", excessive_dental_fillings=True), "excessive_dental_fillings")[0] == "ok"
    )


def test_clearance_on_file_lets_treatment_go_on_as_adjust() -> None:
    result = screen(answers(diabetes_insulin=True, written_clearance=True), today=TODAY)
    assert result.verdict is Outcome.ADJUST
    assert any("clearance" in a for a in result.adjustments)


def test_questions_are_unique_and_cover_the_contract_kinds() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert {q.kind for q in QUESTIONS} == {"yes_no", "date", "choice", "text"}
    assert all(q.choices for q in QUESTIONS if q.kind == "choice")
