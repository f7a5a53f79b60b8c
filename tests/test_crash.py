"""A process killed at any moment while saving leaves a case file that opens and holds its last save."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from meetings.domain.locations import data_dir
from meetings.storage.store import Store

CASE = "DEMO-0001"
SAVER = """
import dataclasses, sys
from pathlib import Path
from meetings.storage.store import Store

store = Store(Path(sys.argv[1]))
number = int(sys.argv[2])
with store.open("DEMO-0001") as case_file:
    action = case_file.case.actions[0]
    print("ready", flush=True)
    while True:
        number += 1
        action = dataclasses.replace(action, evidence=f"save {number}")
        case_file.save(action)
        print(number, flush=True)
"""


def _saved_number(store: Store) -> int:
    with store.open(CASE, read_only=True) as case_file:
        evidence = case_file.case.actions[0].evidence
    return int(evidence.removeprefix("save ")) if evidence.startswith("save ") else 0


def _run_and_kill(store: Store, start: int, rng: random.Random) -> int | None:
    """Start a saver, kill it with SIGKILL at a random moment; the last number it printed."""
    child = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(store.root), str(start)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())
            ready.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert ready.wait(30), "the saver did not start"
    time.sleep(rng.uniform(0, 0.06))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reader.join()
    assert child.returncode == -signal.SIGKILL
    numbers = [int(line) for line in lines if line != "ready"]
    return numbers[-1] if numbers else None


def test_a_case_survives_sigkill_at_random_moments_with_its_last_save(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    rng = random.Random(2026)
    on_disk = 0
    saves_seen = 0
    for _ in range(30):
        printed = _run_and_kill(store, on_disk, rng)
        last_returned = printed if printed is not None else on_disk
        saves_seen += 0 if printed is None else printed - on_disk
        on_disk = _saved_number(store)  # opens, parses and checks the whole case, or raises
        assert last_returned <= on_disk <= last_returned + 1
    assert saves_seen > 30, "the saver was killed before it saved anything, too often to test much"
    # The case still opens for editing (no stale lock), and the killed savers' leftovers are gone.
    with store.open(CASE) as case_file:
        assert case_file.case.actions[0].evidence == f"save {on_disk}"
    assert not [p.name for p in store.cases_dir.iterdir() if p.name.endswith((".tmp", ".new"))]
