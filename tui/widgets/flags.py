"""Flags on the screen, and the restricted items the family must not see until the chair asks.

The chair may be sharing the screen with the family: whatever the family copy leaves out (a flag
naming a restricted person, a restricted risk) stays hidden until the chair presses f8, and a
line says how many items are hidden and which key shows them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from meetings.domain.flags import Flag, Severity
from meetings.domain.visibility import Visibility

RESTRICTED_KEY = "f8"
FLAGS_KEY = "f6"
SHARING_KEY = "f12"


class FlagsBox(Static, can_focus=True):
    """A box of flags the cursor can reach (tab, or the flags key), so that flags below the fold
    are never out of reach of the keyboard; it scrolls into view when it has the cursor."""

    DEFAULT_CSS = """
    FlagsBox:focus { border: heavy $warning; }
    """


SEVERITY_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "bold yellow", Severity.INFO: "cyan"}


def hidden_line(count: int) -> str:
    """Says how many restricted items are not on the screen, and which key shows them."""
    return f"{count} restricted item{'s' if count != 1 else ''} hidden ({RESTRICTED_KEY} shows them)"


def flags_text(flags: Sequence[Flag], visibility: Visibility) -> Text:
    """The flags as `visibility` lets the screen show them: in full, or a restricted one by its
    words without details, or only counted."""
    text = Text()
    shown = hidden = 0
    for flag in flags:
        words = visibility.flag_words(flag)
        if words is None:
            hidden += 1
            continue
        text.append("● ", style=SEVERITY_STYLE.get(flag.severity, ""))
        if visibility.marked(flag):
            text.append("(restricted) ", style="bold red")
        if words is flag.message:
            shown += 1
            text.append(words + "\n")
        else:
            hidden += 1
            text.append(f"{words} ({RESTRICTED_KEY} shows it)\n", style="italic")
    if not text:
        text.append("No flags today." if not hidden else "No other flags.\n", style="green")
    if hidden:
        text.append(hidden_line(hidden), style="italic")
    return text


def toggled_notice(show_restricted: bool) -> tuple[str, str]:
    """What to tell the chair on pressing f8: the message and its severity."""
    if show_restricted:
        return "Restricted items are shown, marked (restricted). Check who can see the screen.", "warning"
    return "Restricted items are hidden.", "information"


def sharing_notice(*, on: bool = True, locked: bool = False) -> str:
    """What to tell the chair on starting or ending sharing the screen, or pressing f8 while sharing."""
    if locked:
        return f"Sharing the screen: restricted items stay hidden. {SHARING_KEY} ends sharing first."
    if on:
        return f"Sharing the screen: everything restricted is locked out of view, f8 too, until {SHARING_KEY}."
    return "Sharing the screen ended: f8 shows restricted items again."
