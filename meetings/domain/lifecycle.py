"""A meeting's life: starting it, who is in it, the actions it reviews, finishing and reopening it,
and the record of who was sent its minutes.

Pure functions on records: they change and return records and never save; the caller (the
session) saves what they changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import schema
from .agenda import Agenda, StepRole
from .records import (
    Action,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    CopyType,
    Distribution,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Person,
)
from .schema import InvalidRecord, parse_date
from .text import name_key, one_line, same_name
from .wording import relationship_words

FAMILY = "Family"

_STATUS_CYCLE = (
    AttendanceStatus.ATTENDED,
    AttendanceStatus.APOLOGIES,
    AttendanceStatus.DID_NOT_ATTEND,
    AttendanceStatus.INVITED,
)


def in_order(meetings: Iterable[Meeting]) -> list[Meeting]:
    """Meetings oldest first: by date, then by number for meetings on the same day."""
    return sorted(meetings, key=lambda m: (m.date, m.number))


def latest_meeting(case: Case, *, finished_only: bool = False) -> Meeting | None:
    """The latest meeting of the case (of those finished, with `finished_only`): the one with the
    latest date, and of meetings on the same day the one numbered last. None if there is none."""
    meetings = [m for m in case.meetings if not finished_only or m.status is MeetingStatus.FINISHED]
    return max(meetings, key=lambda m: (m.date, m.number), default=None)


def previous_meeting(case: Case, meeting: Meeting) -> Meeting | None:
    """The meeting before `meeting` (by date, then number), or None for the first."""
    earlier = [m for m in case.meetings if m is not meeting and (m.date, m.number) < (meeting.date, meeting.number)]
    return max(earlier, key=lambda m: (m.date, m.number), default=None)


@dataclass(frozen=True)
class Planned:
    """What the last meeting set for the next core group, to start it from."""

    by_meeting: int
    date: dt.date | None
    time: dt.time | None
    venue: str
    mode: MeetingMode | None


def planned_next(case: Case) -> Planned | None:
    """The next core group's details as the latest finished meeting set them (None if none did)."""
    last = latest_meeting(case, finished_only=True)
    if last is None:
        return None
    return Planned(
        last.number, next_meeting_date_of(last), last.next_meeting_time, last.next_meeting_venue, last.next_meeting_mode
    )


def same_core_group(previous: Meeting) -> list[Attendee]:
    """Everyone on `previous`'s list, as invited to this one: their role, agency, copy, needs and
    how they took part last time; the chair then marks who came."""
    return [dataclasses.replace(a, status=AttendanceStatus.INVITED, report_received=False) for a in previous.attendees]


def distribution_list(case: Case, meeting: Meeting) -> list[Attendee]:
    """Who the minutes go to: everyone invited (whether they came or not), then each expected
    agency nobody on the list is from (they are sent the minutes though absent)."""
    on_list = {name_key(a.agency) for a in meeting.attendees if a.agency.strip()}
    agencies = [
        Attendee(name=agency, agency=agency, status=AttendanceStatus.INVITED)
        for agency in case.expected_agencies
        if name_key(agency) not in on_list
    ]
    return [*meeting.attendees, *agencies]


def find_meeting(case: Case, number: int) -> Meeting:
    """The meeting numbered `number`. Raises ValueError, naming the meetings there are, if none is."""
    for meeting in case.meetings:
        if meeting.number == number:
            return meeting
    known = ", ".join(str(m.number) for m in case.meetings) or "none yet"
    raise ValueError(f"Case {case.id} has no meeting {number} (meetings: {known})")


# ----- starting a meeting and who is in it ------------------------------------------------------


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
    """A new meeting with the agenda's steps. It is not added to the case: the caller adds it."""
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
    family_names = {name_key(p.name) for p in case.people}
    professionals: dict[tuple[str, str], Attendee] = {}
    for meeting in in_order(case.meetings):
        for a in meeting.attendees:
            if a.person_id is not None or same_name(a.agency, FAMILY) or name_key(a.name) in family_names:
                continue
            key = (name_key(a.name), name_key(a.agency))
            seen = professionals.pop(key, None)
            role = a.role or (seen.role if seen else "")
            # Popped and put back so the list ends with the most recently seen.
            professionals[key] = Attendee(name=a.name, role=role, agency=a.agency, needs=a.needs, copy_type=a.copy_type)
    return choices + sorted(professionals.values(), key=lambda a: (name_key(a.agency), name_key(a.name)))


