# ruff: noqa: E402  (the path is fixed before the imports)
"""How fast the app is where a chair would notice: opening the case list, and typing notes.

    /work/venv/bin/python benchmarks/app_speed.py [--runs 5] [--keys 2000]

1. Start to an interactive case list with 10 and with 10,000 cases, beside a bare Textual app
   (header, table, footer; the same rows from the same store) started in the same run.
   Target: at most 1.5 times the bare app at 10,000 cases.
2. Time per keystroke for 2,000 keystrokes typed into a step's notes, in a case with five years
   of history, beside a bare Textual app holding only a TextArea, typed in the same run.
   Target: within one frame (16 ms) at the 95th percentile.

Everything runs headless (`App.run_test`), so the figures include Textual's own work but not a
terminal's. The stores are synthetic and fictional; they live in a temporary folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Keep this folder off the path, so that `import tui` finds the app whatever the scripts are called.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import datetime as dt
import json
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable

import orjson
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, TextArea

from meetings.domain import schema
from meetings.domain.agenda import load_agenda
from meetings.domain.locations import data_dir
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    AgendaStep,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    ChronologyEntry,
    Concern,
    Meeting,
    MeetingStatus,
)
from meetings.domain.settings import Settings
from meetings.storage.store import INDEX_SHARDS, CaseSummary, Store

NOW = dt.datetime(2026, 11, 20, 10, 0)


def build_store(root: Path, n: int) -> Store:
    """A store whose index lists n cases; a few of them have real case files."""
    store = Store(root)
    demo = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    for i in range(min(n, 5)):
        store.import_data({**demo, "id": f"REAL-{i:04d}"})
    shards: dict[int, dict[str, object]] = {k: {} for k in range(INDEX_SHARDS)}
    for path in store.index_dir.glob("[0-9][0-9].json"):
        shards[int(path.stem)].update(orjson.loads(path.read_bytes()))
    for i in range(n - min(n, 5)):
        case_id = f"SYN-{i:05d}"
        summary = CaseSummary(
            id=case_id,
            children=f"Child Example {i:05d}",
            plan_categories=("neglect",),
            icpc_date="2026-01-05",
            lead_social_worker="Alex Sample",
            last_meeting="2026-10-01",
            next_meeting="2026-10-29",
            open_action_due=("2026-10-15", "2026-12-01"),
            meetings=3,
        )
        shards[zlib.crc32(case_id.encode()) % INDEX_SHARDS][case_id] = summary.to_json()
    for k, entries in shards.items():
        (store.index_dir / f"{k:02d}.json").write_bytes(orjson.dumps(entries))
    return store


class BareApp(App[None]):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Child", "Case", "Plan", "Last core group", "Next due", "Open", "Overdue")
        table.add_rows(
            (
                s.children,
                s.id,
                ", ".join(s.plan_categories),
                s.last_meeting or "",
                s.next_meeting or "",
                str(s.open_actions),
                "0",
            )
            for s in self.store.list_cases()
        )


async def time_to_list(make: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        app = make()  # type: ignore[operator]
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert app.screen.query_one(DataTable).row_count > 0
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def five_years(store: Store) -> str:
    """A case with five years of history: 60 monthly meetings, 300 actions, concerns, a chronology."""
    agenda = load_agenda()
    demo = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    demo.update(id="HISTORY-0001", meetings=[], actions=[], concerns=[], chronology=[])
    case = store.import_data(demo)
    start = dt.date(2021, 11, 1)
    words = "Robin was seen at home and at nursery; the flat was warm and there was food in the cupboards. " * 6
    for m in range(60):
        day = start + dt.timedelta(days=30 * m)
        steps = [AgendaStep(key=s.key, title=s.title, notes=words, restricted_notes="") for s in agenda.steps]
        attendees = [
            Attendee(
                name=f"Worker {k}",
                agency=f"Agency {k}",
                status=AttendanceStatus.ATTENDED,
                mode=AttendanceMode.IN_PERSON,
            )
            for k in range(6)
        ]
        case.meetings.append(
            Meeting(
                number=m + 1,
                date=day,
                steps=steps,
                attendees=attendees,
                status=MeetingStatus.FINISHED,
                finished_at=dt.datetime.combine(day, dt.time(12)),
            )
        )
        for a in range(5):
            case.actions.append(
                Action(
                    number=m * 5 + a + 1,
                    text=f"Action {a} of meeting {m + 1}: {words[:80]}",
                    owner="Worker 1",
                    raised_at=m + 1,
                    due=day + dt.timedelta(days=28),
                    type=ActionType.VISIT,
                    status=ActionStatus.DONE if m < 58 else ActionStatus.OPEN,
                )
            )
        case.concerns.append(
            Concern(id=m + 1, received_on=day, reported=words[:200], response="Discussed at the core group.")
        )
        for c in range(3):
            case.chronology.append(ChronologyEntry(id=m * 3 + c + 1, date=day, source="Agency 1", event=words[:150]))
    store.import_data(schema.dump(case), replace=True)
    return case.id


class BareNotes(App[None]):
    """The baseline for typing: a Textual app holding nothing but a notes box."""

    def compose(self) -> ComposeResult:
        yield TextArea(id="notes")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()


TEXT = "The family said the week had been hard but Robin had been to nursery every day. " * 40


async def type_keys(app: App[None], pilot: object, typed: Callable[[], str], count: int) -> list[float]:
    """Per key: from the key event reaching the app until `typed()` shows it, polled without
    Pilot's idle waits (which add a fixed ~60 ms per key even to a bare TextArea app)."""
    text = TEXT[:count]
    times = []
    for i, ch in enumerate(text):
        expected = text[: i + 1]
        start = time.perf_counter()
        app.post_message(events.Key("space" if ch == " " else ch, ch))
        while typed() != expected:
            await asyncio.sleep(0)
        times.append(time.perf_counter() - start)
    return times


