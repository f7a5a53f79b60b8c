"""The open case and what the chair does to it, in the chair's words.

A `CaseSession` is the one owner of an open case. Every change goes through one of its intents
(set a step's notes, answer a question, add an attendee, raise an action, finish the meeting ...),
which changes the records at once, on the caller's thread, through the domain's rules, then
hands a copy of what changed to the case's one `Writer`, which saves it off the keystroke path
within a quarter second. Whoever shows the case is told what changed (`on_change`), never polls.

An intent names its target (the meeting, the step, the attendee) explicitly: nothing is aimed at
"the current step", so an answer can only ever land on the step it was given for.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .domain import breaches, family, history, lead_workers, lifecycle, schema, text, timescales, visits
from .domain.agenda import Agenda, AnswerKind, MeetingText
from .domain.records import (
    COLLECTION_OF,
    COLLECTIONS,
    Action,
    AgendaStep,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    ChronologyEntry,
    Concern,
    CopyType,
    Distribution,
    LeadWorker,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Person,
    Scaling,
    Service,
    Visit,
)
from .domain.schema import InvalidRecord, parse_time
from .domain.settings import Settings
from .domain.timescales import parse_due
from .storage.base import OpenCase, ReadOnly, Snapshot
from .storage.writer import Writer

R = TypeVar("R")
SCREEN_WAIT = 2.0  # seconds the screen waits for a stuck disk before saying so


def checked(record: R) -> R:
    """`record`, if every field passes the case file's checks; else InvalidRecord, naming the field.
    An intent checks what it is about to add before adding it, so the open case never holds
    something the writer would refuse (and every later save of that meeting with it)."""
    schema.load(type(record), schema.dump(record))
    return record


Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class CaseChanged:
    """What an intent changed: the kinds of record ('meetings', 'actions', 'case' ...) and, when
    one meeting changed, its number. Screens refresh what they show of those, nothing more."""

    kinds: frozenset[str]
    meeting: int | None = None


@dataclass(frozen=True)
class Parsed:
    """A typed value read in the chair's words: what was stored, and a hint to show beside the
    box (how a relative date was read, or what is wrong with what was typed)."""

    stored: bool
    hint: str = ""


class CaseSession:
    def __init__(
        self,
        case_file: OpenCase,
        *,
        agenda: Agenda,
        settings: Settings,
        clock: Clock = dt.datetime.now,
        on_change: Callable[[CaseChanged], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        delay: float = 0.25,
    ) -> None:
        self.case_file = case_file
        self.case: Case = case_file.case
        self.agenda = agenda
        self.settings = settings
        self.clock = clock
        self.on_change = on_change
        self.writer: Writer | None = None if case_file.read_only else Writer(case_file, on_error=on_error, delay=delay)
        #: Counts the changes made through this session: what is worked out from the whole case
        #: (the chronology) is worked out again only when it has changed.
        self.revision = 0
        self._recording_distribution = False

    # ----- the session itself -------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """Nothing of the case may be changed here (a minute-taker may still record distribution)."""
        return self.writer is None or self.distribution_only

    @property
    def distribution_only(self) -> bool:
        """The store lets this sign-in record who the minutes were sent to, and nothing else of the
        case (a minute-taker on a team's store: the database enforces it too)."""
        return bool(getattr(self.case_file, "distribution_only", False))

    @property
    def may_record_distribution(self) -> bool:
        return self.writer is not None

    def _refused(self) -> ReadOnly:
        if self.distribution_only:
            return ReadOnly(
                f"You take the minutes of case {self.case.id}: you may record who they were sent to; the rest "
                "of the case is changed by the social worker it is allocated to."
            )
        return ReadOnly(f"Case {self.case.id} is open read-only")

    @property
    def locked_by(self) -> str | None:
        holder = self.case_file.locked_by
        return holder.describe() if holder else None

    @property
    def unsaved(self) -> bool:
        """Something changed that is not on disk yet."""
        return self.writer is not None and self.writer.has_pending

    @property
    def save_failed(self) -> bool:
        return self.writer is not None and self.writer.has_failed

    @property
    def last_error(self) -> str | None:
        return self.writer.last_error if self.writer is not None else None

    def save_now(self, *, wait: float | None = SCREEN_WAIT) -> bool:
        """Write everything changed, now. True when everything is on disk. A save already being
        written to a disk that has stopped answering is waited for `wait` seconds at most."""
        return self.writer.flush(wait=wait) if self.writer is not None else True

    @property
    def connection_state(self) -> str:
        """How the store is reached, when it is a server: "connected", "offline" (saves kept on this
        computer until it is back), or "conflict: ..." (words). Empty for a store of files."""
        return str(getattr(self.case_file, "connection_state", ""))

    def refresh_from_store(self) -> bool:
        """A read-only view: read the case again if its editor saved it since (the team's store says
        so; a store of files is checked). True when the case shown is a new copy; nothing is written."""
        if self.writer is not None:
            return False
        if not self.case_file.refresh():
            return False
        self.case = self.case_file.case
        self.revision += 1
        if self.on_change is not None:
            self.on_change(CaseChanged(frozenset({"case", *COLLECTIONS}), None))
        return True

    def close(self) -> bool:
        """Save, stop the writer and release the case. True if everything was saved."""
        saved = self.writer.close() if self.writer is not None else True
        self.writer = None
        self.case_file.close()
        return saved

    def copy_of_case(self) -> Case:
        """A copy of the case as it is now, for work done on another thread (a Word export)."""
        return copy.deepcopy(self.case)

    def today(self) -> dt.date:
        return self.clock().date()

    def parse_date(self, typed: str, *, relative_to: dt.date | None = None) -> dt.date:
        """A date typed as a date (2026-12-01, 01/12/2026) or relative (2w, 10wd, 1m, today)."""
        return parse_due(typed, relative_to or self.today(), self.settings)

    def _changed(self, *records: Any, deleted: Sequence[Any] = (), meeting: Meeting | None = None) -> None:
        """Hand copies of `records` (None: the case's own details) to the writer and say what changed."""
        if self.writer is None:
            raise ReadOnly(
                f"Case {self.case.id} is open read-only"
                + (f" ({self.locked_by} has it open)" if self.locked_by else "")
            )
        if self.distribution_only and not self._recording_distribution:
            raise self._refused()
        self.revision += 1
        self.writer.submit(Snapshot.of(self.case, records, deleted=deleted))
        if self.on_change is not None:
            kinds = {COLLECTION_OF.get(type(r), "case") for r in (*records, *deleted)}
            self.on_change(CaseChanged(frozenset(kinds), meeting.number if meeting is not None else None))

    def _editable(self, meeting: Meeting | None = None) -> None:
        if self.writer is None or self.distribution_only:
            raise self._refused()
        if meeting is not None and meeting.status is MeetingStatus.FINISHED:
            raise InvalidRecord("status", f"meeting {meeting.number} is finished: reopen it to change it")

    def record_breaches(self) -> bool:
        """Keep on the case each timescale the record shows was missed (the first core group late,
        a gap between core groups, minutes late, a review conference late). Returns whether any
        was added or brought up to date; read-only, it records nothing."""
        if self.writer is None or self.distribution_only:
            return False
        if not breaches.record_breaches(self.case, self.settings, self.today()):
            return False
        self._changed(None)
        return True

    # ----- starting, finishing and reopening a meeting ------------------------------------------
    def start_meeting(
        self,
        *,
        date: dt.date,
        start_time: dt.time | None = None,
        venue: str = "",
        chair: str = "",
        minute_taker: str = "",
    ) -> Meeting:
        self._editable()
        meeting = checked(
            lifecycle.start_meeting(
                self.case, self.agenda, date=date, start_time=start_time, venue=venue, chair=chair,
                minute_taker=minute_taker,
            )
        )  # fmt: skip
        self.case.meetings.append(meeting)
        self._changed(meeting, meeting=meeting)
        self.record_breaches()
        return meeting

    def finish_meeting(self, meeting: Meeting, *, note: str = "") -> list[Action]:
        """Finish the meeting (the end time is today's time when it finishes on its own day) and
        carry forward the actions still open. Returns the actions carried forward."""
        self._editable()
        now = self.clock().replace(microsecond=0)
        carried = lifecycle.finish_meeting(self.case, meeting, now=now, note=note)
        history.keep_what_was_true(self.case, meeting, self.settings)
        self._changed(meeting, *carried, meeting=meeting)
        self.record_breaches()
        return carried

    def reopen_meeting(self, meeting: Meeting, *, reason: str) -> None:
        self._editable()
        lifecycle.reopen_meeting(meeting, reason=reason)
        self._changed(meeting, meeting=meeting)

    # ----- the agenda's steps -------------------------------------------------------------------
    def enter_step(self, meeting: Meeting, step: AgendaStep) -> None:
        """The chair has come to `step`: the first time, it records when."""
        if self.read_only or meeting.status is MeetingStatus.FINISHED or step.started_at is not None:
            return
        step.started_at = self.clock().replace(microsecond=0)
        self._changed(meeting, meeting=meeting)

    def leave_step(self, meeting: Meeting, step: AgendaStep, *, seconds: float) -> None:
        """The chair leaves `step` after `seconds` on it: added to the time spent there."""
        if self.read_only or meeting.status is MeetingStatus.FINISHED or int(seconds) <= 0:
            return
        step.seconds_spent += int(seconds)
        self._changed(meeting, meeting=meeting)

    def set_notes(self, meeting: Meeting, step: AgendaStep, notes: str, *, restricted: bool = False) -> None:
        """What was said at `step`: its notes, or its restricted notes (left out of the family copy)."""
        self._editable(meeting)
        value = text.many_lines(notes)
        if restricted:
            if step.restricted_notes == value:
                return
            step.restricted_notes = value
        else:
            if step.notes == value:
                return
            step.notes = value
        self._changed(meeting, meeting=meeting)

    def answer(self, meeting: Meeting, step: AgendaStep, key: str, typed: str | bool | None) -> Parsed:
        """Record the answer to question `key` of `step`, as typed (or chosen: True/False/None).
        A date may be typed relative to the meeting's day; what cannot be read is not stored, and
        the hint says why (the earlier answer stays)."""
        self._editable(meeting)
        template = self.agenda.template_of(step)
        spec = template.answer(key) if template is not None else None
        if spec is None:
            raise InvalidRecord(f"answers.{key}", f"step {step.title!r} asks no question {key!r}")
        hint = ""
        value: str | int | bool | None
        if isinstance(typed, bool) or typed is None:
            value = typed
        else:
            cleaned = text.one_line(typed).strip()
            value = cleaned or None
            if cleaned and spec.kind is AnswerKind.DATE:
                try:
                    if spec.past_only:  # it has happened: '3d' is three days before the meeting
                        day = timescales.parse_past(cleaned, meeting.date, self.settings, spec.label)
                        timescales.check_not_future(day, self.today(), spec.label)
                    else:
                        day = self.parse_date(cleaned, relative_to=meeting.date)
                    value = day.isoformat()
                except InvalidRecord as problem:
                    return Parsed(False, problem.problem)
                hint = f"= {value}" if value != cleaned else ""
            elif cleaned and spec.kind is AnswerKind.INT:
                try:
                    value = int(cleaned)
                except ValueError:
                    return Parsed(False, "not a whole number")
        if step.answers.get(key) != value or key not in step.answers:
            before = step.answers.get(key)
            step.answers[key] = value
            booked = key == lifecycle.REVIEW_CONFERENCE_ANSWER and lifecycle.book_review_conference(
                self.case, before, value
            )
            if booked:
                self._changed(meeting, None, meeting=meeting)
            else:
                self._changed(meeting, meeting=meeting)
        return Parsed(True, hint)

    def set_meeting_text(self, meeting: Meeting, field: MeetingText, typed: str) -> None:
        """One of the meeting's own texts that the minutes print: decisions, dissent, contingency."""
        self._editable(meeting)
        value = text.many_lines(typed)
        if getattr(meeting, field.value) != value:
            setattr(meeting, field.value, value)
            self._changed(meeting, meeting=meeting)

    def set_next_meeting(
        self,
        meeting: Meeting,
        *,
        time: str | None = None,
        venue: str | None = None,
        mode: MeetingMode | None | bool = False,
    ) -> Parsed:
        """The next core group's time (HH:MM), venue or mode; only the ones given change."""
        self._editable(meeting)
        if time is not None:
            cleaned = text.one_line(time).strip()
            try:
                meeting.next_meeting_time = parse_time(cleaned, "next meeting time") if cleaned else None
            except InvalidRecord as problem:
                return Parsed(False, problem.problem)
        if venue is not None:
            cleaned = text.one_line(venue).strip()
            limit = 300
            if len(cleaned) > limit:
                return Parsed(False, f"at most {limit} characters")
            meeting.next_meeting_venue = cleaned
        if mode is not False:
            meeting.next_meeting_mode = mode if isinstance(mode, MeetingMode) else None
        self._changed(meeting, meeting=meeting)
        return Parsed(True)

    def set_scaling(self, meeting: Meeting, name: str, *, score: str, reason: str) -> Parsed:
        """Where `name` puts the child's safety, 0 to 10, and why."""
        self._editable(meeting)
        typed = text.one_line(score).strip()
        if typed and not (typed.isdigit() and 0 <= int(typed) <= 10):
            return Parsed(False, "A score is a whole number from 0 to 10.")
        scaling = next((s for s in meeting.scaling if text.same_name(s.name, name)), None)
        if scaling is None:
            if not typed:
                return Parsed(True)
            scaling = Scaling(name=name)
            meeting.scaling.append(scaling)
        if typed:
            scaling.score = int(typed)
        scaling.reason = text.many_lines(reason)
        self._changed(meeting, meeting=meeting)
        return Parsed(True)

    # ----- attendance ---------------------------------------------------------------------------
    def add_attendee(
        self,
        meeting: Meeting,
        *,
        name: str,
        role: str = "",
        agency: str = "",
        status: AttendanceStatus = AttendanceStatus.ATTENDED,
        mode: AttendanceMode | None = AttendanceMode.IN_PERSON,
        report_received: bool = False,
    ) -> Attendee:
        """Add someone to the meeting's list. A name known to the case (a person in the child's
        life, a professional from an earlier meeting) brings their details with it."""
        self._editable(meeting)
        attendee = checked(
            lifecycle.new_attendee(
                self.case, name=name, role=role, agency=agency, status=status, mode=mode,
                report_received=report_received,
            )
        )  # fmt: skip
        meeting.attendees.append(attendee)
        self._changed(meeting, meeting=meeting)
        return attendee

    def record_safety_arrangement(self, meeting: Meeting, clash: lifecycle.SafetyClash, how: str) -> None:
        """How two people who must not meet are kept apart at this meeting (different times,
        separate rooms), as the chair answered when both were put on the list."""
        self._editable(meeting)
        if not text.one_line(how).strip():
            raise InvalidRecord("safety_arrangements", "say how they will be kept apart")
        lifecycle.record_safety_arrangement(meeting, clash, how)
        self._changed(meeting, meeting=meeting)

    def add_same_core_group(self, meeting: Meeting) -> list[Attendee]:
        """Put everyone from the previous meeting's list on this one, as invited (those already
        on it are left as they are). Returns who was added."""
        self._editable(meeting)
        previous = lifecycle.previous_meeting(self.case, meeting)
        if previous is None:
            return []
        on_list = {text.name_key(a.name) for a in meeting.attendees}
        added = [a for a in lifecycle.same_core_group(previous) if text.name_key(a.name) not in on_list]
        if added:
            meeting.attendees.extend(added)
            self._changed(meeting, meeting=meeting)
        return added

    def change_attendee(self, meeting: Meeting, attendee: Attendee, **fields: Any) -> None:
        """Change some of an attendee's details (status, mode, report received, name, role ...)."""
        self._editable(meeting)
        changed = dataclasses.replace(attendee, **fields)
        if changed.status is AttendanceStatus.ATTENDED and changed.mode is None:
            changed.mode = AttendanceMode.IN_PERSON
        elif changed.status is not AttendanceStatus.ATTENDED and "mode" not in fields:
            changed.mode = None  # apologies or did not attend: how they took part no longer applies
        checked(changed)
        changed.check()
        for name in fields.keys() | {"mode"}:
            setattr(attendee, name, getattr(changed, name))
        self._changed(meeting, meeting=meeting)

    def next_status(self, meeting: Meeting, attendee: Attendee) -> None:
        self.change_attendee(meeting, attendee, status=lifecycle.next_status(attendee.status))

    def next_mode(self, meeting: Meeting, attendee: Attendee) -> None:
        """How the next person took part: only someone who attended has a mode."""
        if attendee.status is not AttendanceStatus.ATTENDED:
            raise InvalidRecord(
                "mode",
                f"{attendee.name} is recorded as '{attendee.status.value.replace('_', ' ')}': how they took part "
                "is only for someone who attended (s changes the status first)",
            )
        self.change_attendee(meeting, attendee, mode=lifecycle.next_mode(attendee.mode))

    def remove_attendee(self, meeting: Meeting, attendee: Attendee) -> None:
        self._editable(meeting)
        meeting.attendees.remove(attendee)
        self._changed(meeting, meeting=meeting)

    def set_meeting_mode(self, meeting: Meeting, *, chosen: MeetingMode | None, reason: str) -> None:
        """How the meeting is held: `chosen`, or (None) as the attendees took part; online or
        hybrid is only recorded with a reason, so the meeting can always be saved."""
        self._editable(meeting)
        lifecycle.set_meeting_mode(meeting, chosen=chosen, reason=text.one_line(reason).strip())
        self._changed(meeting, meeting=meeting)

    # ----- records edited through a form ---------------------------------------------------------
    def update(self, record: R, changed: R, fields: Iterable[str], *, meeting: Meeting | None = None) -> R:
        """Copy the checked values of `fields` from `changed` (a form's result) into `record`, a
        record of this case (or an attendee of `meeting`, or the case itself). The rules across
        records are checked; if they refuse the change, the record is left as it was."""
        self._editable()
        names = list(fields)
        if isinstance(changed, Action) and not changed.is_open and changed.completed_on is None:
            changed.completed_on = self.today()  # closed now: the day it was closed is on the record
            names.append("completed_on")
        timescales.check_past_fields(changed, names, self.today())
        corrected = isinstance(record, Visit) and isinstance(changed, Visit) and visits.corrected(record, changed)
        if corrected and "children" in names:  # the chair recorded each child: no longer coregroup's inference
            changed.inferred = ""  # type: ignore[attr-defined]
            names.append("inferred")
        before = {name: getattr(record, name) for name in names}
        workers = list(self.case.lead_workers)
        if isinstance(record, Case) and isinstance(changed, Case) and "lead_social_worker" in names:
            lead_workers.record_lead_change(record, changed.lead_social_worker, self.today())  # the lead's history
        for name in names:
            setattr(record, name, getattr(changed, name))
        try:
            self.case.check()
        except InvalidRecord:
            for name, value in before.items():
                setattr(record, name, value)
            self.case.lead_workers[:] = workers
            raise
        if isinstance(record, Attendee | Distribution):
            assert meeting is not None, "an attendee is saved with its meeting"
            self._changed(meeting, meeting=meeting)
        elif isinstance(record, Case | Child):
            self._changed(None)
        else:
            self._changed(record, meeting=record if isinstance(record, Meeting) else None)
        if isinstance(record, Case | Meeting):  # review conferences, a meeting's date
            self.record_breaches()
        return record

    def correct_lead_workers(
        self, current_since: dt.date | None, earlier: list[lead_workers.EarlierLead]
    ) -> list[LeadWorker]:
        """The chair's record of when the current lead social worker became lead and who led
        before (`lead_workers.leads_corrected`'s rules): a start the chair gives is no longer
        coregroup's inference. The case is saved as the chair's change."""
        self._editable()
        workers = lead_workers.leads_corrected(self.case, current_since, earlier, self.today())
        before = list(self.case.lead_workers)
        if workers == before:
            return workers
        self.case.lead_workers[:] = workers
        try:
            self.case.check()
        except InvalidRecord:
            self.case.lead_workers[:] = before
            raise
        self._changed(None)
        return workers

    def _add(self, records: list[R], new: R, *, saved: Any = "record") -> R:
        timescales.check_past_fields(new, [f.name for f in dataclasses.fields(new)], self.today())  # type: ignore[arg-type]
        records.append(new)
        try:
            self.case.check()
        except InvalidRecord:
            records.remove(new)
            raise
        self._changed(new if saved == "record" else saved)
        return new

    def raise_action(self, new: Action, *, at: Meeting | None) -> Action:
        """A new action, numbered next, raised at meeting `at` (None: between meetings)."""
        self._editable()
        new.number = self.case.next_number("actions")
        new.raised_at = at.number if at is not None else None
        return self._add(self.case.actions, new)

    def add_person(self, new: Person) -> Person:
        self._editable()
        new.id = self.case.next_number("people")
        return self._add(self.case.people, new)

    def add_child(self, new: Child) -> Child:
        self._editable()
        new.id = self.case.next_number("children")
        return self._add(self.case.children, new, saved=None)

    def record_concern(self, new: Concern, *, at: Meeting | None = None) -> Concern:
        self._editable()
        new.id = self.case.next_number("concerns")
        if at is not None and new.meeting is None:
            new.meeting = at.number
        return self._add(self.case.concerns, new)

    def add_chronology_entry(self, new: ChronologyEntry) -> ChronologyEntry:
        self._editable()
        new.id = self.case.next_number("chronology")
        return self._add(self.case.chronology, new)

    def record_visit(self, new: Visit) -> Visit:
        """A visit to the children (each child seen or not, seen alone or not), numbered next;
        changed later through `update`."""
        self._editable()
        new.id = self.case.next_number("visits")
        return self._add(self.case.visits, new)

    def add_service(self, new: Service) -> Service:
        self._editable()
        new.id = self.case.next_number("services")
        return self._add(self.case.services, new)

    def record_distribution(
        self,
        meeting: Meeting,
        recipient: str,
        copy_type: CopyType,
        *,
        agency: str = "",
        sent_on: dt.date,
        how: str = "",
        new_recipient: bool = False,
        reason: str = "",
    ) -> Distribution:
        """Who was sent which copy of the meeting's minutes, and when and how (the rules are
        `lifecycle.record_distribution`'s: a refusal that needs the chair's word is a
        `DistributionRefused` saying what it needs)."""
        if self.writer is None:
            raise ReadOnly(f"Case {self.case.id} is open read-only")
        entry = lifecycle.record_distribution(
            self.case, meeting, recipient, copy_type, today=self.today(),
            holds_restricted=family.holds_restricted(self.case, meeting), agency=agency, sent_on=sent_on, how=how,
            new_recipient=new_recipient, reason=reason,
        )  # fmt: skip
        self._distribution_changed(meeting)
        self.record_breaches()
        return entry

    def withdraw_distribution(self, meeting: Meeting, entry: int, *, reason: str) -> Distribution:
        """A distribution entry recorded by mistake is withdrawn with a reason; the history keeps it."""
        if self.writer is None:
            raise ReadOnly(f"Case {self.case.id} is open read-only")
        record = lifecycle.withdraw_distribution(meeting, entry, reason=reason, today=self.today())
        self._distribution_changed(meeting)
        return record

    def _distribution_changed(self, meeting: Meeting) -> None:
        """A meeting's distribution log changed: the one change a minute-taker may make."""
        self._recording_distribution = True
        try:
            self._changed(meeting, meeting=meeting)
        finally:
            self._recording_distribution = False
