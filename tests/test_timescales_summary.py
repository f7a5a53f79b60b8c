"""The case list's "Next due" is the timescale due date, worked out from the index summary alone,
and always the same date the case itself gives (fictional cases only)."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.domain.records import Case, Child, Meeting, MeetingStatus, PlanCategory
from meetings.domain.settings import Settings, Timescales
from meetings.domain.timescales import next_core_group_due, summary_core_group_due
from meetings.storage.store import CaseSummary

ENGLAND = Settings(nation="england")
D = dt.date


def a_case(*meetings: Meeting) -> Case:
    return Case(
        id="TEST-1",
        children=[Child(id=1, name="Alex Sample", date_of_birth=D(2024, 5, 1))],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=D(2027, 3, 1),
        meetings=list(meetings),
    )


def a_meeting(number: int, day: dt.date, next_date: dt.date | None = None) -> Meeting:
    return Meeting(number=number, date=day, next_meeting_date=next_date, status=MeetingStatus.FINISHED)


def test_before_any_meeting_the_first_is_due_ten_working_days_after_the_icpc() -> None:
    # Monday 1 March 2027: ten working days later is Monday 15 March.
    summary = CaseSummary.of(a_case())
    assert summary.next_meeting is None  # the list used to show "not set" here
    assert summary_core_group_due(summary, ENGLAND) == D(2027, 3, 15)


def test_after_a_meeting_the_date_it_set_is_due() -> None:
    summary = CaseSummary.of(a_case(a_meeting(1, D(2027, 3, 12), D(2027, 4, 9))))
    assert summary_core_group_due(summary, ENGLAND) == D(2027, 4, 9)


def test_a_meeting_that_set_no_date_leaves_the_councils_interval() -> None:
    case = a_case(a_meeting(1, D(2027, 3, 12)))
    assert summary_core_group_due(CaseSummary.of(case), ENGLAND) == D(2027, 4, 9)  # four weeks
    longer = Settings(nation="england", timescales=Timescales(core_group_interval_weeks=6))
    assert summary_core_group_due(CaseSummary.of(case), longer) == D(2027, 4, 23)


@pytest.mark.parametrize(
    "meetings",
    [
        (),
        (a_meeting(1, D(2027, 3, 12), D(2027, 4, 9)),),
        (a_meeting(1, D(2027, 3, 12), D(2027, 4, 9)), a_meeting(2, D(2027, 4, 9))),
        (a_meeting(1, D(2027, 3, 12)), a_meeting(2, D(2027, 4, 20), D(2027, 5, 28))),
        (a_meeting(1, D(2027, 3, 12), D(2027, 5, 21)),),  # set ten weeks out
    ],
)
def test_the_list_and_the_case_agree(meetings: tuple[Meeting, ...]) -> None:
    case = a_case(*meetings)
    assert summary_core_group_due(CaseSummary.of(case), ENGLAND) == next_core_group_due(case, ENGLAND)


def test_a_damaged_summary_shows_no_date_rather_than_failing() -> None:
    summary = CaseSummary(id="TEST-1", children="Alex Sample", plan_categories=("neglect",), icpc_date="not a date")
    assert summary_core_group_due(summary, ENGLAND) is None


def test_an_ended_plan_has_no_core_group_due_in_the_list_or_the_case() -> None:
    case = a_case(a_meeting(1, D(2027, 3, 12), D(2027, 4, 9)))
    case.plan_ended_on = D(2027, 4, 1)
    assert summary_core_group_due(CaseSummary.of(case), ENGLAND) is None
    assert next_core_group_due(case, ENGLAND) is None


def test_a_date_set_beyond_the_interval_leaves_the_interval_due_in_the_list_and_the_case() -> None:
    case = a_case(a_meeting(1, D(2027, 3, 12), D(2027, 5, 21)))  # ten weeks after the meeting
    assert next_core_group_due(case, ENGLAND) == D(2027, 4, 9)  # four weeks after it
    assert summary_core_group_due(CaseSummary.of(case), ENGLAND) == D(2027, 4, 9)
    sooner = a_case(a_meeting(1, D(2027, 3, 12), D(2027, 3, 26)))
    assert (
        summary_core_group_due(CaseSummary.of(sooner), ENGLAND)
        == next_core_group_due(sooner, ENGLAND)
        == D(2027, 3, 26)
    )


def test_two_meetings_on_one_day_the_list_and_the_case_take_the_one_numbered_last() -> None:
    case = a_case(a_meeting(1, D(2027, 3, 12), D(2027, 3, 19)), a_meeting(2, D(2027, 3, 12), D(2027, 4, 2)))
    assert next_core_group_due(case, ENGLAND) == D(2027, 4, 2)
    assert summary_core_group_due(CaseSummary.of(case), ENGLAND) == D(2027, 4, 2)
