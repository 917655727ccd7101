"""The high-voltage contraindications registered with screening: a pulse treatment is refused for
the clients the sources name, and galvanic-only screening is what it was."""

from __future__ import annotations

import itertools

import pytest

from dermaport.errors import SafetyError
from dermaport.safety import Outcome, screen
from dermaport.safety.modalities import modalities_of
from dermaport.safety.pulse_contraindications import PULSE_QUESTIONS
from dermaport.safety.screening import for_steps, require_for_steps, screen_for_steps
from tests.safety.helpers import OK_ANSWERS, TODAY, answers

PULSE_STEP = "electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min anode"
GALVANIC_STEP = "iontophoresis anode 0.2 mA/cm2 for 10 min ramp 30 s"
#: The pulse-only questions answered no.
PULSE_NO = {q.id: False for q in PULSE_QUESTIONS}
PULSES = ("electroporation",)


def test_the_ok_client_may_have_pulses_once_the_pulse_questions_are_answered() -> None:
    assert screen(answers(**PULSE_NO), today=TODAY, modalities=PULSES).verdict is Outcome.OK


def test_unanswered_pulse_questions_ask_before_pulses_and_change_nothing_for_galvanic() -> None:
    pulses = screen(OK_ANSWERS, today=TODAY, modalities=PULSES)
    assert pulses.verdict is Outcome.ASK
    asked = {f.question_id for f in pulses.findings if f.outcome is Outcome.ASK}
    assert asked == {q.id for q in PULSE_QUESTIONS}
    assert screen(OK_ANSWERS, today=TODAY).verdict is Outcome.OK


@pytest.mark.parametrize(
    ("change", "galvanic", "pulses"),
    [
        # stop for galvanic already, and for pulses (the same sources name them for stimulators)
        ({"pacemaker": True}, Outcome.STOP, Outcome.STOP),
        ({"epilepsy": True}, Outcome.STOP, Outcome.STOP),
        ({"pregnant": True}, Outcome.STOP, Outcome.STOP),
        ({"broken_skin": True}, Outcome.STOP, Outcome.STOP),
        ({"metal_implants": "in_treatment_area"}, Outcome.STOP, Outcome.STOP),
        # specific to high-voltage pulses: no galvanic rule, so the galvanic verdict is unchanged
        ({"implanted_device_other": True}, Outcome.OK, Outcome.CLEARANCE),
        ({"metal_in_face": True}, Outcome.OK, Outcome.STOP),
        ({"keloids": True}, Outcome.OK, Outcome.STOP),
        # stricter for pulses, where the sources say so
        ({"metal_implants": "elsewhere"}, None, Outcome.ADJUST),
        ({"excessive_dental_fillings": True}, None, Outcome.STOP),
    ],
)
def test_each_contraindication_refuses_pulses(
    change: dict[str, object], galvanic: Outcome | None, pulses: Outcome
) -> None:
    raw = answers(**{**PULSE_NO, **change})
    galvanic_only = screen(raw, today=TODAY)
    if galvanic is not None:
        assert galvanic_only.verdict is galvanic
    result = screen(raw, today=TODAY, modalities=PULSES)
    assert result.verdict is pulses
    assert result.verdict.rank >= galvanic_only.verdict.rank  # pulses never loosen a verdict
    finding = next(f for f in result.findings if f.question_id == next(iter(change)))
    assert finding.source  # every finding names its source
    if pulses is not Outcome.ADJUST:
        assert not result.may_treat


@pytest.mark.parametrize("values", list(itertools.product([False, True], repeat=len(PULSE_QUESTIONS))))
def test_pulse_answers_never_change_a_galvanic_verdict(values: tuple[bool, ...]) -> None:
    extra = dict(zip((q.id for q in PULSE_QUESTIONS), values, strict=True))
    for base in (OK_ANSWERS, answers(pacemaker=True), answers(metal_implants="elsewhere")):
        with_extra = screen({**base, **extra}, today=TODAY)
        without = screen(base, today=TODAY)
        assert (with_extra.verdict, with_extra.findings) == (without.verdict, without.findings)
        assert "modalities" not in with_extra.to_json()


def test_the_steps_decide_what_is_screened_for() -> None:
    assert modalities_of([GALVANIC_STEP, "cleanse", "mask"]) == ("galvanic",)
    assert modalities_of(["cleanse", PULSE_STEP, GALVANIC_STEP]) == ("galvanic", "electroporation")
    keloids = answers(**{**PULSE_NO, "keloids": True})
    assert screen_for_steps(keloids, today=TODAY, steps=[GALVANIC_STEP]).may_treat
    assert not screen_for_steps(keloids, today=TODAY, steps=[PULSE_STEP]).may_treat


def test_a_plan_with_a_pulse_step_is_refused_for_a_galvanic_screening_that_would_pass() -> None:
    galvanic = screen(answers(**{**PULSE_NO, "metal_in_face": True}), today=TODAY)
    assert galvanic.may_treat
    assert for_steps(galvanic, [GALVANIC_STEP]) is galvanic
    with pytest.raises(SafetyError, match="metal_in_face"):
        require_for_steps(galvanic, ["cleanse", PULSE_STEP])
    ok = require_for_steps(screen(answers(**PULSE_NO), today=TODAY), [PULSE_STEP])
    assert ok.modalities == ("galvanic", "electroporation")
    assert ok.to_json()["modalities"] == ["galvanic", "electroporation"]


def test_an_unknown_modality_fails_closed() -> None:
    with pytest.raises(SafetyError, match="no screening rules"):
        screen(OK_ANSWERS, today=TODAY, modalities=("ultrasound",))
