"""The records a core group keeps about a child's protection plan.

Field names follow the words in docs/domain.md. Every record is checked when it is loaded
(`meetings.schema.load`); rules that involve more than one field live in each record's
`check`, and rules across records in `Case.check`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from . import schema
from .schema import InvalidRecord

SCHEMA_VERSION = 3


class PlanCategory(StrEnum):
    NEGLECT = "neglect"
    PHYSICAL_ABUSE = "physical_abuse"
    EMOTIONAL_ABUSE = "emotional_abuse"
    SEXUAL_ABUSE = "sexual_abuse"


class Mobility(StrEnum):
    UNBORN = "unborn"
    NON_MOBILE = "non_mobile"
    MOBILE = "mobile"
    NOT_RECORDED = "not_recorded"


class Relationship(StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    MOTHERS_PARTNER = "mothers_partner"
    FATHERS_PARTNER = "fathers_partner"
    MALE_CARER = "male_carer"
    FEMALE_CARER = "female_carer"
    STEP_PARENT = "step_parent"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    OTHER_RELATIVE = "other_relative"
    FAMILY_FRIEND = "family_friend"
    REGULAR_VISITOR = "regular_visitor"
    OTHER = "other"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class AssessmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NOT_NEEDED = "not_needed"


class MeetingMode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class AttendanceMode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    PHONE = "phone"


class AttendanceStatus(StrEnum):
    INVITED = "invited"
    ATTENDED = "attended"
    APOLOGIES = "apologies"
    DID_NOT_ATTEND = "did_not_attend"


class CopyType(StrEnum):
    FULL = "full"
    FAMILY = "family"


class MeetingStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class ActionType(StrEnum):
    PARENTING_ASSESSMENT = "parenting_assessment"
    PRE_BIRTH_ASSESSMENT = "pre_birth_assessment"
    FATHER_ASSESSMENT = "father_assessment"
    VISIT = "visit"
    REFERRAL = "referral"
    OTHER = "other"


ASSESSMENT_TYPES = frozenset(
    {ActionType.PARENTING_ASSESSMENT, ActionType.PRE_BIRTH_ASSESSMENT, ActionType.FATHER_ASSESSMENT}
)


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})


class SourceKind(StrEnum):
    AGENCY = "agency"
    PERSON = "person"
    ANONYMOUS = "anonymous"


class NotSeenReason(StrEnum):
    """Why a child was not seen at a visit."""

    ASLEEP = "asleep"
    OUT = "out"
    ACCESS_REFUSED = "access_refused"
    NO_ANSWER = "no_answer"
    OTHER = "other"


class EvidenceSource(StrEnum):
    """Where the evidence that an action was done comes from: a parent's word alone is not
    evidence of a difference for the child."""

    PARENT_SAID = "parent_said"
    PROFESSIONAL_SAW = "professional_saw"
    AGENCY_RECORD = "agency_record"
    CHILD_SAID = "child_said"
    OTHER = "other"


class SessionMode(StrEnum):
    """How an assessment's sessions were held."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    MIXED = "mixed"


class BreachKind(StrEnum):
    """A timescale the case missed, kept on the record once it happens."""

    FIRST_CORE_GROUP_LATE = "first_core_group_late"
    CORE_GROUP_GAP = "core_group_gap"
    MINUTES_LATE = "minutes_late"
    REVIEW_CONFERENCE_LATE = "review_conference_late"
    PRE_BIRTH_CONFERENCE_LATE = "pre_birth_conference_late"


