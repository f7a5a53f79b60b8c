"""The rules of holding a core group meeting, and what the case review says must not be missed.

Pure functions on records: they change and return records and never save; the caller saves
with `CaseFile.save`. Messages are plain English a chair can read out in the meeting.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .agenda import Agenda, AnswerSpec
from .records import (
    Action,
    ActionType,
    AgendaStep,
    AssessmentStatus,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    CopyType,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Mobility,
    Person,
    Relationship,
    SourceKind,
)
from .schema import InvalidRecord, parse_date
from .settings import Settings
from .timescales import (
    add_working_days,
    core_group_interval_end,
    latest_meeting,
    long_date,
    next_core_group_due,
    next_review_due,
    plan_drift_alert,
    working_days_between,
)

FAMILY = "Family"
ENDING_SERVICE_DAYS = 28
ONLINE_MEETINGS_IN_A_ROW = 2

_RELATIONSHIP_WORDS = {
    Relationship.MOTHERS_PARTNER: "mother's partner",
    Relationship.FATHERS_PARTNER: "father's partner",
    Relationship.MALE_CARER: "male carer",
    Relationship.FEMALE_CARER: "female carer",
    Relationship.STEP_PARENT: "step-parent",
    Relationship.OTHER_RELATIVE: "relative",
    Relationship.FAMILY_FRIEND: "family friend",
    Relationship.REGULAR_VISITOR: "regular visitor",
    Relationship.OTHER: "",
}

_ACTION_TYPE_WORDS = {
    ActionType.PARENTING_ASSESSMENT: "parenting assessment",
    ActionType.PRE_BIRTH_ASSESSMENT: "pre-birth assessment",
    ActionType.FATHER_ASSESSMENT: "father / male carer assessment",
    ActionType.VISIT: "visit",
    ActionType.REFERRAL: "referral",
    ActionType.OTHER: "action",
}


def relationship_words(person: Person) -> str:
    """How a person relates to the child, in words: 'mother', 'mother's partner', or their own words."""
    if person.relationship is Relationship.OTHER and person.relationship_detail.strip():
        return person.relationship_detail.strip()
    return _RELATIONSHIP_WORDS.get(person.relationship, person.relationship.value.replace("_", " "))


def action_type_words(action: Action) -> str:
    return _ACTION_TYPE_WORDS[action.type]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _in_order(meetings: Sequence[Meeting]) -> list[Meeting]:
    return sorted(meetings, key=lambda m: (m.date, m.number))


# -- starting a meeting and who is in it ------------------------------------------------------


def start_meeting(
    case: Case,
    agenda: Agenda,
    *,
    date: dt.date,
    start_time: dt.time | None = None,
    venue: str = "",
    chair: str = "",
    minute_taker: str = "",
) -> Meeting:
    """A new meeting with the agenda's steps. It is not added to the case: saving it adds it."""
    return Meeting(
        number=case.next_number("meetings"),
        date=date,
        start_time=start_time,
        venue=venue,
        chair=chair,
        minute_taker=minute_taker,
        steps=agenda.new_steps(),
    )


def attendee_choices(case: Case) -> list[Attendee]:
    """People to pick from when taking attendance: the people in the child's life, then the
    professionals seen at earlier meetings (once each by name and agency, with their latest role)."""
    choices = [
        Attendee(
            name=p.name,
            role=relationship_words(p).capitalize(),
            agency=FAMILY,
            relationship_to_child=relationship_words(p),
            person_id=p.id,
            copy_type=CopyType.FAMILY,
        )
        for p in case.people
    ]
    family_names = {_key(p.name) for p in case.people}
    professionals: dict[tuple[str, str], Attendee] = {}
    for meeting in _in_order(case.meetings):
        for a in meeting.attendees:
            if a.person_id is not None or _key(a.agency) == _key(FAMILY) or _key(a.name) in family_names:
                continue
            key = (_key(a.name), _key(a.agency))
            seen = professionals.pop(key, None)
            role = a.role or (seen.role if seen else "")
            # Popped and put back so the list ends with the most recently seen.
            professionals[key] = Attendee(name=a.name, role=role, agency=a.agency, needs=a.needs, copy_type=a.copy_type)
    return choices + sorted(professionals.values(), key=lambda a: (_key(a.agency), _key(a.name)))


