"""The rules of holding a meeting, and the flags the case review asks for (fictional cases only)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from meetings.domain import schema
from meetings.domain.agenda import Agenda, load_agenda
from meetings.domain.analysis import open_risks_detailed, scaling_rose
from meetings.domain.finish import Problem, ProblemKind, finish_problems, step_complete
from meetings.domain.flags import Flag, case_flags
from meetings.domain.lifecycle import (
    actions_to_review,
    attendee_choices,
    finish_meeting,
    meeting_mode_from,
    men_not_invited,
    men_not_invited_for_safety,
    missing_agencies,
    reopen_meeting,
    start_meeting,
)
from meetings.domain.locations import data_dir
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    AssessmentStatus,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    ChildAtVisit,
    Concern,
    CopyType,
    Distribution,
    Gender,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Mobility,
    Person,
    PlanCategory,
    Relationship,
    Scaling,
    Service,
    SourceKind,
    Visit,
)
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings, Timescales

D = dt.date
SETTINGS = Settings()
AGENDA = load_agenda()


@pytest.fixture
def demo() -> Case:
    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    return schema.load(Case, raw)


def a_case(**changes: object) -> Case:
    values: dict[str, object] = {
        "id": "TEST-1",
        "children": [Child(id=1, name="Alex Sample", date_of_birth=D(2022, 5, 1), mobility=Mobility.MOBILE)],
        "plan_categories": [PlanCategory.NEGLECT],
        "icpc_date": D(2027, 3, 1),
        "expected_agencies": ["Children's Social Care", "Sample School", "Sample Health"],
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def came(name: str, mode: AttendanceMode = AttendanceMode.IN_PERSON, **more: object) -> Attendee:
    return Attendee(name=name, status=AttendanceStatus.ATTENDED, mode=mode, **more)  # type: ignore[arg-type]


def held(number: int, day: dt.date, *attendees: Attendee, **more: object) -> Meeting:
    return Meeting(number=number, date=day, attendees=list(attendees), status=MeetingStatus.FINISHED, **more)  # type: ignore[arg-type]


def flags_of(case: Case, today: dt.date, kind: str) -> list[Flag]:
    return [f for f in case_flags(case, SETTINGS, today) if f.kind == kind]


# -- starting a meeting and taking attendance -----------------------------------------------------


def test_a_new_meeting_takes_the_next_number_and_every_agenda_step_without_joining_the_case() -> None:
    case = a_case(meetings=[held(1, D(2027, 3, 12)), held(2, D(2027, 4, 9))])
    meeting = start_meeting(
        case, AGENDA, date=D(2027, 5, 7), start_time=dt.time(10, 0), venue="Sample Family Centre", chair="Robin Chair"
    )
    assert meeting.number == 3
    assert [s.key for s in meeting.steps] == [s.key for s in AGENDA.steps]
    assert len(meeting.steps) == 15
    assert (meeting.venue, meeting.chair, meeting.start_time) == ("Sample Family Centre", "Robin Chair", dt.time(10))
    assert meeting.status is MeetingStatus.IN_PROGRESS
    assert len(case.meetings) == 2


def test_attendee_choices_offer_the_family_then_professionals_once_each_with_their_latest_role() -> None:
    mum = Person(id=1, name="Jo Sample", relationship=Relationship.MOTHER, gender=Gender.FEMALE)
    partner = Person(id=2, name="Lee Sample", relationship=Relationship.MOTHERS_PARTNER, gender=Gender.MALE)
    first = held(
        1,
        D(2027, 3, 12),
        came("Casey Visitor", role="Student health visitor", agency="Sample Health"),
        came("Jo Sample", person_id=1, agency="Family"),
        came("Morgan Teacher", role="Class teacher", agency="Sample School"),
    )
    second = held(2, D(2027, 4, 9), came("casey visitor", role="Health visitor", agency="SAMPLE HEALTH"))
    case = a_case(people=[mum, partner], meetings=[second, first])
    choices = attendee_choices(case)
    assert [(c.name, c.role, c.agency, c.person_id) for c in choices[:2]] == [
        ("Jo Sample", "Mother", "Family", 1),
        ("Lee Sample", "Mother's partner", "Family", 2),
    ]
    assert choices[0].copy_type is CopyType.FAMILY
    professionals = [(c.name, c.role) for c in choices[2:]]
    assert professionals == [("casey visitor", "Health visitor"), ("Morgan Teacher", "Class teacher")]
    assert all(c.status is AttendanceStatus.INVITED and c.mode is None for c in choices)


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        ([AttendanceMode.IN_PERSON, AttendanceMode.IN_PERSON], MeetingMode.IN_PERSON),
        ([AttendanceMode.ONLINE, AttendanceMode.PHONE], MeetingMode.ONLINE),
        ([AttendanceMode.IN_PERSON, AttendanceMode.ONLINE], MeetingMode.HYBRID),
        ([], MeetingMode.IN_PERSON),
    ],
)
def test_meeting_mode_follows_how_the_attendees_took_part(modes: list[AttendanceMode], expected: MeetingMode) -> None:
    attendees = [came(f"Person {i}", mode) for i, mode in enumerate(modes)]
    # Someone who sent apologies does not make an in-person meeting hybrid.
    attendees.append(Attendee(name="Dr Test", status=AttendanceStatus.APOLOGIES, mode=AttendanceMode.ONLINE))
    assert meeting_mode_from(attendees) is expected


def test_missing_agencies_are_those_with_nobody_there_and_no_report() -> None:
    meeting = held(
        1,
        D(2027, 3, 12),
        came("Robin Worker", agency="children's social care"),
        Attendee(name="Dr Test", agency="Sample Health", status=AttendanceStatus.APOLOGIES, report_received=True),
        Attendee(name="Pat Teacher", agency="Sample School", status=AttendanceStatus.DID_NOT_ATTEND),
    )
    assert missing_agencies(a_case(), meeting) == ["Sample School"]


def test_fathers_and_male_carers_not_on_the_attendance_list_are_named() -> None:
    dad = Person(id=1, name="Sam Sample", relationship=Relationship.FATHER)
    carer = Person(id=2, name="Max Example", relationship=Relationship.MALE_CARER)
    uncle = Person(id=3, name="Jordan Sample", relationship=Relationship.OTHER_RELATIVE, gender=Gender.MALE)
    mum = Person(id=4, name="Jo Sample", relationship=Relationship.MOTHER, gender=Gender.FEMALE)
    brother = Person(id=5, name="Ray Sample", relationship=Relationship.SIBLING, gender=Gender.MALE)
    case = a_case(people=[dad, carer, uncle, mum, brother])
    meeting = held(
        1,
        D(2027, 3, 12),
        Attendee(name="Sam Sample", person_id=1, status=AttendanceStatus.APOLOGIES),
        Attendee(name="max example", status=AttendanceStatus.INVITED),
    )
    assert [p.name for p in men_not_invited(case, meeting)] == ["Jordan Sample"]


def test_actions_to_review_are_the_open_ones_raised_before_this_meeting() -> None:
    first, second = held(1, D(2027, 3, 12)), held(2, D(2027, 4, 9))
    case = a_case(
        meetings=[first, second],
        actions=[
            Action(number=1, text="Parenting assessment", raised_at=1, status=ActionStatus.IN_PROGRESS),
            Action(number=2, text="Referral done", raised_at=1, status=ActionStatus.DONE),
            Action(number=3, text="Raised today", raised_at=2),
            Action(number=4, text="From the conference", raised_at=None),
        ],
    )
    assert [a.number for a in actions_to_review(case, second)] == [1, 4]


# -- finishing -----------------------------------------------------------------------------------


def complete_meeting(case: Case, agenda: Agenda) -> Meeting:
    meeting = start_meeting(case, agenda, date=D(2027, 3, 12))
    meeting.attendees = [came("Robin Worker", agency="Children's Social Care")]
    for step in meeting.steps:
        step.notes = "Discussed."
        template = agenda.step(step.key)
        for spec in template.answers if template else ():
            step.answers[spec.key] = "2027-04-09" if spec.kind == "date" else False
    return meeting


def test_a_fully_recorded_meeting_has_nothing_missing() -> None:
    case = a_case()
    meeting = complete_meeting(case, AGENDA)
    assert finish_problems(case, meeting, AGENDA) == []


def test_finish_problems_name_each_gap_and_the_step_to_go_back_to() -> None:
    case = a_case()
    meeting = complete_meeting(case, AGENDA)
    meeting.steps[3].notes = "  "
    meeting.steps[3].answers.pop("views_gathered_on")
    meeting.steps[-1].answers["next_meeting_date"] = ""
    meeting.mode = MeetingMode.ONLINE
    meeting.attendees.append(Attendee(name="Casey Visitor", status=AttendanceStatus.ATTENDED))
    case.meetings.append(meeting)
    case.actions = [Action(number=1, text="Visit weekly", raised_at=meeting.number)]
    problems = finish_problems(case, meeting, AGENDA)
    by_kind: dict[str, Problem] = {p.kind: p for p in problems}
    assert by_kind["no_notes"] == Problem(
        "No notes at step 4, The child's voice and lived experience.", ProblemKind.NO_NOTES, "childs_voice"
    )
    unanswered = [(p.step_key, p.message) for p in problems if p.kind == "required_answer"]
    assert unanswered == [
        (
            "childs_voice",
            "'Child's views last gathered on' is not answered (step 4, The child's voice and lived experience).",
        ),
        (
            "next_dates",
            "'Next core group on' is not answered (step 15, Next core group, review conference and distribution).",
        ),
    ]
    assert by_kind["mode_reason"].message == "The meeting was held online with no reason recorded."
    assert "Casey Visitor" in by_kind["attendee_mode"].message
    assert by_kind["action_owner"].message == "Action 1 has no owner."
    assert by_kind["action_due"].message == "Action 1 has no due date."
    assert by_kind["next_meeting"].step_key == "next_dates"


def test_an_overdue_assessment_with_no_update_is_a_problem_at_finish() -> None:
    first = held(1, D(2027, 3, 1))
    case = a_case(
        meetings=[first],
        actions=[
            Action(
                number=1,
                text="Parenting assessment",
                type=ActionType.PARENTING_ASSESSMENT,
                raised_at=1,
                due=D(2027, 3, 10),
            ),
        ],
    )
    meeting = complete_meeting(case, AGENDA)
    problems = finish_problems(case, meeting, AGENDA)
    assert [p.kind for p in problems] == ["action_not_updated"]
    assert problems[0].step_key == "review_actions"
    assert "Action 1 (parenting assessment) was due on 10 March 2027" in problems[0].message
    case.actions[0].evidence = "Two sessions held; report due next month."
    assert finish_problems(case, meeting, AGENDA) == []


def test_an_in_person_meeting_with_online_attendees_is_questioned() -> None:
    case = a_case()
    meeting = complete_meeting(case, AGENDA)
    meeting.attendees.append(came("Casey Visitor", AttendanceMode.ONLINE))
    assert [p.kind for p in finish_problems(case, meeting, AGENDA)] == ["mode_mismatch"]


def test_finishing_carries_forward_each_action_left_open_from_an_earlier_meeting() -> None:
    first = held(1, D(2027, 3, 12))
    case = a_case(
        meetings=[first],
        actions=[
            Action(number=1, text="Parenting assessment", raised_at=1, status=ActionStatus.IN_PROGRESS),
            Action(number=2, text="Police checks", raised_at=1, status=ActionStatus.DONE, evidence="Returned."),
        ],
    )
    second = complete_meeting(case, AGENDA)
    case.meetings.append(second)
    case.actions.append(
        Action(number=3, text="New visit plan", raised_at=second.number, owner="Robin", due=D(2027, 4, 1))
    )
    now = dt.datetime(2027, 3, 12, 11, 30)
    changed = finish_meeting(case, second, now=now)
    assert [a.number for a in changed] == [1]
    assert [a.times_carried_forward for a in case.actions] == [1, 0, 0]
    assert second.status is MeetingStatus.FINISHED and second.finished_at == now
    assert second.next_meeting_date == D(2027, 4, 9)  # taken from the answer at the last step
    assert second.end_time == dt.time(11, 30)


def test_a_meeting_cannot_be_finished_twice_and_a_reopened_one_does_not_count_carry_forwards_again() -> None:
    first = held(1, D(2027, 3, 12))
    case = a_case(meetings=[first], actions=[Action(number=1, text="Parenting assessment", raised_at=1)])
    second = complete_meeting(case, AGENDA)
    case.meetings.append(second)
    finish_meeting(case, second, now=dt.datetime(2027, 4, 9, 11), note="Minutes to follow.")
    with pytest.raises(InvalidRecord, match="already finished"):
        finish_meeting(case, second, now=dt.datetime(2027, 4, 9, 12))
    reopen_meeting(second, reason="Add the housing officer's report")
    assert second.status is MeetingStatus.IN_PROGRESS
    assert second.finish_note == "Minutes to follow.\nReopened: Add the housing officer's report"
    assert finish_meeting(case, second, now=dt.datetime(2027, 4, 9, 12)) == []
    assert case.actions[0].times_carried_forward == 1
    assert [m.status for m in case.meetings] == [MeetingStatus.FINISHED, MeetingStatus.FINISHED]


def test_reopening_needs_a_reason_and_a_finished_meeting() -> None:
    meeting = held(1, D(2027, 3, 12))
    with pytest.raises(InvalidRecord, match="say why"):
        reopen_meeting(meeting, reason="  ")
    reopen_meeting(meeting, reason="Typo in the decisions")
    assert meeting.finish_note == "Reopened: Typo in the decisions"
    with pytest.raises(InvalidRecord, match="not finished"):
        reopen_meeting(meeting, reason="again")


# -- flags: what the case review says must not be missed ------------------------------------------


def test_demo_case_flags_the_three_men_not_assessed(demo: Case) -> None:
    flags = flags_of(demo, D(2026, 11, 27), "man_not_assessed")
    assert len(flags) == 3
    for name in ("Sam Sample", "Lee Placeholder", "Max Fictional"):
        assert sum(name in f.message for f in flags) == 1
    assert all(f.severity == "high" for f in flags)
    # Max Fictional was named by a third party: the family must not see that flag.
    assert [f.restricted for f in flags if "Max Fictional" in f.message] == [True]


def test_demo_case_flags_the_unanswered_out_of_hours_concern_but_not_the_answered_anonymous_one(demo: Case) -> None:
    flags = flags_of(demo, D(2026, 11, 27), "concern_unanswered")
    assert len(flags) == 1
    assert "Out-of-hours GP service" in flags[0].message and "10 November 2026" in flags[0].message
    assert not any(
        "contact centre" in f.message or "anonymous" in f.message for f in case_flags(demo, SETTINGS, D(2026, 11, 27))
    )


def test_demo_case_flags_care_leavers_support_ended_without_support_to_follow(demo: Case) -> None:
    flags = flags_of(demo, D(2026, 11, 27), "service_ending")
    assert len(flags) == 1
    assert flags[0].message.startswith("Care leavers' support for Jo Example ended on 30 June 2026")


def test_demo_case_prompts_the_bruising_protocol_for_a_baby_under_one(demo: Case) -> None:
    (flag,) = flags_of(demo, D(2026, 11, 27), "baby_checks")
    assert "under one" in flag.message and "bruising protocol" in flag.message
    assert "medical professional" in flag.message and "24 September 2026" in flag.message


def test_demo_case_flags_are_most_serious_first(demo: Case) -> None:
    severities = [f.severity for f in case_flags(demo, SETTINGS, D(2026, 11, 27))]
    assert severities == sorted(severities, key=["high", "medium", "info"].index)
    assert {"assessment_overdue", "core_group_overdue", "child_not_seen", "over_optimism"} <= {
        f.kind for f in case_flags(demo, SETTINGS, D(2026, 11, 27))
    }


def test_an_unanswered_concern_is_high_once_a_meeting_has_passed_without_a_response() -> None:
    concern = Concern(
        id=1,
        received_on=D(2027, 3, 5),
        source_kind=SourceKind.ANONYMOUS,
        source="Sample Helpline",
        reported="Noise at night.",
    )
    case = a_case(concerns=[concern])
    (before,) = flags_of(case, D(2027, 3, 8), "concern_unanswered")
    assert before.severity == "medium"
    assert "anonymous referrer (passed on by Sample Helpline)" in before.message
    case.meetings.append(held(1, D(2027, 3, 12)))
    (after,) = flags_of(case, D(2027, 3, 15), "concern_unanswered")
    assert after.severity == "high" and "12 March 2027" in after.message
    concern.response = "Unannounced visit agreed."
    assert flags_of(case, D(2027, 3, 15), "concern_unanswered") == []


def test_an_assessment_carried_forward_is_flagged_even_before_it_is_due() -> None:
    case = a_case(
        meetings=[held(1, D(2027, 3, 12))],
        actions=[
            Action(
                number=1,
                text="Parenting assessment",
                type=ActionType.PARENTING_ASSESSMENT,
                raised_at=1,
                due=D(2027, 5, 1),
                times_carried_forward=2,
            )
        ],
    )
    (flag,) = flags_of(case, D(2027, 4, 9), "assessment_carried_forward")
    assert "carried forward twice" in flag.message and flag.severity == "high"
    case.actions[0].due = D(2027, 4, 1)
    (flag,) = flags_of(case, D(2027, 4, 9), "assessment_overdue")
    assert "was due on 1 April 2027" in flag.message


def test_adults_without_an_assessment_are_flagged_unless_one_is_not_needed_or_under_way() -> None:
    case = a_case(
        people=[
            Person(id=1, name="Pat Sample", relationship=Relationship.GRANDPARENT, gender=Gender.FEMALE),
            Person(
                id=2, name="Jo Sample", relationship=Relationship.MOTHER, assessment_status=AssessmentStatus.IN_PROGRESS
            ),
            Person(
                id=3,
                name="Kim Sample",
                relationship=Relationship.FAMILY_FRIEND,
                assessment_status=AssessmentStatus.NOT_NEEDED,
                assessment_not_needed_reason="Visits once a year.",
            ),
            Person(id=4, name="Ray Sample", relationship=Relationship.SIBLING, gender=Gender.MALE),
        ]
    )
    flags = [f for f in case_flags(case, SETTINGS, D(2027, 3, 5)) if f.kind.endswith("not_assessed")]
    assert [(f.kind, f.severity) for f in flags] == [("adult_not_assessed", "medium")]
    assert flags[0].message.startswith("Pat Sample (grandparent) has not been assessed.")


def test_repeated_online_only_contact_is_flagged() -> None:
    dad = Person(id=1, name="Sam Sample", relationship=Relationship.FATHER, assessment_status=AssessmentStatus.PLANNED)
    case = a_case(
        people=[dad],
        meetings=[
            held(
                1,
                D(2027, 3, 12),
                came("Sam Sample", AttendanceMode.ONLINE, person_id=1),
                mode=MeetingMode.ONLINE,
                mode_reason="Snow.",
            ),
            held(
                2,
                D(2027, 4, 9),
                came("Sam Sample", AttendanceMode.PHONE, person_id=1),
                mode=MeetingMode.ONLINE,
                mode_reason="Room booked out.",
            ),
        ],
    )
    flags = case_flags(case, SETTINGS, D(2027, 4, 12))
    assert any(f.kind == "online_meetings" and "last 2 core groups were held online" in f.message for f in flags)
    (person,) = [f for f in flags if f.kind == "attended_only_online"]
    assert "Sam Sample has only ever joined core groups online or by phone" in person.message
    case.meetings[1].mode = MeetingMode.IN_PERSON
    case.meetings[1].attendees[0].mode = AttendanceMode.IN_PERSON
    assert not any(f.kind.startswith(("online", "attended_only")) for f in case_flags(case, SETTINGS, D(2027, 4, 12)))


def test_a_service_ending_within_four_weeks_without_a_successor_is_flagged() -> None:
    ending = Service(id=1, name="Family support worker", for_whom="Jo Sample", end_date=D(2027, 4, 20))
    later = Service(id=2, name="Parenting course", end_date=D(2027, 6, 1))
    followed = Service(id=3, name="Drug service", end_date=D(2027, 3, 31), successor="Community recovery group")
    case = a_case(services=[ending, later, followed])
    (flag,) = flags_of(case, D(2027, 4, 1), "service_ending")
    assert flag.message.startswith("Family support worker for Jo Sample ends on 20 April 2027")


def test_a_non_mobile_child_over_one_still_gets_the_bruising_prompt_and_an_unborn_child_the_pre_birth_one() -> None:
    child = Child(id=1, name="Alex Sample", date_of_birth=D(2025, 1, 1), mobility=Mobility.NON_MOBILE)
    case = a_case(children=[child])
    (flag,) = flags_of(case, D(2027, 3, 5), "baby_checks")
    assert "not yet mobile" in flag.message and "No date is recorded" in flag.message
    child.mobility = Mobility.MOBILE
    assert flags_of(case, D(2027, 3, 5), "baby_checks") == []
    unborn = a_case(
        children=[Child(id=1, name="Unborn baby of Jo Sample", due_date=D(2027, 6, 1), mobility=Mobility.UNBORN)]
    )
    (pre_birth,) = flags_of(unborn, D(2027, 3, 5), "pre_birth")
    assert "due 1 June 2027" in pre_birth.message


def test_rising_scaling_lists_the_risks_still_open() -> None:
    dad = Person(id=1, name="Sam Sample", relationship=Relationship.FATHER, risks="Not seen since the spring.")
    first = held(1, D(2027, 3, 12), scaling=[Scaling(name="Jo Sample", score=3), Scaling(name="Robin Worker", score=2)])
    second = held(
        2,
        D(2027, 4, 9),
        scaling=[
            Scaling(name="Jo Sample", score=6),
            Scaling(name="Robin Worker", score=4),
            Scaling(name="New Person", score=0),
        ],
    )
    case = a_case(
        people=[dad],
        meetings=[first, second],
        actions=[Action(number=1, text="Assess Sam Sample", raised_at=1)],
        concerns=[Concern(id=1, received_on=D(2027, 4, 1), reported="Shouting heard.")],
    )
    assert scaling_rose(case, second)  # the newcomer's 0 does not hide the rise of those who scaled both times
    assert not scaling_rose(case, first)
    risks = [r.text for r in open_risks_detailed(case)]
    assert risks == [
        "Sam Sample (father): Not seen since the spring",
        "Sam Sample has not been assessed",
        "Action 1 is not done (Assess Sam Sample)",
        "The concern received on 1 April 2027 has no response",
    ]
    (flag,) = flags_of(case, D(2027, 4, 12), "over_optimism")
    assert "Scaling rose from 2.5 to 5.0" in flag.message
    assert all(risk in flag.message for risk in risks)
    second.scaling[0].score = 1
    second.scaling[1].score = 2
    assert not scaling_rose(case, second)
    assert flags_of(case, D(2027, 4, 12), "over_optimism") == []


def test_overdue_core_group_and_child_not_seen_are_flagged() -> None:
    meeting = held(1, D(2027, 3, 12), next_meeting_date=D(2027, 4, 9))
    meeting.steps = start_meeting(a_case(), AGENDA, date=D(2027, 3, 12)).steps
    case = a_case(meetings=[meeting])
    case.visits = [Visit(id=1, date=D(2027, 3, 10), children=[ChildAtVisit(child_id=c.id) for c in case.children])]
    assert flags_of(case, D(2027, 4, 9), "core_group_overdue") == []
    (late,) = flags_of(case, D(2027, 4, 12), "core_group_overdue")
    assert late.message == "The next core group was due by 9 April 2027 and has not been held."
    # Seen 10 March; 15 working days, leaving out Good Friday and Easter Monday, run to 2 April.
    assert flags_of(case, D(2027, 4, 2), "child_not_seen") == []
    (unseen,) = flags_of(case, D(2027, 4, 5), "child_not_seen")
    assert "Alex Sample was last seen on 10 March 2027, 16 working days ago" in unseen.message


def test_plan_drift_is_flagged() -> None:
    case = a_case(icpc_date=D(2025, 1, 15))
    (flag,) = flags_of(case, D(2026, 11, 1), "plan_drift")
    assert "21 months" in flag.message


def test_a_meeting_field_typed_at_its_step_counts_as_that_steps_record(demo: Case) -> None:
    """Dissent typed in the meeting's own dissent box is the step's record: no 'no notes' problem."""
    agenda = load_agenda()
    case = demo
    meeting = start_meeting(case, agenda, date=dt.date(2026, 11, 27))
    keys = {p.step_key for p in finish_problems(case, meeting, agenda) if p.kind == "no_notes"}
    assert {"dissent", "actions_contingency", "next_dates"} <= keys
    meeting.dissent = "Jo Example disagrees with the plan for evening visits."
    meeting.contingency_plan = "If visits are refused twice, a strategy discussion the same day."
    keys = {p.step_key for p in finish_problems(case, meeting, agenda) if p.kind == "no_notes"}
    assert "dissent" not in keys and "actions_contingency" not in keys
    assert "next_dates" in keys
    dissent = next(s for s in meeting.steps if s.key == "dissent")
    assert step_complete(meeting, dissent, agenda)


# -- restricted flags: a flag naming anything the family must not see is restricted ---------------


def _optimism(case: Case) -> Flag:
    """The over-optimism flag naming the restricted risks if there are any, else the only one. The
    warning itself is always in one flag the family may see, which names none of them (issue 10)."""
    flags = flags_of(case, D(2026, 11, 20), "over_optimism")
    (shared,) = [f for f in flags if not f.restricted]
    withheld = [f for f in flags if f.restricted]
    assert len(withheld) <= 1
    assert not any(r.text in shared.message for r in open_risks_detailed(case) if r.restricted)
    return withheld[0] if withheld else shared


def test_the_optimism_flag_is_restricted_when_it_names_a_restricted_person_with_no_risk_text(demo: Case) -> None:
    max_ = next(p for p in demo.people if p.name == "Max Fictional")
    assert max_.restricted
    max_.risks = ""  # only "has not been assessed" names him now
    flag = _optimism(demo)
    assert "Max Fictional has not been assessed" in flag.message
    assert flag.restricted
    detailed = {r.text: r.restricted for r in open_risks_detailed(demo)}
    assert detailed["Max Fictional has not been assessed"] is True
    jo = next(text for text in detailed if text.startswith("Jo Example (mother)"))
    assert detailed[jo] is False


def test_the_optimism_flag_is_restricted_when_it_names_a_restricted_action_or_unshareable_concern(demo: Case) -> None:
    for p in demo.people:
        p.restricted = False
        p.risks = ""
    assert not _optimism(demo).restricted  # concern 2 is unshareable but answered: not named
    demo.actions.append(Action(number=6, text="Quietly check the spare room.", due=D(2026, 12, 1), restricted=True))
    flag = _optimism(demo)
    assert "Action 6 is not done (Quietly check the spare room)" in flag.message
    assert flag.restricted
    demo.actions.pop()
    concern = next(c for c in demo.concerns if c.id == 2)
    assert not concern.shareable
    concern.response = ""
    flag = _optimism(demo)
    assert "The concern received on 20 September 2026 has no response" in flag.message
    assert flag.restricted


def test_an_action_for_a_restricted_person_is_a_restricted_risk(demo: Case) -> None:
    max_ = next(p for p in demo.people if p.name == "Max Fictional")
    number = demo.next_number("actions")
    demo.actions.append(Action(number=number, text="Find out who visits on Fridays.", person_id=max_.id))
    (risk,) = [r for r in open_risks_detailed(demo) if r.text.startswith(f"Action {number}")]
    assert risk.restricted


def test_only_online_is_restricted_for_a_restricted_person() -> None:
    visitor = Person(
        id=1,
        name="Max Fictional",
        relationship=Relationship.REGULAR_VISITOR,
        gender=Gender.MALE,
        restricted=True,
        assessment_status=AssessmentStatus.PLANNED,
    )
    case = a_case(
        people=[visitor],
        meetings=[
            held(
                1,
                D(2027, 3, 12),
                came("Max Fictional", AttendanceMode.PHONE, person_id=1, agency="Family"),
                came("Robin Worker", AttendanceMode.ONLINE, agency="Sample School"),
            ),
            held(
                2,
                D(2027, 4, 9),
                came("Max Fictional", AttendanceMode.ONLINE, person_id=1, agency="Family"),
                came("Robin Worker", AttendanceMode.ONLINE, agency="Sample School"),
            ),
        ],
    )
    by_name = {f.message.split(" has ")[0]: f for f in flags_of(case, D(2027, 4, 12), "attended_only_online")}
    assert by_name["Max Fictional"].restricted
    assert not by_name["Robin Worker"].restricted


def test_any_flag_whose_words_name_a_restricted_person_is_restricted() -> None:
    visitor = Person(
        id=1,
        name="Max Fictional",
        relationship=Relationship.REGULAR_VISITOR,
        gender=Gender.MALE,
        restricted=True,
        assessment_status=AssessmentStatus.PLANNED,
    )
    case = a_case(
        people=[visitor],
        services=[Service(id=1, name="Drug and alcohol support", for_whom="max fictional", end_date=D(2027, 4, 20))],
        actions=[
            Action(number=1, text="Check the spare room.", due=D(2027, 4, 1), restricted=True),
            Action(number=2, text="Book the room.", due=D(2027, 4, 1)),
        ],
    )
    (service,) = flags_of(case, D(2027, 4, 12), "service_ending")
    assert service.restricted
    shared, withheld = flags_of(case, D(2027, 4, 12), "action_overdue")  # split: 1 never hides 2
    assert "Action 2 is past the due date" in shared.message and not shared.restricted
    assert "Action 1 is past the due date" in withheld.message and withheld.restricted


# -- invisible men: gender not recorded, and men kept away for safety -----------------------------


def test_a_partner_with_no_gender_recorded_is_caught_by_the_man_checks() -> None:
    partner = Person(id=1, name="Robin Example", relationship=Relationship.MOTHERS_PARTNER)
    friend = Person(id=2, name="Kit Example", relationship=Relationship.FAMILY_FRIEND, gender=Gender.FEMALE)
    case = a_case(people=[partner, friend])
    meeting = held(1, D(2027, 3, 12))
    assert [p.name for p in men_not_invited(case, meeting)] == ["Robin Example"]
    (gender,) = flags_of(case, D(2027, 3, 12), "gender_not_recorded")
    assert gender.severity == "high"
    assert gender.message.startswith(
        "Gender is not recorded for Robin Example (mother's partner): is this a man in the child's life?"
    )
    (unassessed,) = flags_of(case, D(2027, 3, 12), "man_not_assessed")
    assert unassessed.severity == "high" and "Robin Example" in unassessed.message
    partner.gender = Gender.FEMALE
    assert flags_of(case, D(2027, 3, 12), "gender_not_recorded") == []
    assert men_not_invited(case, meeting) == []


def test_a_man_not_invited_for_a_recorded_safety_reason_is_listed_apart() -> None:
    dad = Person(
        id=1,
        name="Sam Sample",
        relationship=Relationship.FATHER,
        gender=Gender.MALE,
        invited_to_core_group=False,
        safety_note="Not to be in the same room as Jo Sample (fictional).",
        assessment_status=AssessmentStatus.PLANNED,
    )
    carer = Person(
        id=2,
        name="Lee Sample",
        relationship=Relationship.MALE_CARER,
        gender=Gender.MALE,
        invited_to_core_group=True,
        safety_note="Attend at a different time from Sam Sample.",
        assessment_status=AssessmentStatus.PLANNED,
    )
    case = a_case(people=[dad, carer])
    meeting = held(1, D(2027, 3, 12))
    assert [p.name for p in men_not_invited(case, meeting)] == ["Lee Sample"]
    assert [p.name for p in men_not_invited_for_safety(case, meeting)] == ["Sam Sample"]
    (flag,) = flags_of(case, D(2027, 3, 12), "not_invited_for_safety")
    assert flag.severity == "info"
    assert flag.message == (
        "Sam Sample (father) is not invited to core groups: a safety note is recorded. "
        "Who will see him separately, and how will his views reach the core group?"
    )
    assert "same room" not in flag.message  # the note itself may be sensitive: it is not read out
    dad.safety_note = " "
    assert [p.name for p in men_not_invited(case, meeting)] == ["Sam Sample", "Lee Sample"]
    assert men_not_invited_for_safety(case, meeting) == []


# -- timescales the council sets: next date, before the review, minutes sent -----------------------


def test_a_next_date_set_beyond_the_councils_interval_is_flagged() -> None:
    case = a_case(meetings=[held(1, D(2027, 3, 12), next_meeting_date=D(2027, 5, 21))])  # ten weeks on
    (flag,) = flags_of(case, D(2027, 3, 12), "next_date_beyond_interval")
    assert flag.severity == "medium"
    assert flag.message == (
        "Meeting 1 set the next core group for 21 May 2027, more than 4 weeks after it. Core groups are held "
        "at least every 4 weeks: the next is due by 9 April 2027."
    )
    case.meetings[0].next_meeting_date = D(2027, 4, 9)
    assert flags_of(case, D(2027, 3, 12), "next_date_beyond_interval") == []
    six_weekly = Settings(timescales=Timescales(core_group_interval_weeks=6))
    case.meetings[0].next_meeting_date = D(2027, 4, 23)
    assert [f.kind for f in case_flags(case, six_weekly, D(2027, 3, 12)) if f.kind == "next_date_beyond_interval"] == []


def test_a_last_core_group_too_close_to_a_booked_review_is_flagged() -> None:
    # Review Friday 23 April 2027; ten working days before it is Friday 9 April.
    case = a_case(
        review_conferences=[D(2027, 4, 23)],
        meetings=[held(1, D(2027, 3, 19), next_meeting_date=D(2027, 4, 16))],
    )
    (flag,) = flags_of(case, D(2027, 3, 19), "core_group_before_review")
    assert flag.severity == "high"
    assert flag.message == (
        "The next core group (16 April 2027) is 5 working days before the review conference on 23 April 2027. "
        "The last core group must be at least 10 working days before it: hold it by 9 April 2027."
    )
    case.meetings[0].next_meeting_date = D(2027, 4, 9)
    assert flags_of(case, D(2027, 3, 19), "core_group_before_review") == []
    case.meetings[0].next_meeting_date = D(2027, 4, 16)
    shorter = Settings(timescales=Timescales(before_review_working_days=5))
    assert [f for f in case_flags(case, shorter, D(2027, 3, 19)) if f.kind == "core_group_before_review"] == []


def test_minutes_not_sent_within_the_councils_working_days_are_flagged() -> None:
    # Meeting Friday 12 March 2027: five working days later is Friday 19 March.
    case = a_case(meetings=[held(1, D(2027, 3, 12), next_meeting_date=D(2027, 4, 9))])
    assert flags_of(case, D(2027, 3, 19), "minutes_not_circulated") == []
    (flag,) = flags_of(case, D(2027, 3, 22), "minutes_not_circulated")
    assert flag.severity == "high"
    assert flag.message.startswith("The minutes of meeting 1 (12 March 2027) are not recorded as sent to anyone.")
    assert "within 5 working days" in flag.message
    case.meetings[0].distribution.append(
        Distribution(recipient="Jo Sample", copy_type=CopyType.FAMILY, sent_on=D(2027, 3, 15))
    )
    assert flags_of(case, D(2027, 3, 22), "minutes_not_circulated") == []
    case.meetings[0].status = MeetingStatus.IN_PROGRESS
    case.meetings[0].distribution.clear()
    assert flags_of(case, D(2027, 3, 22), "minutes_not_circulated") == []


def test_the_online_pattern_counts_every_online_meeting_in_a_row_and_the_one_in_progress() -> None:
    """Three core groups held online, then a fourth started online with no reason typed yet (so
    still recorded 'in person'): the flag says four, not 'the last 2', and does not vanish."""
    from meetings.domain.records import AttendanceMode, AttendanceStatus, Attendee, Meeting, MeetingMode

    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    case = schema.load(Case, raw)
    for meeting in case.meetings:
        meeting.mode, meeting.mode_reason = MeetingMode.ONLINE, "Fictional reason"
    case.meetings.append(
        Meeting(number=3, date=dt.date(2026, 10, 29), mode=MeetingMode.ONLINE, mode_reason="Fictional reason",
                status=MeetingStatus.FINISHED)
    )  # fmt: skip
    online = [Attendee(name="Alex Chair (fictional)", status=AttendanceStatus.ATTENDED, mode=AttendanceMode.ONLINE)]
    case.meetings.append(Meeting(number=4, date=dt.date(2026, 11, 20), attendees=online))
    messages = [f.message for f in case_flags(case, Settings(), dt.date(2026, 11, 20))]
    assert any("The last 4 core groups were held online (including the one in progress)" in m for m in messages)
