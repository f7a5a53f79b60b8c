"""Timescales the case missed, kept on its record once they happen.

A flag says what is late today and goes when it is dealt with; a breach stays. Each is found from
the dates the record holds (meetings held, minutes sent, review conferences held), recorded once
under a key naming what it is of, and, while it is still running (minutes not yet sent), brought
up to date until it ends. The chronology lists them and the next meeting's minutes print those
since the meeting before.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass

from .lifecycle import in_order, previous_meeting
from .records import Breach, BreachKind, Case, Meeting, MeetingStatus, free_number
from .schema import EARLIEST_DATE
from .settings import Settings
from .timescales import (
    add_months,
    add_working_days,
    core_group_interval_end,
    first_review_due,
    pre_birth_conference_due,
    pre_birth_conference_of,
    working_days_between,
)
from .wording import day_month_year


@dataclass(frozen=True)
class Found:
    """A breach the record shows: `happened_on` None while it is still running."""

    kind: BreachKind
    key: str
    what: str
    due_on: dt.date
    happened_on: dt.date | None
    meeting: int | None = None


def _late(due: dt.date, held: dt.date | None, today: dt.date, settings: Settings) -> int:
    """Working days after `due` that it was done (or, still running, up to today)."""
    return max(0, working_days_between(due, held if held is not None else today, settings))


def _days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def _core_groups(case: Case, today: dt.date, settings: Settings) -> list[Found]:
    """The first core group held late, and every gap between core groups beyond the rule."""
    found = []
    held = [m for m in in_order(case.meetings) if m.date <= today]
    t = settings.timescales
    first_due = add_working_days(case.icpc_date, t.first_core_group_working_days, settings)
    first = held[0] if held else None
    if (first.date if first else today) > first_due and (first is not None or case.plan_ended_on is None):
        found.append(
            Found(
                BreachKind.FIRST_CORE_GROUP_LATE,
                "first_core_group",
                f"The first core group (rule: within {t.first_core_group_working_days} working days of the conference)",
                first_due,
                first.date if first else None,
                first.number if first else None,
            )
        )
    for i, before in enumerate(held):
        after = held[i + 1] if i + 1 < len(held) else None
        if before.status is not MeetingStatus.FINISHED:
            continue
        due = core_group_interval_end(before.date, settings)
        if after is None and case.plan_ended_on is not None:
            continue
        if (after.date if after else today) <= due:
            continue
        found.append(
            Found(
                BreachKind.CORE_GROUP_GAP,
                f"core_group_after:{before.number}",
                f"The core group after meeting {before.number} of {day_month_year(before.date)} "
                f"(rule: within {t.core_group_interval_weeks} weeks)",
                due,
                after.date if after else None,
                after.number if after else before.number,
            )
        )
    return found


def _minutes(case: Case, today: dt.date, settings: Settings) -> list[Found]:
    """Minutes first sent after the council's timescale, or not sent and past it."""
    found = []
    limit = settings.timescales.minutes_working_days
    for meeting in in_order(case.meetings):
        if meeting.status is not MeetingStatus.FINISHED:
            continue
        due = add_working_days(meeting.date, limit, settings)
        sent = [d.sent_on for d in meeting.distribution if d.sent_on is not None]
        first_sent = min(sent) if sent else None
        if (first_sent if first_sent is not None else today) <= due:
            continue
        found.append(
            Found(
                BreachKind.MINUTES_LATE,
                f"minutes:{meeting.number}",
                f"The minutes of meeting {meeting.number} of {day_month_year(meeting.date)} "
                f"(rule: out within {limit} working days)",
                due,
                first_sent,
                meeting.number,
            )
        )
    return found


def _reviews(case: Case, today: dt.date, settings: Settings) -> list[Found]:
    """Review conferences held after they were due, or due and not held."""
    found = []
    held = sorted(d for d in case.review_conferences if d <= today)
    due = first_review_due(case, settings)
    months = settings.timescales.review_interval_months
    for n in range(len(held) + 1):
        on = held[n] if n < len(held) else None
        if on is None and case.plan_ended_on is not None:
            break
        if (on if on is not None else today) > due:
            which = "first review conference" if n == 0 else f"review conference {n + 1}"
            found.append(
                Found(
                    BreachKind.REVIEW_CONFERENCE_LATE,
                    f"review:{n + 1}",
                    f"The {which}",
                    due,
                    on,
                )
            )
        if on is not None:
            due = add_months(on, months)
    return found


