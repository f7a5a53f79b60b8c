"""Edit or add a record through its form; the session records the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.widgets import Checkbox, Select

from meetings.domain import lifecycle
from meetings.domain.flags.actions import person_needs
from meetings.domain.history import action_history_words
from meetings.domain.prebirth import as_born
from meetings.domain.records import (
    Action,
    Attendee,
    Case,
    Child,
    ChronologyEntry,
    Concern,
    EvidenceSource,
    Meeting,
    Person,
    Service,
    SourceKind,
)
from meetings.domain.text import name_key
from meetings.domain.wording import relationship_words, short

from ..widgets.forms import FieldSpec, RecordForm, specs_for

if TYPE_CHECKING:
    from ..app import CoreGroupApp

# The birth is recorded by typing its date: the birth plan's follow-up fields come after.
CHILD_FIELDS = (
    "name", "date_of_birth", "due_date", "mobility", "seen_by_medical_professional_on", "discharge_plan", "at_home",
    "first_visit_on", "school_or_nursery", "attendance_percent", "attendance_note",
)  # fmt: skip
CHILD_LABELS: dict[str, dict[str, Any]] = {
    "date_of_birth": {"label": "Date of birth", "help": "typed for an unborn child, it records the birth"},
    "due_date": {"label": "Due date (expected date of delivery)"},
    "seen_by_medical_professional_on": {"label": "Last seen by a medical professional on"},
    "discharge_plan": {"label": "After the birth: discharge plan", "help": "the plan for leaving hospital"},
    "at_home": {"label": "Who is at home with the baby"},
    "first_visit_on": {"label": "First home visit on"},
    "school_or_nursery": {"label": "School, nursery or childminder"},
    "attendance_percent": {"label": "Attendance (%)", "help": "the latest figure; under 90% is persistent absence"},
    "attendance_note": {"label": "Attendance: the school's or nursery's word"},
}
PERSON_FIELDS = (
    "name", "relationship", "relationship_detail", "gender", "date_of_birth", "age", "lives_in_household",
    "regularly_present", "parental_responsibility",
    "contact", "known_to", "invited_to_core_group", "not_invited_reason", "safety_note", "risk_assessment_on",
    "risk_assessment", "checks_done", "assessment_type",
    "assessment_status", "assessment_date", "assessment_not_needed_reason", "additional_needs", "trauma_history",
    "mental_health", "risks", "protective_factors", "restricted",
)  # fmt: skip
ACTION_FIELDS = (
    "text",
    "outcome",
    "owner",
    "agency",
    "type",
    "person_id",
    "due",
    "status",
    "evidence",
    "evidence_from",
    "impact",
    "decision_informed",
    "adapted_for",
    "held",
    "held_reason",
    "restricted",
)
REVIEW_FIELDS = (
    "status", "evidence", "evidence_from", "impact", "decision_informed", "adapted_for", "held", "held_reason", "due", "owner", "text",
)  # fmt: skip
# Where an action's evidence comes from, in plain words.
EVIDENCE_CHOICES = [
    ("a parent said so", EvidenceSource.PARENT_SAID.value),
    ("a professional saw it", EvidenceSource.PROFESSIONAL_SAW.value),
    ("an agency's record", EvidenceSource.AGENCY_RECORD.value),
    ("the child said so", EvidenceSource.CHILD_SAID.value),
    ("other", EvidenceSource.OTHER.value),
]
# Where it came from, who referred (and whether the family may know), how often, and what about.
CONCERN_FIELDS = (
    "received_on", "source_kind", "source", "how_received", "referrer", "referrer_restricted", "contacts",
    "contacts_since", "about", "child_id", "domestic_abuse", "person_id", "reported", "impact_on_child", "response",
    "responded_by", "responded_on", "shareable",
)  # fmt: skip
ATTENDEE_FIELDS = (
    "name", "role", "agency", "relationship_to_child", "needs", "copy_type", "status", "mode", "report_received",
)  # fmt: skip
CHRONOLOGY_FIELDS = (
    "date", "end_date", "source", "event", "impact", "impact_note", "action_taken", "recorded_by", "recorded_on",
    "shareable",
)  # fmt: skip
SERVICE_FIELDS = ("name", "agency", "for_whom", "start_date", "end_date", "successor", "notes")
CASE_FIELDS = (
    "plan_categories", "icpc_date", "pre_birth_conference_on", "review_conferences", "lead_social_worker", "team", "expected_agencies",
    "danger_statement", "safety_goal", "plan_ended_on",
)  # fmt: skip


Done = Callable[[Any], Any] | None


def edit(
    app: CoreGroupApp,
    title: str,
    cls: type,
    record: Any | None,
    specs: Sequence[FieldSpec],
    *,
    add: Callable[[Any], Any] | None = None,
    defaults: dict[str, Any] | None = None,
    meeting: Meeting | None = None,
    done: Done = None,
    notes: str = "",
    form: type[RecordForm] = RecordForm,
) -> None:
    """Open the form for `record` (or a new one built from `defaults`). On save, the session
    copies the checked values into the record (or `add` adds the new one) and saves it; a change
    the case's rules refuse is shown on the form, which stays open."""
    session = app.case_session

    def parse(text: str) -> dt.date:
        return session.parse_date(text)

    def save(result: Any) -> Any:
        if record is not None:
            return session.update(record, result, [s.name for s in specs], meeting=meeting)
        assert add is not None
        return add(result)

    def finished(saved: Any) -> None:
        if saved is not None and done is not None:
            app.call_later(done, saved)

    app.push_screen(
        form(
            title,
            cls,
            record,
            specs,
            defaults=defaults,
            parse_due=parse,
            read_only=app.read_only,
            save=save,
            notes=app.visibility().text(notes),  # read only: the name guard, as in the family copy
        ),  # fmt: skip
        finished,
    )


