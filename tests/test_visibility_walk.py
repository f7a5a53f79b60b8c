"""THE visibility test (issue 22): on one fictional case with restricted and shareable records of
every kind, a chair opens the case, visits every tab, walks every agenda step of the meeting in
progress and writes the minutes, the brief and the chronology, pressing keys. With restricted items
hidden, the screen leaves out exactly what the family copies leave out; f8 shows it all.

Each record holds a made-up word found nowhere else, so what is on the screen or in a copy can be
told apart by that word alone. Every name and place here is made up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, Label, Static, TabbedContent, TextArea
from tui_helpers import human, put, settle, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.store import Store

# What the family must not see, by kind: the made-up word each record holds.
RESTRICTED = {
    "restricted person": "Quarrendon",
    "restricted action": "Brackenmoor",
    "action of a restricted person": "Larchwood",
    "concern not shareable": "Wexcombe",
    "restricted visit": "Ferngate",
    "chronology entry not shareable": "Yarrowby",
    "service for a restricted person": "Quillon",
    "restricted notes on a step": "Copperleaf",
    "scaling row by a restricted person": "Tamberlyn",
    "withheld referrer": "Nightingale-Voss",
}
# What the family may see, by kind.
SHAREABLE = {
    "person": "Ambleside",
    "action": "Oakhurst",
    "concern (its referrer withheld)": "Hollins",
    "chronology entry": "Primrose",
    "service": "Sorrel",
    "visit": "Mistlethwaite",
    "notes on a step": "Gorsefield",
}

RESTRICTED_PERSON, SHARED_PERSON = "Oswin Quarrendon", "Ruth Ambleside"
MEETING = 3  # the last, finished: the one the chair walks, and whose minutes are written


@pytest.fixture
def walk_store(tmp_path: Path) -> Store:
    """A store holding the case below, as imported from its case file."""
    store = Store(tmp_path / "store")
    store.import_data(walk_case())
    return store


def walk_case() -> dict[str, Any]:
    """The demo case with a third meeting and a record of every kind, restricted and not."""
    data: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    person = {"relationship": "regular_visitor", "gender": "male", "assessment_status": "not_started"}
    data["people"] += [
        {**person, "id": 6, "name": RESTRICTED_PERSON, "restricted": True},
        {**person, "id": 7, "name": SHARED_PERSON, "relationship": "grandparent", "gender": "female"},
    ]
    action = {"owner": "Alex Chair (fictional)", "agency": "Children's Social Care", "raised_at": MEETING,
              "due": "2026-12-18", "status": "open"}  # fmt: skip
    data["actions"] += [
        {**action, "number": 20, "text": "Check with Brackenmoor council (fictional)", "restricted": True},
        {**action, "number": 21, "text": "Attend the Larchwood programme (fictional)", "person_id": 6},
        {**action, "number": 22, "text": "Attend the Oakhurst parenting course (fictional)"},
    ]
    concern = {"received_on": "2026-11-16", "source_kind": "agency", "source": "Police", "meeting": MEETING}
    data["concerns"] += [
        {**concern, "id": 20, "reported": "Wexcombe van outside at night (fictional)", "shareable": False},
        {**concern, "id": 21, "source_kind": "person", "source": "Telephone", "referrer": "Perpetua Nightingale-Voss",
         "referrer_restricted": True, "reported": "Hollins flat: children heard crying (fictional)"},
    ]  # fmt: skip
    visit = {"visited_by": "Drew Former (fictional)", "agency": "Children's Social Care", "announced": True,
             "children": [{"child_id": 1, "seen": True}, {"child_id": 2, "seen": True, "seen_alone": True}]}  # fmt: skip
    data["visits"] += [
        {**visit, "id": 20, "date": "2026-11-10", "where": "Ferngate refuge", "restricted": True},
        {**visit, "id": 21, "date": "2026-11-12", "where": "Mistlethwaite nursery"},
    ]
    entry = {"date": "2026-11-05", "source": "Children's Social Care", "recorded_by": "Robin Minutes (fictional)"}
    data["chronology"] += [
        {**entry, "id": 20, "event": "Strategy discussion about the Yarrowby address", "shareable": False},
        {**entry, "id": 21, "event": "Primrose Lane home visit went well"},
    ]
    service = {"agency": "Sample Homes", "start_date": "2026-10-20"}
    data["services"] += [
        {**service, "id": 20, "name": "Quillon tenancy service", "for_whom": RESTRICTED_PERSON},
        {**service, "id": 21, "name": "Sorrel family support", "for_whom": "Jo Example"},
    ]
    meeting = json.loads(json.dumps(data["meetings"][1]))
    meeting.update(number=MEETING, date="2026-11-19", finished_at="2026-11-19T12:00:00", distribution=[],
                   actions_at_finish=[], flags_at_finish=[], recorded_at_finish=False)  # fmt: skip
    for step in meeting["steps"]:
        step.update(notes="", restricted_notes="", answers={})
    meeting["steps"][5].update(notes="Gorsefield school says attendance is up.",
                               restricted_notes="Police intelligence about the Copperleaf flat.")  # fmt: skip
    attendee = {"role": "Family", "agency": "", "status": "attended", "mode": "in_person", "copy_type": "family"}
    meeting["attendees"] += [
        {**attendee, "name": RESTRICTED_PERSON, "person_id": 6},
        {**attendee, "name": SHARED_PERSON, "person_id": 7},
    ]
    meeting["scaling"] = [
        {"name": RESTRICTED_PERSON, "score": 3, "reason": "Tamberlyn worries"},
        {"name": "Jo Example", "score": 7, "reason": "Getting better."},
    ]
    data["meetings"].append(meeting)
    return data


# ----- what is on the screen --------------------------------------------------------------------


def on_screen(widget: Widget) -> bool:
    """Whether a widget is shown: neither it nor any widget it is in is hidden."""
    node: Any = widget
    while node is not None and isinstance(node, Widget):
        if not node.display or not node.visible:
            return False
        node = node.parent
    return True


def words_of(widget: Widget) -> str:
    if isinstance(widget, DataTable):
        return " ".join(" ".join(str(c) for c in widget.get_row_at(i)) for i in range(widget.row_count))
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, (Static, Label)):
        return str(widget.render())
    return ""


def screen_words(app: Any) -> str:
    """Everything the screen shows in words: tables, summaries, notes, fields and the header."""
    shown = [words_of(w) for w in app.screen.query("*") if on_screen(w)]
    shown += [str(w.render()) for w in app.screen.query(Header).first().query("*")]
    return " ".join(" ".join(shown).split())


async def walk_everything(pilot: Any, app: Any) -> str:
    """From the case list: open the case, show every tab, continue the meeting and walk every step
    (ctrl+n), back to the case; what was on the screen all along."""
    seen: list[str] = []
    await human(pilot, "enter")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and app.screen.ready)
    tabs = app.screen.query_one(TabbedContent)
    for key, tab in zip("1234567890", app.screen.TABS, strict=True):
        await human(pilot, key)
        await wait_until(pilot, lambda tab=tab: tabs.active == tab)  # type: ignore[misc]
        if tab not in ("overview", "history"):
            table = app.screen.query_one(f"#table-{tab}", DataTable)
            await wait_until(pilot, lambda table=table: table.row_count > 0)  # type: ignore[misc]
        seen.append(screen_words(app))
    await human(pilot, "1", "c")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen")
    walk = app.screen
    await human(pilot, *["ctrl+b"] * len(walk.meeting.steps))  # back to the first step
    await wait_until(pilot, lambda: walk.index == 0 and walk.body is not None)
    while True:
        await settle(pilot, app)
        seen.append(screen_words(app))
        if walk.index == len(walk.meeting.steps) - 1:
            break
        at = walk.index
        await human(pilot, "ctrl+n")
        await wait_until(pilot, lambda at=at: walk.index == at + 1 and walk.body is not None)  # type: ignore[misc]
    await human(pilot, "escape")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
    return " ".join(seen)


# ----- what the copies hold ---------------------------------------------------------------------


def docx_words(path: Path) -> str:
    """A Word file's text: every paragraph, table cell, header and footer, and its properties."""
    document = docx.Document(str(path))
    found = [p.text for p in document.paragraphs]
    found += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        found += [p.text for p in section.header.paragraphs]
    props = document.core_properties
    found += [props.title or "", props.subject or "", props.author or ""]
    return " ".join(" ".join(found).split())


