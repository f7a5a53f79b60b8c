"""Issue 10, points 2 and 5: planning before the birth, checked against the council's pre-birth
timescales and kept in view after the birth; the birth recorded in one save with its follow-up
prompted; over-optimism never hidden by one restricted risk, judged against the whole history of
the scaling, drawn as a trend, and printed with the core group's answer in the minutes.

Fictional cases only. Names and dates are made up; every date is worked out by hand in a comment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import docx
import pytest
from textual.widgets import Static
from tui_helpers import burst, case_on_disk, human, open_walkthrough, put, save_now, shown_body, wait_until

from meetings.domain import schema
from meetings.domain.agenda import StepRole, load_agenda
from meetings.domain.analysis import scaling_rose
from meetings.domain.family import Restrictions
from meetings.domain.flags import Flag, FlagKind, case_flags, flags_at
from meetings.domain.lifecycle import start_meeting
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    CopyType,
    Meeting,
    MeetingStatus,
    Mobility,
    Person,
    PlanCategory,
    RaisedFlag,
    Relationship,
    Scaling,
)
from meetings.domain.settings import Settings, SettingsError, settings_from
from meetings.domain.timescales import first_review_due
from meetings.domain.visibility import Audience, Visibility
from meetings.exports.minutes import write_minutes
from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

D = dt.date
SETTINGS = Settings()
AGENDA = load_agenda()
UNBORN_ID = "SAMPLE-0042"


def a_case(**changes: Any) -> Case:
    values: dict[str, Any] = {
        "id": "TEST-10",
        "children": [Child(id=1, name="Unborn baby of Kit Example", due_date=D(2027, 3, 26), mobility=Mobility.UNBORN)],
        "plan_categories": [PlanCategory.NEGLECT],
        "icpc_date": D(2027, 1, 8),
    }
    values.update(changes)
    return Case(**values)


def pre_birth_assessment(**changes: Any) -> Action:
    values: dict[str, Any] = {
        "number": 1,
        "text": "Pre-birth assessment of Kit Example, in person, at home",
        "type": ActionType.PRE_BIRTH_ASSESSMENT,
        "due": D(2027, 3, 12),
    }
    values.update(changes)
    return Action(**values)


def at_step(case: Case, role: StepRole, today: dt.date, settings: Settings = SETTINGS) -> list[Flag]:
    return flags_at(role, case_flags(case, settings, today))


def as_the_chair_first_sees(flags: list[Flag]) -> list[str]:
    """The flags' words on a screen the family may see (restricted flags hidden until f8)."""
    screen = Visibility(Audience.SCREEN_HIDDEN, Restrictions(True, frozenset(), ()))  # flags mark themselves
    return [f.message for f in flags if screen.shows(f)]  # in full: a restricted one is only said or counted


# -- point 2: the pre-birth timescales ---------------------------------------------------------------


def test_a_pre_birth_conference_after_the_configured_week_is_flagged_at_the_childs_step() -> None:
    # Due 26 March 2027: week 34 ends six weeks earlier, on 12 February. Held 26 February, two
    # weeks (10 working days, no bank holiday between) late.
    case = a_case(pre_birth_conference_on=D(2027, 2, 26), actions=[pre_birth_assessment()])
    (late,) = [f for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 3, 1)) if "conference" in f.message]
    assert late.kind is FlagKind.PRE_BIRTH
    assert "held on 26 February 2027, 10 working days late" in late.message
    assert "due by 12 February 2027 (week 34 of pregnancy" in late.message
    # A council that holds it by week 36 (due 26 February): on time, nothing to flag.
    week_36 = settings_from({"timescales": {"pre_birth_conference_week": 36}})
    assert week_36.timescales.pre_birth_conference_week == 36
    assert not [f for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 3, 1), week_36) if "conference" in f.message]
    with pytest.raises(SettingsError, match="week of pregnancy"):
        settings_from({"timescales": {"pre_birth_conference_week": 41}})