async def bare_keystrokes(count: int) -> list[float]:
    app = BareNotes()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        area = app.query_one(TextArea)
        return await type_keys(app, pilot, lambda: area.text, count)


async def keystrokes(store: Store, case_id: str, count: int) -> tuple[list[float], float, int, int]:
    """Per key: the time from the key event reaching the app until the step's notes in the open
    case hold it (the session records every change at once, on the UI thread); then the wall
    time per key for the whole run, including screen updates and the writer saving in its thread."""
    from tui.app import CoreGroupApp
    from tui.screens.walkthrough import WalkthroughScreen

    app = CoreGroupApp(store, Settings(), clock=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        app.open_case(case_id)
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WalkthroughScreen)
        step = screen.step
        run_start = time.perf_counter()
        times = await type_keys(app, pilot, lambda: step.notes, count)
        await pilot.pause()
        run = (time.perf_counter() - run_start) / count
        session = app.case_session
        assert session.save_now(), "everything typed was saved"
        saves = session.writer.saves if session.writer else 0
    return times, run, saves, app.slow_keys


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=2000)
    args = parser.parse_args()
    from tui.app import CoreGroupApp

    with tempfile.TemporaryDirectory() as tmp:
        print(f"Python {sys.version.split()[0]}; median of {args.runs} runs; headless 120x36")
        for n in (10, 10_000):
            store = build_store(Path(tmp) / f"s{n}", n)
            bare = await time_to_list(lambda store=store: BareApp(store), args.runs)
            ours = await time_to_list(lambda store=store: CoreGroupApp(store, Settings(), clock=lambda: NOW), args.runs)
            print(
                f"case list, {n:>6} cases: coregroup {ours * 1000:7.1f} ms   bare app {bare * 1000:7.1f} ms   ratio {ours / bare:4.2f}"
            )
        store = Store(Path(tmp) / "history")
        case_id = five_years(store)
        size = store.case_path(case_id).stat().st_size
        bare_keys = await bare_keystrokes(args.keys)
        our_keys, run, saves, slow = await keystrokes(store, case_id, args.keys)
        print(f"typing into a step's notes, five years of history ({size / 1e6:.1f} MB case file), {args.keys} keys:")
        for name, times in (
            ("coregroup, key event to the case's record", our_keys),
            ("bare TextArea, key event to its text", bare_keys),
        ):
            print(
                f"  {name}: median {statistics.median(times) * 1000:.2f} ms, "
                f"95th percentile {statistics.quantiles(times, n=100)[94] * 1000:.2f} ms"
            )
        print(f"  whole run, with screen updates and {saves} background saves: {run * 1000:.2f} ms per key")
        print(f"  keys handed on before the one before them was dealt with (timeouts): {slow}")


if __name__ == "__main__":
    asyncio.run(main())
