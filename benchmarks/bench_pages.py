"""Page latency: the client list, a client's page and a session's page, 20 signed-in users at once.

Run: .venv/bin/python benchmarks/bench_pages.py [--seconds 10] [--concurrency 20] [--clients 200]

Prepares a demo database (``dermaport serve --demo``'s: the owner, sample clients, products, lots
and two recorded sessions) in a temporary folder, adds ``--clients`` more clients and one
practitioner account per user, serves it with ``dermaport serve`` in its own process (SQLite),
signs every user in through the login form, and has each fetch the three pages in turn (the
list, a client's page with the whole history, the session screen of a recorded session) for
``--seconds``. Every page read appends to the audit chain (group-committed after a read-only
unit of work, as the API's GETs). Prints the
requests per second and the 50th/95th/99th percentiles per page (goal: p95 ≤ 100 ms), with the
machine's load: machines are shared and noisy, compare within a run.

Before that, the processor time per page of one user in this process (``--sequential``
requests of each page in turn, through the same app over an in-memory ASGI transport, after a
warm-up): the figure the concurrent latency is made of (each page's latency at 20 users is
about the cycle's processor time × 20 on one core), and far less noisy on a shared machine.
``/health`` is measured too: what the transport, the middleware and routing cost alone.
``--sequential 0`` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from dermaport.config import load_settings
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.clients import create_client
from dermaport.records.models import TreatmentSession, User
from dermaport.records.schemas import ContactIn
from dermaport.web.demo import OWNER, prepare

PASSWORD = "benchmark password 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(data_dir: Path, url: str, *, clients: int, users: int) -> tuple[list[int], list[tuple[int, int]]]:
    """The demo database, more clients, ``users`` practitioners; (client ids, (client, session) pairs)."""
    settings = load_settings({"DERMAPORT_DATA_DIR": str(data_dir)})
    prepared = prepare(settings, url, demo=True, owner_password=PASSWORD)
    database = prepared.database
    try:
        with database.transaction() as db:
            owner = db.query(User).filter_by(username=OWNER).one()
            actor = Actor(username=OWNER, role="owner", clinic_id=owner.clinic_id, user_id=owner.id)
            for i in range(users):
                add_user(db, actor, username=f"bench{i}", role="practitioner", password=PASSWORD)
            ids = [
                create_client(db, actor, ContactIn(given_name=f"Given{i}", family_name=f"Family{i}")).id
                for i in range(clients)
            ]
            sessions = [(s.client_id, s.id) for s in db.query(TreatmentSession).all()]
    finally:
        database.dispose()
    return ids, sessions


def cpu_seconds(pid: int) -> float | None:
    """The processor time (user + system, s) the process ``pid`` has used so far (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DERMAPORT_DATA_DIR": str(data_dir), "DERMAPORT_LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "dermaport.cli.main", "serve", "--port", str(port), "--database-url", url]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx2.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


async def sign_in(base: str, username: str) -> httpx2.AsyncClient:
    client = httpx2.AsyncClient(base_url=base, timeout=60, headers={"Origin": base})
    answer = await client.post("/login", data={"username": username, "password": PASSWORD})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in as {username} answered {answer.status_code}")
    return client


