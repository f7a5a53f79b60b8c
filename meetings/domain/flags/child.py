"""Flags on the child: planning before the birth (no pre-birth assessment, a pre-birth conference
late, an assessment never completed, the birth plan's follow-up), a baby's checks, when the child
was last seen, and scaling that rose while the risks stayed open."""

from __future__ import annotations

import datetime as dt

from .. import visits
from ..analysis import Rise, latest_scaled, open_risks_detailed, scaling_rise
from ..prebirth import PreBirthPlan, pre_birth_plans
from ..records import ActionType, Case, Child, Meeting, Mobility
from ..settings import Settings
from ..timescales import working_days_between
from ..wording import and_list, day_month_year
from .base import Flag, FlagKind, Severity


def _first_name(child: Child) -> str:
    return child.name.split()[0] if child.name.strip() else "the child"


def baby_flags(case: Case, today: dt.date, settings: Settings | None = None) -> list[Flag]:
    """Before the birth: no pre-birth assessment, a pre-birth conference late or not held; after
    it: a pre-birth assessment never completed, the birth plan's follow-up not recorded; a baby
    under one or not yet mobile: bruising."""
    settings = settings if settings is not None else Settings()
    flags = []
    # Only an unborn child needs the actions looked through, and then only once.
    unborn = any(child.unborn for child in case.children)
    has_pre_birth_plan = unborn and any(a.type is ActionType.PRE_BIRTH_ASSESSMENT for a in case.actions)
    for child in case.children:
        if child.unborn:
            if not has_pre_birth_plan:
                due = f" (due {day_month_year(child.due_date)})" if child.due_date else ""
                flags.append(
                    Flag(
                        FlagKind.PRE_BIRTH,
                        f"{child.name}{due} is not yet born and no pre-birth assessment is recorded as an action.",
                        Severity.HIGH,
                    )
                )
            continue
        age = child.age_in_months(today)
        under_one = age is not None and age < 12
        if not (under_one or child.mobility is Mobility.NON_MOBILE):
            continue
        why = "is under one" if under_one else "is not yet mobile"
        seen = (
            "last recorded as seen by a medical professional on "
            f"{day_month_year(child.seen_by_medical_professional_on)}"
            if child.seen_by_medical_professional_on
            else "no date is recorded for when a medical professional last saw them"
        )
        name = _first_name(child)
        flags.append(
            Flag(
                FlagKind.BABY_CHECKS,
                f"{name} {why}: ask about any bruising or marks and follow the bruising protocol. "
                f"Has a medical professional seen {name} since the last meeting? ({seen[0].upper()}{seen[1:]}.)",
                Severity.INFO,
            )
        )
    return flags + pre_birth_timescale_flags(case, settings, today)


def pre_birth_timescale_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """The pre-birth conference late or not held (while the child is unborn); a pre-birth
    assessment still open once the child is born; the birth plan's follow-up not recorded."""
    flags = []
    for plan in pre_birth_plans(case, settings, today):
        flags += _conference_flags(plan, settings, today)
        flags += _assessment_after_birth_flags(plan)
        flags += _follow_up_flags(plan)
    return flags


def _conference_flags(plan: PreBirthPlan, settings: Settings, today: dt.date) -> list[Flag]:
    c, child = plan.conference, plan.child
    if not child.unborn or c.due_by is None:
        return []
    week = f"week {settings.timescales.pre_birth_conference_week} of pregnancy"
    due = f"due by {day_month_year(c.due_by)} ({week}, due date {day_month_year(child.due_date or c.due_by)})"
    if c.held_on is None:
        if today <= c.due_by:
            return []
        return [
            Flag(
                FlagKind.PRE_BIRTH,
                f"No pre-birth conference is recorded for {child.name}: it was {due}. "
                "When will the plan for the birth be agreed?",
                Severity.HIGH,
            )
        ]
    if not c.late:
        return []
    what = "initial conference" if c.initial else "pre-birth conference"
    when = "is booked for" if c.held_on > today else "was held on"
    return [
        Flag(
            FlagKind.PRE_BIRTH,
            f"The {what} for {child.name} {when} {day_month_year(c.held_on)}, {c.late_by} working days late: "
            f"it was {due}. Is the plan for the birth, and the pre-birth assessment, ready in time?",
            Severity.MEDIUM,
        )
    ]


