"""Flags on the adults in the child's life: men and other adults not assessed, a gender not
recorded, men kept away from core groups for safety, the man no core group ever sees, and a
person named in a domestic abuse notification with no risk assessment."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis import needs_assessment
from ..lifecycle import in_order, kept_away_for_safety, may_be_a_man
from ..records import Action, Case, Concern, Meeting, MeetingStatus, Person
from ..settings import Settings
from ..text import one_line, same_name
from ..wording import day_month_year, relationship_words
from .base import Flag, FlagKind, Severity

_NOT_ASSESSED = "A restricted person in the child's life has not been assessed."


def not_assessed_flags(case: Case) -> list[Flag]:
    """Adults not yet assessed: high for a man who may be caring for the child, else medium."""
    planned: dict[int, list[Action]] = {}
    for a in case.actions:
        if a.person_id is not None and a.is_open and a.is_assessment:
            planned.setdefault(a.person_id, []).append(a)
    flags = []
    for p in case.people:
        if not needs_assessment(p):
            continue
        theirs = planned.get(p.id)
        plan = (
            f" An assessment is planned (action {theirs[0].number}) but has not started."
            if theirs
            else " Who will assess them, and by when?"
        )
        if may_be_a_man(p):
            message = (
                f"{p.name} ({relationship_words(p)}) has not been assessed. "
                f"Fathers and men in the child's life must be seen and assessed.{plan}"
            )
            flags.append(Flag(FlagKind.MAN_NOT_ASSESSED, message, Severity.HIGH, p.restricted, _NOT_ASSESSED))
        else:
            message = f"{p.name} ({relationship_words(p)}) has not been assessed.{plan}"
            flags.append(Flag(FlagKind.ADULT_NOT_ASSESSED, message, Severity.MEDIUM, p.restricted, _NOT_ASSESSED))
    return flags


def gender_flags(case: Case) -> list[Flag]:
    """People whose gender is not recorded, in a relationship a man could have with the child."""
    return [
        Flag(
            FlagKind.GENDER_NOT_RECORDED,
            f"Gender is not recorded for {p.name} ({relationship_words(p)}): is this a man in the child's life? "
            "Record it. Until then the core group treats them as one: seen, assessed and invited.",
            Severity.HIGH,
            p.restricted,
        )
        for p in case.people
        if p.may_be_male_carer
    ]


def kept_away_flags(case: Case) -> list[Flag]:
    """Men not invited for a recorded safety reason: who sees them, and how are their views heard?"""
    flags = []
    for p in case.people:
        if not (may_be_a_man(p) and kept_away_for_safety(p)):
            continue
        him, his = ("him", "his") if p.is_father_or_male_carer else ("them", "their")
        flags.append(
            Flag(
                FlagKind.NOT_INVITED_FOR_SAFETY,
                f"{p.name} ({relationship_words(p)}) is not invited to core groups: a safety note is recorded. "
                f"Who will see {him} separately, and how will {his} views reach the core group?",
                Severity.INFO,
                p.restricted,
            )
        )
    return flags


# ----- the man no meeting ever sees --------------------------------------------------------------


def on_the_list(person: Person, meeting: Meeting) -> bool:
    """Whether `person` is on `meeting`'s attendance list (by person, else by name): invited."""
    return any(a.person_id == person.id or same_name(a.name, person.name) for a in meeting.attendees)


def fathers_not_invited_run(held: Sequence[Meeting]) -> int:
    """How many of the latest `held` meetings in a row recorded 'fathers and male carers invited: no'."""
    run = 0
    for meeting in reversed(held):
        if not any(step.answers.get("fathers_invited") is False for step in meeting.steps):
            break
        run += 1
    return run


def _not_invited_run(person: Person, held: Sequence[Meeting]) -> list[Meeting]:
    """The latest of `held` in a row at which `person` was not on the list, oldest first."""
    run: list[Meeting] = []
    for meeting in reversed(held):
        if on_the_list(person, meeting):
            break
        run.insert(0, meeting)
    return run


def man_never_at_core_group_flags(case: Case, settings: Settings) -> list[Flag]:
    """Fathers and male carers on no core group's list, or left off the last few in a row
    (`not_invited_meetings`), with how long and the reason recorded; the membership check's
    'fathers and male carers invited: no' at meetings in a row is part of it."""
    held = [m for m in in_order(case.meetings) if m.status is MeetingStatus.FINISHED]
    if not held:
        return []
    today = [m for m in case.meetings if m.status is not MeetingStatus.FINISHED]
    wanted = max(1, settings.timescales.not_invited_meetings)
    answered_no = fathers_not_invited_run(held)
    flags = []
    for person in case.people:
        if not may_be_a_man(person) or any(on_the_list(person, m) for m in today):
            continue
        run = _not_invited_run(person, held)
        if run and (len(run) == len(held) or len(run) >= wanted):
            flags.append(_never_invited_flag(person, run, len(held), answered_no if answered_no >= wanted else 0))
    if not flags and answered_no >= wanted:
        flags.append(_unnamed_men_flag(held[-answered_no], answered_no))
    return flags