async def load(
    base: str, ids: list[int], sessions: list[tuple[int, int]], *, seconds: float, users: int, pid: int
) -> tuple[dict[str, list[float]], float | None]:
    """Each page's latencies (s), and the server's processor time (s) while the users fetched them."""
    clients = [await sign_in(base, f"bench{i}") for i in range(users)]
    timings: dict[str, list[float]] = {"client list": [], "client page": [], "session page": []}
    deadline = time.perf_counter() + seconds
    cpu_before = cpu_seconds(pid)

    async def user(client: httpx2.AsyncClient, seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            with_sessions, session_id = rng.choice(sessions)
            for kind, path in (
                ("client list", "/clients"),
                ("client page", f"/clients/{rng.choice([*ids, with_sessions])}"),
                ("session page", f"/clients/{with_sessions}/sessions/{session_id}"),
            ):
                start = time.perf_counter()
                answer = await client.get(path)
                timings[kind].append(time.perf_counter() - start)
                if answer.status_code != 200:
                    raise SystemExit(f"GET {path} answered {answer.status_code}")

    try:
        await asyncio.gather(*(user(c, i) for i, c in enumerate(clients)))
        cpu_after = cpu_seconds(pid)
    finally:
        for c in clients:
            await c.aclose()
    used = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return timings, used


def cpu_per_page(
    url: str, data_dir: Path, ids: list[int], sessions: list[tuple[int, int]], *, count: int
) -> dict[str, tuple[float, float]]:
    """Processor and wall time per request (ms) of each page: one user, ``count`` of each, in process."""
    from dermaport.records.database import open_database
    from dermaport.web import create_app

    settings = load_settings({"DERMAPORT_DATA_DIR": str(data_dir)})
    database = open_database(settings, url)
    app = create_app(settings, database=database)
    with_sessions, session_id = sessions[0]
    paths = {
        "health": ["/health"],
        "client list": ["/clients"],
        "client page": [f"/clients/{i}" for i in [*ids[:20], with_sessions]],
        "session page": [f"/clients/{with_sessions}/sessions/{session_id}"],
    }

    async def run() -> dict[str, tuple[float, float]]:
        transport = httpx2.ASGITransport(app=app)
        base = "http://127.0.0.1"
        async with httpx2.AsyncClient(transport=transport, base_url=base, headers={"Origin": base}) as client:
            answer = await client.post("/login", data={"username": "bench0", "password": PASSWORD})
            if answer.status_code != 303:
                raise SystemExit(f"sign-in answered {answer.status_code}")
            out: dict[str, tuple[float, float]] = {}
            for kind, choices in paths.items():
                for n in range(count // 10 + count):
                    if n == count // 10:  # after the warm-up
                        cpu, wall = time.process_time(), time.perf_counter()
                    answer = await client.get(choices[n % len(choices)])
                    if answer.status_code != 200:
                        raise SystemExit(f"GET {choices[n % len(choices)]} answered {answer.status_code}")
                out[kind] = (
                    (time.process_time() - cpu) / count * 1000,
                    (time.perf_counter() - wall) / count * 1000,
                )
            return out

    try:
        return asyncio.run(run())
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sequential", type=int, default=200, help="requests per page, one user, in process")
    parser.add_argument(
        "--client-nice",
        type=int,
        default=0,
        help="run the load's 20 users at nice N (they stand for tablets, other machines; e.g. 15)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = f"sqlite:///{data_dir / 'records.sqlite3'}"
        ids, sessions = fill(data_dir, url, clients=args.clients, users=args.concurrency)
        if args.sequential > 0:
            load_before = os.getloadavg()[0]
            per_page = cpu_per_page(url, data_dir, ids, sessions, count=args.sequential)
            print(
                f"one user in process, {args.sequential} requests each (load average {load_before:.2f}, "
                f"{os.getloadavg()[0]:.2f} after):"
            )
            for kind, (cpu_ms, wall_ms) in per_page.items():
                print(f"  {kind:13s} CPU {cpu_ms:6.2f} ms/page  wall {wall_ms:6.2f} ms/page")
        port = free_port()
        server = serve(url, data_dir, port)
        if args.client_nice:
            os.setpriority(os.PRIO_PROCESS, 0, args.client_nice)  # this process's load, not the server
        try:
            before = os.getloadavg()
            timings, used = asyncio.run(
                load(
                    f"http://127.0.0.1:{port}",
                    ids,
                    sessions,
                    seconds=args.seconds,
                    users=args.concurrency,
                    pid=server.pid,
                )
            )
            after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(30)
    total = sum(len(t) for t in timings.values())
    print(
        f"SQLite, {args.concurrency} signed-in users, {args.seconds:g} s: {total / args.seconds:.0f} pages/s"
    )
    print(f"load average (1 min) before {before[0]:.2f}, after {after[0]:.2f} on {os.cpu_count()} processors")
    if used is not None and total:
        print(
            f"server process: {used / args.seconds * 100:.0f} % of a processor, "
            f"{used / total * 1000:.2f} ms of processor time per page served (the three pages' mean)"
        )
    for kind, values in timings.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))] * 1000
        p99 = values[min(len(values) - 1, int(0.99 * len(values)))] * 1000
        print(
            f"  {kind:13s} n={len(values):5d}  p50 {statistics.median(values) * 1000:6.1f} ms  "
            f"p95 {p95:6.1f} ms  p99 {p99:6.1f} ms"
        )


if __name__ == "__main__":
    main()