def _assessment_after_birth_flags(plan: PreBirthPlan) -> list[Flag]:
    action, born = plan.assessment.action, plan.born
    if action is None or born is None or not action.is_open:
        return []
    return [
        Flag(
            FlagKind.PRE_BIRTH,
            f"{plan.child.name} was born on {day_month_year(born)}, but the pre-birth assessment "
            f"(action {action.number}) was never completed. What did the plan for the birth rest on, "
            "and what will the assessment's findings now inform?",
            Severity.HIGH,
            plan.assessment.restricted,
        )
    ]


def _follow_up_flags(plan: PreBirthPlan) -> list[Flag]:
    if not plan.follow_up_missing or plan.born is None:
        return []
    return [
        Flag(
            FlagKind.BIRTH_FOLLOW_UP,
            f"{plan.child.name} was born on {day_month_year(plan.born)}: record the birth plan's follow-up. "
            f"Not yet recorded: {and_list(list(plan.follow_up_missing))} (edit the child on the Children tab).",
            Severity.MEDIUM,
        )
    ]


def optimism_flags(case: Case, as_at: Meeting | None = None) -> list[Flag]:
    """Scaling that rose at the latest meeting that scaled (up to `as_at`, if given), against its
    whole history, while risks are still open. The risks the family may see are listed in one
    flag, every one of them; the restricted ones in a second, restricted flag, so a restricted
    risk never hides the warning from a screen the family may see."""
    latest = latest_scaled(case, as_at)
    rise = scaling_rise(case, latest) if latest is not None else None
    if rise is None:
        return []
    detailed = open_risks_detailed(case, as_at)
    if not detailed:
        return []
    rose = _rise_words(rise)
    shared = [r.text for r in detailed if not r.restricted]
    withheld = [r.text for r in detailed if r.restricted]
    ask = "Is the group being too optimistic?"
    flags = [
        Flag(
            FlagKind.OVER_OPTIMISM,
            f"{rose}, but these risks are still open: {_numbered(shared)} {ask}"
            if shared
            else f"{rose}, but risks are still open. {ask}",
            Severity.MEDIUM,
        )
    ]
    if withheld:
        flags.append(
            Flag(
                FlagKind.OVER_OPTIMISM,
                f"{rose}; restricted risks still open too: {_numbered(withheld)} {ask}",
                Severity.MEDIUM,
                restricted=True,
                withheld=f"Restricted risks are still open too ({len(withheld)}).",
            )
        )
    return flags


def _rise_words(rise: Rise) -> str:
    """'Scaling rose from 2.5 to 5.0 at meeting 2', saying which meeting it is against when older."""
    words = f"Scaling rose from {rise.before:.1f} to {rise.now:.1f} at meeting {rise.meeting}"
    if rise.since != rise.previous:
        words += f" (against meeting {rise.since}, the lowest point before it)"
    return words


def _numbered(risks: list[str]) -> str:
    """Every risk, numbered: none is cut off."""
    return " ".join(f"({i}) {risk}." for i, risk in enumerate(risks, start=1))


def child_seen_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """For each child born, from the visits: not seen within the council's visit interval, or
    never seen; seen at the interval but not seen at the latest visit (and why); not seen alone for
    `seen_alone_weeks`. One flag per child, naming that child only: a sibling seen never hides one
    who was not. Unborn children are not expected to be seen."""
    if case.plan_ended_on is not None or not case.meetings:
        return []
    flags: list[Flag] = []
    for child in case.children:
        if child.date_of_birth is None or child.date_of_birth > today:
            continue
        flags += _not_seen_flags(case, child, settings, today)
        flags += _not_seen_alone_flags(case, child, settings, today)
    return flags


def _not_seen_flags(case: Case, child: Child, settings: Settings, today: dt.date) -> list[Flag]:
    limit = settings.timescales.visit_interval_working_days
    name = _first_name(child)
    seen = visits.last_seen(case, child)
    missed = visits.not_seen_since(case, child, seen.date if seen is not None else None)
    shown_missed = [cv for cv in missed if not cv.visit.restricted]
    missed_why = f" {_missed_words(shown_missed)}" if shown_missed else ""
    unrecorded = visits.not_recorded_since(case, child, seen.date if seen is not None else None)
    shown_unrecorded = [cv for cv in unrecorded if not cv.visit.restricted]
    # Not recorded is never taken as seen, nor as not seen: the chair is asked.
    ask = f" {_unrecorded_words(shown_unrecorded, name)}" if shown_unrecorded else ""
    why = missed_why + ask
    if seen is None:
        return [
            Flag(
                FlagKind.CHILD_NOT_SEEN,
                f"No visit is recorded at which {child.name} was seen.{why} Who has seen {name}, and when?",
                Severity.HIGH,
            )
        ]
    gap = working_days_between(seen.date, today, settings)
    if gap > limit:
        return [
            Flag(
                FlagKind.CHILD_NOT_SEEN,
                f"{child.name} was last seen on {day_month_year(seen.date)}, {gap} working days ago; visits are due "
                f"at least every {limit} working days.{why} Who has seen {name} since?",
                Severity.HIGH,
                restricted=seen.restricted,
            )
        ]
    if shown_missed or shown_unrecorded:
        return [
            Flag(
                FlagKind.CHILD_NOT_SEEN,
                f"{child.name} was last seen on {day_month_year(seen.date)}, but{missed_why[:-1]}.{ask} When will "
                f"{name} be seen?"
                if shown_missed
                else f"{child.name} was last seen on {day_month_year(seen.date)}.{why}",
                Severity.MEDIUM,
                restricted=seen.restricted,
            )
        ]
    return []


