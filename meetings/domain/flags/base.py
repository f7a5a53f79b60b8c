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


# What each kind of flag is about, in plain words: what a screen the family may see says of a
# restricted flag that has no words of its own without details.
KIND_WORDS: dict[FlagKind, str] = {
    FlagKind.ASSESSMENT_OVERDUE: "an assessment is overdue",
    FlagKind.ASSESSMENT_CARRIED_FORWARD: "an assessment has been carried forward",
    FlagKind.ASSESSMENT_NOT_ADAPTED: "an assessment is not adapted to the person's needs",
    FlagKind.ASSESSMENT_ONLINE_ONLY: "an assessment has been held online only",
    FlagKind.ASSESSMENT_SESSIONS_NOT_RECORDED: "an assessment's sessions are not recorded",
    FlagKind.ACTION_OVERDUE: "an action is past its due date",
    FlagKind.MAN_NOT_ASSESSED: "a man in the child's life has not been assessed",
    FlagKind.ADULT_NOT_ASSESSED: "an adult in the child's life has not been assessed",
    FlagKind.GENDER_NOT_RECORDED: "a person's gender is not recorded",
    FlagKind.NOT_INVITED_FOR_SAFETY: "a person is not invited, for safety",
    FlagKind.MAN_NEVER_AT_CORE_GROUP: "a man in the child's life has never been at a core group",
    FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED: "domestic abuse notifications without a risk assessment",
    FlagKind.CONCERN_UNANSWERED: "a concern has had no response from the core group",
    FlagKind.CONCERN_PATTERN: "a pattern in the concerns received",
    FlagKind.SERVICE_ENDING: "a service is ending with nothing to follow it",
    FlagKind.ONLINE_MEETINGS: "meetings held online",
    FlagKind.ATTENDED_ONLY_ONLINE: "a person has attended only online",
    FlagKind.CORE_GROUP_OVERDUE: "the next core group is overdue",
    FlagKind.REVIEW_OVERDUE: "the review conference is overdue",
    FlagKind.PLAN_DRIFT: "the plan has gone on a long time",
    FlagKind.NEXT_DATE_BEYOND_INTERVAL: "the next date is beyond the interval",
    FlagKind.CORE_GROUP_BEFORE_REVIEW: "the core group before the review conference",
    FlagKind.MINUTES_NOT_CIRCULATED: "minutes not yet sent",
    FlagKind.AMENDED_MINUTES_NOT_RESENT: "amended minutes not yet sent again",
    FlagKind.PRE_BIRTH: "pre-birth planning",
    FlagKind.BIRTH_FOLLOW_UP: "the follow-up after the birth",
    FlagKind.BABY_CHECKS: "checks for a baby",
    FlagKind.CHILD_NOT_SEEN: "a child not seen",
    FlagKind.CHILD_NOT_SEEN_ALONE: "a child not seen alone",
    FlagKind.CHILD_ATTENDANCE: "a child's attendance",
    FlagKind.OVER_OPTIMISM: "risks still open while scaling rose",
    FlagKind.ACTION_DRIFTING: "an action drifting",
    FlagKind.REVIEWS_LATE_PATTERN: "review conferences held late",
    FlagKind.COMPLIANCE_UNTESTED: "compliance not tested",
}


def withheld_words(kind: FlagKind, *, names_person: bool) -> str:
    """What a screen the family may see says of a restricted flag without words of its own: what
    it is about, in plain words, without its details."""
    about = "a restricted person" if names_person else "something restricted"
    return f"A flag about {about}: {KIND_WORDS[kind]}."


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
