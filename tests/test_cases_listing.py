"""Listing cases at a council's scale: `coregroup cases` into a pipe and its filters, and the case
list's search at 10,000 cases giving what a plain filter gives (fictional cases only)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from textual.widgets import DataTable, Input
from tui_helpers import burst, human, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.store import INDEX_SHARDS, CaseSummary, Store

README = Path(__file__).resolve().parent.parent / "README.md"
TODAY = dt.date.today()
LONG_AGO = "2020-01-06"
FAR_AHEAD = (TODAY + dt.timedelta(days=400)).isoformat()
WORKERS = ("Priya Kaur", "Sam Okafor", "Samantha Lee", "Alex Sample")
FIRSTS = ("Amara", "Bilal", "Cerys", "Dylan", "Efa", "Finley", "Grace")
PLANS = (("neglect",), ("emotional_abuse",), ("neglect", "emotional_abuse"), ("physical_abuse",))


def coregroup(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in a new process, its output into a pipe (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k != "COREGROUP_STORE"}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def write_index(store: Store, summaries: list[CaseSummary]) -> None:
    """Put case summaries straight into the store's index (its documented layout: 64 shards,
    a case in shard crc32(id) mod 64), as a store of thousands of cases would hold them."""
    shards: dict[int, dict[str, Any]] = {k: {} for k in range(INDEX_SHARDS)}
    for path in store.index_dir.glob("[0-9][0-9].json"):
        shards[int(path.stem)].update(orjson.loads(path.read_bytes()))
    for s in summaries:
        shards[zlib.crc32(s.id.encode()) % INDEX_SHARDS][s.id] = s.to_json()
    for k, entries in shards.items():
        (store.index_dir / f"{k:02d}.json").write_bytes(orjson.dumps(entries))


def summary(case_id: str, children: str, worker: str, **fields: Any) -> CaseSummary:
    values: dict[str, Any] = {
        "plan_categories": ("neglect",),
        "icpc_date": LONG_AGO,
        "last_meeting": FAR_AHEAD,  # a core group "held" ahead of today: nothing is due yet
        "next_meeting": FAR_AHEAD,
        "meetings": 1,
    }
    values.update(fields)
    return CaseSummary(id=case_id, children=children, lead_social_worker=worker, **values)


@pytest.fixture
def small_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    write_index(
        store,
        [
            summary("CASE-0001", "Robin [/]Example\tTab", "Priya Kaur"),
            summary("CASE-0002", "Cerys Sample", "Samantha Lee", plan_categories=("emotional_abuse",)),
            summary("CASE-0003", "Bilal Madeup", "Sam Okafor", last_meeting=LONG_AGO, next_meeting=LONG_AGO),
            summary("CASE-0004", "Efa Specimen\nLine two", "Priya Kaur", open_action_due=(LONG_AGO, FAR_AHEAD)),
        ],
    )
    return store


def lines_of(result: subprocess.CompletedProcess[str]) -> list[list[str]]:
    assert result.returncode == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


def documented_columns() -> list[str]:
    """The columns the README lists for `coregroup cases` into a pipe."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"`coregroup cases`[^`]*?naming the columns: ([a-z_,\s]+?) \(", text)
    assert found, "the README lists the columns of `coregroup cases`"
    return [c.strip() for c in found.group(1).split(",")]


def test_cases_in_a_pipe_prints_the_documented_columns(small_store: Store) -> None:
    header, *rows = lines_of(coregroup("--store", str(small_store.root), "cases"))
    assert header == documented_columns()
    help_text = " ".join(coregroup("cases", "--help").stdout.split())
    assert ", ".join(header) in help_text
    assert all(len(row) == len(header) for row in rows)
    listed = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["case_id"] for r in listed] == [s.id for s in small_store.list_cases()]
    demo = next(r for r in listed if r["case_id"] == "DEMO-0001")
    assert demo["children"] == "Wren Example, Sky Example"
    assert demo["plan"] == "neglect"
    assert demo["last_core_group"] == "2026-10-01"
    assert demo["next_core_group_due"] == "2026-10-29"  # the date the last core group set
    assert (demo["open_actions"], demo["lead_social_worker"]) == (
        "5",
        "Alex Chair (fictional)",
    )  # the pre-birth assessment still open
    two = next(r for r in listed if r["case_id"] == "CASE-0004")
    assert (two["open_actions"], two["overdue_actions"]) == ("2", "1")


def test_a_tab_a_line_break_or_markup_in_a_name_never_breaks_a_line(small_store: Store) -> None:
    header, *rows = lines_of(coregroup("--store", str(small_store.root), "cases"))
    by_id = {row[0]: row for row in rows}
    assert len(rows) == 5 and all(len(row) == len(header) for row in rows)
    assert by_id["CASE-0001"][1] == "Robin [/]Example Tab"
    assert by_id["CASE-0004"][1] == "Efa Specimen Line two"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--search", "robin"], ["CASE-0001"]),
        (["--search", "KAUR neglect"], ["CASE-0004", "CASE-0001"]),  # by child: Efa, Robin
        (["--search", "emotional abuse"], ["CASE-0002"]),
        (["--search", "case-000 sam"], ["CASE-0003", "CASE-0002"]),  # Bilal Madeup, Cerys Sample
        (["--search", "nobody"], []),
        (["--worker", "kaur"], ["CASE-0004", "CASE-0001"]),
        (["--worker", "Sam"], ["CASE-0003"]),  # Sam Okafor; not Samantha Lee
        (["--worker", "samantha lee"], ["CASE-0002"]),
        # The core group due long ago (the demo's and Bilal's), or an action past its due date (Efa's).
        (["--overdue"], ["CASE-0003", "CASE-0004", "DEMO-0001"]),
        (["--overdue", "--worker", "priya kaur"], ["CASE-0004"]),
        (["--search", "robin", "--overdue"], []),
    ],
)
def test_the_filters_of_cases(small_store: Store, options: list[str], expected: list[str]) -> None:
    header, *rows = lines_of(coregroup("--store", str(small_store.root), "cases", *options))
    assert header == documented_columns()
    assert [row[0] for row in rows] == expected


def test_cases_on_a_terminal_is_a_table_that_shows_names_as_typed(small_store: Store) -> None:
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "COREGROUP_STORE"} | {"COLUMNS": "160", "NO_COLOR": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "tui", "--store", str(small_store.root), "cases", "--search", "robin"],
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the terminal is closed when the command ends
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    os.close(master)
    out = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "\t" not in out and "\x1b" not in out  # NO_COLOR: no colour codes either
    header = next(line for line in out.splitlines() if line.startswith("Case "))
    assert header.split() == [
        "Case",
        "Child",
        "Plan",
        "Lead",
        "social",
        "worker",
        "Last",
        "met",
        "Next",
        "due",
        "Open",
        "Overdue",
    ]
    row = next(line for line in out.splitlines() if line.startswith("CASE-0001"))
    assert "Robin [/]Example Tab" in row and "Priya Kaur" in row


# ----- the app's search at 10,000 cases -----------------------------------------------------------


def many(n: int) -> list[CaseSummary]:
    return [
        summary(
            f"SYN-{i:05d}",
            f"{FIRSTS[i % len(FIRSTS)]} Example {i:05d}" + (" [b]" if i % 1000 == 7 else ""),
            WORKERS[i % len(WORKERS)],
            plan_categories=PLANS[i % len(PLANS)],
        )
        for i in range(n)
    ]


def plain_filter(store: Store, query: str) -> list[str]:
    """Every word of the query in the child's name, case id, plan (in words) or worker, ignoring case."""
    words = query.casefold().split()
    found = []
    for s in store.list_cases():
        plan = " and ".join(c.replace("_", " ") for c in s.plan_categories)
        text = f"{s.children}\n{s.id}\n{plan}\n{s.lead_social_worker}".casefold()
        if all(w in text for w in words):
            found.append(s.id)
    return found


def table_ids(table: DataTable[Any]) -> list[str]:
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


@pytest.fixture
def big_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "big")
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    write_index(store, many(9_999))
    return store


async def test_the_search_at_10000_cases_gives_what_a_plain_filter_gives(big_store: Store, make_app: Any) -> None:
    app = make_app(big_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        table = screen.query_one("#case-table", DataTable)
        box = screen.query_one("#case-search", Input)
        count = screen.query_one("#case-count")

        async def shows(query: str) -> None:
            expected = plain_filter(big_store, query)
            await wait_until(pilot, lambda: box.value == query and [s.id for s in screen.shown] == expected, timeout=20)
            assert f"{len(expected)} of 10000 cases" in str(count.render())
            # The table holds the first of them (more as the chair moves down), in the same order.
            held = table_ids(table)
            assert held == expected[: len(held)] and bool(held) == bool(expected)
            if len(expected) <= 50:
                assert held == expected

        await human(pilot, "slash")
        for key in "kaur":  # as a person types: each key handled before the next
            await human(pilot, key)
        await shows("kaur")
        await human(pilot, "space", "n", "e", "g")
        await shows("kaur neg")
        await burst(pilot, *"lect 0001")  # fast: every key queued before the first is handled
        await shows("kaur neglect 0001")
        await burst(pilot, *["backspace"] * 5)  # widening the search again
        await shows("kaur neglect")
        await burst(pilot, *["backspace"] * len("kaur neglect"))
        await shows("")
        await burst(pilot, *"[b]")  # markup in a name, and in the search, is only text
        await shows("[b]")
        assert all("[b]" in str(table.get_row_at(i)[0]) for i in range(table.row_count))


async def test_moving_down_a_long_result_brings_every_case_in_order(big_store: Store, make_app: Any) -> None:
    app = make_app(big_store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        table = screen.query_one("#case-table", DataTable)
        await human(pilot, "slash")
        await burst(pilot, *"amara emotional")
        expected = plain_filter(big_store, "amara emotional")
        await wait_until(pilot, lambda: [s.id for s in screen.shown] == expected, timeout=20)
        assert len(expected) > 300
        await human(pilot, "enter")  # to the table
        for _ in range(len(expected)):  # a page at a time; never more presses than rows
            if table.row_count == len(expected) and table.cursor_row == len(expected) - 1:
                break
            where = (table.cursor_row, table.row_count)

            def moved(where: tuple[int, int] = where) -> bool:
                return (table.cursor_row, table.row_count) != where

            await burst(pilot, "pagedown")
            await wait_until(pilot, moved)
        assert table_ids(table) == expected