def _never_invited_flag(person: Person, run: list[Meeting], held: int, answered_no: int) -> Flag:
    since = day_month_year(run[0].date)
    who = f"{person.name} ({relationship_words(person)})"
    if len(run) == held == 1:
        words = f"{who} was not invited to the core group of {since}."
    elif len(run) == held:
        words = f"{who} has not been invited to any of {held} core groups since {since}."
    else:
        words = f"{who} has not been invited to the last {len(run)} core groups, since {since}."
    if answered_no:
        words += f" The membership check recorded 'fathers and male carers invited: no' at the last {answered_no}."
    reason = _not_invited_reason(person)
    words += f" Reason recorded: {reason}." if reason else " No reason is recorded: why is he not invited?"
    him, his = ("him", "his") if person.is_father_or_male_carer else ("them", "their")
    words += f" Who will see {him}, and how will {his} views reach the core group?"
    return Flag(
        FlagKind.MAN_NEVER_AT_CORE_GROUP, words, Severity.MEDIUM if reason else Severity.HIGH, person.restricted
    )


def _not_invited_reason(person: Person) -> str:
    """Why the person is not invited, as recorded. A safety note is never read out (it may name
    the person they must not meet): the flag says only that there is one."""
    if person.not_invited_reason.strip():
        return one_line(person.not_invited_reason).strip().rstrip(".")
    return "a safety note (see their record)" if person.safety_note.strip() else ""


def _unnamed_men_flag(first: Meeting, run: int) -> Flag:
    return Flag(
        FlagKind.MAN_NEVER_AT_CORE_GROUP,
        f"The membership check recorded 'fathers and male carers invited: no' at the last {run} core groups, "
        f"since {day_month_year(first.date)}. Who are they? Record each father and male carer among the people "
        "in the child's life, and say why they are not invited.",
        Severity.HIGH,
    )


# ----- domestic abuse notifications -------------------------------------------------------------


def domestic_abuse_flags(case: Case) -> list[Flag]:
    """Each person named in a domestic abuse notification, until a risk assessment of them is recorded."""
    people = {p.id: p for p in case.people}
    named: dict[int, list[Concern]] = {}
    for concern in sorted(case.concerns, key=lambda c: c.received_on):
        if concern.domestic_abuse and concern.person_id in people:
            named.setdefault(concern.person_id, []).append(concern)
    flags = []
    for person_id, concerns in named.items():
        person = people[person_id]
        if person.risk_assessment_on is not None:
            continue
        # The notifications the family may see in one flag; those not shareable in a restricted
        # one beside it. A restricted person's flag is restricted whole, said without a name.
        shared = [] if person.restricted else [c for c in concerns if c.shareable]
        withheld = [c for c in concerns if c not in shared]
        who = f"{person.name} ({relationship_words(person)})"
        if shared:
            flags.append(Flag(FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED, _abuse_words(who, shared), Severity.HIGH))
        if withheld:
            said = (
                "A restricted person named in a domestic abuse notification has no risk assessment recorded."
                if person.restricted
                else "A restricted domestic abuse notification names someone with no risk assessment recorded."
            )
            message = (
                _abuse_words(who, withheld)
                if not shared
                else f"{who} is also named in {_notifications(withheld, 'restricted ')}: {_dates(withheld)}."
            )
            flags.append(
                Flag(FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED, message, Severity.HIGH, restricted=True, withheld=said)
            )
    return flags


def _notifications(concerns: list[Concern], kind: str = "") -> str:
    one = len(concerns) == 1
    return f"a {kind}domestic abuse notification" if one else f"{len(concerns)} {kind}domestic abuse notifications"


def _dates(concerns: list[Concern]) -> str:
    return ", ".join(day_month_year(c.received_on) for c in concerns)


def _abuse_words(who: str, concerns: list[Concern]) -> str:
    return (
        f"{who} is named in {_notifications(concerns)} ({_dates(concerns)}) and no risk assessment of them is "
        "recorded. Who will do it, and by when? Until then, how is the child kept safe?"
    )
