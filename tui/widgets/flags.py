"""Flags on the screen, and the restricted items the family must not see until the chair asks.

The chair may be sharing the screen with the family: whatever the family copy leaves out (a flag
naming a restricted person, a restricted risk) stays hidden until the chair presses f8, and a
line says how many items are hidden and which key shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from rich.text import Text
from textual.widgets import Static

from meetings.domain.flags import Flag, Severity

RESTRICTED_KEY = "f8"
FLAGS_KEY = "f6"


class FlagsBox(Static, can_focus=True):
    """A box of flags the cursor can reach (tab, or the flags key), so that flags below the fold
    are never out of reach of the keyboard; it scrolls into view when it has the cursor."""

    DEFAULT_CSS = """
    FlagsBox:focus { border: heavy $warning; }
    """


SEVERITY_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "bold yellow", Severity.INFO: "cyan"}


class Restricted(Protocol):
    @property
    def restricted(self) -> bool: ...


def hidden_line(count: int) -> str:
    """Says how many restricted items are not on the screen, and which key shows them."""
    return f"{count} restricted item{'s' if count != 1 else ''} hidden ({RESTRICTED_KEY} shows them)"


T = TypeVar("T", bound=Restricted)


def shown_items(items: Sequence[T], *, show_restricted: bool) -> tuple[list[T], int]:
    """The items to show, and how many restricted ones are hidden."""
    shown = list(items) if show_restricted else [i for i in items if not i.restricted]
    return shown, len(items) - len(shown)


def flags_text(flags: Sequence[Flag], *, show_restricted: bool) -> Text:
    shown, hidden = shown_items(flags, show_restricted=show_restricted)
    text = Text()
    for flag in shown:
        text.append("● ", style=SEVERITY_STYLE.get(flag.severity, ""))
        if flag.restricted:
            text.append("(restricted) ", style="bold red")
        text.append(flag.message + "\n")
    if not shown:
        text.append("No flags today." if not hidden else "No other flags.", style="green")
        if hidden:
            text.append("\n")
    if hidden:
        text.append(hidden_line(hidden), style="italic")
    return text


def toggled_notice(show_restricted: bool) -> tuple[str, str]:
    """What to tell the chair on pressing f8: the message and its severity."""
    if show_restricted:
        return "Restricted items are shown, marked (restricted). Check who can see the screen.", "warning"
    return "Restricted items are hidden.", "information"
