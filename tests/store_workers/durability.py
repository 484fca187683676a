"""Answer as fast as possible until killed, logging every acknowledged answer.

    python durability.py DATABASE_URL LOG [SYNCHRONOUS]

After `store.answer` returns (the answer is "acknowledged": the respondent would now be told
it was saved) one JSON line with the session, the version it made, the key and what was
answered is appended to LOG, which is flushed and fsynced before the next answer. The parent
kills this process with SIGKILL and checks that every logged answer is in the store.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogkit.store import open_store
from store_workers.scripts import nps, reply_for


def main(url: str, log_path: str, synchronous: str | None = None) -> None:
    store = open_store(url, sqlite_synchronous=synchronous, migrate=False)
    script = nps()
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 (held until killed)

    def acknowledge(record: dict) -> None:
        log.write(json.dumps(record) + "\n")
        log.flush()
        os.fsync(log.fileno())

    n = 0
    while True:
        started = store.start_session(script, channel="web")
        session_id, step = started.session_id, started.step
        acknowledge({"session": session_id, "version": step.version, "kind": "started"})
        while step.prompt is not None:
            n += 1
            prompt = step.prompt
            value = reply_for(prompt, n)
            step = store.answer(session_id, value, expected_version=step.version)
            acknowledge({"session": session_id, "version": step.version, "key": prompt.key,
                         "kind": prompt.kind, "level": prompt.probe_level, "value": value})
            if n % 7 == 0:
                break  # leave some sessions half done


if __name__ == "__main__":
    main(*sys.argv[1:])
