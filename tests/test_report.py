"""Issue 13, point 6 (the domain side): a team manager's report across cases. Each kind of line
is on the report on the day its rule says and not the day before, worked out from the items a
case gives when it is saved; the most urgent come first; a plan that has ended gives nothing;
nothing restricted is ever written, on screen or in the CSV file. Fictional data only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from tui_helpers import DEMO_ID

from meetings.domain.flags import FlagKind, case_flags
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    Case,
    Child,
    ChildAtVisit,
    Concern,
    CopyType,
    Distribution,
    Meeting,
    MeetingStatus,
    Mobility,
    Person,
    PlanCategory,
    Relationship,
    SourceKind,
    Visit,
)
from meetings.domain.report import (
    CSV_COLUMNS,
    ReportItem,
    ReportKind,
    ReportLine,
    UnreadableItem,
    report,
    report_csv,
    report_from_stored,
    report_items,
    report_text,
)
from meetings.domain.settings import Settings, Timescales
from meetings.storage.store import Store

D = dt.date
DAY = dt.timedelta(days=1)
SETTINGS = Settings()


def finished(number: int, on: dt.date, *, sent: bool = True, **fields: object) -> Meeting:
    """A core group held and finished on `on`, its minutes sent that day unless `sent` is False."""
    distribution = [Distribution(recipient="Jordan Pike", sent_on=on)] if sent else []
    return Meeting(number=number, date=on, status=MeetingStatus.FINISHED, distribution=distribution, **fields)  # type: ignore[arg-type]


def plan(case_id: str = "TEST-REPORT", **fields: object) -> Case:
    """A fictional plan: one child, seen at a visit, core groups up to date, minutes sent."""
    values: dict[str, object] = {
        "id": case_id,
        "children": [Child(id=1, name="Wren Example", date_of_birth=D(2022, 3, 4), mobility=Mobility.MOBILE)],
        "plan_categories": [PlanCategory.NEGLECT],
        "icpc_date": D(2026, 9, 1),
        "lead_social_worker": "Lee Placeholder",
        "meetings": [finished(1, D(2026, 11, 13))],
        "visits": [Visit(id=1, date=D(2026, 11, 13), children=[ChildAtVisit(child_id=1, seen=True)])],
    }
    values.update(fields)
    return Case(**values)  # type: ignore[arg-type]


def lines_on(case: Case, today: dt.date, settings: Settings = SETTINGS) -> list[ReportLine]:
    return report([(case.id, case.child_names(), case.lead_social_worker, report_items(case, settings))], today)


def kinds_on(case: Case, today: dt.date, settings: Settings = SETTINGS) -> list[ReportKind]:
    return [line.kind for line in lines_on(case, today, settings)]


def first_day(case: Case, kind: ReportKind, start: dt.date, end: dt.date) -> dt.date | None:
    """The first day from `start` to `end` on which a line of `kind` is on the report."""
    day = start
    while day <= end:
        if kind in kinds_on(case, day):
            return day
        day += DAY
    return None


# ----- each kind, on its day and not the day before ----------------------------------------------


def test_an_overdue_action_and_an_overdue_assessment_are_on_the_report_from_the_day_after_they_were_due() -> None:
    case = plan(
        actions=[
            Action(number=1, text="Referral to the food bank", owner="Jordan Pike", due=D(2026, 11, 20)),
            Action(number=2, text="Complete it", type=ActionType.PARENTING_ASSESSMENT, due=D(2026, 11, 24)),
            Action(number=3, text="Done already", due=D(2026, 11, 1), status=ActionStatus.DONE),
        ]
    )
    assert first_day(case, ReportKind.ACTION_OVERDUE, D(2026, 11, 14), D(2026, 12, 31)) == D(2026, 11, 21)
    assert first_day(case, ReportKind.ASSESSMENT_OVERDUE, D(2026, 11, 14), D(2026, 12, 31)) == D(2026, 11, 25)
    lines = lines_on(case, D(2026, 11, 26))
    action = next(line for line in lines if line.kind is ReportKind.ACTION_OVERDUE)
    assert action.subject == "Action 1: Referral to the food bank"
    assert (action.days, action.days_words) == (6, "6 days late")
    assert "Jordan Pike" in action.detail
    assessment = next(line for line in lines if line.kind is ReportKind.ASSESSMENT_OVERDUE)
    assert assessment.subject == "Parenting assessment (action 2)"
    assert (assessment.days, assessment.days_words) == (2, "2 days late")
    assert all("action 3" not in line.subject.lower() for line in lines)  # done: never on the report


def test_the_next_core_group_is_due_soon_a_week_before_its_date_and_late_from_the_day_after() -> None:
    # Meeting 1 on Friday 13 November: the next within 4 weeks, by Friday 11 December.
    case = plan()
    assert first_day(case, ReportKind.CORE_GROUP_DUE_SOON, D(2026, 11, 14), D(2027, 1, 31)) == D(2026, 12, 4)
    assert first_day(case, ReportKind.CORE_GROUP_LATE, D(2026, 11, 14), D(2027, 1, 31)) == D(2026, 12, 12)

    def core_group(today: dt.date) -> list[tuple[ReportKind, str]]:
        return [(line.kind, line.days_words) for line in lines_on(case, today) if "core group" in line.subject.lower()]

    assert core_group(D(2026, 12, 9)) == [(ReportKind.CORE_GROUP_DUE_SOON, "due in 2 days")]
    assert core_group(D(2026, 12, 11)) == [(ReportKind.CORE_GROUP_DUE_SOON, "due today")]
    # Late, it is no longer "due soon" too: one line a day for the next core group.
    assert core_group(D(2026, 12, 15)) == [(ReportKind.CORE_GROUP_LATE, "4 days late")]


def test_the_first_core_group_counts_from_the_conference_and_one_under_way_is_neither_due_nor_late() -> None:
    # Conference on Monday 2 November: the first core group within 10 working days, by 16 November.
    case = plan(icpc_date=D(2026, 11, 2), meetings=[], visits=[])
    assert first_day(case, ReportKind.CORE_GROUP_LATE, D(2026, 11, 2), D(2026, 12, 31)) == D(2026, 11, 17)
    assert lines_on(case, D(2026, 11, 17))[0].subject == "First core group"
    case.meetings.append(Meeting(number=1, date=D(2026, 11, 18)))  # in progress: being held
    assert not {ReportKind.CORE_GROUP_LATE, ReportKind.CORE_GROUP_DUE_SOON} & set(kinds_on(case, D(2026, 11, 20)))


def test_minutes_not_sent_go_on_the_report_once_the_working_days_have_passed() -> None:
    # Meeting on Friday 13 November: minutes due out within 5 working days, by Friday 20 November;
    # the weekend is not a working day, so they are late from Monday 23 November.
    case = plan(meetings=[finished(1, D(2026, 11, 13), sent=False)])
    assert first_day(case, ReportKind.MINUTES_NOT_SENT, D(2026, 11, 13), D(2026, 12, 31)) == D(2026, 11, 23)
    line = next(line for line in lines_on(case, D(2026, 11, 23)) if line.kind is ReportKind.MINUTES_NOT_SENT)
    assert line.subject == "Meeting 1 of 13 November 2026"
    assert (line.due, line.days_words) == (D(2026, 11, 20), "3 days late")
    # An entry withdrawn as wrong is not minutes sent; a live one is.
    case.meetings[0].distribution.append(
        Distribution(recipient="Jordan Pike", sent_on=D(2026, 11, 16), withdrawn_on=D(2026, 11, 17))
    )
    assert ReportKind.MINUTES_NOT_SENT in kinds_on(case, D(2026, 11, 23))
    case.meetings[0].distribution.append(Distribution(recipient="Jordan Pike", sent_on=D(2026, 11, 24)))
    assert ReportKind.MINUTES_NOT_SENT not in kinds_on(case, D(2026, 11, 25))


def test_a_concern_without_a_response_is_on_the_report_from_the_day_it_came_in() -> None:
    concern = Concern(id=1, received_on=D(2026, 11, 10), source="Sampleshire Housing", reported="Rent arrears")
    case = plan(concerns=[concern])
    assert first_day(case, ReportKind.CONCERN_NO_RESPONSE, D(2026, 11, 1), D(2026, 12, 31)) == D(2026, 11, 10)
    line = lines_on(case, D(2026, 11, 16))[0]
    assert (line.kind, line.days_words) == (ReportKind.CONCERN_NO_RESPONSE, "waiting 6 days")
    assert "Sampleshire Housing" in line.detail and "met on 13 November 2026" in line.detail
    concern.response = "Housing officer invited to the next core group."
    assert ReportKind.CONCERN_NO_RESPONSE not in kinds_on(case, D(2026, 11, 16))


def test_each_child_not_seen_within_the_visit_rule_is_on_the_report_by_name() -> None:
    # Wren last seen on Monday 2 November: 15 working days take the rule to Monday 23 November.
    # Robin was seen later, and never stands for Wren. The baby not yet born is not expected to be seen.
    case = plan(
        children=[
            Child(id=1, name="Wren Example", date_of_birth=D(2022, 3, 4), mobility=Mobility.MOBILE),
            Child(id=2, name="Robin Example", date_of_birth=D(2019, 5, 6), mobility=Mobility.MOBILE),
            Child(id=3, name="Unborn baby of Jo Example", due_date=D(2027, 2, 1), mobility=Mobility.UNBORN),
        ],
        visits=[
            Visit(id=1, date=D(2026, 11, 2), children=[ChildAtVisit(child_id=1), ChildAtVisit(child_id=2)]),
            Visit(id=2, date=D(2026, 11, 16), children=[ChildAtVisit(child_id=2)]),
        ],
    )
    assert first_day(case, ReportKind.CHILD_NOT_SEEN, D(2026, 11, 14), D(2026, 12, 31)) == D(2026, 11, 24)
    not_seen = [line for line in lines_on(case, D(2026, 11, 24)) if line.kind is ReportKind.CHILD_NOT_SEEN]
    assert [(line.subject, line.days_words) for line in not_seen] == [("Wren", "1 day late")]
    assert "2 November 2026" in not_seen[0].detail


def test_the_visit_rule_counts_working_days_across_christmas() -> None:
    # Seen Monday 14 December 2026: 25 and 28 December and 1 January are bank holidays in England,
    # so the 15th working day after is Thursday 7 January 2027.
    case = plan(visits=[Visit(id=1, date=D(2026, 12, 14), children=[ChildAtVisit(child_id=1)])])
    assert first_day(case, ReportKind.CHILD_NOT_SEEN, D(2026, 12, 14), D(2027, 2, 1)) == D(2027, 1, 8)


def test_a_child_seen_at_no_visit_is_on_the_report_at_once() -> None:
    case = plan(visits=[])
    line = next(line for line in lines_on(case, D(2026, 11, 16)) if line.kind is ReportKind.CHILD_NOT_SEEN)
    assert line.subject == "Wren" and "No visit is recorded" in line.detail


def test_the_plan_is_on_the_report_at_21_months_and_again_at_2_years() -> None:
    case = plan(icpc_date=D(2025, 2, 17))
    assert first_day(case, ReportKind.PLAN_LONG, D(2026, 11, 1), D(2027, 3, 31)) == D(2026, 11, 17)
    assert [line.subject for line in lines_on(case, D(2027, 2, 16)) if line.kind is ReportKind.PLAN_LONG] == [
        "Plan has lasted 21 months"
    ]
    assert [line.subject for line in lines_on(case, D(2027, 2, 17)) if line.kind is ReportKind.PLAN_LONG] == [
        "Plan has lasted 2 years"
    ]
    # A council's own alert lengths are followed.
    own = Settings(timescales=Timescales(plan_alert_months=(18,)))
    assert [line.subject for line in lines_on(case, D(2026, 8, 17), own) if line.kind is ReportKind.PLAN_LONG] == [
        "Plan has lasted 18 months"
    ]


def _carried(number: int, on: dt.date, action: Action) -> Meeting:
    """A meeting that finished with `action` still open: it carried it forward."""
    kept = Action(number=action.number, text=action.text, type=action.type)
    return finished(number, on, recorded_at_finish=True, actions_at_finish=[kept])


def test_an_assessment_carried_forward_at_three_meetings_is_on_the_report_from_the_third_until_it_falls_due() -> None:
    assessment = Action(
        number=4, text="Parenting assessment", type=ActionType.PARENTING_ASSESSMENT, raised_at=1, due=D(2026, 12, 18)
    )
    meetings = [
        finished(1, D(2026, 9, 11)),
        _carried(2, D(2026, 10, 9), assessment),
        _carried(3, D(2026, 11, 6), assessment),
        _carried(4, D(2026, 12, 4), assessment),
    ]
    case = plan(meetings=meetings, actions=[assessment], visits=[])
    assert first_day(case, ReportKind.ASSESSMENT_CARRIED_FORWARD, D(2026, 9, 1), D(2027, 1, 31)) == D(2026, 12, 4)
    on_due_day = kinds_on(case, D(2026, 12, 18))
    assert ReportKind.ASSESSMENT_CARRIED_FORWARD in on_due_day and ReportKind.ASSESSMENT_OVERDUE not in on_due_day
    after = kinds_on(case, D(2026, 12, 19))  # overdue now, which says how often it was carried
    assert ReportKind.ASSESSMENT_OVERDUE in after and ReportKind.ASSESSMENT_CARRIED_FORWARD not in after
    overdue = next(line for line in lines_on(case, D(2026, 12, 19)) if line.kind is ReportKind.ASSESSMENT_OVERDUE)
    assert "carried forward at 3 meetings" in overdue.detail


def test_an_assessment_carried_at_meetings_of_an_earlier_release_counts_from_the_meetings_after_it_was_raised() -> None:
    # Meetings of an earlier release kept no list of actions: the action's own count says 3.
    assessment = Action(
        number=4, text="Father assessment", type=ActionType.FATHER_ASSESSMENT, raised_at=1, times_carried_forward=3
    )
    meetings = [finished(n, D(2026, 8, 7) + (n - 1) * dt.timedelta(weeks=4)) for n in range(1, 6)]
    case = plan(meetings=meetings, actions=[assessment], visits=[])
    # Meetings 2, 3 and 4 carried it: meeting 4 was on 30 October 2026.
    assert first_day(case, ReportKind.ASSESSMENT_CARRIED_FORWARD, D(2026, 8, 1), D(2026, 12, 31)) == D(2026, 10, 30)
    # A council that calls drift at 5 meetings: not yet.
    late_drift = Settings(timescales=Timescales(drift_carried_forward=5))
    assert ReportKind.ASSESSMENT_CARRIED_FORWARD not in kinds_on(case, D(2026, 12, 31), late_drift)


# ----- the report agrees with the chair's flags, day by day --------------------------------------

# The report's kinds and the flags that say the same thing at a meeting.
SAME_AS_FLAG = {
    ReportKind.CHILD_NOT_SEEN: FlagKind.CHILD_NOT_SEEN,
    ReportKind.CONCERN_NO_RESPONSE: FlagKind.CONCERN_UNANSWERED,
    ReportKind.CORE_GROUP_LATE: FlagKind.CORE_GROUP_OVERDUE,
    ReportKind.ASSESSMENT_OVERDUE: FlagKind.ASSESSMENT_OVERDUE,
    ReportKind.ACTION_OVERDUE: FlagKind.ACTION_OVERDUE,
    ReportKind.MINUTES_NOT_SENT: FlagKind.MINUTES_NOT_CIRCULATED,
    ReportKind.PLAN_LONG: FlagKind.PLAN_DRIFT,
}


@pytest.mark.parametrize("nation", ["england", "scotland"])
def test_each_line_is_on_the_report_on_exactly_the_days_the_chairs_flag_is_raised(nation: str) -> None:
    settings = Settings(nation=nation)
    case = plan(
        icpc_date=D(2025, 2, 28),
        meetings=[finished(1, D(2026, 11, 27), sent=False)],
        visits=[Visit(id=1, date=D(2026, 12, 14), children=[ChildAtVisit(child_id=1)])],
        actions=[
            Action(number=1, text="Referral to the food bank", due=D(2026, 12, 24)),
            Action(number=2, text="Assessment", type=ActionType.PARENTING_ASSESSMENT, due=D(2027, 1, 4)),
        ],
        concerns=[Concern(id=1, received_on=D(2026, 11, 27), reported="Baby left alone")],
    )
    items = report_items(case, settings)
    day = D(2026, 11, 27)
    changes = set()
    while day <= D(2027, 3, 31):
        lines = report([(case.id, "", "", items)], day)
        flagged = {f.kind for f in case_flags(case, settings, day)}
        on_report = {line.kind for line in lines}
        for kind, flag in SAME_AS_FLAG.items():
            assert (kind in on_report) == (flag in flagged), f"{kind.words} on {day}"
            if kind in on_report:
                changes.add(kind)
        assert sum(1 for line in lines if "core group" in line.subject.lower()) <= 1
        day += DAY
    assert changes == set(SAME_AS_FLAG)  # every kind was on the report at some point


# ----- across cases: order, ended plans ----------------------------------------------------------


def test_the_report_lists_the_most_urgent_first_then_the_longest_overdue() -> None:
    today = D(2026, 11, 30)
    older = plan(
        "TEST-OLDER",
        actions=[Action(number=1, text="Referral to the food bank", due=D(2026, 11, 2))],
        concerns=[Concern(id=1, received_on=D(2026, 11, 20), reported="Shouting heard")],
    )
    newer = plan(
        "TEST-NEWER",
        actions=[Action(number=1, text="Referral to the nursery", due=D(2026, 11, 25))],
        visits=[],  # Wren seen at no visit
        meetings=[finished(1, D(2026, 11, 13), sent=False)],
    )
    cases = [(c.id, c.child_names(), c.lead_social_worker, report_items(c, SETTINGS)) for c in (newer, older)]
    lines = report(cases, today)
    assert [line.kind for line in lines][:2] == [ReportKind.CHILD_NOT_SEEN, ReportKind.CONCERN_NO_RESPONSE]
    ranks = [line.kind.rank for line in lines]
    assert ranks == sorted(ranks)
    overdue = [line.case_id for line in lines if line.kind is ReportKind.ACTION_OVERDUE]
    assert overdue == ["TEST-OLDER", "TEST-NEWER"]  # 28 days late before 5 days late
    for kind in {line.kind for line in lines}:
        days = [line.days for line in lines if line.kind is kind]
        assert days == sorted(days, reverse=True)


def test_a_plan_that_has_ended_gives_nothing_to_the_report() -> None:
    case = plan(
        icpc_date=D(2024, 1, 8),
        visits=[],
        meetings=[finished(1, D(2024, 1, 19), sent=False)],
        actions=[Action(number=1, text="Referral", due=D(2024, 2, 1))],
        concerns=[Concern(id=1, received_on=D(2024, 2, 1), reported="Shouting heard")],
    )
    assert report_items(case, SETTINGS)  # open, it is all over the report
    case.plan_ended_on = D(2024, 3, 1)
    assert report_items(case, SETTINGS) == ()
    assert report([(case.id, case.child_names(), "", report_items(case, SETTINGS))], D(2026, 11, 20)) == []


# ----- nothing restricted is written -------------------------------------------------------------

SECRETS = (
    "Zebra safe house",  # a restricted action's text
    "Quill Fictional",  # a restricted person
    "Harbour Road refuge",  # a concern not shareable with the family: what it is about
    "Mx Hidden Referrer",  # a referrer whose identity is withheld
    "Placeholder Street",  # where an anonymous referral was passed on from
)


def restricted_case() -> Case:
    return plan(
        people=[
            Person(id=1, name="Jo Example", relationship=Relationship.MOTHER),
            Person(id=2, name="Quill Fictional", relationship=Relationship.MOTHERS_PARTNER, restricted=True),
        ],
        actions=[
            Action(number=1, text="Move to the Zebra safe house", due=D(2026, 11, 16), restricted=True),
            Action(number=2, text="Assess", type=ActionType.FATHER_ASSESSMENT, person_id=2, due=D(2026, 11, 16)),
            Action(number=3, text="Ask Quill Fictional to stay away", due=D(2026, 11, 16)),
            Action(number=4, text="Referral to the food bank", owner="Jordan Pike", due=D(2026, 11, 16)),
        ],
        concerns=[
            Concern(
                id=1,
                received_on=D(2026, 11, 12),
                about="Harbour Road refuge",
                reported="Seen near the Harbour Road refuge",
                shareable=False,
            ),
            Concern(
                id=2,
                received_on=D(2026, 11, 12),
                source_kind=SourceKind.PERSON,
                source="Mx Hidden Referrer",
                referrer_restricted=True,
                reported="Shouting heard",
            ),
            Concern(
                id=3,
                received_on=D(2026, 11, 12),
                source_kind=SourceKind.ANONYMOUS,
                source="Placeholder Street neighbour line",
                reported="Baby crying for hours",
            ),
        ],
    )


def test_restricted_text_is_never_on_the_report_on_screen_or_in_the_csv_file_but_the_lines_are() -> None:
    case = restricted_case()
    items = report_items(case, SETTINGS)
    lines = report([(case.id, case.child_names(), case.lead_social_worker, items)], D(2026, 11, 20))
    written = "\n".join(
        [report_csv(lines), *report_text(lines, D(2026, 11, 20)), json.dumps([i.to_json() for i in items])]
    )
    for secret in SECRETS:
        assert secret.casefold() not in written.casefold(), secret
    # Each is still on the report, in neutral words: the manager knows to open the case.
    subjects = [line.subject for line in lines]
    assert {"Action 1 (restricted)", "Action 2 (restricted)", "Action 3 (restricted)"} <= set(subjects)
    assert "Action 4: Referral to the food bank" in subjects
    assert sum(1 for line in lines if line.kind is ReportKind.CONCERN_NO_RESPONSE) == 3
    assert "an anonymous referrer" in written and "a person whose identity is withheld" in written


def test_the_demo_case_writes_nothing_its_family_copy_leaves_out(store: Store) -> None:
    opened = store.open(DEMO_ID, read_only=True)
    case = opened.case
    opened.close()
    withheld = [p.name for p in case.people if p.restricted]
    withheld += [a.text for a in case.actions if a.restricted]
    withheld += [c.reported for c in case.concerns if not c.shareable]
    withheld += [c.referrer for c in case.concerns if c.referrer_withheld and c.referrer.strip()]
    items = report_items(case, SETTINGS)
    lines = report([(case.id, case.child_names(), case.lead_social_worker, items)], D(2026, 11, 20))
    assert lines  # the demo case has something on the report
    written = report_csv(lines) + "\n".join(report_text(lines, D(2026, 11, 20)))
    for text in withheld:
        assert " ".join(text.split())[:40] not in written


# ----- the items kept by a store, and the files written ------------------------------------------


def test_items_round_trip_through_json_and_a_damaged_one_is_named_without_its_value() -> None:
    case = restricted_case()
    items = report_items(case, SETTINGS)
    assert items
    back = tuple(ReportItem.from_json(data) for data in json.loads(json.dumps([i.to_json() for i in items])))
    assert back == items
    good = items[0].to_json()
    for bad in ({**good, "kind": "made_up"}, {**good, "from_date": "Jo Example's birthday"}, {**good, "detail": 3}):
        with pytest.raises(UnreadableItem) as refused:
            ReportItem.from_json(bad)
        assert "Jo Example" not in str(refused.value) and "made_up" not in str(refused.value)
    with pytest.raises(UnreadableItem):
        ReportItem.from_json(["not", "an", "object"])


def test_the_report_from_items_kept_as_json_is_the_report_from_the_items() -> None:
    cases = [restricted_case(), plan("TEST-OTHER", icpc_date=D(2025, 2, 17), visits=[])]
    held = [(c.id, c.child_names(), c.lead_social_worker, report_items(c, SETTINGS)) for c in cases]
    stored = json.loads(json.dumps([(cid, ch, lw, [i.to_json() for i in items]) for cid, ch, lw, items in held]))
    for today in (D(2026, 11, 1), D(2026, 11, 13), D(2026, 11, 17), D(2026, 12, 11), D(2027, 3, 1)):
        assert report_from_stored(stored, today) == report(held, today)
    damaged = [("TEST-DAMAGED", "", "", [{**stored[0][3][0], "from_date": None}])]
    with pytest.raises(UnreadableItem):
        report_from_stored(damaged, D(2026, 11, 20))


def test_the_csv_file_parses_back_with_every_field_and_a_formula_is_never_a_formula() -> None:
    tricky = plan(
        "TEST-CSV",
        children=[Child(id=1, name='Wren "Birdie" Example', date_of_birth=D(2022, 3, 4))],
        lead_social_worker='=HYPERLINK("http://example.invalid")',
        actions=[Action(number=1, text="Ring the GP, then the school;\nthen write it up", due=D(2026, 11, 16))],
    )
    lines = lines_on(tricky, D(2026, 11, 20))
    rows = list(csv.DictReader(io.StringIO(report_csv(lines))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines, strict=True):
        assert row["case_id"] == line.case_id
        assert row["children"] == line.children == 'Wren "Birdie" Example'
        assert row["lead_social_worker"] == "'" + line.lead_worker  # kept as text in a spreadsheet
        assert row["what"] == line.kind.words
        assert row["subject"] == line.subject
        assert (row["date"], int(row["days"]), row["how_long"]) == (line.due.isoformat(), line.days, line.days_words)
        assert row["detail"] == line.detail
    assert "Action 1: Ring the GP, then the school; then write it up" in [row["subject"] for row in rows]


def test_the_terminal_report_heads_each_kind_and_says_when_nothing_is_due() -> None:
    case = plan(actions=[Action(number=1, text="Referral to the food bank", due=D(2026, 11, 16))])
    text = report_text(lines_on(case, D(2026, 11, 20)), D(2026, 11, 20))
    assert text[0] == "As at 20 November 2026: 1 item across 1 case."
    assert "Action overdue (1)" in text
    assert any(
        line.startswith("  TEST-REPORT  Wren Example (lead: Lee Placeholder): Action 1: Referral") for line in text
    )
    assert report_text([], D(2026, 11, 20)) == ["As at 20 November 2026: nothing is overdue, late or due soon."]


def test_family_copy_policy_is_the_one_the_minutes_use() -> None:
    """The report leaves out what the family copy of the minutes leaves out: one policy."""
    from meetings.domain.family import Restrictions

    case = restricted_case()
    family = Restrictions.of(case, CopyType.FAMILY)
    hidden = [a.number for a in case.actions if not family.shows_action(a)]
    subjects = {line.subject for line in lines_on(case, D(2026, 11, 20))}
    assert all(f"Action {n} (restricted)" in subjects for n in hidden)
