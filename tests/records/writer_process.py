"""A stand-in for the server during a session: records documents and acknowledges each commit.

Run as ``python -m tests.records.writer_process URL DATA_DIR CLIENT_ID USER_ID CLINIC_ID UID``;
it prints ``ack N`` after reading N is committed, forever, until it is killed.
"""

from __future__ import annotations

import sys
import time

from dermaport.config import load_settings
from dermaport.records.access import Actor
from dermaport.records.database import open_database
from dermaport.records.documents import SessionRecorder


def main() -> None:
    url, data_dir, client_id, user_id, clinic_id, uid = sys.argv[1:7]
    database = open_database(load_settings({"DERMAPORT_DATA_DIR": data_dir}), url)
    actor = Actor(
        username="practitioner", role="practitioner", clinic_id=int(clinic_id), user_id=int(user_id)
    )
    recorder = SessionRecorder(database, actor)
    recorder(
        "start",
        {
            "uid": uid,
            "client_id": int(client_id),
            "plan": {"step": "iontophoresis cathode 0.3 mA/cm2 for 6 min"},
            "device": {"serial": "SIM-0001", "model": "simulated"},
            "limits": {"current_mA_max": 4.0},
        },
    )
    sys.stdout.write("started\n")
    sys.stdout.flush()
    n = 0
    while True:
        n += 1
        recorder(
            "reading",
            {
                "time_s": n * 0.1,
                "current_mA": 1.5,
                "voltage_V": 12.0,
                "impedance_ohm": 8000.0,
                "charge_mA_min": n * 0.0025,
            },
        )
        sys.stdout.write(f"ack {n}\n")
        sys.stdout.flush()
        time.sleep(0.002)


if __name__ == "__main__":
    main()
