"""The finish checklist: what must be recorded before a meeting can be finished.

Each problem names the step to go back to by the key the agenda gives it, found by the step's
role, so a council's own agenda (renamed, reworded, reordered) is checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .agenda import MEETING_TEXTS, Agenda, AnswerKind, AnswerSpec, StepRole
from .lifecycle import actions_raised_at, actions_to_review, attended, meeting_mode_from, next_meeting_date_of
from .records import AgendaStep, AttendanceStatus, Case, Meeting, MeetingMode
from .wording import action_type_words, day_month_year, humanise


class ProblemKind(StrEnum):
    """What is missing from a meeting's record."""

    NO_NOTES = "no_notes"
    REQUIRED_ANSWER = "required_answer"
    NO_ATTENDEES = "no_attendees"
    ATTENDEE_MODE = "attendee_mode"
    MODE_REASON = "mode_reason"
    MODE_MISMATCH = "mode_mismatch"
    ACTION_OWNER = "action_owner"
    ACTION_DUE = "action_due"
    ACTION_NOT_UPDATED = "action_not_updated"
    NEXT_MEETING = "next_meeting"


_ATTENDANCE_PROBLEMS = frozenset(
    {ProblemKind.NO_ATTENDEES, ProblemKind.ATTENDEE_MODE, ProblemKind.MODE_REASON, ProblemKind.MODE_MISMATCH}
)


@dataclass(frozen=True)
class Problem:
    """Something missing from a meeting's record, and the step to go back to (None: none, or
    the attendance, as `goes_to_attendance` says)."""

    message: str
    kind: ProblemKind
    step_key: str | None = None
    answer_key: str | None = None  # the unanswered answer at that step, where the cursor should go

    @property
    def goes_to_attendance(self) -> bool:
        """Whether the problem is put right in the meeting's attendance list."""
        return self.kind in _ATTENDANCE_PROBLEMS


def _answered(value: object) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


def step_recorded(meeting: Meeting, step: AgendaStep, agenda: Agenda) -> bool:
    """Something is written for this step: its notes, or one of the meeting's own texts typed at it."""
    texts = MEETING_TEXTS.get(agenda.role_of(step), ())
    return bool(step.notes.strip()) or any(str(getattr(meeting, t.value)).strip() for t in texts)


def unanswered(step: AgendaStep, agenda: Agenda, *, all_unborn: bool = False) -> list[AnswerSpec]:
    """The required answers of this step that are still empty (those about a child already born
    are not required while every child is unborn)."""
    template = agenda.template_of(step)
    return [
        spec
        for spec in (template.answers if template else ())
        if spec.required and not _answered(step.answers.get(spec.key)) and not (all_unborn and spec.after_birth)
    ]


def asked(case: Case, spec: AnswerSpec) -> bool:
    """Whether the question is asked of this case (not one about a born child before any birth)."""
    return not (spec.after_birth and all(c.unborn for c in case.children))


def step_complete(meeting: Meeting, step: AgendaStep, agenda: Agenda, *, all_unborn: bool = False) -> bool:
    """The step has something written and every required answer."""
    return step_recorded(meeting, step, agenda) and not unanswered(step, agenda, all_unborn=all_unborn)


def _step_key(meeting: Meeting, agenda: Agenda, role: StepRole) -> str | None:
    """The key of the meeting's step with `role`, else the agenda's (None if neither has one)."""
    return next((s.key for s in meeting.steps if agenda.role_of(s) is role), None) or agenda.key_of(role)


def _next_date_answer(agenda: Agenda) -> str | None:
    """The date answer of the next-meeting step, where the next core group's date is typed."""
    key = agenda.key_of(StepRole.NEXT_MEETING)
    template = agenda.step(key) if key else None
    if template is None:
        return None
    dates = [a.key for a in template.answers if a.kind is AnswerKind.DATE]
    return "next_meeting_date" if "next_meeting_date" in dates else next(iter(dates), None)


def finish_problems(case: Case, meeting: Meeting, agenda: Agenda) -> list[Problem]:
    """What is missing before the meeting can be finished, in agenda order, then the rest."""
    problems: list[Problem] = []
    all_unborn = all(c.unborn for c in case.children)
    for number, step in enumerate(meeting.steps, start=1):
        where = f"step {number}, {step.title}"
        if not step_recorded(meeting, step, agenda):
            problems.append(Problem(f"No notes at {where}.", ProblemKind.NO_NOTES, step.key))
        for spec in unanswered(step, agenda, all_unborn=all_unborn):
            problems.append(
                Problem(f"'{spec.label}' is not answered ({where}).", ProblemKind.REQUIRED_ANSWER, step.key, spec.key)
            )

    if not attended(meeting.attendees):
        problems.append(Problem("Nobody is recorded as attending.", ProblemKind.NO_ATTENDEES))
    for a in meeting.attendees:
        if a.status is AttendanceStatus.ATTENDED and a.mode is None:
            problems.append(
                Problem(f"Say how {a.name} attended: in person, online or by phone.", ProblemKind.ATTENDEE_MODE)
            )
    if meeting.mode is not MeetingMode.IN_PERSON and not meeting.mode_reason.strip():
        problems.append(
            Problem(
                f"The meeting was held {humanise(meeting.mode.value)} with no reason recorded.",
                ProblemKind.MODE_REASON,
            )
        )
    elif meeting.mode is MeetingMode.IN_PERSON and meeting_mode_from(meeting.attendees) is not MeetingMode.IN_PERSON:
        problems.append(
            Problem(
                "Some attendees joined online or by phone, but the meeting is recorded as in person.",
                ProblemKind.MODE_MISMATCH,
            )
        )

    actions_step = _step_key(meeting, agenda, StepRole.ACTIONS_AND_CONTINGENCY)
    for action in actions_raised_at(case, meeting):
        if not action.is_open:
            continue
        if not action.owner.strip():
            problems.append(Problem(f"Action {action.number} has no owner.", ProblemKind.ACTION_OWNER, actions_step))
        if action.due is None:
            problems.append(Problem(f"Action {action.number} has no due date.", ProblemKind.ACTION_DUE, actions_step))
    review_step = _step_key(meeting, agenda, StepRole.REVIEW_OF_ACTIONS)
    for action in actions_to_review(case, meeting):
        if action.due is not None and action.due < meeting.date and not action.evidence.strip():
            problems.append(
                Problem(
                    f"Action {action.number} ({action_type_words(action)}) was due on {day_month_year(action.due)} "
                    "and has no update: record its progress and evidence.",
                    ProblemKind.ACTION_NOT_UPDATED,
                    review_step,
                )
            )
    if case.plan_ended_on is None and next_meeting_date_of(meeting) is None:
        problems.append(
            Problem(
                "No date is set for the next core group.",
                ProblemKind.NEXT_MEETING,
                _step_key(meeting, agenda, StepRole.NEXT_MEETING),
                _next_date_answer(agenda),
            )
        )
    return problems