async def answer_where(pilot: Any, app: Any, folder: Path) -> None:
    """The family copy's name review (enter: written as checked), then the folder asked for."""
    await wait_until(pilot, lambda: type(app.screen).__name__ in ("NameReviewScreen", "Ask"))
    if type(app.screen).__name__ == "NameReviewScreen":
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
    put(app.screen, "#ask-input", str(folder))
    await human(pilot, "enter")


async def write_copies(pilot: Any, app: Any, folder: Path) -> None:
    """On the case screen: the brief and the chronology in both copies (b, x), then the minutes of
    the meeting (c, f3): seven Word files in `folder`."""
    for key, copy in (("b", "f"), ("b", "y"), ("x", "f"), ("x", "y")):
        count = len(list(folder.iterdir()))
        await human(pilot, key)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Choose")
        await human(pilot, copy)
        await answer_where(pilot, app, folder)
        await settle(pilot, app)
        await wait_until(pilot, lambda count=count: len(list(folder.iterdir())) == count + 1)  # type: ignore[misc]
    await human(pilot, "c")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen")
    await human(pilot, "f3")
    await answer_where(pilot, app, folder)
    await settle(pilot, app)
    await wait_until(pilot, lambda: len(list(folder.iterdir())) == 6)


def copies(folder: Path, kind: str) -> str:
    return " ".join(docx_words(p) for p in sorted(folder.glob(f"*-{kind}.docx")))


