"""Square brackets typed by a chair, or read from a case file, are shown exactly as typed.

Textual and Rich read `[b]`, `[/]` or `[@click=...]` in a plain string as markup: a child named
`Unborn baby [name TBC]` showed as "Unborn baby ", and `Wren [/] Example [b]` stopped the app.
Here every text field a chair can type holds such text; the app is driven by its keys over every
screen at 120x36 and 80x24, and must keep running and show each name as typed.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Static, TextArea
from tui_helpers import DEMO_ID, human, put, settle, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.store import Store
from tui.screens.attendance import AttendanceScreen
from tui.screens.case import CaseScreen
from tui.screens.case_list import CaseListScreen
from tui.screens.distribution import DistributionScreen
from tui.screens.finish import FinishScreen
from tui.screens.help import HelpScreen
from tui.screens.new_case import NewCaseForm
from tui.screens.start import StartMeetingForm
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import Ask, Choose, Confirm, RecordForm

SIZES = [(120, 36), (80, 24)]

CHILD = "Wren [/] Example [b]"
UNBORN = "Unborn baby [name TBC]"
MOTHER = "Jo [/] Example [b]"
FATHER = "Sam [link=x]Sample[/link]"
RESTRICTED_MAN = "Max [@click=app.quit]Fictional[/]"  # restricted in the demo case
ESCAPED = "Pat \\[escaped] Example"  # a backslash before a bracket: shown, never taken as an escape
WORKER = "Alex [i]Chair[/i] (fictional)"
AGENCY = "Sample [/] Homes"
SERVICE = "Care leavers' [bold]support[/bold]"
DANGER = "worried about [bold]not bold[/bold] nights"
NEWCOMER = "Dee [/] Visitor [b]"  # typed at attendance

# The demo case's names, wherever they appear (records, free text, attendees, scaling, copies sent).
NAMES = {
    "Wren Example": CHILD,
    "Sky Example": "Sky [b]Example",
    "Jo Example": MOTHER,
    "Sam Sample": FATHER,
    "Max Fictional": RESTRICTED_MAN,
    "Pat Example": ESCAPED,
    "Lee Placeholder": "Lee [red]Placeholder",
    "Alex Chair (fictional)": WORKER,
    "Casey Visitor (fictional)": "Casey [dim]Visitor[/] (fictional)",
    "Robin Caretaker (fictional)": "Robin [u]Caretaker[/u] (fictional)",
    "Robin Minutes (fictional)": "Robin [/] Minutes (fictional)",
    "Children's Social Care": "Children's [b]Social[/b] Care",
    "Sample Homes Housing Association": AGENCY,
}
MARKS = ("[bold]not bold[/bold]", "[link=x]y[/link]", "[@click=app.quit]q[/]", "\\[escaped]", "[/]", "[name TBC]")
# Every free-text field of every record (names come from NAMES): each one not empty gets a mark.
TEXT_FIELDS = frozenset({
    "danger_statement", "safety_goal", "team", "discharge_plan", "at_home", "relationship_detail", "contact",
    "checks_done", "assessment_type", "assessment_not_needed_reason", "additional_needs", "trauma_history",
    "mental_health", "risks", "protective_factors", "safety_note", "venue", "mode_reason", "minute_taker",
    "decisions", "dissent", "contingency_plan", "next_meeting_venue", "finish_note", "role",
    "relationship_to_child", "needs", "notes", "restricted_notes", "reason", "how", "full_copy_reason",
    "withdrawn_reason", "text", "outcome", "evidence", "decision_informed", "adapted_for", "held_reason",
    "how_received", "about", "reported", "impact_on_child", "response", "event", "impact_note", "action_taken",
    "successor", "source", "where", "not_seen_detail", "school_or_nursery", "attendance_note", "not_invited_reason",
    "risk_assessment",
})  # fmt: skip


def _renamed(text: str) -> str:
    for name, bracketed in NAMES.items():
        text = text.replace(name, bracketed)
    return text


def _marked(node: Any, marks: Iterator[str]) -> Any:
    if isinstance(node, list):
        return [_renamed(x) if isinstance(x, str) else _marked(x, marks) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if isinstance(value, str):
            value = _renamed(value)
            if key in TEXT_FIELDS and value.strip():
                value = f"{value} {next(marks)}"
        elif key not in ("plan_categories", "review_conferences"):
            value = _marked(value, marks)
        out[key] = value
    return out


def bracketed_case() -> dict[str, Any]:
    """The demo case with square brackets in every name and every free text; a second child,
    unborn, not named yet; a service whose name holds markup."""
    demo = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    case: dict[str, Any] = _marked(demo, itertools.cycle(MARKS))
    case["danger_statement"] = DANGER
    case["services"][0]["name"] = SERVICE
    number = max(child["id"] for child in case["children"]) + 1
    unborn = dict(case["children"][0], id=number, name=UNBORN, date_of_birth=None, due_date="2027-01-10",
                  mobility="unborn", seen_by_medical_professional_on=None)  # fmt: skip
    case["children"].append(unborn)
    return case


@pytest.fixture
def bracketed(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.import_data(bracketed_case())
    return store


# ----- what is on the screen -----------------------------------------------------------------
LINE = re.compile(r'<text[^>]*clip-path="url\(#[^"]*-line-(\d+)\)"[^>]*>(.*?)</text>', re.S)


def visible(app: Any) -> str:
    """The screen as the chair sees it, line by line (read from a screenshot of it)."""
    lines: dict[int, str] = {}
    for number, part in LINE.findall(app.export_screenshot()):
        lines[int(number)] = lines.get(int(number), "") + html.unescape(part).replace("\xa0", " ")
    return "\n".join(lines[n] for n in sorted(lines))


def rendered(app: Any) -> str:
    """What every text widget of the screen shows (also what is scrolled out of view), and the
    messages on it, each as one line."""
    parts = [str(w.render()) for w in app.screen.query(Static)] + [str(t.render()) for t in app.screen.query("Toast")]
    return " ".join(" ".join(parts).split())


def alive(app: Any) -> None:
    assert app.is_running and app.return_code is None, "the app stopped"


def assert_visible(app: Any, *texts: str) -> None:
    alive(app)
    screen = visible(app)
    for text in texts:
        assert text in screen, f"{text!r} is not on the screen:\n{screen}"


def assert_rendered(app: Any, *texts: str) -> None:
    alive(app)
    shown = rendered(app)
    for text in texts:
        assert " ".join(text.split()) in shown, f"{text!r} is not shown: {shown[:3000]}"


async def appears(pilot: Any, *texts: str) -> None:
    """A message (shown a moment after what set it off) says `texts`, as typed."""
    words = [" ".join(text.split()) for text in texts]
    await wait_until(pilot, lambda: not pilot.app.is_running or all(w in rendered(pilot.app) for w in words), 5)
    assert_rendered(pilot.app, *texts)


async def press(pilot: Any, *keys: str) -> None:
    await human(pilot, *keys)
    alive(pilot.app)


async def on(pilot: Any, screen: type) -> Any:
    await wait_until(pilot, lambda: not pilot.app.is_running or isinstance(pilot.app.screen, screen))
    alive(pilot.app)
    return pilot.app.screen


def opened_or_told(app: Any, told: int) -> Callable[[], bool]:
    """The record's form (or the meeting) is open, or a message says why not."""
    return lambda: not isinstance(app.screen, CaseScreen) or len(app.notices) > told


