"""Flags on the child: an unborn baby with no pre-birth assessment, a baby's checks, when the
child was last seen, and scaling that rose while the risks stayed open."""

from __future__ import annotations

import datetime as dt

from ..analysis import open_risks_detailed, scaling_change
from ..lifecycle import in_order
from ..records import ActionType, Case, Child, Mobility
from ..schema import InvalidRecord, parse_date
from ..settings import Settings
from ..timescales import working_days_between
from ..wording import day_month_year
from .base import Flag, FlagKind, Severity

RISKS_NAMED = 10


def _first_name(child: Child) -> str:
    return child.name.split()[0] if child.name.strip() else "the child"


def baby_flags(case: Case, today: dt.date) -> list[Flag]:
    """An unborn child with no pre-birth assessment; a baby under one or not yet mobile: bruising."""
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
    return flags


def optimism_flags(case: Case) -> list[Flag]:
    """Scaling that rose at the latest meeting that scaled while risks are still open."""
    scaled = [m for m in in_order(case.meetings) if m.scaling]
    if not scaled:
        return []
    latest = scaled[-1]
    change = scaling_change(case, latest)
    if change is None or change[1] <= change[0]:
        return []
    detailed = open_risks_detailed(case)
    if not detailed:
        return []
    # Restricted if any open risk is, even one beyond those named: the count still tells of it.
    restricted = any(r.restricted for r in detailed)
    risks = [r.text for r in detailed]
    shown = " ".join(f"({i}) {risk}." for i, risk in enumerate(risks[:RISKS_NAMED], start=1))
    if len(risks) > RISKS_NAMED:
        shown += f" And {len(risks) - RISKS_NAMED} more."
    return [
        Flag(
            FlagKind.OVER_OPTIMISM,
            f"Scaling rose from {change[0]:.1f} to {change[1]:.1f} at meeting {latest.number}, "
            f"but these risks are still open: {shown} Is the group being too optimistic?",
            Severity.MEDIUM,
            restricted,
        )
    ]


def child_last_seen_on(case: Case) -> dt.date | None:
    """The latest 'child last seen on' answer at any meeting."""
    dates = []
    for m in case.meetings:
        for step in m.steps:
            value = step.answers.get("child_last_seen_on")
            if isinstance(value, str) and value.strip():
                try:
                    dates.append(parse_date(value.strip()))
                except InvalidRecord:
                    continue
    return max(dates) if dates else None


def child_seen_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """No record of when the child was last seen, or not seen within the council's visit interval."""
    if case.plan_ended_on is not None or all(c.unborn for c in case.children) or not case.meetings:
        return []
    names = case.child_names()
    limit = settings.timescales.visit_interval_working_days
    last_seen = child_last_seen_on(case)
    if last_seen is None:
        return [Flag(FlagKind.CHILD_NOT_SEEN, f"No meeting has recorded when {names} was last seen.", Severity.HIGH)]
    gap = working_days_between(last_seen, today, settings)
    if gap <= limit:
        return []
    return [
        Flag(
            FlagKind.CHILD_NOT_SEEN,
            f"{names} was last recorded as seen on {day_month_year(last_seen)}, {gap} working days ago; "
            f"visits are due at least every {limit} working days. Who has seen {names} since?",
            Severity.HIGH,
        )
    ]