def hidden_count(app: Any) -> int:
    """The header's count of restricted items hidden (0 if it names none)."""
    found = re.search(r"(\d+) restricted items? hidden", screen_words(app))
    return int(found.group(1)) if found else 0


async def test_the_hidden_screen_leaves_out_exactly_what_the_family_copies_leave_out(
    walk_store: Store, make_app: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(walk_store)
    async with app.run_test(size=(160, 50)) as pilot:
        hidden = await walk_everything(pilot, app)
        counted = hidden_count(app)
        await write_copies(pilot, app, out)
        while type(app.screen).__name__ != "CaseScreen":  # the distribution log, the meeting, then the case
            above = app.screen
            await human(pilot, "escape")
            await wait_until(pilot, lambda above=above: app.screen is not above)  # type: ignore[misc]
        await human(pilot, "f8")
        await wait_until(pilot, lambda: hidden_count(app) == 0 and "RESTRICTED SHOWN" in screen_words(app))
        await human(pilot, "escape")  # back to the case list, to walk it all again with f8 pressed
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")
        shown = await walk_everything(pilot, app)

    full, family = copies(out, "full"), copies(out, "family")
    assert family and len(list(out.glob("*-family.docx"))) == 3
    # Each restricted record is in the full copies and on the screen once f8 is pressed; neither on
    # the screen with restricted items hidden nor anywhere in the family copies.
    left_out_of_family = {kind for kind, word in RESTRICTED.items() if word in full and word not in family}
    hidden_on_screen = {kind for kind, word in RESTRICTED.items() if word in shown and word not in hidden}
    assert left_out_of_family == set(RESTRICTED), set(RESTRICTED) - left_out_of_family
    assert hidden_on_screen == left_out_of_family, left_out_of_family ^ hidden_on_screen
    for kind, word in RESTRICTED.items():
        assert word not in hidden, f"the {kind} is on the screen with restricted items hidden"
        assert word not in family, f"the {kind} is in a family copy"
    # Each shareable record is on the screen and in the family copies.
    for kind, word in SHAREABLE.items():
        assert word in hidden, f"the shareable {kind} is not on the screen"
        assert word in family, f"the shareable {kind} is not in the family copies"
    # The header counts every record the screen leaves out, the demo's own among them: 2 restricted
    # people (Max Fictional, ours), 2 actions, 2 concerns not shareable, 1 visit, the referrers of 2
    # concerns shown, 1 typed chronology entry and 1 service for a restricted person.
    assert counted == 11
