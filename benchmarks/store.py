"""How long saving one edit and opening one case take as the store grows.

    python benchmarks/store.py                  # 10, 1,000 and 10,000 cases (a few minutes)
    python benchmarks/store.py --quick          # 10 and 1,000 cases, fewer samples
    python benchmarks/store.py --sizes 10 10000 --saves 200 --opens 50 --write-doc

Every case is fictional and generated: five years of a plan, about 65 core group meetings
(attendees, the 15 agenda steps with notes), 600 actions and 1,000 chronology entries.
One case is generated and checked through the real import; the other cases of a store are
byte copies of its stored tables with a different id (and their own index entries), written
straight into the layout of `meetings.storage.store`, so a 10,000-case store is built in seconds
rather than by 10,000 imports.

For each size it prints the median and 95th percentile of
  save  CaseFile.save(action) on an open case, a different action each time;
  open  Store.open(case) + close, a different case each time;
beside the median of a bare write + fsync + rename (+ fsync of the folder) of a file of the
same size in the same folder, so the cost of the disk itself is visible.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from meetings.domain.records import ActionStatus
from meetings.storage.crypto import CASE, INDEX, KEY_FILE, KeyFile, StoreKey
from meetings.storage.files import seal
from meetings.storage.store import INDEX_SHARDS, CaseSummary, Store, _shard

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmark-store.md"
ROUNDS = 10  # turns the sizes take, a batch of saves and opens each
PLACEHOLDER = "BENCH-TEMPLATE"
AGENDA_KEYS = [
    "welcome", "membership", "reason_for_plan", "childs_voice", "visits", "agency_updates", "family_views",
    "review_actions", "new_information", "assessments", "services", "scaling", "contingency", "new_actions",
    "next_meeting",
]  # fmt: skip
WORDS = [
    "visit",
    "home",
    "baby",
    "mother",
    "father",
    "carer",
    "health",
    "visitor",
    "nursery",
    "school",
    "housing",
    "police",
    "report",
    "plan",
    "safe",
    "sleep",
    "routine",
    "feeding",
    "appointment",
    "attended",
    "missed",
    "seen",
    "alone",
    "bedroom",
    "kitchen",
    "clean",
    "support",
    "worker",
    "family",
    "centre",
    "assessment",
    "agreed",
    "concern",
    "update",
    "contact",
    "partner",
    "grandparent",
    "weekend",
    "night",
    "morning",
    "progress",
    "review",
]
FIRST = ["Alex", "Robin", "Sam", "Jo", "Casey", "Morgan", "Taylor", "Jordan", "Riley", "Quinn", "Lee", "Pat"]
LAST = ["Sample", "Example", "Placeholder", "Test", "Fictional", "Specimen"]
AGENCIES = ["Children's Social Care", "Community Health", "Example Street Surgery", "Sample Primary School",
            "Sample Constabulary", "Sample Homes Housing Association", "Example Family Centre"]  # fmt: skip


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)} (fictional)"


def make_case(case_id: str, seed: int = 1) -> dict[str, Any]:
    """A fictional case with five years of history, in the export format."""
    rng = random.Random(seed)
    start = dt.date(2021, 1, 4)
    people = [
        {"id": i, "name": _name(rng), "relationship": rel, "gender": g, "risks": _sentence(rng, 20)}
        for i, (rel, g) in enumerate(
            [("mother", "female"), ("father", "male"), ("mothers_partner", "male"), ("grandparent", "female"),
             ("regular_visitor", "male"), ("other_relative", "female")], start=1)
    ]  # fmt: skip
    meetings = []
    for n in range(1, 66):
        day = start + dt.timedelta(days=28 * (n - 1))
        online = n % 5 == 0
        meetings.append(
            {
                "number": n,
                "date": day.isoformat(),
                "start_time": "10:00",
                "end_time": "11:30",
                "venue": "Example Family Centre, Room 2",
                "mode": "online" if online else "in_person",
                "mode_reason": "Family asked to join from home (fictional)." if online else "",
                "chair": "Alex Chair (fictional)",
                "minute_taker": "Robin Minutes (fictional)",
                "attendees": [
                    {"name": _name(rng), "role": "Professional", "agency": agency, "status": "attended",
                     "mode": "online" if online else "in_person", "report_received": rng.random() < 0.3}
                    for agency in AGENCIES
                ] + [{"name": people[0]["name"], "role": "Mother", "agency": "Family", "person_id": 1,
                      "status": "attended", "mode": "in_person", "copy_type": "family"}],
                "steps": [
                    {"key": key, "title": key.replace("_", " ").capitalize(), "notes": _sentence(rng, 70),
                     "answers": {"confidentiality_explained": True} if key == "welcome" else {},
                     "seconds_spent": rng.randint(60, 900)}
                    for key in AGENDA_KEYS
                ],
                "scaling": [{"name": _name(rng), "score": rng.randint(2, 8), "reason": _sentence(rng, 12)}
                            for _ in range(4)],
                "decisions": _sentence(rng, 40),
                "contingency_plan": _sentence(rng, 25),
                "next_meeting_date": (day + dt.timedelta(days=28)).isoformat(),
                "status": "finished",
            }
        )  # fmt: skip
    actions = []
    for n in range(1, 601):
        raised = (n - 1) * 65 // 600 + 1
        due = start + dt.timedelta(days=28 * raised + rng.randint(7, 56))
        done = raised < 60
        actions.append(
            {
                "number": n,
                "text": _sentence(rng, 25),
                "outcome": _sentence(rng, 8),
                "owner": _name(rng),
                "agency": rng.choice(AGENCIES),
                "type": "visit",
                "person_id": rng.randint(1, len(people)),
                "raised_at": raised,
                "due": due.isoformat(),
                "status": "done" if done else "open",
                "evidence": _sentence(rng, 15) if done else "",
                "completed_on": due.isoformat() if done else None,
            }
        )
    chronology = [
        {
            "id": i,
            "date": (start + dt.timedelta(days=(i * 1826) // 1000)).isoformat(),
            "source": rng.choice(AGENCIES),
            "event": _sentence(rng, 30),
            "impact": rng.choice(["positive", "negative", "neutral", "not_known"]),
            "action_taken": _sentence(rng, 10),
            "recorded_by": "Robin Minutes (fictional)",
        }
        for i in range(1, 1001)
    ]
    concerns = [
        {"id": i, "received_on": (start + dt.timedelta(days=30 * i)).isoformat(),
         "source_kind": "anonymous" if i % 7 == 0 else "agency", "source": rng.choice(AGENCIES),
         "reported": _sentence(rng, 25), "response": _sentence(rng, 15) if i % 4 else ""}
        for i in range(1, 41)
    ]  # fmt: skip
    return {
        "id": case_id,
        "children": [{"id": 1, "name": "Wren Sample (fictional)", "date_of_birth": "2020-11-02", "mobility": "mobile"}],
        "plan_categories": ["neglect"],
        "icpc_date": "2021-01-04",
        "lead_social_worker": "Alex Chair (fictional)",
        "expected_agencies": AGENCIES,
        "people": people,
        "meetings": meetings,
        "actions": actions,
        "concerns": concerns,
        "chronology": chronology,
        "services": [{"id": 1, "name": "Family support (fictional)", "agency": "Example Family Centre"}],
    }


def case_id(n: int) -> str:
    return f"BENCH-{n:06d}"


def build_store(root: Path, size: int, *, passphrase: str | None = None) -> tuple[Store, int]:
    """A store of `size` copies of one generated case; returns it and the case file's size. With a
    `passphrase`, an encrypted store (unlocked), its files as `coregroup encrypt` leaves them."""
    store = Store(root)
    case = store.import_data(make_case(PLACEHOLDER))  # checked once, through the real import
    template = store.case_path(PLACEHOLDER).read_bytes()
    summary = CaseSummary.of(case).to_json()
    for leftover in (store.case_path(PLACEHOLDER), store.cases_dir / f"{PLACEHOLDER}.lock",
                     *store.index_dir.glob("[0-9][0-9].json")):  # fmt: skip
        leftover.unlink()
    assert template.count(PLACEHOLDER.encode()) == 1
    # Each copy is sealed with the store's proof of its own bytes, as the store itself would write
    # it, so opening one takes the path a file the store wrote takes (not the full check).
    key = store.proof_key(create=True)
    cipher = StoreKey.generate() if passphrase else None
    if cipher is not None and passphrase is not None:
        (root / KEY_FILE).write_bytes(KeyFile.new(cipher, passphrase)[0].dump())

    def stored(plain: bytes, kind: bytes) -> bytes:
        return cipher.encrypt(plain, kind) if cipher is not None else plain

    body = b"{" + template[template.index(b'"}},') + len(b'"}},') :]
    shards: dict[str, dict[str, Any]] = {f"{n:02d}": {} for n in range(INDEX_SHARDS)}
    for n in range(size):
        cid = case_id(n)
        path = store.cases_dir / f"{cid}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(stored(seal(body.replace(PLACEHOLDER.encode(), cid.encode()), key), CASE))
        shards[_shard(cid)][cid] = {**summary, "id": cid}
    for name, entries in shards.items():
        fd = os.open(store.index_dir / f"{name}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(stored(orjson.dumps(entries), INDEX))
    os.sync()
    if passphrase:
        store = Store(root)
        store.unlock(passphrase=passphrase)
    return store, len(template)


def bare_write(folder: Path, size: int, rounds: int) -> list[float]:
    """A write + fsync + rename + fsync of the folder, the least a durable save can cost."""
    payload = os.urandom(size)
    target = folder / "bare.bin"
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        tmp = folder / ".bare.bin.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, payload)
        os.fsync(fd)
        os.close(fd)
        os.replace(tmp, target)
        dfd = os.open(folder, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        times.append(time.perf_counter() - t0)
    target.unlink()
    return times


def time_saves(store: Store, size: int, saves: int, rng: random.Random) -> list[float]:
    """Open a random case and save `saves` edited actions, a different action each time."""
    with store.open(case_id(rng.randrange(size))) as case_file:
        numbers = rng.sample([a.number for a in case_file.case.actions], min(saves, len(case_file.case.actions)))
        numbers = (numbers * (saves // len(numbers) + 1))[:saves]
        times = []
        for i, number in enumerate(numbers):
            action = next(a for a in case_file.case.actions if a.number == number)
            edited = dataclasses.replace(action, evidence=f"Seen at home on visit {i} (fictional).")
            if i % 10 == 0:  # now and then an edit that changes the case list (an action closed)
                edited = dataclasses.replace(edited, status=ActionStatus.DONE if action.is_open else ActionStatus.OPEN)
            t0 = time.perf_counter()
            case_file.save(edited)
            times.append(time.perf_counter() - t0)
    return times


def time_opens(store: Store, size: int, opens: int, rng: random.Random) -> list[float]:
    ids = [case_id(n) for n in rng.sample(range(size), min(opens, size))]
    ids = (ids * (opens // len(ids) + 1))[:opens]
    times = []
    for cid in ids:
        t0 = time.perf_counter()
        case_file = store.open(cid)
        proven = case_file.proven
        case_file.close()
        times.append(time.perf_counter() - t0)
        assert proven, f"{cid} was not proven: the benchmark would time the full check"
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    disk = "unknown"
    try:
        out = subprocess.run(["df", "-hT", tempfile.gettempdir()], capture_output=True, text=True, check=True).stdout
        fields = out.splitlines()[1].split()
        disk = f"{fields[0]} ({fields[1]}, {fields[2]})"
        dev = Path(fields[0]).name
        rotational = Path(f"/sys/block/{dev}/queue/rotational")
        if dev.startswith(("vd", "xvd")):
            disk += ", a virtual machine's disk"
        elif rotational.exists():
            disk += ", rotational" if rotational.read_text().strip() == "1" else ", non-rotational"
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "disk": disk,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--opens", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="10 and 1,000 cases, 50 saves, 20 opens")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the stores (default: a temp folder)")
    parser.add_argument("--write-doc", action="store_true", help=f"write the figures to {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.saves, args.opens = [10, 1_000], 50, 20
    rng = random.Random(2026)
    info = machine()
    print(" ".join(f"{k}: {v};" for k, v in info.items()))
    rows = []
    base = Path(tempfile.mkdtemp(prefix="coregroup-bench-", dir=args.dir))
    try:
        needed = sum(args.sizes) * 1.9e6
        free = shutil.disk_usage(base).free
        if needed > free * 0.8:
            print(f"Not enough free disk: the stores need about {needed / 1e9:.0f} GB, {free / 1e9:.0f} GB is free.")
            return 1
        stores: dict[int, tuple[Store, int, float]] = {}
        for size in args.sizes:
            t0 = time.perf_counter()
            store, file_size = build_store(base / f"store-{size}", size)
            stores[size] = (store, file_size, time.perf_counter() - t0)
            print(f"built {size:,} cases of {file_size / 1024:,.0f} KB in {stores[size][2]:.1f} s", flush=True)
        # The sizes take turns, a batch each, so that the other work on a shared machine
        # falls on every size alike rather than on whichever ran while it was busy.
        saves: dict[int, list[float]] = {size: [] for size in args.sizes}
        opens: dict[int, list[float]] = {size: [] for size in args.sizes}
        bare: dict[int, list[float]] = {size: [] for size in args.sizes}
        for turn in range(ROUNDS):
            order = args.sizes[turn % len(args.sizes) :] + args.sizes[: turn % len(args.sizes)]
            for size in order:
                store, file_size, _ = stores[size]
                saves[size] += time_saves(store, size, max(1, args.saves // ROUNDS), rng)
                opens[size] += time_opens(store, size, max(1, args.opens // ROUNDS), rng)
                bare[size] += bare_write(store.cases_dir, file_size, max(2, args.saves // 4 // ROUNDS))
        for size in args.sizes:
            store, file_size, built = stores[size]
            rows.append(
                {
                    "size": size,
                    "file_kb": file_size / 1024,
                    "save_med": statistics.median(saves[size]),
                    "save_p95": p95(saves[size]),
                    "open_med": statistics.median(opens[size]),
                    "open_p95": p95(opens[size]),
                    "bare_med": statistics.median(bare[size]),
                    "built": built,
                }
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    table = _table(rows)
    print()
    print(table)
    verdict = _verdict(rows)
    print(verdict)
    if args.write_doc:
        _write_doc(info, table, verdict, args)
        print(f"wrote {DOC}")
    return 0


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| cases | case file | save median | save p95 | open median | open p95 | bare write+fsync+rename median |",
        "|------:|----------:|------------:|---------:|------------:|---------:|-------------------------------:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['file_kb']:,.0f} KB | {ms(r['save_med'])} ms | {ms(r['save_p95'])} ms | "
            f"{ms(r['open_med'])} ms | {ms(r['open_p95'])} ms | {ms(r['bare_med'])} ms |"
        )
    return "\n".join(lines)


def _verdict(rows: list[dict[str, Any]]) -> str:
    by_size = {r["size"]: r for r in rows}
    parts = []
    largest = by_size.get(10_000)
    if largest:
        ok = largest["save_med"] <= 0.010
        parts.append(
            f"save at 10,000 cases: {ms(largest['save_med'])} ms median (target 10 ms: {'met' if ok else 'MISSED'})"
        )
        if 10 in by_size:
            ratio = largest["save_med"] / by_size[10]["save_med"]
            parts.append(f"10,000 / 10 cases: {ratio:.2f}x (target 1.3x: {'met' if ratio <= 1.3 else 'MISSED'})")
    return "; ".join(parts) or "(the targets are judged with 10 and 10,000 cases)"


def _write_doc(info: dict[str, str], table: str, verdict: str, args: argparse.Namespace) -> None:
    machine_lines = "\n".join(f"- {k}: {v}" for k, v in info.items())
    DOC.parent.mkdir(exist_ok=True)
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    marker = "<!-- figures -->"
    figures = (
        f"{marker}\nMeasured {dt.datetime.now():%Y-%m-%d %H:%M} with "
        f"`python benchmarks/store.py --sizes {' '.join(map(str, args.sizes))} --saves {args.saves} --opens {args.opens}`\n\n"
        f"{machine_lines}\n\n{table}\n\n{verdict}\n{marker}"
    )
    if existing.count(marker) == 2:
        head, _, rest = existing.partition(marker)
        _, _, tail = rest.partition(marker)
        DOC.write_text(head + figures + tail, encoding="utf-8")
    else:
        DOC.write_text(existing + "\n" + figures + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
