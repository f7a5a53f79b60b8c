# ruff: noqa: E402  (the path is fixed before the imports)
"""How fast the app is with one case open, at 1, 5 and 10 years of history, beside bare Textual apps.

    .venv/bin/python benchmarks/app_case.py [--runs 3] [--years 1 5 10] [--no-memory]

For each length of history (the fictional case of `benchmarks/case_files.py`: at five years 65
meetings, 600 actions, 1,000 chronology entries), each figure beside a baseline taken in the same
run, medians, headless at 120x36:

1. Open the case to its overview, ready: from `open_case` (a second after the case list appeared,
   as a chair reads it) until the overview is on the screen and drawn. Baseline: a bare Textual app that reads the same file with orjson and pushes a screen
   with the same tabs and tables, showing the same overview text. Target: within 1.5x.
2. Start a meeting: from ctrl+s on the start form until attendance is on the screen, its name box
   takes keys, and the screen is drawn. Baseline: a bare app pushing a screen holding the same
   kinds of widgets (a table, four boxes, three drop-downs, a tick box, a button). Target 100 ms.
   Then, after a pause, escape at attendance until the first step takes keys and is drawn (the
   walk-through is built here, not at ctrl+s). Baseline: a bare app pushing a screen of the agenda
   list and one step's widgets.
3. Next agenda step: from ctrl+n until the next step's notes take keys ("ready"), and until the
   screen is drawn; every step of the agenda, after a pause such as a chair's. Baseline: a bare app
   switching between bodies of the same kinds of widgets built in advance. Target 50 ms.
4. Memory: the resident size of a process holding the case open at a started meeting's first
   step, beside a bare app holding the same tables filled with the same rows (each in a fresh
   process). Target: within 1.5x.

"Drawn" waits for `call_after_refresh`, which runs once Textual has drawn the screen after the
change. Keys typed before that still land in the new step (the app hands keys on only when the
step is ready).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse
import asyncio
import datetime as dt
import gc
import importlib.util
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from meetings.domain.settings import Settings
from meetings.storage.store import Store

if TYPE_CHECKING:
    from tui.app import CoreGroupApp
    from tui.screens.walkthrough import WalkthroughScreen

_spec = importlib.util.spec_from_file_location("case_files_bench", HERE / "case_files.py")
assert _spec is not None and _spec.loader is not None
case_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(case_files)

CASE_ID = "BENCH-CASE"
NOW = dt.datetime(2026, 11, 20, 10, 0)
SIZE = (120, 36)
PAUSE = 0.6  # seconds between steps: a chair talks at every step


async def until(condition: Callable[[], bool], limit: float = 60.0) -> None:
    """Wait for `condition` without Pilot's idle waits (which add a fixed delay of their own)."""
    start = time.perf_counter()
    while not condition():
        await asyncio.sleep(0)
        if time.perf_counter() - start > limit:
            raise TimeoutError("the app never got there")


async def drawn(app: App[Any]) -> None:
    """Until Textual has drawn the screen after the change just made."""
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


def make_store(base: Path, years: int) -> Store:
    store = Store(base / f"{years}y")
    store.import_data(case_files.make_case(CASE_ID, years))
    return store


def our_app(store: Store) -> CoreGroupApp:
    from tui.app import CoreGroupApp

    return CoreGroupApp(store, Settings(), clock=lambda: NOW)


# ----- 1. open the case ---------------------------------------------------------------------------
TAB_COLUMNS = {
    "children": ("Name", "Born / due", "Mobility"),
    "people": ("Name", "Relationship", "Household", "Assessment", "Invited"),
    "actions": ("No.", "Action", "Type", "Owner", "Due", "Status", "Carried"),
    "concerns": ("Received", "Source", "Reported", "Response"),
    "meetings": ("No.", "Date", "Mode", "Status", "Attended"),
    "chronology": ("Date / period", "Source", "Impact", "Share", "Event"),
    "services": ("Service", "Agency", "For", "Start", "Ends", "What follows"),
}


