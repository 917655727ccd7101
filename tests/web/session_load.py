"""A recorded session on SQLite while 20 API clients sign in and write, served by ``dermaport serve``.

Used by ``tests/web/test_session_load.py`` (the session must complete) and
``benchmarks/bench_sessions.py`` (the loop period's p50/p99 under that load). The server runs
in its own process on the simulated device in real time, with the real argon2 password cost
(each sign-in holds the SQLite writer for the hash); the plan's one current step lasts 60 s.
"""

from __future__ import annotations

import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
from argon2 import PasswordHasher
from sqlalchemy import select

from dermaport.config import load_settings
from dermaport.planning.standin import StandInPredictor
from dermaport.records import accounts
from dermaport.records.access import Actor
from dermaport.records.bookings import add_lot, add_product
from dermaport.records.clients import create_client
from dermaport.records.clinical import add_consent, add_patch_test, add_screening
from dermaport.records.database import open_database
from dermaport.records.engine import make_engine
from dermaport.records.migrate import upgrade
from dermaport.records.models import SessionDocument, utcnow
from dermaport.records.schemas import ConsentIn, ContactIn, LotIn, PatchTestIn, ProductIn, ScreeningIn
from dermaport.sessions import PlanIn, create_plan
from tests.safety.helpers import OK_ANSWERS