def attendee_names(meeting: Meeting | None) -> list[str]:
    return [a.name for a in meeting.attendees] if meeting else []


def edit_action(
    app: CoreGroupApp, action: Action | None, meeting: Meeting | None, *, review: bool = False, done: Done = None
) -> None:
    session = app.case_session
    case = session.case
    owners = attendee_names(meeting) or [p.name for p in case.people]
    agencies = sorted({a.agency for m in case.meetings for a in m.attendees if a.agency} | set(case.expected_agencies))
    # Picking an owner fills their agency: as they were last recorded at a meeting.
    agency_of = {name_key(a.name): a.agency for m in lifecycle.in_order(case.meetings) for a in m.attendees if a.agency}
    names = REVIEW_FIELDS if review else ACTION_FIELDS
    specs = specs_for(
        Action,
        names,
        owner={"suggest": owners, "help": "start typing: attendees are suggested", "fills": ("agency", agency_of)},
        person_id={
            "kind": "enum",
            "label": "Person assessed",
            "help": "for an assessment: who it assesses",
            # Restricted people only once the chair has shown them (f8), or if already chosen.
            "choices": [
                (f"{p.name} ({relationship_words(p) or 'other'})", p.id)
                for p in case.people
                if app.visibility().shows(p) or (action and action.person_id == p.id)
            ],
        },
        agency={"suggest": agencies},
        due={"kind": "due", "label": "Due", "help": "2w, 10wd, 1m or a date"},
        evidence={
            "help": "how we know it was done. Closing an assessment as done needs its findings; "
            "cancelling one needs the reason",
        },
        evidence_from={
            "label": "Evidence from",
            "help": "a parent's word alone is not evidence of a change for the child",
            "choices": EVIDENCE_CHOICES,
        },
        impact={"label": "Impact on the child"},
        decision_informed={
            "label": "Decision informed",
            "help": "closing an assessment as done needs the decision its findings informed; "
            "cancelling one needs what was decided without it",
        },
        outcome={"label": "Outcome it serves"},
        adapted_for={
            "label": "How the assessment is adapted to the person",
            "help": "; ".join(
                f"{p.name}: {short(app.visibility().text(' '.join(x for x in (p.additional_needs, p.trauma_history, p.mental_health) if x)), 70)}"
                for p in case.people
                if person_needs(p) and app.visibility().shows(p)
            )
            or "for an assessment of someone with recorded needs or trauma",
        },
        text={"label": "Action (specific, measurable, time-bound)"},
        held={
            "label": "Sessions held",
            "help": "for an assessment: in person, online, or mixed",
        },
        held_reason={
            "label": "Why not in person",
            "help": "for an assessment held online or mixed: needed to save it",
        },
    )
    title = f"Action {action.number}" if action else "New action"
    edit(app, title, Action, action, specs, add=lambda new: session.raise_action(new, at=meeting),
         defaults={"number": 1, "text": ""}, done=done,
         notes=action_history_words(case, action.number) if action else "")  # fmt: skip


