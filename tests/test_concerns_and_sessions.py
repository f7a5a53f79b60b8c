"""Issue 10, points 4 and 7: a concern records who referred (kept from the family when it must be),
how often and what about, and repeated concerns are raised as a pattern to discuss; an assessment
records how its sessions were held, and one held only online is flagged (fictional cases only)."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from rich.text import Text
from textual.widgets import Checkbox, DataTable, Select, Static, TabbedContent
from tui_helpers import burst, human, wait_until

from meetings.domain import schema
from meetings.domain.agenda import StepRole
from meetings.domain.family import holds_restricted
from meetings.domain.flags import Flag, FlagKind, Severity, case_flags, flags_at
from meetings.domain.locations import data_dir
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    Case,
    Child,
    Concern,
    CopyType,
    Meeting,
    MeetingStatus,
    Mobility,
    Person,
    PlanCategory,
    Relationship,
    SessionMode,
    SourceKind,
)
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings
from meetings.exports.minutes import write_minutes
from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

D = dt.date
SETTINGS = Settings()
TODAY = D(2027, 4, 20)
PROMPT = "What might this behaviour be communicating?"
DEMO_ID = "DEMO-0001"
REFERRER = "Kit Pretend"  # a fictional neighbour-turned-professional whose identity is kept from the family


def a_case(**changes: object) -> Case:
    values: dict[str, object] = {
        "id": "TEST-10",
        "children": [Child(id=1, name="Wren Example", date_of_birth=D(2026, 9, 1), mobility=Mobility.NON_MOBILE)],
        "plan_categories": [PlanCategory.NEGLECT],
        "icpc_date": D(2027, 1, 11),
        "people": [Person(id=1, name="Jo Example", relationship=Relationship.MOTHER)],
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def concern(id: int, received_on: dt.date, **more: Any) -> Concern:
    more.setdefault("reported", "Fictional report.")
    return Concern(id=id, received_on=received_on, **more)


def held(number: int, day: dt.date) -> Meeting:
    return Meeting(number=number, date=day, status=MeetingStatus.FINISHED)


def flags_of(case: Case, kind: FlagKind, today: dt.date = TODAY) -> list[Flag]:
    return [f for f in case_flags(case, SETTINGS, today) if f.kind is kind]


# ----- concerns: who, how often, and what it might mean --------------------------------------------


def test_one_concern_recording_repeated_contacts_is_a_pattern_with_the_prompt() -> None:
    case = a_case(
        concerns=[
            concern(1, D(2027, 3, 23), source="Sample Ambulance Service", contacts=4, contacts_since=D(2027, 3, 2)),
            concern(2, D(2027, 3, 24), source="Sample School", contacts=2, contacts_since=D(2027, 3, 20)),
        ]
    )
    (pattern,) = flags_of(case, FlagKind.CONCERN_PATTERN)
    assert "4 contacts from Sample Ambulance Service since 2 March 2027" in pattern.message
    assert PROMPT in pattern.message and "Sample School" not in pattern.message
    assert not pattern.restricted
    assert pattern in flags_at(StepRole.NEW_CONCERNS, case_flags(case, SETTINGS, TODAY))


def test_contacts_from_one_referrer_or_about_one_thing_are_patterns() -> None:
    case = a_case(
        concerns=[
            concern(1, D(2027, 3, 5), source="Sample Homes", referrer="Sam  Caller", about="Baby left alone"),
            concern(2, D(2027, 3, 19), source="Sample Homes repairs", referrer="sam caller"),
            concern(3, D(2027, 4, 2), source="Sample Health Visiting", about="baby left alone "),
            concern(4, D(2027, 4, 3), source="Sample School"),
        ]
    )
    messages = [f.message for f in flags_of(case, FlagKind.CONCERN_PATTERN)]
    assert len(messages) == 2, messages
    by_referrer = next(m for m in messages if "from Sam Caller" in m)
    assert "2 contacts from Sam Caller (Sample Homes and Sample Homes repairs) since 5 March 2027" in by_referrer
    about = next(m for m in messages if "about 'Baby left alone'" in m)
    assert "from Sample Homes and Sample Health Visiting" in about and "since 5 March 2027" in about
    assert all(PROMPT in m for m in messages)


def test_a_withheld_referrer_is_named_only_in_a_restricted_flag_and_anonymous_contacts_count_together() -> None:
    case = a_case(
        concerns=[
            concern(1, D(2027, 3, 5), source="Sample Homes", referrer=REFERRER, referrer_restricted=True),
            concern(2, D(2027, 3, 9), source="Sample Homes", referrer=REFERRER, referrer_restricted=True, contacts=2),
            concern(3, D(2027, 3, 10), source_kind=SourceKind.ANONYMOUS, source="Sample Helpline"),
            concern(4, D(2027, 3, 30), source_kind=SourceKind.ANONYMOUS, source="Sample Police non-emergency line"),
        ]
    )
    flags = flags_of(case, FlagKind.CONCERN_PATTERN)
    shareable = [f for f in flags if not f.restricted]
    assert len(shareable) == 2
    assert not any(REFERRER in f.message for f in shareable)
    assert any("3 contacts from one referrer whose identity is withheld (through Sample Homes)" in f.message
               for f in shareable)  # fmt: skip
    anonymous = next(f for f in shareable if "anonymous contacts" in f.message)
    assert "2 anonymous contacts since 10 March 2027, in 2 concerns" in anonymous.message
    assert "Helpline" not in anonymous.message and "Police" not in anonymous.message
    (named,) = [f for f in flags if f.restricted]
    assert f"from {REFERRER} (Sample Homes), whose identity is withheld from the family" in named.message


def test_a_pattern_stays_until_a_meeting_has_discussed_it_and_a_new_contact_raises_it_again() -> None:
    first = concern(1, D(2027, 3, 2), source="Sample Ambulance Service", contacts=3, response="Discussed.")
    case = a_case(concerns=[first], meetings=[held(1, D(2027, 3, 1))])
    assert len(flags_of(case, FlagKind.CONCERN_PATTERN)) == 1
    case.meetings.append(held(2, D(2027, 3, 15)))  # discussed, and answered
    assert flags_of(case, FlagKind.CONCERN_PATTERN) == []
    case.concerns.append(concern(2, D(2027, 4, 1), source="sample ambulance service"))
    (again,) = flags_of(case, FlagKind.CONCERN_PATTERN)
    assert "4 contacts from Sample Ambulance Service since 2 March 2027, in 2 concerns" in again.message


def test_an_unanswered_concern_from_a_person_kept_from_the_family_does_not_name_them() -> None:
    case = a_case(
        concerns=[concern(1, D(2027, 4, 2), source_kind=SourceKind.PERSON, source=REFERRER, referrer_restricted=True)]
    )
    (unanswered,) = flags_of(case, FlagKind.CONCERN_UNANSWERED)
    assert REFERRER not in unanswered.message and "a person whose identity is withheld" in unanswered.message


def test_a_withheld_referrer_makes_the_full_copy_restricted() -> None:
    professional = concern(1, D(2027, 3, 2), source="Sample Homes", referrer=REFERRER, referrer_restricted=True,
                           meeting=1, response="Visit agreed.")  # fmt: skip
    case = a_case(concerns=[professional], meetings=[held(1, D(2027, 3, 10))])
    assert holds_restricted(case, case.meetings[0])
    professional.referrer_restricted = False
    assert not holds_restricted(case, case.meetings[0])


def demo_case() -> Case:
    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    return schema.load(Case, raw)


def package_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)  # the words, however Word splits them into runs


def test_the_family_copy_never_holds_a_withheld_referrers_name(tmp_path: Path) -> None:
    case = demo_case()
    case.concerns.append(
        concern(4, D(2026, 9, 25), source="Sample Homes Housing Association", referrer=REFERRER,
                referrer_restricted=True, contacts=4, contacts_since=D(2026, 9, 2), about="baby left alone",
                reported=f"{REFERRER} saw the baby left alone four times.", meeting=2)
    )  # fmt: skip
    case.meetings[1].steps[0].notes = f"The chair thanked kit  pretend for the call.\n{REFERRER.upper()} attends."
    family = write_minutes(case, 2, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    words = " ".join(package_text(family).split())
    assert "pretend" not in words.casefold()
    assert "Referrer's identity withheld" in words and "4 contacts since 2 Sep 2026" in words
    assert "About: baby left alone" in words
    full = write_minutes(case, 2, tmp_path / "full.docx", copy=CopyType.FULL, settings=SETTINGS)
    cells = [c.text for t in docx.Document(str(full)).tables for row in t.rows for c in row.cells]
    assert any(f"Referred by {REFERRER} (identity withheld from the family)" in c for c in cells)


# ----- assessments: how their sessions were held ---------------------------------------------------


def assessment(**more: Any) -> Action:
    values: dict[str, Any] = {"number": 1, "text": "Parenting assessment of Jo Example", "person_id": 1,
                              "type": ActionType.PARENTING_ASSESSMENT, "status": ActionStatus.IN_PROGRESS}  # fmt: skip
    values.update(more)
    return Action(**values)


def test_an_assessment_held_online_or_mixed_needs_a_reason() -> None:
    for mode in (SessionMode.ONLINE, SessionMode.MIXED):
        with pytest.raises(InvalidRecord) as refused:
            assessment(held=mode).check()
        assert refused.value.path == "held_reason"
        assert refused.value.problem == "say why the assessment's sessions were not all in person"
        assessment(held=mode, held_reason="The assessor was ill.").check()
    assessment(held=SessionMode.IN_PERSON).check()


def test_an_assessment_held_only_online_is_serious_at_the_review_and_assessments_steps() -> None:
    online = assessment(held=SessionMode.ONLINE, held_reason="Snow closed the roads.")
    case = a_case(actions=[online])
    (flag,) = flags_of(case, FlagKind.ASSESSMENT_ONLINE_ONLY)
    assert flag.severity is Severity.HIGH and not flag.restricted
    assert "parenting assessment of Jo Example (action 1) is being held only online" in flag.message
    assert "(reason: Snow closed the roads)" in flag.message and "home visit" in flag.message
    found = case_flags(case, SETTINGS, TODAY)
    for role in (StepRole.REVIEW_OF_ACTIONS, StepRole.ASSESSMENTS):
        assert flag in flags_at(role, found)
    online.held = SessionMode.MIXED
    assert flags_of(case, FlagKind.ASSESSMENT_ONLINE_ONLY) == []


def test_an_assessment_under_way_with_its_sessions_not_recorded_is_asked_about() -> None:
    case = a_case(actions=[assessment(), assessment(number=2, status=ActionStatus.OPEN)])
    (asked,) = flags_of(case, FlagKind.ASSESSMENT_SESSIONS_NOT_RECORDED)
    assert asked.severity is Severity.INFO and "(action 1): how were its sessions held" in asked.message


def test_the_minutes_words_for_how_an_assessments_sessions_were_held() -> None:
    from meetings.domain.wording import assessment_sessions_words  # new: the lead's minutes call it

    assert assessment_sessions_words(assessment(held=SessionMode.ONLINE, held_reason="Snow.")) == (
        "Sessions: online only (reason: Snow)"
    )
    assert assessment_sessions_words(assessment(held=SessionMode.IN_PERSON)) == "Sessions: in person"
    assert assessment_sessions_words(assessment()) == "Sessions: not recorded"
    assert assessment_sessions_words(Action(number=2, text="Weekly visit", type=ActionType.VISIT)) == ""


# ----- in the app ----------------------------------------------------------------------------------


async def tab_to(pilot: Any, field: str) -> None:
    """Press tab until the form's field `field` has the cursor, as a chair moves through a form."""
    for _ in range(40):
        focused = pilot.app.focused
        if focused is not None and focused.id == f"f-{field}":
            return
        await human(pilot, "tab")
    raise AssertionError(f"tab never reached {field}")


