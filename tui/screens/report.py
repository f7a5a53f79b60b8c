"""The team manager's report: across every case the user may see, what is overdue or late, the most
urgent first. Each line opens its case."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from meetings.domain.report import ReportLine, report_csv
from meetings.domain.wording import day_month_year
from meetings.storage.base import StoreError

from ..widgets.footer import KeysFooter
from ..widgets.text import plain

if TYPE_CHECKING:
    from ..app import CoreGroupApp

COLUMNS = ("What", "How long", "Case", "Subject", "Child", "Detail")  # what matters first, on 80 columns too


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
        yield DataTable(id="report-table", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "What is overdue or late across the cases"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name)
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
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            [
                (
                    Text(line.kind_words, style="bold red" if line.days > 0 else ""),
                    Text(line.days_words),
                    Text(line.case_id),
                    Text(line.subject),
                    Text(line.children),
                    Text(line.detail),
                )
                for line in lines
            ]  # fmt: skip
        )
        self.ready = True

    def action_open_case(self) -> None:
        table = self.query_one(DataTable)
        if not self.lines or not 0 <= table.cursor_row < len(self.lines):
            return
        self.app.open_case(self.lines[table.cursor_row].case_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_case()

    def action_write_csv(self) -> None:
        from meetings.domain.locations import export_folder

        path = export_folder() / f"coregroup-report-{self.app.today().isoformat()}.csv"
        try:  # private from the start, as every file holding case details
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(report_csv(self.lines))
        except OSError as problem:
            self.notify(f"Could not write {path}: {problem.strerror}", severity="error", markup=False)
            return
        self.notify(f"Wrote the report to {path}", title="Report", timeout=8, markup=False)

    def action_close(self) -> None:
        self.app.pop_screen()