def new_attendee(
    case: Case,
    *,
    name: str,
    role: str = "",
    agency: str = "",
    status: AttendanceStatus = AttendanceStatus.ATTENDED,
    mode: AttendanceMode | None = AttendanceMode.IN_PERSON,
    report_received: bool = False,
) -> Attendee:
    """Someone for a meeting's list. A name matching one of the attendee choices (a person in the
    child's life, a professional from an earlier meeting) takes that choice's name, relationship,
    person and copy, and its role and agency where none is given. Only someone who attended has a
    mode: in person unless another is given. What is typed is cleaned to one line."""
    name, role, agency = (one_line(t).strip() for t in (name, role, agency))
    # As typed in the attendance form: a later choice of the same name wins.
    choices = {name_key(c.name): c for c in attendee_choices(case)}
    choice = choices.get(name_key(name))
    attended = status is AttendanceStatus.ATTENDED
    attendee = Attendee(
        name=name if choice is None else choice.name,
        role=role or (choice.role if choice else ""),
        agency=agency or (choice.agency if choice else ""),
        status=status,
        mode=(mode or AttendanceMode.IN_PERSON) if attended else None,
        report_received=report_received,
    )
    if choice is not None:
        attendee.relationship_to_child = choice.relationship_to_child
        attendee.person_id = choice.person_id
        attendee.copy_type = choice.copy_type
    elif name_key(attendee.agency) == name_key(FAMILY):  # family is sent the family copy unless the chair decides
        attendee.copy_type = CopyType.FAMILY
    return attendee


def next_status(status: AttendanceStatus) -> AttendanceStatus:
    """The status after `status` when the chair steps through them: attended, apologies, did
    not attend, invited, then attended again."""
    return _STATUS_CYCLE[(_STATUS_CYCLE.index(status) + 1) % len(_STATUS_CYCLE)]


def next_mode(mode: AttendanceMode | None) -> AttendanceMode:
    """The mode after `mode` when the chair steps through them (the first when there is none)."""
    modes = list(AttendanceMode)
    return modes[0] if mode is None else modes[(modes.index(mode) + 1) % len(modes)]


def attended(attendees: Iterable[Attendee]) -> list[Attendee]:
    """Those of `attendees` recorded as attending."""
    return [a for a in attendees if a.status is AttendanceStatus.ATTENDED]


def meeting_mode_from(attendees: Sequence[Attendee]) -> MeetingMode:
    """In person if everyone who attended was in the room, online if nobody was, hybrid if some were."""
    modes = [a.mode for a in attended(attendees) if a.mode is not None]
    in_room = sum(m is AttendanceMode.IN_PERSON for m in modes)
    if not modes or in_room == len(modes):
        return MeetingMode.IN_PERSON
    if in_room == 0:
        return MeetingMode.ONLINE
    return MeetingMode.HYBRID


def set_meeting_mode(meeting: Meeting, *, chosen: MeetingMode | None, reason: str) -> None:
    """How the meeting is held: `chosen`, or (None) as its attendees took part. It is only recorded
    as online or hybrid when there is a reason, so the meeting can always be saved."""
    wanted = chosen if chosen is not None else meeting_mode_from(meeting.attendees)
    meeting.mode_reason = reason
    meeting.mode = wanted if (wanted is MeetingMode.IN_PERSON or reason) else MeetingMode.IN_PERSON


def missing_agencies(case: Case, meeting: Meeting) -> list[str]:
    """Expected agencies with nobody attending and no written report received."""
    present = {
        name_key(a.agency) for a in meeting.attendees if a.status is AttendanceStatus.ATTENDED or a.report_received
    }
    return [agency for agency in case.expected_agencies if name_key(agency) not in present]


def _is_attendee(person: Person, meeting: Meeting) -> bool:
    return any(a.person_id == person.id or same_name(a.name, person.name) for a in meeting.attendees)


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
    return [p for p in case.people if may_be_a_man(p) and not _is_attendee(p, meeting) and not kept_away_for_safety(p)]


