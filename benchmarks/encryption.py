"""Encryption at rest: saving one edit and opening a case, encrypted beside unencrypted.

    python benchmarks/encryption.py                          # 10,000 cases in each store
    python benchmarks/encryption.py --size 1000 --saves 60 --opens 20
    python benchmarks/encryption.py --write-doc              # the figures into docs/benchmark-encryption.md

Two stores of `size` copies of the five-year case of benchmarks/store.py (1.7 MB of JSON each),
built the same way: one plain, one encrypted, its files as `coregroup encrypt` leaves them (the
store key wrapped by a passphrase in `store-key.json`, every case file and index shard
AES-256-GCM). The encrypted store is opened through `Store.unlock`, as the app opens it. In the
same run, taking turns so that other load on a shared machine falls on both alike, it times

  save  CaseFile.save(action) on an open case, a different action each time;
  open  Store.open(case) + close of a different five-year case each time;

and prints the medians and 95th percentiles side by side, with the ratios against the targets
(save within 1.5 times, open within 1.3 times the unencrypted median). Unlocking (scrypt, once
per start of the app or a command) is timed on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store import build_store, machine, ms, p95, time_opens, time_saves  # noqa: E402

from meetings.storage.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmark-encryption.md"
PASSPHRASE = "benchmark fictional passphrase"
SAVE_TARGET, OPEN_TARGET = 1.5, 1.3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="cases in each store (default 10,000)")
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--opens", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="turns the two stores take")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the stores (default: a temp folder)")
    parser.add_argument("--write-doc", action="store_true", help=f"write the figures to {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    info = machine()
    print(" ".join(f"{k}: {v};" for k, v in info.items()))
    base = Path(tempfile.mkdtemp(prefix="coregroup-bench-enc-", dir=args.dir))
    try:
        needed = 2 * args.size * 1.9e6
        free = shutil.disk_usage(base).free
        if needed > free * 0.8:
            print(f"Not enough free disk: the stores need about {needed / 1e9:.0f} GB, {free / 1e9:.0f} GB is free.")
            return 1
        results = _measure(base, args)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    table = _table(results, args.size)
    verdict = _verdict(results)
    print()
    print(table)
    print(verdict)
    if args.write_doc:
        _write_doc(info, table, verdict, args)
        print(f"wrote {DOC}")
    return 0


def _measure(base: Path, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    stores: dict[str, Store] = {}
    size_of_file = 0
    for name, passphrase in (("unencrypted", None), ("encrypted", PASSPHRASE)):
        t0 = time.perf_counter()
        stores[name], size_of_file = build_store(base / name, args.size, passphrase=passphrase)
        print(f"built {args.size:,} {name} cases of {size_of_file / 1024:,.0f} KB in {time.perf_counter() - t0:.1f} s")
    unlocks = []
    for _ in range(3):
        t0 = time.perf_counter()
        Store(base / "encrypted").unlock(passphrase=PASSPHRASE)
        unlocks.append(time.perf_counter() - t0)
    rng = random.Random(2026)
    saves: dict[str, list[float]] = {name: [] for name in stores}
    opens: dict[str, list[float]] = {name: [] for name in stores}
    for turn in range(args.rounds):
        for name in list(stores)[turn % 2 :] + list(stores)[: turn % 2]:
            saves[name] += time_saves(stores[name], args.size, max(1, args.saves // args.rounds), rng)
            opens[name] += time_opens(stores[name], args.size, max(1, args.opens // args.rounds), rng)
    return {
        name: {
            "save_med": statistics.median(saves[name]),
            "save_p95": p95(saves[name]),
            "open_med": statistics.median(opens[name]),
            "open_p95": p95(opens[name]),
            "file_kb": size_of_file / 1024,
            "unlock": statistics.median(unlocks) if name == "encrypted" else 0.0,
        }
        for name in stores
    }


def _table(results: dict[str, dict[str, Any]], size: int) -> str:
    lines = [
        "| store | cases | case file | save median | save p95 | open median | open p95 | unlock (once) |",
        "|-------|------:|----------:|------------:|---------:|------------:|---------:|--------------:|",
    ]
    for name, r in results.items():
        unlock = f"{ms(r['unlock'])} ms" if r["unlock"] else "-"
        lines.append(
            f"| {name} | {size:,} | {r['file_kb']:,.0f} KB | {ms(r['save_med'])} ms | {ms(r['save_p95'])} ms | "
            f"{ms(r['open_med'])} ms | {ms(r['open_p95'])} ms | {unlock} |"
        )
    return "\n".join(lines)


def _verdict(results: dict[str, dict[str, Any]]) -> str:
    plain, encrypted = results["unencrypted"], results["encrypted"]
    save = encrypted["save_med"] / plain["save_med"]
    opened = encrypted["open_med"] / plain["open_med"]
    return (
        f"save encrypted / unencrypted: {save:.2f}x (target {SAVE_TARGET}x: {'met' if save <= SAVE_TARGET else 'MISSED'}); "
        f"open encrypted / unencrypted: {opened:.2f}x (target {OPEN_TARGET}x: {'met' if opened <= OPEN_TARGET else 'MISSED'})"
    )


def _write_doc(info: dict[str, str], table: str, verdict: str, args: argparse.Namespace) -> None:
    machine_lines = "\n".join(f"- {k}: {v}" for k, v in info.items())
    marker = "<!-- figures -->"
    figures = (
        f"{marker}\nMeasured {dt.datetime.now():%Y-%m-%d %H:%M} with `python benchmarks/encryption.py --size {args.size} "
        f"--saves {args.saves} --opens {args.opens} --rounds {args.rounds}`\n\n{machine_lines}\n\n{table}\n\n{verdict}\n{marker}"
    )
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Encryption benchmark\n"
    if existing.count(marker) == 2:
        head, _, rest = existing.partition(marker)
        _, _, tail = rest.partition(marker)
        DOC.write_text(head + figures + tail, encoding="utf-8")
    else:
        DOC.write_text(existing.rstrip("\n") + "\n\n" + figures + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
