"""How long a team manager's report takes at 10,000 cases, from the items each case keeps.

    .venv/bin/python benchmarks/report.py                   # 10,000 cases, 21 runs
    .venv/bin/python benchmarks/report.py --cases 10000 --runs 41

Every case is fictional and generated in memory (a `Case` with one to three children, one to
four finished core groups, some minutes not sent, three to eight actions with assessments among
them and some restricted, unanswered concerns and visits), with its `report_items` worked out as
a save would. Then, for the report on one day, the median and 95th percentile over the runs of:

  report         `report()` over every case's items held in memory (what a store does once it
                 has the items: the database would filter the dates in SQL instead);
  index + report the items read back from JSON text (one list per case, as an index shard keeps
                 them): orjson.loads, then `report_from_stored` (which reads back, with
                 `ReportItem.from_json`, only the items on the report that day);
  csv / text     `report_csv` and `report_text` of the lines;

beside baselines measured in the same run on the same data:

  sort tuples    sorting one plain tuple per item (rank, days, case id, subject): the least a
                 report ordering every item could cost;
  json only      orjson.loads of the same JSON text, no items made.

It also prints what working out one case's items costs (`report_items`, median per case), which
each save pays. The target of issue 13 is the report within 1 second at 10,000 cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetings.domain.records import (  # noqa: E402
    Action,
    ActionStatus,
    ActionType,
    Case,
    Child,
    ChildAtVisit,
    Concern,
    Distribution,
    Meeting,
    MeetingStatus,
    PlanCategory,
    Visit,
)
from meetings.domain.report import report, report_csv, report_from_stored, report_items, report_text  # noqa: E402
from meetings.domain.settings import Settings  # noqa: E402

TODAY = dt.date(2026, 11, 20)
FIRSTS = ("Amara", "Bilal", "Cerys", "Dylan", "Efa", "Finley", "Grace", "Harvey", "Isla", "Jayden", "Kai", "Lily")
LASTS = ("Example", "Sample", "Specimen", "Testcase", "Madeup", "Fictional", "Placeholder")
WORKERS = ("Alex Sample", "Priya Example", "Sam Okafor-Test", "Samantha Placeholder", "Jo Bloggs", "Chris Madeup")
TYPES = (ActionType.OTHER, ActionType.VISIT, ActionType.REFERRAL, ActionType.PARENTING_ASSESSMENT)


def fictional_case(i: int, rng: random.Random) -> Case:
    """One fictional case, dated so that about half of what it holds is overdue on TODAY."""
    icpc = TODAY - dt.timedelta(days=rng.randint(20, 800))
    last = LASTS[i % len(LASTS)]
    children = [
        Child(id=n, name=f"{FIRSTS[(i + n) % len(FIRSTS)]} {last}", date_of_birth=dt.date(2015 + n, 1 + i % 12, 1))
        for n in range(1, 2 + i % 3)
    ]
    meetings = []
    on = icpc + dt.timedelta(days=10)
    for number in range(1, 1 + rng.randint(1, 4)):
        if on >= TODAY:
            break
        sent = [] if rng.random() < 0.1 else [Distribution(recipient="Jordan Pike", sent_on=on)]
        meetings.append(Meeting(number=number, date=on, status=MeetingStatus.FINISHED, distribution=sent))
        on += dt.timedelta(days=28)
    actions = [
        Action(
            number=n,
            text=f"Fictional action {n} of case {i}",
            type=TYPES[(i + n) % len(TYPES)],
            owner=WORKERS[n % len(WORKERS)],
            due=TODAY + dt.timedelta(days=rng.randint(-90, 60)),
            status=ActionStatus.DONE if rng.random() < 0.3 and (i + n) % len(TYPES) != 3 else ActionStatus.OPEN,
            times_carried_forward=rng.randint(0, 4),
            raised_at=meetings[0].number if meetings else None,
            restricted=rng.random() < 0.1,
        )
        for n in range(1, rng.randint(4, 9))
    ]
    concerns = [
        Concern(
            id=n,
            received_on=TODAY - dt.timedelta(days=rng.randint(0, 60)),
            source="Sampleshire Housing",
            about="rent arrears",
            reported="Fictional concern",
            response="" if rng.random() < 0.5 else "Discussed at the core group.",
        )
        for n in range(1, rng.randint(1, 3))
    ]
    seen = [
        Visit(
            id=1,
            date=TODAY - dt.timedelta(days=rng.randint(1, 40)),
            children=[ChildAtVisit(child_id=c.id) for c in children],
        )
    ]
    return Case(
        id=f"SYN-{i:05d}",
        children=children,
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=icpc,
        lead_social_worker=WORKERS[i % len(WORKERS)],
        meetings=meetings,
        actions=actions,
        concerns=concerns,
        visits=seen,
    )


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """The seconds of each of `runs` calls of `fn`, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    settings = Settings()
    rng = random.Random(13)
    cases = [fictional_case(i, rng) for i in range(args.cases)]
    report_items(cases[0], settings)  # loads the bank holidays once, as the app does at start

    per_case = []
    held = []
    for case in cases:
        start = time.perf_counter()
        items = report_items(case, settings)
        per_case.append(time.perf_counter() - start)
        held.append((case.id, case.child_names(), case.lead_social_worker, items))
    total = sum(len(items) for *_, items in held)
    text = orjson.dumps(
        [[cid, children, worker, [i.to_json() for i in items]] for cid, children, worker, items in held]
    )

    def from_index() -> Any:
        return report_from_stored(orjson.loads(text), TODAY)

    def plain_tuples() -> list[tuple[int, int, str, str]]:
        return [
            (item.kind.rank, (TODAY - item.due).days, cid, item.subject) for cid, _, _, items in held for item in items
        ]

    tuples = plain_tuples()
    runs = args.runs
    figures: dict[str, list[float]] = {}
    figures["report"], lines = timed(lambda: report(held, TODAY), runs)
    figures["index + report"], _ = timed(from_index, runs)
    figures["csv"], _ = timed(lambda: report_csv(lines), runs)
    figures["text"], _ = timed(lambda: report_text(lines, TODAY), runs)
    figures["sort tuples (baseline)"], _ = timed(lambda: sorted(tuples), runs)
    figures["json only (baseline)"], _ = timed(lambda: orjson.loads(text), runs)

    print(
        f"{args.cases:,} fictional cases, {total:,} report items ({total / args.cases:.1f} a case), "
        f"{len(lines):,} lines on the report for {TODAY}; index text {len(text) / 1e6:.1f} MB; {runs} runs"
    )
    print(f"{'':24} {'median ms':>10} {'p95 ms':>10}")
    for name, times in figures.items():
        print(f"{name:24} {statistics.median(times) * 1000:10.1f} {p95(times) * 1000:10.1f}")
    print(
        f"report_items per case (paid at each save): median {statistics.median(per_case) * 1e6:.0f} µs, "
        f"p95 {p95(per_case) * 1e6:.0f} µs"
    )
    worst = max(statistics.median(figures["report"]), statistics.median(figures["index + report"]))
    print(f"target: the report within 1 s at 10,000 cases: {'met' if worst < 1 else 'NOT met'} ({worst * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
