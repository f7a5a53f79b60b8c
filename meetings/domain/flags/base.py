"""What a flag is: its kind, how serious it is, and whether the family may see it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How serious a flag is; `rank` orders them, most serious first."""

    HIGH = "high"
    MEDIUM = "medium"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.INFO: 2}


class FlagKind(StrEnum):
    """Every kind of flag the rules raise."""

    ASSESSMENT_OVERDUE = "assessment_overdue"
    ASSESSMENT_CARRIED_FORWARD = "assessment_carried_forward"
    ASSESSMENT_NOT_ADAPTED = "assessment_not_adapted"
    ASSESSMENT_ONLINE_ONLY = "assessment_online_only"
    ASSESSMENT_SESSIONS_NOT_RECORDED = "assessment_sessions_not_recorded"
    ACTION_OVERDUE = "action_overdue"
    MAN_NOT_ASSESSED = "man_not_assessed"
    ADULT_NOT_ASSESSED = "adult_not_assessed"
    GENDER_NOT_RECORDED = "gender_not_recorded"
    NOT_INVITED_FOR_SAFETY = "not_invited_for_safety"
    MAN_NEVER_AT_CORE_GROUP = "man_never_at_core_group"
    DOMESTIC_ABUSE_NOT_RISK_ASSESSED = "domestic_abuse_not_risk_assessed"
    CONCERN_UNANSWERED = "concern_unanswered"
    CONCERN_PATTERN = "concern_pattern"
    SERVICE_ENDING = "service_ending"
    ONLINE_MEETINGS = "online_meetings"
    ATTENDED_ONLY_ONLINE = "attended_only_online"
    CORE_GROUP_OVERDUE = "core_group_overdue"
    REVIEW_OVERDUE = "review_overdue"
    PLAN_DRIFT = "plan_drift"
    NEXT_DATE_BEYOND_INTERVAL = "next_date_beyond_interval"
    CORE_GROUP_BEFORE_REVIEW = "core_group_before_review"
    MINUTES_NOT_CIRCULATED = "minutes_not_circulated"
    AMENDED_MINUTES_NOT_RESENT = "amended_minutes_not_resent"
    PRE_BIRTH = "pre_birth"
    BIRTH_FOLLOW_UP = "birth_follow_up"
    BABY_CHECKS = "baby_checks"
    CHILD_NOT_SEEN = "child_not_seen"
    CHILD_NOT_SEEN_ALONE = "child_not_seen_alone"
    CHILD_ATTENDANCE = "child_attendance"
    OVER_OPTIMISM = "over_optimism"
    ACTION_DRIFTING = "action_drifting"
    REVIEWS_LATE_PATTERN = "reviews_late_pattern"
    COMPLIANCE_UNTESTED = "compliance_untested"


@dataclass(frozen=True)
class Flag:
    """Something the core group must look at. `restricted`: it names something the family must not see.
    `withheld`: for a restricted flag, what a screen the family may see says of it, without the
    restricted details ("A restricted concern has had no response ..."); empty, it is only counted."""

    kind: FlagKind
    message: str
    severity: Severity
    restricted: bool = False
    withheld: str = ""
