"""The minutes of a core group meeting as a Word file, in a full copy and a family copy.

The family copy leaves out what parents must not see (docs/domain.md): restricted notes, people
marked restricted, restricted actions, concerns not shareable with the family. It is built from
a filtered view, so nothing withheld is ever written to the file; as a second guard, any restricted
person's name that someone typed into a shared field is replaced by "[name withheld]".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from ..domain.agenda import Agenda, AgendaTemplateError, StepRole, load_agenda
from ..domain.breaches import breach_words, breaches_since_last
from ..domain.family import concerns_for, holds_restricted, referrer_identity
from ..domain.flags.child import optimism_flags
from ..domain.history import actions_as_at, flags_as_at, worked_out_from_today
from ..domain.inferred import INTRO, inferred_facts
from ..domain.lead_workers import lead_for_minutes
from ..domain.lifecycle import dissent_of, find_meeting, missing_agencies
from ..domain.records import (
    Action,
    ActionStatus,
    AgendaStep,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Concern,
    CopyType,
    Meeting,
    MeetingMode,
    MeetingStatus,
    RaisedFlag,
    SourceKind,
)
from ..domain.settings import Settings, load_settings
from ..domain.text import name_key
from ..domain.visibility import Visibility
from ..domain.wording import (
    action_type_words,
    assessment_sessions_words,
    humanise,
    person_profile,
    plan_category_words,
    short_date,
    weekday_date,
)
from .wordfile import Cell, Flag, WordDocument

MEETING_MODES = {MeetingMode.IN_PERSON: "In person", MeetingMode.ONLINE: "Online", MeetingMode.HYBRID: "Hybrid"}
ATTENDANCE_MODES = {
    AttendanceMode.IN_PERSON: "In person",
    AttendanceMode.ONLINE: "Online",
    AttendanceMode.PHONE: "Phone",
}
ATTENDANCE = {
    AttendanceStatus.INVITED: "Invited",
    AttendanceStatus.ATTENDED: "Attended",
    AttendanceStatus.APOLOGIES: "Apologies",
    AttendanceStatus.DID_NOT_ATTEND: "Did not attend",
}
COPY_NAMES = {CopyType.FULL: "Full copy", CopyType.FAMILY: "Family copy"}


# ----- which records belong in a meeting's minutes ------------------------------------------


def child_label(case: Case, settings: Settings) -> str:
    """The children as the running header names them: initials ('W.E.') unless the council's
    settings say 'name'."""
    if settings.header_names == "name":
        return case.child_names()
    return ", ".join(
        "Unborn baby" if c.unborn and c.name.casefold().startswith("unborn")  # not the parent's initials
        else ".".join(part[0].upper() for part in c.name.split() if part[:1].isalpha()) + "."
        for c in case.children
    )  # fmt: skip


def running_header(case: Case, what: str, copy: CopyType, settings: Settings) -> str:
    """Every page's header line: the child, the case, the document and which copy."""
    which = "Family copy" if copy is CopyType.FAMILY else "Full copy: do not give to the family"
    return f"{child_label(case, settings)} · Case {case.id} · {what} · {which}"


def action_flags(action: Action, on: dt.date) -> list[str]:
    """What the minutes must make stand out about an action, as of the meeting's date."""
    flags = []
    if action.is_open and action.due is not None and action.due < on:
        flags.append("Assessment overdue" if action.is_assessment else "Overdue")
    if action.is_open and action.times_carried_forward:
        times = "once" if action.times_carried_forward == 1 else f"{action.times_carried_forward} times"
        flags.append(f"{'Assessment c' if action.is_assessment else 'C'}arried forward {times}")
    return flags


# ----- answers ------------------------------------------------------------------------------


def _agenda(settings: Settings) -> Agenda | None:
    """The council's agenda template, or None if it cannot be read (the minutes still print)."""
    try:
        return load_agenda(settings.agenda_template)
    except (AgendaTemplateError, FileNotFoundError):
        return None


