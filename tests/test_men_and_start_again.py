"""Issue 12, points 4 and 5: the man no meeting ever sees (never on a core group's list, or left
off several in a row; "fathers and male carers invited: no" recorded meeting after meeting; a
person named in a domestic abuse notification with no risk assessment) and start-again
protection (the lead social workers' history, the summary a new lead is shown at the next core
group, and the minutes noting the change)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import docx
from textual.widgets import OptionList, Static
from tui_helpers import burst, case_on_disk, human, put, save_now, shown_body, wait_until

from meetings.domain import schema
from meetings.domain.agenda import StepRole, load_agenda
from meetings.domain.chronology import EventKind, chronology
from meetings.domain.family import Restrictions
from meetings.domain.flags import Flag, FlagKind, case_flags, flags_at
from meetings.domain.records import (
    Action,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    Concern,
    Gender,
    LeadWorker,
    Meeting,
    MeetingStatus,
    Person,
    PlanCategory,
    Relationship,
    SourceKind,
)
from meetings.domain.settings import Settings
from meetings.domain.visibility import Audience, Visibility
from meetings.exports.brief import write_brief
from meetings.exports.minutes import write_minutes
from meetings.storage.store import Store
from tui.cli import main
from tui.screens.case import CaseScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

D = dt.date
SETTINGS = Settings()
AGENDA = load_agenda()
CASE_ID = "TEST-12"


def held(number: int, day: dt.date, *attendees: Attendee, fathers_invited: bool | None = True) -> Meeting:
    """A finished core group with `attendees` on its list and the membership step's answer."""
    meeting = Meeting(
        number=number, date=day, chair="Alex Chair", attendees=list(attendees), status=MeetingStatus.FINISHED,
        steps=AGENDA.new_steps(),
    )  # fmt: skip
    for step in meeting.steps:
        if AGENDA.role_of(step) is StepRole.MEMBERSHIP and fathers_invited is not None:
            step.answers["fathers_invited"] = fathers_invited
    return meeting


def mother() -> Attendee:
    return Attendee(name="Wren Example", agency="Family", person_id=1, status=AttendanceStatus.ATTENDED,
                    mode=AttendanceMode.IN_PERSON)  # fmt: skip


def social_worker() -> Attendee:
    return Attendee(name="Alex Chair", role="Social worker", agency="Children's services",
                    status=AttendanceStatus.ATTENDED, mode=AttendanceMode.IN_PERSON)  # fmt: skip


def a_case(**changes: Any) -> Case:
    values: dict[str, Any] = {
        "id": CASE_ID,
        "children": [Child(id=1, name="Max Fictional", date_of_birth=D(2022, 5, 1))],
        "plan_categories": [PlanCategory.NEGLECT],
        "icpc_date": D(2026, 2, 20),
        "lead_social_worker": "Alex Chair",
        "people": [
            Person(id=1, name="Wren Example", relationship=Relationship.MOTHER, gender=Gender.FEMALE),
            Person(id=2, name="Jordan Pike", relationship=Relationship.FATHER, gender=Gender.MALE),
        ],
    }
    values.update(changes)
    return Case(**values)


def monthly(count: int, first: dt.date, **answers: Any) -> list[Meeting]:
    """`count` core groups four weeks apart from `first`, the mother and social worker on each list."""
    return [held(n, first + dt.timedelta(weeks=4 * (n - 1)), mother(), social_worker(), **answers)
            for n in range(1, count + 1)]  # fmt: skip


def at_membership(case: Case, today: dt.date) -> list[Flag]:
    return flags_at(StepRole.MEMBERSHIP, case_flags(case, SETTINGS, today))


def as_the_chair_first_sees(flags: list[Flag]) -> list[str]:
    screen = Visibility(Audience.SCREEN_HIDDEN, Restrictions(True, frozenset(), ()))  # flags mark themselves
    return [f.message for f in flags if screen.shows(f)]  # in full: a restricted one is only said or counted


# ----- point 4: the man no meeting ever sees ---------------------------------------------------


