"""Working days, due dates and the timescales a core group is held to (docs/domain.md).

Working days leave out weekends and the bank holidays of the council's nation: England and
Wales, Scotland and Northern Ireland each have their own (Scotland's 2 January, for one).
Every timescale comes from the council's `Settings`, never from a constant here.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from .lifecycle import latest_meeting, next_meeting_date_of
from .records import Case, Child
from .schema import InvalidRecord
from .settings import PREGNANCY_WEEKS, Settings
from .wording import day_month_year

# Holiday calendars are built for blocks of years, so a long run of dates needs few lookups.
_YEARS_PER_BLOCK = 8


@lru_cache(maxsize=64)
def _bank_holidays(subdivision: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    # Imported here: loading `holidays` takes tens of milliseconds that the case list need not wait for.
    import holidays

    calendar_ = holidays.country_holidays("GB", subdiv=subdivision, years=range(first_year, last_year + 1))
    return frozenset(calendar_.keys())


def bank_holidays(year: int, settings: Settings) -> frozenset[dt.date]:
    """The bank holidays of the council's nation in the block of years holding `year`."""
    first = year - year % _YEARS_PER_BLOCK
    return _bank_holidays(settings.holiday_subdivision, first, first + _YEARS_PER_BLOCK - 1)


def warm_up(settings: Settings, today: dt.date) -> None:
    """Load this year's bank holidays now (the `holidays` package takes a fifth of a second to
    load), so that the first case opened does not wait for them."""
    bank_holidays(today.year, settings)


def is_working_day(day: dt.date, settings: Settings) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year, settings)