def _attended(attendees: Sequence[Attendee]) -> list[Attendee]:
    return [a for a in attendees if a.status is AttendanceStatus.ATTENDED]


def meeting_mode_from(attendees: Sequence[Attendee]) -> MeetingMode:
    """In person if everyone who attended was in the room, online if nobody was, hybrid if some were."""
    modes = [a.mode for a in _attended(attendees) if a.mode is not None]
    in_room = sum(m is AttendanceMode.IN_PERSON for m in modes)
    if not modes or in_room == len(modes):
        return MeetingMode.IN_PERSON
    if in_room == 0:
        return MeetingMode.ONLINE
    return MeetingMode.HYBRID


def missing_agencies(case: Case, meeting: Meeting) -> list[str]:
    """Expected agencies with nobody attending and no written report received."""
    present = {_key(a.agency) for a in meeting.attendees if a.status is AttendanceStatus.ATTENDED or a.report_received}
    return [agency for agency in case.expected_agencies if _key(agency) not in present]


def _is_attendee(person: Person, meeting: Meeting) -> bool:
    return any(a.person_id == person.id or _key(a.name) == _key(person.name) for a in meeting.attendees)


def may_be_a_man(person: Person) -> bool:
    """A father or male carer, or someone whose gender is not recorded in a relationship a man
    could have with the child: the review's 'invisible men' checks cover them all."""
    return person.is_father_or_male_carer or person.may_be_male_carer


def kept_away_for_safety(person: Person) -> bool:
    """Not invited to core groups, with a safety note saying why."""
    return not person.invited_to_core_group and bool(person.safety_note.strip())


def men_not_invited(case: Case, meeting: Meeting) -> list[Person]:
    """Fathers and male carers (and people of unrecorded gender who may be) known to the case who
    are not on this meeting's attendance list, leaving out those not invited for a recorded safety
    reason: `men_not_invited_for_safety` lists them."""
    return [
        p for p in case.people if may_be_a_man(p) and not _is_attendee(p, meeting) and not kept_away_for_safety(p)
    ]


def men_not_invited_for_safety(case: Case, meeting: Meeting) -> list[Person]:
    """Fathers and male carers not on this meeting's list because a safety note says they should
    not be invited: the core group still has to say who sees them separately."""
    return [p for p in case.people if may_be_a_man(p) and not _is_attendee(p, meeting) and kept_away_for_safety(p)]


def _before(case: Case, raised_at: int | None, meeting: Meeting) -> bool:
    """Whether an action raised at meeting `raised_at` (None: outside a meeting) predates `meeting`."""
    if raised_at is None:
        return True
    if raised_at == meeting.number:
        return False
    raised = next((m for m in case.meetings if m.number == raised_at), None)
    if raised is None:
        return True
    return (raised.date, raised.number) < (meeting.date, meeting.number)


def actions_to_review(case: Case, meeting: Meeting) -> list[Action]:
    """Open actions raised before this meeting (or outside any meeting): each needs an update."""
    return sorted(
        (a for a in case.actions if a.is_open and _before(case, a.raised_at, meeting)), key=lambda a: a.number
    )


def actions_raised_at(case: Case, meeting: Meeting) -> list[Action]:
    return sorted((a for a in case.actions if a.raised_at == meeting.number), key=lambda a: a.number)


# -- finishing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something missing from a meeting's record, and the step to go back to."""

    message: str
    step_key: str | None = None
    kind: str = ""


def _answered(value: object) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


def next_meeting_date_of(meeting: Meeting) -> dt.date | None:
    """The next core group's date: the meeting's field, or the answer typed at the last step."""
    if meeting.next_meeting_date is not None:
        return meeting.next_meeting_date
    for step in meeting.steps:
        value = step.answers.get("next_meeting_date")
        if isinstance(value, str) and value.strip():
            try:
                return parse_date(value.strip())
            except InvalidRecord:
                return None
    return None