async def type_in(pilot: Any, field: str, text: str) -> None:
    await tab_to(pilot, field)
    await burst(pilot, *text)


async def choose(pilot: Any, field: str, value: str) -> None:
    """Open a drop-down with enter and move down to `value`."""
    await tab_to(pilot, field)
    select = pilot.app.focused
    assert isinstance(select, Select)
    for _ in range(6):
        if select.value == value:
            return
        await human(pilot, "enter", "down", "enter")
    raise AssertionError(f"{value} never chosen in {field}")


def hidden_in(screen: CaseScreen) -> int:
    found = re.search(r"(\d+) restricted items? hidden", str(screen.sub_title))
    return int(found.group(1)) if found else 0


def row_words(table: DataTable[Any], row: int) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(row)]


async def open_case(pilot: Any, app: Any) -> CaseScreen:
    await burst(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
    screen = app.screen
    assert isinstance(screen, CaseScreen)
    return screen


async def test_a_concern_typed_in_the_form_keeps_its_referrer_off_the_screen_and_raises_a_pattern(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        case_screen = await open_case(pilot, app)
        await human(pilot, "5")  # the Concerns tab
        before = hidden_in(case_screen)
        await human(pilot, "a")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        await type_in(pilot, "source", "Sample Homes Housing Association")
        await type_in(pilot, "referrer", REFERRER)
        await tab_to(pilot, "referrer_restricted")
        await human(pilot, "space")
        await type_in(pilot, "contacts", "4")
        await type_in(pilot, "contacts_since", "2026-11-02")
        await type_in(pilot, "about", "baby left alone")
        await type_in(pilot, "reported", "Baby heard crying alone; Kit Pretend knocked and no one came.")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)

        table = case_screen.query_one("#table-concerns", DataTable)
        row = row_words(table, table.row_count - 1)
        assert row[1:4] == ["Sample Homes Housing Association", "Withheld", "4 since 2 Nov 2026"]
        assert REFERRER not in " ".join(row)  # nor typed into what was reported
        assert hidden_in(case_screen) == before + 1
        await human(pilot, "1")
        flags = " ".join(str(case_screen.query_one("#case-flags", Static).render()).split())
        assert "4 contacts from one referrer whose identity is withheld (through Sample Homes Housing Association)" \
            in flags  # fmt: skip
        assert PROMPT in flags and REFERRER not in flags

        await human(pilot, "f8")  # the chair shows what the family may not see
        flags = " ".join(str(case_screen.query_one("#case-flags", Static).render()).split())
        assert f"4 contacts from {REFERRER} (Sample Homes Housing Association)" in flags
        await human(pilot, "5")
        assert row_words(table, table.row_count - 1)[2] == f"{REFERRER} (restricted)"
        await human(pilot, "ctrl+q")
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        saved = case_file.case.concerns[-1]
    assert (saved.referrer, saved.referrer_restricted, saved.contacts) == (REFERRER, True, 4)
    assert (saved.contacts_since, saved.about) == (D(2026, 11, 2), "baby left alone")


async def test_an_anonymous_referral_is_kept_from_the_family_by_the_form(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        case_screen = await open_case(pilot, app)
        await human(pilot, "5", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        box = form.query_one("#f-referrer_restricted", Checkbox)
        assert not box.value
        await choose(pilot, "source_kind", "anonymous")
        assert box.value and box.disabled  # and it cannot be unticked while anonymous
        await type_in(pilot, "source", "Sample Helpline")
        await type_in(pilot, "reported", "A caller said the baby is often left alone.")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        table = case_screen.query_one("#table-concerns", DataTable)
        row = row_words(table, table.row_count - 1)
        assert row[1] == "Anonymous" and "Sample Helpline" not in " ".join(row)
        await human(pilot, "ctrl+q")
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        saved = case_file.case.concerns[-1]
    assert saved.source_kind is SourceKind.ANONYMOUS and saved.referrer_restricted


@pytest.fixture
def referred_store(tmp_path: Path) -> Store:
    """The demo case with an unanswered concern whose referrer is kept from the family."""
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    data["concerns"].append(
        {"id": 6, "received_on": "2026-11-16", "source_kind": "agency", "source": "Sample Nursery",
         "referrer": REFERRER, "referrer_restricted": True, "reported": "Wren arrived hungry twice this week."}
    )  # fmt: skip
    store = Store(tmp_path / "store")
    store.import_data(data)
    return store


async def test_the_new_concerns_step_withholds_the_referrer_and_raises_the_pattern_of_a_concern_added_there(
    referred_store: Store, make_app: Any
) -> None:
    app = make_app(referred_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_case(pilot, app)
        await burst(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        await burst(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen))
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        keys = [s.key for s in walk.meeting.steps]
        await burst(pilot, *["ctrl+n"] * keys.index("new_concerns"))
        await wait_until(pilot, lambda: walk.step.key == "new_concerns" and walk.ready)

        def concerns() -> str:
            assert walk.body is not None
            return " ".join(str(walk.body.query_one("#concerns", Static).render()).split())

        assert "Sample Nursery, referred by: Withheld" in concerns() and REFERRER not in concerns()
        assert "1 restricted item hidden" in concerns()

        await human(pilot, "f4")  # the out-of-hours GP service rang again: a second concern from it
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        await type_in(pilot, "source", "out-of-hours GP service")
        await type_in(pilot, "contacts", "2")
        await type_in(pilot, "reported", "Jo Example rang twice more saying she felt unwell.")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is walk)

        def step_flags() -> str:
            assert walk.body is not None
            return " ".join(str(walk.body.query_one("#step-flags", Static).render()).split())

        await wait_until(pilot, lambda: "5 contacts from Out-of-hours GP service" in step_flags())
        assert "since 2 November 2026, in 2 concerns" in step_flags() and PROMPT in step_flags()

        await human(pilot, "f8")
        await wait_until(pilot, lambda: f"referred by: {REFERRER} (restricted)" in concerns())
        await human(pilot, "ctrl+q")


async def test_the_action_form_asks_how_an_assessments_sessions_were_held(store: Store, make_app: Any) -> None:
    data = store.export_data(DEMO_ID)
    data["actions"][0]["held"], data["actions"][0]["held_reason"] = None, ""  # not yet recorded
    store.import_data(data, replace=True)
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        case_screen = await open_case(pilot, app)

        def flags() -> str:
            return " ".join(str(case_screen.query_one("#case-flags", Static).render()).split())

        assert "parenting assessment of Jo Example (action 1): how were its sessions held" in flags()
        await human(pilot, "4")  # the Actions tab: action 1, the parenting assessment, is the first row
        assert case_screen.query_one(TabbedContent).active == "actions"
        await human(pilot, "e")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        await choose(pilot, "held", "online")
        await human(pilot, "ctrl+s")  # no reason given: refused, in the chair's words
        error = " ".join(str(form.query_one("#form-error", Static).render()).split())
        assert "Why not in person: say why the assessment's sessions were not all in person" in error
        assert app.focused is not None and app.focused.id == "f-held_reason"
        await burst(pilot, *"Jo asked for video calls while unwell.")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        await human(pilot, "1")
        assert "is being held only online (reason: Jo asked for video calls while unwell)" in flags()
        assert "how were its sessions held" not in flags()
        await human(pilot, "ctrl+q")
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        action = case_file.case.actions[0]
    assert (action.held, action.held_reason) == (SessionMode.ONLINE, "Jo asked for video calls while unwell.")
