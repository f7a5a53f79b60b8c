"""The team manager's report in the app: f6 from the case list, the most urgent first, enter opens
the case, w writes a CSV file. On a store of files and on a team's store on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from tui_helpers import DEMO_ID, human, wait_until

from meetings.domain.locations import data_dir, export_folder
from meetings.storage.base import CaseStore

DEMO: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


async def test_the_report_lists_what_is_late_and_opens_the_case(
    backend: CaseStore, make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app: Any = make_app(backend)
    expected = backend.report(dt.date(2026, 11, 20))
    assert expected
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "f6")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReportScreen" and app.screen.ready)
        table = app.screen.query_one("#report-table")
        assert table.row_count == len(expected)
        await human(pilot, "end")
        assert table.cursor_row == len(expected) - 1
        await human(pilot, "up", "pagedown")
        assert table.cursor_row == len(expected) - 1
        await human(pilot, "home")
        assert table.cursor_row == 0
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[:3] == [expected[0].kind_words, expected[0].days_words, DEMO_ID]
        summary = str(app.screen.query_one("#report-summary", Static).render())
        assert f"{len(expected)} items across 1 case" in summary
        await human(pilot, "w")
        written = export_folder() / "coregroup-report-2026-11-20.csv"
        await wait_until(pilot, written.exists)
        rows = list(csv.DictReader(written.open(encoding="utf-8")))
        assert [r["case_id"] for r in rows] == [line.case_id for line in expected]
        assert written.stat().st_mode & 0o777 == 0o600
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        assert DEMO_ID in str(app.screen.sub_title)