def _pre_birth(case: Case, today: dt.date, settings: Settings) -> list[Found]:
    """A pre-birth conference held after the week of pregnancy it was due by, or not held by then
    while the baby is still to be born."""
    found = []
    week = settings.timescales.pre_birth_conference_week
    for child in case.children:
        if child.due_date is None:
            continue
        due = pre_birth_conference_due(child.due_date, settings)
        held = pre_birth_conference_of(case, child)
        if held is None and not child.unborn:
            continue  # born with no conference before the birth on the record: nothing to date it by
        if (held if held is not None else today) <= due:
            continue
        found.append(
            Found(
                BreachKind.PRE_BIRTH_CONFERENCE_LATE,
                f"pre_birth:{child.id}",
                f"The pre-birth conference for {child.name} (rule: by week {week} of the pregnancy)",
                due,
                held,
            )
        )
    return found


def find_breaches(case: Case, settings: Settings, today: dt.date) -> list[Found]:
    """Every breach the record shows as of `today`, those still running included.

    A due date the rule puts before the earliest date a case may hold (a pre-birth conference
    due six weeks before a due date of 1 January 1900) is kept as that earliest date: a breach
    dated outside the range could never be saved, and every save of the case would fail."""
    found = [
        *_pre_birth(case, today, settings),
        *_core_groups(case, today, settings),
        *_minutes(case, today, settings),
        *_reviews(case, today, settings),
    ]
    return [f if f.due_on >= EARLIEST_DATE else dataclasses.replace(f, due_on=EARLIEST_DATE) for f in found]


def record_breaches(case: Case, settings: Settings, today: dt.date) -> bool:
    """Add each breach the record shows that is not yet kept, and bring running ones up to date.
    A breach once kept is never taken off. Returns whether the case's list changed."""
    kept = {b.key: b for b in case.breaches}
    changed = False
    for found in find_breaches(case, settings, today):
        late = _late(found.due_on, found.happened_on, today, settings)
        breach = kept.get(found.key)
        if breach is None:
            case.breaches.append(_new(case, found, late, today))
            changed = True
        elif breach.happened_on is None and (
            breach.working_days_late != late or found.happened_on is not None or breach.what != found.what
        ):
            breach.what, breach.happened_on, breach.working_days_late = found.what, found.happened_on, late
            breach.meeting = found.meeting
            changed = True
    return changed


_DONE = {
    BreachKind.FIRST_CORE_GROUP_LATE: "held",
    BreachKind.CORE_GROUP_GAP: "held",
    BreachKind.MINUTES_LATE: "first sent",
    BreachKind.REVIEW_CONFERENCE_LATE: "held",
    BreachKind.PRE_BIRTH_CONFERENCE_LATE: "held",
}


def _new(case: Case, found: Found, late: int, today: dt.date) -> Breach:
    return Breach(
        id=case.next_number("breaches"),
        kind=found.kind,
        key=found.key,
        what=found.what,
        due_on=found.due_on,
        happened_on=found.happened_on,
        working_days_late=late,
        recorded_on=today,
        meeting=found.meeting,
    )


def current_breaches(case: Case, settings: Settings, today: dt.date) -> list[Breach]:
    """The breaches kept, with any the record shows that are not kept yet (a case read, not
    opened for editing, since they happened), without changing the case."""
    scratch = copy.deepcopy(case.breaches)
    kept = {b.key for b in scratch}
    for found in find_breaches(case, settings, today):
        if found.key not in kept:
            new = _new(case, found, _late(found.due_on, found.happened_on, today, settings), today)
            new.id = free_number(b.id for b in scratch)
            scratch.append(new)
    return sorted(scratch, key=lambda b: (b.due_on, b.id))


def breach_words(breach: Breach, *, as_at: dt.date | None = None) -> str:
    """One breach in the chair's words, with how late; `as_at` a meeting's day, for its minutes
    (what happened after that day is not told as if known then)."""
    verb = "were" if breach.kind is BreachKind.MINUTES_LATE else "was"
    due = f"{verb} due by {day_month_year(breach.due_on)}"
    done, done_words = breach.happened_on, _DONE[breach.kind]
    late = _days(breach.working_days_late)
    if done is not None and (as_at is None or done <= as_at):
        return f"{breach.what} {due}: {done_words} on {day_month_year(done)}, {late} late."
    not_yet = "not yet sent" if breach.kind is BreachKind.MINUTES_LATE else f"not yet {done_words}"
    if as_at is not None:
        return f"{breach.what} {due}: {not_yet} by {day_month_year(as_at)}."
    return f"{breach.what} {due}: {not_yet}, {late} late so far."


def breaches_since_last(case: Case, meeting: Meeting) -> list[Breach]:
    """What a meeting's minutes print: breaches due by its day that ended after the meeting
    before, or had not ended by its day. A meeting's own late minutes come after it."""
    before = previous_meeting(case, meeting)
    since = before.date if before is not None else dt.date.min
    return [
        b
        for b in sorted(case.breaches, key=lambda b: (b.due_on, b.id))
        if b.due_on <= meeting.date
        and (b.happened_on is None or b.happened_on > since)
        and not (b.kind is BreachKind.MINUTES_LATE and b.meeting == meeting.number)
    ]
