"""Drift and disguised compliance: actions carried from meeting to meeting, review conferences
held late again and again, and actions closed on a parent's word while the worries stay.

National reviews keep finding plans that drift (the same action carried forward for months) and
families who appear to cooperate while nothing changes for the child. These rules make both
visible at the review of actions, and lateness of review conferences at the next-meeting step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..breaches import breach_words, current_breaches
from ..lifecycle import in_order, latest_meeting, previous_meeting
from ..records import Action, ActionStatus, BreachKind, Case, EvidenceSource, Meeting, MeetingStatus
from ..settings import Settings
from ..wording import day_month_year, short
from .base import Flag, FlagKind, Severity

TEST_IT = "what has changed for the child, and how do we know?"


@dataclass(frozen=True)
class OpenFor:
    """How long an action has been open, since when, and at how many meetings it was carried."""

    since: dt.date
    raised_where: str  # "meeting 2" or "the conference"
    how_long: str  # "5 weeks", "4 months"
    meetings_carried: int


def how_long(since: dt.date, today: dt.date) -> str:
    """'under a week', '5 weeks' (up to three months), then '4 months'."""
    days = (today - since).days
    if days < 7:
        return "under a week"
    months = (today.year - since.year) * 12 + today.month - since.month - (today.day < since.day)
    if months < 3:
        weeks = days // 7
        return f"{weeks} week{'' if weeks == 1 else 's'}"
    return f"{months} months"


def meetings_carried(case: Case, action: Action) -> int:
    """At how many finished meetings the action was carried forward: counted from what each meeting
    kept when it finished, or, for meetings of an earlier release that kept nothing, the action's
    own count (whichever is larger)."""
    kept = 0
    for meeting in in_order(case.meetings):
        if meeting.status is not MeetingStatus.FINISHED or not meeting.recorded_at_finish:
            continue
        if meeting.number == action.raised_at:
            continue
        if any(a.number == action.number and a.is_open for a in meeting.actions_at_finish):
            kept += 1
    return max(kept, action.times_carried_forward)


def open_for(case: Case, action: Action, today: dt.date) -> OpenFor:
    """How long an action has been open: since the meeting that raised it, or the conference."""
    raised = next((m for m in case.meetings if m.number == action.raised_at), None)
    if raised is not None:
        since, where = raised.date, f"meeting {raised.number}"
    else:
        since, where = case.icpc_date, "the conference"
    return OpenFor(since, where, how_long(since, today), meetings_carried(case, action))


def open_for_words(case: Case, action: Action, today: dt.date) -> str:
    """'open 4 months (since meeting 1 on 3 March 2026), carried at 3 meetings'."""
    o = open_for(case, action, today)
    carried = (
        "not yet carried forward"
        if o.meetings_carried == 0
        else f"carried at {o.meetings_carried} meeting{'' if o.meetings_carried == 1 else 's'}"
    )
    return f"open {o.how_long} (since {o.raised_where} on {day_month_year(o.since)}), {carried}"


def _restricted(case: Case, action: Action) -> bool:
    restricted_ids = {p.id for p in case.people if p.restricted}
    return action.restricted or action.person_id in restricted_ids


def drifting_action_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """Each open action (assessments have their own flag) carried forward at the council's number
    of meetings or more: how long it has been open, and at how many meetings it was carried."""
    limit = settings.timescales.drift_carried_forward
    flags = []
    for action in sorted(case.actions, key=lambda a: a.number):
        if not action.is_open or action.is_assessment:
            continue
        if meetings_carried(case, action) < limit:
            continue
        flags.append(
            Flag(
                FlagKind.ACTION_DRIFTING,
                f"Action {action.number} ({short(action.text, 60)}) is drifting: "
                f"{open_for_words(case, action, today)}. What is stopping it, and is it still the right action?",
                Severity.MEDIUM,
                _restricted(case, action),
            )
        )
    return flags


def late_reviews_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """Review conferences held late, once there are the council's number of them: a pattern."""
    late = [
        b
        for b in current_breaches(case, settings, today)
        if b.kind is BreachKind.REVIEW_CONFERENCE_LATE and b.happened_on is not None
    ]
    if len(late) < settings.timescales.late_reviews_pattern:
        return []
    listed = " ".join(breach_words(b) for b in late)
    return [
        Flag(
            FlagKind.REVIEWS_LATE_PATTERN,
            f"{len(late)} review conferences were held late, a pattern: {listed} "
            "What keeps making them late? The plan is not being reviewed when it should be.",
            Severity.MEDIUM,
        )
    ]