def answer_labels(settings: Settings) -> dict[tuple[str, str], tuple[str, str]]:
    """(step key, answer key) -> (label, kind) from the agenda template; empty if it cannot be read."""
    agenda = _agenda(settings)
    if agenda is None:
        return {}
    return RETIRED_LABELS | {(s.key, a.key): (a.label, a.kind) for s in agenda.steps for a in s.answers}


# Answers the standard agenda no longer asks, as older meetings recorded them.
RETIRED_LABELS = {("visits", "visits_count"): ("Visits since the last meeting", "int")}


def format_answer(value: object, kind: str = "") -> str:
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and (kind == "date" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        try:
            return weekday_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


# ----- the document -------------------------------------------------------------------------


def _times(meeting: Meeting) -> str:
    if meeting.start_time and meeting.end_time:
        return f"{meeting.start_time:%H:%M} to {meeting.end_time:%H:%M}"
    if meeting.start_time:
        return f"from {meeting.start_time:%H:%M}"
    return "Not recorded"


def _mode(mode: MeetingMode, reason: str) -> str:
    text = MEETING_MODES[mode]
    if mode is not MeetingMode.IN_PERSON and reason.strip():
        text += f" (reason: {reason.strip().rstrip('.')})"
    return text


def _children(case: Case) -> str:
    lines = []
    for child in case.children:
        if child.date_of_birth:
            lines.append(f"{child.name}, born {weekday_date(child.date_of_birth)}")
        else:
            lines.append(f"{child.name}, due {weekday_date(child.due_date)}")
    return "\n".join(lines)


def _categories(case: Case) -> str:
    return plan_category_words(case.plan_categories).capitalize()


def write_minutes(
    case: Case,
    meeting_number: int,
    out: Path,
    *,
    copy: CopyType = CopyType.FULL,
    settings: Settings | None = None,
) -> Path:
    """Write the minutes of meeting `meeting_number` of `case` to `out` (.docx, owner-only, atomic).

    Raises ValueError for a meeting the case does not have, and `wordfile.TemplateError` (a
    ValueError) for a Word template that cannot be used.
    """
    settings = settings if settings is not None else load_settings()
    meeting = find_meeting(case, meeting_number)
    visibility = Visibility.for_copy(case, copy)  # the rule the screens ask too
    word = WordDocument(settings, clean=visibility.restrictions.cleaner())  # the name guard, second layer
    family = visibility.withholds

    amended = f"Amended (version {meeting.minutes_version}, reason: {meeting.amendment_reason})"
    what = f"Core group {meeting.number}, {short_date(meeting.date)}"
    if meeting.minutes_version > 1:
        what += f", amended v{meeting.minutes_version}"
    word.running_header(running_header(case, what, copy, settings))
    word.heading("Core group meeting: minutes", 0)
    if meeting.minutes_version > 1:  # they replace a version already sent: say so before anything else
        word.flag(f"{amended}. This replaces the earlier version sent.")
    if family:
        word.paragraphs(
            "Family copy. Some information has been left out of this copy to protect other people. "
            "Ask the chair if you have questions about it."
        )
    elif holds_restricted(case, meeting):
        word.flag("Full copy: holds restricted information. Do not give this copy to the family.")

    rows: list[Sequence[Cell]] = [
        ("Child" if len(case.children) == 1 else "Children", _children(case)),
        ("Plan category", _categories(case)),
        ("Initial conference (ICPC)", weekday_date(case.icpc_date)),
        ("Meeting", f"Core group meeting {meeting.number}"),
        ("Date", weekday_date(meeting.date)),
        ("Time", _times(meeting)),
        ("Venue", meeting.venue or "Not recorded"),
        ("Mode", _mode(meeting.mode, meeting.mode_reason)),
        ("Chair", meeting.chair or "Not recorded"),
        ("Minutes taken by", meeting.minute_taker or "Not recorded"),
        ("Lead social worker", lead_for_minutes(case, meeting) or "Not recorded"),
    ]
    if settings.council:
        rows.append(("Council", settings.council))
    rows.append(("Copy", COPY_NAMES[copy]))
    word.table(None, (1, 3), rows, bold_first_column=True)

    _attendance(word, case, meeting, visibility)
    _reason_for_plan(word, case)
    _flags_raised(word, case, meeting, visibility, settings)
    _steps(word, meeting, visibility, answer_labels(settings), case=case, settings=settings)
    _concerns(word, concerns_for(case, meeting), visibility)
    _scaling(word, meeting, visibility)
    word.heading("Contingency plan", 1)
    word.paragraphs(meeting.contingency_plan or "None recorded.")
    _actions(word, case, meeting, visibility)
    _assessments(word, case, meeting, visibility)
    word.heading("Dissent", 1)
    word.paragraphs(dissent_of(meeting, _agenda(settings)) or "No dissent was recorded.")
    word.heading("Decisions", 1)
    word.paragraphs(meeting.decisions or "None recorded.")
    if meeting.finish_note.strip():
        word.labelled("Chair's note on finishing the meeting", meeting.finish_note)
    _next_dates(word, case, meeting)
    _breaches(word, case, meeting)
    _inferred(word, case, meeting, copy)
    _distribution(word, meeting, visibility)

    title = f"Core group minutes: {case.child_names()}, meeting {meeting.number} ({COPY_NAMES[copy].lower()})"
    return word.save(out, title=title, author=meeting.chair or case.lead_social_worker, subject="Core group minutes")


def _attendance(word: WordDocument, case: Case, meeting: Meeting, visibility: Visibility) -> None:
    word.heading("Attendance", 1)
    word.labelled("Meeting held", _mode(meeting.mode, meeting.mode_reason))
    attendees = visibility.shown(meeting.attendees)[0]
    if not attendees:
        word.paragraphs("No attendance recorded.")
        return
    rows: list[Sequence[Cell]] = []
    for a in attendees:
        mode = ATTENDANCE_MODES[a.mode] if a.mode else ("Not recorded" if a.status is AttendanceStatus.ATTENDED else "")
        report = "Yes" if a.report_received else ("No" if a.status is not AttendanceStatus.ATTENDED else "")
        rows.append((a.name, a.role, a.agency, ATTENDANCE[a.status], mode, report))
    word.table(("Name", "Role", "Agency", "Attendance", "Mode", "Report received"), (3, 2.6, 3, 1.6, 1.4, 1.4), rows)
    reported = _agencies_reporting(attendees)
    if reported:
        word.labelled("Report received from", ", ".join(reported))
    missing = missing_agencies(case, meeting)
    if missing:
        word.labelled("Expected agencies not present and no report received", ", ".join(missing), flag=True)
    if meeting.safety_arrangements.strip() and not visibility.withholds:  # who is kept from whom: full copy only
        word.labelled("How people who must not meet were kept apart", meeting.safety_arrangements)


def _agencies_reporting(attendees: Sequence[Attendee]) -> list[str]:
    """Agencies that sent a written report, once each, in the order of the list."""
    found: dict[str, str] = {}
    for a in attendees:
        if a.report_received and a.agency.strip():
            found.setdefault(name_key(a.agency), " ".join(a.agency.split()))
    return list(found.values())


def _reason_for_plan(word: WordDocument, case: Case) -> None:
    word.heading("Why the child is on a plan", 1)
    word.labelled("Plan category", _categories(case))
    if case.danger_statement.strip():
        word.labelled("What we are worried about (danger statement)", case.danger_statement)
    if case.safety_goal.strip():
        word.labelled("Safety goal", case.safety_goal)


def _flags_raised(word: WordDocument, case: Case, meeting: Meeting, visibility: Visibility, settings: Settings) -> None:
    """What the tool put in front of the core group at this meeting, as raised that day."""
    flags = flags_as_at(case, meeting, settings)
    word.heading("What the core group was asked to look at", 1)
    if flags is None:
        word.paragraphs("Not kept: this meeting was recorded by an earlier version of coregroup.")
        return
    shown = visibility.shown(flags)[0]
    if not shown:
        word.paragraphs("Nothing was flagged.")
        return
    when = "when the meeting finished" if meeting.status is MeetingStatus.FINISHED else "so far"
    word.paragraphs(f"The flags coregroup raised for this meeting, as they stood {when}:")
    for f in shown:
        text = f.message + (" (restricted: left out of the family copy)" if visibility.marked(f) else "")
        if f.severity == "high":
            word.flag(text)
        else:
            word.paragraphs(text)


def _steps(
    word: WordDocument,
    meeting: Meeting,
    visibility: Visibility,
    labels: dict[tuple[str, str], tuple[str, str]],
    *,
    case: Case,
    settings: Settings,
) -> None:
    word.heading("The meeting, step by step", 1)
    for i, step in enumerate(meeting.steps, start=1):
        word.heading(f"{i}. {step.title}", 2)
        wrote = answered = _optimism_warning(word, case, meeting, step, visibility, settings)
        for key, value in step.answers.items():
            label, kind = labels.get((step.key, key), (humanise(key, capital=True), ""))
            word.labelled(label, format_answer(value, kind))
            wrote = True
        if step.notes.strip() and not answered:
            word.paragraphs(step.notes)
            wrote = True
        restricted_notes = visibility.restricted_notes(step)
        if restricted_notes.strip():
            word.labelled("Restricted, left out of the family copy", restricted_notes, flag=True)
            wrote = True
        if not wrote:
            word.paragraphs("Nothing recorded.")


def _optimism_warning(
    word: WordDocument, case: Case, meeting: Meeting, step: AgendaStep, visibility: Visibility, settings: Settings
) -> bool:
    """At the analysis step: the over-optimism warning raised at this meeting (as kept when it
    finished, else worked out from the record as of its day) and the core group's answer to it,
    the notes typed at the step. The family copy holds the warning's shareable part only. True
    when it printed the notes (as the answer)."""
    agenda = _agenda(settings)
    role = agenda.role_of(step) if agenda is not None else None
    if role is not StepRole.ANALYSIS and not (role is None and step.key == StepRole.ANALYSIS.value):
        return False
    kept = meeting.recorded_at_finish and meeting.status is MeetingStatus.FINISHED
    if kept:
        raised = [f for f in meeting.flags_at_finish if f.kind == "over_optimism"]
    else:
        raised = [
            RaisedFlag(kind=f.kind.value, message=f.message, severity=f.severity.value, restricted=f.restricted)
            for f in optimism_flags(case, as_at=meeting)
        ]
    shown = visibility.shown(raised)[0]
    if not shown:
        return False
    for f in shown:
        marked = visibility.marked(f)
        label = "Over-optimism warning" + (", restricted risks (left out of the family copy)" if marked else "")
        word.labelled(label, f.message, flag=True)
    if meeting.status is MeetingStatus.FINISHED and not kept:
        word.paragraphs("(Worked out from the record: this meeting was recorded by an earlier version of coregroup.)")
    answer = step.notes.strip()
    word.labelled("The core group's answer", answer or "None recorded at this step.", flag=not answer)
    return True


def _concerns(word: WordDocument, concerns: list[Concern], visibility: Visibility) -> None:
    shown = visibility.shown(concerns)[0]
    if not shown:
        return
    word.heading("Concerns and information received", 1)
    rows: list[Sequence[Cell]] = []
    for c in shown:
        source_cell: list[str | Flag] = _concern_source(c, family=visibility.withholds)
        if c.how_received:
            source_cell.append(c.how_received)
        if c.contacts > 1:
            since = f" since {short_date(c.contacts_since)}" if c.contacts_since else ""
            source_cell.append(f"{c.contacts} contacts{since}")
        if visibility.marked(c):
            source_cell.append(Flag("Not shareable with the family"))
        reported = [f"About: {c.about}", c.reported] if c.about.strip() else [c.reported]
        response: list[str | Flag] = [c.response] if c.answered else [Flag("No response recorded yet")]
        if c.responded_by:
            response.append(f"({c.responded_by}{', ' + short_date(c.responded_on) if c.responded_on else ''})")
        rows.append((short_date(c.received_on), source_cell, reported, c.impact_on_child, response))
    word.table(
        ("Received", "Source", "What was reported", "Impact on the child", "Core group's response"),
        (1.3, 2.2, 3.5, 2.5, 3.5),
        rows,
    )


def _concern_source(c: Concern, *, family: bool) -> list[str | Flag]:
    """Where a concern came from and who referred it. The family copy never names a referrer
    whose identity is withheld, nor who passed an anonymous referral on; the full copy says so."""
    withheld = " (identity withheld from the family)"
    if c.source_kind is SourceKind.ANONYMOUS:
        cell: list[str | Flag] = ["Anonymous" if family else f"Anonymous (passed on by {c.source or 'not recorded'})"]
    elif c.referrer_withheld and not c.referrer.strip() and referrer_identity(c):  # the source is the person
        cell = ["A person (identity withheld)" if family else f"{c.source}{withheld}"]
    else:
        cell = [c.source or humanise(c.source_kind.value, capital=True)]
    if not c.referrer.strip():
        return cell
    if not c.referrer_withheld:
        cell.append(f"Referred by {c.referrer}")
    elif not family:
        cell.append(f"Referred by {c.referrer}{withheld}")
    elif c.source_kind is not SourceKind.ANONYMOUS:
        cell.append("Referrer's identity withheld")
    return cell


def _scaling(word: WordDocument, meeting: Meeting, visibility: Visibility) -> None:
    word.heading("Scaling", 1)
    shown = visibility.shown(meeting.scaling)[0]
    if not shown:
        word.paragraphs("No scaling recorded.")
        return
    word.paragraphs("0 means the child will certainly be harmed; 10 means safe enough to close the plan.")
    rows: list[Sequence[Cell]] = [(s.name, str(s.score), s.reason) for s in shown]
    word.table(("Name", "Score (0-10)", "Why"), (3, 1.3, 8), rows)


ACTION_STATUS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
}


