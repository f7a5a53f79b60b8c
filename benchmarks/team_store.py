"""The team's store on PostgreSQL at a council's scale, beside the file store, in one run.

    .venv/bin/python benchmarks/team_store.py                 # 10,000 cases, three clients 60 s a phase
    .venv/bin/python benchmarks/team_store.py --quick         # 500 cases, fewer samples, 10 s a phase
    .venv/bin/python benchmarks/team_store.py --seconds 20 --write-doc

The server is `--admin` (default $COREGROUP_TEST_PG, else postgresql://postgres@127.0.0.1:5432/postgres):
a role that may create databases and roles. The run makes its own database `cgbench_<pid>` and its
own sign-ins `cgbench_<pid>_*`, and drops them at the end (also when it fails).

The cases: every case is a copy of the demo case (data/demo/demo-case.json: two children, two
core groups, seven actions; 28 stored records and 13 report items, a 58 KB file), with its own
id. One copy goes through the real `PostgresStore.import_data` (and `Store.import_data`); the
other 9,999 are its stored rows with another id, bulk-copied (COPY) into cg_cases, cg_records and
cg_report_items, the rows `_write_whole` writes, then VACUUM ANALYZE (what autovacuum does on a
live server). The file store is built as benchmarks/store.py builds it (byte copies of the stored
file and their index entries). Cases alternate between two chairs' sign-ins; all are in one team.

1. save: `open(case).save(action)` with one field of an action changed (one save in ten also
   closes or reopens it, changing the case list), a different action each time, on PostgreSQL
   signed in as the database owner and as the chair the case is allocated to (row-level security
   applies), beside `CaseFile.save` on the file store: median and 95th percentile. The three
   take turns, a batch each, so other load on the shared machine falls on all alike.
2. list_cases() and report(today) at the same size, signed in as the owner and as a team manager
   (a coregroup_manager login in the cases' team: row-level security), beside the file store's.
3. Three clients, each a separate process with its own store: two chairs saving edits to two
   different cases and one minute-taker reading (list_cases, then export_data of each chair's
   case, over and over, flat out). Phases: chairs flat out, then chairs at a chair's pace (a
   save every 0.25 to 1 s, at random), each on PostgreSQL and on the file store (the baseline).
   Saves per second, median and 95th percentile save latency, reads per second and their 95th
   percentile; saves refused in error (any exception) and lost updates: at the end every action
   each chair saved is read back and must hold the last value saved, and (PostgreSQL) every
   value saved must be in the case's history and the case's version must have gone up once per
   save. Both counts must be 0.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# The repository first, and this folder off the path (its scripts' names are not packages).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import orjson  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from meetings.domain.records import ActionStatus  # noqa: E402
from meetings.storage.files import seal  # noqa: E402
from meetings.storage.postgres import REPORT_SQL, PostgresStore  # noqa: E402
from meetings.storage.store import INDEX_SHARDS, CaseSummary, Store, _shard  # noqa: E402

DOC = ROOT / "docs" / "benchmark-team-store.md"
DEMO = ROOT / "data" / "demo" / "demo-case.json"
ADMIN = os.environ.get("COREGROUP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PLACEHOLDER = "CGBENCH-TEMPLATE"
TEAM = "Benchmark Team (fictional)"
ROUNDS = 10
ROLES = {
    "chair_a": "coregroup_social_worker",
    "chair_b": "coregroup_social_worker",
    "minutes": "coregroup_minute_taker",
    "manager": "coregroup_manager",
}


def case_id(n: int) -> str:
    return f"BENCH-{n:06d}"


def demo_case(cid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    text = json.dumps(data).replace(str(data["id"]), cid)
    return dict(json.loads(text))


# ----- figures -------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    disk = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError, IndexError):
        out = subprocess.run(["df", "-hT", tempfile.gettempdir()], capture_output=True, text=True, check=True).stdout
        fields = out.splitlines()[1].split()
        disk = f"{fields[0]} ({fields[1]}, {fields[2]})"
        if Path(fields[0]).name.startswith(("vd", "xvd")):
            disk += ", a virtual machine's disk"
    server = "unknown"
    with contextlib.suppress(psycopg.Error), psycopg.connect(ADMIN, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SELECT version(), current_setting('shared_buffers'), current_setting('fsync'), "
                           "current_setting('synchronous_commit')").fetchone()  # fmt: skip
        if row:
            server = (
                f"{str(row[0]).split(' on ')[0]} (shared_buffers {row[1]}, fsync {row[2]}, synchronous_commit {row[3]})"
            )
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB",
        "disk": disk,
        "postgresql": server + ", on the same machine, over TCP to 127.0.0.1",
        "python": f"{platform.python_implementation()} {platform.python_version()}, psycopg {psycopg.__version__}",
        "os": f"{platform.system()} {platform.release()}",
    }


# ----- the database and its sign-ins ----------------------------------------------------------------


def url_for(dbname: str, login: str | None = None) -> str:
    parts = conninfo_to_dict(ADMIN)
    user = login if login is not None else str(parts.get("user") or "")
    password = f":{quote(str(parts['password']))}" if parts.get("password") and login is None else ""
    host = str(parts.get("host") or "127.0.0.1")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{quote(user)}{password}@{host}{port}/{dbname}"


@dataclasses.dataclass
class Server:
    dbname: str
    logins: dict[str, str]  # role in the benchmark -> login name

    def url(self, who: str | None = None) -> str:
        return url_for(self.dbname, None if who is None else self.logins[who])


@contextlib.contextmanager
def bench_database() -> Iterator[Server]:
    """A database with the store's schema and the benchmark's sign-ins; dropped, with them, at the end."""
    tag = f"cgbench_{os.getpid()}"
    server = Server(tag, {who: f"{tag}_{who}" for who in ROLES})
    admin = psycopg.connect(ADMIN, autocommit=True, connect_timeout=5)
    try:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(server.dbname)))
        try:
            PostgresStore(server.url(), journal_dir=Path(tempfile.gettempdir()), upgrade=True).close()  # the migrations
            for who, role in ROLES.items():
                ident = sql.Identifier(server.logins[who])
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
                admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), ident))
            with psycopg.connect(server.url(), autocommit=True) as conn:
                for name in server.logins.values():
                    conn.execute("INSERT INTO cg_staff (login, team) VALUES (%s, %s)", (name, TEAM))
            yield server
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(server.dbname)))
            for name in server.logins.values():
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def chair_of(server: Server, n: int) -> str:
    return server.logins["chair_a" if n % 2 == 0 else "chair_b"]


def build_postgres(server: Server, size: int) -> float:
    """`size` cases: the first through import_data, the rest its rows with other ids (COPY). Seconds taken.

    The COPY fires cg_cases' row triggers, as an import does: `guard` checks each case's team and
    allocation, and `events` writes each case's 'imported' entry of the history (chained, by
    `cg_append_history`), so the history holds what 10,000 real imports would have left."""
    start = time.perf_counter()
    template = case_id(0)
    store = PostgresStore(server.url(), journal_dir=Path(tempfile.gettempdir()))
    try:
        store.import_data(demo_case(template), team=TEAM)  # the owner has no team of its own
    finally:
        store.close()
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("UPDATE cg_cases SET allocated_to = %s WHERE id = %s", ([chair_of(server, 0)], template))
        header, summary = conn.execute(
            "SELECT header::text, summary::text FROM cg_cases WHERE id = %s", (template,)
        ).fetchone() or ("", "")
        records = conn.execute(
            "SELECT tbl, key, data::text FROM cg_records WHERE case_id = %s ORDER BY position", (template,)
        ).fetchall()
        items = conn.execute(
            "SELECT from_date::text, item::text FROM cg_report_items WHERE case_id = %s", (template,)
        ).fetchall()
        with conn.transaction():
            # What the events trigger records of each row: an import, from this machine.
            conn.execute("SELECT set_config('coregroup.event', 'imported', true), "
                         "set_config('coregroup.machine', %s, true)", (platform.node(),))  # fmt: skip
            with conn.cursor() as cur:
                with cur.copy("COPY cg_cases (id, header, summary, team, allocated_to) FROM STDIN") as copy:
                    for n in range(1, size):
                        cid = case_id(n)
                        copy.write_row((cid, header.replace(template, cid), summary.replace(template, cid),
                                        TEAM, "{" + chair_of(server, n) + "}"))  # fmt: skip
                with cur.copy("COPY cg_records (case_id, tbl, key, data) FROM STDIN") as copy:
                    for n in range(1, size):
                        cid = case_id(n)
                        for tbl, key, data in records:
                            copy.write_row((cid, tbl, key, data.replace(template, cid)))
                with cur.copy("COPY cg_report_items (case_id, from_date, item) FROM STDIN") as copy:
                    for n in range(1, size):
                        cid = case_id(n)
                        for from_date, item in items:
                            copy.write_row((cid, from_date, item.replace(template, cid)))
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def build_files(root: Path, size: int) -> tuple[Store, float]:
    """The same cases in the file store's layout, as benchmarks/store.py builds its stores."""
    start = time.perf_counter()
    store = Store(root)
    case = store.import_data(demo_case(PLACEHOLDER))
    template = store.case_path(PLACEHOLDER).read_bytes()
    summary = CaseSummary.of(case).to_json()
    for leftover in (store.case_path(PLACEHOLDER), store.cases_dir / f"{PLACEHOLDER}.lock",
                     *store.index_dir.glob("[0-9][0-9].json")):  # fmt: skip
        leftover.unlink(missing_ok=True)
    key = store.proof_key(create=True)
    body = b"{" + template[template.index(b'"}},') + len(b'"}},') :]
    shards: dict[str, dict[str, Any]] = {f"{n:02d}": {} for n in range(INDEX_SHARDS)}
    for n in range(size):
        cid = case_id(n)
        fd = os.open(store.cases_dir / f"{cid}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(seal(body.replace(PLACEHOLDER.encode(), cid.encode()), key))
        shards[_shard(cid)][cid] = json.loads(json.dumps(summary).replace(PLACEHOLDER, cid))
    for name, entries in shards.items():
        (store.index_dir / f"{name}.json").write_bytes(orjson.dumps(entries))
    os.sync()
    return store, time.perf_counter() - start


# ----- 1. one save ------------------------------------------------------------------------------------


def edited_action(action: Any, i: int, label: str) -> Any:
    edited = dataclasses.replace(action, evidence=f"{label} save {i}: seen at home (fictional).")
    if i % 10 == 0:  # now and then an edit that changes the case list (an action closed or reopened)
        closing = action.status != ActionStatus.DONE
        edited = dataclasses.replace(
            edited,
            status=ActionStatus.DONE if closing else ActionStatus.OPEN,
            completed_on=dt.date.today() if closing else None,
            decision_informed=action.decision_informed or "The plan continues (fictional).",
        )
    return edited


def time_saves(store: Any, cid: str, saves: int, label: str) -> list[float]:
    """Open `cid` and save `saves` edited actions, a different action each time, timing each save."""
    times = []
    with store.open(cid) as case_file:
        numbers = [a.number for a in case_file.case.actions]
        for i in range(saves):
            number = numbers[i % len(numbers)]
            action = next(a for a in case_file.case.actions if a.number == number)
            edited = edited_action(action, i, label)
            t0 = time.perf_counter()
            case_file.save(edited)
            times.append(time.perf_counter() - t0)
    return times


def breakdown(url: str, today: dt.date, runs: int) -> dict[str, float]:
    """Where the time of list_cases and report goes on the server and in psycopg (medians, seconds):
    the same SQL as the store's, fetched as it does (jsonb parsed by psycopg's default, the standard
    json module), as text (no parsing), without the report items in the summaries, without JIT."""
    parts: dict[str, list[float]] = {}

    def run(name: str, conn: psycopg.Connection[Any], query: str) -> None:
        parts[name] = timed(lambda: conn.execute(query.encode(), {"today": today}).fetchall(), runs)[0]

    with psycopg.connect(url, autocommit=True) as conn:
        run("list: SELECT summary, parsed by psycopg", conn, "SELECT summary FROM cg_cases")
        run("list: SELECT summary::text, not parsed", conn, "SELECT summary::text FROM cg_cases")
        run("list: SELECT summary - 'report_items', parsed", conn, "SELECT summary - 'report_items' FROM cg_cases")
        run("report: the store's query, parsed by psycopg", conn, REPORT_SQL)
        run("report: the query, count(*) of its rows only", conn, f"SELECT count(*) FROM ({REPORT_SQL}) q")
        conn.execute("SET jit = off")
        run("report: the store's query, parsed, jit = off", conn, REPORT_SQL)
        run("report: the query, count(*) of its rows only, jit = off", conn, f"SELECT count(*) FROM ({REPORT_SQL}) q")
    return {name: med(times) for name, times in parts.items()}


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


# ----- 3. three clients ----------------------------------------------------------------------------


def open_store(spec: str, journal: str) -> Any:
    return PostgresStore(spec, journal_dir=Path(journal)) if spec.startswith("postgresql://") else Store(Path(spec))


def chair(spec: str, journal: str, cid: str, label: str, pace: str, seconds: float, out: Any) -> None:
    """A chair: open one case and save edits to its actions until the time is up."""
    result: dict[str, Any] = {"label": label, "case": cid, "latencies": [], "saved": {}, "values": [],
                              "errors": {}, "pace": pace}  # fmt: skip
    rng = random.Random(label)
    store = open_store(spec, journal)
    try:
        with store.open(cid) as case_file:
            result["version_before"] = getattr(case_file, "version", None)
            numbers = [a.number for a in case_file.case.actions]
            end = time.monotonic() + seconds
            i = 0
            while time.monotonic() < end:
                number = numbers[i % len(numbers)]
                action = next(a for a in case_file.case.actions if a.number == number)
                edited = edited_action(action, i, label)
                t0 = time.perf_counter()
                try:
                    case_file.save(edited)
                except Exception as problem:  # noqa: BLE001 - counted: must be none
                    result["errors"][type(problem).__name__] = result["errors"].get(type(problem).__name__, 0) + 1
                else:
                    result["latencies"].append(time.perf_counter() - t0)
                    result["saved"][number] = edited.evidence
                    result["values"].append([number, edited.evidence])
                i += 1
                if pace == "chair":
                    time.sleep(rng.uniform(0.25, 1.0))
            result["version_after"] = getattr(case_file, "version", None)
            result["state"] = getattr(case_file, "connection_state", "connected")
            journal_of = getattr(store, "journal_for", None)
            result["journal_left"] = bool(journal_of and journal_of(cid).exists())
    except Exception as problem:  # noqa: BLE001 - counted: must be none
        result["errors"]["opening: " + type(problem).__name__] = 1
    finally:
        if hasattr(store, "close"):
            store.close()
        out.put(result)


def minute_taker(spec: str, journal: str, cases: list[str], seconds: float, out: Any) -> None:
    """A minute-taker reading: the case list, then each chair's case exported, over and over."""
    result: dict[str, Any] = {"label": "minute-taker", "list": [], "export": [], "errors": {}}
    store = open_store(spec, journal)
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for kind, run in [("list", store.list_cases)] + [
                ("export", lambda c=c: store.export_data(c)) for c in cases
            ]:
                t0 = time.perf_counter()
                try:
                    run()
                except Exception as problem:  # noqa: BLE001 - counted: must be none
                    name = f"{kind}: {type(problem).__name__}"
                    result["errors"][name] = result["errors"].get(name, 0) + 1
                else:
                    result[kind].append(time.perf_counter() - t0)
    finally:
        if hasattr(store, "close"):
            store.close()
        out.put(result)


def check_chair(store: Any, result: dict[str, Any], history_before: int) -> list[str]:
    """Lost updates of one chair's saves: each a value not found where it must be."""
    lost = []
    actions = {a["number"]: a for a in store.export_data(result["case"])["actions"]}
    for number, value in result["saved"].items():
        if actions.get(int(number), {}).get("evidence") != value:
            lost.append(f"{result['case']} actions[{number}].evidence is not the last value saved")
    if isinstance(store, PostgresStore):
        entries = store.history(result["case"])[history_before:]
        found = {
            (c.path, c.new) for e in entries for c in e.changes if c.path.endswith(".evidence")
        }  # every save is one entry of the history
        for number, value in result["values"]:
            if (f"actions[{number}].evidence", value) not in found:
                lost.append(f"{result['case']} actions[{number}]: a saved value is missing from the history")
        saves = len(result["values"])
        if len(entries) != saves:
            lost.append(f"{result['case']}: {len(entries)} history entries for {saves} saves")
        if result.get("version_after") is not None and result["version_after"] - result["version_before"] != saves:
            lost.append(
                f"{result['case']}: the version went up {result['version_after'] - result['version_before']} times for {saves} saves"
            )
        if result.get("journal_left"):
            lost.append(f"{result['case']}: saves left in the journal on this computer, not on the server")
    return lost


def clients(specs: list[str], history_of: Any, pace: str, seconds: float, journal: str) -> dict[str, Any]:
    """Two chairs and a minute-taker at once, each its own process and store (`specs`: chair A's,
    chair B's, the minute-taker's); the figures and the checks."""
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    pg = isinstance(history_of, PostgresStore)
    cases = [case_id(0), case_id(1)]
    before = {c: len(history_of.history(c)) for c in cases} if pg else {c: 0 for c in cases}
    procs = [
        ctx.Process(target=chair, args=(specs[0], journal, cases[0], "chair A", pace, seconds, out)),
        ctx.Process(target=chair, args=(specs[1], journal, cases[1], "chair B", pace, seconds, out)),
        ctx.Process(target=minute_taker, args=(specs[2], journal, cases, seconds, out)),
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    chairs = [r for r in results if r["label"].startswith("chair")]
    reader = next(r for r in results if r["label"] == "minute-taker")
    lost: list[str] = []
    for r in chairs:
        lost += check_chair(history_of, r, before[r["case"]])
    latencies = [t for r in chairs for t in r["latencies"]]
    errors: dict[str, int] = {}
    for r in results:
        for name, count in r["errors"].items():
            errors[f"{r['label']}: {name}"] = errors.get(f"{r['label']}: {name}", 0) + count
    reads = reader["list"] + reader["export"]
    return {
        "saves": len(latencies),
        "saves_per_s": len(latencies) / seconds,
        "save_med": med(latencies),
        "save_p95": p95(latencies),
        "reads_per_s": len(reads) / seconds,
        "list_p95": p95(reader["list"]),
        "export_p95": p95(reader["export"]),
        "errors": errors,
        "lost": lost,
    }


# ----- the run -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    global ADMIN
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=200, help="saves timed on each store (part 1)")
    parser.add_argument("--runs", type=int, default=11, help="runs of list_cases and report on each (part 2)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each three-client phase (part 3)")
    parser.add_argument("--paces", nargs="+", choices=["flat", "chair"], default=["flat", "chair"])
    parser.add_argument("--quick", action="store_true", help="500 cases, 50 saves, 5 runs, 10 s phases")
    parser.add_argument("--admin", default=ADMIN, help="a PostgreSQL role that may create databases and roles")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the file store (default: a temp folder)")
    parser.add_argument("--write-doc", action="store_true", help=f"write the figures to {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.saves, args.runs, args.seconds = 500, 50, 5, 10.0
    if args.cases < 2:
        parser.error("--cases must be at least 2")
    ADMIN = os.environ["COREGROUP_TEST_PG"] = args.admin  # the three clients' processes read it too
    info = machine()
    print(" ".join(f"{k}: {v};" for k, v in info.items()), flush=True)
    today = dt.date.today()
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    base = Path(tempfile.mkdtemp(prefix="coregroup-team-bench-", dir=args.dir))
    journal = str(base / "journal")
    started = time.perf_counter()
    try:
        with bench_database() as server:
            pg_built = build_postgres(server, args.cases)
            files, files_built = build_files(base / "files", args.cases)
            with psycopg.connect(server.url()) as conn:
                db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
                rows = conn.execute(
                    "SELECT (SELECT count(*) FROM cg_records), (SELECT count(*) FROM cg_report_items)"
                ).fetchone()
            print(f"built {args.cases:,} cases on PostgreSQL in {pg_built:.1f} s ({db_size[0] if db_size else '?'}, "
                  f"{rows[0] if rows else 0:,} records, {rows[1] if rows else 0:,} report items) and in files in {files_built:.1f} s", flush=True)  # fmt: skip
            owner = PostgresStore(server.url(), journal_dir=Path(journal))
            manager = PostgresStore(server.url("manager"), journal_dir=Path(journal))
            chairs = {
                n: PostgresStore(server.url(w), journal_dir=Path(journal)) for n, w in ((0, "chair_a"), (1, "chair_b"))
            }
            try:
                # 2. the case list, the report and one case exported, on the stores as built (the same cases)
                listing: dict[str, list[float]] = {}
                counts: dict[str, tuple[int, int]] = {}
                who: dict[str, Any] = {"files": files, "pg owner": owner, "pg manager": manager}
                for name in who:
                    for kind in ("list", "report", "export"):
                        listing[f"{kind} {name}"] = []
                listing["connect"] = []
                for turn in range(args.runs):
                    for name, store in who.items():
                        t, cases = timed(store.list_cases, 1)
                        listing[f"list {name}"] += t
                        t, report = timed(partial(store.report, today), 1)
                        listing[f"report {name}"] += t
                        counts[name] = (len(cases), len(report))
                        t, _ = timed(partial(store.export_data, case_id(2 + turn)), 1)
                        listing[f"export {name}"] += t
                    t0 = time.perf_counter()
                    psycopg.connect(server.url("manager"), autocommit=True).close()
                    listing["connect"].append(time.perf_counter() - t0)
                parts = {
                    name: breakdown(server.url(w), today, args.runs)
                    for name, w in (("owner", None), ("manager", "manager"))
                }
                # 1. one save, the stores taking turns (after 2: saves change the report)
                rng = random.Random(2026)
                saves: dict[str, list[float]] = {"files": [], "pg owner": [], "pg chair": []}
                batch = max(1, args.saves // ROUNDS)
                for turn in range(ROUNDS):
                    order = list(saves)[turn % 3 :] + list(saves)[: turn % 3]
                    for which in order:
                        n = rng.randrange(2, args.cases)
                        if which == "files":
                            saves[which] += time_saves(files, case_id(n), batch, "bench")
                        elif which == "pg owner":
                            saves[which] += time_saves(owner, case_id(n), batch, "bench")
                        else:
                            saves[which] += time_saves(chairs[n % 2], case_id(n), batch, "bench")
            finally:
                for s in (owner, manager, *chairs.values()):
                    s.close()
            # 3. three clients
            phases: list[tuple[str, str, dict[str, Any]]] = []
            for pace in args.paces:
                for where in ("postgresql", "files"):
                    print(f"three clients, chairs {'flat out' if pace == 'flat' else 'at a chair pace'}, on {where}: "
                          f"{args.seconds:.0f} s", flush=True)  # fmt: skip
                    history_of = (
                        PostgresStore(server.url(), journal_dir=Path(journal)) if where == "postgresql" else files
                    )
                    try:
                        specs = (
                            [server.url("chair_a"), server.url("chair_b"), server.url("minutes")]
                            if where == "postgresql"
                            else [str(files.root)] * 3
                        )
                        got = clients(specs, history_of, pace, args.seconds, journal)
                    finally:
                        if isinstance(history_of, PostgresStore):
                            history_of.close()
                    phases.append((pace, where, got))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    took = time.perf_counter() - started

    say(
        f"## Results: {args.cases:,} cases (each a copy of the demo case), today {today}; the run took {took / 60:.1f} min"
    )
    say()
    say("### 1. Save one edit (an action's field) at the same size")
    say()
    say("| store, signed in as | saves | median | 95th percentile |")
    say("|---|--:|--:|--:|")
    labels = {"files": "file store (baseline)", "pg owner": "PostgreSQL, database owner",
              "pg chair": "PostgreSQL, the case's chair (row-level security)"}  # fmt: skip
    for name, times in saves.items():
        say(f"| {labels[name]} | {len(times)} | {ms(med(times))} ms | {ms(p95(times))} ms |")
    say()
    say(f"### 2. Case list, manager's report, one case exported ({args.runs} runs each, median and 95th percentile)")
    say()
    say("Measured on the stores as built, before the saves of part 1, so every store holds the same cases.")
    say()
    say("| store, signed in as | cases listed | list median | list p95 | report lines | report median | report p95 "
        "| export_data median | export_data p95 |")  # fmt: skip
    say("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    names = {"files": "file store (baseline)", "pg owner": "PostgreSQL, database owner",
             "pg manager": "PostgreSQL, team manager (row-level security)"}  # fmt: skip
    for name in who:
        lt, rt, et = listing[f"list {name}"], listing[f"report {name}"], listing[f"export {name}"]
        say(f"| {names[name]} | {counts[name][0]:,} | {ms(med(lt))} ms | {ms(p95(lt))} ms | {counts[name][1]:,} | "
            f"{ms(med(rt))} ms | {ms(p95(rt))} ms | {ms(med(et))} ms | {ms(p95(et))} ms |")  # fmt: skip
    say()
    say(f"A bare connection to the server (psycopg.connect + close, as the manager): median "
        f"{ms(med(listing['connect']))} ms, 95th percentile {ms(p95(listing['connect']))} ms.")  # fmt: skip
    if len(set(counts.values())) != 1:
        say(f"MISMATCH: the stores do not list the same cases and report lines: {counts}")
    say()
    say("Where the time goes on PostgreSQL: the store's SQL alone, fetched by psycopg (median):")
    say()
    say("| part | owner | team manager |")
    say("|---|--:|--:|")
    for part in parts["owner"]:
        say(f"| {part} | {ms(parts['owner'][part])} ms | {ms(parts['manager'][part])} ms |")
    worst = max(p95(listing["list pg manager"]), p95(listing["report pg manager"]))
    say()
    say(f"Target: the case list and the report within 1 s at {args.cases:,} cases for a team manager: "
        f"{'met' if worst < 1 else 'MISSED'} ({ms(worst)} ms at the 95th percentile, the slower of the two).")  # fmt: skip
    say()
    say(f"### 3. Three clients for {args.seconds:.0f} s: two chairs saving, one minute-taker reading flat out")
    say()
    say(
        "| chairs | store | saves | saves/s | save median | save p95 | reads/s | list p95 | export p95 | refused in error | lost updates |"
    )
    say("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    bad = 0
    for pace, where, r in phases:
        errors = sum(r["errors"].values())
        bad += errors + len(r["lost"])
        say(f"| {'flat out' if pace == 'flat' else 'a save every 0.25-1 s'} | "
            f"{'PostgreSQL' if where == 'postgresql' else 'files (baseline)'} | {r['saves']:,} | {r['saves_per_s']:.1f} | "
            f"{ms(r['save_med'])} ms | {ms(r['save_p95'])} ms | {r['reads_per_s']:.1f} | {ms(r['list_p95'])} ms | "
            f"{ms(r['export_p95'])} ms | {errors} | {len(r['lost'])} |")  # fmt: skip
    for pace, where, r in phases:
        for name, count in r["errors"].items():
            say(f"- refused in error ({where}, {pace}): {name} x{count}")
        for problem in r["lost"][:10]:
            say(f"- lost ({where}, {pace}): {problem}")
    say()
    say(f"Lost or refused-in-error updates: {bad} (target 0: {'met' if bad == 0 else 'MISSED'}).")
    if args.write_doc:
        write_doc(info, lines, args)
        print(f"wrote {DOC}")
    return 0 if bad == 0 else 1


def write_doc(info: dict[str, str], lines: list[str], args: argparse.Namespace) -> None:
    marker = "<!-- figures -->"
    command = (
        "benchmarks/team_store.py"
        + (" --quick" if args.quick else "")
        + (
            f" --cases {args.cases} --saves {args.saves} --runs {args.runs} --seconds {args.seconds:g}"
            if not args.quick
            else ""
        )
    )
    figures = (
        f"{marker}\nMeasured {dt.datetime.now():%Y-%m-%d %H:%M} with `.venv/bin/python {command}`\n\n"
        + "\n".join(f"- {k}: {v}" for k, v in info.items())
        + "\n\n"
        + "\n".join(lines).replace("## Results", "### Results")
        + f"\n{marker}"
    )
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else DOC_HEAD
    if existing.count(marker) == 2:
        head, _, rest = existing.partition(marker)
        _, _, tail = rest.partition(marker)
        DOC.write_text(head + figures + tail, encoding="utf-8")
    else:
        DOC.write_text(existing.rstrip("\n") + "\n\n" + figures + "\n", encoding="utf-8")


DOC_HEAD = """# Team store benchmark: PostgreSQL beside the file store

`benchmarks/team_store.py` measures the team's store (`meetings/storage/postgres.py`) at a
council's scale, beside the file store measured in the same run on the same machine. It is a
script that prints figures, not a test (issue 13, "Benchmarks").

    .venv/bin/python benchmarks/team_store.py --write-doc     # 10,000 cases, 60 s a three-client phase
    .venv/bin/python benchmarks/team_store.py --quick         # 500 cases, 10 s phases

See the script's docstring for exactly what is measured. In short:

1. **Save one edit**: an action's field changed and `save(action)` on an open case, on PostgreSQL
   signed in as the database owner and as the chair the case is allocated to (row-level security
   on every row written), beside `CaseFile.save` on the file store.
2. **The case list and the manager's report** (`list_cases()`, `report(today)`), on PostgreSQL as
   the owner and as a team manager (a `coregroup_manager` login in the cases' team), beside the
   file store's (which reads its 64 index shards). Target: within 1 second at 10,000 cases.
3. **Three clients** in separate processes, each with its own store: two chairs saving to two
   different cases, one minute-taker reading (the case list, then each chair's case exported)
   flat out. Chairs flat out, and at a chair's pace (a save every 0.25 to 1 s). Lost updates
   (every saved value read back at the end, and on PostgreSQL found in the history, with the
   version up once per save) and saves refused in error (any exception) must both be 0.

The cases are copies of the demo case (`data/demo/demo-case.json`: 28 stored records and 13
report items, a 58 KB file), not the five-year generated case of `benchmarks/store.py` (1.7 MB,
about 1,700 records): at 10,000 cases that would be 17 million rows and 17 GB, longer to build
than the whole run. A save on PostgreSQL writes the changed record, the case's summary and its
report items; on the file store it rewrites the whole case file, so with a larger case the file
store's save is expected to grow more than PostgreSQL's (not measured here: see
docs/benchmark-store.md for the file store with the five-year case).

## Figures

"""


if __name__ == "__main__":
    sys.exit(main())
