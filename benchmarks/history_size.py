"""How big a case's history grows while a note is typed, and what each save costs.

    python benchmarks/history_size.py                    # this tree against main's commit 874d869
    python benchmarks/history_size.py --before REV --saves 600 --length 1800

The fictional demo case is imported into a fresh store, then one step's notes are typed on: `--saves`
saves, one a second of the clock the history records (the chair's autosave while typing), the note
growing by even steps to `--length` characters, then the case is closed. For each tree of code it
prints the size of `cases/<id>.history` and its lines, the size of the case file, and the median and
95th percentile of one save. The code before is `git archive REV` unpacked in a temporary folder, and
both are measured in the same run, one after the other, each in a fresh Python process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TYPE_A_NOTE = r"""
import datetime as dt, json, statistics, sys, tempfile, time
from pathlib import Path
import meetings.storage.store as store_module
from meetings.domain.locations import data_dir
from meetings.storage.store import Store

saves, length = int(sys.argv[1]), int(sys.argv[2])
start = dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=dt.UTC)
clock = [start]
store_module.now_utc = lambda: clock[0].isoformat().replace("+00:00", "Z")  # one save a second
with tempfile.TemporaryDirectory() as folder:
    store = Store(Path(folder) / "store")
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    case_id = "DEMO-0001"
    took = []
    with store.open(case_id) as case_file:
        meeting = case_file.case.meetings[0]
        for n in range(1, saves + 1):
            clock[0] = start + dt.timedelta(seconds=n)
            meeting.steps[1].notes = ("Fictional note, typed on. " * (length // 26 + 1))[: length * n // saves]
            began = time.perf_counter()
            case_file.save(meeting)
            took.append(time.perf_counter() - began)
    history = store.history_path(case_id)
    took.sort()
    print(json.dumps({
        "history_bytes": history.stat().st_size,
        "history_lines": len(history.read_bytes().splitlines()),
        "case_file_bytes": store.case_path(case_id).stat().st_size,
        "save_median_ms": statistics.median(took) * 1000,
        "save_p95_ms": took[int(len(took) * 0.95)] * 1000,
        "last_text_kept": store.history(case_id)[-1].changes[-1].new == meeting.steps[1].notes,
    }))
"""


def measure(code: Path, saves: int, length: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run(
        [sys.executable, "-c", TYPE_A_NOTE, str(saves), str(length)],
        cwd=code, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="874d869", help="the commit to compare with (default: main's 874d869)")
    parser.add_argument("--saves", type=int, default=600)
    parser.add_argument("--length", type=int, default=1800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        before = Path(folder) / "before"
        before.mkdir()
        archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        print(f"{args.saves} saves, one a second, of a note growing to {args.length:,} characters")
        for name, code in ((f"before ({args.before})", before), ("after (this tree)", ROOT)):
            found = measure(code, args.saves, args.length)
            print(
                f"  {name:<22} history {found['history_bytes']:>11,} bytes in {found['history_lines']:>4} lines; "
                f"case file {found['case_file_bytes']:>8,} bytes; save median {found['save_median_ms']:.2f} ms, "
                f"p95 {found['save_p95_ms']:.2f} ms; last text in the history: {found['last_text_kept']}"
            )


if __name__ == "__main__":
    main()