def men_not_invited_for_safety(case: Case, meeting: Meeting) -> list[Person]:
    """Fathers and male carers not on this meeting's list because a safety note says they should
    not be invited: the core group still has to say who sees them separately."""
    return [p for p in case.people if may_be_a_man(p) and not _is_attendee(p, meeting) and kept_away_for_safety(p)]


@dataclass(frozen=True)
class SafetyClash:
    """Two people on one meeting's list whom a safety note says must not attend together."""

    noted: Attendee  # whose record holds the note
    other: Attendee
    note: str
    restricted: bool  # either is a restricted person: named on screen only when the chair asks

    @property
    def names(self) -> str:
        return f"{self.noted.name} and {self.other.name}"


def safety_clashes(case: Case, meeting: Meeting) -> list[SafetyClash]:
    """Pairs on the list where one's safety note names the other ("not to attend at the same time
    as ..."), whether or not the meeting has recorded how they are kept apart."""
    people = {p.id: p for p in case.people}
    by_name = {name_key(p.name): p for p in case.people}
    clashes = []
    for noted in meeting.attendees:
        person = people.get(noted.person_id) if noted.person_id is not None else by_name.get(name_key(noted.name))
        if person is None or not person.safety_note.strip():
            continue
        note = name_key(person.safety_note)
        for other in meeting.attendees:
            if other is noted or not name_key(other.name) or name_key(other.name) not in note:
                continue
            other_person = by_name.get(name_key(other.name))
            restricted = person.restricted or bool(other_person and other_person.restricted)
            clashes.append(SafetyClash(noted, other, one_line(person.safety_note), restricted))
    return clashes


def unhandled_clashes(case: Case, meeting: Meeting) -> list[SafetyClash]:
    """The clashes the meeting has not yet said how it handles (its safety arrangements name both)."""
    arranged = name_key(meeting.safety_arrangements)
    return [
        c for c in safety_clashes(case, meeting)
        if not (name_key(c.noted.name) in arranged and name_key(c.other.name) in arranged)
    ]  # fmt: skip


def record_safety_arrangement(meeting: Meeting, clash: SafetyClash, how: str) -> None:
    """Record how a clash is handled at this meeting, naming both people."""
    entry = f"{clash.names}: {one_line(how).strip()}"
    existing = meeting.safety_arrangements.strip()
    meeting.safety_arrangements = f"{existing}\n{entry}" if existing else entry


# ----- the actions a meeting reviews -----------------------------------------------------------


def actions_to_review(case: Case, meeting: Meeting) -> list[Action]:
    """Open actions raised before this meeting (or outside any meeting): each needs an update.

    An action raised at a meeting the case no longer has counts as raised before."""
    held = {m.number: (m.date, m.number) for m in case.meetings}
    this = (meeting.date, meeting.number)

    def before(raised_at: int | None) -> bool:
        if raised_at is None:
            return True
        if raised_at == meeting.number:
            return False
        raised = held.get(raised_at)
        return raised is None or raised < this

    return sorted((a for a in case.actions if a.is_open and before(a.raised_at)), key=lambda a: a.number)


def actions_reviewed_at(case: Case, meeting: Meeting) -> list[Action]:
    """What the review step lists: the open actions to review, and those from earlier meetings
    closed on or after this meeting's day (marked done at the review, they stay in view)."""
    to_review = actions_to_review(case, meeting)
    listed = {a.number for a in to_review}
    earlier = {m.number for m in case.meetings if (m.date, m.number) < (meeting.date, meeting.number)}
    closed_here = [
        a for a in case.actions
        if not a.is_open and a.number not in listed and a.completed_on is not None and a.completed_on >= meeting.date
        and (a.raised_at is None or a.raised_at in earlier)
    ]  # fmt: skip
    return sorted([*to_review, *closed_here], key=lambda a: a.number)


def first_step_to_do(meeting: Meeting, agenda: Agenda) -> int:
    """Where a chair continuing a meeting carries on: the first step with nothing written, or the
    last step once every one has something (a finished meeting opens at its first)."""
    if meeting.status is MeetingStatus.FINISHED:
        return 0
    from .finish import step_recorded  # finish imports this module

    for index, step in enumerate(meeting.steps):
        if not step_recorded(meeting, step, agenda):
            return index
    return max(0, len(meeting.steps) - 1)


