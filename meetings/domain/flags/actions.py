"""Flags on the plan's actions: assessments overdue or carried forward, and actions past due."""

from __future__ import annotations

import datetime as dt

from ..lifecycle import latest_meeting
from ..records import Action, ActionStatus, Case, Person, SessionMode
from ..wording import action_type_words, and_list, day_month_year, times
from .base import Flag, FlagKind, Severity


def assessment_flags(case: Case, today: dt.date) -> list[Flag]:
    """Open assessments that are overdue or have been carried forward: what is stopping them?"""
    people = {p.id: p for p in reversed(case.people)}  # the first of an id, as before
    flags = []
    for a in sorted(case.actions, key=lambda a: a.number):
        if not (a.is_open and a.is_assessment):
            continue
        person = people.get(a.person_id) if a.person_id is not None else None
        of = f" of {person.name}" if person is not None else ""
        what = f"The {action_type_words(a)}{of} (action {a.number})"
        overdue = a.due is not None and a.due < today
        parts = []
        if overdue and a.due is not None:
            parts.append(f"was due on {day_month_year(a.due)} and is not finished")
        if a.times_carried_forward:
            parts.append(f"has been carried forward {times(a.times_carried_forward)}")
        if parts:
            flags.append(
                Flag(
                    FlagKind.ASSESSMENT_OVERDUE if overdue else FlagKind.ASSESSMENT_CARRIED_FORWARD,
                    f"{what} {' and '.join(parts)}. What is stopping it, and what decision is waiting for it?",
                    Severity.HIGH,
                    a.restricted or (person is not None and person.restricted),
                    "A restricted assessment is overdue or carried forward.",
                )
            )
        needs = person_needs(person) if person is not None else []
        if needs and not a.adapted_for.strip():
            flags.append(
                Flag(
                    FlagKind.ASSESSMENT_NOT_ADAPTED,
                    f"{what}: {person.name if person else ''}'s record notes {and_list(needs)}. "
                    "How is the assessment adapted to them? Record it on the action.",
                    Severity.HIGH,
                    a.restricted or (person is not None and person.restricted),
                )
            )
    return flags


def assessment_session_flags(case: Case) -> list[Flag]:
    """How assessments were held. One held only online is serious: the review found an assessment
    done online missed what a home visit would have seen. One under way, or done since the last
    meeting, with its sessions not recorded is asked about."""
    people = {p.id: p for p in reversed(case.people)}
    last_held = latest_meeting(case, finished_only=True)
    flags = []
    for a in sorted(case.actions, key=lambda a: a.number):
        if not a.is_assessment or a.status is ActionStatus.CANCELLED:
            continue
        person = people.get(a.person_id) if a.person_id is not None else None
        what = f"The {action_type_words(a)}{f' of {person.name}' if person is not None else ''} (action {a.number})"
        restricted = a.restricted or (person is not None and person.restricted)
        if a.held is SessionMode.ONLINE:
            reason = " ".join(a.held_reason.split()).rstrip(".")
            flags.append(
                Flag(
                    FlagKind.ASSESSMENT_ONLINE_ONLY,
                    f"{what} {'was' if a.status is ActionStatus.DONE else 'is being'} held only online"
                    f"{f' (reason: {reason})' if reason else ''}. An assessment done online can miss what a home "
                    "visit would see: who is there, the home, the care of the child. Plan sessions in person, at "
                    "home, before its findings are relied on.",
                    Severity.HIGH,
                    restricted,
                )
            )
        elif a.held is None and _under_way_or_just_done(a, last_held.date if last_held else None):
            flags.append(
                Flag(
                    FlagKind.ASSESSMENT_SESSIONS_NOT_RECORDED,
                    f"{what}: how were its sessions held, in person, online or mixed? Record it on the action.",
                    Severity.INFO,
                    restricted,
                )
            )
    return flags


def _under_way_or_just_done(action: Action, last_held_on: dt.date | None) -> bool:
    """In progress, or done since the last meeting held (or on a date not recorded)."""
    if action.status is ActionStatus.IN_PROGRESS:
        return True
    if action.status is not ActionStatus.DONE:
        return False
    return action.completed_on is None or last_held_on is None or action.completed_on >= last_held_on


def person_needs(person: Person) -> list[str]:
    """What is recorded about a person that an assessment of them must take into account."""
    found = []
    if person.additional_needs.strip():
        found.append("additional needs")
    if person.trauma_history.strip():
        found.append("a trauma history")
    if person.mental_health.strip():
        found.append("their mental health")
    return found


def overdue_action_flags(case: Case, today: dt.date) -> list[Flag]:
    """The open actions (not assessments) past their due date: one flag for those the family may
    see, and one for the restricted ones, so a restricted action never hides the others."""
    overdue = [a for a in case.actions if a.is_open and not a.is_assessment and a.due is not None and a.due < today]
    restricted_ids = {p.id for p in case.people if p.restricted}
    withheld = [a for a in overdue if a.restricted or a.person_id in restricted_ids]
    shared = [a for a in overdue if a not in withheld]
    flags = []
    if shared:
        flags.append(Flag(FlagKind.ACTION_OVERDUE, _past_due(shared), Severity.MEDIUM))
    if withheld:
        one = len(withheld) == 1  # the numbers too are left out: they say which actions are restricted
        flags.append(
            Flag(
                FlagKind.ACTION_OVERDUE,
                f"Restricted: {_past_due(withheld)}",
                Severity.MEDIUM,
                restricted=True,
                withheld=f"{'A restricted action is' if one else f'{len(withheld)} restricted actions are'} "
                "past the due date and still open.",
            )
        )
    return flags


def _past_due(actions: list[Action]) -> str:
    numbers = ", ".join(str(a.number) for a in sorted(actions, key=lambda a: a.number))
    label = "Action" if len(actions) == 1 else "Actions"
    return f"{label} {numbers} {'is' if len(actions) == 1 else 'are'} past the due date and still open."
