"""The team manager's report: across every case the user may see, what is overdue or late, the most
urgent first. Each line opens its case.

The lines are shown by `ReportTable`, which draws only the rows on the screen: a team's report can
run to tens of thousands of lines, and a DataTable measured every cell of every row as they were
added (15-23 s for 90,000 lines, docs/benchmark-team-store.md)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Header, Static

from meetings.domain.report import ReportLine, report_csv
from meetings.domain.wording import day_month_year
from meetings.exports.output import not_written, write_output
from meetings.storage.base import StoreError

from ..widgets.footer import KeysFooter
from ..widgets.text import plain

if TYPE_CHECKING:
    from ..app import CoreGroupApp

COLUMNS = ("What", "How long", "Case", "Subject", "Child", "Detail")  # what matters first, on 80 columns too
GAP = 2  # cells between columns


class ReportTable(ScrollView, can_focus=True):
    """The report's lines as a table that draws only the rows in view (the Line API): filling it
    with 90,000 lines is making their cells' text, and the columns' widths from the distinct values.
    A header row stays at the top; the highlighted row (`cursor_row`) moves with the arrow keys,
    page up and down, home and end, and a click (a click on the highlighted row opens its case)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "report-table--header",
        "report-table--cursor",
        "report-table--even-row",
        "report-table--late",
    }

    DEFAULT_CSS = """
    ReportTable {
        background: $surface;
        color: $foreground;
        & > .report-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .report-table--even-row { background: $surface-lighten-1 50%; }
        & > .report-table--late { text-style: bold; color: $error; }
        & > .report-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .report-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class Chosen(Message):
        """The highlighted row was clicked: open its case."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._lines: list[ReportLine] = []
        self._widths = [cell_len(name) for name in COLUMNS]

    @property
    def row_count(self) -> int:
        return len(self._lines)

    def get_row_at(self, index: int) -> tuple[str, ...]:
        return _cells(self._lines[index])

    def set_lines(self, lines: list[ReportLine]) -> None:
        """Show these lines. A row's cells are made when it is drawn; the columns' widths come from
        the distinct values of each (a team's report repeats its kinds, days, names and details)."""
        self._lines = lines
        kinds = {line.kind for line in lines}
        days = {(line.kind, line.days) for line in lines}
        values: list[set[str]] = [
            {kind.words for kind in kinds},
            {ReportLine("", "", "", kind, "", dt.date.min, n, "").days_words for kind, n in days},
            {line.case_id for line in lines},
            {line.subject for line in lines},
            {line.children for line in lines},
            {line.detail for line in lines},
        ]
        self._widths = [
            max([cell_len(name), *(cell_len(_one_line(value)) for value in column)])
            for name, column in zip(COLUMNS, values, strict=True)
        ]
        self.virtual_size = Size(sum(self._widths) + GAP * len(COLUMNS), len(lines) + 1)
        self.cursor_row = 0
        self.scroll_home(animate=False)
        self.refresh()

    def _row_strip(self, cells: tuple[str, ...], style: Style, first: Style | None = None) -> Strip:
        segments = [Segment(" ", style)]
        for n, (value, width) in enumerate(zip(cells, self._widths, strict=True)):
            text = set_cell_size(_one_line(value), width) + " " * (GAP - 1 if n < len(cells) - 1 else 0)
            segments.append(Segment(text, first if n == 0 and first is not None else style))
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:  # the header, whatever the scroll
            style = base + self.get_component_rich_style("report-table--header")
            return (
                self._row_strip(COLUMNS, style)
                .extend_cell_length(width + scroll_x, style)
                .crop(scroll_x, scroll_x + width)
            )
        index = scroll_y + y - 1
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, base)
        style = base
        if index % 2:
            style += self.get_component_rich_style("report-table--even-row")
        if index == self.cursor_row:
            style += self.get_component_rich_style("report-table--cursor")
        line = self._lines[index]
        first = style + self.get_component_rich_style("report-table--late") if line.days > 0 else None
        return (
            self._row_strip(_cells(line), style, first)
            .extend_cell_length(width + scroll_x, style)
            .crop(scroll_x, scroll_x + width)
        )

    def watch_cursor_row(self, row: int) -> None:
        """Keep the highlighted row in view (below the header)."""
        seen = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + seen:
            self.scroll_to(y=row - seen + 1, animate=False)
        self.refresh()

    def action_move(self, by: int) -> None:
        if self._lines:
            self.cursor_row = min(max(0, self.cursor_row + by), len(self._lines) - 1)

    def action_page(self, pages: int) -> None:
        self.action_move(pages * max(1, self.size.height - 1))

    def action_move_to(self, row: int) -> None:
        if self._lines:
            self.cursor_row = row % len(self._lines)

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self._lines):
            event.stop()
            if index == self.cursor_row:
                self.post_message(self.Chosen(index))
            else:
                self.cursor_row = index


