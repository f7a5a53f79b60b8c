"""Flags on the adults in the child's life: men and other adults not assessed, a gender not
recorded, and men kept away from core groups for safety."""

from __future__ import annotations

from ..analysis import needs_assessment
from ..lifecycle import kept_away_for_safety, may_be_a_man
from ..records import Action, Case
from ..wording import relationship_words
from .base import Flag, FlagKind, Severity


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
            flags.append(Flag(FlagKind.MAN_NOT_ASSESSED, message, Severity.HIGH, p.restricted))
        else:
            message = f"{p.name} ({relationship_words(p)}) has not been assessed.{plan}"
            flags.append(Flag(FlagKind.ADULT_NOT_ASSESSED, message, Severity.MEDIUM, p.restricted))
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