async def back_to(pilot: Any, screen: type) -> Any:
    """Escape until `screen` is on top (a form with something typed asks first: discard it)."""
    app = pilot.app
    for _ in range(6):
        if isinstance(app.screen, screen):
            break
        await press(pilot, "y" if isinstance(app.screen, Confirm) else "escape")
    return await on(pilot, screen)


# ----- the case list and the case ------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_case_and_its_forms_show_bracketed_text_as_typed(
    bracketed: Store, make_app: Any, size: tuple[int, int]
) -> None:
    app = make_app(bracketed)
    async with app.run_test(size=size, notifications=True, tooltips=True) as pilot:
        await on(pilot, CaseListScreen)
        await pilot.pause()
        assert_visible(app, CHILD, UNBORN)

        await press(pilot, "enter")
        case = await on(pilot, CaseScreen)
        await wait_until(pilot, lambda: case.ready)
        assert_rendered(app, f"Danger statement: {DANGER}", f"Lead social worker: {WORKER}", f"{MOTHER} (mother)")
        if size[0] >= 100:
            assert_visible(app, f"coregroup — {CHILD}, ")  # the header

        for shown in (False, True):  # f8 off, then on: restricted people and notes too
            for number in range(1, len(CaseScreen.TABS) + 1):
                await press(pilot, str(number))
            await press(pilot, "2")
            assert_visible(app, CHILD, UNBORN)
            await press(pilot, "3")
            assert_visible(app, MOTHER, FATHER, ESCAPED)
            if shown:
                assert_visible(app, RESTRICTED_MAN)
            await press(pilot, "5")
            assert_visible(app, AGENCY)
            await press(pilot, "8")
            assert_visible(app, SERVICE)
            if not shown:
                await press(pilot, "f8")
        await press(pilot, "f8")  # hidden again

        # Every record's form, by e on the first row of each tab.
        for tab, title in [("2", CHILD), ("3", MOTHER), ("4", "Action 1"), ("5", None), ("6", None), ("7", None),
                           ("8", SERVICE)]:  # fmt: skip
            await press(pilot, tab, "e")  # a form, the meeting, or (an event the tool recorded) a message
            await wait_until(pilot, opened_or_told(app, len(app.notices)))
            alive(app)
            if title is not None:
                assert isinstance(app.screen, RecordForm)
                assert str(app.screen.query_one("#form-title", Static).render()) == title
                assert_visible(app, title)
            if tab == "4":  # the person assessed, and the help naming whose needs to adapt to
                assert_rendered(app, f"{MOTHER} (mother)", f"({MOTHER}: Mild learning disability")
            await back_to(pilot, CaseScreen)

        await press(pilot, "1", "p")  # the plan
        form = await on(pilot, RecordForm)
        assert form.query_one("#f-danger_statement", TextArea).text == DANGER
        await back_to(pilot, CaseScreen)

        # The chronology's filter: the people to choose from, as named.
        await press(pilot, "7", "slash")
        await on(pilot, RecordForm)
        await press(pilot, "tab", "enter")  # the "About" list, opened
        assert_visible(app, MOTHER)
        await press(pilot, "escape")
        await back_to(pilot, CaseScreen)

        await press(pilot, "f1")
        await on(pilot, HelpScreen)
        await back_to(pilot, CaseScreen)

        # The brief's and the chronology's questions: which copy, then which folder.
        await press(pilot, "b")
        await on(pilot, Choose)
        await press(pilot, "f")
        await on(pilot, Ask)
        await back_to(pilot, CaseScreen)
        await press(pilot, "x")
        await on(pilot, Choose)
        await back_to(pilot, CaseScreen)
        await press(pilot, "escape")
        await on(pilot, CaseListScreen)
        assert_visible(app, CHILD, UNBORN)


