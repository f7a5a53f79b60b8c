"""Helpers shared by the Pilot tests: open the demo case as a chair would, press keys at human
speed or all at once (a paste, fast typing over a remote desktop), wait on a condition, and read
what is on disk."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import TextArea

DEMO_ID = "DEMO-0001"


async def settle(pilot: Any, app: Any) -> None:
    """Let the screen update and the app's workers (exports, saves) finish."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def put(screen: Any, selector: str, value: Any) -> None:
    """Fill a field the way a paste would: an input's value or a text area's text."""
    widget = screen.query_one(selector)
    if isinstance(widget, TextArea):
        widget.text = value
    else:
        widget.value = value


def _key(key: str) -> events.Key:
    names = {" ": "space", "-": "minus", ".": "full_stop", ",": "comma", "'": "apostrophe", "/": "slash"}
    if len(key) == 1:
        return events.Key(names.get(key, key), key)
    return events.Key(key, None)


async def human(pilot: Any, *keys: str) -> None:
    """Press keys as a person does: each one handled before the next is pressed."""
    await pilot.press(*[{" ": "space"}.get(k, k) for k in keys])
    await pilot.pause()


async def burst(pilot: Any, *keys: str) -> None:
    """Keys arriving together, with no pause between them (a paste, or fast typing over a remote
    desktop): every key is queued before the first is handled."""
    for key in keys:
        pilot.app.post_message(_key(key))
    await pilot.pause()


async def wait_until(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait, letting the app run, until `condition` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            screen = pilot.app.screen
            words = " ".join(str(w.render()) for w in screen.query("Label, Static"))[:600]
            raise AssertionError(f"timed out waiting for the screen (showing {type(screen).__name__}: {words})")
        await pilot.pause()
        await asyncio.sleep(0.01)


async def save_now(pilot: Any) -> None:
    """ctrl+s, as the chair presses it to be sure everything is on disk."""
    await human(pilot, "ctrl+s")


def case_on_disk(store: Any, case_id: str) -> dict[str, Any]:
    """The case file as the store last wrote it, read straight from disk."""
    path = Path(store.root) / "cases" / f"{case_id}.json"
    tables: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {name: list(table.values()) for name, table in tables.items()}


def step_record(meeting: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in meeting["steps"] if s["key"] == key)


async def open_walkthrough(pilot: Any, app: Any, *, attendance: bool = False) -> None:
    """From the case list: open the demo case, start a meeting (m, ctrl+s), and go on to the
    walk-through (escape from attendance), or stay at attendance."""
    await burst(pilot, "enter")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
    await burst(pilot, "m")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
    await burst(pilot, "ctrl+s")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
    if not attendance:
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen")


def shown_body(walk: Any) -> Any:
    """The widgets of the step the walk-through shows (it keeps the steps either side, hidden)."""
    body = walk.body
    assert body is not None, "no step is shown"
    return body


class Clock:
    """The app's clock, moved by the test as time passes."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now
