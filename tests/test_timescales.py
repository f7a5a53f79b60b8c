"""Working days, due dates typed by the chair, and the timescales of a plan (fictional cases only)."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.domain.records import Case, Child, Meeting, MeetingStatus, PlanCategory
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings, Timescales
from meetings.domain.timescales import (
    add_months,
    add_working_days,
    is_working_day,
    next_core_group_due,
    next_review_due,
    parse_due,
    plan_drift_alert,
    working_days_between,
)

ENGLAND = Settings(nation="england")
SCOTLAND = Settings(nation="scotland")
D = dt.date


def a_case(**changes: object) -> Case:
    values: dict[str, object] = {
        "id": "TEST-1",
        "children": [Child(id=1, name="Alex Sample", date_of_birth=D(2024, 5, 1))],
        "plan_categories": [PlanCategory.NEGLECT],
        "icpc_date": D(2027, 3, 1),
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def a_meeting(number: int, day: dt.date, next_date: dt.date | None = None) -> Meeting:
    return Meeting(number=number, date=day, next_meeting_date=next_date, status=MeetingStatus.FINISHED)


# -- working days --------------------------------------------------------------------------------


def test_second_of_january_is_a_bank_holiday_in_scotland_but_not_in_england() -> None:
    friday = D(2026, 1, 2)
    assert is_working_day(friday, ENGLAND)
    assert not is_working_day(friday, SCOTLAND)


def test_christmas_boxing_day_and_weekends_are_not_working_days() -> None:
    for day in (D(2026, 12, 25), D(2026, 12, 28), D(2026, 12, 26), D(2026, 12, 27)):
        assert not is_working_day(day, ENGLAND), day
    assert is_working_day(D(2026, 12, 29), ENGLAND)
    assert is_working_day(D(2026, 12, 24), ENGLAND)


def test_ten_working_days_across_a_bank_holiday_take_one_day_longer() -> None:
    # Monday 25 May 2026 is the Spring bank holiday in every nation.
    assert add_working_days(D(2026, 5, 18), 10, ENGLAND) == D(2026, 6, 2)
    # The same count in a fortnight with no bank holiday lands on the Monday.
    assert add_working_days(D(2026, 6, 8), 10, ENGLAND) == D(2026, 6, 22)


def test_working_days_over_christmas_differ_between_nations() -> None:
    start = D(2026, 12, 23)
    # England: 24, 29, 30, 31 December and Monday 4 January.
    assert add_working_days(start, 5, ENGLAND) == D(2027, 1, 4)
    # Scotland also keeps 2 January, a Saturday in 2027, so Monday 4 January is a holiday there.
    assert add_working_days(start, 5, SCOTLAND) == D(2027, 1, 5)


def test_working_days_between_counts_back_what_add_working_days_added() -> None:
    start = D(2026, 12, 18)
    for n in (0, 1, 5, 10, 23):
        end = add_working_days(start, n, ENGLAND)
        assert working_days_between(start, end, ENGLAND) == n
    assert working_days_between(D(2026, 6, 22), D(2026, 6, 8), ENGLAND) == -10


def test_negative_working_days_count_backwards() -> None:
    assert add_working_days(D(2026, 6, 2), -10, ENGLAND) == D(2026, 5, 18)


def test_adding_months_keeps_to_the_end_of_a_short_month() -> None:
    assert add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert add_months(D(2027, 11, 15), 3) == D(2028, 2, 15)


# -- due dates as the chair types them ------------------------------------------------------------

TODAY = D(2026, 12, 17)  # a Thursday, a week before Christmas


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("2w", D(2026, 12, 31)),
        ("3d", D(2026, 12, 21)),  # Sunday 20th: moved to the Monday
        ("1m", D(2027, 1, 18)),  # Sunday 17th: moved to the Monday
        # 18, 21, 22, 23, 24, 29, 30, 31 December, 4 and 5 January: Christmas, Boxing day and New Year skipped.
        ("10wd", D(2027, 1, 5)),
        ("2027-03-01", D(2027, 3, 1)),
        ("01/03/2027", D(2027, 3, 1)),
        ("1/3/2027", D(2027, 3, 1)),
        ("today", TODAY),
        ("tomorrow", D(2026, 12, 18)),
        ("  10 WD ", D(2027, 1, 5)),
        ("2 Weeks", D(2026, 12, 31)),
        ("TOMORROW", D(2026, 12, 18)),
        ("0d", TODAY),
    ],
)
def test_each_due_date_form(typed: str, due: dt.date) -> None:
    assert parse_due(typed, TODAY, ENGLAND) == due


def test_a_month_from_the_end_of_january_is_the_end_of_february() -> None:
    assert parse_due("1m", D(2028, 1, 31), ENGLAND) == D(2028, 2, 29)  # a Tuesday in a leap year


def test_a_relative_due_date_never_lands_on_christmas_or_a_weekend() -> None:
    # Four weeks from Friday 27 November 2026 is Christmas Day; Boxing Day's bank holiday is Monday 28th.
    assert parse_due("4w", D(2026, 11, 27), ENGLAND) == D(2026, 12, 29)
    assert parse_due("25/12/2026", D(2026, 11, 27), ENGLAND) == D(2026, 12, 25)  # typed in full: as typed


def test_working_days_follow_the_councils_nation() -> None:
    assert parse_due("1wd", D(2026, 1, 1), ENGLAND) == D(2026, 1, 2)
    assert parse_due("1wd", D(2026, 1, 1), SCOTLAND) == D(2026, 1, 5)


@pytest.mark.parametrize(
    "typed", ["", "   ", "soon", "2x", "w2", "-3d", "2027-13-01", "2027/03/01", "1.5w", "3 fortnights"]
)
def test_what_is_not_a_due_date_is_refused_naming_the_accepted_forms(typed: str) -> None:
    with pytest.raises(InvalidRecord) as refused:
        parse_due(typed, TODAY, ENGLAND)
    assert refused.value.path == "due"
    for form in ("2w", "10wd", "3d", "1m", "tomorrow"):
        assert form in refused.value.problem


@pytest.mark.parametrize("typed", ["31/02/2027", "2027-02-30", "29/02/2027", "00/01/2027"])
def test_an_impossible_date_is_refused_as_not_a_real_date(typed: str) -> None:
    with pytest.raises(InvalidRecord) as refused:
        parse_due(typed, TODAY, ENGLAND)
    assert typed in refused.value.problem
    assert "not a real date" in refused.value.problem


def test_a_date_too_far_ahead_is_refused_not_crashed() -> None:
    with pytest.raises(InvalidRecord, match="too far ahead"):
        parse_due("9999m", D(9500, 1, 1), ENGLAND)
    with pytest.raises(InvalidRecord, match="too far ahead"):
        parse_due("9999w", D(9900, 1, 1), ENGLAND)


# -- core groups and review conferences -----------------------------------------------------------


def test_first_core_group_is_due_ten_working_days_after_the_conference() -> None:
    # ICPC Monday 1 March 2027; Good Friday 26 March and Easter Monday 29 March are later.
    assert next_core_group_due(a_case(), ENGLAND) == D(2027, 3, 15)
    case = a_case(icpc_date=D(2027, 3, 22))
    assert next_core_group_due(case, ENGLAND) == D(2027, 4, 7)


def test_next_core_group_is_the_date_set_at_the_last_meeting_or_the_interval_after_it() -> None:
    case = a_case(meetings=[a_meeting(1, D(2027, 3, 12), D(2027, 4, 2)), a_meeting(2, D(2027, 4, 2))])
    assert next_core_group_due(case, ENGLAND) == D(2027, 4, 30)
    six_weekly = Settings(timescales=Timescales(core_group_interval_weeks=6))
    assert next_core_group_due(case, six_weekly) == D(2027, 5, 14)
    case.meetings[1].next_meeting_date = D(2027, 4, 23)
    assert next_core_group_due(case, ENGLAND) == D(2027, 4, 23)


def test_a_next_date_set_beyond_the_interval_does_not_move_the_timescale() -> None:
    case = a_case(meetings=[a_meeting(1, D(2027, 3, 12), D(2027, 5, 21))])  # ten weeks on
    assert next_core_group_due(case, ENGLAND) == D(2027, 4, 9)
    six_weekly = Settings(timescales=Timescales(core_group_interval_weeks=6))
    assert next_core_group_due(case, six_weekly) == D(2027, 4, 23)


def test_no_core_group_is_due_once_the_plan_has_ended() -> None:
    case = a_case(plan_ended_on=D(2027, 9, 1))
    assert next_core_group_due(case, ENGLAND) is None
    assert next_review_due(case, ENGLAND) is None
    assert plan_drift_alert(case, D(2030, 1, 1), ENGLAND) is None


def test_first_review_within_three_months_then_every_six() -> None:
    case = a_case()
    assert next_review_due(case, ENGLAND) == D(2027, 6, 1)
    case.review_conferences = [D(2027, 5, 27)]
    assert next_review_due(case, ENGLAND) == D(2027, 11, 27)


def test_a_booked_review_conference_is_the_next_one_unless_it_is_too_late() -> None:
    case = a_case(review_conferences=[D(2027, 5, 27), D(2027, 11, 10)])
    assert next_review_due(case, ENGLAND, today=D(2027, 8, 1)) == D(2027, 11, 10)
    case.review_conferences = [D(2027, 5, 27), D(2027, 12, 10)]
    assert next_review_due(case, ENGLAND, today=D(2027, 8, 1)) == D(2027, 11, 27)


def test_a_baby_born_after_a_pre_birth_conference_is_reviewed_within_ten_working_days_of_birth() -> None:
    baby = Child(id=1, name="Unborn baby of Robin Example", due_date=D(2027, 3, 20))
    case = a_case(children=[baby], icpc_date=D(2027, 2, 1))
    assert next_review_due(case, ENGLAND) == D(2027, 5, 1)  # not born yet: three months after
    baby.due_date = None
    baby.date_of_birth = D(2027, 3, 8)
    # Born 8 March: ten working days is 22 March, sooner than 1 May.
    assert next_review_due(case, ENGLAND) == D(2027, 3, 22)


def test_plan_drift_alerts_at_twenty_one_months_and_at_two_years() -> None:
    case = a_case(icpc_date=D(2025, 1, 15))
    assert plan_drift_alert(case, D(2026, 10, 14), ENGLAND) is None
    at_21 = plan_drift_alert(case, D(2026, 10, 15), ENGLAND)
    assert at_21 is not None and "21 months" in at_21 and "15 January 2025" in at_21
    at_24 = plan_drift_alert(case, D(2027, 1, 20), ENGLAND)
    assert at_24 is not None and "2 years" in at_24
