"""Every case in the store, searchable as you type."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from meetings.domain import search
from meetings.domain.records import PlanCategory
from meetings.domain.timescales import summary_core_group_due
from meetings.domain.wording import plan_category_words
from meetings.storage.base import CaseSummary, StoreError
from meetings.storage.journal import KeepsConflicts

from ..widgets.footer import KeysFooter
from ..widgets.text import plain
from .new_case import new_case

if TYPE_CHECKING:
    from ..app import CoreGroupApp

COLUMNS = ("Child", "Case", "Plan", "Last held", "Next due", "Open", "Overdue")
SEARCH_PAUSE = 0.03  # seconds after a key before the search runs, when typing slowly (see `on_input_changed`)
SLOW_TYPING = 0.15  # seconds between keys: at this pace or slower the table is filled after each key
PAGE_ROWS = 60  # the matching cases the table is given at a time: two screenfuls (see `_fill`)


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
        Binding(
            "f6",
            "report",
            "Report",
            tooltip="The team manager's report: what is overdue or late across the cases",
            id="report",
        ),  # fmt: skip
        Binding(
            "f7",
            "conflicts",
            "Kept saves",
            tooltip="Saves kept on this computer that could not be written to the team's store: review, discard",
            id="conflicts",
        ),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "conflicts":  # only a team's store keeps saves aside
            return isinstance(self.app.store, KeepsConflicts)
        return True

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[CaseSummary] = []
        self.shown: list[CaseSummary] = []
        # What the search looks in, and each case's row once built, both in the order of `summaries`.
        self._texts: list[str] = []
        self._rows: list[tuple[Text, ...] | None] = []
        self._shown_at: list[int] = []
        self._query: list[str] | None = None
        self._refill_timer: Timer | None = None
        self._last_key = 0.0
        self._pace: float | None = None  # seconds between the keys being typed, lately
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search cases: type a child's name, case id, plan or worker", id="case-search")
        yield DataTable(id="case-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="case-count")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Cases"
        table = self.query_one(DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.action_reload()
        table.focus()
        self.watch(table, "scroll_y", lambda y: self._near_end(y + table.size.height), init=False)

    def on_screen_resume(self) -> None:
        # Back from a case: its summary may have changed. (The first resume follows on_mount.)
        if self._resumed:
            self.action_reload()
        self._resumed = True

    def action_reload(self) -> None:
        try:
            self.summaries = self.app.store.list_cases()
        except StoreError as problem:  # a team's store out of reach: say so, and keep what is shown
            self.notify(f"{problem} ctrl+r tries again.", title="The case list", severity="error", timeout=15,
                        markup=False)  # fmt: skip
            return
        self._tell_of_conflicts()
        self._texts = [search.search_text(s) for s in self.summaries]
        self._rows = [None] * len(self.summaries)
        self._query = None
        self._fill()

    def _tell_of_conflicts(self) -> None:
        store = self.app.store
        if not isinstance(store, KeepsConflicts):
            return
        try:
            kept = store.conflicts()
        except OSError:
            return
        if kept:
            self.notify(
                f"{len(kept)} set{'s' if len(kept) != 1 else ''} of saves on this computer could not be written to "
                "the team's store (the case changed meanwhile). f7 shows what they hold.",
                title="Kept saves",
                severity="warning",
                timeout=12,
                markup=False,
            )

    def _fill(self) -> None:
        """Show the cases matching the search box.

        The filter is one pass over strings made once per reload (over the last key's result when
        a key only narrows it). The table then holds the first `PAGE_ROWS` matching cases, not all
        of them, and more as the chair moves or scrolls towards the end of those (`_near_end`): a
        DataTable measures every cell it is given and paints its visible rows again after every
        change, so thousands of rows given to it behind each key would hold up the keys after it."""
        if self._refill_timer is not None:
            self._refill_timer.stop()
            self._refill_timer = None
        value = self.query_one("#case-search", Input).value
        words = search.query_words(value)
        if words == self._query:
            return  # the same search (a space typed, say): the table already shows it
        reloaded = self._query is None
        among = None if reloaded or not search.narrows(self._query or [], words) else self._shown_at
        self._query = words
        at = search.matching(self._texts, words, among)
        value = " ".join(value.split())
        if at == self._shown_at and not reloaded:
            self._count(value)  # the same cases (a letter more of a word only they hold): the table stands
            return
        self._shown_at = at
        self.shown = [self.summaries[i] for i in at]
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(self._row(i) for i in at[:PAGE_ROWS])
        self._count(value)

    def _count(self, query: str) -> None:
        total = len(self.summaries)
        count = self.query_one("#case-count", Static)
        if total == 0:
            count.update("No cases yet. Press ctrl+n to create one.")
        else:
            count.update(plain(f"{len(self.shown)} of {total} cases" + (f" matching {query!r}" if query else "")))

    def _near_end(self, row: float) -> None:
        """Add the next page of matching cases once the cursor or the view nears the last row held."""
        table = self.query_one(DataTable)
        held = table.row_count
        if held < len(self._shown_at) and row + PAGE_ROWS // 2 >= held:
            table.add_rows(self._row(i) for i in self._shown_at[held : held + PAGE_ROWS])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._near_end(event.cursor_row)

    def _row(self, i: int) -> tuple[Text, ...]:
        row = self._rows[i]
        if row is None:
            s = self.summaries[i]
            row = self._rows[i] = (
                _cell(search.one_line(s.children)),
                _cell(search.one_line(s.id)),
                _cell(search.plan_words(s.plan_categories)),
                _cell(s.last_meeting or "none yet"),
                self._due(s),
                _cell(str(s.open_actions)),
                _overdue(s.overdue_actions(self.app.today())),
            )
        return row

    def _due(self, summary: CaseSummary) -> Text:
        """The timescale due date of the next core group; red once it has passed."""
        due = summary_core_group_due(summary, self.app.settings)
        if due is None:
            return _cell("not known")
        if due < self.app.today():
            return Text(f"{due} late", style="bold red")
        return _cell(str(due))

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter after a pause in typing: each key is in the box at once, and the table (whose
        filling and painting takes a few frames) is filled only when no key is expected during it.

        A chair typing slowly (a key every 150 ms or more) sees the cases a moment after each key;
        keys that come faster (fast typing, a burst over a remote desktop) are filtered once, when
        the typing pauses for half as long again as its pace, so that no key waits on the table."""
        now = time.monotonic()
        gap, self._last_key = now - self._last_key, now
        if gap > 1.0:
            self._pace = None  # typing starts again
        else:
            self._pace = gap if self._pace is None else (self._pace + gap) / 2
        if self._pace is None:  # the first key: wait to see whether a second comes straight after
            pause = SLOW_TYPING * 2 / 3
        elif self._pace < SLOW_TYPING:
            pause = max(SEARCH_PAUSE, min(1.5 * self._pace, SLOW_TYPING * 1.5))
        else:
            pause = SEARCH_PAUSE
        if self._refill_timer is not None:
            self._refill_timer.stop()
        self._refill_timer = self.set_timer(pause, self._fill)

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

    def action_conflicts(self) -> None:
        from .conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen())

    def action_report(self) -> None:
        from .report import ReportScreen

        self.app.push_screen(ReportScreen())

    def action_new_case(self) -> None:
        new_case(self.app)


def _cell(text: str) -> Text:
    """A cell as the table shows a plain string, but never read as markup: a child's name may
    hold square brackets."""
    return Text(text, no_wrap=True, end="")


def _overdue(n: int) -> Text:
    return Text(str(n), style="bold red") if n else _cell("0")
