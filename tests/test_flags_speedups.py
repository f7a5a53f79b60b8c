"""The flags' speed-ups change nothing: working days counted rather than walked, and the online
rule's names compared once, give the same flags (kind, words, severity, restricted mark, order)
as the straightforward versions kept here, on the demo case and on generated cases of one and five
years, for many days. No timings here: benchmarks/flags.py measures them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType

import pytest

import meetings.domain.flags as flags_package
from meetings.domain import schema, timescales
from meetings.domain.flags import Flag, FlagKind, Severity, case_flags
from meetings.domain.flags import child as child_rules
from meetings.domain.flags import meetings as meeting_rules
from meetings.domain.lifecycle import FAMILY, attended, in_order
from meetings.domain.locations import data_dir
from meetings.domain.records import AttendanceMode, AttendanceStatus, Attendee, Case, MeetingMode
from meetings.domain.settings import Settings
from meetings.domain.text import name_key

NATIONS = [Settings(nation=n) for n in ("england", "wales", "scotland", "northern_ireland")]


def _benchmark() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "flags.py"
    spec = importlib.util.spec_from_file_location("benchmark_flags", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCHMARK = _benchmark()


# ----- the straightforward versions -------------------------------------------------------------


def walked_working_days_between(start: dt.date, end: dt.date, settings: Settings) -> int:
    """Working days after `start` up to `end`, one day at a time (as it was)."""
    if end == start:
        return 0
    if end < start:
        return -walked_working_days_between(end, start, settings)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if timescales.is_working_day(day, settings):
            count += 1
    return count


def reference_online_flags(case: Case, today: dt.date) -> list[Flag]:
    """`online_flags` as it was, every name compared afresh."""
    held = [m for m in in_order(case.meetings) if m.date <= today]
    flags = []
    recent = held[-meeting_rules.ONLINE_MEETINGS_IN_A_ROW :]
    if len(recent) == meeting_rules.ONLINE_MEETINGS_IN_A_ROW and all(m.mode is MeetingMode.ONLINE for m in recent):
        flags.append(
            Flag(
                FlagKind.ONLINE_MEETINGS,
                f"The last {len(recent)} core groups were held online. Plan the next one in person, "
                "or record why it cannot be.",
                Severity.MEDIUM,
            )
        )
    family_ids = {p.id for p in case.people}
    restricted_ids = {p.id for p in case.people if p.restricted}
    restricted_keys = {name_key(p.name) for p in case.people if p.restricted}
    family_agency = name_key(FAMILY)
    seen: dict[tuple[str, str], list[AttendanceMode]] = {}
    names: dict[tuple[str, str], tuple[str, bool]] = {}
    hidden: set[tuple[str, str]] = set()
    for m in held:
        for a in attended(m.attendees):
            if a.mode is None:
                continue
            key = (f"person:{a.person_id}", "") if a.person_id is not None else (name_key(a.name), name_key(a.agency))
            seen.setdefault(key, []).append(a.mode)
            names[key] = (a.name, a.person_id in family_ids or name_key(a.agency) == family_agency)
            if a.person_id in restricted_ids or name_key(a.name) in restricted_keys:
                hidden.add(key)
    for key, modes in seen.items():
        if len(modes) >= 2 and all(mode is not AttendanceMode.IN_PERSON for mode in modes):
            name, family = names[key]
            flags.append(
                Flag(
                    FlagKind.ATTENDED_ONLY_ONLINE,
                    f"{name} has only ever joined core groups online or by phone ({len(modes)} meetings). "
                    + ("Who has seen them in person?" if family else "Can they attend in person next time?"),
                    Severity.MEDIUM if family else Severity.INFO,
                    key in hidden,
                )
            )
    return flags


def reference_flags(case: Case, settings: Settings, today: dt.date, monkeypatch: pytest.MonkeyPatch) -> list[Flag]:
    with monkeypatch.context() as m:
        m.setattr(flags_package, "online_flags", reference_online_flags)
        for module in (timescales, meeting_rules, child_rules):
            m.setattr(module, "working_days_between", walked_working_days_between)
        return case_flags(case, settings, today)


# ----- the cases --------------------------------------------------------------------------------


def demo_case() -> Case:
    return schema.load(Case, json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))


def generated_case(years: int) -> Case:
    case: Case = BENCHMARK.generated_case(years)[0]
    return case


def with_more_to_flag(case: Case) -> Case:
    """`case` with what the generated history lacks: the restricted man joining by phone, a
    professional's name typed differently each time, and a child last seen long ago."""
    case = dataclasses.replace(case)
    restricted = next((p for p in case.people if p.restricted), None)
    held = in_order(case.meetings)
    for i, meeting in enumerate(held[-4:]):
        meeting.attendees = [
            *meeting.attendees,
            Attendee(
                name=["Quinn  Specimen", "quinn specimen", "QUINN SPECIMEN ", "Quinn Specimen"][i],
                role="Professional",
                agency=["Sample Constabulary", "sample  constabulary", "Sample Constabulary", "SAMPLE CONSTABULARY"][i],
                status=AttendanceStatus.ATTENDED,
                mode=AttendanceMode.ONLINE,
            ),
        ]
        if restricted is not None:
            meeting.attendees.append(
                Attendee(
                    name=restricted.name,
                    agency=FAMILY,
                    person_id=restricted.id if i % 2 else None,
                    status=AttendanceStatus.ATTENDED,
                    mode=AttendanceMode.PHONE,
                )
            )
    for meeting in held[-3:]:
        for step in meeting.steps:
            if "child_last_seen_on" in step.answers:
                step.answers = {**step.answers, "child_last_seen_on": "2019-12-24"}
    return case


