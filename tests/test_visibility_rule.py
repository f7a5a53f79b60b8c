"""One visibility rule: what the screen hides until f8 is exactly what the family copy leaves out,
asked of one place (`meetings.domain.visibility`) by every table, summary and count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static
from tui_helpers import human, open_walkthrough, shown_body, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.store import Store
from tui.screens.walkthrough import WalkthroughScreen

CHECK = "Sampleshire check: earlier involvement with another council (fictional)"


def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def check_store(tmp_path: Path) -> Store:
    """The demo case with one more open action, restricted: a check with another council."""
    data = demo()
    data["actions"].append(
        {"number": 8, "text": CHECK, "owner": "Ash Placeholder", "agency": "Children's services",
         "raised_at": 1, "due": "2026-12-18", "status": "open", "restricted": True}
    )  # fmt: skip
    store = Store(tmp_path / "store")
    store.import_data(data)
    return store


def words(widget: Any) -> str:
    """What a widget shows, as one line of words."""
    if isinstance(widget, DataTable):
        rows = (" ".join(str(c) for c in widget.get_row_at(i)) for i in range(widget.row_count))
        return " ".join(" ".join(rows).split())
    return " ".join(str(widget.render()).split())


def step_words(walk: WalkthroughScreen) -> str:
    body = shown_body(walk)
    return " ".join(words(w) for w in [*body.query(Static), *body.query(DataTable)])


async def to_step(pilot: Any, walk: WalkthroughScreen, key: str) -> str:
    """ctrl+n, as a chair moves on, until the step `key` is shown; then what it shows."""
    while walk.meeting.steps[walk.index].key != key:
        at = walk.index
        await human(pilot, "ctrl+n")
        await wait_until(pilot, lambda at=at: walk.index != at)  # type: ignore[misc]
    await wait_until(pilot, lambda: bool(step_words(walk)))
    return step_words(walk)


async def test_the_review_of_actions_hides_a_restricted_action_until_f8(check_store: Store, make_app: Any) -> None:
    app = make_app(check_store)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        review = await to_step(pilot, walk, "review_actions")
        assert "Sampleshire" not in review  # the table, the summary and the flags alike
        assert "Complete a" in review  # a shareable action is listed
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "Sampleshire" in step_words(walk))
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "Sampleshire" not in step_words(walk))


def header(app: Any) -> str:
    from textual.widgets import Header

    return " ".join(str(w.render()) for w in app.screen.query(Header).first().query("*"))


async def test_sharing_the_screen_locks_restricted_items_away_across_screens(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(140, 40)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "f12")
        await wait_until(pilot, lambda: "SHARING THE SCREEN" in header(app))
        await human(pilot, "f8")  # locked: the restricted visitor stays off the screen
        await pilot.pause()
        assert "Max Fictional" not in str(app.screen.query_one("#case-flags", Static).render())
        await open_walkthrough(pilot, app, attendance=False)
        assert "SHARING THE SCREEN" in header(app)  # survives the change of screen
        await human(pilot, "f8")
        await pilot.pause()
        assert "Max Fictional" not in step_words(app.screen)
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "f12", "f8")
        await wait_until(pilot, lambda: "Max Fictional" in str(app.screen.query_one("#case-flags", Static).render()))
        assert "SHARING" not in header(app)


async def test_an_online_meeting_offers_sharing_the_screen(store: Store, make_app: Any) -> None:
    from textual.widgets import Select

    app = make_app(store)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        app.screen.query_one("#m-mode", Select).value = "online"  # as the chair chooses it in the list
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await human(pilot, "y")
        await wait_until(pilot, lambda: "SHARING THE SCREEN" in header(app))


# ----- the Word copies ask the same rule --------------------------------------------------------


def test_the_family_brief_leaves_out_a_service_for_a_restricted_person_by_the_rule_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service for a restricted person is off the Services tab until f8 and out of the family
    chronology; the family brief left it in ("Service ended ...: <service> (<person>)"), and only the
    name guard kept the person's name out. With the name guard off, the rule alone withholds it."""
    import datetime as dt

    import docx

    from meetings.domain import schema
    from meetings.domain.family import Restrictions
    from meetings.domain.records import Case, CopyType, Service
    from meetings.domain.settings import Settings
    from meetings.exports.brief import write_brief

    case = schema.load(Case, demo())
    case.services.append(
        Service(id=case.next_number("services"), name="Kestrelford weekend programme (fictional)",
                agency="Kestrelford Probation", for_whom="Max Fictional", start_date=dt.date(2026, 5, 1),
                end_date=dt.date(2026, 11, 2))
    )  # fmt: skip

    def brief(copy: CopyType) -> str:
        out = write_brief(case, tmp_path / f"{copy.value}.docx", today=dt.date(2026, 11, 20), copy=copy,
                          settings=Settings())  # fmt: skip
        return "\n".join(p.text for p in docx.Document(str(out)).paragraphs)

    assert "Kestrelford" in brief(CopyType.FULL)
    # The name guard off: no name is withheld from the words (the rule still knows whom a service is for).
    monkeypatch.setattr(Restrictions, "cleaner", lambda self: None)
    family = brief(CopyType.FAMILY)
    assert "Kestrelford" not in family
    assert "restricted item(s) left out of this copy" in family


# ----- a flag is never hidden whole ------------------------------------------------------------------

SURNAME_ONLY = "Tenancy support for Mr Fictional (fictional)"


@pytest.fixture
def surname_store(tmp_path: Path) -> Store:
    """The demo case with a service for a shareable person, its name naming the restricted visitor
    by his surname alone, ending with nothing to follow it (so a flag says so)."""
    data = demo()
    data["services"].append(
        {"id": 99, "name": SURNAME_ONLY, "agency": "Sample Homes", "for_whom": "Lee Placeholder",
         "start_date": "2026-01-05", "end_date": "2026-12-01", "successor": "", "notes": ""}
    )  # fmt: skip
    store = Store(tmp_path / "store")
    store.import_data(data)
    return store


def case_flags_words(app: Any) -> str:
    return " ".join(str(app.screen.query_one("#case-flags", Static).render()).split())


async def test_a_flag_naming_a_restricted_person_by_surname_is_shown_without_its_details(
    surname_store: Store, make_app: Any
) -> None:
    """The flag's words name the restricted visitor by his surname alone: as the app opens it is
    neither shown with the name nor hidden whole, but said without its details; f8 shows it."""
    app = make_app(surname_store)
    async with app.run_test(size=(140, 40)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: "restricted item" in case_flags_words(app))
        hidden = case_flags_words(app)
        assert "Mr Fictional" not in hidden
        assert "A flag about a restricted person: a service is ending with nothing to follow it." in hidden
        await human(pilot, "8")  # the Services tab: the service is shareable, the name in it is not
        table = app.screen.query_one("#table-services", DataTable)
        await wait_until(pilot, lambda: "Tenancy support for" in words(table))
        assert "Mr [name withheld]" in words(table) and "Fictional" not in words(table)
        await human(pilot, "f8")
        await wait_until(pilot, lambda: SURNAME_ONLY in words(table))
        await human(pilot, "1")
        await wait_until(pilot, lambda: SURNAME_ONLY in case_flags_words(app))
        assert "A flag about a restricted person" not in case_flags_words(app)