# The meeting's own text fields, recorded at the agenda step where the core group agrees them.
STEP_MEETING_FIELDS: dict[str, tuple[str, ...]] = {
    "actions_contingency": ("contingency_plan",),
    "dissent": ("dissent",),
    "next_dates": ("decisions",),
}


def step_recorded(meeting: Meeting, step: AgendaStep) -> bool:
    """Something is written for this step: its notes, or the meeting field typed at it."""
    fields = STEP_MEETING_FIELDS.get(step.key, ())
    return bool(step.notes.strip()) or any(str(getattr(meeting, f)).strip() for f in fields)


def unanswered(step: AgendaStep, agenda: Agenda) -> list[AnswerSpec]:
    """The required answers of this step that are still empty."""
    template = agenda.step(step.key)
    return [
        spec
        for spec in (template.answers if template else ())
        if spec.required and not _answered(step.answers.get(spec.key))
    ]


def step_complete(meeting: Meeting, step: AgendaStep, agenda: Agenda) -> bool:
    return step_recorded(meeting, step) and not unanswered(step, agenda)


def finish_problems(case: Case, meeting: Meeting, agenda: Agenda) -> list[Problem]:
    """What is missing before the meeting can be finished, in agenda order, then the rest."""
    problems: list[Problem] = []
    for number, step in enumerate(meeting.steps, start=1):
        where = f"step {number}, {step.title}"
        if not step_recorded(meeting, step):
            problems.append(Problem(f"No notes at {where}.", step.key, "no_notes"))
        for spec in unanswered(step, agenda):
            problems.append(Problem(f"'{spec.label}' is not answered ({where}).", step.key, "required_answer"))

    if not _attended(meeting.attendees):
        problems.append(Problem("Nobody is recorded as attending.", None, "no_attendees"))
    for a in meeting.attendees:
        if a.status is AttendanceStatus.ATTENDED and a.mode is None:
            problems.append(
                Problem(f"Say how {a.name} attended: in person, online or by phone.", None, "attendee_mode")
            )
    if meeting.mode is not MeetingMode.IN_PERSON and not meeting.mode_reason.strip():
        problems.append(
            Problem(
                f"The meeting was held {meeting.mode.value.replace('_', ' ')} with no reason recorded.",
                None,
                "mode_reason",
            )
        )
    elif meeting.mode is MeetingMode.IN_PERSON and meeting_mode_from(meeting.attendees) is not MeetingMode.IN_PERSON:
        problems.append(
            Problem(
                "Some attendees joined online or by phone, but the meeting is recorded as in person.",
                None,
                "mode_mismatch",
            )
        )

    for action in actions_raised_at(case, meeting):
        if not action.is_open:
            continue
        if not action.owner.strip():
            problems.append(Problem(f"Action {action.number} has no owner.", "actions_contingency", "action_owner"))
        if action.due is None:
            problems.append(Problem(f"Action {action.number} has no due date.", "actions_contingency", "action_due"))
    for action in actions_to_review(case, meeting):
        if action.due is not None and action.due < meeting.date and not action.evidence.strip():
            what = action_type_words(action)
            problems.append(
                Problem(
                    f"Action {action.number} ({what}) was due on {long_date(action.due)} and has no update: "
                    "record its progress and evidence.",
                    "review_actions",
                    "action_not_updated",
                )
            )
    if case.plan_ended_on is None and next_meeting_date_of(meeting) is None:
        problems.append(Problem("No date is set for the next core group.", "next_dates", "next_meeting"))
    return problems