__all__ = ["LoadResult", "run_session_under_load"]

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LoadResult:
    """How the session ended, its loop periods (s), and what the API clients did."""

    status: str
    reason: str
    periods_s: list[float]
    readings: int
    contiguous: bool
    requests: int
    errors: int

    def percentile(self, q: float) -> float:
        """The ``q`` quantile (0–1) of the loop period, s."""
        ordered = sorted(self.periods_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> str:
        """One line of figures."""
        return (
            f"{self.status}: {self.readings} readings, loop period p50 {self.percentile(0.5) * 1e3:.2f} ms, "
            f"p99 {self.percentile(0.99) * 1e3:.2f} ms, max {max(self.periods_s) * 1e3:.2f} ms, mean "
            f"{statistics.fmean(self.periods_s) * 1e3:.3f} ms; {self.requests} API requests, "
            f"{self.errors} errors"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _prepare(url: str, data_dir: Path, users: int) -> tuple[int, int, int, int]:
    """Users (real argon2 cost), a client ready for a 60 s session, another to write on."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    hasher, accounts._hasher = accounts._hasher, PasswordHasher()  # the real cost, as a clinic has it
    database = open_database(load_settings({"DERMAPORT_DATA_DIR": str(data_dir)}), url)
    try:
        with database.transaction() as db:
            pia = accounts.add_user(db, "bench", username="pia", role="practitioner", password=PASSWORD)
            for i in range(users):
                accounts.add_user(db, "bench", username=f"user{i}", role="practitioner", password=PASSWORD)
        actor = Actor(username="pia", role="practitioner", clinic_id=pia.clinic_id, user_id=pia.id)
        with database.transaction() as db:
            client = create_client(db, actor, ContactIn(given_name="Ana", family_name="Silva")).id
            other = create_client(db, actor, ContactIn(given_name="Bo", family_name="Li")).id
            add_screening(db, actor, client, ScreeningIn(answers=dict(OK_ANSWERS)))
            add_consent(
                db,
                actor,
                client,
                ConsentIn(form="iontophoresis", form_version="1", text="I agree", signature="A S"),
            )
            product = add_product(
                db,
                actor,
                ProductIn(name="sap-ampoule", active="sodium ascorbyl phosphate", concentration="3 %"),
            )
            lot = add_lot(
                db,
                actor,
                product.id,
                LotIn(lot_number="L1", expires_on=utcnow().date() + timedelta(days=300)),
            )
            add_patch_test(
                db,
                actor,
                client,
                PatchTestIn(
                    site="neck",
                    lot_id=lot.id,
                    result="negative",
                    applied_at=utcnow() - timedelta(hours=30),
                    read_at=utcnow(),
                ),
            )
        plan = create_plan(
            database,
            actor,
            client,
            PlanIn(concern="hydration", area="face", product="sap-ampoule", target="0.5 ug/cm2 total"),
            predictor=StandInPredictor(),
        )
        return client, other, int(plan["id"]), lot.id
    finally:
        accounts._hasher = hasher
        database.dispose()


def _serve(url: str, data_dir: Path, port: int, niceness: int | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(data_dir), "DERMAPORT_LOG_LEVEL": "WARNING"}
    argv = ([] if niceness is None else ["nice", "-n", str(niceness)]) + [
        sys.executable,
        "-c",
        "import sys; from dermaport.cli import main; sys.exit(main(sys.argv[1:]))",
        "serve",
        "--port",
        str(port),
        "--database-url",
        url,
    ]
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def run_session_under_load(
    folder: Path, *, clients: int = 20, server_niceness: int | None = None
) -> LoadResult:
    """Serve a SQLite file, start the 60 s session, and have ``clients`` users sign in and write meanwhile.

    ``server_niceness`` runs the server under ``nice -n N`` (a negative N needs the privilege):
    on a machine shared with other work, the share of processor the host gives the server.
    """
    url = f"sqlite:///{folder / 'records.sqlite3'}"
    data_dir = folder / "data"
    client_id, other_id, plan_id, lot_id = _prepare(url, data_dir, clients)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _serve(url, data_dir, port, server_niceness)
    done = threading.Event()
    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()

    def user(i: int) -> None:
        # the load generator stands for other machines: it must not take the server's processor
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
        with httpx2.Client(base_url=base, timeout=60) as http:
            while not done.is_set():
                try:
                    token = http.post("/api/login", json={"username": f"user{i}", "password": PASSWORD})
                    token.raise_for_status()
                    h = {"Authorization": f"Bearer {token.json()['token']}"}
                    note = http.post(f"/api/clients/{other_id}/notes", json={"text": f"note {i}"}, headers=h)
                    note.raise_for_status()
                    http.get(f"/api/clients/{other_id}/record", headers=h).raise_for_status()
                    http.post("/api/logout", headers=h)
                    ok = 4
                    failed = 0
                except httpx2.HTTPError:
                    ok, failed = 0, 1
                with lock:
                    counts["requests"] += ok
                    counts["errors"] += failed

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(clients)]
    try:
        with httpx2.Client(base_url=base, timeout=60) as http:
            login = http.post("/api/login", json={"username": "pia", "password": PASSWORD})
            login.raise_for_status()
            h = {"Authorization": f"Bearer {login.json()['token']}"}
            for t in threads:
                t.start()
            time.sleep(2.0)  # the load is on before the session starts
            started = http.post(
                f"/api/clients/{client_id}/sessions", json={"plan_id": plan_id, "lot_id": lot_id}, headers=h
            )
            if started.status_code != 201:
                raise RuntimeError(f"the session did not start: {started.status_code} {started.text}")
            session_id = started.json()["id"]
            deadline = time.monotonic() + 300
            session: dict[str, Any] = {}
            while time.monotonic() < deadline:
                time.sleep(0.5)
                got = http.get(f"/api/clients/{client_id}/sessions/{session_id}", headers=h)
                if got.status_code == 200:
                    session = got.json()
                    if session["status"] not in ("running", "paused"):
                        break
    finally:
        done.set()
        for t in threads:
            t.join(60)
        process.terminate()
        process.wait(30)
    database = open_database(load_settings({"DERMAPORT_DATA_DIR": str(data_dir)}), url)
    try:
        with database.transaction() as db:
            docs = db.execute(
                select(SessionDocument.seq, SessionDocument.name, SessionDocument.time_s)
                .where(SessionDocument.session_id == session_id)
                .order_by(SessionDocument.seq)
            ).all()
    finally:
        database.dispose()
    times = [t for _, name, t in docs if name == "reading" and t is not None]
    return LoadResult(
        status=str(session.get("status")),
        reason=str(session.get("reason")),
        periods_s=[b - a for a, b in itertools.pairwise(times)],
        readings=len(times),
        contiguous=[seq for seq, _, _ in docs] == list(range(len(docs))),
        requests=counts["requests"],
        errors=counts["errors"],
    )