def test_six_weeks_after_the_birth_the_case_still_shows_whether_the_pre_birth_plan_happened_on_time() -> None:
    from meetings.domain.prebirth import plan_lines, pre_birth_plans

    # No pre-birth conference recorded apart: the ICPC of 25 February 2027, in the pregnancy, was
    # it (13 days after week 34: 9 working days late). Born Monday 22 March 2027; ten working days,
    # leaving out Good Friday (26 March) and Easter Monday (29 March), run to Wednesday 7 April,
    # sooner than three months after the conference (25 May). The review held 9 April: 2 days late.
    baby = Child(id=1, name="Robin Example", due_date=D(2027, 3, 26), date_of_birth=D(2027, 3, 22),
                 mobility=Mobility.NON_MOBILE)  # fmt: skip
    done = pre_birth_assessment(status=ActionStatus.DONE, completed_on=D(2027, 3, 10),
                                evidence="Findings: Kit can meet the baby's needs with daily support.",
                                decision_informed="The baby goes home with Kit, with daily visits.")  # fmt: skip
    case = a_case(children=[baby], icpc_date=D(2027, 2, 25), actions=[done], review_conferences=[D(2027, 4, 9)])
    six_weeks_old = D(2027, 5, 3)
    (plan,) = pre_birth_plans(case, SETTINGS, six_weeks_old)
    lines = {line.label: line for line in plan_lines(plan, SETTINGS, six_weeks_old)}
    assert lines["Pre-birth conference"].text == (
        "the initial conference on 25 February 2027, 9 working days late: "
        "it was due by 12 February 2027 (week 34 of pregnancy)"
    )
    assert lines["Pre-birth conference"].problem
    assert lines["Pre-birth assessment"].text == "action 1 completed on 10 March 2027, before the birth"
    assert not lines["Pre-birth assessment"].problem
    assert lines["First review after the birth"].text == (
        "held on 9 April 2027, 2 working days late (due by 7 April 2027)"
    )
    assert first_review_due(case, SETTINGS) == D(2027, 4, 7)


def test_the_first_review_after_a_late_birth_is_due_three_months_after_the_conference() -> None:
    from meetings.domain.prebirth import plan_lines, pre_birth_plans

    # Conference 5 January 2027 (recorded apart from an ICPC a year before); born late, on 30 March:
    # three months after the conference (5 April) is sooner than ten working days after the birth.
    baby = Child(id=1, name="Robin Example", due_date=D(2027, 3, 15), date_of_birth=D(2027, 3, 30))
    case = a_case(children=[baby], icpc_date=D(2026, 1, 12), pre_birth_conference_on=D(2027, 1, 5))
    (plan,) = pre_birth_plans(case, SETTINGS, D(2027, 4, 20))
    review = next(line for line in plan_lines(plan, SETTINGS, D(2027, 4, 20)) if line.label.startswith("First review"))
    assert review.text == "not held: it was due by 5 April 2027"
    assert review.problem


def test_a_pre_birth_assessment_still_open_after_the_birth_is_flagged_as_never_completed() -> None:
    baby = Child(id=1, name="Robin Example", due_date=D(2027, 3, 26), date_of_birth=D(2027, 3, 22))
    case = a_case(children=[baby], actions=[pre_birth_assessment(status=ActionStatus.IN_PROGRESS)])
    flags = at_step(case, StepRole.CHILDS_VOICE, D(2027, 4, 2))
    (never,) = [f for f in flags if "never completed" in f.message]
    assert never.kind is FlagKind.PRE_BIRTH and not never.restricted
    assert "Robin Example was born on 22 March 2027, but the pre-birth assessment (action 1)" in never.message
    case.actions[0].restricted = True  # a restricted action: the flag naming it is restricted too
    (never,) = [f for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 4, 2)) if "never completed" in f.message]
    assert never.restricted
    # Still unborn, an open assessment is no such flag; with none at all, the existing prompt stays.
    case.children[0].date_of_birth = None
    assert not [f for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 3, 1)) if "never completed" in f.message]
    case.actions = []
    assert any(
        "no pre-birth assessment is recorded" in f.message for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 3, 1))
    )


def test_recording_a_birth_prompts_the_birth_plans_follow_up_until_it_is_recorded() -> None:
    from meetings.domain.prebirth import as_born

    typed = {"name": "Robin Example", "date_of_birth": "2027-03-22", "mobility": "unborn"}
    assert as_born(typed, D(2027, 3, 23))["mobility"] == "non_mobile"  # a newborn is not yet mobile
    assert as_born(typed, D(2028, 3, 23))["mobility"] == "not_recorded"  # a year on: the chair says
    assert as_born({**typed, "date_of_birth": None}, D(2027, 3, 23))["mobility"] == "unborn"
    baby = Child(id=1, name="Robin Example", due_date=D(2027, 3, 26), date_of_birth=D(2027, 3, 22))
    case = a_case(children=[baby], actions=[pre_birth_assessment()])
    (follow_up,) = [f for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 3, 24)) if f.kind == "birth_follow_up"]
    assert (
        "Not yet recorded: the discharge plan, who is at home with the baby and the first home visit"
        in follow_up.message
    )
    baby.discharge_plan = "Home with Kit on day 2; midwife visits daily for a week."
    baby.at_home = "Kit Example and the maternal grandmother, Pat Example."
    (follow_up,) = [f for f in at_step(case, StepRole.CHILDS_VOICE, D(2027, 3, 24)) if f.kind == "birth_follow_up"]
    assert "Not yet recorded: the first home visit" in follow_up.message
    baby.first_visit_on = D(2027, 3, 25)
    assert not [f for f in case_flags(case, SETTINGS, D(2027, 3, 24)) if f.kind == "birth_follow_up"]


