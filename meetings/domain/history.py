"""What was true at each meeting: the actions it reviewed and the flags it raised, kept when the
meeting finishes, so the minutes of meeting 2 exported a month later say what was true at meeting 2.

Meetings finished by releases before these were kept have no record of their own; for them the
actions are worked out from the record as it is now, by the rule that counts carry-forwards
(`lifecycle.finish_meeting`), and the minutes say so.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from .family import actions_for
from .flags import case_flags
from .lifecycle import in_order
from .records import Action, ActionStatus, Case, Meeting, MeetingStatus, RaisedFlag
from .settings import Settings
from .wording import day_month_year


def keep_what_was_true(case: Case, meeting: Meeting, settings: Settings) -> None:
    """Record on `meeting`, as it finishes, each action it covers and the flags raised as of its day.
    Finishing again after a reopen records them again: the amended minutes say what is true then."""
    meeting.actions_at_finish = [copy.deepcopy(a) for a in actions_for(case, meeting)]
    meeting.flags_at_finish = [
        RaisedFlag(kind=f.kind.value, message=f.message, severity=f.severity.value, restricted=f.restricted)
        for f in case_flags(case, settings, meeting.date)
    ]
    meeting.recorded_at_finish = True


def _raised_before(case: Case, action: Action, meeting: Meeting) -> bool:
    """As `lifecycle.actions_to_review` decides: raised at an earlier meeting, or outside any."""
    if action.raised_at is None:
        return True
    if action.raised_at == meeting.number:
        return False
    raised = next((m for m in case.meetings if m.number == action.raised_at), None)
    return raised is None or (raised.date, raised.number) < (meeting.date, meeting.number)


def _open_at_finish(action: Action, meeting: Meeting) -> bool:
    """Whether the action was still open when `meeting` finished, as far as the record says: open
    now, or closed on a later day (one closed on the meeting's day was closed at its review)."""
    return action.is_open or (action.completed_on is not None and action.completed_on > meeting.date)


def _carried_by(case: Case, action: Action, meeting: Meeting) -> int:
    """How many finished meetings, up to and including `meeting`, carried the action forward."""
    return sum(
        1
        for m in in_order(case.meetings)
        if (m.date, m.number) <= (meeting.date, meeting.number)
        and (m.status is MeetingStatus.FINISHED or m is meeting)
        and _raised_before(case, action, m)
        and _open_at_finish(action, m)
    )


def _worked_out(case: Case, action: Action, meeting: Meeting) -> Action:
    """The action as it most likely stood when `meeting` finished, from the record as it is now."""
    then = copy.deepcopy(action)
    if meeting.status is not MeetingStatus.FINISHED:
        return then  # a meeting in progress shows the action as it is now
    then.times_carried_forward = min(action.times_carried_forward, _carried_by(case, action, meeting))
    if not action.is_open and action.completed_on is not None and action.completed_on > meeting.date:
        then.status = ActionStatus.OPEN
        then.completed_on = None
    return then


def actions_as_at(case: Case, meeting: Meeting) -> list[Action]:
    """The actions a meeting's minutes print, as they stood when it finished: as kept then, or
    worked out for a meeting of an earlier release. A meeting in progress shows them as they are."""
    if meeting.recorded_at_finish and meeting.status is MeetingStatus.FINISHED:
        return [_marked_as_now(case, a) for a in meeting.actions_at_finish]
    return [_worked_out(case, a, meeting) for a in actions_for(case, meeting)]


def _marked_as_now(case: Case, kept: Action) -> Action:
    """An action as a meeting kept it, with what the family may see decided as today: marked
    restricted since, or about a person restricted since, it is withheld from the family copy."""
    now = next((a for a in case.actions if a.number == kept.number), None)
    if now is None or (now.restricted <= kept.restricted and now.person_id == kept.person_id):
        return kept
    marked = copy.copy(kept)
    marked.restricted = kept.restricted or now.restricted
    marked.person_id = now.person_id if now.person_id is not None else kept.person_id
    return marked


def worked_out_from_today(meeting: Meeting) -> bool:
    """A finished meeting that kept no record of its own (finished by an earlier release)."""
    return meeting.status is MeetingStatus.FINISHED and not meeting.recorded_at_finish


@dataclass(frozen=True)
class ActionAtMeeting:
    """One line of an action's history: how it stood when one meeting finished."""

    meeting: int
    date: dt.date
    status: ActionStatus
    times_carried_forward: int
    due: dt.date | None
    evidence: str
    kept: bool  # recorded when the meeting finished; False: worked out from today's record


def action_history(case: Case, number: int) -> list[ActionAtMeeting]:
    """The action meeting by meeting: each finished meeting that reviewed it, oldest first."""
    lines = []
    for meeting in in_order(case.meetings):
        if meeting.status is not MeetingStatus.FINISHED:
            continue
        found = next((a for a in actions_as_at(case, meeting) if a.number == number), None)
        if found is None:
            continue
        lines.append(
            ActionAtMeeting(
                meeting=meeting.number,
                date=meeting.date,
                status=found.status,
                times_carried_forward=found.times_carried_forward,
                due=found.due,
                evidence=found.evidence,
                kept=meeting.recorded_at_finish,
            )
        )
    return lines


_STATUS = {
    ActionStatus.OPEN: "open",
    ActionStatus.IN_PROGRESS: "in progress",
    ActionStatus.DONE: "done",
    ActionStatus.CANCELLED: "cancelled",
}


def action_history_words(case: Case, number: int) -> str:
    """An action meeting by meeting, one line each, for its form: empty if no meeting reviewed it."""
    lines = []
    for line in action_history(case, number):
        carried = line.times_carried_forward
        parts = [_STATUS[line.status]]
        if carried:
            parts.append(f"carried forward {'once' if carried == 1 else f'{carried} times'}")
        if line.due is not None:
            parts.append(f"due {day_month_year(line.due)}")
        worked_out = "" if line.kept else " (worked out: that meeting kept no record)"
        lines.append(f"Meeting {line.meeting}, {day_month_year(line.date)}: {', '.join(parts)}{worked_out}")
    return "Meeting by meeting:\n" + "\n".join(lines) if lines else ""


def flags_as_at(case: Case, meeting: Meeting, settings: Settings) -> list[RaisedFlag] | None:
    """The flags a meeting's minutes print: as raised when it finished, or as the rules say now
    for a meeting in progress. None for a meeting of an earlier release, which kept none (the
    rules run on today's record would not say what was true that day)."""
    if meeting.status is MeetingStatus.FINISHED:
        return list(meeting.flags_at_finish) if meeting.recorded_at_finish else None
    return [
        RaisedFlag(kind=f.kind.value, message=f.message, severity=f.severity.value, restricted=f.restricted)
        for f in case_flags(case, settings, meeting.date)
    ]


__all__ = [
    "ActionAtMeeting",
    "action_history",
    "action_history_words",
    "actions_as_at",
    "flags_as_at",
    "keep_what_was_true",
    "worked_out_from_today",
]
