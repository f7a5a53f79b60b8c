"""Flags on the meetings themselves: held online too often, timescales missed, the next date set
too late or too close to the review, and minutes not sent."""

from __future__ import annotations

import datetime as dt

from ..lifecycle import (
    FAMILY,
    attended,
    awaiting_amended_copy,
    in_order,
    latest_meeting,
    meeting_mode_from,
    next_meeting_date_of,
)
from ..records import AttendanceMode, AttendanceStatus, Case, Meeting, MeetingMode, MeetingStatus
from ..settings import Settings
from ..text import name_key
from ..timescales import (
    add_working_days,
    core_group_interval_end,
    next_core_group_due,
    next_review_due,
    plan_drift_alert,
    working_days_between,
)
from ..wording import and_list, day_month_year
from .base import Flag, FlagKind, Severity

ONLINE_MEETINGS_IN_A_ROW = 2


def _held_as(meeting: Meeting) -> MeetingMode:
    """How a meeting was held: as recorded, or as its attendees took part when the record still
    says in person (an online meeting whose reason is not typed yet is still online)."""
    if meeting.mode is MeetingMode.IN_PERSON and attended(meeting.attendees):
        return meeting_mode_from(meeting.attendees)
    return meeting.mode


def online_flags(case: Case, today: dt.date) -> list[Flag]:
    """The last meetings all held online, and anyone who has only ever joined online or by phone."""
    held = [m for m in in_order(case.meetings) if m.date <= today]
    flags = []
    in_a_row = 0  # every consecutive online meeting up to now, the one in progress included
    for m in reversed(held):
        if _held_as(m) is not MeetingMode.ONLINE:
            break
        in_a_row += 1
    if in_a_row >= ONLINE_MEETINGS_IN_A_ROW:
        now = " (including the one in progress)" if held[-1].status is MeetingStatus.IN_PROGRESS else ""
        flags.append(
            Flag(
                FlagKind.ONLINE_MEETINGS,
                f"The last {in_a_row} core groups were held online{now}. Plan the next one in person, "
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
    keys: dict[str, str] = {}  # name_key of each name and agency, worked out once: they recur at every meeting
    for m in held:
        for a in m.attendees:
            if a.status is not AttendanceStatus.ATTENDED or a.mode is None:
                continue
            name = keys.get(a.name)
            if name is None:
                name = keys[a.name] = name_key(a.name)
            agency = keys.get(a.agency)
            if agency is None:
                agency = keys[a.agency] = name_key(a.agency)
            key = (f"person:{a.person_id}", "") if a.person_id is not None else (name, agency)
            seen.setdefault(key, []).append(a.mode)
            names[key] = (a.name, a.person_id in family_ids or agency == family_agency)
            if a.person_id in restricted_ids or name in restricted_keys:
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


def timescale_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """The next core group or review conference overdue, the plan drifting, and the next date set."""
    flags = []
    due = next_core_group_due(case, settings)
    last_held = latest_meeting(case, finished_only=True)
    being_held = any(
        m.status is MeetingStatus.IN_PROGRESS
        and (last_held is None or (m.date, m.number) > (last_held.date, last_held.number))
        for m in case.meetings
    )  # the next core group is under way: it is being held, not "not held"
    if due is not None and due < today and not being_held:
        flags.append(
            Flag(
                FlagKind.CORE_GROUP_OVERDUE,
                f"The next core group was due by {day_month_year(due)} and has not been held.",
                Severity.HIGH,
            )
        )
    review = next_review_due(case, settings, today=today)
    if review is not None and review < today:
        flags.append(
            Flag(
                FlagKind.REVIEW_OVERDUE,
                f"The review conference was due by {day_month_year(review)} and has not been held.",
                Severity.HIGH,
            )
        )
    drift = plan_drift_alert(case, today, settings)
    if drift is not None:
        flags.append(Flag(FlagKind.PLAN_DRIFT, drift, Severity.MEDIUM))
    flags += next_date_flags(case, settings, today)
    return flags


def next_date_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """The next core group's date as set at the last meeting, against the council's timescales."""
    latest = latest_meeting(case)
    planned = next_meeting_date_of(latest) if latest is not None else None
    if case.plan_ended_on is not None or latest is None or planned is None:
        return []
    t = settings.timescales
    flags = []
    latest_allowed = core_group_interval_end(latest.date, settings)
    if planned > latest_allowed:
        flags.append(
            Flag(
                FlagKind.NEXT_DATE_BEYOND_INTERVAL,
                f"Meeting {latest.number} set the next core group for {day_month_year(planned)}, more than "
                f"{t.core_group_interval_weeks} weeks after it. Core groups are held at least every "
                f"{t.core_group_interval_weeks} weeks: the next is due by {day_month_year(latest_allowed)}.",
                Severity.MEDIUM,
            )
        )
    review = next((d for d in sorted(case.review_conferences) if d >= today and d >= planned), None)
    if planned >= today and review is not None:
        gap = working_days_between(planned, review, settings)
        if gap < t.before_review_working_days:
            hold_by = add_working_days(review, -t.before_review_working_days, settings)
            flags.append(
                Flag(
                    FlagKind.CORE_GROUP_BEFORE_REVIEW,
                    f"The next core group ({day_month_year(planned)}) is {gap} working "
                    f"{'day' if gap == 1 else 'days'} before the review conference on {day_month_year(review)}. "
                    f"The last core group must be at least {t.before_review_working_days} working days before it: "
                    f"hold it by {day_month_year(hold_by)}.",
                    Severity.HIGH,
                )
            )
    return flags


def amended_minutes_flags(case: Case) -> list[Flag]:
    """Finished meetings whose amended minutes have not gone to everyone who had the first."""
    flags = []
    for meeting in in_order(case.meetings):
        if meeting.status is not MeetingStatus.FINISHED:
            continue
        waiting = awaiting_amended_copy(meeting)
        if waiting:
            flags.append(
                Flag(
                    FlagKind.AMENDED_MINUTES_NOT_RESENT,
                    f"The minutes of meeting {meeting.number} were amended (version {meeting.minutes_version}: "
                    f"{meeting.amendment_reason}). Send the amended copy to everyone who had the first, and "
                    f"record it: {and_list(waiting)}.",
                    Severity.HIGH,
                )
            )
    return flags


def minutes_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """Finished meetings whose minutes are not recorded as sent to anyone within the timescale."""
    limit = settings.timescales.minutes_working_days
    late = [m for m in in_order(case.meetings) if m.status is MeetingStatus.FINISHED and not m.distribution]
    if not late:
        return []
    if limit >= 0:
        # More than `limit` working days since the meeting is before the working day `limit + 1`
        # back from today (today counting): found once, not counted again for every meeting.
        cutoff = add_working_days(today + dt.timedelta(days=1), -(limit + 1), settings)
        late = [m for m in late if m.date < cutoff]
    else:
        late = [m for m in late if working_days_between(m.date, today, settings) > limit]
    if not late:
        return []
    which = and_list([f"meeting {m.number} ({day_month_year(m.date)})" for m in late])
    return [
        Flag(
            FlagKind.MINUTES_NOT_CIRCULATED,
            f"The minutes of {which} are not recorded as sent to anyone. Minutes go to everyone invited "
            f"within {limit} working days of the meeting: send them and record who received which copy.",
            Severity.HIGH,
        )
    ]
