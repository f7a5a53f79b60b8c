"""How long the flags of a case take, at 1, 5 and 10 years of history.

    .venv/bin/python benchmarks/flags.py                # 1, 5 and 10 years, 41 runs each
    .venv/bin/python benchmarks/flags.py --runs 101 --write-doc

Every case is fictional and generated (the generator of benchmarks/store.py, made to run for any
number of years and to reach every rule): a meeting every four weeks with eight attendees and the
15 agenda steps (the child's voice recording when the child was last seen), scaling at each
meeting, 120 actions, 200 chronology entries and 8 concerns a year, review conferences every six
months, seven people (one restricted, one whose gender is not recorded) and three services.
"Today" is ten days after the last meeting, when the next is being prepared.

For each length of history it prints the median of `case_flags` and of each rule, beside the
median of a baseline measured in the same run: one pass over the records, touching every
meeting (its attendees and its steps' answers), action, person, concern and service once. That
is the least any set of rules reading the whole case could cost. It also prints how each figure
grows from 1 to 10 years beside how the case grows, and the first call in a fresh process (it
loads the bank holidays).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetings.domain import schema  # noqa: E402
from meetings.domain.flags import actions, case_flags, child, concerns, people  # noqa: E402
from meetings.domain.flags import meetings as meeting_rules  # noqa: E402
from meetings.domain.migrations import migrate  # noqa: E402
from meetings.domain.records import Case  # noqa: E402
from meetings.domain.settings import Settings  # noqa: E402

DOC = ROOT / "docs" / "benchmark-flags.md"
YEARS = (1, 5, 10)
START = dt.date(2021, 1, 4)
MEETINGS_A_YEAR = 13
ACTIONS_A_YEAR = 120
CHRONOLOGY_A_YEAR = 200
CONCERNS_A_YEAR = 8
AGENDA_KEYS = [
    "welcome", "membership", "reason_for_plan", "childs_voice", "visits", "agency_updates", "family_views",
    "review_actions", "new_information", "assessments", "services", "scaling", "contingency", "new_actions",
    "next_meeting",
]  # fmt: skip
WORDS = [
    "visit", "home", "baby", "mother", "father", "carer", "health", "visitor", "nursery", "school", "housing",
    "police", "report", "plan", "safe", "sleep", "routine", "feeding", "appointment", "attended", "missed", "seen",
    "alone", "bedroom", "kitchen", "clean", "support", "worker", "family", "centre", "assessment", "agreed",
    "concern", "update", "contact", "partner", "grandparent", "weekend", "night", "morning", "progress", "review",
]  # fmt: skip
FIRST = ["Alex", "Robin", "Sam", "Jo", "Casey", "Morgan", "Taylor", "Jordan", "Riley", "Quinn", "Lee", "Pat"]
LAST = ["Sample", "Example", "Placeholder", "Test", "Fictional", "Specimen"]
AGENCIES = ["Children's Social Care", "Community Health", "Example Street Surgery", "Sample Primary School",
            "Sample Constabulary", "Sample Homes Housing Association", "Example Family Centre"]  # fmt: skip
# (function, which of case, settings and today it takes), in the order case_flags calls them.
RULES: list[tuple[str, Callable[..., Any], str]] = [
    ("assessment_flags", actions.assessment_flags, "ct"),
    ("overdue_action_flags", actions.overdue_action_flags, "ct"),
    ("not_assessed_flags", people.not_assessed_flags, "c"),
    ("concern_flags", concerns.concern_flags, "c"),
    ("online_flags", meeting_rules.online_flags, "ct"),
    ("service_flags", concerns.service_flags, "ct"),
    ("baby_flags", child.baby_flags, "ct"),
    ("optimism_flags", child.optimism_flags, "c"),
    ("timescale_flags", meeting_rules.timescale_flags, "cst"),
    ("minutes_flags", meeting_rules.minutes_flags, "cst"),
    ("child_seen_flags", child.child_seen_flags, "cst"),
    ("gender_flags", people.gender_flags, "c"),
    ("kept_away_flags", people.kept_away_flags, "c"),
]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)} (fictional)"


def make_case(case_id: str, years: int = 5, seed: int = 1) -> dict[str, Any]:
    """A fictional case with `years` of history, in the export format (benchmarks/store.py's,
    for any number of years, with the answers and records the rules read)."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = [
        {"id": i, "name": _name(rng), "relationship": rel, "gender": g, "risks": _sentence(rng, 20)}
        for i, (rel, g) in enumerate(
            [("mother", "female"), ("father", "male"), ("mothers_partner", "male"), ("grandparent", "female"),
             ("regular_visitor", "male"), ("other_relative", "female")], start=1)
    ]  # fmt: skip
    people.append(
        {"id": 7, "name": "Max Fictional", "relationship": "male_carer", "gender": "not_known", "restricted": True,
         "invited_to_core_group": False, "safety_note": "Not to know the family's address (fictional)."}
    )  # fmt: skip
    n_meetings = MEETINGS_A_YEAR * years
    last_day = START + dt.timedelta(days=28 * (n_meetings - 1))
    meetings = []
    for n in range(1, n_meetings + 1):
        day = START + dt.timedelta(days=28 * (n - 1))
        online = n % 5 == 0 or n == n_meetings
        answers: dict[str, dict[str, Any]] = {
            "welcome": {"confidentiality_explained": True},
            "childs_voice": {"child_last_seen_on": (day - dt.timedelta(days=rng.randint(1, 40))).isoformat()},
        }
        if n == n_meetings:
            answers["next_meeting"] = {"next_meeting_date": (day + dt.timedelta(days=35)).isoformat()}
        meetings.append(
            {
                "number": n,
                "date": day.isoformat(),
                "start_time": "10:00",
                "end_time": "11:30",
                "venue": "Example Family Centre, Room 2",
                "mode": "online" if online else "in_person",
                "mode_reason": "Family asked to join from home (fictional)." if online else "",
                "chair": "Alex Chair (fictional)",
                "minute_taker": "Robin Minutes (fictional)",
                "attendees": [
                    {"name": _name(rng), "role": "Professional", "agency": agency, "status": "attended",
                     "mode": "online" if online else "in_person", "report_received": rng.random() < 0.3}
                    for agency in AGENCIES
                ] + [{"name": people[0]["name"], "role": "Mother", "agency": "Family", "person_id": 1,
                      "status": "attended", "mode": "phone" if online else "in_person", "copy_type": "family"}],
                "steps": [
                    {"key": key, "title": key.replace("_", " ").capitalize(), "notes": _sentence(rng, 70),
                     "answers": answers.get(key, {}), "seconds_spent": rng.randint(60, 900)}
                    for key in AGENDA_KEYS
                ],
                "scaling": [{"name": _name(rng), "score": rng.randint(2, 8), "reason": _sentence(rng, 12)}
                            for _ in range(4)],
                "decisions": _sentence(rng, 40),
                "contingency_plan": _sentence(rng, 25),
                "next_meeting_date": (day + dt.timedelta(days=28)).isoformat() if n < n_meetings else None,
                "status": "finished",
                "distribution": [] if n % 3 == 0 or n > n_meetings - 2 else [
                    {"recipient": "Alex Chair (fictional)", "copy_type": "full", "sent_on": day.isoformat()}],
            }
        )  # fmt: skip
    actions = []
    n_actions = ACTIONS_A_YEAR * years
    for n in range(1, n_actions + 1):
        raised = (n - 1) * n_meetings // n_actions + 1
        due = START + dt.timedelta(days=28 * raised + rng.randint(7, 56))
        done = raised < n_meetings - 5
        assessment = n % 25 == 0
        actions.append(
            {
                "number": n,
                "text": _sentence(rng, 25),
                "outcome": _sentence(rng, 8),
                "owner": _name(rng),
                "agency": rng.choice(AGENCIES),
                "type": "parenting_assessment" if assessment else "visit",
                "person_id": rng.randint(1, len(people)),
                "raised_at": raised,
                "due": due.isoformat(),
                "status": "done" if done else "open",
                "evidence": _sentence(rng, 15) if done else "",
                "completed_on": due.isoformat() if done else None,
                "times_carried_forward": 0 if done else rng.randint(0, 3),
                "decision_informed": "The plan continues (fictional)." if done and assessment else "",
            }
        )
    days = (last_day - START).days
    n_chronology = CHRONOLOGY_A_YEAR * years
    chronology = [
        {
            "id": i,
            "date": (START + dt.timedelta(days=(i * days) // n_chronology)).isoformat(),
            "source": rng.choice(AGENCIES),
            "event": _sentence(rng, 30),
            "impact": rng.choice(["positive", "negative", "neutral", "not_known"]),
            "action_taken": _sentence(rng, 10),
            "recorded_by": "Robin Minutes (fictional)",
        }
        for i in range(1, n_chronology + 1)
    ]
    n_concerns = CONCERNS_A_YEAR * years
    concerns = [
        {"id": i, "received_on": (START + dt.timedelta(days=(i * days) // n_concerns)).isoformat(),
         "source_kind": "anonymous" if i % 7 == 0 else "agency", "source": rng.choice(AGENCIES),
         "reported": _sentence(rng, 25), "response": _sentence(rng, 15) if i % 4 else ""}
        for i in range(1, n_concerns + 1)
    ]  # fmt: skip
    reviews = [START + dt.timedelta(days=91)]
    while reviews[-1] < last_day + dt.timedelta(days=60):
        reviews.append(reviews[-1] + dt.timedelta(days=182))
    return {
        "id": case_id,
        "children": [{"id": 1, "name": "Wren Sample (fictional)", "date_of_birth": "2020-11-02", "mobility": "mobile"}],
        "plan_categories": ["neglect"],
        "icpc_date": START.isoformat(),
        "review_conferences": [d.isoformat() for d in reviews],
        "lead_social_worker": "Alex Chair (fictional)",
        "expected_agencies": AGENCIES,
        "people": people,
        "meetings": meetings,
        "actions": actions,
        "concerns": concerns,
        "chronology": chronology,
        "services": [
            {"id": 1, "name": "Family support (fictional)", "agency": "Example Family Centre"},
            {"id": 2, "name": "Parenting course (fictional)", "agency": "Example Family Centre",
             "end_date": (last_day + dt.timedelta(days=14)).isoformat()},
            {"id": 3, "name": "Housing support (fictional)", "agency": "Sample Homes Housing Association",
             "end_date": (last_day - dt.timedelta(days=100)).isoformat(), "successor": "Tenancy support"},
        ],
    }  # fmt: skip


def generated_case(years: int, seed: int = 1) -> tuple[Case, dt.date]:
    """The generated case of `years`, checked as an import checks it, and the day its flags are for."""
    case = schema.load(Case, migrate(make_case(f"BENCH-FLAGS-{years}Y", years, seed)))
    last = max(m.date for m in case.meetings)
    return case, last + dt.timedelta(days=10)


def one_pass(case: Case) -> int:
    """The baseline: every meeting (its attendees and its steps' answers), action, person,
    concern and service read once."""
    n = 0
    for m in case.meetings:
        n += m.number
        for a in m.attendees:
            n += a.mode is not None
        for step in m.steps:
            n += len(step.answers)
    for action in case.actions:
        n += action.is_open
    for p in case.people:
        n += p.restricted
    for c in case.concerns:
        n += c.answered
    for s in case.services:
        n += s.end_date is not None
    return n


def records(case: Case) -> int:
    """The case's size: its records, counting each attendee and step of a meeting."""
    meetings = sum(1 + len(m.attendees) + len(m.steps) for m in case.meetings)
    return meetings + len(case.actions) + len(case.people) + len(case.concerns) + len(case.services)


def median_ms(runs: int, run: Callable[..., object], *args: object) -> float:
    """The median time of `run(*args)` over `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def first_call_ms(years: int) -> float:
    """`case_flags` once in a fresh process: imports, bank holidays and all."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from flags import generated_case; from meetings.domain.flags import case_flags;"
        "from meetings.domain.settings import Settings;"
        f"case, today = generated_case({years}); t0 = time.perf_counter();"
        "case_flags(case, Settings(), today); print((time.perf_counter() - t0) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(ROOT / "benchmarks")], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{os.cpu_count()} cpus ({usable} usable), {cpu}; "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _args(spec: str, case: Case, settings: Settings, today: dt.date) -> tuple[Any, ...]:
    return tuple({"c": case, "s": settings, "t": today}[k] for k in spec)


def measure(years: tuple[int, ...], runs: int) -> dict[int, dict[str, float]]:
    settings = Settings()
    cases = {y: generated_case(y) for y in years}
    figures: dict[int, dict[str, float]] = {y: {} for y in years}
    for y, (case, today) in cases.items():
        case_flags(case, settings, today)  # warm: the bank holidays of these years
        figures[y]["records"] = records(case)
        figures[y]["flags"] = len(case_flags(case, settings, today))
    # The lengths take turns, so that other work on a shared machine falls on each alike.
    samples: dict[int, dict[str, list[float]]] = {y: {} for y in years}
    rounds = 5
    for turn in range(rounds):
        for y in years[turn % len(years) :] + years[: turn % len(years)]:
            case, today = cases[y]
            per = max(1, runs // rounds)
            got = samples[y]
            got.setdefault("case_flags", []).append(median_ms(per, case_flags, case, settings, today))
            got.setdefault("one pass", []).append(median_ms(per, one_pass, case))
            for name, rule, spec in RULES:
                got.setdefault(name, []).append(median_ms(per, rule, *_args(spec, case, settings, today)))
    for y in years:
        for name, values in samples[y].items():
            figures[y][name] = statistics.median(values)
    return figures


def report(figures: dict[int, dict[str, float]], first: dict[int, float]) -> str:
    years = sorted(figures)
    lo, hi = years[0], years[-1]
    head = "| | " + " | ".join(f"{y} year{'s' if y > 1 else ''}" for y in years) + f" | {hi} / {lo} years |"
    lines = [head, "|---" * (len(years) + 2) + "|"]

    def row(label: str, key: str, fmt: Callable[[float], str]) -> None:
        values = [figures[y][key] for y in years]
        ratio = figures[hi][key] / figures[lo][key] if figures[lo][key] else float("nan")
        lines.append(f"| {label} | " + " | ".join(fmt(v) for v in values) + f" | {ratio:.1f}x |")

    row("case size (records)", "records", lambda v: f"{v:,.0f}")
    row("flags raised", "flags", lambda v: f"{v:.0f}")
    row("**case_flags**, median", "case_flags", lambda v: f"**{v:.2f} ms**")
    row("baseline: one pass over the records", "one pass", lambda v: f"{v:.2f} ms")
    lines.append(
        "| case_flags / baseline | "
        + " | ".join(f"{figures[y]['case_flags'] / figures[y]['one pass']:.1f}x" for y in years)
        + " | |"
    )
    for name, _, _ in RULES:
        row(f"`{name}`", name, lambda v: f"{v:.3f} ms")
    if first:
        lines.append(
            "| first call in a fresh process (bank holidays loaded) | "
            + " | ".join(f"{first[y]:.0f} ms" if y in first else "-" for y in years)
            + " | |"
        )
    return "\n".join(lines)


def verdict(figures: dict[int, dict[str, float]]) -> str:
    years = sorted(figures)
    parts = []
    if 5 in figures:
        ms = figures[5]["case_flags"]
        parts.append(f"five-year case: {ms:.2f} ms (target 5 ms: {'met' if ms <= 5 else 'MISSED'})")
    lo, hi = years[0], years[-1]
    size = figures[hi]["records"] / figures[lo]["records"]
    grew = figures[hi]["case_flags"] / figures[lo]["case_flags"]
    parts.append(
        f"{lo} to {hi} years: the case grows {size:.1f}x, case_flags {grew:.1f}x "
        f"({'no faster than the case' if grew <= size * 1.1 else 'FASTER than the case'})"
    )
    faster = [
        name for name, _, _ in RULES if figures[lo][name] > 0.005 and figures[hi][name] / figures[lo][name] > size * 1.1
    ]
    parts.append(f"rules growing faster than the case: {', '.join(faster) if faster else 'none'}")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--years", type=int, nargs="+", default=list(YEARS))
    parser.add_argument("--runs", type=int, default=41, help="calls of each function per length of history")
    parser.add_argument("--write-doc", action="store_true", help=f"write the figures to {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    info = machine()
    print(f"machine: {info}")
    years = tuple(sorted(args.years))
    first = {y: first_call_ms(y) for y in years}
    figures = measure(years, args.runs)
    table = report(figures, first)
    result = verdict(figures)
    print()
    print(table)
    print()
    print(result)
    if args.write_doc:
        _write_doc(info, table, result, args)
        print(f"wrote {DOC}")
    return 0


def _write_doc(info: str, table: str, result: str, args: argparse.Namespace) -> None:
    marker = "<!-- figures -->"
    figures = (
        f"{marker}\nMeasured {dt.datetime.now():%Y-%m-%d %H:%M} with "
        f"`.venv/bin/python benchmarks/flags.py --years {' '.join(map(str, args.years))} --runs {args.runs}` "
        f"on: {info}.\n\n{table}\n\n{result}\n{marker}"
    )
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if existing.count(marker) == 2:
        head, _, rest = existing.partition(marker)
        _, _, tail = rest.partition(marker)
        DOC.write_text(head + figures + tail, encoding="utf-8")
    else:
        DOC.write_text(existing + "\n" + figures + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
