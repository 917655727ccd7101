"""The session loop's period on SQLite while 20 API clients sign in and write (p50/p99).

Serves a fresh SQLite file with ``dermaport serve`` (the simulated device in real time), starts
a 60 s session through the API and has 20 users sign in (real argon2 cost), write a note and
read a record in a loop for its whole length; then reads the stored readings and prints the
loop period's p50, p99 and maximum (the runner's clock: seconds between two readings).

    .venv/bin/python benchmarks/bench_sessions.py [--clients 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.session_load import run_session_under_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--server-nice", type=int, default=None, help="run the server under nice -n N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = run_session_under_load(Path(folder), clients=args.clients, server_niceness=args.server_nice)
    nice = "" if args.server_nice is None else f" (server at nice {args.server_nice})"
    print(f"SQLite, {args.clients} API clients signing in and writing{nice}: {result.summary()}")
    if result.status != "complete":
        print(f"reason: {result.reason}")


if __name__ == "__main__":
    main()
