"""API throughput and latency: whole-record reads, and a mixed front-desk load, 20 clients at once.

Run: .venv/bin/python benchmarks/bench_records.py [--seconds S] [--concurrency 20] [--clients 200]
     [--mixed]   # reads and writes mixed, reported apart (the issue-13 load; goal p95 ≤ 50/150 ms)
     [--database sqlite|postgresql|both]

For SQLite (a file in a temporary folder) and PostgreSQL (a temporary database on
DERMAPORT_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres) it
migrates, fills in clients with a screening, a consent, notes and a recorded session, serves
the API with ``dermaport serve`` in its own process, signs in as a practitioner, and has
``--concurrency`` clients each fetch GET /api/clients/{id}/record in a loop. Every read appends
to the audit chain, so each request is also a write. Prints requests per second and the
50th, 95th and 99th latency percentiles. Machines are shared and noisy: compare within a run.

With ``--mixed`` each client picks, at random, a read (60 %: a client's contact details, their
record, their appointments, a search ``?q=``) or a write (40 %: a note, a phone number, an
appointment, a session outcome); reads and writes are reported apart. Logins are not timed.
It runs 60 s per database by default (10 s without ``--mixed``). The machine's load average
(``/proc/loadavg``) is printed before and after each database's run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from dermaport.config import load_settings
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.clients import create_client
from dermaport.records.clinical import add_consent, add_note, add_screening
from dermaport.records.database import open_database
from dermaport.records.documents import SessionRecorder
from dermaport.records.engine import make_engine
from dermaport.records.migrate import upgrade
from dermaport.records.schemas import ConsentIn, ContactIn, NoteIn, ScreeningIn

PASSWORD = "benchmark password 1"
POSTGRES = os.environ.get("DERMAPORT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'records.sqlite3'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"dermaport_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fill(url: str, data_dir: Path, clients: int) -> list[int]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    database = open_database(load_settings({"DERMAPORT_DATA_DIR": str(data_dir)}), url)
    with database.transaction() as db:
        user = add_user(db, "bench", username="pia", role="practitioner", password=PASSWORD)

        actor = Actor(username="pia", role="practitioner", clinic_id=user.clinic_id, user_id=user.id)
    ids = []
    for i in range(clients):
        with database.transaction() as db:
            client = create_client(
                db, actor, ContactIn(given_name="Client", family_name=f"No. {i}", phone="+1 555 0100")
            )
            add_screening(
                db,
                actor,
                client.id,
                ScreeningIn(answers={"pregnant": False}),
            )
            add_consent(
                db,
                actor,
                client.id,
                ConsentIn(form="ionto", form_version="3", text="I consent." * 20, signature="x"),
            )
            for n in range(3):
                add_note(
                    db, actor, client.id, NoteIn(text=f"Session note {n}: tolerated well, mild erythema.")
                )
        recorder = SessionRecorder(database, actor)
        recorder(
            "start",
            {
                "uid": f"s{i}",
                "client_id": client.id,
                "plan": {},
                "device": {"serial": f"SIM-{i}"},
                "limits": {},
            },
        )
        for t in range(5):
            recorder("reading", {"time_s": t, "current_mA": 1.0, "voltage_V": 9.0, "charge_mA_min": t / 60})
        recorder("stop", {"status": "complete"})
        ids.append(client.id)
    database.dispose()
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def mixed_request(
    client: httpx2.AsyncClient, rng: random.Random, ids: list[int], headers: dict[str, str]
) -> tuple[str, httpx2.Response]:
    """One request of the mixed load: ("read" or "write", its answer)."""
    cid = rng.choice(ids)
    roll = rng.random()
    if roll < 0.15:
        return "read", await client.get(f"/api/clients/{cid}", headers=headers)
    if roll < 0.35:
        return "read", await client.get(f"/api/clients/{cid}/record", headers=headers)
    if roll < 0.45:
        return "read", await client.get(f"/api/clients/{cid}/appointments", headers=headers)
    if roll < 0.60:
        return "read", await client.get(
            "/api/clients", params={"q": f"No. {rng.randrange(50)}"}, headers=headers
        )
    if roll < 0.75:
        return "write", await client.post(
            f"/api/clients/{cid}/notes",
            json={"text": "Tolerated well; mild erythema settled."},
            headers=headers,
        )
    if roll < 0.85:
        phone = f"+1 555 {rng.randrange(10**6):06d}"
        return "write", await client.patch(f"/api/clients/{cid}", json={"phone": phone}, headers=headers)
    if roll < 0.95:
        day = rng.randrange(2, 300)
        starts = (datetime.now(UTC) + timedelta(days=day, minutes=rng.randrange(600))).isoformat()
        return "write", await client.post(
            f"/api/clients/{cid}/appointments",
            json={"starts_at": starts, "duration_min": 30},
            headers=headers,
        )
    return "write", await client.put(
        f"/api/clients/{cid}/sessions/{cid}/outcome", json={"outcome": "Even tone at 24 h."}, headers=headers
    )


async def load_mixed(
    base: str, ids: list[int], *, seconds: float, concurrency: int
) -> tuple[dict[str, list[float]], int]:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        login = await client.post("/api/login", json={"username": "pia", "password": PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        latencies: dict[str, list[float]] = {"read": [], "write": []}
        errors = 0
        warm_until = time.perf_counter() + 1.0
        stop_at = warm_until + seconds

        async def worker() -> None:
            nonlocal errors
            rng = random.Random()
            while (now := time.perf_counter()) < stop_at:
                kind, response = await mixed_request(client, rng, ids, headers)
                if response.status_code >= 300:
                    errors += 1
                elif now >= warm_until:
                    latencies[kind].append(time.perf_counter() - now)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


async def load(base: str, ids: list[int], *, seconds: float, concurrency: int) -> tuple[list[float], int]:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        login = await client.post("/api/login", json={"username": "pia", "password": PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        latencies: list[float] = []
        errors = 0
        warm_until = time.perf_counter() + 1.0
        stop_at = warm_until + seconds

        async def worker() -> None:
            nonlocal errors
            rng = random.Random()
            while (now := time.perf_counter()) < stop_at:
                response = await client.get(f"/api/clients/{rng.choice(ids)}/record", headers=headers)
                if response.status_code != 200:
                    errors += 1
                elif now >= warm_until:
                    latencies.append(time.perf_counter() - now)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def serve(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(data_dir), "DERMAPORT_LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "dermaport.cli.main", "serve", "--port", str(port), "--database-url", url]
    process = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def load_average() -> str:
    """The machine's 1, 5 and 15 min load averages (Linux), for printing beside the figures."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def run(name: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    ids = fill(url, data_dir, args.clients)
    port = free_port()
    before = load_average()
    process = serve(url, data_dir, port)
    try:
        if args.mixed:
            mixed, errors = asyncio.run(
                load_mixed(
                    f"http://127.0.0.1:{port}", ids, seconds=args.seconds, concurrency=args.concurrency
                )
            )
        else:
            latencies, errors = asyncio.run(
                load(f"http://127.0.0.1:{port}", ids, seconds=args.seconds, concurrency=args.concurrency)
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    loads = f"load average {before} before, {load_average()} after"
    if args.mixed:
        total = sum(len(v) for v in mixed.values())
        print(f"{name:<11} {total / args.seconds:8.1f} req/s   errors {errors}   ({loads})")
        for kind, values in mixed.items():
            q = statistics.quantiles(values, n=100)
            print(
                f"  {kind + 's':<9} {len(values) / args.seconds:8.1f} req/s   p50 {q[49] * 1e3:6.1f} ms   "
                f"p95 {q[94] * 1e3:6.1f} ms   p99 {q[98] * 1e3:6.1f} ms"
            )
        return
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<11} {len(latencies) / args.seconds:8.1f} req/s   p50 {q[49] * 1e3:6.1f} ms   "
        f"p95 {q[94] * 1e3:6.1f} ms   p99 {q[98] * 1e3:6.1f} ms   errors {errors}   ({loads})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, help="timed seconds per database (60 mixed, else 10)")
    parser.add_argument("--concurrency", type=int, default=20, help="clients sending requests at once")
    parser.add_argument("--clients", type=int, default=200, help="clients on file")
    parser.add_argument("--mixed", action="store_true", help="reads and writes mixed, reported apart")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 60.0 if args.mixed else 10.0
    what = "mixed reads and writes" if args.mixed else "GET /api/clients/ID/record"
    print(
        f"{what}, {args.concurrency} concurrent clients, {args.seconds:g} s, "
        f"{args.clients} clients on file (one server process, audited reads)"
    )
    with tempfile.TemporaryDirectory() as folder:
        if args.database in ("sqlite", "both"):
            with sqlite_database(Path(folder)) as url:
                run("SQLite", url, Path(folder) / "sqlite-data", args)
        if args.database == "sqlite":
            return
        try:
            with postgres_database() as url:
                run("PostgreSQL", url, Path(folder) / "pg-data", args)
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL  skipped: no server at {POSTGRES} ({str(exc).strip().splitlines()[0]})")


if __name__ == "__main__":
    main()