def _actions(word: WordDocument, case: Case, meeting: Meeting, visibility: Visibility) -> None:
    word.heading("Actions", 1)
    # As they stood when the meeting finished, not as they are today.
    actions = visibility.shown(actions_as_at(case, meeting))[0]
    if not actions:
        word.paragraphs("No actions recorded.")
        return
    if worked_out_from_today(meeting):
        word.paragraphs(
            "This meeting was recorded by an earlier version of coregroup, which did not keep the actions as they "
            "stood that day: their status and carried-forward counts are worked out from the record as it is now."
        )
    flagged = [a for a in actions if a.is_assessment and action_flags(a, meeting.date)]
    if flagged:
        numbers = ", ".join(str(a.number) for a in flagged)
        word.flag(
            f"Assessments overdue or carried forward: action{'s' if len(flagged) > 1 else ''} {numbers}. "
            "The core group must say what is stopping them and when they will be done."
        )
    rows: list[Sequence[Cell]] = []
    for a in actions:
        what: list[str | Flag] = [a.text]
        if a.outcome.strip():
            what.append(f"Outcome: {a.outcome}")
        status: list[str | Flag] = [ACTION_STATUS[a.status]]
        if a.completed_on:
            status.append(f"on {short_date(a.completed_on)}")
        if a.times_carried_forward and not any("arried forward" in f for f in action_flags(a, meeting.date)):
            status.append(f"Carried forward {a.times_carried_forward}")
        status += [Flag(f) for f in action_flags(a, meeting.date)]
        evidence: list[str | Flag] = []
        if a.evidence.strip():
            evidence.append(f"{'Findings' if a.is_assessment else 'Evidence'}: {a.evidence}")
        if a.impact.strip():
            evidence.append(f"Impact on the child: {a.impact}")
        sessions = assessment_sessions_words(a)
        if sessions:
            evidence.append(sessions)
        if a.is_assessment:
            if a.decision_informed.strip():
                evidence.append(f"Decision informed: {a.decision_informed}")
            else:
                evidence.append("Decision informed: not yet recorded")
        rows.append(
            (
                str(a.number),
                what,
                f"{a.owner}\n{a.agency}" if a.agency else a.owner,
                short_date(a.due) or "No date",
                status,
                evidence,
            )
        )
    word.table(
        ("No.", "Action and the outcome it serves", "Owner and agency", "Due", "Status", "Evidence and impact"),
        (0.75, 4.3, 2.2, 1.3, 1.8, 3.6),
        rows,
    )