class BareCase(Screen[None]):
    """The baseline overview: the same tabs and tables, the same text, read with orjson."""

    def __init__(self, path: Path, overview: tuple[str, str], rows: dict[str, list[tuple[str, ...]]]) -> None:
        super().__init__()
        self.path, self.overview, self.rows = path, overview, rows
        self.shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent():
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static(id="flags")
                yield Static(id="plan")
            for tab in TAB_COLUMNS:
                with TabPane(tab.capitalize(), id=tab):
                    yield DataTable(id=f"t-{tab}")
        yield Footer()

    def on_mount(self) -> None:
        orjson.loads(self.path.read_bytes())
        self.query_one("#flags", Static).update(self.overview[0])
        self.query_one("#plan", Static).update(self.overview[1])
        for tab, names in TAB_COLUMNS.items():
            table = self.query_one(f"#t-{tab}", DataTable)
            table.add_columns(*names)
            table.add_rows(self.rows.get(tab, []))
        self.call_after_refresh(self.mark)

    def mark(self) -> None:
        self.shown = True


class BareApp(App[None]):
    pass


async def open_ours(store: Store) -> tuple[float, tuple[str, str]]:
    from tui.screens.case import CaseScreen

    app = our_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.0)  # a chair reads the case list for a moment before opening a case
        start = time.perf_counter()
        app.open_case(CASE_ID)
        await until(lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        await drawn(app)
        seconds = time.perf_counter() - start
        texts = tuple(str(app.screen.query_one(f"#case-{k}", Static).render()) for k in ("flags", "plan"))
    return seconds, (texts[0], texts[1])


async def open_bare(path: Path, overview: tuple[str, str], rows: dict[str, list[tuple[str, ...]]]) -> float:
    app = BareApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.0)
        start = time.perf_counter()
        screen = BareCase(path, overview, rows)
        app.push_screen(screen)
        await until(lambda: screen.shown)
        await drawn(app)
        return time.perf_counter() - start


