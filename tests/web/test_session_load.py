"""A session on SQLite completes while 20 API clients sign in and write for its whole length.

About 70 s (the session's 60 s current step runs in real time). The loop period's figures are
printed by ``benchmarks/bench_sessions.py``; nothing here times anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.session_load import run_session_under_load

# A real-time session needs the processor every 50 ms: on a development machine shared with
# other work (load ≫ cores) the loop is late even without any API client, and the runner fails
# the session, as it must. CI runs it; elsewhere set DERMAPORT_LOAD_TEST=1.
pytestmark = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("DERMAPORT_LOAD_TEST")),
    reason="real-time load test: runs under CI, or with DERMAPORT_LOAD_TEST=1",
)


def test_a_session_completes_under_20_api_clients_signing_in_and_writing(tmp_path: Path) -> None:
    result = run_session_under_load(tmp_path, clients=20)
    assert result.status == "complete", result.reason
    assert result.contiguous  # every document the runner emitted is stored, in order
    assert result.readings > 1000  # 60 s of current and its contact check at 20 Hz
    assert result.requests > 0