def closed_since_last(case: Case) -> list[Action]:
    """Actions marked done since the last meeting held (or on a day not recorded)."""
    last = latest_meeting(case, finished_only=True)
    since = last.date if last is not None else None
    return [
        a
        for a in sorted(case.actions, key=lambda a: a.number)
        if a.status is ActionStatus.DONE and (a.completed_on is None or since is None or a.completed_on >= since)
    ]


def closed_since_previous(case: Case, meeting: Meeting) -> list[Action]:
    """What a meeting's review of actions asks about: actions from earlier meetings marked done
    since the meeting before it (or on a day not recorded)."""
    before = previous_meeting(case, meeting)
    return [
        a
        for a in sorted(case.actions, key=lambda a: a.number)
        if a.status is ActionStatus.DONE
        and a.raised_at != meeting.number
        and (a.completed_on is None or before is None or a.completed_on >= before.date)
        and (a.completed_on is None or a.completed_on <= meeting.date)
    ]


def _untested_because(action: Action) -> list[str]:
    """Why an action marked done is not yet evidence of a difference for the child."""
    reasons = []
    if action.evidence_from is EvidenceSource.PARENT_SAID:
        reasons.append("the evidence is only a parent's word")
    elif action.evidence_from is None and not action.evidence.strip():
        reasons.append("no evidence is recorded")
    if not action.impact.strip():
        reasons.append("no impact on the child is recorded")
    return reasons


def compliance_flags(case: Case) -> list[Flag]:
    """Actions marked done since the last meeting on a parent's word alone, or with no impact on
    the child: for the core group to test. And actions being closed while concerns keep arriving."""
    closed = closed_since_last(case)
    flags = []
    for action in closed:
        reasons = _untested_because(action)
        if not reasons:
            continue
        flags.append(
            Flag(
                FlagKind.COMPLIANCE_UNTESTED,
                f"Action {action.number} ({short(action.text, 60)}) is marked done, but "
                f"{' and '.join(reasons)}. Test it before it is relied on: {TEST_IT}",
                Severity.MEDIUM,
                _restricted(case, action),
            )
        )
    return flags + _worries_unchanged_flags(case, closed)


def _worries_unchanged_flags(case: Case, closed: list[Action]) -> list[Flag]:
    """Several actions closed since the last meeting, yet concerns have arrived since it."""
    last = latest_meeting(case, finished_only=True)
    if last is None or len(closed) < 2:
        return []
    arrived = [c for c in case.concerns if c.received_on > last.date]
    if not arrived:
        return []
    shown_closed = [a for a in closed if not _restricted(case, a)]
    shown_arrived = [c for c in arrived if c.shareable]
    restricted = len(shown_closed) < 2 or not shown_arrived
    numbers = ", ".join(str(a.number) for a in (closed if restricted else shown_closed))
    count = len(arrived if restricted else shown_arrived)
    return [
        Flag(
            FlagKind.COMPLIANCE_UNTESTED,
            f"Actions {numbers} were closed since the last meeting ({day_month_year(last.date)}), yet "
            f"{count} concern{' has' if count == 1 else 's have'} arrived since it: the plan's worries "
            "(the danger statement) are unchanged. Is the family complying on paper while nothing changes "
            "for the child?",
            Severity.MEDIUM,
            restricted,
        )
    ]