# -- point 5: over-optimism ----------------------------------------------------------------------------


def _scaled(number: int, day: dt.date, *scores: tuple[str, int], **more: Any) -> Meeting:
    attendees = [Attendee(name=n, status=AttendanceStatus.ATTENDED, mode=AttendanceMode.IN_PERSON) for n, _ in scores]
    return Meeting(number=number, date=day, attendees=attendees, scaling=[Scaling(name=n, score=s) for n, s in scores],
                   status=MeetingStatus.FINISHED, **more)  # fmt: skip


def optimistic_case() -> Case:
    """Three meetings: scaling 3, then 6, then 6 again (flat); one risk the family may see and
    one restricted (a restricted regular visitor)."""
    jo = Person(id=1, name="Jo Sample", relationship=Relationship.MOTHER, risks="Drinks heavily at weekends.")
    max_ = Person(id=2, name="Max Fictional", relationship=Relationship.REGULAR_VISITOR, restricted=True,
                  risks="Identity and role not known.")  # fmt: skip
    meetings = [
        _scaled(1, D(2027, 1, 15), ("Jo Sample", 3), ("Robin Worker", 3)),
        _scaled(2, D(2027, 2, 12), ("Jo Sample", 6), ("Robin Worker", 6)),
        _scaled(3, D(2027, 3, 12), ("Jo Sample", 6), ("Robin Worker", 6)),
    ]
    child = Child(id=1, name="Wren Sample", date_of_birth=D(2024, 6, 1), mobility=Mobility.MOBILE)
    return a_case(children=[child], people=[jo, max_], meetings=meetings)


def test_one_restricted_risk_does_not_hide_the_over_optimism_warning() -> None:
    case = optimistic_case()
    flags = at_step(case, StepRole.ANALYSIS, D(2027, 3, 15))
    shown = as_the_chair_first_sees(flags)
    (warning,) = shown
    assert "Jo Sample (mother): Drinks heavily at weekends" in warning
    assert "Max Fictional" not in warning and "Is the group being too optimistic?" in warning
    (restricted,) = [f for f in flags if f.restricted]
    assert "Max Fictional (regular visitor): Identity and role not known" in restricted.message
    assert "Max Fictional has not been assessed" in restricted.message


def test_every_open_risk_is_listed_none_cut_after_ten() -> None:
    case = optimistic_case()
    # Not "Fictional task": a capitalised word that is a restricted person's surname (Max Fictional) is
    # taken for his name, on screen as in the family copy.
    case.actions = [Action(number=n, text=f"Made-up task number {n}") for n in range(1, 15)]
    (warning,) = as_the_chair_first_sees(at_step(case, StepRole.ANALYSIS, D(2027, 3, 15)))
    assert all(f"Action {n} is not done (Made-up task number {n})" in warning for n in range(1, 15))
    assert "more." not in warning


def test_a_rise_after_one_flat_meeting_is_still_a_rise_against_the_whole_history() -> None:
    case = optimistic_case()
    third = case.meetings[2]
    assert scaling_rose(case, third)  # 6 and 6 again: flat against meeting 2, a rise against meeting 1
    (warning,) = as_the_chair_first_sees(at_step(case, StepRole.ANALYSIS, D(2027, 3, 15)))
    assert warning.startswith("Scaling rose from 3.0 to 6.0 at meeting 3 (against meeting 1")
    for s in third.scaling:
        s.score = 2  # below everything before: no rise
    assert not scaling_rose(case, third)
    assert not [f for f in case_flags(case, SETTINGS, D(2027, 3, 15)) if f.kind == "over_optimism"]


