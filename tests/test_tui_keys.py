"""Keyboard first: help lists every key, the palette runs this screen's commands, themes switch."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from tui_helpers import burst, open_walkthrough, wait_until

from meetings.storage.store import Store
from tui.screens.help import HelpScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm


async def test_help_lists_the_walk_through_keys(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.keys_table)
        text = console.export_text()
        for words in ("New action", "Next step", "Finish", "Open case", "Light/dark"):
            assert words in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_offers_the_current_screens_commands(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter", "m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WalkthroughScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"new action")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        assert app.screen.title_text == "New action"


async def test_a_key_switches_between_light_and_dark(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.current_theme.dark
        await pilot.press("f10")
        assert not app.current_theme.dark


def footer_words(screen: Any) -> str:
    return " ".join(str(key.render()) for key in screen.query("FooterKey"))


async def test_the_footer_follows_the_keys_when_a_meeting_is_finished(store: Store, make_app: Any) -> None:
    """The footer is rebuilt only when the keys it shows change (tui/widgets/footer.py): when they
    do change, it must show the new ones."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await wait_until(pilot, lambda: "Finish" in footer_words(walk))
        assert "Reopen" not in footer_words(walk)
        await burst(pilot, "ctrl+n", "ctrl+n", "ctrl+f")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FinishScreen")
        await burst(pilot, "tab", *"Trial of the footer", "ctrl+f")
        await wait_until(pilot, lambda: app.screen is walk and walk.ready and walk.locked)
        await wait_until(pilot, lambda: "Reopen" in footer_words(walk))
        assert "New action" not in footer_words(walk) and "Finish" not in footer_words(walk)


async def test_f1_opens_at_the_keys_of_the_screen_it_was_pressed_on(store: Store, make_app: Any) -> None:

    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_walkthrough(pilot, app)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.keys_table)
        rows = [line for line in console.export_text().splitlines() if "│" in line or "|" in line]
        first = next(line for line in rows if "Screen" not in line and line.strip("│|─ "))
        assert "Meeting walk-through (this screen)" in first