def days(case: Case, every: int) -> list[dt.date]:
    first = min([case.icpc_date, *(m.date for m in case.meetings)]) - dt.timedelta(days=30)
    last = max([case.icpc_date, *(m.date for m in case.meetings)]) + dt.timedelta(days=400)
    return [first + dt.timedelta(days=d) for d in range(0, (last - first).days + 1, every)]


# ----- the tests --------------------------------------------------------------------------------


def test_working_days_counted_are_the_working_days_walked() -> None:
    rng = random.Random(8)
    for settings in NATIONS:
        for _ in range(800):
            start = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 22))
            end = start + dt.timedelta(days=rng.randint(-1_500, 1_500))
            assert timescales.working_days_between(start, end, settings) == walked_working_days_between(
                start, end, settings
            ), (start, end, settings.nation)
        # Across the ends of years and of the blocks of years the holidays are built in.
        for year in range(2015, 2034):
            for start in (dt.date(year, 12, 24), dt.date(year, 12, 31), dt.date(year, 1, 1)):
                for n in range(12):
                    end = start + dt.timedelta(days=n)
                    assert timescales.working_days_between(start, end, settings) == walked_working_days_between(
                        start, end, settings
                    )
                    assert timescales.working_days_between(end, start, settings) == -walked_working_days_between(
                        start, end, settings
                    )


def test_working_days_between_is_still_the_inverse_of_add_working_days() -> None:
    # From bank holidays (Good Friday 2027, Boxing Day 2031) and ordinary days alike.
    for settings in NATIONS:
        for start in (dt.date(2026, 12, 18), dt.date(2027, 3, 26), dt.date(2031, 12, 26)):
            for n in range(-30, 31):
                end = timescales.add_working_days(start, n, settings)
                counted = timescales.working_days_between(start, end, settings)
                assert counted == walked_working_days_between(start, end, settings)
                if n >= 0:
                    assert counted == n


@pytest.mark.parametrize("every", [3])
def test_demo_case_flags_are_the_same_on_every_day(monkeypatch: pytest.MonkeyPatch, every: int) -> None:
    for case in (demo_case(), with_more_to_flag(demo_case())):
        for settings in (NATIONS[0], NATIONS[2]):
            for today in days(case, every):
                assert case_flags(case, settings, today) == reference_flags(case, settings, today, monkeypatch), today


@pytest.mark.parametrize("years", [1, 5])
def test_generated_case_flags_are_the_same_on_many_days(monkeypatch: pytest.MonkeyPatch, years: int) -> None:
    compared = set()
    for case in (generated_case(years), with_more_to_flag(generated_case(years))):
        for today in days(case, 11 * years):
            fast = case_flags(case, Settings(), today)
            assert fast == reference_flags(case, Settings(), today, monkeypatch), today
            compared |= {f.kind for f in fast}
    # The comparison reached the rules that changed and the restricted mark.
    assert {FlagKind.ATTENDED_ONLY_ONLINE, FlagKind.CHILD_NOT_SEEN, FlagKind.MINUTES_NOT_CIRCULATED} <= compared


def test_a_restricted_man_joining_by_phone_is_flagged_restricted_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    case = with_more_to_flag(generated_case(1))
    today = max(m.date for m in case.meetings) + dt.timedelta(days=10)
    online = [f for f in case_flags(case, Settings(), today) if f.kind is FlagKind.ATTENDED_ONLY_ONLINE]
    assert any(f.restricted and "Max Fictional" in f.message for f in online)
    assert any("Quinn  Specimen" in f.message or "QUINN" in f.message.upper() for f in online)
    assert online == [
        f for f in reference_flags(case, Settings(), today, monkeypatch) if f.kind is FlagKind.ATTENDED_ONLY_ONLINE
    ]
