"""The case's History tab (0): who changed what and when, newest first, restricted text hidden
until f8, filtered by person and dates with /. On both kinds of store."""

from __future__ import annotations

import dataclasses
import getpass
import json
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Static
from tui_helpers import DEMO_ID, burst, human, put, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.base import CaseStore
from meetings.storage.postgres import PostgresStore
from meetings.storage.store import Store

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


async def test_the_history_tab_shows_events_and_entries_from_a_case_file_apart_and_warns_of_a_break(
    tmp_path: Path, make_app: Any
) -> None:
    store = Store(tmp_path / "store")
    claimed = {"at": "2026-03-12T10:00:00Z", "who": "kaur", "machine": "laptop-3", "changes": [
        {"path": "case.lead_social_worker", "old": "", "new": "Wren Example", "restricted": False}]}  # fmt: skip
    store.import_data({**DEMO, "history": [claimed]})
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
    history = store.root / "cases" / f"{DEMO_ID}.history"
    history.write_bytes(b"".join(history.read_bytes().splitlines(keepends=True)[:-1]))  # the last save cut off
    app: Any = make_app(store)
    async with app.run_test(size=(160, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "0")
        await wait_until(pilot, lambda: any("imported" in r[3] for r in rows(app)))
        shown = rows(app)
        assert [r[3] for r in shown if r[1] == getpass.getuser()][-1] == "case imported from a case file"
        [theirs] = [r for r in shown if r[1].startswith("kaur")]
        who = f"kaur (from a case file imported by {getpass.getuser()}; not recorded by this store)"
        assert theirs[1:] == [who, "laptop-3", 'case.lead_social_worker: (empty) → "Wren Example"']
        said = str(app.screen.query_one("#history-filter", Static).render())
        assert said.startswith(f"Warning: The history of case {DEMO_ID} is not as this store wrote it")