def add_working_days(start: dt.date, n: int, settings: Settings) -> dt.date:
    """The day `n` working days after `start` (before it if `n` is negative); `start` itself never counts."""
    step = dt.timedelta(days=1 if n >= 0 else -1)
    day = start
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day, settings):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, settings: Settings) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    The inverse of `add_working_days`: working_days_between(d, add_working_days(d, n)) == n.
    Counted, not walked: the weekdays in the range less the bank holidays on weekdays in it, so a
    child last seen years ago costs no more than one seen last week.
    """
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start, settings)
    first, last = start.toordinal(), end.toordinal()  # the days counted: first + 1 to last
    bank = 0
    block = (start + dt.timedelta(days=1)).year
    block -= block % _YEARS_PER_BLOCK
    while block <= end.year:
        days = _weekday_holidays(settings.holiday_subdivision, block, block + _YEARS_PER_BLOCK - 1)
        bank += bisect.bisect_right(days, last) - bisect.bisect_right(days, first)
        block += _YEARS_PER_BLOCK
    return _weekdays_up_to(last) - _weekdays_up_to(first) - bank


def _weekdays_up_to(ordinal: int) -> int:
    """Monday to Friday from 1 January of year 1 (a Monday, ordinal 1) up to the day `ordinal`."""
    weeks, days = divmod(ordinal, 7)
    return weeks * 5 + min(days, 5)


@lru_cache(maxsize=64)
def _weekday_holidays(subdivision: str, first_year: int, last_year: int) -> tuple[int, ...]:
    """The ordinals, in order, of the bank holidays on Monday to Friday of the block of years
    `first_year` to `last_year`: those `is_working_day` finds in the block's calendar."""
    days = _bank_holidays(subdivision, first_year, last_year)
    return tuple(sorted(d.toordinal() for d in days if d.weekday() < 5 and first_year <= d.year <= last_year))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, kept within the month: 31 January + 1 month is 28 or 29 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError("date out of range")
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 if `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and end != _month_end(end):
        months -= 1
    return max(months, 0)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


DUE_FORMS = (
    "a date (2027-03-01 or 01/03/2027), 'today', 'tomorrow', or a time from today: "
    "3d (days), 2w (weeks), 10wd (working days) or 1m (months)"
)

_UNITS = {
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "wd": "wd", "workingday": "wd", "workingdays": "wd",
    "m": "m", "mo": "m", "month": "m", "months": "m",
}  # fmt: skip
_RELATIVE = re.compile(r"\+?(\d{1,4})\s*([a-z ]+)")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def on_or_after_working_day(day: dt.date, settings: Settings) -> dt.date:
    """`day`, or the first working day after it when it is a weekend or bank holiday."""
    while not is_working_day(day, settings):
        day += dt.timedelta(days=1)
    return day


def parse_due(text: str, today: dt.date, settings: Settings) -> dt.date:
    """A due date from what the chair typed: '2w', '3d', '10wd', '1m', a date, 'today' or 'tomorrow'.

    A relative date ('4w', 'tomorrow') that falls on a weekend or bank holiday moves to the next
    working day: nobody can be held to Christmas Day. A date typed in full is taken as typed."""
    typed = " ".join(text.split()).casefold()
    shown = repr(text.strip()) if len(text.strip()) <= 40 else repr(text.strip()[:40] + "...")
    if not typed:
        raise InvalidRecord("due", f"no date given: use {DUE_FORMS}")
    if typed == "today":
        return today
    if typed == "tomorrow":
        return on_or_after_working_day(today + dt.timedelta(days=1), settings)
    for pattern, order in ((_ISO, (0, 1, 2)), (_UK, (2, 1, 0))):
        match = pattern.fullmatch(typed)
        if match:
            parts = match.groups()
            year, month, day = (int(parts[i]) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise InvalidRecord("due", f"{shown} is not a real date: use {DUE_FORMS}") from None
    match = _RELATIVE.fullmatch(typed)
    unit = _UNITS.get(match.group(2).replace(" ", "")) if match else None
    if match is None or unit is None:
        raise InvalidRecord("due", f"{shown} is not a date: use {DUE_FORMS}")
    n = int(match.group(1))
    try:
        if unit == "d":
            return on_or_after_working_day(today + dt.timedelta(days=n), settings)
        if unit == "w":
            return on_or_after_working_day(today + dt.timedelta(weeks=n), settings)
        if unit == "m":
            return on_or_after_working_day(add_months(today, n), settings)
        return add_working_days(today, n, settings)
    except OverflowError:
        raise InvalidRecord("due", f"{shown} is too far ahead: use {DUE_FORMS}") from None


def parse_past(text: str, today: dt.date, settings: Settings, label: str) -> dt.date:
    """A date that has happened (a child last seen, a concern received): typed in full, 'today',
    'yesterday', or a time back from today ('3d' is three days ago). A date after today is
    refused with a message naming the field."""
    typed = " ".join(text.split()).casefold()
    if typed == "yesterday":
        return today - dt.timedelta(days=1)
    match = _RELATIVE.fullmatch(typed.removesuffix(" ago").strip())
    unit = _UNITS.get(match.group(2).replace(" ", "")) if match else None
    if match is not None and unit is not None:
        n = int(match.group(1))
        try:
            if unit == "d":
                return today - dt.timedelta(days=n)
            if unit == "w":
                return today - dt.timedelta(weeks=n)
            if unit == "m":
                return add_months(today, -n)
            return add_working_days(today, -n, settings)
        except OverflowError:
            raise InvalidRecord("date", f"{text.strip()[:40]!r} is too far back") from None
    day = parse_due(text, today, settings)
    check_not_future(day, today, label)
    return day


def check_not_future(day: dt.date | None, today: dt.date, label: str) -> None:
    """Refuse a date after today for something that has already happened."""
    if day is not None and day > today:
        raise InvalidRecord(
            "",  # the message names the field itself
            f"{label} cannot be in the future: {day_month_year(day)} is after today ({day_month_year(today)}). "
            "Type the date it happened, or a time back from today such as 3d.",
        )


# Dates of things that have happened: none of them can be after today.
PAST_ONLY: dict[str, tuple[str, ...]] = {
    "Child": ("date_of_birth", "seen_by_medical_professional_on"),
    "Person": ("date_of_birth",),
    "Concern": ("received_on", "responded_on"),
    "ChronologyEntry": ("date", "recorded_on"),
    "Action": ("completed_on",),
    "Distribution": ("sent_on",),
}
_PAST_LABELS = {"date": "The date", "received_on": "Received on", "responded_on": "Responded on"}


def check_past_fields(record: object, names: Iterable[str], today: dt.date) -> None:
    """Refuse a date after today in any of `names` of `record` that records something that has
    happened (a birth, a concern received, an action completed, minutes sent)."""
    past = PAST_ONLY.get(type(record).__name__, ())
    for name in names:
        if name in past:
            label = _PAST_LABELS.get(name) or name.replace("_", " ").capitalize()
            check_not_future(getattr(record, name), today, label)


def next_core_group_due(case: Case, settings: Settings) -> dt.date | None:
    """When the next core group must be held; None once the plan has ended.

    The first within `first_core_group_working_days` of the ICPC; after that, the date the last
    meeting set, or else `core_group_interval_weeks` after it, whichever is sooner.
    """
    if case.plan_ended_on is not None:
        return None
    latest = latest_meeting(case, finished_only=True)  # a meeting still in progress is not yet held
    return _next_core_group_due(
        case.icpc_date,
        latest.date if latest is not None else None,
        next_meeting_date_of(latest) if latest is not None else None,
        settings,
    )


class _SummaryDates(Protocol):
    """The fields of a `store.CaseSummary` the due date needs (ISO dates as text)."""

    @property
    def icpc_date(self) -> str: ...
    @property
    def last_meeting(self) -> str | None: ...
    @property
    def next_meeting(self) -> str | None: ...
    @property
    def plan_ended_on(self) -> str | None: ...


def summary_core_group_due(summary: _SummaryDates, settings: Settings) -> dt.date | None:
    """`next_core_group_due` from what the case list holds of a case (its index summary), so the
    list can show the timescale without opening every case file. None if the plan has ended or a
    date is unreadable.
    """
    if summary.plan_ended_on:
        return None
    try:
        icpc = dt.date.fromisoformat(summary.icpc_date)
        last = dt.date.fromisoformat(summary.last_meeting) if summary.last_meeting else None
        set_at_last = dt.date.fromisoformat(summary.next_meeting) if summary.next_meeting else None
    except (TypeError, ValueError):
        return None
    return _next_core_group_due(icpc, last, set_at_last, settings)


def _next_core_group_due(
    icpc_date: dt.date, last_meeting: dt.date | None, set_at_last: dt.date | None, settings: Settings
) -> dt.date:
    """The one rule for both: first within the working days after the ICPC, then the date the last
    meeting set, else the interval after the last meeting. A date set beyond the interval does not
    move the timescale: the interval's date is due (a flag says the date set is too late)."""
    if last_meeting is None:
        return add_working_days(icpc_date, settings.timescales.first_core_group_working_days, settings)
    by_interval = core_group_interval_end(last_meeting, settings)
    return by_interval if set_at_last is None else min(set_at_last, by_interval)


def core_group_interval_end(last_meeting: dt.date, settings: Settings) -> dt.date:
    """The latest day the next core group may be held: the council's interval after the last one,
    moved on to the next working day when it falls on a weekend or bank holiday (the same rule as
    a date typed as '4w', so the date the chair picks and the date due agree)."""
    weeks = settings.timescales.core_group_interval_weeks
    return on_or_after_working_day(last_meeting + dt.timedelta(weeks=weeks), settings)


def next_core_group_rule(meeting_date: dt.date, settings: Settings) -> str:
    """The rule for the next core group's date, in the chair's words, with the date it gives."""
    weeks = settings.timescales.core_group_interval_weeks
    due = core_group_interval_end(meeting_date, settings)
    plain = meeting_date + dt.timedelta(weeks=weeks)
    moved = f" ({day_month_year(plain)} is not a working day)" if due != plain else ""
    return f"Due by {due:%a} {day_month_year(due)}: within {weeks} weeks of this meeting{moved}."


# ----- before the birth ------------------------------------------------------------------------

# A baby born without a due date on the record: the pregnancy is taken to have begun this long before.
_LONGEST_PREGNANCY = dt.timedelta(weeks=PREGNANCY_WEEKS + 2)


def pre_birth_conference_due(due_date: dt.date, settings: Settings) -> dt.date:
    """The day the pre-birth conference is due by: the end of week `pre_birth_conference_week` of
    the pregnancy, counted back from the expected date of delivery (the end of week 40), so 34
    weeks is six weeks before it."""
    return due_date - dt.timedelta(weeks=PREGNANCY_WEEKS - settings.timescales.pre_birth_conference_week)


def pre_birth_conference_of(case: Case, child: Child) -> dt.date | None:
    """The conference that planned for the child's birth: the pre-birth conference recorded, else
    the initial conference if it was held during the pregnancy (before the birth, and not before
    the pregnancy began). None: no conference before the birth is on the record."""
    if case.pre_birth_conference_on is not None:
        return case.pre_birth_conference_on
    icpc = case.icpc_date
    if child.date_of_birth is not None and icpc >= child.date_of_birth:
        return None
    if child.due_date is not None:
        began = child.due_date - dt.timedelta(weeks=PREGNANCY_WEEKS)
    elif child.date_of_birth is not None:
        began = child.date_of_birth - _LONGEST_PREGNANCY
    else:
        return icpc
    return icpc if icpc >= began else None


def born_on_the_plan(case: Case, child: Child) -> bool:
    """Born after a conference that planned for the birth (the birth plan's follow-up applies)."""
    conference = pre_birth_conference_of(case, child)
    return child.date_of_birth is not None and conference is not None and child.date_of_birth > conference


def review_after_birth_due(born: dt.date, conference: dt.date, settings: Settings) -> dt.date:
    """The first review conference for a baby born on a plan: within
    `unborn_review_working_days_after_birth` working days of the birth, or `first_review_months`
    after the conference that planned for the birth, whichever is sooner."""
    t = settings.timescales
    return min(
        add_working_days(born, t.unborn_review_working_days_after_birth, settings),
        add_months(conference, t.first_review_months),
    )


def first_review_due(case: Case, settings: Settings) -> dt.date:
    """The first review conference: within `first_review_months` of the ICPC; for a child born on
    the plan, by the review after the birth (`review_after_birth_due`) if that is sooner."""
    due = add_months(case.icpc_date, settings.timescales.first_review_months)
    for child in case.children:
        born, conference = child.date_of_birth, pre_birth_conference_of(case, child)
        if born is not None and conference is not None and born > conference:  # born on the plan
            due = min(due, review_after_birth_due(born, conference, settings))
    return due


def next_review_due(case: Case, settings: Settings, *, today: dt.date | None = None) -> dt.date | None:
    """When the next review conference must be held; None once the plan has ended.

    `case.review_conferences` lists the conferences held and booked. Without `today` they all
    count as held. With `today`, those on or after it are booked: the earliest booked one is
    returned, unless it falls after the date the review is due by.
    """
    if case.plan_ended_on is not None:
        return None
    conferences = sorted(case.review_conferences)
    held = [d for d in conferences if today is None or d < today]
    booked = [d for d in conferences if today is not None and d >= today]
    due = add_months(held[-1], settings.timescales.review_interval_months) if held else first_review_due(case, settings)
    if booked:
        return min(booked[0], due)
    return due


def plan_drift_alert(case: Case, today: dt.date, settings: Settings) -> str | None:
    """A warning once the plan has lasted one of `plan_alert_months` (21 months, 2 years), else None."""
    if case.plan_ended_on is not None:
        return None
    months = months_between(case.icpc_date, today)
    reached = [m for m in sorted(settings.timescales.plan_alert_months) if months >= m]
    if not reached:
        return None
    alert = reached[-1]
    length = f"{alert // 12} years" if alert % 12 == 0 and alert >= 24 else f"{alert} months"
    if alert == 12:
        length = "a year"
    return (
        f"The plan has lasted {length} (since the conference on {day_month_year(case.icpc_date)}). "
        "Is it still making a difference for the child, or has it drifted? "
        "Consider what the review conference needs to decide."
    )
