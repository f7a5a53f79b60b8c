"""Any case the import accepts can be listed, reported on, exported and opened in the app, and
never stops the list, the report or the app for the other cases in the store.

Each generated case (tests/case_strategies.py: ordinary cases, and cases at every edge the
schema allows) is imported with `coregroup import` into a store that already holds the fictional
demo case. Then, as a user would: `cases`, `report` (text and CSV, on an ordinary day and on the
first and last days a case may hold), `history`, `export` (and the export imported again into a
new store: accepted, and the same case), the Word `minutes`, `brief` and `chronology` (full and
family copies) all succeed, and the demo case is still listed, reported on and exported as before.
In the app, the new case and the demo case both open, every tab of each is shown, and the
manager's report opens.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_strategies import any_accepted_case
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from tui_helpers import human, wait_until

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.records import LARGEST_NUMBER, Case
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings
from meetings.storage.store import Store
from tui.cli import main

DEMO_ID = "DEMO-0001"
DEMO_PATH = data_dir() / "demo" / "demo-case.json"
DEMO_TEXT = DEMO_PATH.read_text(encoding="utf-8")
TODAY = dt.date(2026, 11, 20)
REPORT_DAYS = (TODAY, schema.EARLIEST_DATE, schema.LATEST_DATE)

# No fixed deadline: a case of 150 meetings takes longer than a small one, and that is not a fault.
# COREGROUP_PROPERTY_SCALE multiplies the examples, for a longer search than CI's.
_SCALE = float(os.environ.get("COREGROUP_PROPERTY_SCALE", "1"))
_STORE_PROPERTY = settings(
    max_examples=round(40 * _SCALE),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
_APP_PROPERTY = settings(
    max_examples=round(10 * _SCALE),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("COREGROUP_STORE", raising=False)
    monkeypatch.delenv("COREGROUP_DEBUG", raising=False)


@contextlib.contextmanager
def _folder() -> Iterator[Path]:
    """A folder of its own for one example (tmp_path is one for the whole property)."""
    folder = Path(tempfile.mkdtemp(prefix="coregroup-any-case-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def coregroup(*args: str) -> tuple[int, str, str]:
    """The `coregroup` command, run as a user runs it: its exit code, what it printed, its errors."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def ok(*args: str) -> str:
    code, out, err = coregroup(*args)
    assert code == 0, f"coregroup {args[2] if len(args) > 2 else args}: exit {code}: {err[-2000:]}"
    assert "unexpected" not in err, err[-2000:]
    return out


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """The case as the store keeps it (the history apart): every case drawn is one the schema
    accepts, or the strategy is wrong."""
    found: dict[str, Any] = schema.dump(schema.load(Case, {k: v for k, v in data.items() if k != "history"}))
    return found


def imported(store: str, path: Path) -> bool:
    """`coregroup import`: True when it took the case; False when it refused it in words (a
    history the store does not accept, say: such a case is not one this property is about)."""
    code, out, err = coregroup("--store", store, "import", str(path))
    assert code in (0, 1), f"coregroup import: exit {code}: {err[-2000:]}"
    assert (code == 0) == ("Imported case" in out), out + err
    return code == 0


@functools.cache
def demo_alone() -> tuple[str, dict[dt.date, tuple[str, str]]]:
    """The demo case in a store of its own: its line in `cases`, and its report (text and CSV) on
    each day the property asks for, as they are with no other case beside it."""
    with _folder() as folder:
        store = str(folder / "store")
        ok("--store", store, "import", str(DEMO_PATH))
        listed = ok("--store", store, "cases").splitlines()[1]
        reports = {
            day: (
                ok("--store", store, "report", "--on", day.isoformat()),
                ok("--store", store, "report", "--format", "csv", "--on", day.isoformat()),
            )
            for day in REPORT_DAYS
        }
    return listed, reports


def lines_of(text: str, case_id: str) -> list[str]:
    return [line for line in text.splitlines() if case_id in line.split(",") + line.split()]


