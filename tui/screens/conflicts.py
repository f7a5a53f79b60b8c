"""Saves kept on this computer that could not be written to the team's store (someone else changed
the case meanwhile), set aside as conflict copies: what each would change, in words, and a way to
discard one once its changes have been typed again or are not wanted."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from meetings.storage.base import StoreError
from meetings.storage.journal import ConflictCopy, KeepsConflicts

from ..widgets.footer import KeysFooter
from ..widgets.forms import Confirm

if TYPE_CHECKING:
    from ..app import CoreGroupApp

COLUMNS = ("Case", "Set aside", "Saves")


class ConflictsScreen(Screen[None]):
    """The conflict copies of the team's store on this computer."""

    DEFAULT_CSS = """
    #conflicts-table { height: auto; max-height: 12; }
    #conflict-changes-box { height: 1fr; border-top: solid $primary; padding: 0 1; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "review", "Review", tooltip="Show what the highlighted copy would change", id="review"),
        Binding("d", "discard", "Discard", tooltip="Delete the highlighted copy (asks first)", id="discard"),
        Binding("escape", "close", "Cases", tooltip="Back to the case list", id="conflicts-close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.copies: list[ConflictCopy] = []
        self.reviewed: ConflictCopy | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="conflicts-summary")
        yield DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="conflict-changes-box"):
            yield Static(id="conflict-changes")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Saves that could not be written to the team's store"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name)
        self.reload()
        table.focus()

    def reload(self) -> None:
        store = self.app.store
        try:
            self.copies = store.conflicts() if isinstance(store, KeepsConflicts) else []
        except OSError as problem:
            self.notify(f"The kept saves cannot be read: {problem.strerror}.", severity="error", markup=False)
            self.copies = []
        table = self.query_one(DataTable)
        table.clear()
        for copy in self.copies:
            table.add_row(Text(copy.case_id), Text(f"{copy.when:%d %b %Y %H:%M}"), Text(str(copy.saves)))
        self.query_one("#conflicts-summary", Static).update(
            Text(
                f"{len(self.copies)} set{'s' if len(self.copies) != 1 else ''} of saves kept on this computer could not "
                "be written: the case was changed by someone else meanwhile. Review what each holds, type what "
                "is still needed into the case, then discard the copy."
                if self.copies
                else "No saves are waiting here: everything typed on this computer is in the team's store."
            )
        )
        self.reviewed = None
        self.query_one("#conflict-changes", Static).update("")
        if self.copies:
            self.action_review()

    def _highlighted(self) -> ConflictCopy | None:
        row = self.query_one(DataTable).cursor_row
        return self.copies[row] if 0 <= row < len(self.copies) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.reviewed is not None and self._highlighted() is not self.reviewed:
            self.query_one("#conflict-changes", Static).update("")
            self.reviewed = None

    def action_review(self) -> None:
        copy = self._highlighted()
        if copy is None:
            return
        store = self.app.store
        if not isinstance(store, KeepsConflicts):
            return
        try:
            words = store.conflict_changes(copy, show_restricted=not self.app.audience().withholds)
        except StoreError as problem:
            self.notify(str(problem), title="Cannot review it", severity="error", timeout=10, markup=False)
            return
        self.reviewed = copy
        heading = f"Case {copy.case_id}, set aside {copy.when:%d %b %Y %H:%M}: what it would change now\n"
        body = "\n".join(f"• {w}" for w in words) if words else "Nothing: the team's store already holds all of it."
        self.query_one("#conflict-changes", Static).update(Text(heading, style="bold") + Text(body))

    def action_discard(self) -> None:
        copy = self._highlighted()
        if copy is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            store = self.app.store
            if not isinstance(store, KeepsConflicts):
                return
            try:
                store.discard_conflict(copy)
            except (StoreError, OSError) as problem:
                self.notify(str(problem), title="Not discarded", severity="error", timeout=10, markup=False)
                return
            self.notify(f"The kept saves of case {copy.case_id} were discarded.", timeout=6, markup=False)
            self.reload()

        self.app.push_screen(
            Confirm(
                f"Discard the {copy.saves} save{'s' if copy.saves != 1 else ''} of case {copy.case_id} kept on this "
                f"computer since {copy.when:%d %b %Y %H:%M}? They are not in the team's store, and cannot be got "
                "back.",
                yes="Discard",
                no="Keep",
            ),
            answered,
        )

    def action_close(self) -> None:
        self.app.pop_screen()
