"""A table of actions that fits the width it is given: what matters first, the rest as room allows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from meetings.domain.records import Action
from meetings.domain.visibility import Visibility
from meetings.domain.wording import action_type_words, humanise, short

# (heading, width). The action's text takes what is left; the others are shown in this order of
# need: at 80 columns No., Action, Due and Status; Owner and Carried from about 100; Type last.
ALWAYS = (("No.", 4), ("Due", 10), ("Status", 11))
AS_ROOM_ALLOWS = (("Owner", 16), ("Carried", 7), ("Type", 20))
ORDER = ("No.", "Action", "Owner", "Due", "Status", "Carried", "Type")
ACTION_AT_LEAST = 14  # below this the action's words are unreadable: leave a column out instead
ACTION_AT_MOST = 60
PADDING = 2  # a cell's padding, one each side
SCROLLBAR = 2


def layout(width: int) -> tuple[tuple[str, int], ...]:
    """The columns shown in `width` cells, in table order, with the action's text width."""
    chosen = list(ALWAYS)
    used = sum(w + PADDING for _, w in chosen) + PADDING + SCROLLBAR
    for name, w in AS_ROOM_ALLOWS:
        if width - used - (w + PADDING) >= ACTION_AT_LEAST:
            chosen.append((name, w))
            used += w + PADDING
    action = max(ACTION_AT_LEAST, min(ACTION_AT_MOST, width - used))
    widths = dict(chosen) | {"Action": action}
    return tuple((name, widths[name]) for name in ORDER if name in widths)


def cells(action: Action, columns: Sequence[tuple[str, int]], clean: Callable[[str], str] = str) -> list[Text]:
    """One action's row: text cut to its column with '…' (enter shows it in full), its words as
    `clean` leaves them first (a name cut short would escape the name guard)."""
    values = {
        "No.": str(action.number),
        "Owner": action.owner,
        "Due": str(action.due or ""),
        "Status": humanise(action.status.value),
        "Carried": str(action.times_carried_forward),
        "Type": action_type_words(action),
    }
    row = []
    for name, width in columns:
        if name == "Action":
            row.append(Text(short(clean(action.text), width)))
        else:
            row.append(Text(short(clean(values[name]), width)))
    return row


class ActionTable(DataTable[Any]):
    """Actions, one row each, with the columns that fit: it lays itself out again when its width
    changes (a resized terminal, a narrower screen)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.actions: list[Action] = []
        self.columns_shown: tuple[tuple[str, int], ...] = ()
        self.visibility: Visibility | None = None

    def show(self, actions: Sequence[Action], visibility: Visibility) -> None:
        """Show `actions`, refreshed in place: the cursor stays on its row. Their words as
        `visibility` may read them (the names the family copy withholds, withheld)."""
        self.actions = list(actions)
        self.visibility = visibility
        self._fill()

    def on_resize(self, event: events.Resize) -> None:
        if layout(self._width()) != self.columns_shown:
            self._fill()

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _fill(self) -> None:
        columns = layout(self._width())
        row = self.cursor_row
        if columns != self.columns_shown:
            self.clear(columns=True)
            for name, width in columns:
                self.add_column(name, width=width, key=name)
            self.columns_shown = columns
        else:
            self.clear()
        clean = self.visibility.text if self.visibility is not None else str  # the name guard, as in the family copy
        self.add_rows([cells(a, columns, clean) for a in self.actions])
        if self.actions:
            self.move_cursor(row=min(max(row, 0), len(self.actions) - 1))