def write_case(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def word_exports(store: str, case: dict[str, Any], folder: Path) -> None:
    """The minutes of the first and last meetings, the brief and the chronology, full and family:
    each written, a Word file."""
    case_id = case["id"]
    numbers = [m["number"] for m in case["meetings"]]
    for copy in ("full", "family"):
        for number in dict.fromkeys(numbers[:1] + numbers[-1:]):
            out = folder / f"minutes-{number}-{copy}.docx"
            ok("--store", store, "minutes", case_id, "--meeting", str(number), "--copy", copy, "--out", str(out))
            assert out.read_bytes()[:2] == b"PK"
        out = folder / f"brief-{copy}.docx"
        ok("--store", store, "brief", case_id, "--copy", copy, "--out", str(out))
        assert out.read_bytes()[:2] == b"PK"
        out = folder / f"chronology-{copy}.docx"
        ok("--store", store, "chronology", case_id, "--copy", copy, "--out", str(out))
        assert out.read_bytes()[:2] == b"PK"


@_STORE_PROPERTY
@given(any_accepted_case)
def test_any_accepted_case_is_listed_reported_exported_and_never_stops_the_others(data: dict[str, Any]) -> None:
    if data["id"] == DEMO_ID:
        data = {**data, "id": "NOT-THE-DEMO"}
    expected = canonical(data)
    demo_line, demo_reports = demo_alone()
    with _folder() as folder:
        store = str(folder / "store")
        ok("--store", store, "import", str(DEMO_PATH))
        if not imported(store, write_case(folder, data)):
            reject()

        # The list: both cases, the demo case's line as it was.
        listed = ok("--store", store, "cases").splitlines()
        assert sorted(line.split("\t")[0] for line in listed[1:]) == sorted([DEMO_ID, expected["id"]])
        assert demo_line in listed
        assert {s.id for s in Store(Path(store)).list_cases()} == {DEMO_ID, expected["id"]}

        # The report, on an ordinary day and on the first and last days a case may hold: the
        # demo case's lines are those it has alone.
        for day in REPORT_DAYS:
            text = ok("--store", store, "report", "--on", day.isoformat())
            csv = ok("--store", store, "report", "--format", "csv", "--on", day.isoformat())
            alone_text, alone_csv = demo_reports[day]
            assert lines_of(csv, DEMO_ID) == lines_of(alone_csv, DEMO_ID)
            assert lines_of(text, DEMO_ID) == lines_of(alone_text, DEMO_ID)
            assert {line.case_id for line in Store(Path(store)).report(day)} <= {DEMO_ID, expected["id"]}

        ok("--store", store, "history", expected["id"])

        # The export: the case as imported, and accepted again by a new store, unchanged.
        exported = folder / "exported.json"
        ok("--store", store, "export", expected["id"], "--out", str(exported))
        found = json.loads(exported.read_text(encoding="utf-8"))
        assert len(found.pop("history", [])) == len(data.get("history", []))
        assert found == expected
        again = str(folder / "again")
        ok("--store", again, "import", str(exported))
        assert ok("--store", again, "export", expected["id"], "--out", "-") == exported.read_text(encoding="utf-8")
        ok("--store", store, "reindex")
        assert {s.id for s in Store(Path(store)).list_cases() if not s.damaged} == {DEMO_ID, expected["id"]}

        word_exports(store, expected, folder)

        # The demo case, beside it, exports as it was imported.
        assert ok("--store", store, "export", DEMO_ID, "--out", "-") == DEMO_TEXT


# ----- the app ----------------------------------------------------------------------------------
async def open_from_list(pilot: Any, app: Any, case_id: str, *, tabs: str = "") -> None:
    """From the case list: highlight `case_id` (the chair moves down to it), open it, wait for
    the overview, show each of `tabs` in turn (their keys), and go back to the list."""
    await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen" and len(app.screen.shown) == 2)
    await human(pilot, "home")
    for _ in range([s.id for s in app.screen.shown].index(case_id)):
        await human(pilot, "down")
    await human(pilot, "enter")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and app.screen.ready)
    assert case_id in str(app.screen.sub_title)
    for tab in tabs:
        await human(pilot, tab)
    await human(pilot, "escape")