def actions_raised_at(case: Case, meeting: Meeting) -> list[Action]:
    """The actions raised at this meeting, by number."""
    return sorted((a for a in case.actions if a.raised_at == meeting.number), key=lambda a: a.number)


# ----- finishing and reopening ------------------------------------------------------------------


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


REVIEW_CONFERENCE_ANSWER = "review_conference_date"


def book_review_conference(case: Case, before: object, after: object) -> bool:
    """The review conference date typed at the meeting (an ISO date, or None) is the case's booked
    review conference: the date it replaces is taken off the case's list. Returns whether the
    list changed."""
    changed = False
    if isinstance(before, str) and before != after:
        old = dt.date.fromisoformat(before)
        if old in case.review_conferences:
            case.review_conferences.remove(old)
            changed = True
    if isinstance(after, str):
        new = dt.date.fromisoformat(after)
        if new not in case.review_conferences:
            case.review_conferences.append(new)
            case.review_conferences.sort()
            changed = True
    return changed


def dissent_of(meeting: Meeting, agenda: Agenda | None) -> str:
    """The dissent the minutes print: the dissent field, else what was written in the notes of the
    dissent step (a chair who types there means it as dissent). Empty if neither holds any."""
    if meeting.dissent.strip():
        return meeting.dissent
    if agenda is None:
        steps = [s for s in meeting.steps if s.key == StepRole.DISSENT.value]
    else:
        steps = [s for s in meeting.steps if agenda.role_of(s) is StepRole.DISSENT]
    return "\n".join(s.notes for s in steps if s.notes.strip())


def meeting_seconds(meeting: Meeting, now: dt.datetime) -> float:
    """How long the meeting has run, for the chair's clock: from its recorded start time to now
    while it is in progress on its own day; from start to end once an end time is recorded (after
    finishing, continuing later or reopening); otherwise the time recorded at its steps."""
    if meeting.start_time is not None:
        start = dt.datetime.combine(meeting.date, meeting.start_time)
        if meeting.end_time is not None and meeting.end_time >= meeting.start_time:
            return (dt.datetime.combine(meeting.date, meeting.end_time) - start).total_seconds()
        if meeting.status is MeetingStatus.IN_PROGRESS and now.date() == meeting.date and now >= start:
            return (now.replace(tzinfo=None) - start).total_seconds()
    return float(sum(s.seconds_spent for s in meeting.steps))


def reopen_meeting(meeting: Meeting, *, reason: str) -> Meeting:
    """Open a finished meeting for changes again, recording why."""
    if meeting.status is not MeetingStatus.FINISHED:
        raise InvalidRecord("status", f"meeting {meeting.number} is not finished, so it cannot be reopened")
    if not reason.strip():
        raise InvalidRecord("finish_note", "say why the meeting is being reopened")
    entry = f"Reopened: {' '.join(reason.split())}"
    meeting.finish_note = f"{meeting.finish_note}\n{entry}" if meeting.finish_note.strip() else entry
    meeting.status = MeetingStatus.IN_PROGRESS
    if any(d.live and d.version == meeting.minutes_version for d in meeting.distribution):
        # Minutes already went out: what is written from now on is an amended version.
        meeting.minutes_version += 1
        meeting.amendment_reason = " ".join(reason.split())
    return meeting


def awaiting_amended_copy(meeting: Meeting) -> list[str]:
    """Who was sent an earlier version of the minutes and not yet the current, amended one."""
    if meeting.minutes_version <= 1:
        return []
    current = {name_key(d.recipient) for d in meeting.distribution if d.live and d.version == meeting.minutes_version}
    waiting: dict[str, str] = {}
    for d in meeting.distribution:
        if d.live and d.version < meeting.minutes_version and name_key(d.recipient) not in current:
            waiting.setdefault(name_key(d.recipient), d.recipient)
    return list(waiting.values())


class DistributionRefused(InvalidRecord):
    """A distribution entry that needs the chair's word first: `needs` is "new_recipient" (a
    name not invited and not in the case) or "reason" (a full copy with restricted text to the
    family or a restricted person)."""

    def __init__(self, path: str, problem: str, needs: str) -> None:
        super().__init__(path, problem)
        self.needs = needs