def _assessments(word: WordDocument, case: Case, meeting: Meeting, visibility: Visibility) -> None:
    """Each assessment beside what its person's record says it must take into account, and how
    it is adapted. The family copy says how each is adapted, but not one person's needs, trauma
    or mental health to the rest of the family."""
    people = {p.id: p for p in case.people}
    shown = [
        a for a in actions_as_at(case, meeting)
        if a.is_assessment and a.person_id in people and visibility.shows(a) and visibility.shows(people[a.person_id])
    ]  # fmt: skip
    if not shown:
        return
    word.heading("Assessments and the people they assess", 1)
    for a in shown:
        person = people[a.person_id] if a.person_id is not None else None
        if person is None:
            continue
        word.heading(f"Action {a.number}: {action_type_words(a)} of {person.name}", 2)
        if not visibility.withholds:
            for label, text in person_profile(person):
                word.labelled(label, text)
        if person_profile(person) or a.adapted_for.strip():
            word.labelled(
                "How the assessment is adapted to them",
                a.adapted_for.strip() or "Not recorded",
                flag=not a.adapted_for.strip(),
            )


def _next_dates(word: WordDocument, case: Case, meeting: Meeting) -> None:
    word.heading("Next dates", 1)
    if meeting.next_meeting_date:
        when = weekday_date(meeting.next_meeting_date)
        if meeting.next_meeting_time:
            when += f" at {meeting.next_meeting_time:%H:%M}"
        if meeting.next_meeting_venue:
            when += f", {meeting.next_meeting_venue}"
        if meeting.next_meeting_mode:
            when += f" ({MEETING_MODES[meeting.next_meeting_mode].lower()})"
        word.labelled("Next core group", when)
    else:
        word.labelled("Next core group", "Not yet set", flag=True)
    reviews = sorted(d for d in case.review_conferences if d >= meeting.date)
    word.labelled("Next review conference", weekday_date(reviews[0]) if reviews else "Not yet set")