def edit_person(app: CoreGroupApp, person: Person | None, done: Done = None) -> None:
    session = app.case_session
    edit(app, person.name if person else "New person in the child's life", Person, person,
         specs_for(Person, PERSON_FIELDS, age={"help": "in years, if the date of birth is not known"},
                   regularly_present={"label": "Regularly present or stays overnight (without living there)"},
                   not_invited_reason={"label": "Why not invited", "help": "if not invited to the core group"},
                   risk_assessment_on={"label": "Risk assessment done on",
                                       "help": "e.g. a domestic abuse (DASH) risk assessment"},
                   risk_assessment={"label": "Risk assessment", "help": "what it found"}),
         add=session.add_person, defaults={"id": 1, "name": ""}, done=done)  # fmt: skip


class ChildForm(RecordForm):
    """The child's form: a date of birth typed for an unborn child records the birth in one save
    (the domain moves the mobility on from 'unborn')."""

    app: CoreGroupApp

    def as_recorded(self, data: dict[str, Any]) -> dict[str, Any]:
        return as_born(data, self.app.today())


def edit_child(app: CoreGroupApp, child: Child | None, done: Done = None) -> None:
    session = app.case_session
    edit(app, child.name if child else "New child", Child, child, specs_for(Child, CHILD_FIELDS, **CHILD_LABELS),
         add=session.add_child, defaults={"id": 1, "name": ""}, done=done, form=ChildForm)  # fmt: skip


CONCERN_LABELS: dict[str, dict[str, Any]] = {
    "received_on": {"label": "Received on"},
    "source_kind": {"label": "Came from", "help": "an agency, a person, or anonymous"},
    "source": {
        "label": "Agency or channel",
        "help": "or how it reached us; if anonymous, who passed it on",
    },
    "how_received": {"label": "How received", "help": "call, email, letter, visit ..."},
    "referrer": {"label": "Who referred (name)", "help": "the person who made the referral, if known"},
    "referrer_restricted": {"label": "Keep who referred from the family (always, for an anonymous referral)"},
    "contacts": {"label": "Number of contacts", "help": "e.g. 4 for four calls about this"},
    "contacts_since": {"label": "First contact on", "help": "for repeated contacts: the date of the first"},
    "about": {
        "label": "About (a few words)",
        "help": "e.g. 'baby left alone': concerns about the same thing are seen together",
    },
    "reported": {"label": "What was reported", "help": "in plain English"},
    "impact_on_child": {"label": "Impact on the child"},
    "response": {"label": "Core group's response and decision"},
    "shareable": {"label": "Shareable with the family"},
}


class ConcernForm(RecordForm):
    """The concern form. An anonymous referrer's identity is always kept from the family: choosing
    'anonymous' ticks "Keep who referred from the family", and it stays ticked until another
    source is chosen."""

    def on_mount(self) -> None:  # before the form notes what it shows at first (RecordForm.on_mount)
        self._hold_for_anonymous()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-source_kind":
            self._hold_for_anonymous()

    def _hold_for_anonymous(self) -> None:
        anonymous = self.query_one("#f-source_kind", Select).value == SourceKind.ANONYMOUS.value
        box = self.query_one("#f-referrer_restricted", Checkbox)
        if anonymous:
            box.value = True
        box.disabled = anonymous or self.read_only


def edit_concern(app: CoreGroupApp, concern: Concern | None, meeting: Meeting | None = None, done: Done = None) -> None:
    session = app.case_session
    names: dict[str, dict[str, Any]] = {
        "domestic_abuse": {"label": "Domestic abuse notification"},
        "child_id": {
            "kind": "enum",
            "label": "About which child",
            "help": "e.g. a school's or nursery's attendance concern: shown against that child",
            "choices": [(c.name, c.id) for c in session.case.children],
        },
        "person_id": {
            "kind": "enum",
            "label": "Person it names",
            "help": "for a domestic abuse notification: the person alleged to harm",
            # Restricted people only once the chair has shown them (f8), or if already chosen.
            "choices": [
                (f"{p.name} ({relationship_words(p) or 'other'})", p.id)
                for p in session.case.people
                if app.visibility().shows(p) or (concern and concern.person_id == p.id)
            ],
        },
    }
    specs = specs_for(Concern, CONCERN_FIELDS, **(CONCERN_LABELS | names))
    edit(app, "Concern or information received", Concern, concern, specs,
         add=lambda new: session.record_concern(new, at=meeting),
         defaults={"id": 1, "received_on": app.today().isoformat(), "reported": ""}, done=done,
         form=ConcernForm)  # fmt: skip


