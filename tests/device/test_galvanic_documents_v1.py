"""Galvanic sessions' documents are version 1 byte for byte as before the pulse runner (commit 769c97c).

The digests are of the documents the runner emitted at 769c97c (before the runner was split into
a core and per-modality controllers) for the same scenarios on the fake clock, with the wall-clock
fields (``uid``, ``started_at``, ``stopped_at``) blanked. A change here changes what version-1
readers see: it needs a new schema version, not a new digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from dermaport.device import Fault
from tests.device._sim import STEP, run_session

SCENARIOS: dict[str, tuple[dict[str, Any], str]] = {
    "complete": ({}, "d4d35a47d586c860eb4b2563883ad5c45cd1e9e326057c6077ea594099860bf2"),
    "pause_resume": (
        {"actions": [(40.0, "pause"), (50.0, "resume")]},
        "2b24bbd93fc3c290644ab07e4de7ccd25a50a14b8b08df6fd132285a48c6d949",
    ),
    "stop": (
        {"actions": [(70.0, "stop")]},
        "ba1e3941083ea5279c16533f25656a8f07e6fbc8f625b7719d07403a91f5aae1",
    ),
    "two_steps": (
        {"steps": [STEP, "iontophoresis anode 1 mA for 2 min ramp 30 s"]},
        "1a1487c18331e2b83b2ef21cf38de5605b08f051303ed13553dadeade80f2755",
    ),
    "desincrustation": (
        {"steps": ["desincrustation 1 mA for 2 min ramp 30 s"]},
        "059e70f4b928ee879267c3e1a824aba35855b3eddb6f34ba345fef930a20f726",
    ),
    "contact-loss": (
        {"faults": [Fault("contact-loss", 60.0)]},
        "d81ccafceca70b861d3de8f2698787c39ff03aeeb367204e8496a34af64e6460",
    ),
    "compliance": (
        {"faults": [Fault("compliance", 60.0)]},
        "81e5676af851e6003595173891d497cf920c4708031127511988cc9d242e237f",
    ),
    "comm-loss": (
        {"faults": [Fault("comm-loss", 60.0)]},
        "07fe1b4d135c2fa59e16a11e708947c7640ef9525a92b64671e74bd2b1cfa79a",
    ),
    "device-reset": (
        {"faults": [Fault("device-reset", 60.0)]},
        "cf85d872d7d9c2374d51c0f462d780507b5b6c809af6a53777c79ae76defd2ed",
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_galvanic_sessions_documents_are_those_of_version_1_before_pulses(name: str) -> None:
    options, expected = SCENARIOS[name]
    documents = []
    for doc_name, body in run_session(**options).documents:
        blanked = {k: ("X" if k in ("uid", "started_at", "stopped_at") else v) for k, v in body.items()}
        documents.append([doc_name, blanked])
    text = json.dumps(documents, separators=(",", ":"), default=str)
    assert hashlib.sha256(text.encode()).hexdigest() == expected