def _cells(line: ReportLine) -> tuple[str, ...]:
    return (line.kind_words, line.days_words, line.case_id, line.subject, line.children, line.detail)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class ReportScreen(Screen[None]):
    """What is due or late across the cases, worked out by the store (SQL on a team's store)."""

    DEFAULT_CSS = """
    #report-summary { height: auto; padding: 0 1; }
    #report-table { height: 1fr; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open_case", "Open case", tooltip="Open the case of the highlighted line", id="open", show=True
        ),  # fmt: skip
        Binding(
            "w", "write_csv", "Write CSV", tooltip="Write the report as a CSV file (for a spreadsheet)", id="report-csv"
        ),  # fmt: skip
        Binding("ctrl+r", "reload", "Reload", tooltip="Work the report out again", id="report-reload"),
        Binding("escape", "close", "Cases", tooltip="Back to the case list", id="report-close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[ReportLine] = []
        self.ready = False  # the report is on the screen (for a test or a benchmark to wait on)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Working out the report...", id="report-summary")
        yield ReportTable(id="report-table")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "What is overdue or late across the cases"
        self.query_one(ReportTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.ready = False
        self._work_out(self.app.today())

    @work(thread=True, exclusive=True, group="report")
    def _work_out(self, today: dt.date) -> None:
        """Off the screen's thread: on a team's store the server answers, which takes a moment."""
        try:
            lines = self.app.store.report(today)
        except StoreError as problem:
            self.app.call_from_thread(self._failed, str(problem))
            return
        self.app.call_from_thread(self._show, lines, today)

    def _failed(self, problem: str) -> None:
        self.query_one("#report-summary", Static).update(plain(f"The report could not be worked out: {problem}"))
        self.ready = True

    def _show(self, lines: list[ReportLine], today: dt.date) -> None:
        self.lines = lines
        cases = len({line.case_id for line in lines})
        summary = (
            f"As at {day_month_year(today)}: {len(lines)} item{'s' if len(lines) != 1 else ''} across {cases} "
            f"case{'s' if cases != 1 else ''}, the most urgent first. Enter opens a case; w writes a CSV file."
            if lines
            else f"As at {day_month_year(today)}: nothing is overdue, late or due soon in the cases you may see."
        )
        self.query_one("#report-summary", Static).update(plain(summary))
        self.query_one(ReportTable).set_lines(lines)
        self.ready = True

    def action_open_case(self) -> None:
        table = self.query_one(ReportTable)
        if not self.lines or not 0 <= table.cursor_row < len(self.lines):
            return
        self.app.open_case(self.lines[table.cursor_row].case_id)

    def on_report_table_chosen(self, event: ReportTable.Chosen) -> None:
        self.action_open_case()

    def action_write_csv(self) -> None:
        from meetings.domain.locations import export_folder

        path = export_folder() / f"coregroup-report-{self.app.today().isoformat()}.csv"
        try:  # private, whole, and never through a link or onto a device: as every file written
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_output(path, report_csv(self.lines).encode("utf-8"))
        except StoreError as refused:  # a link, a folder or a read-only file of that name: named
            self.notify(str(refused), severity="error", markup=False)
            return
        except OSError as problem:
            self.notify(not_written(path, problem), severity="error", markup=False)
            return
        self.notify(f"Wrote the report to {path}", title="Report", timeout=8, markup=False)

    def action_close(self) -> None:
        self.app.pop_screen()
