"""Every case in the store, searchable as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from meetings.domain.records import PlanCategory
from meetings.domain.timescales import summary_core_group_due
from meetings.domain.wording import plan_category_words
from meetings.storage.base import CaseSummary

from .new_case import new_case

if TYPE_CHECKING:
    from ..app import CoreGroupApp

COLUMNS = ("Child", "Case", "Plan", "Last held", "Next due", "Open", "Overdue")


def plan_text(categories: tuple[str, ...] | list[str]) -> str:
    return plan_category_words(PlanCategory(c) for c in categories)


class CaseListScreen(Screen[None]):
    DEFAULT_CSS = """
    #case-search { margin: 0 1; }
    #case-table { height: 1fr; }
    #case-count { height: 1; padding: 0 1; color: $text-muted; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_case", "Open case", tooltip="Open the highlighted case", id="open", show=True),
        Binding("ctrl+n", "new_case", "New case", tooltip="Create a new case", id="new-case"),
        Binding("slash", "search", "Search", tooltip="Type to find a case by child, id, plan or worker", id="search"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the case list again", id="reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[CaseSummary] = []
        self.shown: list[CaseSummary] = []
        self._filter_timer: Timer | None = None
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search cases: type a child's name, case id, plan or worker", id="case-search")
        yield DataTable(id="case-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="case-count")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Cases"
        table = self.query_one(DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.action_reload()
        table.focus()

    def on_screen_resume(self) -> None:
        # Back from a case: its summary may have changed. (The first resume follows on_mount.)
        if self._resumed:
            self.action_reload()
        self._resumed = True

    def action_reload(self) -> None:
        self.summaries = self.app.store.list_cases()
        self._fill()

    def _fill(self) -> None:
        query = self.query_one("#case-search", Input).value.strip().casefold()
        if query:
            self.shown = [s for s in self.summaries if query in _haystack(s)]
        else:
            self.shown = self.summaries
        today = self.app.today()
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            (
                s.children,
                s.id,
                plan_text(s.plan_categories),
                s.last_meeting or "none yet",
                self._due(s),
                str(s.open_actions),
                _overdue(s.overdue_actions(today)),
            )
            for s in self.shown
        )
        total = len(self.summaries)
        count = self.query_one("#case-count", Static)
        if total == 0:
            count.update("No cases yet. Press ctrl+n to create one.")
        else:
            count.update(f"{len(self.shown)} of {total} cases" + (f" matching {query!r}" if query else ""))

    def _due(self, summary: CaseSummary) -> Text | str:
        """The timescale due date of the next core group; red once it has passed."""
        due = summary_core_group_due(summary, self.app.settings)
        if due is None:
            return "not known"
        if due < self.app.today():
            return Text(f"{due} late", style="bold red")
        return str(due)

    def on_input_changed(self, event: Input.Changed) -> None:
        # A large store is filtered after a short pause rather than on every key.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        delay = 0.0 if len(self.summaries) < 2000 else 0.15
        self._filter_timer = self.set_timer(delay, self._fill)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_case()

    def action_search(self) -> None:
        self.query_one("#case-search", Input).focus()

    def action_open_case(self) -> None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0:
            return
        self.app.open_case(self.shown[table.cursor_row].id)

    def action_new_case(self) -> None:
        new_case(self.app)


def _overdue(n: int) -> Text | str:
    return Text(str(n), style="bold red") if n else "0"


def _haystack(s: CaseSummary) -> str:
    return f"{s.children} {s.id} {plan_text(s.plan_categories)} {s.lead_social_worker}".casefold()