async def drive_app(store: Store, case_id: str, now: dt.datetime) -> None:
    from tui.app import CoreGroupApp
    from tui.screens.report import ReportScreen, ReportTable

    app = CoreGroupApp(store, Settings(), clock=lambda: now, save_delay=0.05)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_from_list(pilot, app, case_id, tabs="2345678901")  # every tab, the history last
        await open_from_list(pilot, app, DEMO_ID)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")
        await human(pilot, "f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.ready)
        assert app.screen.query_one("#report-table", ReportTable).row_count == len(store.report(now.date()))
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")


# The app's clock: an ordinary morning, or the first or last moment a case may hold.
_CLOCKS = st.sampled_from(
    [
        dt.datetime.combine(TODAY, dt.time(10, 0)),
        dt.datetime.combine(schema.EARLIEST_DATE, dt.time(0, 0)),
        dt.datetime.combine(schema.LATEST_DATE, dt.time(23, 59, 59)),
    ]
)


@_APP_PROPERTY
@given(any_accepted_case, _CLOCKS)
def test_any_accepted_case_opens_in_the_app_beside_another(data: dict[str, Any], now: dt.datetime) -> None:
    if data["id"] == DEMO_ID:
        data = {**data, "id": "NOT-THE-DEMO"}
    with _folder() as folder:
        store = Store(folder / "store")
        store.import_data(json.loads(DEMO_TEXT))
        try:
            store.import_data(json.loads(json.dumps(data)))
        except InvalidRecord:
            reject()  # not a case the import accepts (its history, say)
        asyncio.run(drive_app(store, data["id"], now))


# ----- what the property found ------------------------------------------------------------------
def test_a_case_due_on_the_earliest_date_a_case_may_hold_still_saves(tmp_path: Path) -> None:
    """Found by the property: an unborn child due on 1 January 1900 (the earliest date a case may
    hold) put a pre-birth conference breach due six weeks earlier, in 1899, on the case when it
    was opened; no save of the case could then be written, and the app asked at every close."""
    from meetings.domain.agenda import load_agenda
    from meetings.session import CaseSession

    case = json.loads(DEMO_TEXT)
    case["children"] = [{"id": 1, "name": "Unborn baby of Jo Example", "due_date": "1900-01-01", "mobility": "unborn"}]
    case["visits"] = []
    case["concerns"] = [c for c in case["concerns"] if c.get("child_id") in (None, 1)]
    store = Store(tmp_path / "store")
    store.import_data(case)
    session = CaseSession(store.open(DEMO_ID), agenda=load_agenda(None), settings=Settings(),
                          clock=lambda: dt.datetime(2026, 11, 20, 10, 0))  # fmt: skip
    assert session.record_breaches()
    assert session.close()
    kept = json.loads(ok("--store", str(tmp_path / "store"), "export", DEMO_ID, "--out", "-"))["breaches"]
    pre_birth = [b for b in kept if b["kind"] == "pre_birth_conference_late"]
    assert [b["due_on"] for b in pre_birth] == ["1900-01-01"]


def test_a_case_whose_records_use_the_largest_number_still_takes_new_ones(tmp_path: Path) -> None:
    """Found by the property above: a case file numbering a breach 2**63 - 1 (a file from another
    system may) made every new breach 2**63, which no case file holds, so no save could be written."""
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    data["actions"][-1]["number"] = LARGEST_NUMBER
    store = Store(tmp_path / "store")
    store.import_data(data)
    with store.open(data["id"]) as case_file:
        number = case_file.case.next_number("actions")
        assert 0 < number < LARGEST_NUMBER and number not in {a.number for a in case_file.case.actions}
        action = dataclasses.replace(case_file.case.actions[0], number=number)
        case_file.save(action)
    assert any(a["number"] == number for a in store.export_data(data["id"])["actions"])