def finish_meeting(case: Case, meeting: Meeting, *, now: dt.datetime, note: str = "") -> list[Action]:
    """Mark the meeting finished and count one more carry-forward for every action still open
    that was raised before it. Returns the actions changed.

    A meeting counts its carry-forwards once: finishing it again after a reopen does not count
    them again. The next core group's date typed at the last step is kept on the meeting, and
    the end time is filled in when the meeting finishes on its own day.
    """
    if meeting.status is MeetingStatus.FINISHED:
        raise InvalidRecord("status", f"meeting {meeting.number} is already finished; reopen it to change it")
    first_time = meeting.finished_at is None
    meeting.status = MeetingStatus.FINISHED
    meeting.finished_at = now
    if note.strip():
        meeting.finish_note = f"{meeting.finish_note}\n{note.strip()}" if meeting.finish_note.strip() else note.strip()
    if meeting.next_meeting_date is None:
        meeting.next_meeting_date = next_meeting_date_of(meeting)
    end = now.time().replace(second=0, microsecond=0, tzinfo=None)
    if (
        meeting.end_time is None
        and now.date() == meeting.date
        and (meeting.start_time is None or end >= meeting.start_time)
    ):
        meeting.end_time = end
    if not first_time:
        return []
    changed = actions_to_review(case, meeting)
    for action in changed:
        action.times_carried_forward += 1
    return changed


def reopen_meeting(meeting: Meeting, *, reason: str) -> Meeting:
    """Open a finished meeting for changes again, recording why."""
    if meeting.status is not MeetingStatus.FINISHED:
        raise InvalidRecord("status", f"meeting {meeting.number} is not finished, so it cannot be reopened")
    if not reason.strip():
        raise InvalidRecord("finish_note", "say why the meeting is being reopened")
    entry = f"Reopened: {' '.join(reason.split())}"
    meeting.finish_note = f"{meeting.finish_note}\n{entry}" if meeting.finish_note.strip() else entry
    meeting.status = MeetingStatus.IN_PROGRESS
    return meeting


# -- what the review learned: flags shown at every meeting --------------------------------------


@dataclass(frozen=True)
class Flag:
    """Something the core group must look at. `restricted`: it names something the family must not see."""

    kind: str
    message: str
    severity: str  # "high" | "medium" | "info"
    restricted: bool = False


SEVERITY_ORDER = {"high": 0, "medium": 1, "info": 2}


def _scores(meeting: Meeting) -> dict[str, int]:
    return {_key(s.name): s.score for s in meeting.scaling}


def _previous_scaled(case: Case, meeting: Meeting) -> Meeting | None:
    earlier = [m for m in _in_order(case.meetings) if (m.date, m.number) < (meeting.date, meeting.number) and m.scaling]
    return earlier[-1] if earlier else None


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values)


def scaling_change(case: Case, meeting: Meeting) -> tuple[float, float] | None:
    """The average scaling at the last meeting that scaled and at this one, or None.

    Where the same people scaled both times only their scores are compared, so a change in who
    attended does not look like progress.
    """
    previous = _previous_scaled(case, meeting)
    if previous is None or not meeting.scaling:
        return None
    before, now = _scores(previous), _scores(meeting)
    common = before.keys() & now.keys()
    if common:
        return _mean([before[k] for k in common]), _mean([now[k] for k in common])
    return _mean(list(before.values())), _mean(list(now.values()))


def scaling_rose(case: Case, meeting: Meeting) -> bool:
    change = scaling_change(case, meeting)
    return change is not None and change[1] > change[0]


@dataclass(frozen=True)
class Risk:
    """An open risk in words. `restricted`: it names something the family must not see."""

    text: str
    restricted: bool = False