class Impact(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    NOT_KNOWN = "not_known"


# A structured answer at an agenda step: a date is kept as text in the form YYYY-MM-DD.
Answer = str | int | bool | None


# Relationships a man can have with a child; a person in one with no gender recorded may be a man.
MAYBE_MALE_RELATIONSHIPS = frozenset(
    {
        Relationship.MOTHERS_PARTNER,
        Relationship.FATHERS_PARTNER,
        Relationship.STEP_PARENT,
        Relationship.GRANDPARENT,
        Relationship.OTHER_RELATIVE,
        Relationship.FAMILY_FRIEND,
        Relationship.REGULAR_VISITOR,
        Relationship.OTHER,
    }
)


@dataclass(kw_only=True)
class Child:
    """A child on the plan. An unborn child has a due date instead of a date of birth."""

    id: int = schema.number(minimum=1)
    name: str = schema.text(
        required=True, max_length=200, doc="as the family uses it; 'Unborn baby of ...' before birth"
    )
    date_of_birth: dt.date | None = None
    due_date: dt.date | None = None
    mobility: Mobility = Mobility.NOT_RECORDED
    seen_by_medical_professional_on: dt.date | None = None
    discharge_plan: str = schema.text(multiline=True, doc="after the birth: the plan for leaving hospital")
    at_home: str = schema.text(multiline=True, doc="after the birth: who is at home with the baby")
    first_visit_on: dt.date | None = None  # after the birth: the first home visit
    school_or_nursery: str = schema.text(max_length=300, doc="the child's own school, nursery or childminder")
    attendance_percent: int | None = None  # the school's or nursery's latest figure, 0 to 100
    attendance_note: str = schema.text(multiline=True, doc="the school's or nursery's latest word on attendance")

    def check(self) -> None:
        if self.date_of_birth is None and self.due_date is None:
            raise InvalidRecord("date_of_birth", "a child needs a date of birth, or a due date if unborn")
        if self.mobility is Mobility.UNBORN and self.date_of_birth is not None:
            raise InvalidRecord("mobility", "'unborn' but a date of birth is recorded")
        if self.attendance_percent is not None and not 0 <= self.attendance_percent <= 100:
            raise InvalidRecord("attendance_percent", f"{self.attendance_percent} is not a percentage (0 to 100)")

    @property
    def unborn(self) -> bool:
        return self.date_of_birth is None

    def age_in_months(self, on: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        months = (on.year - self.date_of_birth.year) * 12 + on.month - self.date_of_birth.month
        return months - (1 if on.day < self.date_of_birth.day else 0)


@dataclass(kw_only=True)
class Person:
    """Someone in the child's life: parent, partner, carer, relative or regular visitor."""

    id: int = schema.number(minimum=1)
    name: str = schema.text(required=True, max_length=200)
    relationship: Relationship = Relationship.OTHER
    relationship_detail: str = schema.text(max_length=200, doc="in the family's words, e.g. 'mother's ex-partner'")
    gender: Gender = Gender.NOT_KNOWN
    date_of_birth: dt.date | None = None
    age: int | None = None  # when the date of birth is not known
    lives_in_household: bool = False
    regularly_present: bool = False  # often there, or staying overnight, without living there
    household_from: dt.date | None = None  # joined the household (or began staying there)
    household_until: dt.date | None = None  # left the household
    parental_responsibility: bool = False
    contact: str = schema.text(max_length=500)
    known_to: list[str] = schema.items(doc="police, probation, adult services ...")
    checks_done: str = schema.text(multiline=True)
    assessment_type: str = schema.text(max_length=200)
    assessment_status: AssessmentStatus = AssessmentStatus.NOT_STARTED
    assessment_date: dt.date | None = None
    assessment_not_needed_reason: str = schema.text(multiline=True)
    additional_needs: str = schema.text(multiline=True)
    trauma_history: str = schema.text(multiline=True)
    mental_health: str = schema.text(multiline=True)
    risks: str = schema.text(multiline=True)
    protective_factors: str = schema.text(multiline=True)
    invited_to_core_group: bool = False
    not_invited_reason: str = schema.text(multiline=True, doc="why they are not invited to the core group")
    safety_note: str = schema.text(multiline=True, doc="e.g. attend at a different time from another member")
    risk_assessment_on: dt.date | None = None  # e.g. a domestic abuse risk assessment (DASH), once done
    risk_assessment: str = schema.text(multiline=True, doc="the risk assessment done about them, and its outcome")
    restricted: bool = False

    def check(self) -> None:
        if self.age is not None and not 0 <= self.age <= 120:
            raise InvalidRecord("age", f"{self.age} is not an age in years (0 to 120)")
        if self.assessment_status is AssessmentStatus.NOT_NEEDED and not self.assessment_not_needed_reason.strip():
            raise InvalidRecord("assessment_not_needed_reason", "say why no assessment is needed")

    @property
    def is_father_or_male_carer(self) -> bool:
        if self.relationship in (Relationship.FATHER, Relationship.MALE_CARER):
            return True
        return self.gender is Gender.MALE and self.relationship is not Relationship.SIBLING

    @property
    def may_be_male_carer(self) -> bool:
        """Gender not recorded, in a relationship a man could have with the child: until it is
        recorded the man checks treat them as a possible man in the child's life (invisible men)."""
        return self.gender is Gender.NOT_KNOWN and self.relationship in MAYBE_MALE_RELATIONSHIPS


@dataclass(kw_only=True)
class Attendee:
    """Someone invited to a core group meeting, and whether and how they took part."""

    name: str = schema.text(required=True, max_length=200)
    role: str = schema.text(max_length=200)
    agency: str = schema.text(max_length=200)
    relationship_to_child: str = schema.text(max_length=200)
    person_id: int | None = None
    status: AttendanceStatus = AttendanceStatus.INVITED
    mode: AttendanceMode | None = None
    report_received: bool = False
    needs: str = schema.text(max_length=500, doc="interpreter, advocate ...")
    copy_type: CopyType = CopyType.FULL

    def check(self) -> None:
        if self.status is AttendanceStatus.ATTENDED and self.mode is None:
            raise InvalidRecord("mode", "say how they attended: in_person, online or phone")


@dataclass(kw_only=True)
class AgendaStep:
    """One step of the meeting's agenda: what was said and the structured answers."""

    key: str = schema.text(required=True, max_length=80)
    title: str = schema.text(required=True, max_length=200)
    notes: str = schema.text(multiline=True)
    restricted_notes: str = schema.text(multiline=True, doc="left out of the family copy")
    answers: dict[str, Answer] = schema.mapping()
    started_at: dt.datetime | None = None
    seconds_spent: int = schema.number(minimum=0)


@dataclass(kw_only=True)
class Scaling:
    """Where one person puts the child's safety, 0 (certain harm) to 10 (safe enough to close)."""

    name: str = schema.text(required=True, max_length=200)
    score: int = schema.number(minimum=0, maximum=10)
    reason: str = schema.text(multiline=True)


@dataclass(kw_only=True)
class Distribution:
    """Who received which copy of the minutes, and when."""

    recipient: str = schema.text(required=True, max_length=200)
    agency: str = schema.text(max_length=200)
    copy_type: CopyType = CopyType.FULL
    sent_on: dt.date | None = None
    how: str = schema.text(max_length=200)
    new_recipient: bool = False  # not invited and not one of the case's people: the chair confirmed it
    full_copy_reason: str = schema.text(
        multiline=True, doc="why a full copy holding restricted text went to family or a restricted person"
    )
    withdrawn_on: dt.date | None = None
    withdrawn_reason: str = schema.text(multiline=True, doc="why the entry was wrong: it stays in the history")
    version: int = schema.number(default=1, minimum=1, doc="the version of the minutes sent")

    @property
    def live(self) -> bool:
        return self.withdrawn_on is None


@dataclass(kw_only=True)
class RaisedFlag:
    """A flag as the tool raised it at a meeting, kept so the minutes say what was true that day."""

    kind: str = schema.text(required=True, max_length=80)
    message: str = schema.text(required=True, multiline=True)
    severity: str = schema.text(max_length=20)
    restricted: bool = False


@dataclass(kw_only=True)
class Breach:
    """A timescale missed: what, when it was due, when it happened, by how many working days."""

    id: int = schema.number(minimum=1)
    kind: BreachKind
    key: str = schema.text(required=True, max_length=120, doc="what the breach is of, so it is recorded once")
    what: str = schema.text(required=True, multiline=True)
    due_on: dt.date
    happened_on: dt.date | None = None  # None while it is still running (minutes not yet sent)
    working_days_late: int = schema.number(minimum=0)
    recorded_on: dt.date
    meeting: int | None = None  # the meeting it is about


@dataclass(kw_only=True)
class Meeting:
    """A core group meeting."""

    number: int = schema.number(minimum=1)
    date: dt.date
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    venue: str = schema.text(max_length=300)
    mode: MeetingMode = MeetingMode.IN_PERSON
    mode_reason: str = schema.text(multiline=True, doc="why the meeting was not in person")
    chair: str = schema.text(max_length=200)
    minute_taker: str = schema.text(max_length=200)
    attendees: list[Attendee] = schema.items()
    steps: list[AgendaStep] = schema.items()
    scaling: list[Scaling] = schema.items()
    decisions: str = schema.text(multiline=True)
    dissent: str = schema.text(multiline=True)
    contingency_plan: str = schema.text(multiline=True)
    next_meeting_date: dt.date | None = None
    next_meeting_time: dt.time | None = None
    next_meeting_venue: str = schema.text(max_length=300)
    next_meeting_mode: MeetingMode | None = None
    status: MeetingStatus = MeetingStatus.IN_PROGRESS
    finished_at: dt.datetime | None = None
    finish_note: str = schema.text(multiline=True, doc="why the chair finished with items missing")
    minutes_version: int = schema.number(
        default=1, minimum=1, doc="2 and up once the meeting was reopened after its minutes were sent"
    )
    amendment_reason: str = schema.text(multiline=True, doc="why the minutes were amended (the latest version)")
    safety_arrangements: str = schema.text(
        multiline=True, doc="how people who must not meet are kept apart at this meeting (separate times, rooms)"
    )
    distribution: list[Distribution] = schema.items()
    actions_at_finish: list[Action] = schema.items(
        doc="each action the meeting reviewed, as it stood when the meeting finished: the minutes print these"
    )
    flags_at_finish: list[RaisedFlag] = schema.items(doc="the flags raised when the meeting finished")
    recorded_at_finish: bool = False  # the two lists above were kept (meetings of earlier releases did not)

    def check(self) -> None:
        if self.mode is not MeetingMode.IN_PERSON and not self.mode_reason.strip():
            raise InvalidRecord("mode_reason", f"a meeting held {self.mode.value} needs a recorded reason")
        if self.start_time and self.end_time and self.end_time < self.start_time:
            raise InvalidRecord("end_time", f"{self.end_time:%H:%M} is before the start time {self.start_time:%H:%M}")


@dataclass(kw_only=True)
class Action:
    """A SMART action in the child protection plan, tracked until it is done and used."""

    number: int = schema.number(minimum=1)
    text: str = schema.text(required=True, multiline=True, max_length=5_000)
    outcome: str = schema.text(multiline=True, doc="the plan outcome this action serves")
    owner: str = schema.text(max_length=200)
    agency: str = schema.text(max_length=200)
    type: ActionType = ActionType.OTHER
    person_id: int | None = None
    raised_at: int | None = None
    due: dt.date | None = None
    status: ActionStatus = ActionStatus.OPEN
    times_carried_forward: int = schema.number(minimum=0)
    evidence: str = schema.text(
        multiline=True, doc="how we know it was done; for an assessment, its findings or why it was cancelled"
    )
    impact: str = schema.text(multiline=True, doc="what difference it made to the child")
    evidence_from: EvidenceSource | None = None  # where the evidence comes from: a parent's word alone is not enough
    decision_informed: str = schema.text(
        multiline=True, doc="for an assessment: the decision its findings informed, or that was made without it"
    )
    completed_on: dt.date | None = None
    adapted_for: str = schema.text(
        multiline=True, doc="for an assessment of someone with recorded needs or trauma: how it is adapted to them"
    )
    held: SessionMode | None = None  # for an assessment: how its sessions were held
    held_reason: str = schema.text(multiline=True, doc="why an assessment's sessions were not all in person")
    restricted: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_assessment(self) -> bool:
        return self.type in ASSESSMENT_TYPES

    def check(self) -> None:
        if self.status is ActionStatus.DONE and self.is_assessment:
            if not self.evidence.strip():
                raise InvalidRecord("evidence", "an assessment cannot be closed without its findings")
            if not self.decision_informed.strip():
                raise InvalidRecord(
                    "decision_informed", "an assessment cannot be closed without the decision its findings informed"
                )
        # A cancelled assessment leaves a decision to be made without it: both are on the record.
        if self.status is ActionStatus.CANCELLED and self.is_assessment:
            if not self.evidence.strip():
                raise InvalidRecord("evidence", "say why the assessment was cancelled")
            if not self.decision_informed.strip():
                raise InvalidRecord("decision_informed", "say what was decided without the assessment")
        held_apart = self.held is not None and self.held is not SessionMode.IN_PERSON
        if held_apart and self.is_assessment and not self.held_reason.strip():
            raise InvalidRecord("held_reason", "say why the assessment's sessions were not all in person")


@dataclass(kw_only=True)
class Concern:
    """A concern or information received by the core group, and the group's response to it."""

    id: int = schema.number(minimum=1)
    received_on: dt.date
    source_kind: SourceKind = SourceKind.AGENCY
    source: str = schema.text(max_length=300, doc="the agency or person; for an anonymous source, who passed it on")
    how_received: str = schema.text(max_length=200)
    referrer: str = schema.text(max_length=200, doc="who referred, by name, apart from the agency or channel")
    referrer_restricted: bool = False  # the referrer's identity is left out of the family copy
    contacts: int = schema.number(default=1, minimum=1, maximum=10_000, doc="how many contacts this concern records")
    contacts_since: dt.date | None = None  # the first of repeated contacts (e.g. four calls since ...)
    about: str = schema.text(max_length=200, doc="what it is about, in a few words (e.g. 'baby left alone')")
    reported: str = schema.text(required=True, multiline=True, doc="what was reported, in plain English")
    impact_on_child: str = schema.text(multiline=True)
    response: str = schema.text(multiline=True, doc="the core group's response and decision")
    responded_by: str = schema.text(max_length=200)
    responded_on: dt.date | None = None
    meeting: int | None = None
    child_id: int | None = None  # the child it is about (a school's attendance concern), if one
    domestic_abuse: bool = False  # a domestic abuse notification (police, MARAC ...)
    person_id: int | None = None  # the person it names (in a domestic abuse notification, the one alleged to harm)
    shareable: bool = True

    @property
    def answered(self) -> bool:
        return bool(self.response.strip())

    @property
    def referrer_withheld(self) -> bool:
        """Whether who referred is kept from the family: always for an anonymous referrer."""
        return self.referrer_restricted or self.source_kind is SourceKind.ANONYMOUS

    def check(self) -> None:
        if self.contacts_since is not None and self.contacts_since > self.received_on:
            raise InvalidRecord(
                "contacts_since", f"{self.contacts_since} is after the date received {self.received_on}"
            )


@dataclass(kw_only=True)
class ChronologyEntry:
    """One event in the child's multi-agency chronology."""

    id: int = schema.number(minimum=1)
    date: dt.date
    end_date: dt.date | None = None
    source: str = schema.text(required=True, max_length=300)
    event: str = schema.text(required=True, multiline=True)
    impact: Impact = Impact.NOT_KNOWN
    impact_note: str = schema.text(multiline=True)
    action_taken: str = schema.text(multiline=True, doc="the action taken, or why none")
    recorded_by: str = schema.text(max_length=200)
    recorded_on: dt.date | None = None
    shareable: bool = True

    def check(self) -> None:
        if self.end_date is not None and self.end_date < self.date:
            raise InvalidRecord("end_date", f"{self.end_date} is before the start {self.date}")


@dataclass(kw_only=True)
class ChildAtVisit:
    """One child at a visit: seen or not (and why not), seen alone or not. `seen` None: whether
    the child was seen is not recorded (a visit made from an older case file's "child last seen"
    answer, which never said which child): unknown, never taken as seen, until the chair says."""

    child_id: int = schema.number(minimum=1)
    seen: bool | None = True
    not_seen_reason: NotSeenReason | None = None
    not_seen_detail: str = schema.text(max_length=500)
    seen_alone: bool = False

    def check(self) -> None:
        if self.seen is False and self.not_seen_reason is None:
            raise InvalidRecord("not_seen_reason", "say why the child was not seen")
        if self.seen is None and self.not_seen_reason is not None:
            raise InvalidRecord("not_seen_reason", "whether the child was seen is not recorded: no reason can be")
        if not self.seen and self.seen_alone:
            raise InvalidRecord("seen_alone", "a child not seen (or not recorded as seen) cannot have been seen alone")

    @property
    def recorded(self) -> bool:
        """Whether the record says if the child was seen (False: not recorded)."""
        return self.seen is not None


@dataclass(kw_only=True)
class Visit:
    """A statutory visit (or other visit to the children): who visited, where, and each child."""

    id: int = schema.number(minimum=1)
    date: dt.date
    visited_by: str = schema.text(max_length=200)
    agency: str = schema.text(max_length=200)
    where: str = schema.text(max_length=300, doc="home, school, nursery, contact centre ...")
    announced: bool | None = None  # None: not recorded
    children: list[ChildAtVisit] = schema.items()
    notes: str = schema.text(multiline=True)
    from_meeting: int | None = None  # made from a core group's "child last seen" answer (an older case file)
    inferred: str = schema.text(
        max_length=500,
        doc="set when coregroup, not a person, made the visit (a migration): how and when; cleared once the chair "
        "records each child at it",
    )
    restricted: bool = False


@dataclass(kw_only=True)
class LeadWorker:
    """A lead social worker of the case, from a date."""

    name: str = schema.text(required=True, max_length=200)
    since: dt.date
    inferred: str = schema.text(
        max_length=500,
        doc="set when coregroup, not a person, recorded the entry (a migration): how and when; who led before "
        "`since` is then not recorded. Cleared when the chair records when this worker became lead",
    )


@dataclass(kw_only=True)
class Service:
    """A service or support for someone in the family, with when it ends and what follows."""

    id: int = schema.number(minimum=1)
    name: str = schema.text(required=True, max_length=300)
    agency: str = schema.text(max_length=200)
    for_whom: str = schema.text(max_length=200)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    successor: str = schema.text(multiline=True, doc="what support follows when this one ends")
    notes: str = schema.text(multiline=True)


@dataclass(kw_only=True)
class Case:
    """A child protection plan and everything its core group records. `id` names the case file."""

    id: str = schema.text(required=True, max_length=64)
    schema_version: int = schema.number(default=SCHEMA_VERSION, minimum=1)
    children: list[Child] = schema.items(min_items=1)
    plan_categories: list[PlanCategory] = schema.items(min_items=1)
    icpc_date: dt.date
    pre_birth_conference_on: dt.date | None = None  # a conference held before the birth
    review_conferences: list[dt.date] = schema.items()
    lead_social_worker: str = schema.text(max_length=200)
    team: str = schema.text(max_length=200)
    expected_agencies: list[str] = schema.items()
    danger_statement: str = schema.text(multiline=True)
    safety_goal: str = schema.text(multiline=True)
    plan_ended_on: dt.date | None = None
    people: list[Person] = schema.items()
    meetings: list[Meeting] = schema.items()
    actions: list[Action] = schema.items()
    concerns: list[Concern] = schema.items()
    chronology: list[ChronologyEntry] = schema.items()
    services: list[Service] = schema.items()
    breaches: list[Breach] = schema.items()
    visits: list[Visit] = schema.items()
    lead_workers: list[LeadWorker] = schema.items(doc="the lead social workers, oldest first, each from a date")

    def check(self) -> None:
        check_case_id(self.id)
        for name in ("children", "people", "concerns", "chronology", "services", "breaches", "visits"):
            _unique(getattr(self, name), "id", name)
        _unique(self.meetings, "number", "meetings")
        _unique(self.actions, "number", "actions")
        people = {p.id for p in self.people}
        for i, meeting in enumerate(self.meetings):
            for j, attendee in enumerate(meeting.attendees):
                if attendee.person_id is not None and attendee.person_id not in people:
                    raise InvalidRecord(
                        f"meetings[{i}].attendees[{j}].person_id", f"{attendee.person_id} is not a person in this case"
                    )
        meeting_numbers = {m.number for m in self.meetings}
        for i, action in enumerate(self.actions):
            if action.person_id is not None and action.person_id not in people:
                raise InvalidRecord(f"actions[{i}].person_id", f"{action.person_id} is not a person in this case")
            if action.raised_at is not None and action.raised_at not in meeting_numbers:
                raise InvalidRecord(f"actions[{i}].raised_at", f"{action.raised_at} is not a meeting of this case")
        children = {c.id for c in self.children}
        for i, concern in enumerate(self.concerns):  # a concern linked to no meeting would be in no minutes
            if concern.meeting is not None and concern.meeting not in meeting_numbers:
                raise InvalidRecord(f"concerns[{i}].meeting", f"{concern.meeting} is not a meeting of this case")
            if concern.child_id is not None and concern.child_id not in children:
                raise InvalidRecord(f"concerns[{i}].child_id", f"{concern.child_id} is not a child in this case")
            if concern.person_id is not None and concern.person_id not in people:
                raise InvalidRecord(f"concerns[{i}].person_id", f"{concern.person_id} is not a person in this case")
        for i, visit in enumerate(self.visits):
            for j, seen in enumerate(visit.children):
                if seen.child_id not in children:
                    raise InvalidRecord(
                        f"visits[{i}].children[{j}].child_id", f"{seen.child_id} is not a child in this case"
                    )

    def child_names(self) -> str:
        return ", ".join(c.name for c in self.children)

    def next_number(self, kind: str) -> int:
        """The next free number for a new record of `kind` ('actions', 'meetings', 'people' ...)."""
        key = "number" if kind in ("actions", "meetings") else "id"
        return free_number(getattr(r, key) for r in getattr(self, kind))


#: The largest number a record may hold: what a case file (JSON read by orjson) stores exactly.
LARGEST_NUMBER = 2**63 - 1


def free_number(used: Iterable[int]) -> int:
    """A number for a new record: one after the largest used, or, when that would pass the largest
    number a case file holds (a file from another system may number its records so), the smallest
    number not used."""
    taken = set(used)
    after = max(taken, default=0) + 1
    if after <= LARGEST_NUMBER:
        return after
    return next(n for n in range(1, len(taken) + 2) if n not in taken)


_CASE_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def check_case_id(case_id: str) -> str:
    """A case id names a file, so it is kept to letters, digits, '-' and '_'."""
    if not case_id or not set(case_id) <= _CASE_ID_CHARS or case_id[0] in "-_" or len(case_id) > 64:
        raise InvalidRecord(
            "id",
            f"{case_id!r} is not a usable case id: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit",
        )
    return case_id


def _unique(records: Sequence[object], key: str, name: str) -> None:
    seen: set[object] = set()
    for i, record in enumerate(records):
        value = getattr(record, key)
        if value in seen:
            raise InvalidRecord(f"{name}[{i}].{key}", f"{value} is used twice")
        seen.add(value)


# The lists of a case that are stored as tables, with the field that keys each record.
COLLECTIONS: dict[str, tuple[type, str]] = {
    "people": (Person, "id"),
    "meetings": (Meeting, "number"),
    "actions": (Action, "number"),
    "concerns": (Concern, "id"),
    "chronology": (ChronologyEntry, "id"),
    "services": (Service, "id"),
    "visits": (Visit, "id"),
}
COLLECTION_OF: dict[type, str] = {cls: name for name, (cls, _) in COLLECTIONS.items()}
