# ruff: noqa: E402  (the path is fixed before the imports)
"""How fast the case list is at a council's scale: `coregroup cases` and the app's search box.

    .venv/bin/python benchmarks/case_list.py [--cases 10000] [--runs 5]

1. `coregroup cases` on a store of 10,000 cases, in-process, its output into a file (tab-separated
   lines) and onto a pseudo-terminal (the table), beside the baseline measured in the same run:
   listing the same cases (`Store.list_cases`) and printing one plain line each.
   Target: within 2 times the baseline.
2. The case list's search at 10,000 cases, typed key by key, at a human's speed (a key every
   200 ms) and as fast as keys come (every key queued before the first is handled). For each key:
   from the key event reaching the app until the search box shows it (`echo`), and until the list
   shows that query's result: the count, the first screenful of rows (`first rows`) and every
   matching row in the table (`all rows`). Beside it, in the same run: a bare Textual app with an
   Input alone (the floor for echo), and a bare app with an Input and a DataTable refilled with the
   matching rows the naive way on every change (what the case list did).
   Target: echo within 16 ms at the 95th percentile, no key over 100 ms.

Everything runs headless (`App.run_test`): the figures include Textual's own work but not a
terminal's. The stores are synthetic and fictional and live in a temporary folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Keep this folder off the path, so that `import tui` finds the app whatever the scripts are called.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import pty
import statistics
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import orjson
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input

from meetings.domain import search
from meetings.domain.locations import data_dir
from meetings.domain.settings import Settings
from meetings.storage.store import INDEX_SHARDS, CaseSummary, Store

NOW = dt.datetime(2026, 11, 20, 10, 0)
FIRSTS = ("Amara", "Bilal", "Cerys", "Dylan", "Efa", "Finley", "Grace", "Harvey", "Isla", "Jayden", "Kai", "Lily")
LASTS = ("Example", "Sample", "Specimen", "Testcase", "Madeup", "Fictional", "Placeholder")
WORKERS = ("Alex Sample", "Priya Kaur", "Sam Okafor", "Samantha Lee", "Jo Bloggs", "Chris Madeup")
PLANS = (("neglect",), ("emotional_abuse",), ("neglect", "emotional_abuse"), ("physical_abuse",), ("sexual_abuse",))


def synthetic(i: int) -> CaseSummary:
    """One fictional case summary; the fields vary so that searches and filters pick out some."""
    icpc = dt.date(2024, 1, 1) + dt.timedelta(days=i % 900)
    last = icpc + dt.timedelta(days=20 + i % 60) if i % 7 else None
    return CaseSummary(
        id=f"SYN-{i:05d}",
        children=f"{FIRSTS[i % len(FIRSTS)]} {LASTS[i // len(FIRSTS) % len(LASTS)]} {i:05d}",
        plan_categories=PLANS[i % len(PLANS)],
        icpc_date=icpc.isoformat(),
        lead_social_worker=WORKERS[i % len(WORKERS)],
        last_meeting=last.isoformat() if last else None,
        next_meeting=(last + dt.timedelta(days=28)).isoformat() if last else None,
        open_action_due=tuple((icpc + dt.timedelta(days=d)).isoformat() for d in range(i % 4)),
        meetings=1 if last else 0,
    )


def build_store(root: Path, n: int, summary: Callable[[int], CaseSummary] = synthetic) -> Store:
    """A store whose index lists n cases; a few of them (up to 5) have real case files, the rest
    are written straight into the index shards (as benchmarks/app_speed.py does)."""
    store = Store(root)
    demo = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    for i in range(min(n, 5)):
        store.import_data({**demo, "id": f"REAL-{i:04d}"})
    shards: dict[int, dict[str, object]] = {k: {} for k in range(INDEX_SHARDS)}
    for path in store.index_dir.glob("[0-9][0-9].json"):
        shards[int(path.stem)].update(orjson.loads(path.read_bytes()))
    for i in range(n - min(n, 5)):
        s = summary(i)
        shards[zlib.crc32(s.id.encode()) % INDEX_SHARDS][s.id] = s.to_json()
    for k, entries in shards.items():
        (store.index_dir / f"{k:02d}.json").write_bytes(orjson.dumps(entries))
    return store


# ----- `coregroup cases` ---------------------------------------------------------------------------


def plain_listing(store: Store) -> None:
    """The baseline: list the cases and print one plain line each."""
    out = sys.stdout
    for s in store.list_cases():
        out.write(f"{s.id}\t{s.children}\t{','.join(s.plan_categories)}\t{s.last_meeting or ''}\n")


@contextlib.contextmanager
def stdout_to_file() -> Iterator[None]:
    with open(os.devnull, "w", encoding="utf-8") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            yield
        finally:
            sys.stdout = saved


@contextlib.contextmanager
def stdout_to_terminal(columns: int = 160) -> Iterator[None]:
    """Standard output onto a pseudo-terminal, drained by a thread as a terminal would read it."""
    master, slave = pty.openpty()
    os.set_blocking(master, True)

    def drain() -> None:
        with contextlib.suppress(OSError):
            while os.read(master, 1 << 16):
                pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    saved_env = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    tty = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    saved, sys.stdout = sys.stdout, tty
    try:
        assert sys.stdout.isatty()
        yield
    finally:
        sys.stdout = saved
        tty.close()
        os.close(master)
        reader.join(timeout=5)
        if saved_env is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved_env


def timed(run: Callable[[], object], runs: int, where: Callable[[], contextlib.AbstractContextManager[None]]) -> float:
    times = []
    for _ in range(runs):
        with where():
            start = time.perf_counter()
            run()
            sys.stdout.flush()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_cases_command(store: Store, runs: int) -> None:
    from tui.cli import main

    root = str(store.root)
    print(f"`coregroup cases`, {len(store.list_cases())} cases (median of {runs}):")
    cases: list[tuple[str, list[str], Callable[[], contextlib.AbstractContextManager[None]]]] = [
        ("into a file (tab-separated)", ["cases"], stdout_to_file),
        ("onto a terminal (the table)", ["cases"], stdout_to_terminal),
        ("into a file, --search 'sam neglect'", ["cases", "--search", "sam neglect"], stdout_to_file),
        ("into a file, --overdue", ["cases", "--overdue"], stdout_to_file),
        ("into a file, --worker kaur", ["cases", "--worker", "kaur"], stdout_to_file),
    ]
    for label, argv, where in cases:
        # The baseline goes to the same place (a file, or a terminal read by a thread) in the same run.
        base = timed(lambda: plain_listing(store), runs, where)
        ours = timed(partial(main, ["--store", root, *argv]), runs, where)
        print(
            f"  coregroup cases {label:<36} {ours * 1000:6.1f} ms   "
            f"baseline (list + plain lines) {base * 1000:6.1f} ms   ratio {ours / base:4.2f}"
        )


# ----- the search box ------------------------------------------------------------------------------


class BareInput(App[None]):
    """The floor: a Textual app holding nothing but an input."""

    def compose(self) -> ComposeResult:
        yield Input()


class NaiveSearch(App[None]):
    """A bare app with an input and a table refilled with every matching row on each change."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.summaries = store.list_cases()
        self.shown: list[CaseSummary] = []

    def compose(self) -> ComposeResult:
        yield Input()
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Child", "Case", "Plan", "Last held", "Next due", "Open", "Overdue")
        self.refill("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    def refill(self, query: str) -> None:
        self.shown = search.search(self.summaries, query)
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            (s.children, s.id, search.plan_words(s.plan_categories), s.last_meeting or "", s.next_meeting or "", "", "")
            for s in self.shown
        )