def open_risks_detailed(case: Case) -> list[Risk]:
    """The risks still open: people's recorded risks and missing assessments, open actions,
    and concerns with no response, each marked restricted where it names a restricted person,
    a restricted action or a concern not shareable with the family."""
    names = restricted_names(case)
    risks: list[Risk] = []
    for p in case.people:
        if p.risks.strip():
            text = f"{p.name} ({relationship_words(p)}): {_short(p.risks).rstrip('.')}"
            risks.append(Risk(text, p.restricted or _names_any(text, names)))
        if _needs_assessment(p):
            risks.append(Risk(f"{p.name} has not been assessed", p.restricted))
    restricted_ids = {p.id for p in case.people if p.restricted}
    for a in sorted(case.actions, key=lambda a: a.number):
        if a.is_open:
            text = f"Action {a.number} is not done ({_short(a.text, 60).rstrip('.')})"
            risks.append(Risk(text, a.restricted or a.person_id in restricted_ids or _names_any(text, names)))
    for c in case.concerns:
        if not c.answered:
            risks.append(Risk(f"The concern received on {long_date(c.received_on)} has no response", not c.shareable))
    return risks


def open_risks(case: Case) -> list[str]:
    """The open risks as plain text (see `open_risks_detailed` for which are restricted)."""
    return [r.text for r in open_risks_detailed(case)]


def restricted_names(case: Case) -> tuple[str, ...]:
    """The names of people marked restricted, each with its whitespace made single spaces."""
    return tuple(sorted({" ".join(p.name.split()) for p in case.people if p.restricted and p.name.strip()}))


