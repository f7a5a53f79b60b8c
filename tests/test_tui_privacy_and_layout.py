"""Restricted flags stay off a shared screen until the chair reveals them; notes carry on where
they ended; the chronology goes out as the full or the family copy; every form's keys and
buttons can be reached on a small terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from textual.widgets import Input, Static, TextArea
from tui_helpers import DEMO_ID, burst, case_on_disk, human, open_walkthrough, save_now, settle, wait_until

from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.screens.start import StartMeetingForm
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import Choose, RecordForm

RESTRICTED_MAN = "Max Fictional"  # marked restricted in the demo case


def shown_text(screen: Any) -> str:
    return " ".join(" ".join(str(s.render()) for s in screen.query(Static)).split())


async def walk_through(pilot: Any) -> WalkthroughScreen:
    await pilot.press("enter", "m")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WalkthroughScreen)
    return screen


async def test_restricted_flags_are_hidden_until_the_chair_reveals_them(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        flags = str(app.screen.query_one("#case-flags", Static).render())
        assert RESTRICTED_MAN not in flags
        # Not assessed, never on a core group's list, and among the open risks: three flags name him.
        assert "3 restricted items hidden (f8 shows them)" in " ".join(flags.split())
        await pilot.press("f8")
        await pilot.pause()
        flags = str(app.screen.query_one("#case-flags", Static).render())
        assert RESTRICTED_MAN in flags and "(restricted)" in flags and "hidden" not in flags
        await pilot.press("f8")
        await pilot.pause()
        assert RESTRICTED_MAN not in str(app.screen.query_one("#case-flags", Static).render())

        # The walk-through's membership step: no restricted name anywhere on the screen.
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await walk.go_to("membership")
        await pilot.pause()
        text = shown_text(walk)
        assert RESTRICTED_MAN not in text and "restricted item hidden" in text
        await pilot.press("f8")
        await pilot.pause()
        await pilot.pause()
        assert app.show_restricted
        text = shown_text(walk)
        assert RESTRICTED_MAN in text and "(restricted)" in text


async def test_going_back_to_a_step_carries_on_after_the_notes(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        walk = await walk_through(pilot)
        await pilot.press(*"Robin was seen.")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+b")
        await pilot.pause()
        await pilot.press(*" Alex visited.")
        await pilot.pause()
        assert walk.query_one("#notes", TextArea).text == "Robin was seen. Alex visited."


async def test_the_chair_chooses_the_family_copy_of_the_chronology(store: Store, make_app: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Choose)
        await pilot.press("y")  # the family copy
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await pilot.press("enter")  # checked: write it
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        app.screen.query_one("#ask-input", Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot, app)
    assert sorted(p.name for p in out.iterdir()) == ["DEMO-0001-chronology-family.docx"]
    document = docx.Document(str(out / "DEMO-0001-chronology-family.docx"))
    words = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    words += " ".join(p.text for p in document.paragraphs)
    assert "Anonymous referral" not in words  # the demo's entry not shareable with the family


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("form", ["start", "person"])
async def test_every_form_shows_its_keys_and_buttons_on_a_small_terminal(
    store: Store, make_app: Any, size: tuple[int, int], form: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        if form == "start":
            await pilot.press("m")
        else:
            app.screen.query_one("TabbedContent").active = "people"
            await pilot.pause()
            await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StartMeetingForm if form == "start" else RecordForm)
        width, height = size
        for button in ("#form-save", "#form-cancel"):
            region = screen.query_one(button).region
            assert region.right <= width and region.bottom <= height, (button, region)
        keys = screen.query_one(".form-keys", Static)
        assert "ctrl+s" in str(keys.render()) and keys.region.bottom <= height
        footer = " ".join(str(w.render()) for w in screen.query("FooterKey"))
        assert "Cancel" in footer and ("Start" in footer or "Save" in footer)


async def test_restricted_notes_stay_off_the_screen_until_the_chair_presses_f8(store: Store, make_app: Any) -> None:
    """What the family copy leaves out is hidden on screen too: the family may see it."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        restricted = walk.query_one("#restricted")
        assert not restricted.display
        assert "f8 to write them" in str(walk.query_one("#restricted-hidden").render())
        await human(pilot, "f8")  # the chair checks who can see the screen, then shows them
        await wait_until(pilot, lambda: restricted.display)
        # Shown to be written in: the cursor goes there, so what is typed next is restricted
        # (it went on into the family-visible notes, a trial found).
        await wait_until(pilot, lambda: restricted.has_focus)
        await burst(pilot, *"Seen by the fictional police")
        await wait_until(pilot, lambda: restricted.text == "Seen by the fictional police")
        await human(pilot, "f8")
        await wait_until(pilot, lambda: not restricted.display)
        assert "Seen by the fictional police" not in "".join(str(s.render()) for s in walk.query("Static"))
        await save_now(pilot)
    step = case_on_disk(store, DEMO_ID)["meetings"][-1]["steps"][0]
    assert (step["notes"], step["restricted_notes"]) == ("", "Seen by the fictional police")
