"""The multi-agency chronology, assembled from the record as well as the typed entries.

Nothing is typed twice: each conference and core group, each concern received and the core
group's response, each action raised, carried forward, done or cancelled, each service starting
and ending, births and household changes, each change of lead social worker, each recorded visit
or sighting of the child and each timescale missed is read from the record it is kept in. Typed entries (`case.chronology`) stay
as they are, for what the record holds nowhere else.

Each item follows the family-copy rules of its source (`family.Restrictions`): a concern not
shareable, a restricted action or an action about a restricted person, a restricted person's
household changes are not shareable; an anonymous or restricted referrer's identity, and a
restricted attendee of a core group, are left out of what the family may see (`for_copy`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from . import schema
from .family import Restrictions, fold_text, name_pattern, referrer_identity
from .lifecycle import in_order
from .records import (
    Action,
    ActionStatus,
    ActionType,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Breach,
    Case,
    ChronologyEntry,
    Concern,
    CopyType,
    Impact,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Person,
    Service,
    SourceKind,
)
from .schema import InvalidRecord, parse_date
from .visits import child_at_visit_words, inferred_mark, visits_in_order
from .wording import action_type_words, and_list, humanise, plan_category_words, relationship_words, short_date


class EventKind(StrEnum):
    """What an item of the chronology is."""

    TYPED = "typed"
    CONFERENCE = "conference"
    CORE_GROUP = "core_group"
    CONCERN = "concern"
    ACTION = "action"
    SERVICE = "service"
    BIRTH = "birth"
    HOUSEHOLD = "household"
    CONTACT = "contact"
    BREACH = "breach"
    LEAD_WORKER = "lead_worker"  # a change of lead social worker


KIND_WORDS: dict[EventKind, str] = {
    EventKind.TYPED: "Chronology entry",
    EventKind.CONFERENCE: "Conference",
    EventKind.CORE_GROUP: "Core group",
    EventKind.CONCERN: "Concern received",
    EventKind.ACTION: "Action",
    EventKind.SERVICE: "Service",
    EventKind.BIRTH: "Birth",
    EventKind.HOUSEHOLD: "Household change",
    EventKind.CONTACT: "Visit or child seen",
    EventKind.BREACH: "Timescale missed",
    EventKind.LEAD_WORKER: "Lead social worker changed",
}

# Of items on the same day, the order a chair reads them in: the birth and the conference first,
# then a new lead social worker (who holds the core group that day), then the core group and what it
# heard and decided, then the rest; typed entries last.
_RANK = {
    kind: i
    for i, kind in enumerate(
        (
            EventKind.BIRTH,
            EventKind.CONFERENCE,
            EventKind.LEAD_WORKER,
            EventKind.CORE_GROUP,
            EventKind.CONTACT,
            EventKind.CONCERN,
            EventKind.ACTION,
            EventKind.SERVICE,
            EventKind.HOUSEHOLD,
            EventKind.BREACH,
            EventKind.TYPED,
        )
    )
}

CONFERENCE_SOURCE = "Child protection conference"
CORE_GROUP_SOURCE = "Core group"
CASE_RECORD_SOURCE = "Case record"
TIMESCALES_SOURCE = "Timescales"


def kind_words(kind: EventKind) -> str:
    """The kind of an item in words: 'Concern received', 'Core group'."""
    return KIND_WORDS[kind]


def parse_kind(typed: str) -> EventKind:
    """A kind as typed: its name ('core_group', 'core-group', 'core group') or its words
    ('Concern received', or the start of them: 'concern'). Raises ValueError naming the kinds."""
    wanted = " ".join(typed.replace("_", " ").replace("-", " ").casefold().split())
    for kind in EventKind:
        if wanted in (humanise(kind.value), KIND_WORDS[kind].casefold()):
            return kind
    starting = [k for k in EventKind if wanted and KIND_WORDS[k].casefold().startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    choices = ", ".join(k.value for k in EventKind)
    raise ValueError(f"{typed!r} is not a kind of chronology item (kinds: {choices})")


@dataclass(frozen=True)
class ChronologyItem:
    """One event of the assembled chronology. Not stored: built afresh from the record.

    `source`, `event` and the rest are as the full copy prints them. Where the family may see
    less (an anonymous referrer's identity, a restricted attendee), `family_source` or
    `family_event` holds what the family copy prints instead. `record` is the record the item
    comes from, so a screen can open it: a typed entry, a concern, an action, a meeting ..."""

    date: dt.date
    kind: EventKind
    source: str
    event: str
    end_date: dt.date | None = None
    impact: Impact = Impact.NOT_KNOWN
    impact_note: str = ""
    response: str = ""  # the action taken, or the core group's response
    recorded_by: str = ""  # typed entries: who recorded it
    recorded_on: dt.date | None = None
    origin: str = ""  # derived items: where in the record it is kept
    person_ids: frozenset[int] = frozenset()  # the people in the child's life it concerns
    shareable: bool = True
    family_source: str | None = None
    family_event: str | None = None
    needs_attention: bool = False  # no response yet to a concern, a service ending with nothing after it
    record: object = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def typed(self) -> bool:
        return self.kind is EventKind.TYPED

    @property
    def withholds(self) -> bool:
        """Whether the family's version of this item says less than the full one."""
        return self.family_source is not None or self.family_event is not None

    @property
    def last_day(self) -> dt.date:
        return self.end_date or self.date

    def for_family(
        self, clean: Callable[[str], str] | None = None, restricted_ids: frozenset[int] = frozenset()
    ) -> ChronologyItem:
        """This item as the family copy may show it, with restricted names withheld by `clean`
        and restricted people no longer among those it is about (a filter must not find them)."""
        tidy = clean or (lambda text: text)
        return dataclasses.replace(
            self,
            person_ids=self.person_ids - restricted_ids,
            source=tidy(self.source if self.family_source is None else self.family_source),
            event=tidy(self.event if self.family_event is None else self.family_event),
            impact_note=tidy(self.impact_note),
            response=tidy(self.response),
            recorded_by=tidy(self.recorded_by),
            family_source=None,
            family_event=None,
        )


# ----- assembling it ------------------------------------------------------------------------------


def chronology(case: Case, *, today: dt.date | None = None, find_people: bool = True) -> list[ChronologyItem]:
    """The case's chronology, oldest first: the typed entries and every event the record holds.
    Events the record dates after `today` (a review conference booked, a service due to end)
    have not happened yet and are left out; typed entries are kept whatever their date.
    `find_people=False`: the people each event names are not looked for (what is shareable is
    the same; only the filter by person needs them)."""
    today = today if today is not None else dt.date.today()
    family = Restrictions.of(case, CopyType.FAMILY)
    mentions = _mentions_finder(case.people) if find_people else _no_one
    derived = [
        *_conference_items(case),
        *_lead_worker_items(case),
        *_core_group_items(case, family),
        *(_concern_item(c, mentions) for c in case.concerns),
        *_action_items(case, family, mentions),
        *_service_items(case, family, mentions),
        *_birth_items(case),
        *_household_items(case),
        *_contact_items(case),
        *(_breach_item(b) for b in case.breaches),
    ]
    items = [_typed_item(e, mentions) for e in sorted(case.chronology, key=lambda e: e.id)]
    items += [i for i in derived if i.date <= today]
    return sorted(items, key=_order)


def _order(item: ChronologyItem) -> tuple[dt.date, dt.date, int]:
    return (item.date, item.last_day, _RANK[item.kind])


Mentions = Callable[..., frozenset[int]]


def _no_one(*texts: str) -> frozenset[int]:
    return frozenset()


def _mentions_finder(people: Sequence[Person]) -> Mentions:
    """A function giving the people whose full name is written in any of some texts."""
    patterns = [(p.id, pattern) for p in people if (pattern := name_pattern([p.name])) is not None]

    def mentioned(*texts: str) -> frozenset[int]:
        plain = fold_text("\n".join(texts))  # folded once, looked in for each person
        return frozenset(pid for pid, pattern in patterns if pattern.search(plain))

    return mentioned


def _typed_item(entry: ChronologyEntry, mentions: Mentions) -> ChronologyItem:
    return ChronologyItem(
        date=entry.date,
        end_date=entry.end_date,
        kind=EventKind.TYPED,
        source=entry.source,
        event=entry.event,
        impact=entry.impact,
        impact_note=entry.impact_note,
        response=entry.action_taken,
        recorded_by=entry.recorded_by,
        recorded_on=entry.recorded_on,
        person_ids=mentions(entry.source, entry.event),
        shareable=entry.shareable,
        record=entry,
    )


def _conference_items(case: Case) -> Iterator[ChronologyItem]:
    plan = f"child protection plan for {plan_category_words(case.plan_categories)}"

    def conference(day: dt.date, event: str) -> ChronologyItem:
        return ChronologyItem(
            date=day, kind=EventKind.CONFERENCE, source=CONFERENCE_SOURCE, event=event, origin="The plan", record=case
        )

    pre_birth = case.pre_birth_conference_on
    if pre_birth is not None and pre_birth == case.icpc_date:
        yield conference(pre_birth, f"Pre-birth child protection conference (the initial conference): {plan}.")
    else:
        if pre_birth is not None:
            yield conference(pre_birth, "Pre-birth child protection conference.")
        yield conference(case.icpc_date, f"Initial child protection conference: {plan}.")
    for number, day in enumerate(sorted(case.review_conferences), start=1):
        yield conference(day, f"Review child protection conference {number}.")


def _lead_worker_items(case: Case) -> Iterator[ChronologyItem]:
    """Each change of lead social worker, from the case's history of them (oldest first): who took
    over, on which day, and from whom. The first lead, from the conference, is not a change."""
    for before, after in zip(case.lead_workers, case.lead_workers[1:], strict=False):
        new, old = _flat(after.name), _flat(before.name)
        if not new or new.casefold() == old.casefold():
            continue
        held = (
            ""
            if not old
            else ", whose start as lead is not recorded"
            if before.inferred  # coregroup's inference: the record begins there, not the lead
            else f", lead since {short_date(before.since)}"
        )
        yield ChronologyItem(
            date=after.since,
            kind=EventKind.LEAD_WORKER,
            source=CASE_RECORD_SOURCE,
            event=f"{new} took over as lead social worker from {old or 'a worker not recorded'}{held}.",
            origin="The plan",
            record=case,
        )


def _core_group_items(case: Case, family: Restrictions) -> Iterator[ChronologyItem]:
    for meeting in in_order(case.meetings):
        full = _meeting_event(meeting, lambda _: True)
        shown = _meeting_event(meeting, lambda a: family.shows_person(a.person_id, a.name))
        decisions = _flat(meeting.decisions)
        yield ChronologyItem(
            date=meeting.date,
            kind=EventKind.CORE_GROUP,
            source=CORE_GROUP_SOURCE,
            event=full,
            family_event=shown if shown != full else None,
            response=f"Decisions: {decisions}" if decisions else "No decisions recorded.",
            recorded_by=meeting.minute_taker,
            origin=f"Meeting {meeting.number}",
            person_ids=frozenset(a.person_id for a in meeting.attendees if a.person_id is not None),
            record=meeting,
        )


_MODE_WORDS = {
    MeetingMode.IN_PERSON: "held in person",
    MeetingMode.ONLINE: "held online",
    MeetingMode.HYBRID: "held as a hybrid meeting (some in person, some online)",
}


def _meeting_event(meeting: Meeting, shows: Callable[[Attendee], bool]) -> str:
    """A core group in a sentence or two: when and how it was held, and who came."""
    title = f"Core group meeting {meeting.number}"
    if meeting.status is MeetingStatus.IN_PROGRESS:
        title += " (in progress)"
    how = _MODE_WORDS[meeting.mode]
    reason = _flat(meeting.mode_reason).rstrip(".")
    if meeting.mode is not MeetingMode.IN_PERSON:
        how += f". Why not in person: {reason}" if reason else ". No reason recorded for not meeting in person"
    parts = [f"{title}, {how}."]
    attendees = [a for a in meeting.attendees if shows(a)]
    for status, label in (
        (AttendanceStatus.ATTENDED, "Attended"),
        (AttendanceStatus.APOLOGIES, "Apologies"),
        (AttendanceStatus.DID_NOT_ATTEND, "Did not attend"),
    ):
        names = [_attendee_words(a, meeting) for a in attendees if a.status is status]
        if names:
            parts.append(f"{label}: {'; '.join(names)}.")
    return " ".join(parts)


def _attendee_words(attendee: Attendee, meeting: Meeting) -> str:
    agency = attendee.agency.strip()
    words = f"{attendee.name} ({agency})" if agency else attendee.name
    if attendee.mode is AttendanceMode.PHONE:
        words += ", by phone"
    elif attendee.mode is AttendanceMode.ONLINE and meeting.mode is not MeetingMode.ONLINE:
        words += ", online"
    return words


def _concern_item(concern: Concern, mentions: Mentions) -> ChronologyItem:
    full_source, family_source = _concern_sources(concern)
    reported = _flat(concern.reported)
    about = _flat(concern.about)
    event = f"{about}: {reported}" if about else reported
    repeated = concern.contacts > 1
    if repeated:
        since = f" since {short_date(concern.contacts_since)}" if concern.contacts_since else ""
        event += f" ({concern.contacts} contacts{since})"
    return ChronologyItem(
        date=concern.contacts_since if repeated and concern.contacts_since else concern.received_on,
        end_date=concern.received_on if repeated and concern.contacts_since else None,
        kind=EventKind.CONCERN,
        source=full_source,
        family_source=family_source if family_source != full_source else None,
        event=event,
        impact_note=concern.impact_on_child,
        response=_concern_response(concern),
        needs_attention=not concern.answered,
        origin="Concerns log",
        person_ids=mentions(concern.about, concern.reported),
        shareable=concern.shareable,
        record=concern,
    )


def _concern_sources(concern: Concern) -> tuple[str, str]:
    """Where a concern came from, as the full copy and as the family copy print it, in the
    minutes' words. Who referred is kept from the family when `referrer_withheld` (always for an
    anonymous referral, and who passed it on with it)."""
    withheld = " (identity withheld from the family)"
    source = _flat(concern.source)
    if concern.source_kind is SourceKind.ANONYMOUS:
        full, family = f"Anonymous (passed on by {source or 'not recorded'})", "Anonymous"
    elif concern.referrer_withheld and not concern.referrer.strip() and referrer_identity(concern):
        full, family = f"{source}{withheld}", "A person (identity withheld)"  # the source is the person
    else:
        full = family = source or humanise(concern.source_kind.value, capital=True)
    how = _flat(concern.how_received)
    if how:
        full, family = f"{full}; {how}", f"{family}; {how}"
    referrer = _flat(concern.referrer)
    if referrer and not concern.referrer_withheld:
        full, family = f"{full}; referred by {referrer}", f"{family}; referred by {referrer}"
    elif referrer:
        full += f"; referred by {referrer}{withheld}"
        family += "" if concern.source_kind is SourceKind.ANONYMOUS else "; referrer's identity withheld"
    return full, family


def _concern_response(concern: Concern) -> str:
    if not concern.answered:
        return "No response from the core group recorded yet."
    by = [concern.responded_by.strip(), short_date(concern.responded_on)]
    if concern.meeting is not None:
        by.append(f"core group {concern.meeting}")
    who = ", ".join(part for part in by if part)
    return _sentence(concern.response, f" ({who})" if who else "")


def _action_items(case: Case, family: Restrictions, mentions: Mentions) -> Iterator[ChronologyItem]:
    meetings = {m.number: m for m in case.meetings}
    # Each meeting that kept its actions, oldest first, with them by number: looked up per action.
    kept = [(m, {a.number: a for a in m.actions_at_finish}) for m in in_order(case.meetings) if m.recorded_at_finish]
    for action in sorted(case.actions, key=lambda a: a.number):
        about = mentions(action.text)
        if action.person_id is not None:
            about |= {action.person_id}
        base = ChronologyItem(
            date=dt.date.min,
            kind=EventKind.ACTION,
            source=action.agency.strip() or action.owner.strip() or CORE_GROUP_SOURCE,
            event="",
            origin=f"Action {action.number}",
            person_ids=about,
            shareable=family.shows_action(action),
            record=action,
        )
        raised = meetings.get(action.raised_at) if action.raised_at is not None else None
        if raised is not None:
            yield _action_raised(base, action, raised)
        yield from _carried_forward(base, action, raised, kept, family)
        if not action.is_open and action.completed_on is not None:
            yield _action_closed(base, action)


def _action_words(action: Action, what: str) -> str:
    """'Action 3 raised at core group 2: Assess ... (father / male carer assessment).'"""
    kind = f" ({action_type_words(action)})" if action.type is not ActionType.OTHER else ""
    return _sentence(f"Action {action.number} {what}: {_flat(action.text).rstrip('.')}{kind}")


def _action_raised(base: ChronologyItem, action: Action, meeting: Meeting) -> ChronologyItem:
    who = ", ".join(x for x in (action.owner.strip(), action.agency.strip()) if x)
    response = f"Owner: {who}." if who else "No owner recorded."
    if action.due is not None:
        response += f" Due {short_date(action.due)}."
    return dataclasses.replace(
        base,
        date=meeting.date,
        event=_action_words(action, f"raised at core group {meeting.number}"),
        response=response,
    )


def _carried_forward(
    base: ChronologyItem,
    action: Action,
    raised: Meeting | None,
    kept: list[tuple[Meeting, dict[int, Action]]],
    family: Restrictions,
) -> Iterator[ChronologyItem]:
    """Each meeting after the one that raised the action at which it was still open when the
    meeting finished, as the meeting kept it. Meetings that kept no record of their actions say
    nothing (their day is not guessed from the record as it is now)."""
    for meeting, actions in kept:
        if meeting.number == action.raised_at:
            continue
        if raised is not None and (meeting.date, meeting.number) < (raised.date, raised.number):
            continue
        then = actions.get(action.number)
        if then is None or not then.is_open:
            continue
        progress = _sentence(then.evidence)
        yield dataclasses.replace(
            base,
            date=meeting.date,
            event=_action_words(
                then, f"carried forward at core group {meeting.number} ({humanise(then.status.value)})"
            ),
            response=f"Progress: {progress}" if progress else "No progress recorded.",
            shareable=base.shareable and family.shows_action(then),
        )


def _action_closed(base: ChronologyItem, action: Action) -> ChronologyItem:
    done = action.status is ActionStatus.DONE
    evidence = _sentence(action.evidence) or "Not recorded."
    decision = _sentence(action.decision_informed) or "Not recorded."
    if action.is_assessment:
        parts = [f"{'Findings' if done else 'Why cancelled'}: {evidence}"]
        parts.append(f"{'Decision informed' if done else 'Decided without it'}: {decision}")
    else:
        parts = [f"{'Evidence' if done else 'Why cancelled'}: {evidence}" if action.evidence.strip() else ""]
    assert action.completed_on is not None
    return dataclasses.replace(
        base,
        date=action.completed_on,
        event=_action_words(action, "done" if done else "cancelled"),
        impact_note=action.impact,
        response=" ".join(p for p in parts if p),
    )


def _service_items(case: Case, family: Restrictions, mentions: Mentions) -> Iterator[ChronologyItem]:
    for service in case.services:
        about = mentions(service.for_whom)
        base = ChronologyItem(
            date=dt.date.min,
            kind=EventKind.SERVICE,
            source=service.agency.strip() or service.name.strip(),
            event="",
            origin="Services",
            person_ids=about,
            shareable=not (about & family.person_ids),
            record=service,
        )
        if service.start_date is not None:
            yield dataclasses.replace(base, date=service.start_date, event=f"{_service_words(service)} started.")
        if service.end_date is not None:
            follows = _sentence(service.successor)
            yield dataclasses.replace(
                base,
                date=service.end_date,
                event=f"{_service_words(service)} ended.",
                response=f"What follows: {follows}" if follows else "Nothing recorded to follow it.",
                needs_attention=not follows,
            )


def _flat(text: str) -> str:
    """`text` on one line, its runs of spaces made single."""
    return " ".join(text.split())


def _sentence(text: str, note: str = "") -> str:
    """`text` on one line ending with a full stop, `note` (' (by whom)') before the stop; empty
    for no text."""
    flat = _flat(text)
    if not flat:
        return ""
    if flat[-1] in ".!?" and not note:
        return flat
    return flat.rstrip(".") + note + "."


def _service_words(service: Service) -> str:
    whom = _flat(service.for_whom)
    return f"{service.name.strip()} for {whom}" if whom else service.name.strip()


def _birth_items(case: Case) -> Iterator[ChronologyItem]:
    """A child born while the plan was in place (or planned before the birth)."""
    plan_start = min(d for d in (case.pre_birth_conference_on, case.icpc_date) if d is not None)
    for child in case.children:
        born = child.date_of_birth
        if born is None or (born < plan_start and child.due_date is None):
            continue
        due = f" (due {short_date(child.due_date)})" if child.due_date else ""
        after = [
            ("Discharge plan", child.discharge_plan),
            ("At home with the baby", child.at_home),
        ]
        response = " ".join(f"{label}: {_sentence(text)}" for label, text in after if text.strip())
        yield ChronologyItem(
            date=born,
            kind=EventKind.BIRTH,
            source=CASE_RECORD_SOURCE,
            event=f"{child.name} born{due}.",
            response=response,
            origin="Children",
            record=child,
        )


def _household_items(case: Case) -> Iterator[ChronologyItem]:
    for person in case.people:
        who = f"{person.name} ({relationship_words(person) or 'other'})"
        staying = person.regularly_present and not person.lives_in_household
        base = ChronologyItem(
            date=dt.date.min,
            kind=EventKind.HOUSEHOLD,
            source=CASE_RECORD_SOURCE,
            event="",
            origin="People",
            person_ids=frozenset({person.id}),
            shareable=not person.restricted,
            record=person,
        )
        if person.household_from is not None:
            joined = "began staying regularly or overnight" if staying else "joined the household"
            yield dataclasses.replace(base, date=person.household_from, event=f"{who} {joined}.")
        if person.household_until is not None:
            yield dataclasses.replace(base, date=person.household_until, event=f"{who} left the household.")


def _contact_items(case: Case) -> Iterator[ChronologyItem]:
    """Each child at each visit (seen, seen alone, or not seen and why); the visits and refused
    access reported at each meeting; the baby seen by a medical professional and the first home
    visit after the birth. A meeting's old "child last seen" answer is a visit since the case file
    was migrated, so it is not read again here."""
    yield from _visit_items(case)
    for meeting in in_order(case.meetings):
        answers = _answers(meeting)
        visits, refused = answers.get("visits_count"), answers.get("access_refused")
        reported = []
        if isinstance(visits, int) and not isinstance(visits, bool):
            reported.append(f"{visits} visit{'s' if visits != 1 else ''} since the last meeting")
        if refused is True:
            reported.append("access refused or a visit missed")
        if reported:
            said = and_list(reported)
            yield _contact(meeting.date, f"Reported at core group {meeting.number}: {said}.", meeting)
    for child in case.children:
        if child.seen_by_medical_professional_on is not None:
            day = child.seen_by_medical_professional_on
            yield _contact(day, f"{child.name} seen by a medical professional.", child, origin="Children")
        if child.first_visit_on is not None:
            yield _contact(child.first_visit_on, f"First home visit after {child.name}'s birth.", child, "Children")


def _visit_items(case: Case) -> Iterator[ChronologyItem]:
    """One item for each child at each visit, so a sibling seen never stands for one who was not."""
    names = {c.id: c.name for c in case.children}
    for visit in visits_in_order(case.visits):
        by = visit.visited_by.strip()
        how = ", ".join(
            part
            for part in (
                f"visit by {by}" if by else "visit",
                visit.agency.strip(),
                visit.where.strip(),
                "" if visit.announced is None else "announced" if visit.announced else "unannounced",
            )
            if part
        )
        for at in visit.children:
            yield ChronologyItem(
                date=visit.date,
                kind=EventKind.CONTACT,
                source=visit.agency.strip() or CASE_RECORD_SOURCE,
                event=f"{names.get(at.child_id, 'A child')} {child_at_visit_words(at)}; {how}."
                + inferred_mark(visit.inferred),
                origin="Visits",
                shareable=not visit.restricted,
                record=visit,
            )


def _contact(day: dt.date, event: str, record: object, origin: str = "") -> ChronologyItem:
    if isinstance(record, Meeting):
        source, origin = f"{CORE_GROUP_SOURCE} {record.number}", f"Meeting {record.number}"
    else:
        source = CASE_RECORD_SOURCE
    return ChronologyItem(date=day, kind=EventKind.CONTACT, source=source, event=event, origin=origin, record=record)


def _answers(meeting: Meeting) -> dict[str, object]:
    answers: dict[str, object] = {}
    for step in meeting.steps:
        answers.update(step.answers)
    return answers


def _answer_date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_date(value.strip())
    except InvalidRecord:
        return None


def _breach_item(breach: Breach) -> ChronologyItem:
    what = _flat(breach.what).rstrip(".")
    if breach.happened_on is not None:
        late = f"{breach.working_days_late} working day{'s' if breach.working_days_late != 1 else ''} late"
        event = f"{what}: due {short_date(breach.due_on)}, {late}."
    else:
        event = f"{what}: due {short_date(breach.due_on)}, not done when recorded on {short_date(breach.recorded_on)}."
    return ChronologyItem(
        date=breach.happened_on or breach.due_on,
        kind=EventKind.BREACH,
        source=TIMESCALES_SOURCE,
        event=event,
        origin="Timescales kept by the tool",
        needs_attention=True,
        record=breach,
    )


# ----- what a copy or a screen shows --------------------------------------------------------------


def for_copy(items: Iterable[ChronologyItem], restrictions: Restrictions) -> list[ChronologyItem]:
    """The items a copy holds: the full copy all of them; the family copy the shareable ones,
    with withheld identities left out and restricted names replaced (as the minutes do)."""
    if not restrictions.family:
        return list(items)
    clean = restrictions.cleaner()
    return [item.for_family(clean, restrictions.person_ids) for item in items if item.shareable]


def withheld_from_family(items: Iterable[ChronologyItem]) -> list[ChronologyItem]:
    """The items the family copy leaves out, or shows with less in them."""
    return [item for item in items if not item.shareable or item.withholds]


def filter_chronology(
    items: Iterable[ChronologyItem],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    agencies: Sequence[str] | None = None,
    person_ids: Iterable[int] | None = None,
    kinds: Iterable[EventKind] | None = None,
) -> list[ChronologyItem]:
    """The items in the date range (an item over a period is in it if any of the period is),
    from any of `agencies` (a source containing one, ignoring case: "housing" matches "Sample
    Homes Housing Association"), about any of `person_ids`, of any of `kinds`. A filter left
    empty lets everything through."""
    wanted = [a.casefold().strip() for a in agencies or () if a.strip()]
    people = frozenset(person_ids or ())
    chosen_kinds = frozenset(kinds or ())
    chosen = []
    for item in items:
        if start is not None and item.last_day < start:
            continue
        if end is not None and item.date > end:
            continue
        if wanted and not any(a in item.source.casefold() for a in wanted):
            continue
        if people and not people & item.person_ids:
            continue
        if chosen_kinds and item.kind not in chosen_kinds:
            continue
        chosen.append(item)
    return chosen


@dataclass(kw_only=True)
class ChronologyFilter:
    """What the chair chose to see of the chronology: one kind, one person, a source, dates."""

    kind: EventKind | None = None
    person_id: int | None = None
    agency: str = schema.text(max_length=200, doc="part of the source's name, e.g. housing")
    start: dt.date | None = None
    end: dt.date | None = None

    def check(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InvalidRecord("end", f"{self.end} is before the start {self.start}")

    @property
    def active(self) -> bool:
        return any((self.kind, self.person_id, self.agency.strip(), self.start, self.end))

    def apply(self, items: Iterable[ChronologyItem]) -> list[ChronologyItem]:
        return filter_chronology(
            items,
            start=self.start,
            end=self.end,
            agencies=[self.agency] if self.agency.strip() else None,
            person_ids=[self.person_id] if self.person_id is not None else None,
            kinds=[self.kind] if self.kind is not None else None,
        )

    def words(self, people: Sequence[Person]) -> str:
        """The filter in words: 'Concern received; about Jo Example; from 1 Sep 2026'."""
        parts = []
        if self.kind is not None:
            parts.append(KIND_WORDS[self.kind])
        if self.person_id is not None:
            name = next((p.name for p in people if p.id == self.person_id), f"person {self.person_id}")
            parts.append(f"about {name}")
        if self.agency.strip():
            parts.append(f"source contains {self.agency.strip()!r}")
        if self.start is not None:
            parts.append(f"from {short_date(self.start)}")
        if self.end is not None:
            parts.append(f"up to {short_date(self.end)}")
        return "; ".join(parts)


def people_named(case: Case, names: Iterable[str]) -> list[Person]:
    """The people of the case whose name holds any of `names` (ignoring case and spacing).
    Raises ValueError for a name that matches no one."""
    found: list[Person] = []
    for typed in names:
        wanted = _flat(typed).casefold()
        matches = [p for p in case.people if wanted and wanted in _flat(p.name).casefold()]
        if not matches:
            raise ValueError(f"No one in the child's life in case {case.id} is called {typed!r}")
        found += [p for p in matches if p not in found]
    return found