# ----- 2. start a meeting --------------------------------------------------------------------------
class BareAttendance(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield DataTable()
            yield Static("hint")
            with Horizontal():
                yield Input(id="name")
                yield Input()
                yield Input()
            with Horizontal():
                yield Select([("Attended", 1), ("Apologies", 2)], value=1, allow_blank=False)
                yield Select([("In person", 1), ("Online", 2)], value=1, allow_blank=False)
                yield Checkbox("Report received")
                yield Button("Add")
            with Horizontal():
                yield Label("Meeting mode")
                yield Select([("In person", 1), ("Online", 2)], value=1, allow_blank=False)
            yield Input()
            yield Static("warnings")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Name", "Status", "Mode", "Report", "Role", "Agency", "Copy", "Needs")
        self.query_one("#name", Input).focus()


async def start_ours(store: Store) -> tuple[float, float]:
    """ctrl+s to attendance drawn; then, after a pause, escape to the first step ready and drawn."""
    from tui.screens.attendance import AttendanceScreen
    from tui.screens.walkthrough import WalkthroughScreen

    app = our_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.open_case(CASE_ID)
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause(PAUSE)
        start = time.perf_counter()
        app.post_message(events.Key("ctrl+s", None))
        await until(
            lambda: isinstance(app.screen, AttendanceScreen) and app.focused is not None and app.focused.id == "a-name"
        )
        await drawn(app)
        started = time.perf_counter() - start
        await pilot.pause(PAUSE)
        start = time.perf_counter()
        app.post_message(events.Key("escape", None))
        await until(lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        await drawn(app)
        return started, time.perf_counter() - start


async def start_bare() -> float:
    app = BareApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        screen = BareAttendance()
        app.push_screen(screen)
        await until(lambda: app.screen is screen and app.focused is not None and app.focused.id == "name")
        await drawn(app)
        return time.perf_counter() - start


async def first_step_bare(steps: int) -> float:
    """The baseline for closing attendance: a bare app pushing a screen shaped like the walk-through
    (the agenda list and one step's widgets)."""

    class BareWalk(Screen[None]):
        CSS = "#side { width: 34; } TextArea { height: 8; }"

        def compose(self) -> ComposeResult:
            yield Header()
            with Horizontal():
                yield OptionList(*[f"· {i + 1}. Step {i + 1}" for i in range(steps)], id="side")
                with VerticalScroll():
                    yield Static("Step 1")
                    yield Static("• a prompt\n• a prompt\n• a prompt")
                    with Horizontal():
                        yield Label("Answer")
                        yield Select([("yes", 1), ("no", 2)])
                    yield Label("Notes")
                    yield TextArea("", id="notes")
                    yield Label("Restricted notes")
                    yield TextArea("")
                    yield Static("flag list")
            yield Footer()

        def on_mount(self) -> None:
            self.query_one("#notes", TextArea).focus()

    app = BareApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        screen = BareWalk()
        app.push_screen(screen)
        await until(lambda: app.screen is screen and app.focused is not None and app.focused.id == "notes")
        await drawn(app)
        return time.perf_counter() - start


# ----- 3. next agenda step --------------------------------------------------------------------------
class BareSteps(App[None]):
    """The baseline for a step: bodies of a step's kinds of widgets, built in advance and switched."""

    BINDINGS = [Binding("ctrl+n", "next", "Next", priority=True)]
    CSS = "#side { width: 34; } .body { height: 1fr; } TextArea { height: 8; }"

    def __init__(self, steps: int, notes: str) -> None:
        super().__init__()
        self.steps, self.notes, self.index = steps, notes, 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(*[f"· {i + 1}. Step {i + 1}" for i in range(self.steps)], id="side")
            with Vertical():
                yield Static("Step 1", id="title")
                for i in range(self.steps):
                    with VerticalScroll(classes="body") as body:
                        body.display = i == 0
                        yield Static("• a prompt\n• a prompt\n• a prompt")
                        yield Static("flags")
                        with Horizontal():
                            yield Label("Answer")
                            yield Select([("yes", 1), ("no", 2)])
                        yield Label("Notes")
                        yield TextArea(self.notes)
                        yield Label("Restricted notes")
                        yield TextArea("")
                        yield Static("flag list")
        yield Footer()

    def action_next(self) -> None:
        bodies: list[Widget] = list(self.query(".body"))
        bodies[self.index + 1].display = True
        bodies[self.index + 1].query_one(TextArea).focus()
        bodies[self.index].display = False
        self.index += 1
        self.query_one("#title", Static).update(f"Step {self.index + 1}")
        self.query_one(OptionList).highlighted = self.index


async def to_first_step(app: CoreGroupApp, pilot: Any) -> WalkthroughScreen:
    """Open the case, start a meeting (m, ctrl+s) and go on from attendance to the first step."""
    from tui.screens.walkthrough import WalkthroughScreen

    app.open_case(CASE_ID)
    await pilot.pause()
    await pilot.press("m")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    await pilot.press("escape")
    await until(lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
    screen = app.screen
    assert isinstance(screen, WalkthroughScreen)
    return screen


async def steps_ours(store: Store) -> tuple[list[float], list[float], int, str]:
    app = our_app(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_first_step(app, pilot)
        ready, shown = [], []
        steps = len(screen.meeting.steps)
        notes = screen.step.notes
        for _ in range(steps - 1):
            await pilot.pause(PAUSE)
            index = screen.index
            start = time.perf_counter()
            app.post_message(events.Key("ctrl+n", None))
            await until(lambda index=index: screen.index == index + 1 and screen.ready)  # type: ignore[misc]
            ready.append(time.perf_counter() - start)
            await drawn(app)
            shown.append(time.perf_counter() - start)
    return ready, shown, steps, notes


async def steps_bare(steps: int, notes: str) -> tuple[list[float], list[float]]:
    app = BareSteps(steps, notes)
    ready, shown = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(steps - 1):
            await pilot.pause(PAUSE)
            index = app.index
            start = time.perf_counter()
            app.post_message(events.Key("ctrl+n", None))
            await until(lambda index=index: app.index == index + 1)  # type: ignore[misc]
            ready.append(time.perf_counter() - start)
            await drawn(app)
            shown.append(time.perf_counter() - start)
    return ready, shown


# ----- 4. memory, each in a fresh process ------------------------------------------------------------
def resident_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def memory_child(kind: str, store_dir: Path) -> int:
    store = Store(store_dir)
    if kind == "ours":
        app = our_app(store)
        async with app.run_test(size=SIZE) as pilot:
            await to_first_step(app, pilot)
            await pilot.pause(1.0)  # the steps either side are built
            gc.collect()
            return resident_kb()
    tables = orjson.loads(store.case_path(CASE_ID).read_bytes())  # TinyDB: one table a kind of record
    data = {name: list(rows.values()) for name, rows in tables.items() if name not in ("case", "_proof")}
    rows: dict[str, list[tuple[str, ...]]] = {
        "actions": [(str(a["number"]), a["text"][:60], a["type"], a["owner"], a["due"], a["status"], "0")
                    for a in data["actions"]],
        "chronology": [(c["date"], c["source"], c["impact"], "yes", c["event"]) for c in data["chronology"]],
        "meetings": [(str(m["number"]), m["date"], m["mode"], m["status"], str(len(m["attendees"])))
                     for m in data["meetings"]],
        "concerns": [(c["received_on"], c["source"], c["reported"][:60], c["response"][:60])
                     for c in data["concerns"]],
    }  # fmt: skip
    bare = BareApp()
    async with bare.run_test(size=SIZE) as pilot:
        screen = BareCase(store.case_path(CASE_ID), ("flags", "plan"), rows)
        bare.push_screen(screen)
        await until(lambda: screen.shown)
        await pilot.pause(1.0)
        del data
        gc.collect()
        return resident_kb()


def memory(store_dir: Path, kind: str) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", kind, str(store_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def clean_heap() -> None:
    """The app freezes an open case's objects out of the collector's way (`gc.freeze`); after
    each app, collect what it left, so the next measure starts from the same heap."""
    gc.unfreeze()
    gc.collect()


# ----- the run ----------------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


async def measure(years: int, base: Path, runs: int, with_memory: bool) -> list[tuple[str, str, str, str]]:
    store = make_store(base, years)
    path = store.case_path(CASE_ID)
    rows: dict[str, list[tuple[str, ...]]] = {}  # the overview's tab has no table; the others fill when opened
    opened, bare_opened, started, bare_started = [], [], [], []
    first, bare_first = [], []
    overview = await open_ours(store)  # the overview's words, for the bare app to show too
    for _ in range(runs):
        # Bare first, and the heap cleared between: what one app leaves must not slow the other.
        clean_heap()
        bare_opened.append(await open_bare(path, overview[1], rows))
        clean_heap()
        opened.append((await open_ours(store))[0])
        clean_heap()
        bare_started.append(await start_bare())
        clean_heap()
        began, walked = await start_ours(store)
        started.append(began)
        first.append(walked)
        clean_heap()
        bare_first.append(await first_step_bare(15))
        store = make_store(base / f"run{len(started)}", years)  # the next run starts meeting 1 again
        path = store.case_path(CASE_ID)
    ready, shown, steps, notes = await steps_ours(store)
    bare_ready, bare_shown = await steps_bare(steps, notes)
    size = f"{path.stat().st_size / 1e6:.1f} MB"
    o, bo = statistics.median(opened), statistics.median(bare_opened)
    s, bs = statistics.median(started), statistics.median(bare_started)
    f, bf = statistics.median(first), statistics.median(bare_first)
    lines = [
        (f"{years} y ({size})", "open the case to its overview, drawn", ms(o), f"{ms(bo)} ({o / bo:.2f}x)"),
        ("", "ctrl+s on the start form to attendance, drawn", ms(s), f"{ms(bs)} ({s / bs:.2f}x)"),
        ("", "escape at attendance to the first step, drawn", ms(f), f"{ms(bf)} ({f / bf:.2f}x)"),
        (
            "",
            f"ctrl+n to the next step, ready for keys (median / worst of {steps - 1})",
            f"{ms(statistics.median(ready))} / {ms(max(ready))}",
            f"{ms(statistics.median(bare_ready))} / {ms(max(bare_ready))}",
        ),
        (
            "",
            "ctrl+n to the next step, drawn (median / worst)",
            f"{ms(statistics.median(shown))} / {ms(max(shown))}",
            f"{ms(statistics.median(bare_shown))} / {ms(max(bare_shown))}",
        ),
    ]
    if with_memory:
        fresh = make_store(base / "memory", years).root
        ours, bare = memory(fresh, "ours"), memory(fresh, "bare")
        lines.append(
            ("", "memory, meeting started", f"{ours / 1024:.0f} MB", f"{bare / 1024:.0f} MB ({ours / bare:.2f}x)")
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-child", nargs=2, metavar=("KIND", "STORE"))
    args = parser.parse_args()
    if args.memory_child:
        print(await memory_child(args.memory_child[0], Path(args.memory_child[1])))
        return
    print(f"Python {sys.version.split()[0]}; headless {SIZE[0]}x{SIZE[1]}; medians of {args.runs} runs")
    print("| history | measure | coregroup | bare Textual baseline, same run |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for years in args.years:
            for line in await measure(years, Path(tmp), args.runs, not args.no_memory):
                print("| " + " | ".join(line) + " |", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
