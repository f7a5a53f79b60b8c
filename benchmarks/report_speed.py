# ruff: noqa: E402  (the path is fixed before the imports)
"""The team manager's report and the case list at 10,000 cases, beside `psql` running the same SQL.

    /work/venv/bin/python benchmarks/report_speed.py                       # 10,000 cases, this code
    /work/venv/bin/python benchmarks/report_speed.py --before /tmp/cg-old  # and an earlier release's
    /work/venv/bin/python benchmarks/report_speed.py --write-doc

The database is built as benchmarks/team_store.py builds it (copies of the demo case, their
'imported' history entries written by the server's trigger; dropped at the end). Each figure is
taken signed in as a team manager (a coregroup_manager login of the cases' team: row-level
security applies) and as the tables' owner (no row-level security), the median of `--runs` turns:

- baseline: `psql -X -c "<SQL>"` as the same login, output to /dev/null (psql's aligned table),
  and `psql -X -A -t` (unaligned, the least psql does to print). The SQL is exactly what the store
  runs (`SET jit = off` then the report's query; the case list's query), each code's own.
- store: `PostgresStore.report(today)` / `list_cases()` in a process of its own (the code under
  test on its path), after one call to warm the pool, three calls a turn.
- CLI: `python -m tui --store URL report` / `cases` as a whole process, output to /dev/null
  (time.perf_counter around subprocess.run).
- screen: `tui.app.CoreGroupApp` on the store under `App.run_test()`; from pressing f6 on the
  case list to the report screen saying it is ready (its table filled), then one more frame.
  `--screen-runs` a login, as the screen takes seconds.

The code under test takes turns with the earlier code (`--before DIR`, e.g. `git archive
1ae2251 | tar -x -C DIR`) and with psql, figure by figure, so load from other work on the machine
falls on all alike. The target: within 1 s at 10,000 cases.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The code under test first: this repository's, or (in a worker) the one the driver names.
sys.path[:] = [os.environ.get("REPORT_SPEED_CODE", str(ROOT))] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import statistics
import subprocess
import tempfile
import time
from typing import Any

TARGET = 1.0
DOC = ROOT / "docs" / "benchmark-team-store.md"
MARK = "<!-- report-speed -->"

# The report's query as the release before this change ran it (1ae2251, PostgresStore.report).
BEFORE_REPORT_SQL = (
    "SELECT c.id, c.summary->>'children', c.summary->>'lead_social_worker', array_agg(i.item) "
    "FROM cg_report_items i JOIN cg_cases c ON c.id = i.case_id "
    "WHERE i.from_date <= %(today)s AND (i.item->>'until' IS NULL OR (i.item->>'until')::date >= %(today)s) "
    "GROUP BY c.id"
)
LIST_SQL = "SELECT summary - 'report_items' FROM cg_cases"


def team_store() -> Any:
    spec = importlib.util.spec_from_file_location("team_store", ROOT / "benchmarks" / "team_store.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["team_store"] = module
    spec.loader.exec_module(module)
    return module


# ----- the workers: one process each, the code under test first on the path ------------------------


def worker(kind: str, url: str, today: dt.date, calls: int) -> dict[str, Any]:
    from meetings.storage.postgres import PostgresStore

    store = PostgresStore(url, journal_dir=Path(tempfile.gettempdir()) / "cg-report-speed")
    try:
        if kind == "screen":
            return asyncio.run(_screen(store, today))
        run = (lambda: store.report(today)) if kind == "report" else store.list_cases
        count = len(run())  # the pool warmed
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            count = len(run())
            times.append(time.perf_counter() - t0)
        return {"times": times, "count": count}
    finally:
        store.close()


async def _screen(store: Any, today: dt.date) -> dict[str, Any]:
    from meetings.domain.settings import Settings
    from tui.app import CoreGroupApp

    app = CoreGroupApp(store, Settings(), clock=lambda: dt.datetime.combine(today, dt.time(9)))
    async with app.run_test(size=(120, 36)) as pilot:
        while type(app.screen).__name__ != "CaseListScreen":
            await asyncio.sleep(0.01)
        await pilot.pause()
        await asyncio.sleep(0.5)  # the case list settled
        t0 = time.perf_counter()
        await pilot.press("f6")
        while not (type(app.screen).__name__ == "ReportScreen" and getattr(app.screen, "ready", False)):
            await asyncio.sleep(0.005)
        await pilot.pause()  # one more frame: the rows drawn
        took = time.perf_counter() - t0
        table: Any = app.screen.query_one("#report-table")  # a DataTable before, a ReportTable now
        return {"times": [took], "count": int(table.row_count)}


# ----- the driver --------------------------------------------------------------------------------------


def in_process(code: Path, kind: str, url: str, today: dt.date, calls: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            kind,
            "--url",
            url,
            "--today",
            today.isoformat(),
            "--calls",
            str(calls),
        ],  # fmt: skip
        env={**os.environ, "PYTHONPATH": str(code), "REPORT_SPEED_CODE": str(code)},
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def cli(code: Path, command: str, url: str, today: dt.date) -> float:
    """One run of the command as a whole process. Python may keep its compiled bytecode (as an
    installed wheel has it: pip compiles it at install), whatever PYTHONDONTWRITEBYTECODE this shell
    has; `main` runs each command once first, untimed, so it is compiled before the turns."""
    args = [sys.executable, "-m", "tui", "--store", url, command] + (["--on", today.isoformat()] if command == "report" else [])  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPATH": str(code)}
    t0 = time.perf_counter()
    subprocess.run(args, env=env, cwd=code, stdout=subprocess.DEVNULL, check=True, timeout=600)
    return time.perf_counter() - t0


def psql(url: str, query: str, *, unaligned: bool) -> float:
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *(["-A", "-t"] if unaligned else []), "-c", "SET jit = off", "-c", query, url]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, check=True, timeout=600)
    return time.perf_counter() - t0


def literal(query: str, today: dt.date) -> str:
    return query.replace("%(today)s", f"'{today.isoformat()}'::date").replace("\n", " ").strip()


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:,.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="turns of every figure (median)")
    parser.add_argument("--screen-runs", type=int, default=3, help="turns of the report screen, a login")
    parser.add_argument("--before", type=Path, help="an earlier release's code, measured in turn with this")
    parser.add_argument("--write-doc", action="store_true", help=f"write the figures to {DOC.relative_to(ROOT)}")
    parser.add_argument("--worker", choices=["report", "cases", "screen"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, args.today, args.calls)))
        return 0

    from meetings.storage.postgres import REPORT_SQL

    ts = team_store()
    today = dt.date.today()
    codes = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    report_sql = {"after": literal(REPORT_SQL, today), "before": literal(BEFORE_REPORT_SQL, today)}
    info = ts.machine()
    print(" ".join(f"{k}: {v};" for k, v in info.items()), flush=True)
    figures: dict[tuple[str, ...], list[float]] = {}
    counts: dict[tuple[str, ...], int] = {}

    def add(key: tuple[str, ...], values: list[float]) -> None:
        figures.setdefault(key, []).extend(values)

    started = time.perf_counter()
    with ts.bench_database() as server:
        built = ts.build_postgres(server, args.cases)
        print(f"built {args.cases:,} cases in {built:.1f} s", flush=True)
        logins = {"manager": server.url("manager"), "owner": server.url()}
        for code in codes:  # untimed: each code's bytecode compiled once, as an installed wheel has it
            cli(codes[code], "cases", logins["manager"], today)
        for turn in range(args.runs):
            print(f"turn {turn + 1} of {args.runs}", flush=True)
            order = list(codes) if turn % 2 == 0 else list(reversed(codes))
            for who, url in logins.items():
                for code in order:
                    add(("report", who, "psql", code), [psql(url, report_sql[code], unaligned=False)])
                    add(("report", who, "psql -At", code), [psql(url, report_sql[code], unaligned=True)])
                    got = in_process(codes[code], "report", url, today, 3)
                    add(("report", who, "store", code), got["times"])
                    counts[("report", who, code)] = got["count"]
                    add(("report", who, "cli", code), [cli(codes[code], "report", url, today)])
                    add(("cases", who, "psql", code), [psql(url, LIST_SQL, unaligned=False)])
                    add(("cases", who, "psql -At", code), [psql(url, LIST_SQL, unaligned=True)])
                    got = in_process(codes[code], "cases", url, today, 3)
                    add(("cases", who, "store", code), got["times"])
                    counts[("cases", who, code)] = got["count"]
                    add(("cases", who, "cli", code), [cli(codes[code], "cases", url, today)])
                    if turn < args.screen_runs:
                        got = in_process(codes[code], "screen", url, today, 1)
                        add(("report", who, "screen", code), got["times"])
                        counts[("screen", who, code)] = got["count"]
        sizes = {}
        import psycopg

        with psycopg.connect(server.url()) as conn:
            for table in ("cg_cases", "cg_report_items", "cg_history"):
                row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - a fixed name
                sizes[table] = int(row[0]) if row else 0
    took = time.perf_counter() - started

    lines = [
        f"{args.cases:,} cases ({sizes['cg_report_items']:,} report items, {sizes['cg_history']:,} history "
        f"entries), today {today}, {args.runs} turns ({args.screen_runs} of the screen); the run took "
        f"{took / 60:.1f} min. Lines on the report: "
        + ", ".join(f"{who} {counts.get(('report', who, 'after'), 0):,}" for who in logins)
        + ".",
        "",
        "| signed in as | what | baseline: psql -c, same SQL | psql -A -t | before | after | after, 1 s target |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    names = {"store": "`store.{}` in-process", "cli": "`coregroup {}` (whole process)", "screen": "report screen, f6 to filled"}  # fmt: skip
    for op, method in (("report", "store"), ("report", "cli"), ("report", "screen"), ("cases", "store"), ("cases", "cli")):  # fmt: skip
        for who in logins:
            label = names[method].format("report(today)" if op == "report" and method == "store" else
                                         "list_cases()" if method == "store" else op)  # fmt: skip
            shown = [c for c in ("before", "after") if c in codes]
            base = " / ".join(ms(med(figures.get((op, who, "psql", c), []))) for c in shown)
            base_at = " / ".join(ms(med(figures.get((op, who, "psql -At", c), []))) for c in shown)
            after = med(figures.get((op, who, method, "after"), []))
            before = med(figures.get((op, who, method, "before"), []))
            verdict = "MET" if after <= TARGET else "MISSED"
            lines.append(f"| {who} | {label} | {base} | {base_at} | {ms(before)} | {ms(after)} | {verdict} |")
    lines += [
        "",
        "The psql columns give the before / after SQL's figures when both codes ran (the case list's SQL is "
        "the same in both). Each figure is a median.",
    ]
    mismatch = {k: v for k, v in counts.items() if v != counts.get((k[0] if k[0] != "screen" else "report", k[1], "after"))}  # fmt: skip
    if mismatch:
        lines.append(f"MISMATCH between the codes' counts: {mismatch}")
    text = "\n".join(lines)
    print(text)
    if args.write_doc:
        head = f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} with `/work/venv/bin/python benchmarks/report_speed.py" + (
            " --before DIR` (DIR: `git archive 1ae2251`)" if args.before else "`"
        )
        block = f"{MARK}\n{head}\n\n" + "\n".join(f"- {k}: {v}" for k, v in info.items()) + f"\n\n{text}\n{MARK}"
        doc = DOC.read_text(encoding="utf-8")
        if doc.count(MARK) == 2:
            first, _, rest = doc.partition(MARK)
            _, _, last = rest.partition(MARK)
            doc = first + block + last
        else:
            doc = doc.rstrip("\n") + "\n\n" + block + "\n"
        DOC.write_text(doc, encoding="utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