def recipient_of(case: Case, meeting: Meeting, name: str) -> Attendee | None:
    """Who `name` is among those the minutes go to (invited, expected agencies) or the case's
    people, matched however it is spaced or cased; None for a name the case does not know."""
    for candidate in distribution_list(case, meeting):
        if same_name(candidate.name, name):
            return candidate
    for person in case.people:
        if same_name(person.name, name):
            return Attendee(name=person.name, agency=FAMILY, person_id=person.id, copy_type=CopyType.FAMILY)
    return None


def _family_or_restricted(case: Case, match: Attendee | None, name: str) -> str | None:
    """Why a full copy with restricted text must not simply go to this recipient, if it must not."""
    people = {p.id: p for p in case.people}
    person = people.get(match.person_id) if match is not None and match.person_id is not None else None
    person = person or next((p for p in case.people if same_name(p.name, name)), None)
    if person is not None and person.restricted:
        return f"{person.name} is a restricted person in this case"
    if person is not None or (match is not None and name_key(match.agency) == name_key(FAMILY)):
        return f"{name} is family ({relationship_words(person)})" if person else f"{name} is family"
    return None


def record_distribution(
    case: Case,
    meeting: Meeting,
    recipient: str,
    copy_type: CopyType,
    *,
    today: dt.date,
    holds_restricted: bool,
    agency: str = "",
    sent_on: dt.date,
    how: str = "",
    new_recipient: bool = False,
    reason: str = "",
) -> Distribution:
    """Record that `recipient` was sent the `copy_type` copy of the meeting's minutes, and return
    the entry; the caller saves the meeting. Refused (the meeting left as it was): a blank name; a
    date in the future or before the meeting; a name nobody invited and not in the case unless
    `new_recipient`; a full copy holding restricted text (`holds_restricted`) to the family or to
    a restricted person unless a `reason` is given, which is recorded."""
    name = one_line(recipient).strip()
    if not name:
        raise InvalidRecord("recipient", "say who was sent the minutes")
    if sent_on > today:
        raise InvalidRecord("sent_on", f"{sent_on} is in the future: record minutes once they are sent")
    if sent_on < meeting.date:
        raise InvalidRecord("sent_on", f"{sent_on} is before the meeting ({meeting.date}): minutes are sent after it")
    match = recipient_of(case, meeting, name)
    if match is None and not new_recipient:
        raise DistributionRefused(
            "recipient",
            f"{name} was not invited to meeting {meeting.number} and is not one of the case's people: "
            "check the name, or confirm that they are a new recipient",
            "new_recipient",
        )
    why_not = _family_or_restricted(case, match, match.name if match is not None else name)
    reason = one_line(reason).strip()
    if copy_type is CopyType.FULL and holds_restricted and why_not and not reason:
        raise DistributionRefused(
            "copy_type",
            f"the full copy holds restricted text and {why_not}: send the family copy, or give the reason "
            "the full copy must go to them (it is recorded)",
            "reason",
        )
    entry = Distribution(
        recipient=match.name if match is not None else name,
        agency=one_line(agency).strip() or (match.agency if match is not None else ""),
        copy_type=copy_type, sent_on=sent_on, how=one_line(how).strip(), version=meeting.minutes_version,
        new_recipient=match is None, full_copy_reason=reason if copy_type is CopyType.FULL and why_not else "",
    )  # fmt: skip
    checked = schema.load(Distribution, schema.dump(entry), f"meetings[{meeting.number}].distribution")
    meeting.distribution.append(checked)
    return checked


def withdraw_distribution(meeting: Meeting, entry: int, *, reason: str, today: dt.date) -> Distribution:
    """Withdraw the distribution entry numbered `entry` (from 1) as wrong, with a reason: it is
    kept in the history, and no longer printed as sent."""
    if not 1 <= entry <= len(meeting.distribution):
        raise InvalidRecord("entry", f"meeting {meeting.number} has no distribution entry {entry}")
    record = meeting.distribution[entry - 1]
    if not record.live:
        raise InvalidRecord("entry", f"entry {entry} was already withdrawn on {record.withdrawn_on}")
    why = one_line(reason).strip()
    if not why:
        raise InvalidRecord("withdrawn_reason", "say why the entry is wrong")
    record.withdrawn_on = today
    record.withdrawn_reason = why
    return record