def edit_attendee(app: CoreGroupApp, attendee: Attendee, meeting: Meeting, done: Done = None) -> None:
    """Correct an attendee in place: the change is saved with the meeting."""
    specs = specs_for(
        Attendee,
        ATTENDEE_FIELDS,
        relationship_to_child={"label": "Relationship to the child"},
        needs={"label": "Needs", "help": "interpreter (which language), advocate, access ..."},
        copy_type={"label": "Copy of the minutes", "help": "family: restricted notes are left out"},
        mode={"label": "Took part", "help": "needed if they attended"},
        report_received={"label": "Written report received"},
    )
    edit(app, f"Attendee: {attendee.name}", Attendee, attendee, specs, meeting=meeting, done=done)


def edit_chronology(app: CoreGroupApp, entry: ChronologyEntry | None, done: Done = None) -> None:
    session = app.case_session
    today = app.today().isoformat()
    specs = specs_for(
        ChronologyEntry,
        CHRONOLOGY_FIELDS,
        date={"label": "Date (or start of the period)"},
        end_date={"label": "End of the period", "help": "leave empty for a single day"},
        source={"help": "the agency or person who recorded it"},
        impact={"label": "Impact on the child"},
        impact_note={"label": "What the impact was"},
        shareable={"label": "Shareable with the family"},
    )
    edit(app, f"Chronology entry {entry.id}" if entry else "New chronology entry", ChronologyEntry, entry, specs,
         add=session.add_chronology_entry,
         defaults={"id": 1, "date": today, "source": "", "event": "", "recorded_on": today}, done=done)  # fmt: skip


def edit_service(app: CoreGroupApp, service: Service | None, done: Done = None) -> None:
    session = app.case_session
    specs = specs_for(
        Service,
        SERVICE_FIELDS,
        name={"label": "Service or support"},
        for_whom={"label": "For whom"},
        end_date={"label": "Ends on"},
        successor={"label": "What follows when it ends", "help": "a service ending with nothing after it is flagged"},
    )
    edit(app, service.name if service else "New service or support", Service, service, specs,
         add=session.add_service, defaults={"id": 1, "name": ""}, done=done)  # fmt: skip


MEETING_DETAIL_FIELDS = ["date", "start_time", "end_time", "venue", "chair", "minute_taker"]


def edit_meeting_details(app: CoreGroupApp, meeting: Meeting, done: Done = None) -> None:
    """The details set when the meeting started (date, times, venue, chair, minute-taker)."""
    specs = specs_for(
        Meeting, MEETING_DETAIL_FIELDS, start_time={"label": "Start time (HH:MM)"},
        end_time={"label": "End time (HH:MM)"}, minute_taker={"label": "Minute-taker"},
    )  # fmt: skip
    edit(app, f"Meeting {meeting.number}: details", Meeting, meeting, specs, meeting=meeting, done=done)


def edit_case_details(app: CoreGroupApp, done: Done = None) -> None:
    case = app.case_session.case
    specs = specs_for(
        Case,
        CASE_FIELDS,
        plan_categories={"help": "neglect, physical_abuse, emotional_abuse, sexual_abuse"},
        review_conferences={"help": "dates YYYY-MM-DD, separated by commas"},
        icpc_date={"label": "ICPC date"},
        pre_birth_conference_on={
            "label": "Pre-birth conference on",
            "help": "a conference held before the birth, if not the ICPC",
        },
    )
    notes = (
        "Lead social worker: changing the name records the new lead from today. When a lead began, and who led "
        "before: l on the case screen."
    )
    edit(app, f"Plan for case {case.id}", Case, case, specs, done=done, notes=notes)