def test_each_persons_scaling_is_a_trend_in_meeting_order_restricted_people_marked() -> None:
    from meetings.domain.analysis import scaling_trends

    case = optimistic_case()
    case.meetings[1].scaling.append(Scaling(name="max  fictional", score=9))
    trends = {t.name: t for t in scaling_trends(case)}
    assert trends["Jo Sample"].points == ((1, 3), (2, 6), (3, 6))
    assert trends["max fictional"].points == ((2, 9),) and trends["max fictional"].restricted
    assert not trends["Jo Sample"].restricted
    assert [t.name for t in scaling_trends(case, case.meetings[0])] == ["Jo Sample", "Robin Worker"]


def _under_heading(path: Path, starts: str) -> str:
    """The text of the paragraphs under the heading starting `starts`, up to the next heading."""
    lines: list[str] = []
    inside = False
    for p in docx.Document(str(path)).paragraphs:
        if p.style is not None and p.style.name.startswith("Heading"):
            if inside:
                break
            inside = p.text.startswith(starts)
            continue
        if inside:
            lines.append(p.text)
    return "\n".join(lines)


def test_the_minutes_analysis_step_prints_the_warning_and_the_groups_answer_the_family_copy_its_shared_part(
    tmp_path: Path,
) -> None:
    case = optimistic_case()
    meeting = start_meeting(case, AGENDA, date=D(2027, 4, 9))  # meeting 4, in progress: worked out now
    meeting.scaling = [Scaling(name="Jo Sample", score=7), Scaling(name="Robin Worker", score=7)]
    analysis = next(s for s in meeting.steps if s.key == "analysis")
    analysis.notes = "We are not being too optimistic: the visits are unannounced and Jo is seen sober."
    case.meetings.append(meeting)
    full = write_minutes(case, 4, tmp_path / "full.docx", copy=CopyType.FULL, settings=SETTINGS)
    family = write_minutes(case, 4, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    step = "11. What is working well"
    full_text, family_text = _under_heading(full, step), _under_heading(family, step)
    assert "Over-optimism warning: Scaling rose from 3.0 to 7.0 at meeting 4 (against meeting 1" in full_text
    assert "Jo Sample (mother): Drinks heavily at weekends" in full_text
    assert "restricted risks" in full_text and "Max Fictional (regular visitor)" in full_text
    answer = "The core group's answer: We are not being too optimistic: the visits are unannounced"
    assert answer in full_text
    assert full_text.count("the visits are unannounced") == 1  # the notes, once, as the answer
    assert "Over-optimism warning: Scaling rose from 3.0 to 7.0" in family_text
    assert "Drinks heavily at weekends" in family_text and answer in family_text
    assert "Max Fictional" not in docx_all_text(family) and "restricted risks" not in family_text


def test_the_minutes_print_the_warning_as_kept_when_the_meeting_finished(tmp_path: Path) -> None:
    case = optimistic_case()
    third = case.meetings[2]
    third.steps = AGENDA.new_steps()
    next(s for s in third.steps if s.key == "analysis").notes = "Jo's drinking is discussed at every visit."
    kept = "Scaling rose from 3.0 to 6.0 at meeting 3, but these risks are still open: (1) as kept that day."
    third.flags_at_finish = [
        RaisedFlag(kind="over_optimism", message=kept, severity="medium"),
        RaisedFlag(kind="over_optimism", message="Restricted risks as kept: (1) Max Fictional.", restricted=True),
    ]
    third.recorded_at_finish = True
    case.people[0].risks = "Changed since: not what meeting 3 was told."
    full = _under_heading(write_minutes(case, 3, tmp_path / "f.docx", settings=SETTINGS), "11. What is working well")
    family_path = write_minutes(case, 3, tmp_path / "m.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    family = _under_heading(family_path, "11. What is working well")
    assert f"Over-optimism warning: {kept}" in full and "Restricted risks as kept" in full
    assert "Changed since" not in full
    assert f"Over-optimism warning: {kept}" in family and "Restricted risks as kept" not in family
    assert "The core group's answer: Jo's drinking is discussed at every visit." in family


def docx_all_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# -- as the chair sees it ---------------------------------------------------------------------------


def rendered(screen: Any, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


async def test_a_restricted_risk_does_not_hide_the_warning_as_the_chair_first_sees_it(
    store: Store, make_app: Any
) -> None:
    """The demo case: scaling rose at meeting 2 while a restricted visitor is among the risks."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        flags = rendered(app.screen, "#case-flags")
        assert "Scaling rose from 5.5 to 6.5 at meeting 2, but these risks are still open" in flags
        assert "Jo Example (mother)" in flags and "Is the group being too optimistic?" in flags
        assert "Max Fictional" not in flags
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "restricted risks still open too" in rendered(app.screen, "#case-flags"))
        assert "Max Fictional (regular visitor)" in rendered(app.screen, "#case-flags")
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "Max Fictional" not in rendered(app.screen, "#case-flags"))


async def test_each_persons_scaling_is_drawn_as_a_trend_at_the_analysis_step_and_on_the_overview(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        overview = rendered(app.screen, "#case-plan")
        assert "Scaling over the meetings" in overview and "Jo Example ▆▇ 7 8" in overview
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        step = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "analysis")
        await burst(pilot, *["ctrl+n"] * step)
        await wait_until(pilot, lambda: walk.index == step and walk.ready)
        trend = " ".join(str(shown_body(walk).query_one("#scaling-trend", Static).render()).split())
        assert "Scaling over the meetings" in trend
        assert "Meeting 1 2" in trend
        assert "Jo Example ▆▇ 7 8" in trend
        assert "Casey Visitor (fictional) ▄▅ 4 5" in trend
        assert "Alex Chair (fictional) ·▄ - 4" in trend
        flags = " ".join(str(shown_body(walk).query_one("#step-flags").render()).split())
        assert "Is the group being too optimistic?" in flags and "Max Fictional" not in flags


def unborn_case() -> Case:
    """A fictional case with an unborn baby, due 4 December 2026; a pre-birth assessment is open."""
    baby = Child(id=1, name="Unborn baby of Kit Example", due_date=D(2026, 12, 4), mobility=Mobility.UNBORN)
    return Case(
        id=UNBORN_ID,
        children=[baby],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=D(2026, 10, 1),
        lead_social_worker="Alex Sample (fictional)",
        actions=[
            Action(
                number=1,
                text="Pre-birth assessment of Kit Example",
                type=ActionType.PRE_BIRTH_ASSESSMENT,
                due=D(2026, 11, 27),
            )
        ],  # fmt: skip
    )


async def test_a_birth_recorded_in_the_child_form_saves_at_once_and_prompts_the_follow_up(
    tmp_path: Path, make_app: Any
) -> None:
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(unborn_case()))
    app = make_app(store)  # today: 20 November 2026
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        case_screen = app.screen
        await human(pilot, "2", "e")  # the Children tab; edit the baby
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        labels = " ".join(str(label.render()) for label in form.query(".form-label"))
        for label in ("After the birth: discharge plan", "Who is at home with the baby", "First home visit on"):
            assert label in labels
        await human(pilot, "tab")  # from the name to the date of birth
        await burst(pilot, *"2026-11-17")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        await save_now(pilot)
        child = case_on_disk(store, UNBORN_ID)["case"][0]["children"][0]
        assert (child["date_of_birth"], child["mobility"]) == ("2026-11-17", "non_mobile")
        flags = rendered(case_screen, "#case-flags")
        assert "was born on 17 November 2026: record the birth plan's follow-up" in flags
        assert "the pre-birth assessment (action 1) was never completed" in flags
        plan = rendered(case_screen, "#case-plan")
        assert "Before the birth" in plan
        assert "Birth: expected 4 December 2026; born 17 November 2026" in plan
        assert "Birth plan follow-up: not recorded" in plan

        await human(pilot, "e")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        put(app.screen, "#f-discharge_plan", "Home with Kit on day 2; midwife visits daily.")
        put(app.screen, "#f-at_home", "Kit Example and Pat Example (grandmother).")
        put(app.screen, "#f-first_visit_on", "2026-11-19")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        await wait_until(pilot, lambda: "birth plan's follow-up" not in rendered(case_screen, "#case-flags"))
        await save_now(pilot)
    child = case_on_disk(store, UNBORN_ID)["case"][0]["children"][0]
    assert child["first_visit_on"] == "2026-11-19" and child["at_home"].startswith("Kit Example")


async def test_the_plan_form_records_a_pre_birth_conference(tmp_path: Path, make_app: Any) -> None:
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(unborn_case()))
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        await human(pilot, "p")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        labels = " ".join(str(label.render()) for label in app.screen.query(".form-label"))
        assert "Pre-birth conference on" in labels
        put(app.screen, "#f-pre_birth_conference_on", "2026-10-29")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        # Due 4 December 2026: week 34 ends on 23 October; held 29 October, 4 working days late.
        await wait_until(pilot, lambda: "4 working days late" in rendered(app.screen, "#case-plan"))
        await save_now(pilot)
    assert case_on_disk(store, UNBORN_ID)["case"][0]["pre_birth_conference_on"] == "2026-10-29"