def _unrecorded_words(unrecorded: list[visits.ChildVisit], name: str) -> str:
    """'Whether Robin was seen at the visit on 29 September 2026 is not recorded (inferred by
    coregroup's migration ...): was Robin seen?' (the latest two at most)"""
    said = [
        f"the visit on {day_month_year(cv.visit.date)}"
        + (" (a visit coregroup inferred from an older case file)" if cv.visit.inferred.strip() else "")
        for cv in unrecorded[-2:]
    ]
    more = f" (nor at {len(unrecorded)} visits in all)" if len(unrecorded) > 2 else ""
    return f"Whether {name} was seen at {' or at '.join(said)} is not recorded{more}: was {name} seen there?"


def _missed_words(missed: list[visits.ChildVisit]) -> str:
    """'Not seen at the visit on 3 March 2026: access refused.' (the latest two at most)"""
    said = [f"at the visit on {day_month_year(cv.visit.date)}: {visits.not_seen_words(cv.child)}" for cv in missed[-2:]]
    more = f" (not seen at {len(missed)} visits in all)" if len(missed) > 2 else ""
    return f"Not seen {'; and '.join(said)}{more}."


# Children this young are seen with their carer: "seen alone" is not asked of them.
SEEN_ALONE_FROM_MONTHS = 24


def _not_seen_alone_flags(case: Case, child: Child, settings: Settings, today: dt.date) -> list[Flag]:
    age = child.age_in_months(today)
    if age is None or age < SEEN_ALONE_FROM_MONTHS:
        return []
    weeks = settings.timescales.seen_alone_weeks
    alone = visits.last_seen_alone(case, child)
    since = alone.date if alone is not None else case.icpc_date
    if (today - since).days <= weeks * 7:
        return []
    seen_since = [cv for cv in visits.visits_of(case, child) if cv.child.seen and cv.visit.date > since]
    at = (
        f"; seen at {len(seen_since)} visit{'s' if len(seen_since) != 1 else ''} since, not alone" if seen_since else ""
    )
    when = (
        f"was last seen alone on {day_month_year(alone.date)}"
        if alone is not None
        else "has not been recorded as seen alone at any visit"
    )
    return [
        Flag(
            FlagKind.CHILD_NOT_SEEN_ALONE,
            f"{child.name} {when}{at}. Each child should be seen alone at least every {weeks} weeks: "
            f"who will see {_first_name(child)} alone, and hear from them?",
            Severity.HIGH,
            restricted=alone is not None and alone.restricted,
        )
    ]


# School or nursery attendance under this percentage is persistent absence (the DfE's threshold).
PERSISTENT_ABSENCE_BELOW = 90


def attendance_flags(case: Case) -> list[Flag]:
    """Each child whose school's or nursery's attendance is under 90%, with the concerns about it."""
    flags = []
    for child in case.children:
        if child.attendance_percent is None or child.attendance_percent >= PERSISTENT_ABSENCE_BELOW:
            continue
        where = f" at {child.school_or_nursery.strip()}" if child.school_or_nursery.strip() else ""
        note = f" ({child.attendance_note.strip().rstrip('.')})" if child.attendance_note.strip() else ""
        flags.append(
            Flag(
                FlagKind.CHILD_ATTENDANCE,
                f"{child.name}'s attendance{where} is {child.attendance_percent}%{note}: under "
                f"{PERSISTENT_ABSENCE_BELOW}% is persistent absence. What is {_first_name(child)} missing, "
                "and who is seeing them on the days they are not there?",
                Severity.MEDIUM,
            )
        )
    return flags