def percentile(times: list[float], p: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[p - 1] if len(times) > 1 else times[0]


async def type_query(
    app: App[Any], query: str, gap: float, box: Input, stages: dict[str, Callable[[str], bool]]
) -> dict[str, list[float]]:
    """Type `query` key by key, `gap` seconds apart (0: every key queued at once). For each key,
    the time from its event until the box holds it (`echo`), and until each stage holds for the
    text typed so far, if it does before the next key (a search run only after a pause in typing
    skips the keys in between); the last key's stages are always waited for. Polled without
    Pilot's idle waits, which add a fixed wait to every key even in a bare app."""
    found: dict[str, list[float]] = {name: [] for name in ("echo", *stages)}
    sent: list[float] = []
    for i, ch in enumerate(query):
        sent.append(time.perf_counter())
        app.post_message(events.Key("space" if ch == " " else ch, ch))
        if gap:
            last = i == len(query) - 1
            await watch_key(query[: i + 1], sent[-1], box, stages, found, None if last else sent[-1] + gap)
    if not gap:
        deadline = time.perf_counter() + 60
        for i, start in enumerate(sent):
            # Keys queued together may be handled between two looks at the box: wait until it holds
            # at least this key (never for this exact text, which the box may already be past).
            while len(box.value) < i + 1:
                assert time.perf_counter() < deadline, f"the box never showed {query[: i + 1]!r}"
                await asyncio.sleep(0)
            assert box.value.startswith(query[: i + 1]), f"keys out of order: {box.value!r}"
            found["echo"].append(time.perf_counter() - start)
        await watch_key(query, sent[-1], box, stages, found, None, echo=False)
    return found


async def watch_key(
    typed: str,
    start: float,
    box: Input,
    stages: dict[str, Callable[[str], bool]],
    found: dict[str, list[float]],
    until: float | None,
    *,
    echo: bool = True,
) -> None:
    pending = {"echo": lambda text: box.value == text, **stages} if echo else dict(stages)
    deadline = start + 30
    # The next key is never sent before this one is in the box (a slow app is typed into more slowly).
    while pending and (time.perf_counter() < (until or deadline) or "echo" in pending):
        for name in list(pending):
            if pending[name](typed):
                found[name].append(time.perf_counter() - start)
                del pending[name]
        assert time.perf_counter() < deadline, f"the list never showed {typed!r}: {sorted(pending)}"
        await asyncio.sleep(0)
    assert until is not None or not pending, f"the list never showed {typed!r}: {sorted(pending)}"
    if until is not None:
        await asyncio.sleep(max(0.0, until - time.perf_counter()))


QUERIES = ("priya kaur neglect", "amara example 00", "SYN-0421")


def expected_ids(summaries: list[CaseSummary], text: str) -> list[str]:
    return [s.id for s in search.search(summaries, text)]


async def bench_search(store: Store, runs: int, *, baseline: bool = True) -> None:
    from tui.app import CoreGroupApp
    from tui.screens.case_list import PAGE_ROWS, CaseListScreen

    summaries = store.list_cases()
    want = {q[:i]: expected_ids(summaries, q[:i]) for q in QUERIES for i in range(len(q) + 1)}
    print(f"case-list search, {len(summaries)} cases, queries {', '.join(repr(q) for q in QUERIES)}, {runs} runs:")

    def filled(table: DataTable[Any], typed: str) -> bool:
        return table.row_count == len(want[typed])

    def report(label: str, found: dict[str, list[float]]) -> None:
        parts = [
            f"{name} p95 {percentile(t, 95) * 1000:6.1f} ms, max {max(t) * 1000:6.1f} ms"
            for name, t in found.items()
            if t
        ]
        print(f"  {label:<44} " + ";  ".join(parts))

    for gap, speed in ((0.2, "a key every 200 ms"), (0.06, "a key every 60 ms"), (0.0, "all keys at once")):
        print(f" typing {speed}:")
        totals: dict[str, dict[str, list[float]]] = {"bare": {}, "naive": {}, "ours": {}}
        for _ in range(runs):
            for query in QUERIES:
                if baseline:
                    await baselines(store, query, gap, totals, filled)
                app = CoreGroupApp(store, Settings(), clock=lambda: NOW)
                async with app.run_test(size=(120, 36)) as pilot:
                    await pilot.pause()
                    screen = app.screen
                    assert isinstance(screen, CaseListScreen)
                    await pilot.press("slash")
                    await asyncio.sleep(gap)  # "/" is a key too: the first letter comes after it
                    box = screen.query_one("#case-search", Input)
                    table = screen.query_one("#case-table", DataTable)

                    seen: list[Any] = [None, []]

                    def listed(t: str, screen: CaseListScreen = screen, seen: list[Any] = seen) -> bool:
                        # The ids of each list the screen shows, taken once (the polling must not slow
                        # the app); the list is held, so that a new one is never taken for it.
                        if seen[0] is not screen.shown:
                            seen[:] = [screen.shown, [s.id for s in screen.shown]]
                        return bool(seen[1] == want[t])

                    def first(t: str, table: DataTable[Any] = table) -> bool:
                        return listed(t) and table.row_count >= min(len(want[t]), 30)

                    def loaded(t: str, table: DataTable[Any] = table) -> bool:
                        return listed(t) and table.row_count == min(len(want[t]), PAGE_ROWS)

                    merge(
                        totals["ours"],
                        await type_query(app, query, gap, box, {"first rows": first, "rows loaded": loaded}),
                    )
        report("bare Input (the floor)", totals["bare"])
        report("naive Input + DataTable refill", totals["naive"])
        report("coregroup case list", totals["ours"])


async def baselines(
    store: Store,
    query: str,
    gap: float,
    totals: dict[str, dict[str, list[float]]],
    filled: Callable[[DataTable[Any], str], bool],
) -> None:
    """Type `query` into the two baselines: a bare Input, and an Input with a naively refilled DataTable."""
    bare = BareInput()
    async with bare.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        box = bare.query_one(Input)
        box.focus()
        merge(totals["bare"], await type_query(bare, query, gap, box, {}))
    naive = NaiveSearch(store)
    async with naive.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        box = naive.query_one(Input)
        box.focus()
        table = naive.query_one(DataTable)
        merge(
            totals["naive"],
            await type_query(
                naive,
                query,
                gap,
                box,
                {"all rows": partial(filled, table)},
            ),
        )


def merge(into: dict[str, list[float]], found: dict[str, list[float]]) -> None:
    for name, times in found.items():
        into.setdefault(name, []).extend(times)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["cases", "search"])
    parser.add_argument("--no-baseline", action="store_true", help="search: time the case list alone")
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.platform()}); headless 120x36"
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / "store", args.cases)
        if args.only != "search":
            bench_cases_command(store, args.runs)
        if args.only != "cases":
            await bench_search(store, args.runs, baseline=not args.no_baseline)


if __name__ == "__main__":
    asyncio.run(main())
