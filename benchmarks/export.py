"""How long the Word exports take: typical minutes, and a 2,000-entry chronology.

    .venv/bin/python benchmarks/export.py [--runs 15]

Prints the median of several runs of each export (building, saving and writing the .docx) beside
a baseline measured in the same run: python-docx opening the Word template and saving it, the
least any export from the template can cost. For scale it also builds the same chronology with
python-docx's naive `table.add_row().cells` loop. All data is synthetic and fictional. Targets:
minutes within 0.3 s, chronology of 2,000 entries within 0.15 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetings.domain.agenda import load_agenda  # noqa: E402
from meetings.domain.records import (  # noqa: E402
    Action,
    ActionType,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    ChronologyEntry,
    CopyType,
    Impact,
    Meeting,
    PlanCategory,
    Scaling,
)
from meetings.domain.settings import Settings  # noqa: E402
from meetings.exports.chronology import write_chronology  # noqa: E402
from meetings.exports.minutes import write_minutes  # noqa: E402
from meetings.exports.wordfile import template_path  # noqa: E402

NOTE = ("Fictional note for the benchmark: the visit went as planned and the child was seen. " * 6).strip()


def synthetic_case(chronology: int = 0) -> Case:
    day = dt.date(2026, 3, 5)
    steps = load_agenda().new_steps()
    for step in steps:
        step.notes = f"{NOTE}\n{NOTE}"
    meeting = Meeting(
        number=1,
        date=day,
        venue="Sample Family Centre (fictional)",
        chair="Alex Chair (fictional)",
        minute_taker="Robin Minutes (fictional)",
        attendees=[
            Attendee(
                name=f"Attendee {i} (fictional)",
                role="Practitioner",
                agency=f"Sample Agency {i % 6}",
                status=AttendanceStatus.ATTENDED,
                mode=AttendanceMode.IN_PERSON,
            )
            for i in range(15)
        ],
        steps=steps,
        scaling=[Scaling(name=f"Attendee {i} (fictional)", score=i % 11, reason="Fictional reason.") for i in range(6)],
        decisions=NOTE,
        contingency_plan=NOTE,
    )
    actions = [
        Action(
            number=i,
            text=f"Fictional SMART action {i}: {NOTE[:160]}",
            outcome="The child is safe (fictional)",
            owner="Alex Chair (fictional)",
            agency="Sample Agency",
            raised_at=1,
            due=day + dt.timedelta(days=i),
            type=ActionType.PARENTING_ASSESSMENT if i % 10 == 0 else ActionType.VISIT,
            times_carried_forward=i % 3,
        )
        for i in range(1, 41)
    ]
    entries = [
        ChronologyEntry(
            id=i,
            date=dt.date(2019, 1, 1) + dt.timedelta(days=i),
            source=f"Sample Agency {i % 9} (fictional)",
            event=f"Fictional event {i}: {NOTE[:120]}",
            impact=Impact.NEGATIVE if i % 4 == 0 else Impact.NEUTRAL,
            action_taken="Fictional follow-up.",
            recorded_by="Robin Minutes (fictional)",
            recorded_on=dt.date(2026, 1, 1),
        )
        for i in range(1, chronology + 1)
    ]
    return Case(
        id="BENCH-1",
        children=[Child(id=1, name="Sample Child (fictional)", date_of_birth=dt.date(2025, 1, 1))],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=dt.date(2026, 1, 15),
        meetings=[meeting],
        actions=actions,
        chronology=entries,
        lead_social_worker="Alex Chair (fictional)",
    )


def naive_chronology(case: Case, out: Path) -> None:
    """The slow way, for comparison: python-docx's add_row per entry."""
    document = docx.Document(str(template_path(Settings())))
    table = document.add_table(rows=1, cols=6)
    for cell, heading in zip(
        table.rows[0].cells, ("Date", "Source", "What happened", "Impact", "Action", "Recorded by"), strict=True
    ):
        cell.text = heading
    for e in case.chronology:
        cells = table.add_row().cells
        cells[0].text = e.date.isoformat()
        cells[1].text = e.source
        cells[2].text = e.event
        cells[3].text = e.impact.value
        cells[4].text = e.action_taken
        cells[5].text = e.recorded_by
    buffer = io.BytesIO()
    document.save(buffer)
    out.write_bytes(buffer.getvalue())


def template_open_and_save(settings: Settings, out: Path) -> None:
    """The baseline: python-docx opens the Word template and saves it, unchanged."""
    docx.Document(str(template_path(settings))).save(str(out))


def median_seconds(run: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--naive-runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    minutes_case = synthetic_case()
    chronology_case = synthetic_case(chronology=2_000)
    print(f"machine: {os.cpu_count()} cpus ({len(os.sched_getaffinity(0))} usable), {cpu_model()}")
    print(
        f"python {platform.python_version()}, python-docx {docx.__version__ if hasattr(docx, '__version__') else '?'}"
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        write_minutes(minutes_case, 1, out / "warm.docx", settings=settings)  # imports, template cache of the OS
        rows = [
            (
                "baseline: python-docx open + save of the template",
                lambda: template_open_and_save(settings, out / "b.docx"),
                args.runs,
                None,
            ),
            (
                "minutes, full copy (15 attendees, 15 steps, 40 actions)",
                lambda: write_minutes(minutes_case, 1, out / "m.docx", settings=settings),
                args.runs,
                0.3,
            ),
            (
                "minutes, family copy",
                lambda: write_minutes(minutes_case, 1, out / "f.docx", copy=CopyType.FAMILY, settings=settings),
                args.runs,
                0.3,
            ),
            (
                "chronology, 2,000 entries",
                lambda: write_chronology(chronology_case, out / "c.docx", settings=settings),
                args.runs,
                0.15,
            ),
            (
                "chronology, 2,000 entries, naive add_row loop",
                lambda: naive_chronology(chronology_case, out / "n.docx"),
                args.naive_runs,
                None,
            ),
        ]
        baseline = None
        for label, run, runs, target in rows:
            median, times = median_seconds(run, runs)
            baseline = median if baseline is None else baseline
            verdict = (
                "" if target is None else ("  within target" if median <= target else f"  OVER the {target} s target")
            )
            print(
                f"{label:58s} median {median:6.3f} s over {runs} runs (min {min(times):.3f}, max {max(times):.3f}), "
                f"{median / baseline:4.1f}x the baseline{verdict}"
            )


if __name__ == "__main__":
    main()
