"""Small helpers shared by the Pilot tests."""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea


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