# ----- a meeting from start to the minutes sent ----------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_meeting_shows_bracketed_text_as_typed(
    bracketed: Store, make_app: Any, size: tuple[int, int], tmp_path: Path
) -> None:
    app = make_app(bracketed)
    async with app.run_test(size=size, notifications=True, tooltips=True) as pilot:
        await on(pilot, CaseListScreen)
        await press(pilot, "enter")
        await on(pilot, CaseScreen)
        await press(pilot, "m")
        await on(pilot, StartMeetingForm)
        assert_rendered(app, "Sample Family Centre")  # the venue set last time, with its mark
        await press(pilot, "ctrl+s")

        attendance = await on(pilot, AttendanceScreen)
        await press(pilot, "ctrl+l")  # the same core group as last time
        await wait_until(pilot, lambda: isinstance(app.screen, Ask) or bool(attendance.meeting.attendees))
        await back_to(pilot, AttendanceScreen)  # a safety question about two people: answered later
        attendance.query_one("#a-name", Input).focus()
        await press(pilot, *NEWCOMER, "enter")
        await wait_until(pilot, lambda: any(a.name == NEWCOMER for a in attendance.meeting.attendees))
        assert_visible(app, MOTHER, NEWCOMER)
        await press(pilot, "f8")
        await press(pilot, "f8")
        await press(pilot, "shift+tab", "e")  # the attendee's form: its title names them
        form = await on(pilot, RecordForm)
        assert str(form.query_one("#form-title", Static).render()).startswith("Attendee: ")
        await back_to(pilot, AttendanceScreen)
        await press(pilot, "escape")

        walk = await on(pilot, WalkthroughScreen)
        await wait_until(pilot, lambda: walk.ready)
        for _ in walk.meeting.steps[1:]:
            await press(pilot, "ctrl+n")
            await wait_until(pilot, lambda: walk.ready)
            if walk.step.key == "analysis":  # a row to score each person present, by name
                assert_rendered(app, NEWCOMER)
            if walk.step.key == "membership":
                await press(pilot, "f8")
                await press(pilot, "f8")
        for key in ("f7", "ctrl+t", "f4", "f2"):  # details, a new action, a concern, attendance
            await press(pilot, key)
            await wait_until(pilot, lambda: app.screen is not walk)
            await back_to(pilot, WalkthroughScreen)

        await press(pilot, "ctrl+f")
        finish = await on(pilot, FinishScreen)
        await wait_until(pilot, lambda: finish.ready)
        await press(pilot, *"left early [b]", "ctrl+f")
        await wait_until(pilot, lambda: app.screen is walk)
        await press(pilot, "f5")  # who was sent which copy: the people to pick, as named
        distribution = await on(pilot, DistributionScreen)
        await press(pilot, "enter")
        assert_visible(app, MOTHER)
        await press(pilot, "down", "enter")  # the first on the list: their name and agency fill the boxes
        first = distribution.recipients[0].name
        assert distribution.query_one("#d-recipient", Input).value == first
        await press(pilot, "ctrl+s")
        await wait_until(pilot, lambda: any(d.recipient == first for d in distribution.meeting.distribution))
        await appears(pilot, f"sent to {first} on")  # the message saying so
        await back_to(pilot, WalkthroughScreen)

        # The minutes, to a folder whose name holds brackets: asked, created, written.
        await press(pilot, "f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await press(pilot, "enter")  # the family copy checked: write it
        ask = await on(pilot, Ask)
        folder = tmp_path / "minutes [/] out [b]"
        put(ask, "#ask-input", str(folder))
        await press(pilot, "enter")
        await on(pilot, Confirm)
        assert_rendered(app, f"The folder {folder} does not exist")
        await press(pilot, "y")
        await wait_until(pilot, lambda: isinstance(app.screen, DistributionScreen))
        await settle(pilot, app)
        assert (folder / f"{DEMO_ID}-core-group-3-full.docx").exists()
        await appears(pilot, f"Written: {folder}")


# ----- messages that quote what was typed ----------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_message_quoting_bracketed_text_is_shown_as_typed(
    bracketed: Store, make_app: Any, size: tuple[int, int]
) -> None:
    app = make_app(bracketed)
    async with app.run_test(size=size, notifications=True, tooltips=True) as pilot:
        await on(pilot, CaseListScreen)
        await press(pilot, "slash", *"[/]")  # a search for brackets: the child's name holds them
        await wait_until(pilot, lambda: "matching '[/]'" in rendered(app))
        assert_visible(app, "1 of 1 cases matching '[/]'", CHILD)
        await press(pilot, "enter", "enter")
        await on(pilot, CaseScreen)

        # A person's form (its title names them): a date that is not a date, quoted back.
        await press(pilot, "3", "e")
        form = await on(pilot, RecordForm)
        put(form, "#f-date_of_birth", "[/] [b]")
        await press(pilot, "ctrl+s")
        assert_rendered(app, "Not saved. Date of birth: '[/] [b]' is not a date")
        await back_to(pilot, CaseScreen)

        # A meeting's date that is not a date.
        await press(pilot, "m")
        start = await on(pilot, StartMeetingForm)
        put(start, "#s-date", "[@click=app.quit]x[/]")
        await press(pilot, "ctrl+s")
        assert_rendered(app, "Not started. ", "'[@click=app.quit]x[/]' is not a date")
        put(start, "#s-date", "today")
        await press(pilot, "ctrl+s")
        await on(pilot, AttendanceScreen)
        await back_to(pilot, WalkthroughScreen)

        # An answer that is not a date: the hint beside it quotes it.
        walk = app.screen
        await wait_until(pilot, lambda: walk.ready)
        await walk.go_to("childs_voice")
        await wait_until(pilot, lambda: walk.ready)
        put(walk.body, "#answer-views_gathered_on", "[/]x")
        await pilot.pause()
        assert_rendered(app, "'[/]x' is not a date")


async def test_messages_naming_a_bracketed_store_folder_are_shown_as_typed(tmp_path: Path, make_app: Any) -> None:
    """A store the chair cannot write to, in a folder whose name holds brackets: the warning at
    start and the refusal of a new case both name the folder, as it is spelt."""
    root = tmp_path / "cases [/] store [b]"
    store = Store(root)
    store.import_data(bracketed_case())
    store.read_only = True  # as a store on a folder this user cannot write is opened
    app = make_app(store)
    async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
        await on(pilot, CaseListScreen)
        await appears(pilot, f"You cannot write to the store at {root}")
        await press(pilot, "ctrl+n")
        form = await on(pilot, NewCaseForm)
        put(form, "#n-id", "SAMPLE-0002")
        put(form, "#n-child", UNBORN)
        put(form, "#n-dob", "2027-01-10")
        form.query_one("#n-unborn", Checkbox).value = True
        form.query_one("#n-plan-neglect", Checkbox).value = True
        put(form, "#n-icpc", "2026-11-01")
        await press(pilot, "ctrl+s")
        await appears(pilot, f"Case not created You cannot write to the store at {root}: nothing was changed.")
