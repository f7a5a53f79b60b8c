"""The case's History tab (0): who changed what and when, newest first, restricted text hidden
until f8, filtered by person and dates with /. On both kinds of store."""

from __future__ import annotations

import dataclasses
import getpass
import json
from typing import Any

from textual.widgets import DataTable
from tui_helpers import DEMO_ID, burst, human, put, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.base import CaseStore
from meetings.storage.postgres import PostgresStore

DEMO: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


def rows(app: Any) -> list[list[str]]:
    table = app.screen.query_one("#table-history", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_history_tab_shows_who_changed_what_and_hides_restricted_text(
    backend: CaseStore, make_app: Any
) -> None:
    with backend.open(DEMO_ID) as case_file:
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
        restricted = next(p for p in case_file.case.people if p.restricted)
        case_file.save(dataclasses.replace(restricted, checks_done="Secret address (fictional, restricted)."))
    who = backend.user if isinstance(backend, PostgresStore) else getpass.getuser()
    app: Any = make_app(backend)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "0")
        # Opening the case recorded the timescales it finds missed: those saves are listed too, newest first.
        await wait_until(pilot, lambda: any("case.lead_social_worker" in r[3] for r in rows(app)))
        shown = rows(app)
        restricted_row = next(r for r in shown if r[3].startswith("people["))
        lead_row = next(r for r in shown if "case.lead_social_worker" in r[3])
        assert shown.index(restricted_row) < shown.index(lead_row)  # newest first
        assert restricted_row[1] == who and "(restricted)" in restricted_row[3]
        assert not any("Secret address" in r[3] for r in shown)
        assert "Robin Example (fictional)" in lead_row[3]
        await human(pilot, "f8")  # the chair shows restricted items: the change is shown too
        await wait_until(pilot, lambda: any("Secret address" in r[3] for r in rows(app)))
        await human(pilot, "/")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        put(app.screen, "#f-person", "someone-else-entirely")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and not rows(app))