def test_a_father_on_no_list_of_twelve_core_groups_is_flagged_with_the_count_and_the_date() -> None:
    case = a_case(meetings=monthly(12, D(2026, 3, 3)))
    words = as_the_chair_first_sees(
        [f for f in at_membership(case, D(2027, 1, 20)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]
    )
    assert len(words) == 1
    assert "Jordan Pike (father) has not been invited to any of 12 core groups since 3 March 2026" in words[0]
    assert "No reason is recorded" in words[0]


def test_the_reason_recorded_for_not_inviting_him_is_in_the_flag() -> None:
    case = a_case(meetings=monthly(3, D(2026, 3, 3)))
    case.people[1].not_invited_reason = "Whereabouts not known to the social worker."
    (flag,) = [f for f in at_membership(case, D(2026, 6, 1)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]
    assert "Reason recorded: Whereabouts not known to the social worker." in flag.message
    # A safety note is never read out: it may name the person he must not meet.
    case.people[1].not_invited_reason = ""
    case.people[1].safety_note = "Not to be in the same room as Wren Example."
    (flag,) = [f for f in at_membership(case, D(2026, 6, 1)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]
    assert "Reason recorded: a safety note" in flag.message and "same room" not in flag.message


def test_a_father_left_off_the_last_two_lists_is_flagged_and_on_todays_list_he_is_not() -> None:
    father = Attendee(name="Jordan Pike", agency="Family", person_id=2, status=AttendanceStatus.DID_NOT_ATTEND)
    meetings = [held(1, D(2026, 3, 3), mother(), father), *monthly(3, D(2026, 3, 31))[1:]]
    case = a_case(meetings=meetings)
    (flag,) = [f for f in at_membership(case, D(2026, 6, 1)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]
    assert "has not been invited to the last 2 core groups, since 28 April 2026" in flag.message
    today = Meeting(number=4, date=D(2026, 6, 1), steps=AGENDA.new_steps(), attendees=[father])
    case.meetings.append(today)
    assert not [f for f in at_membership(case, D(2026, 6, 1)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]


def test_fathers_invited_no_at_two_meetings_in_a_row_is_read_by_the_rules() -> None:
    # No man is recorded among the people: the membership check's answer is all there is.
    only_mother = a_case(people=[Person(id=1, name="Wren Example", relationship=Relationship.MOTHER,
                                        gender=Gender.FEMALE)])  # fmt: skip
    only_mother.meetings = [*monthly(2, D(2026, 3, 3), fathers_invited=True)[:1],
                            *monthly(3, D(2026, 3, 3), fathers_invited=False)[1:]]  # fmt: skip
    (flag,) = [f for f in at_membership(only_mother, D(2026, 5, 20)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]
    assert "'fathers and male carers invited: no' at the last 2 core groups, since 31 March 2026" in flag.message
    # With a father on the record, his own flag says it too.
    case = a_case(meetings=monthly(3, D(2026, 3, 3), fathers_invited=False))
    (flag,) = [f for f in at_membership(case, D(2026, 5, 20)) if f.kind is FlagKind.MAN_NEVER_AT_CORE_GROUP]
    assert "Jordan Pike (father)" in flag.message
    assert "recorded 'fathers and male carers invited: no' at the last 3" in flag.message


def notification(**changes: Any) -> Concern:
    values: dict[str, Any] = {
        "id": 1, "received_on": D(2026, 9, 14), "source_kind": SourceKind.AGENCY, "source": "Police",
        "reported": "Domestic abuse incident at the family home.", "domestic_abuse": True, "person_id": 2,
    }  # fmt: skip
    values.update(changes)
    return Concern(**values)


def test_a_man_named_in_a_domestic_abuse_notification_is_flagged_until_his_risk_assessment() -> None:
    case = a_case(concerns=[notification()])
    for role in (StepRole.MEMBERSHIP, StepRole.NEW_CONCERNS):
        flags = flags_at(role, case_flags(case, SETTINGS, D(2026, 9, 20)))
        (flag,) = [f for f in flags if f.kind is FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED]
        assert flag.severity == "high"
        assert "Jordan Pike (father) is named in a domestic abuse notification (14 September 2026)" in flag.message
    case.people[1].risk_assessment_on = D(2026, 9, 18)
    case.people[1].risk_assessment = "DASH: high risk; referred to MARAC."
    assert not [f for f in case_flags(case, SETTINGS, D(2026, 9, 20))
                if f.kind is FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED]  # fmt: skip


def test_the_notification_flag_on_a_restricted_man_is_hidden_until_shown() -> None:
    case = a_case(concerns=[notification()])
    case.people[1].restricted = True
    flags = [
        f for f in case_flags(case, SETTINGS, D(2026, 9, 20)) if f.kind is FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED
    ]
    assert len(flags) == 1 and flags[0].restricted
    assert as_the_chair_first_sees(flags) == []
    case.people[1].restricted = False
    case.concerns[0].shareable = False  # a notification the family may not see: restricted too
    (flag,) = [
        f for f in case_flags(case, SETTINGS, D(2026, 9, 20)) if f.kind is FlagKind.DOMESTIC_ABUSE_NOT_RISK_ASSESSED
    ]
    assert flag.restricted


async def test_the_concern_form_names_the_person_restricted_people_only_once_shown(
    tmp_path: Path, make_app: Any
) -> None:
    case = a_case(meetings=monthly(1, D(2026, 10, 20)))
    case.people.append(Person(id=3, name="Sam Sample", relationship=Relationship.MOTHERS_PARTNER,
                              gender=Gender.MALE, restricted=True))  # fmt: skip
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(case))
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        screen = app.screen
        await human(pilot, "5", "a")  # the Concerns tab, then add one
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        labels = " ".join(str(label.render()) for label in app.screen.query(".form-label, Checkbox"))
        assert "Domestic abuse notification" in labels and "Person it names" in labels
        assert await person_choices(pilot, app.screen) == ["Wren Example (mother)", "Jordan Pike (father)"]
        await human(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await human(pilot, "f8", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert "Sam Sample (mother's partner)" in await person_choices(pilot, app.screen)


async def person_choices(pilot: Any, form: Any) -> list[str]:
    """The 'Person it names' drop-down's choices, as the chair reads them when it opens."""
    form.query_one("#f-person_id").focus()
    await human(pilot, "enter")
    overlay = form.query_one("#f-person_id").query_one(OptionList)
    choices = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
    await human(pilot, "escape")
    return [c for c in choices if "(" in c]


# ----- point 5: start-again protection -------------------------------------------------------------


def handover_case() -> Case:
    action = Action(number=1, text="Parenting assessment of Wren Example", raised_at=1, due=D(2026, 10, 30),
                    times_carried_forward=1)  # fmt: skip
    return a_case(icpc_date=D(2026, 7, 9), meetings=monthly(2, D(2026, 9, 22)), actions=[action],
                  concerns=[notification(received_on=D(2026, 10, 1), response="Police visit; DASH requested.")])  # fmt: skip


def rendered(screen: Any, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


async def test_a_new_lead_social_worker_is_kept_in_the_history_and_shown_the_plan_so_far(
    tmp_path: Path, make_app: Any
) -> None:
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(handover_case()))
    app = make_app(store)  # the app's clock: 20 November 2026
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        case_screen = app.screen
        await human(pilot, "p")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        put(app.screen, "#f-lead_social_worker", "Kim New")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        await wait_until(
            pilot,
            lambda: (
                "Lead social worker: Kim New since 20 Nov 2026 (before: Alex Chair, start not recorded)"
                in rendered(case_screen, "#case-plan")
            ),
        )
        await save_now(pilot)
        on_disk = case_on_disk(store, CASE_ID)["case"][0]
        # When Alex became lead was never recorded: the conference's date is coregroup's, marked (issue 22).
        assert [(w["name"], w["since"]) for w in on_disk["lead_workers"]] == [
            ("Alex Chair", "2026-07-09"),
            ("Kim New", "2026-11-20"),
        ]
        assert on_disk["lead_workers"][0]["inferred"].startswith("inferred by coregroup when the lead changed")
        assert on_disk["lead_workers"][1]["inferred"] == ""
        # The next core group: its first step shows the new worker the plan so far.
        await burst(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        await burst(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.body is not None)
        walk = app.screen
        await wait_until(pilot, lambda: "Kim New" in rendered(shown_body(walk), "#handover"))
        summary = rendered(shown_body(walk), "#handover")
        assert "New lead social worker: Kim New since 20 Nov 2026 (before: Alex Chair)" in summary
        assert "Chronology since the plan began" in summary and "Concern received" in summary
        assert "Action 1: Parenting assessment of Wren Example" in summary and "carried forward once" in summary
        assert "Flags outstanding" in summary and "has not been invited to any of 2 core groups" in summary


def test_the_minutes_note_the_change_of_lead_social_worker(tmp_path: Path) -> None:
    case = handover_case()
    case.lead_social_worker = "Kim New"
    case.lead_workers = [
        LeadWorker(name="Alex Chair", since=D(2026, 7, 9)),
        LeadWorker(name="Kim New", since=D(2027, 2, 2)),
    ]
    case.meetings.append(held(3, D(2027, 2, 16), mother()))
    out = write_minutes(case, 3, tmp_path / "minutes.docx")
    rows = {r.cells[0].text: r.cells[-1].text for t in docx.Document(str(out)).tables for r in t.rows}
    assert rows["Lead social worker"] == "Kim New (since 2 Feb 2027; before: Alex Chair)"
    # The meeting before the change names the lead of its day.
    earlier = write_minutes(case, 2, tmp_path / "minutes-2.docx")
    rows = {r.cells[0].text: r.cells[-1].text for t in docx.Document(str(earlier)).tables for r in t.rows}
    assert rows["Lead social worker"] == "Alex Chair"


def moved_on_case() -> Case:
    """The handover case after core group 2 (20 October 2026): Kim New took over on 26 October."""
    case = handover_case()
    case.lead_social_worker = "Kim New"
    case.lead_workers = [
        LeadWorker(name="Alex Chair", since=D(2026, 7, 9)),
        LeadWorker(name="Kim New", since=D(2026, 10, 26)),
    ]
    return case


def word_text(path: Path) -> tuple[dict[str, str], str]:
    """A Word file read back: its two-column rows (label to value) and all its text."""
    document = docx.Document(str(path))
    rows = {r.cells[0].text: r.cells[-1].text for t in document.tables for r in t.rows}
    cells = [" | ".join(c.text for c in r.cells) for t in document.tables for r in t.rows]
    return rows, "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_change_of_lead_social_worker_is_in_the_chronology_and_the_chairs_brief(tmp_path: Path, capsys: Any) -> None:
    store = tmp_path / "store"
    Store(store).import_data(schema.dump(moved_on_case()))
    chronology_out, brief_out, family_out = (tmp_path / n for n in ("chronology.docx", "brief.docx", "family.docx"))
    assert main(["--store", str(store), "chronology", CASE_ID, "--kind", "lead", "--out", str(chronology_out)]) == 0
    assert main(["--store", str(store), "brief", CASE_ID, "--out", str(brief_out)]) == 0
    assert main(["--store", str(store), "brief", CASE_ID, "--copy", "family", "--out", str(family_out)]) == 0
    capsys.readouterr()

    _, chronology_text = word_text(chronology_out)
    assert "26 Oct 2026 | Lead social worker changed | Case record | " \
           "Kim New took over as lead social worker from Alex Chair, lead since 9 Jul 2026." in chronology_text  # fmt: skip
    assert "Concern received" not in chronology_text  # only the kind asked for

    for out in (brief_out, family_out):  # the workers are professionals: both copies name them
        rows, text = word_text(out)
        assert rows["Lead social worker"] == "Kim New since 26 Oct 2026 (before: Alex Chair, from 9 Jul 2026)"
        assert "Lead social worker changed 26 Oct 2026: Kim New took over from Alex Chair" in text


def test_a_change_before_the_last_core_group_is_in_the_history_not_among_the_changes(tmp_path: Path) -> None:
    case = moved_on_case()
    case.lead_workers[1].since = D(2026, 10, 5)  # before core group 2 on 20 October
    rows, text = word_text(write_brief(case, tmp_path / "brief.docx", today=D(2026, 11, 20)))
    assert rows["Lead social worker"] == "Kim New since 5 Oct 2026 (before: Alex Chair, from 9 Jul 2026)"
    assert "Lead social worker changed" not in text
    items = [i for i in chronology(case, today=D(2026, 11, 20)) if i.kind is EventKind.LEAD_WORKER]
    assert [(i.date, i.event) for i in items] == [
        (D(2026, 10, 5), "Kim New took over as lead social worker from Alex Chair, lead since 9 Jul 2026.")
    ]
    # The first lead, from the conference, is not a change; a change still to come is not in it yet.
    case.lead_workers[1].since = D(2026, 12, 1)
    assert not [i for i in chronology(case, today=D(2026, 11, 20)) if i.kind is EventKind.LEAD_WORKER]


def test_the_demo_case_lets_a_new_user_meet_each_theme(store: Store) -> None:
    """The fictional demo case: a change of lead before meeting 2, a domestic abuse notification
    naming Lee Placeholder with no risk assessment, an action closed on the mother's word."""
    with store.open("DEMO-0001", read_only=True) as case_file:
        case = case_file.case
    assert [(w.name, w.since) for w in case.lead_workers] == [
        ("Drew Former (fictional)", D(2026, 7, 9)),
        ("Alex Chair (fictional)", D(2026, 9, 14)),
    ]
    changes = [i.event for i in chronology(case, today=D(2026, 11, 20)) if i.kind is EventKind.LEAD_WORKER]
    assert changes == [
        "Alex Chair (fictional) took over as lead social worker from Drew Former (fictional), lead since 9 Jul 2026."
    ]
    shown = as_the_chair_first_sees(case_flags(case, SETTINGS, D(2026, 11, 20)))
    assert any(
        m.startswith("Lee Placeholder (mother's partner) is named in a domestic abuse notification") for m in shown
    )
    assert any(m.startswith("Action 7 (") and "only a parent's word" in m for m in shown)


def test_the_brief_says_what_an_action_closed_since_the_last_core_group_was(store: Store, tmp_path: Path) -> None:
    """Not "Action 7 (action) done": what action 7 was, and its type only for an assessment."""
    with store.open("DEMO-0001", read_only=True) as case_file:
        _, text = word_text(write_brief(case_file.case, tmp_path / "brief.docx", today=D(2026, 11, 20)))
    assert "Action 7 done on 14 Oct 2026: Clear the rubbish bags from the hall" in text
    assert "(action)" not in text