def name_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern for any of `names` as whole words, whatever the case and however the parts of a
    name are spaced or broken across lines ('Max  Fictional', or 'Max' ending one line)."""
    parts = [n.split() for n in names if n.split()]
    if not parts:
        return None
    alternatives = sorted((r"\s+".join(re.escape(w) for w in words) for words in parts), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _names_any(text: str, names: Sequence[str]) -> bool:
    pattern = name_pattern(names)
    return pattern is not None and pattern.search(text) is not None


def _short(text: str, limit: int = 90) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def _needs_assessment(person: Person) -> bool:
    return person.relationship is not Relationship.SIBLING and person.assessment_status is AssessmentStatus.NOT_STARTED


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def case_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """Everything the core group must look at today, most serious first."""
    flags: list[Flag] = []
    flags += _assessment_flags(case, today)
    flags += _overdue_action_flags(case, today)
    flags += _people_flags(case)
    flags += _concern_flags(case)
    flags += _online_flags(case, today)
    flags += _service_flags(case, today)
    flags += _baby_flags(case, today)
    flags += _optimism_flags(case)
    flags += _timescale_flags(case, settings, today)
    flags += _minutes_flags(case, settings, today)
    flags += _child_seen_flags(case, settings, today)
    flags += _gender_flags(case)
    flags += _kept_away_flags(case)
    return sorted(_mark_restricted_names(case, flags), key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def _mark_restricted_names(case: Case, flags: list[Flag]) -> list[Flag]:
    """A second guard: any flag whose words name a restricted person is restricted."""
    pattern = name_pattern(restricted_names(case))
    if pattern is None:
        return flags
    return [
        f if f.restricted or pattern.search(f.message) is None else Flag(f.kind, f.message, f.severity, True)
        for f in flags
    ]


def _assessment_flags(case: Case, today: dt.date) -> list[Flag]:
    flags = []
    for a in sorted(case.actions, key=lambda a: a.number):
        if not (a.is_open and a.is_assessment):
            continue
        what = f"The {action_type_words(a)} (action {a.number})"
        person = next((p for p in case.people if p.id == a.person_id), None)
        if person is not None:
            what = f"The {action_type_words(a)} of {person.name} (action {a.number})"
        overdue = a.due is not None and a.due < today
        parts = []
        if overdue and a.due is not None:
            parts.append(f"was due on {long_date(a.due)} and is not finished")
        if a.times_carried_forward:
            parts.append(f"has been carried forward {_times(a.times_carried_forward)}")
        if parts:
            flags.append(
                Flag(
                    "assessment_overdue" if overdue else "assessment_carried_forward",
                    f"{what} {' and '.join(parts)}. What is stopping it, and what decision is waiting for it?",
                    "high",
                    a.restricted or (person is not None and person.restricted),
                )
            )
    return flags


def _overdue_action_flags(case: Case, today: dt.date) -> list[Flag]:
    overdue = [a for a in case.actions if a.is_open and not a.is_assessment and a.due is not None and a.due < today]
    if not overdue:
        return []
    numbers = ", ".join(str(a.number) for a in sorted(overdue, key=lambda a: a.number))
    label = "Action" if len(overdue) == 1 else "Actions"
    restricted_ids = {p.id for p in case.people if p.restricted}
    return [
        Flag(
            "action_overdue",
            f"{label} {numbers} {'is' if len(overdue) == 1 else 'are'} past the due date and still open.",
            "medium",
            any(a.restricted or a.person_id in restricted_ids for a in overdue),
        )
    ]


def _people_flags(case: Case) -> list[Flag]:
    flags = []
    for p in case.people:
        if not _needs_assessment(p):
            continue
        planned = [a for a in case.actions if a.person_id == p.id and a.is_open and a.is_assessment]
        plan = (
            f" An assessment is planned (action {planned[0].number}) but has not started."
            if planned
            else " Who will assess them, and by when?"
        )
        if may_be_a_man(p):
            message = (
                f"{p.name} ({relationship_words(p)}) has not been assessed. "
                f"Fathers and men in the child's life must be seen and assessed.{plan}"
            )
            flags.append(Flag("man_not_assessed", message, "high", p.restricted))
        else:
            message = f"{p.name} ({relationship_words(p)}) has not been assessed.{plan}"
            flags.append(Flag("adult_not_assessed", message, "medium", p.restricted))
    return flags


def _concern_flags(case: Case) -> list[Flag]:
    last_held = latest_meeting(case, finished_only=True)
    flags = []
    for c in sorted(case.concerns, key=lambda c: (c.received_on, c.id)):
        if c.answered:
            continue
        source = c.source.strip() or "a source not recorded"
        if c.source_kind is SourceKind.ANONYMOUS:
            source = (
                f"an anonymous referrer (passed on by {c.source.strip()})"
                if c.source.strip()
                else "an anonymous referrer"
            )
        missed = last_held is not None and c.received_on < last_held.date
        when = (
            f" It was received before the meeting on {long_date(last_held.date)} and is still unanswered."
            if missed and last_held is not None
            else " It needs a response at this meeting."
        )
        flags.append(
            Flag(
                "concern_unanswered",
                f"The concern from {source} received on {long_date(c.received_on)} has no response from the "
                f"core group.{when} Every concern gets a response, whatever its source.",
                "high" if missed else "medium",
                not c.shareable,
            )
        )
    return flags


def _online_flags(case: Case, today: dt.date) -> list[Flag]:
    held = [m for m in _in_order(case.meetings) if m.date <= today]
    flags = []
    recent = held[-ONLINE_MEETINGS_IN_A_ROW:]
    if len(recent) == ONLINE_MEETINGS_IN_A_ROW and all(m.mode is MeetingMode.ONLINE for m in recent):
        flags.append(
            Flag(
                "online_meetings",
                f"The last {len(recent)} core groups were held online. Plan the next one in person, "
                "or record why it cannot be.",
                "medium",
            )
        )
    family_ids = {p.id for p in case.people}
    restricted_ids = {p.id for p in case.people if p.restricted}
    restricted_keys = {_key(p.name) for p in case.people if p.restricted}
    seen: dict[tuple[str, str], list[AttendanceMode]] = {}
    names: dict[tuple[str, str], tuple[str, bool]] = {}
    hidden: set[tuple[str, str]] = set()
    for m in held:
        for a in _attended(m.attendees):
            if a.mode is None:
                continue
            key = (f"person:{a.person_id}", "") if a.person_id is not None else (_key(a.name), _key(a.agency))
            seen.setdefault(key, []).append(a.mode)
            names[key] = (a.name, a.person_id in family_ids or _key(a.agency) == _key(FAMILY))
            if a.person_id in restricted_ids or _key(a.name) in restricted_keys:
                hidden.add(key)
    for key, modes in seen.items():
        if len(modes) >= 2 and all(mode is not AttendanceMode.IN_PERSON for mode in modes):
            name, family = names[key]
            flags.append(
                Flag(
                    "attended_only_online",
                    f"{name} has only ever joined core groups online or by phone ({len(modes)} meetings). "
                    + ("Who has seen them in person?" if family else "Can they attend in person next time?"),
                    "medium" if family else "info",
                    key in hidden,
                )
            )
    return flags


def _service_flags(case: Case, today: dt.date) -> list[Flag]:
    flags = []
    soon = today + dt.timedelta(days=ENDING_SERVICE_DAYS)
    for s in case.services:
        if s.end_date is None or s.end_date > soon or s.successor.strip():
            continue
        whom = f" for {s.for_whom}" if s.for_whom.strip() else ""
        verb = "ended" if s.end_date < today else "ends"
        flags.append(
            Flag(
                "service_ending",
                f"{s.name}{whom} {verb} on {long_date(s.end_date)} with no support recorded to follow it. "
                "What support is in place instead?",
                "medium",
            )
        )
    return flags


def _first_name(child: Child) -> str:
    return child.name.split()[0] if child.name.strip() else "the child"


def _baby_flags(case: Case, today: dt.date) -> list[Flag]:
    flags = []
    for child in case.children:
        if child.unborn:
            has_plan = any(a.type is ActionType.PRE_BIRTH_ASSESSMENT for a in case.actions)
            if not has_plan:
                due = f" (due {long_date(child.due_date)})" if child.due_date else ""
                flags.append(
                    Flag(
                        "pre_birth",
                        f"{child.name}{due} is not yet born and no pre-birth assessment is recorded as an action.",
                        "high",
                    )
                )
            continue
        age = child.age_in_months(today)
        under_one = age is not None and age < 12
        if not (under_one or child.mobility is Mobility.NON_MOBILE):
            continue
        why = "is under one" if under_one else "is not yet mobile"
        seen = (
            f"last recorded as seen by a medical professional on {long_date(child.seen_by_medical_professional_on)}"
            if child.seen_by_medical_professional_on
            else "no date is recorded for when a medical professional last saw them"
        )
        flags.append(
            Flag(
                "baby_checks",
                f"{_first_name(child)} {why}: ask about any bruising or marks and follow the bruising protocol. "
                f"Has a medical professional seen {_first_name(child)} since the last meeting? ({seen[0].upper()}{seen[1:]}.)",
                "info",
            )
        )
    return flags


def _optimism_flags(case: Case) -> list[Flag]:
    scaled = [m for m in _in_order(case.meetings) if m.scaling]
    if not scaled:
        return []
    latest = scaled[-1]
    change = scaling_change(case, latest)
    if change is None or change[1] <= change[0]:
        return []
    detailed = open_risks_detailed(case)
    if not detailed:
        return []
    # Restricted if any open risk is, even one beyond the ten named: the count still tells of it.
    restricted = any(r.restricted for r in detailed)
    risks = [r.text for r in detailed]
    shown = " ".join(f"({i}) {risk}." for i, risk in enumerate(risks[:10], start=1))
    if len(risks) > 10:
        shown += f" And {len(risks) - 10} more."
    return [
        Flag(
            "over_optimism",
            f"Scaling rose from {change[0]:.1f} to {change[1]:.1f} at meeting {latest.number}, "
            f"but these risks are still open: {shown} Is the group being too optimistic?",
            "medium",
            restricted,
        )
    ]


def _timescale_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    flags = []
    due = next_core_group_due(case, settings)
    if due is not None and due < today:
        flags.append(
            Flag(
                "core_group_overdue",
                f"The next core group was due by {long_date(due)} and has not been held.",
                "high",
            )
        )
    review = next_review_due(case, settings, today=today)
    if review is not None and review < today:
        flags.append(
            Flag(
                "review_overdue", f"The review conference was due by {long_date(review)} and has not been held.", "high"
            )
        )
    drift = plan_drift_alert(case, today, settings)
    if drift is not None:
        flags.append(Flag("plan_drift", drift, "medium"))
    flags += _next_date_flags(case, settings, today)
    return flags


def _next_date_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """The next core group's date as set at the last meeting, against the council's timescales."""
    latest = latest_meeting(case)
    planned = next_meeting_date_of(latest) if latest is not None else None
    if case.plan_ended_on is not None or latest is None or planned is None:
        return []
    t = settings.timescales
    flags = []
    latest_allowed = core_group_interval_end(latest.date, settings)
    if planned > latest_allowed:
        flags.append(
            Flag(
                "next_date_beyond_interval",
                f"Meeting {latest.number} set the next core group for {long_date(planned)}, more than "
                f"{t.core_group_interval_weeks} weeks after it. Core groups are held at least every "
                f"{t.core_group_interval_weeks} weeks: the next is due by {long_date(latest_allowed)}.",
                "medium",
            )
        )
    review = next((d for d in sorted(case.review_conferences) if d >= today and d >= planned), None)
    if planned >= today and review is not None:
        gap = working_days_between(planned, review, settings)
        if gap < t.before_review_working_days:
            flags.append(
                Flag(
                    "core_group_before_review",
                    f"The next core group ({long_date(planned)}) is {gap} working "
                    f"{'day' if gap == 1 else 'days'} before the review conference on {long_date(review)}. "
                    f"The last core group must be at least {t.before_review_working_days} working days before it: "
                    f"hold it by {long_date(add_working_days(review, -t.before_review_working_days, settings))}.",
                    "high",
                )
            )
    return flags


def _minutes_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    """Finished meetings whose minutes are not recorded as sent to anyone within the timescale."""
    limit = settings.timescales.minutes_working_days
    late = [
        m
        for m in _in_order(case.meetings)
        if m.status is MeetingStatus.FINISHED
        and not m.distribution
        and working_days_between(m.date, today, settings) > limit
    ]
    if not late:
        return []
    which = _and_list([f"meeting {m.number} ({long_date(m.date)})" for m in late])
    return [
        Flag(
            "minutes_not_circulated",
            f"The minutes of {which} are not recorded as sent to anyone. Minutes go to everyone invited "
            f"within {limit} working days of the meeting: send them and record who received which copy.",
            "high",
        )
    ]


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _gender_flags(case: Case) -> list[Flag]:
    return [
        Flag(
            "gender_not_recorded",
            f"Gender is not recorded for {p.name} ({relationship_words(p)}): is this a man in the child's life? "
            "Record it. Until then the core group treats them as one: seen, assessed and invited.",
            "high",
            p.restricted,
        )
        for p in case.people
        if p.may_be_male_carer
    ]


def _kept_away_flags(case: Case) -> list[Flag]:
    flags = []
    for p in case.people:
        if not (may_be_a_man(p) and kept_away_for_safety(p)):
            continue
        him, his = ("him", "his") if p.is_father_or_male_carer else ("them", "their")
        flags.append(
            Flag(
                "not_invited_for_safety",
                f"{p.name} ({relationship_words(p)}) is not invited to core groups: a safety note is recorded. "
                f"Who will see {him} separately, and how will {his} views reach the core group?",
                "info",
                p.restricted,
            )
        )
    return flags


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


def _child_seen_flags(case: Case, settings: Settings, today: dt.date) -> list[Flag]:
    if case.plan_ended_on is not None or all(c.unborn for c in case.children) or not case.meetings:
        return []
    names = case.child_names()
    limit = settings.timescales.visit_interval_working_days
    last_seen = child_last_seen_on(case)
    if last_seen is None:
        return [Flag("child_not_seen", f"No meeting has recorded when {names} was last seen.", "high")]
    gap = working_days_between(last_seen, today, settings)
    if gap <= limit:
        return []
    return [
        Flag(
            "child_not_seen",
            f"{names} was last recorded as seen on {long_date(last_seen)}, {gap} working days ago; "
            f"visits are due at least every {limit} working days. Who has seen {names} since?",
            "high",
        )
    ]
