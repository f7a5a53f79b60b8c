"""The `coregroup` command. With no subcommand it opens the app on the case store."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from meetings import __version__
from meetings.domain.agenda import AgendaTemplateError
from meetings.domain.locations import data_dir, store_dir
from meetings.domain.records import CopyType
from meetings.domain.schema import InvalidRecord, parse_date
from meetings.domain.settings import SettingsError, load_settings
from meetings.exports.wordfile import TemplateError
from meetings.storage.base import StoreError
from meetings.storage.exchange import export_text, read_case_file
from meetings.storage.files import atomic_write
from meetings.storage.store import Store

DEMO_FILE = "demo/demo-case.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coregroup",
        description="A terminal assistant for child protection core group meetings. "
        "With no command, opens the app on the case store.",
    )
    parser.add_argument("--version", action="version", version=f"coregroup {__version__}")
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="the case store folder (default: $COREGROUP_STORE, else your user data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("cases", help="list the cases in the store")
    p_import = sub.add_parser("import", help="add a case from a JSON case file")
    p_import.add_argument("file", type=Path)
    p_import.add_argument("--replace", action="store_true", help="overwrite a case with the same id")
    p_export = sub.add_parser("export", help="write a case to a JSON case file")
    p_export.add_argument("case_id")
    p_export.add_argument("--out", type=Path, required=True, help="the file to write ('-' for standard output)")
    p_restore = sub.add_parser("restore", help="put back the previous save of a damaged case file")
    p_restore.add_argument("case_id")
    p_restore.add_argument("--force", action="store_true", help="restore even if the case file is not damaged")
    p_minutes = sub.add_parser("minutes", help="write the Word minutes of a meeting")
    p_minutes.add_argument("case_id")
    p_minutes.add_argument("--meeting", type=int, required=True, metavar="N", help="the meeting number")
    p_minutes.add_argument(
        "--copy",
        choices=["full", "family"],
        default="full",
        help="family: leaves out everything marked restricted (default: full)",
    )
    p_minutes.add_argument("--out", type=Path, required=True, help="the .docx file to write")
    p_chron = sub.add_parser("chronology", help="write the case's chronology as a Word table")
    p_chron.add_argument("case_id")
    p_chron.add_argument("--out", type=Path, required=True, help="the .docx file to write")
    p_chron.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="entries on or after")
    p_chron.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="entries on or before")
    p_chron.add_argument("--agency", action="append", metavar="NAME", help="only this source (repeatable)")
    p_chron.add_argument("--copy", choices=["full", "family"], default="full")
    p_sent = sub.add_parser("sent", help="record that a copy of a meeting's minutes was sent to someone")
    p_sent.add_argument("case_id")
    p_sent.add_argument("--meeting", type=int, required=True, metavar="N")
    p_sent.add_argument("--to", dest="recipient", required=True, metavar="NAME")
    p_sent.add_argument("--agency", default="")
    p_sent.add_argument("--copy", choices=["full", "family"], required=True)
    p_sent.add_argument("--on", dest="sent_on", type=_date, metavar="YYYY-MM-DD", help="default: today")
    p_sent.add_argument("--how", default="", help="e.g. secure email, by hand")
    sub.add_parser("reindex", help="rebuild the case list from the case files")
    sub.add_parser("demo", help="open the app on a throwaway store holding the fictional demo case")
    sub.add_parser("where", help="print where the case store is")
    return parser


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except InvalidRecord as problem:
        raise argparse.ArgumentTypeError(problem.problem) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True, highlight=False)
    try:
        return _run(args)
    except (StoreError, InvalidRecord, SettingsError, TemplateError, AgendaTemplateError) as problem:
        # Only our own messages are printed: they name fields and files, never a stack of locals.
        err.print(f"[bold red]coregroup:[/] {problem}", markup=True, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as unexpected:  # noqa: BLE001 - the last line of defence for privacy
        if os.environ.get("COREGROUP_DEBUG"):
            raise
        # A traceback or an exception's text can carry a child's details; say only where it broke.
        frame = traceback.extract_tb(unexpected.__traceback__)[-1]
        err.print(
            f"coregroup: an unexpected {type(unexpected).__name__} in {Path(frame.filename).name}, "
            f"line {frame.lineno}. No case details are shown here. Nothing saved before this was "
            "lost. Set COREGROUP_DEBUG=1 to see the full error.",
            markup=False,
        )
        return 2


def _run(args: argparse.Namespace) -> int:
    out = Console(highlight=False)
    if args.command == "demo":
        return _demo()
    root = store_dir(args.store)
    if args.command == "where":
        out.print(str(root))
        return 0
    store = Store(root)
    if args.command is None:
        return _open_app(store)
    if args.command == "cases":
        _print_cases(out, store)
    elif args.command == "import":
        case = store.import_data(read_case_file(args.file), replace=args.replace)
        out.print(f"Imported case {case.id} ({case.child_names()}) into {root}")
    elif args.command == "export":
        text = export_text(store.export_data(args.case_id))
        if str(args.out) == "-":
            sys.stdout.write(text)
        else:
            _write_private(args.out, text)
            out.print(f"Exported case {args.case_id} to {args.out}")
    elif args.command == "restore":
        kept = store.restore_backup(args.case_id, force=args.force)
        out.print(f"Case {args.case_id} restored from its backup; the damaged file is kept at {kept}")
    elif args.command in ("minutes", "chronology"):
        _write_word(args, store)
    elif args.command == "sent":
        from meetings.domain.lifecycle import find_meeting, record_distribution

        with store.open(args.case_id) as case_file:
            meeting = find_meeting(case_file.case, args.meeting)
            record_distribution(
                meeting,
                args.recipient,
                CopyType(args.copy),
                agency=args.agency,
                sent_on=args.sent_on or dt.date.today(),
                how=args.how,
            )
            case_file.save(meeting)
        out.print(f"Recorded: {args.copy} copy of meeting {args.meeting}'s minutes sent to {args.recipient}")
    elif args.command == "reindex":
        out.print(f"Indexed {len(store.rebuild_index())} cases.")
    return 0


def _write_word(args: argparse.Namespace, store: Store) -> None:
    from meetings.exports.chronology import write_chronology
    from meetings.exports.minutes import write_minutes

    copy = CopyType(args.copy)
    with store.open(args.case_id, read_only=True) as case_file:
        try:
            if args.command == "minutes":
                path = write_minutes(case_file.case, args.meeting, args.out, copy=copy, settings=load_settings())
                what = f"the {args.copy} copy of the minutes of meeting {args.meeting}"
            else:
                path = write_chronology(
                    case_file.case,
                    args.out,
                    copy=copy,
                    start=args.start,
                    end=args.end,
                    agencies=args.agency,
                    settings=load_settings(),
                )
                what = f"the {args.copy} chronology of case {args.case_id}"
        except OSError as exc:
            raise StoreError(f"Cannot write {args.out}: {exc.strerror}") from None
        except ValueError as exc:  # an unknown meeting, dates the wrong way round, an unusable template
            raise StoreError(str(exc)) from None
    print(f"Wrote {what} to {path}")


def _write_private(path: Path, text: str) -> None:
    """An exported case is as sensitive as the store: readable by its owner only, written whole."""
    try:
        atomic_write(path.resolve(), text.encode("utf-8"))
    except OSError as exc:
        raise StoreError(f"Cannot write {path}: {exc.strerror}") from None


def _print_cases(out: Console, store: Store) -> None:
    today = dt.date.today()
    table = Table(title=f"Cases in {store.root}", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Case", no_wrap=True)
    table.add_column("Child", min_width=12, ratio=1)
    table.add_column("Plan", min_width=8)
    table.add_column("Last met", no_wrap=True)
    table.add_column("Next", no_wrap=True)
    table.add_column("Open", justify="right")
    table.add_column("Overdue", justify="right")
    for s in store.list_cases():
        overdue = s.overdue_actions(today)
        table.add_row(
            s.id,
            s.children,
            ", ".join(c.replace("_", " ") for c in s.plan_categories),
            s.last_meeting or "none yet",
            s.next_meeting or "not set",
            str(s.open_actions),
            f"[bold red]{overdue}[/]" if overdue else "0",
        )
    if table.row_count == 0:
        out.print(f"No cases in {store.root}. Try `coregroup import FILE.json` or `coregroup demo`.")
    else:
        out.print(table)


def _open_app(store: Store) -> int:
    from .app import CoreGroupApp  # Textual is imported only when the app is opened

    app = CoreGroupApp(store)
    app.run()
    return app.return_code or 0


def _demo() -> int:
    folder = Path(tempfile.mkdtemp(prefix="coregroup-demo-"))
    try:
        store = Store(folder)
        store.import_data(json.loads((data_dir() / DEMO_FILE).read_text(encoding="utf-8")))
        return _open_app(store)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
