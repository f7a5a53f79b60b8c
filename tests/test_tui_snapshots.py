"""Screenshots of the main screens with the fictional demo case, a stopped clock and no blinking.

Textual is pinned in pyproject.toml: its rendering changes between versions, and so would these.
Update with `pytest tests/test_tui_snapshots.py --snapshot-update` after checking the new images.
"""

from __future__ import annotations

from typing import Any

import pytest

from meetings.storage.store import Store


async def open_demo(pilot: Any) -> None:
    await pilot.press("enter")
    await pilot.pause()


async def walk_through(pilot: Any) -> None:
    await open_demo(pilot)
    await pilot.press("m")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()
    await pilot.press("ctrl+n")  # the membership check, with its flags
    await pilot.pause()
    await pilot.press(*"Everyone introduced themselves.")
    pilot.app.case_session.save_now()  # what the writer does within the second, done now so the image is stable
    pilot.app.screen.tick()
    await pilot.pause()


async def finish(pilot: Any) -> None:
    await walk_through(pilot)
    await pilot.press("ctrl+f")
    await pilot.pause()


SCREENS = {"case_list": None, "case_overview": open_demo, "walk_through": walk_through, "finish": finish}


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_screens(snap_compare: Any, store: Store, make_app: Any, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(store), run_before=SCREENS[screen], terminal_size=size)
