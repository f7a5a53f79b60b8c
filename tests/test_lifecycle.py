"""A meeting's life, the words the tool uses, and where each flag is shown (fictional cases only)."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.domain.agenda import StepRole, load_agenda
from meetings.domain.finish import Problem, ProblemKind
from meetings.domain.flags import FLAGS_AT, Flag, FlagKind, Severity, flags_at
from meetings.domain.flags.meetings import minutes_flags
from meetings.domain.lifecycle import (
    FAMILY,
    latest_meeting,
    new_attendee,
    next_mode,
    next_status,
    set_meeting_mode,
)
from meetings.domain.records import (
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    CopyType,
    Gender,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Person,
    PlanCategory,
    Relationship,
)
from meetings.domain.settings import Settings, Timescales
from meetings.domain.timescales import working_days_between
from meetings.domain.wording import (
    and_list,
    day_month_year,
    humanise,
    plan_category_words,
    short,
    short_date,
    times,
    weekday_date,
)

D = dt.date


def a_case(*meetings: Meeting, people: list[Person] | None = None) -> Case:
    return Case(
        id="TEST-1",
        children=[Child(id=1, name="Alex Sample", date_of_birth=D(2024, 5, 1))],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=D(2027, 3, 1),
        meetings=list(meetings),
        people=people or [],
    )


# ----- the latest meeting -----------------------------------------------------------------------


def test_the_latest_of_two_meetings_on_one_day_is_the_one_numbered_last() -> None:
    first, second = Meeting(number=1, date=D(2027, 3, 12)), Meeting(number=2, date=D(2027, 3, 12))
    assert latest_meeting(a_case(second, first)) is second
    assert latest_meeting(a_case(first, second)) is second
    assert latest_meeting(a_case()) is None


def test_the_latest_finished_meeting_leaves_out_one_in_progress() -> None:
    held = Meeting(number=1, date=D(2027, 3, 12), status=MeetingStatus.FINISHED)
    now = Meeting(number=2, date=D(2027, 4, 9))
    assert latest_meeting(a_case(held, now), finished_only=True) is held


# ----- attendance -------------------------------------------------------------------------------


def test_a_name_known_to_the_case_brings_its_details() -> None:
    dad = Person(id=3, name="Sam Example", relationship=Relationship.FATHER, gender=Gender.MALE)
    earlier = Meeting(
        number=1,
        date=D(2027, 3, 12),
        attendees=[Attendee(name="Casey Visitor", role="Health visitor", agency="Sample Health")],
    )
    case = a_case(earlier, people=[dad])
    family = new_attendee(case, name="  sam   EXAMPLE ")
    assert (family.name, family.person_id, family.agency, family.copy_type) == (
        "Sam Example",
        3,
        FAMILY,
        CopyType.FAMILY,
    )
    assert family.relationship_to_child == "father" and family.mode is AttendanceMode.IN_PERSON
    professional = new_attendee(case, name="casey visitor", role="Acting health visitor")
    assert (professional.name, professional.role, professional.agency) == (
        "Casey Visitor",
        "Acting health visitor",
        "Sample Health",
    )
    stranger = new_attendee(case, name="Robin New", status=AttendanceStatus.APOLOGIES, mode=AttendanceMode.ONLINE)
    assert (stranger.name, stranger.person_id, stranger.mode, stranger.copy_type) == (
        "Robin New",
        None,
        None,
        CopyType.FULL,
    )
    assert new_attendee(case, name="Robin New", mode=None).mode is AttendanceMode.IN_PERSON


def test_statuses_and_modes_go_round_in_order() -> None:
    seen = [AttendanceStatus.ATTENDED]
    for _ in range(4):
        seen.append(next_status(seen[-1]))
    assert seen == [
        AttendanceStatus.ATTENDED,
        AttendanceStatus.APOLOGIES,
        AttendanceStatus.DID_NOT_ATTEND,
        AttendanceStatus.INVITED,
        AttendanceStatus.ATTENDED,
    ]
    assert next_mode(None) is AttendanceMode.IN_PERSON
    assert next_mode(AttendanceMode.IN_PERSON) is AttendanceMode.ONLINE
    assert next_mode(AttendanceMode.ONLINE) is AttendanceMode.PHONE
    assert next_mode(AttendanceMode.PHONE) is AttendanceMode.IN_PERSON


def test_a_meeting_is_only_recorded_as_online_or_hybrid_with_a_reason() -> None:
    meeting = Meeting(
        number=1,
        date=D(2027, 3, 12),
        attendees=[
            Attendee(name="Jo Example", status=AttendanceStatus.ATTENDED, mode=AttendanceMode.IN_PERSON),
            Attendee(name="Casey Visitor", status=AttendanceStatus.ATTENDED, mode=AttendanceMode.ONLINE),
        ],
    )
    set_meeting_mode(meeting, chosen=None, reason="")
    assert (meeting.mode, meeting.mode_reason) == (MeetingMode.IN_PERSON, "")
    set_meeting_mode(meeting, chosen=None, reason="Snow")
    assert (meeting.mode, meeting.mode_reason) == (MeetingMode.HYBRID, "Snow")
    set_meeting_mode(meeting, chosen=MeetingMode.ONLINE, reason="")
    assert (meeting.mode, meeting.mode_reason) == (MeetingMode.IN_PERSON, "")
    set_meeting_mode(meeting, chosen=MeetingMode.ONLINE, reason="Office closed")
    assert meeting.mode is MeetingMode.ONLINE


# ----- problems and flags -----------------------------------------------------------------------


def test_attendance_problems_say_they_go_to_the_attendance_list() -> None:
    assert Problem("Nobody is recorded as attending.", ProblemKind.NO_ATTENDEES).goes_to_attendance
    assert not Problem("No notes.", ProblemKind.NO_NOTES, "welcome").goes_to_attendance
    assert ProblemKind("no_notes") is ProblemKind.NO_NOTES


def test_every_kind_of_flag_is_shown_at_some_step() -> None:
    shown = set().union(*FLAGS_AT.values())
    assert shown == set(FlagKind)
    assert StepRole.OTHER not in FLAGS_AT


def test_the_standard_agenda_has_a_step_for_every_role_that_shows_flags() -> None:
    agenda = load_agenda()
    assert all(agenda.key_of(role) is not None for role in FLAGS_AT)


def test_flags_are_picked_for_a_step_by_its_role() -> None:
    man = Flag(FlagKind.MAN_NOT_ASSESSED, "Not assessed.", Severity.HIGH)
    late = Flag(FlagKind.MINUTES_NOT_CIRCULATED, "Not sent.", Severity.HIGH)
    assert flags_at(StepRole.MEMBERSHIP, [late, man]) == [man]
    assert flags_at(StepRole.WELCOME, [late, man]) == [late]
    assert flags_at(StepRole.OTHER, [late, man]) == []
    assert [s.rank for s in Severity] == [0, 1, 2] and man.kind == "man_not_assessed"


@pytest.mark.parametrize("limit", [0, 1, 5, 10])
def test_minutes_are_late_after_the_councils_working_days_whatever_the_day(limit: int) -> None:
    settings = Settings(timescales=Timescales(minutes_working_days=limit))
    meetings = [
        Meeting(number=n, date=D(2026, 12, 1) + dt.timedelta(days=n), status=MeetingStatus.FINISHED)
        for n in range(1, 45)
    ]
    case = a_case(*meetings)
    for today in (D(2026, 12, 20) + dt.timedelta(days=i) for i in range(25)):
        expected = [m.number for m in meetings if working_days_between(m.date, today, settings) > limit]
        flags = minutes_flags(case, settings, today)
        found = [m.number for m in meetings if f"meeting {m.number} (" in (flags[0].message if flags else "")]
        assert found == expected, today


# ----- words ------------------------------------------------------------------------------------


def test_the_words_for_values_lists_and_dates() -> None:
    assert humanise("in_person") == "in person" and humanise("did_not_attend", capital=True) == "Did not attend"
    assert plan_category_words([PlanCategory.NEGLECT, PlanCategory.EMOTIONAL_ABUSE]) == "neglect and emotional abuse"
    assert and_list(["a", "b", "c"]) == "a, b and c" and and_list([]) == ""
    assert (times(1), times(2), times(3)) == ("once", "twice", "3 times")
    assert short("a  b\nc") == "a b c" and short("x" * 100, 10) == "x" * 9 + "…"
    assert day_month_year(D(2026, 7, 9)) == "9 July 2026"
    assert weekday_date(D(2026, 7, 9)) == "Thursday 9 July 2026" and weekday_date(None) == "Not recorded"
    assert short_date(D(2026, 7, 9)) == "9 Jul 2026" and short_date(None) == ""
