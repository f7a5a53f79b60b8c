"""What the case review learned, as flags shown at every meeting: what the core group must look
at today, and at which step of the agenda each belongs.

The rules live in modules by concern (`actions`, `people`, `concerns`, `meetings`, `child`);
`case_flags` gathers them, most serious first. `FLAGS_AT` decides, from the steps' roles, which
flags are raised at which step, so a council's own agenda shows them at the same points.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from ..agenda import StepRole
from ..family import Restrictions, names_in
from ..records import Case, CopyType
from ..settings import Settings
from .actions import assessment_flags, assessment_session_flags, overdue_action_flags
from .base import Flag, FlagKind, Severity, withheld_words
from .child import attendance_flags, baby_flags, child_seen_flags, optimism_flags
from .concerns import concern_flags, concern_pattern_flags, service_flags
from .drift import compliance_flags, drifting_action_flags, late_reviews_flags
from .meetings import amended_minutes_flags, minutes_flags, online_flags, timescale_flags
from .people import (
    domestic_abuse_flags,
    gender_flags,
    kept_away_flags,
    man_never_at_core_group_flags,
    not_assessed_flags,
)

__all__ = ["FLAGS_AT", "Flag", "FlagKind", "Severity", "case_flags", "flags_at"]

_NOT_ASSESSED = frozenset({FlagKind.MAN_NOT_ASSESSED, FlagKind.ADULT_NOT_ASSESSED})
_ASSESSMENTS = frozenset(
    {FlagKind.ASSESSMENT_OVERDUE, FlagKind.ASSESSMENT_CARRIED_FORWARD, FlagKind.ASSESSMENT_NOT_ADAPTED}
    | {FlagKind.ASSESSMENT_ONLINE_ONLY, FlagKind.ASSESSMENT_SESSIONS_NOT_RECORDED}
)

# Which flags the chair is shown at the step of each role.
FLAGS_AT: dict[StepRole, frozenset[FlagKind]] = {
    StepRole.WELCOME: frozenset({FlagKind.MINUTES_NOT_CIRCULATED, FlagKind.AMENDED_MINUTES_NOT_RESENT}),
    StepRole.MEMBERSHIP: _NOT_ASSESSED
    | {
        FlagKind.ONLINE_MEETINGS,
        FlagKind.ATTENDED_ONLY_ONLINE,
        FlagKind.GENDER_NOT_RECORDED,
        FlagKind.NOT_INVITED_FOR_SAFETY,
        FlagKind.MAN_NEVER_AT_CORE_GROUP,
        FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED,
    },
    StepRole.CHILDS_VOICE: frozenset(
        {FlagKind.CHILD_NOT_SEEN, FlagKind.BABY_CHECKS, FlagKind.PRE_BIRTH, FlagKind.BIRTH_FOLLOW_UP}
        | {FlagKind.CHILD_NOT_SEEN_ALONE, FlagKind.CHILD_ATTENDANCE}
    ),
    StepRole.VISITS: frozenset({FlagKind.CHILD_NOT_SEEN, FlagKind.CHILD_NOT_SEEN_ALONE}),
    StepRole.REVIEW_OF_ACTIONS: _ASSESSMENTS
    | {FlagKind.ACTION_OVERDUE, FlagKind.ACTION_DRIFTING, FlagKind.COMPLIANCE_UNTESTED},
    StepRole.ASSESSMENTS: _ASSESSMENTS | _NOT_ASSESSED | {FlagKind.PRE_BIRTH},
    StepRole.HOUSEHOLD: _NOT_ASSESSED | {FlagKind.GENDER_NOT_RECORDED},
    StepRole.ANALYSIS: frozenset({FlagKind.OVER_OPTIMISM}),
    StepRole.NEW_CONCERNS: frozenset(
        {FlagKind.CONCERN_UNANSWERED, FlagKind.CONCERN_PATTERN, FlagKind.SERVICE_ENDING}
        | {FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED}
    ),
    StepRole.NEXT_MEETING: frozenset(
        {
            FlagKind.CORE_GROUP_OVERDUE,
            FlagKind.REVIEW_OVERDUE,
            FlagKind.PLAN_DRIFT,
            FlagKind.NEXT_DATE_BEYOND_INTERVAL,
            FlagKind.CORE_GROUP_BEFORE_REVIEW,
            FlagKind.REVIEWS_LATE_PATTERN,
        }
    ),
}


def flags_at(role: StepRole, flags: Sequence[Flag]) -> list[Flag]:
    """The flags of `flags` that belong at the step of `role`, in their order."""
    kinds = FLAGS_AT.get(role, frozenset())
    return [f for f in flags if f.kind in kinds]


def case_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """Everything the core group must look at today, most serious first."""
    flags: list[Flag] = []
    flags += assessment_flags(case, today)
    flags += assessment_session_flags(case)
    flags += overdue_action_flags(case, today)
    flags += not_assessed_flags(case)
    flags += concern_flags(case)
    flags += concern_pattern_flags(case)
    flags += online_flags(case, today)
    flags += service_flags(case, today)
    flags += baby_flags(case, today, settings)
    flags += optimism_flags(case)
    flags += timescale_flags(case, settings, today)
    flags += minutes_flags(case, settings, today)
    flags += amended_minutes_flags(case)
    flags += child_seen_flags(case, settings, today)
    flags += attendance_flags(case)
    flags += gender_flags(case)
    flags += kept_away_flags(case)
    flags += drifting_action_flags(case, settings, today) + late_reviews_flags(case, settings, today)
    flags += compliance_flags(case)
    flags += man_never_at_core_group_flags(case, settings)
    flags += domestic_abuse_flags(case)
    return sorted(_mark_restricted_names(case, flags), key=lambda f: f.severity.rank)


def _mark_restricted_names(case: Case, flags: list[Flag]) -> list[Flag]:
    """A second guard: any flag whose words name a restricted person (or a withheld referrer) as the
    family copy's name guard finds them, in any order or by the surname alone, is restricted. A
    restricted flag is never hidden whole: one without words of its own for a screen the family
    may see is given them, what it is about without its details."""
    pattern = Restrictions.of(case, CopyType.FAMILY).pattern
    marked = []
    for f in flags:
        names = not f.restricted and names_in(pattern, f.message)
        if names:
            f = dataclasses.replace(f, restricted=True)
        if f.restricted and not f.withheld:
            f = dataclasses.replace(f, withheld=withheld_words(f.kind, names_person=names))
        marked.append(f)
    return marked