def _breaches(word: WordDocument, case: Case, meeting: Meeting) -> None:
    """Timescales missed since the meeting before, as the case's record keeps them."""
    word.heading("Timescales missed since the last meeting", 1)
    missed = breaches_since_last(case, meeting)
    if not missed:
        word.paragraphs("None recorded.")
        return
    for breach in missed:
        word.flag(breach_words(breach, as_at=meeting.date))


def _inferred(word: WordDocument, case: Case, meeting: Meeting, copy: CopyType) -> None:
    """What the record holds that coregroup inferred from an older case file and no one has
    confirmed (only when there is any; the family copy only what it may hold)."""
    facts = inferred_facts(case, Visibility.for_copy(case, copy), until=meeting.date)
    if facts:
        word.heading("Inferred by coregroup, not yet confirmed", 1)
        word.paragraphs(INTRO)
        word.paragraphs("\n".join(facts))


def _distribution(word: WordDocument, meeting: Meeting, visibility: Visibility) -> None:
    word.heading("Distribution", 1)
    invited = visibility.shown(meeting.attendees)[0]
    if invited:
        word.paragraphs("These minutes go to everyone invited, in the copy the chair decided:")
        rows: list[Sequence[Cell]] = [(a.name, a.agency, COPY_NAMES[a.copy_type]) for a in invited]
        word.table(("Goes to", "Agency", "Copy"), (4, 4, 2), rows)
    # Only live entries: one withdrawn as a mistake stays in the case's history, not in the minutes.
    sent = visibility.shown([d for d in meeting.distribution if d.live])[0]
    word.heading("Distribution log", 2)
    if not sent:
        word.paragraphs("No copies recorded as sent yet.")
        return
    log: list[Sequence[Cell]] = [
        (d.recipient, d.agency, COPY_NAMES[d.copy_type], short_date(d.sent_on), d.how) for d in sent
    ]
    word.table(("Recipient", "Agency", "Copy", "Sent on", "How"), (3.5, 3.5, 1.8, 1.6, 2.4), log)
