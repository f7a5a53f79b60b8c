"""The `coregroup` command. With no subcommand it opens the app on the case store."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from meetings import __version__
from meetings.domain import search
from meetings.domain.agenda import AgendaTemplateError, load_agenda
from meetings.domain.chronology import EventKind, parse_kind
from meetings.domain.locations import data_dir, store_dir
from meetings.domain.records import Case, CopyType
from meetings.domain.schema import InvalidRecord, parse_date
from meetings.domain.settings import SettingsError, load_settings
from meetings.exports.errors import TemplateError
from meetings.exports.output import not_written, write_output
from meetings.storage.base import CaseStore, StoreError, use_settings
from meetings.storage.choose import PostgresStore, is_url, open_store, store_spec
from meetings.storage.crypto import WrongSecret, keyring_available
from meetings.storage.exchange import export_text, import_case_file, read_case_file
from meetings.storage.files import SAVED_BUT, os_error_words
from meetings.storage.store import Store, left_plain_words

DEMO_FILE = "demo/demo-case.json"
ROLE_PASSWORD_ENV = "COREGROUP_ROLE_PASSWORD"
ROLE_NAMES = ("social_worker", "minute_taker", "manager", "readonly")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coregroup",
        description="A terminal assistant for child protection core group meetings. "
        "With no command, opens the app on the case store.",
    )
    parser.add_argument("--version", action="version", version=f"coregroup {__version__}")
    parser.add_argument(
        "--store",
        metavar="DIR|URL",
        help="the case store: a folder, or a team's store on PostgreSQL (postgresql://user@host/db); "
        "default: $COREGROUP_STORE, else the council's settings, else your user data folder",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p_cases = sub.add_parser(
        "cases",
        help="list the cases in the store",
        description="List the cases in the store, by child's name. On a terminal: a table. "
        "Into a pipe or a file: one line a case, fields separated by tabs, after a header line "
        "naming the columns: " + ", ".join(CASE_COLUMNS) + ". Dates are YYYY-MM-DD (empty when not "
        "known); plan is the plan's categories separated by commas; next_core_group_due is the "
        "timescale date of the next core group. A tab or line break inside a name is written as a space.",
    )
    p_cases.add_argument(
        "--search",
        metavar="TEXT",
        help="only cases where every word of TEXT is in the child's name, case id, plan or lead "
        "social worker (ignoring case), as the app's search box finds them",
    )
    p_cases.add_argument(
        "--overdue",
        action="store_true",
        help="only cases whose next core group is past its timescale date, or with an open action past its due date",
    )
    p_cases.add_argument(
        "--worker",
        metavar="NAME",
        help="only cases whose lead social worker is NAME (every word of NAME a whole word of "
        "their name, ignoring case: 'kaur' finds Priya Kaur)",
    )
    p_import = sub.add_parser("import", help="add a case from a JSON case file")
    p_import.add_argument("file", type=Path)
    p_import.add_argument("--replace", action="store_true", help="overwrite a case with the same id")
    p_import.add_argument("--team", help="a team's store on PostgreSQL: the team the case belongs to (needed unless "
                          "you are a social worker listed in a team: the case is then yours, in your team)")  # fmt: skip
    p_export = sub.add_parser("export", help="write a case to a JSON case file")
    p_export.add_argument("case_id")
    p_export.add_argument("--out", type=Path, required=True, help="the file to write ('-' for standard output)")
    p_restore = sub.add_parser("restore", help="put back the previous save of a damaged case file")
    p_restore.add_argument("case_id")
    p_restore.add_argument("--force", action="store_true", help="restore even if the case file is not damaged")
    p_brief = sub.add_parser("brief", help="write the chair's brief for the next core group (one or two pages)")
    p_brief.add_argument("case_id")
    p_brief.add_argument("--copy", choices=["full", "family"], default="full",
                         help="family: leaves out everything marked restricted (default: full)")  # fmt: skip
    p_brief.add_argument("--out", type=Path, metavar="FILE.docx", help="default: CASE_ID-brief-COPY.docx here")
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
    p_chron.add_argument("--person", action="append", metavar="NAME",
                         help="only events about this person in the child's life (repeatable)")  # fmt: skip
    p_chron.add_argument("--kind", action="append", type=_kind, metavar="KIND",
                         help=f"only this kind of event (repeatable): {', '.join(k.value for k in EventKind)}")  # fmt: skip
    p_chron.add_argument("--copy", choices=["full", "family"], default="full")
    p_sent = sub.add_parser("sent", help="record that a copy of a meeting's minutes was sent to someone")
    p_sent.add_argument("case_id")
    p_sent.add_argument("--meeting", type=int, required=True, metavar="N")
    p_sent.add_argument("--to", dest="recipient", metavar="NAME", help="someone invited, or one of the case's people")
    p_sent.add_argument("--agency", default="", help="default: the recipient's agency as recorded")
    p_sent.add_argument("--copy", choices=["full", "family"])
    p_sent.add_argument("--on", dest="sent_on", type=_date, metavar="YYYY-MM-DD", help="default: today")
    p_sent.add_argument("--how", default="", help="e.g. secure email, by hand")
    p_sent.add_argument("--new-recipient", action="store_true", help="NAME was not invited: record it anyway")
    p_sent.add_argument("--reason", default="", help="why a full copy holding restricted text goes to the family "
                        "or a restricted person; with --withdraw, why the entry is wrong")  # fmt: skip
    p_sent.add_argument("--withdraw", type=int, metavar="ENTRY", help="withdraw entry ENTRY (from 1) of the log")
    sub.add_parser("reindex", help="rebuild the case list from the case files")
    p_encrypt = sub.add_parser(
        "encrypt",
        help="encrypt the store's case files under a passphrase (again: finish files left plain)",
        description="Encrypt every file of the store that holds case data, in place. Asks for a new "
        "passphrase twice (or takes it from COREGROUP_PASSPHRASE) and shows a recovery key once. Safe to "
        "stop at any moment: run it again to finish.",
    )
    p_encrypt.add_argument("--keyring", action="store_true",
                           help="also keep the store key in this computer's keyring, so you are not asked for the passphrase")  # fmt: skip
    p_pass = sub.add_parser(
        "passphrase",
        help="change the passphrase of an encrypted store (the cases are not re-encrypted)",
        description="Change the passphrase of an encrypted store. Asks for the current one (or takes it from "
        "COREGROUP_PASSPHRASE), then the new one twice (or COREGROUP_NEW_PASSPHRASE).",
    )
    p_pass.add_argument("--recovery-key", action="store_true",
                        help="the passphrase is forgotten: open the store with the recovery key instead (asked for, or COREGROUP_RECOVERY_KEY)")  # fmt: skip
    p_pass.add_argument("--new-recovery-key", action="store_true",
                        help="make a new recovery key instead (the old one stops working); the passphrase stays")  # fmt: skip
    p_history = sub.add_parser("history", help="who changed a case, when, from which machine, and what")
    p_history.add_argument("case_id")
    p_history.add_argument("--person", metavar="NAME", help="only changes made by NAME (their sign-in)")
    p_history.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="changes on or after")
    p_history.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="changes on or before")
    p_history.add_argument("--restricted", action="store_true",
                           help="show restricted text too (it is hidden otherwise, as in the family copy)")  # fmt: skip
    p_history.add_argument("--verify", action="store_true",
                           help="check that the history is whole and as the store recorded it, naming the first "
                           "break; exits 1 if it is not")  # fmt: skip
    p_report = sub.add_parser(
        "report",
        help="the team manager's report: what is overdue or late across every case you may see",
        description="Across every case you may see: overdue actions, assessments carried forward, core groups "
        "due and late, minutes not sent, concerns without a response, children not seen within the visit rule, "
        "plans past 21 months; the most urgent first.",
    )
    p_report.add_argument("--format", choices=["text", "csv"], default="text")
    p_report.add_argument(
        "--on", dest="today", type=_date, metavar="YYYY-MM-DD", help="as on this day (default: today)"
    )
    p_migrate = sub.add_parser(
        "migrate",
        help="copy every case from one store to another (folder to PostgreSQL, or back), and check the copies",
        description="Copy every case, with its history, from one store to another, then export each case from both "
        "and compare. Safe to interrupt: run it again to go on (a case already copied identically is skipped). "
        "From an encrypted store of files to a new folder, the new store is encrypted first, under the same "
        "passphrase (or COREGROUP_NEW_PASSPHRASE), and its own recovery key is shown once.",
    )
    p_migrate.add_argument("--from", dest="source", required=True, metavar="DIR|URL")
    p_migrate.add_argument("--to", dest="target", required=True, metavar="DIR|URL")
    p_migrate.add_argument("--team", help="to a team's store on PostgreSQL: the team the cases belong to there "
                           "(needed unless you are a social worker listed in a team there)")  # fmt: skip
    p_db = sub.add_parser(
        "db",
        help="set up, upgrade or check the team's PostgreSQL store (for the council's IT team)",
        description="init: as an administrator of the server (a superuser, or a role with CREATEDB and CREATEROLE), "
        "with --store the administrator's address (e.g. postgresql://postgres@HOST/postgres): create the owner role "
        "and the database, and set it up as that owner; again, it changes nothing. upgrade: apply what a new release "
        "of coregroup needs, as the database's owner (--store the team's database). version: say where the database "
        "is and what an upgrade would apply; changes nothing.",
    )
    p_db.add_argument("action", choices=["init", "upgrade", "version"])
    p_db.add_argument("--database", default="coregroup", help="init: the database to create (default: coregroup)")
    p_db.add_argument("--owner", default="coregroup_owner",
                      help="init: the role that owns it and applies upgrades (default: coregroup_owner)")  # fmt: skip
    p_db.add_argument("--password", action="store_true", help="init: give the owner a password, asked for at a "
                      f"prompt (or taken from {ROLE_PASSWORD_ENV}); never on the command line")  # fmt: skip
    p_staff = sub.add_parser(
        "staff",
        help="who works in the team's PostgreSQL store: their login, role and team (the store's owner)",
        description="Run as the store's owner (--store postgresql://OWNER@HOST/DATABASE). Role memberships belong to "
        "the whole server; the team, and being listed at all, to this database.",
    )
    staff_sub = p_staff.add_subparsers(dest="staff_action", metavar="ACTION", required=True)
    p_staff_add = staff_sub.add_parser(
        "add", help="a person: their login (made if missing), exactly one coregroup role, and their team"
    )
    p_staff_add.add_argument("login")
    p_staff_add.add_argument("--role", required=True, metavar="|".join(ROLE_NAMES),
                             help="social_worker (chairs too), minute_taker, manager or readonly")  # fmt: skip
    p_staff_add.add_argument("--team", required=True, help='e.g. "North team"')
    p_staff_add.add_argument("--password", action="store_true", help="give a new login a password (or a new one), "
                             f"asked for at a prompt or taken from {ROLE_PASSWORD_ENV}")  # fmt: skip
    staff_sub.add_parser("list", help="everyone listed in the store: login, role, team")
    p_staff_remove = staff_sub.add_parser(
        "remove",
        help="take a person out of the store (their listing, coregroup roles and allocations; the login is kept)",
    )
    p_staff_remove.add_argument("login")
    p_alloc = sub.add_parser(
        "allocate",
        help="allocate a case to social workers, or move it to a team (a team manager or the owner, on PostgreSQL)",
    )
    p_alloc.add_argument("case_id")
    p_alloc.add_argument("--to", dest="logins", action="append", default=[], metavar="LOGIN",
                         help="a social worker's or chair's sign-in, listed in the case's team (repeatable)")  # fmt: skip
    p_alloc.add_argument("--team", help="move the case to this team (the store's owner; a manager within their team)")
    sub.add_parser("demo", help="open the app on a throwaway store holding the fictional demo case")
    sub.add_parser("where", help="print where the case store is")
    return parser


def _kind(text: str) -> EventKind:
    try:
        return parse_kind(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except InvalidRecord as problem:
        raise argparse.ArgumentTypeError(problem.problem) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True, highlight=False, markup=False)
    try:
        return _run(args)
    except (StoreError, InvalidRecord, SettingsError, TemplateError, AgendaTemplateError) as problem:
        # Only our own messages are printed: they name fields and files, never a stack of locals.
        # As plain text: a value or a path in the message may hold square brackets.
        err.print(Text.assemble(("coregroup:", "bold red"), f" {problem}"), soft_wrap=True)
        return 1
    except OSError as problem:  # a full disk, a folder that is a file, no permission: in words
        err.print(Text.assemble(("coregroup:", "bold red"), f" {os_error_words(problem)}"), soft_wrap=True)
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
    out = Console(highlight=False, markup=False)
    err = Console(stderr=True, highlight=False, markup=False)
    if args.command == "demo":
        return _demo()
    settings = load_settings()
    use_settings(settings)  # the report's items in each case's summary follow the council's timescales
    spec = store_spec(args.store, settings.store)
    if args.command == "where":
        # A folder absolute, whatever --store or COREGROUP_STORE gave; an address without its password.
        print(PostgresStore.where_of(spec) if is_url(spec) else store_dir(spec).resolve())
        return 0
    if args.command == "migrate":
        return _migrate(args, out)
    if args.command in ("db", "staff"):
        if not is_url(spec):
            raise StoreError(
                f"`coregroup {args.command}` is for a team's store on PostgreSQL (give --store postgresql://...)."
            )
        return _db(spec, args, out) if args.command == "db" else _staff(spec, args, out)
    store = open_store(spec)
    try:
        return _run_on(store, args, out, err)
    finally:
        if isinstance(store, PostgresStore):
            store.close()  # the pool's connections, now rather than when Python exits


def _run_on(store: CaseStore, args: argparse.Namespace, out: Console, err: Console) -> int:
    if isinstance(store, PostgresStore) and args.command == "encrypt":
        return _encrypt_journal(store, args.keyring, out)
    if args.command in ("encrypt", "passphrase", "restore") and not isinstance(store, Store):
        raise StoreError(
            f"`coregroup {args.command}` is for a store of files. {store.describe().capitalize()} is kept safe by "
            "the server: TLS to it, its disks' encryption and its backups are set up by the council's IT team."
        )
    if isinstance(store, Store) and args.command == "encrypt":
        return _encrypt(store, args.keyring, out, err)
    _require_encryption(store)
    if isinstance(store, Store) and args.command == "passphrase":
        return _change_passphrase(store, args, out)
    if args.command is None:
        _unlock(store, err, ask=False)  # the app asks for the passphrase itself
        return _open_app(store)
    for warning in store.warnings():
        err.print(f"coregroup: {warning}", markup=False, soft_wrap=True)
    _unlock(store, err, ask=True)
    if args.command == "cases":
        _print_cases(store, args)
    elif args.command == "import":
        if isinstance(store, PostgresStore):
            from meetings.storage import pgadmin

            team = _team_for_import(store, args.team, "import")
            case = pgadmin.import_case(store, read_case_file(args.file), replace=args.replace, team=team)
        elif args.team is not None:
            raise StoreError("--team is for a team's store on PostgreSQL: a store of files is one person's.")
        else:
            case = import_case_file(store, args.file, replace=args.replace)
        in_team = f", in {args.team}" if args.team is not None else ""
        out.print(f"Imported case {case.id} ({case.child_names()}) into {_where(store)}{in_team}", soft_wrap=True)
    elif args.command == "export":
        text = export_text(store.export_data(args.case_id))
        if isinstance(store, Store) and store.encrypted:
            err.print(
                "coregroup: the exported case is plain JSON, not encrypted (an export is for taking a case "
                "elsewhere): keep it as safely as the store, and delete it when it is no longer needed.",
                soft_wrap=True,
            )
        if str(args.out) == "-":
            sys.stdout.write(text)
        else:
            _write_private(args.out, text)
            out.print(f"Exported case {args.case_id} to {args.out}")
    elif args.command == "restore":
        kept = store.restore_backup(args.case_id, force=args.force)
        out.print(f"Case {args.case_id} restored from its backup; the damaged file is kept at {kept}")
    elif args.command == "brief":
        from meetings.exports.brief import write_brief

        out_path = args.out or Path(f"{args.case_id}-brief-{args.copy}.docx")
        with store.open(args.case_id, read_only=True) as case_file:
            try:
                path = write_brief(case_file.case, out_path, today=dt.date.today(), copy=CopyType(args.copy),
                                   settings=load_settings())  # fmt: skip
            except OSError as exc:
                raise StoreError(not_written(out_path, exc)) from None
        out.print(f"Wrote the {args.copy} copy of the chair's brief to {path.resolve()}", markup=False)
        if args.copy == CopyType.FAMILY.value:
            _print_name_review(case_file.case, None)
    elif args.command in ("minutes", "chronology"):
        _write_word(args, store)
    elif args.command == "sent":
        _record_sent(args, store, out)
    elif args.command == "reindex":
        out.print(f"Indexed {len(store.rebuild_index())} cases.")
    elif args.command == "history":
        if args.verify:
            return _verify_history(store, args.case_id)
        _print_history(store, args)
    elif args.command == "report":
        _print_report(store, args)
    elif args.command == "allocate":
        if not isinstance(store, PostgresStore):
            raise StoreError("Cases are allocated in a team's store on PostgreSQL; a store of files is one person's.")
        if not args.logins and args.team is None:
            raise StoreError(
                "Say who the case is allocated to (--to LOGIN, repeatable), or which team it moves to (--team TEAM)."
            )
        store.allocate(args.case_id, args.logins, team=args.team)
        said = [f"allocated to {', '.join(dict.fromkeys(args.logins))}"] if args.logins else []
        said += [f"in {args.team}"] if args.team is not None else []
        out.print(f"Case {args.case_id} is {' and '.join(said)}.", soft_wrap=True)
    return 0


def _where(store: CaseStore) -> str:
    return str(store.root) if isinstance(store, Store) else store.describe()


def _record_sent(args: argparse.Namespace, store: CaseStore, out: Console) -> None:
    """`coregroup sent`: the same rules as the app's distribution log (the session's)."""
    from meetings.domain.lifecycle import DistributionRefused, find_meeting

    if args.withdraw is None and (not args.recipient or not args.copy):
        raise StoreError("say who was sent the minutes (--to NAME) and which copy (--copy full|family)")
    settings = load_settings()
    from meetings.session import CaseSession  # only the commands that change a case need it

    said: list[str] = []  # what the writer reported (from its thread, or this one as the case closes)
    session = CaseSession(
        store.open(args.case_id), agenda=load_agenda(settings.agenda_template), settings=settings, on_error=said.append
    )
    try:
        try:
            meeting = find_meeting(session.case, args.meeting)
        except ValueError as exc:  # the same words as `minutes --meeting N` for a meeting not held
            raise StoreError(str(exc)) from None
        try:
            if args.withdraw is not None:
                entry = session.withdraw_distribution(meeting, args.withdraw, reason=args.reason)
                message = f"Withdrawn: entry {args.withdraw} ({entry.recipient}), kept in the history"
            else:
                entry = session.record_distribution(
                    meeting, args.recipient, CopyType(args.copy), agency=args.agency,
                    sent_on=args.sent_on or session.today(), how=args.how, new_recipient=args.new_recipient,
                    reason=args.reason,
                )  # fmt: skip
                message = f"Recorded: {args.copy} copy of meeting {args.meeting}'s minutes sent to {entry.recipient}"
                message += f" ({entry.agency})" if entry.agency else ""
        except DistributionRefused as refused:
            hint = "--new-recipient" if refused.needs == "new_recipient" else '--reason "..."'
            raise StoreError(f"Not recorded: {refused.problem}. (Add {hint} if it is right.)") from None
        except InvalidRecord as problem:
            raise StoreError(f"Not recorded: {problem.problem}") from None
    finally:
        saved = session.close()
    if not saved:
        failed = [words for words in said if not words.startswith(SAVED_BUT)]
        raise StoreError(failed[-1] if failed else "Not saved: the case file could not be written.")
    out.print(message, markup=False)
    for words in dict.fromkeys(said):  # saved, but its history entry waits: said, so it is not recorded again
        if words.startswith(SAVED_BUT):
            Console(stderr=True, highlight=False, markup=False).print(f"coregroup: warning: {words}", soft_wrap=True)


def _write_word(args: argparse.Namespace, store: CaseStore) -> None:
    from meetings.domain.chronology import people_named
    from meetings.exports.chronology import write_chronology
    from meetings.exports.minutes import write_minutes

    copy = CopyType(args.copy)
    with store.open(args.case_id, read_only=True) as case_file:
        try:
            if args.command == "minutes":
                path = write_minutes(case_file.case, args.meeting, args.out, copy=copy, settings=load_settings())
                what = f"the {args.copy} copy of the minutes of meeting {args.meeting}"
            else:
                people = people_named(case_file.case, args.person or ())
                path = write_chronology(
                    case_file.case,
                    args.out,
                    copy=copy,
                    start=args.start,
                    end=args.end,
                    agencies=args.agency,
                    person_ids=[p.id for p in people],
                    kinds=args.kind,
                    today=dt.date.today(),
                    settings=load_settings(),
                )
                what = f"the {args.copy} chronology of case {args.case_id}"
        except OSError as exc:
            raise StoreError(not_written(args.out, exc)) from None
        except ValueError as exc:  # an unknown meeting, dates the wrong way round, an unusable template
            raise StoreError(str(exc)) from None
    print(f"Wrote {what} to {path}")
    if copy is CopyType.FAMILY:
        _print_name_review(case_file.case, args.meeting if args.command == "minutes" else None)


def _print_name_review(case: Case, meeting: int | None) -> None:
    """After a family copy is written: where a restricted name, or a part of one, was withheld, and
    the near misses left in, for the person sending it to check before it goes."""
    from meetings.domain.name_review import review_family_copy

    sys.stdout.write("\n".join(review_family_copy(case, meeting).words()) + "\n")


def _write_private(path: Path, text: str) -> None:
    """An exported case is as sensitive as the store: readable by its owner only, written whole,
    and never through a link, onto a device or over a read-only file (`write_output`, as every
    command writing a file named with --out)."""
    try:
        write_output(path, text.encode("utf-8"))
    except OSError as exc:
        raise StoreError(not_written(path, exc)) from None


CASE_COLUMNS = (
    "case_id",
    "children",
    "plan",
    "lead_social_worker",
    "last_core_group",
    "next_core_group_due",
    "open_actions",
    "overdue_actions",
)


def _print_cases(store: CaseStore, args: argparse.Namespace) -> None:
    """`coregroup cases`: tab-separated lines into a pipe or a file, a table on a terminal.

    Both are plain string work in one pass over the index: Rich's Table measured every cell of
    every row and took 64 times as long as listing the cases (docs/benchmark-case-list.md)."""
    today = dt.date.today()
    iso_today = today.isoformat()
    summaries = store.list_cases()
    if not summaries:
        print(f"No cases in {_where(store)}. Try `coregroup import FILE.json` or `coregroup demo`.")
        return
    due_of = search.DueDates(load_settings())
    chosen = search.search(summaries, args.search) if args.search else summaries
    if args.worker is not None:
        chosen = [s for s in chosen if search.worker_matches(args.worker, s.lead_social_worker)]
    cases, dues, overdue = [], [], []
    for s in chosen:
        due = due_of(s)
        late_actions = sum(1 for d in s.open_action_due if d is not None and d < iso_today)
        if args.overdue and not (late_actions or (due is not None and due < today)):
            continue
        cases.append(s)
        dues.append(due)
        overdue.append(late_actions)
    columns = [
        search.one_line_each([s.id for s in cases]),
        search.one_line_each([s.children for s in cases]),
        search.one_line_each([",".join(s.plan_categories) for s in cases]),
        search.one_line_each([s.lead_social_worker for s in cases]),
        [s.last_meeting or "" for s in cases],
        [due.isoformat() if due else "" for due in dues],
        [str(s.open_actions) for s in cases],
        [str(n) for n in overdue],
    ]
    rows = list(zip(*columns, strict=True))
    stream = sys.stdout
    if not stream.isatty():
        stream.write("\t".join(CASE_COLUMNS) + "\n")
        stream.write("".join(["\t".join(row) + "\n" for row in rows]))
        return
    late = [(due is not None and due < today, n > 0) for due, n in zip(dues, overdue, strict=True)]
    _case_table(stream, store, rows, late, filtered=bool(args.search or args.worker or args.overdue))


def _case_table(
    stream: TextIO, store: CaseStore, rows: list[tuple[str, ...]], late: list[tuple[bool, bool]], *, filtered: bool
) -> None:
    """The cases as fixed-width columns sized once for the whole list: a name too long for the
    terminal is cut with an ellipsis; a passed date and overdue actions are red unless NO_COLOR."""
    from rich.cells import cell_len, set_cell_size

    def width(text: str) -> int:
        return len(text) if text.isascii() else cell_len(text)

    color = "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    red, bold, plain = ("\x1b[1;31m", "\x1b[1m", "\x1b[0m") if color else ("", "", "")
    head = ("Case", "Child", "Plan", "Lead social worker", "Last met", "Next due", "Open", "Overdue")
    shown = [
        (r[0], r[1], r[2].replace(",", ", ").replace("_", " "), r[3], r[4], r[5] + (" late" if passed else ""), *r[6:])
        for r, (passed, _) in zip(rows, late, strict=True)
    ]

    def column_width(column: tuple[str, ...]) -> int:
        return max(map(len, column)) if "".join(column).isascii() else max(map(width, column))

    columns = list(zip(*shown, strict=True)) or [()] * len(head)
    widths = [max(width(h), column_width(c)) if c else width(h) for h, c in zip(head, columns, strict=True)]
    full = list(widths)
    # Cut the wide text columns (child, plan, worker) until a line fits the terminal.
    room = shutil.get_terminal_size().columns - 2 * (len(head) - 1)
    floors = {1: 12, 2: 8, 3: 10}
    while sum(widths) > room and any(widths[i] > floor for i, floor in floors.items()):
        widest = max(floors, key=lambda i: widths[i] - floors[i])
        widths[widest] -= 1
    cut = [i for i in floors if widths[i] < full[i]]
    right = (6, 7)
    template = "  ".join(f"{{{i}:{'>' if i in right else '<'}{w}}}" for i, w in enumerate(widths))

    def cell(text: str, i: int) -> str:
        if width(text) > widths[i]:
            text = set_cell_size(text, widths[i] - 1) + "…"
        return text.rjust(widths[i]) if i in right else set_cell_size(text, widths[i])

    lines = [f"Cases in {search.one_line(_where(store))}" + (f": {len(rows)} shown" if filtered else ""), ""]
    lines.append(bold + "  ".join(cell(h, i) for i, h in enumerate(head)).rstrip() + plain)
    for row, (due_passed, actions_late) in zip(shown, late, strict=True):
        if "".join(row).isascii() and all(len(row[i]) <= widths[i] for i in cut):
            line = template.format(*row)  # the common case: one format call a line
            if due_passed:
                at = sum(widths[:5]) + 2 * 5
                line = line[:at] + red + row[5] + plain + line[at + len(row[5]) :]
            if actions_late:
                line = line[: -len(row[7])] + red + row[7] + plain
        else:
            cells = [cell(text, i) for i, text in enumerate(row)]
            if due_passed:
                cells[5] = red + cells[5].rstrip() + plain + " " * (widths[5] - width(cells[5].rstrip()))
            if actions_late:
                cells[7] = " " * (widths[7] - len(row[7])) + red + row[7] + plain
            line = "  ".join(cells)
        lines.append(line.rstrip())
    if not rows:
        lines.append("No cases match.")
    stream.write("\n".join(lines) + "\n")


def _open_app(store: CaseStore) -> int:
    from .app import CoreGroupApp  # Textual is imported only when the app is opened

    app = CoreGroupApp(store)
    app.run()
    return app.return_code or 0


# ----- encryption at rest ----------------------------------------------------------------------
PASSPHRASE_ENV = "COREGROUP_PASSPHRASE"
RECOVERY_ENV = "COREGROUP_RECOVERY_KEY"
NEW_PASSPHRASE_ENV = "COREGROUP_NEW_PASSPHRASE"
PROMPT_TRIES = 3


def _require_encryption(store: CaseStore) -> None:
    """A council that requires encryption: no command and not the app on a plain store of files, nor
    on a team's store whose journal on this computer is plain (the server's own data is encrypted
    by the server and its connection: IT's settings)."""
    if isinstance(store, PostgresStore):
        if not store.encrypted and load_settings().require_encryption:
            raise StoreError(
                "Your council's settings require encryption, and the saves this computer keeps when the "
                f"connection to {store.describe()} is lost would not be encrypted. Run `coregroup --store URL "
                "encrypt` once on this computer to give them a passphrase."
            )
        return
    if not isinstance(store, Store):
        return
    if not store.encrypted and load_settings().require_encryption:
        raise StoreError(
            f"Your council's settings require an encrypted case store, and the store at {store.root} is not "
            "encrypted. Run `coregroup encrypt` to encrypt it."
        )


def _unlock(store: CaseStore, err: Console, *, ask: bool) -> str | None:
    """Unlock an encrypted store (a store of files, or a team store's journal on this computer): with
    the key in the keyring, else COREGROUP_PASSPHRASE or COREGROUP_RECOVERY_KEY, else (with `ask`, on
    a terminal, a store of files) the passphrase typed at a prompt. A team store left locked opens
    cases read-only and a command that saves says so; the app asks for the passphrase itself.
    Returns the passphrase that unlocked it, if one did."""
    if not isinstance(store, Store | PostgresStore):
        return None
    if not store.encrypted or store.unlock_from_keyring():
        return None
    if os.environ.get(PASSPHRASE_ENV):
        store.unlock(passphrase=os.environ[PASSPHRASE_ENV])
        return os.environ[PASSPHRASE_ENV]
    if os.environ.get(RECOVERY_ENV):
        store.unlock(recovery_key=os.environ[RECOVERY_ENV])
    elif ask and isinstance(store, Store):
        return _unlock_at_prompt(store, err, recovery=False)
    return None


def _unlock_at_prompt(store: Store, err: Console, *, recovery: bool) -> str:
    what = "recovery key" if recovery else "passphrase"
    if not sys.stdin.isatty():
        env = RECOVERY_ENV if recovery else PASSPHRASE_ENV
        raise StoreError(
            f"The store at {store.root} is encrypted: give its {what} in {env}, or run the command on a terminal "
            "to be asked for it."
        )
    for attempt in range(1, PROMPT_TRIES + 1):
        typed = getpass.getpass(f"The {what} of the store at {store.root}: ")
        try:
            store.unlock(**{("recovery_key" if recovery else "passphrase"): typed})
            return typed
        except WrongSecret as wrong:
            if attempt == PROMPT_TRIES:
                raise
            err.print(f"coregroup: {wrong} Try again.", soft_wrap=True)
    raise AssertionError("unreachable: the last try raises")


def _new_passphrase(env: str) -> str:
    """A new passphrase: from `env`, or typed twice at a prompt."""
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise StoreError(f"Give the new passphrase in {env}, or run the command on a terminal to be asked for it.")
    first = getpass.getpass("New passphrase (at least 10 characters; a few words are easiest to remember): ")
    if getpass.getpass("The same passphrase again: ") != first:
        raise StoreError("The two passphrases were not the same: nothing was changed.")
    return first


def _show_recovery_key(out: Console, recovery_key: str, *, journal: bool = False) -> None:
    out.print(Text.assemble("\nRecovery key (shown only this once):\n\n    ", (recovery_key, "bold"), "\n"))
    if journal:  # the cases are on the server: only saves not yet written there depend on it
        out.print(
            "Write it down or print it, and keep it somewhere safe, away from this computer. It opens the saves "
            "kept on this computer if the passphrase is forgotten. Without the passphrase or the recovery key, "
            "saves made here while the server was out of reach, and not yet written to it, cannot be read by "
            "anyone; the cases on the server are not affected.\n"
        )
        return
    out.print(
        "Write it down or print it, and keep it somewhere safe, away from this computer. It opens the store if "
        "the passphrase is forgotten. Without the passphrase or the recovery key nobody can read these cases "
        "again: not you, not your IT service, not the makers of coregroup.\n"
    )


def _encrypt_journal(store: PostgresStore, keyring: bool, out: Console) -> int:
    """`coregroup --store URL encrypt`: a key for the saves this computer keeps while the server is
    out of reach (the server's data is IT's to encrypt)."""
    if keyring and not keyring_available():
        raise StoreError(
            "There is no keyring on this computer to keep the journal key in (it needs the `keyring` package: "
            "pip install 'coregroup[keyring]'). Nothing was changed."
        )
    if store.encrypted:
        out.print(f"The journal of this computer at {store.key_path.parent} is already encrypted.", soft_wrap=True)
        return 0
    recovery_key = store.encrypt_journal(_new_passphrase(PASSPHRASE_ENV), keyring=keyring)
    out.print(
        f"The saves this computer keeps when {store.describe()} is out of reach are now encrypted under your "
        "passphrase.",
        soft_wrap=True,
    )
    _show_recovery_key(out, recovery_key, journal=True)
    return 0


def _encrypt(store: Store, keyring: bool, out: Console, err: Console) -> int:
    """`coregroup encrypt`: the key file first, then each file; run again, it finishes what was left plain."""
    if keyring and not keyring_available():
        raise StoreError(
            "There is no keyring on this computer to keep the store key in (it needs the `keyring` package: "
            "pip install 'coregroup[keyring]'). Nothing was changed."
        )
    if store.encrypted:
        _unlock(store, err, ask=True)
        out.print(f"The store at {store.root} is already encrypted; encrypting any file left plain.", soft_wrap=True)
        out.print(
            "(If its recovery key was never shown or is lost, `coregroup passphrase --new-recovery-key` makes a new one.)"
        )
    else:
        recovery_key = store.start_encryption(_new_passphrase(PASSPHRASE_ENV))
        out.print(f"The store at {store.root} is now encrypted under your passphrase.", soft_wrap=True)
        _show_recovery_key(out, recovery_key)
    converted, busy = store.encrypt_files()
    files = f"{converted:,} file{'' if converted == 1 else 's'}"
    out.print(f"Encrypted {files} (case files, their backups and the case list)." if converted else
              "Every file holding case data was already encrypted.")  # fmt: skip
    if busy:
        err.print(
            f"coregroup: {len(busy)} case(s) are open for editing by someone else and were left as they are "
            f"({', '.join(busy[:5])}{' ...' if len(busy) > 5 else ''}). Run `coregroup encrypt` again when they are closed.",
            soft_wrap=True,
        )
    if keyring:
        store.keep_key_in_keyring()
        out.print("The store key is also kept in your keyring: coregroup will not ask for the passphrase here.")
    left = store.left_plain()
    if left:  # not the store's to encrypt, and not to be passed over in silence
        err.print(f"coregroup: {left_plain_words(store.root, left)}", soft_wrap=True)
    return 1 if busy or left else 0


def _change_passphrase(store: Store, args: argparse.Namespace, out: Console) -> int:
    """`coregroup passphrase`: rewrap the store key; the case files are not touched."""
    err = Console(stderr=True, highlight=False, markup=False)
    if not store.encrypted:
        raise StoreError(f"The store at {store.root} is not encrypted: `coregroup encrypt` encrypts it.")
    env = RECOVERY_ENV if args.recovery_key else PASSPHRASE_ENV
    if os.environ.get(env):
        store.unlock(**{("recovery_key" if args.recovery_key else "passphrase"): os.environ[env]})
    else:
        _unlock_at_prompt(store, err, recovery=args.recovery_key)
    if args.new_recovery_key:
        _show_recovery_key(out, store.new_recovery_key())
        out.print("The old recovery key no longer opens the store. The passphrase is unchanged.")
        return 0
    store.change_passphrase(_new_passphrase(NEW_PASSPHRASE_ENV))
    out.print(
        f"The passphrase of the store at {store.root} is changed. The case files were not re-encrypted, "
        "and the recovery key still opens the store.",
        soft_wrap=True,
    )
    return 0


def _print_history(store: CaseStore, args: argparse.Namespace) -> None:
    """`coregroup history CASE_ID`: every save of the case, oldest first; restricted text hidden unless asked."""
    from meetings.domain.changes import history_lines

    entries = store.history(args.case_id)
    if not entries and not store.exists(args.case_id):
        raise StoreError(f"There is no case {args.case_id} in {_where(store)}.")
    lines = history_lines(
        entries,
        show_restricted=args.restricted,
        person=args.person,
        since=args.start,
        until=args.end,
        case=None if args.restricted else _case_now(store, args.case_id),
    )
    sys.stdout.write("\n".join(lines) + "\n" if lines else f"No changes of case {args.case_id} recorded.\n")
    check = store.verify_history(args.case_id)
    if not check.intact:  # what is shown may not be what the store recorded: say so, each time
        Console(stderr=True, highlight=False, markup=False).print(
            f"coregroup: warning: {check.words} (`coregroup history {args.case_id} --verify` checks it again.)",
            soft_wrap=True,
        )


def _case_now(store: CaseStore, case_id: str) -> Case | None:
    """The case as it is now, which decides what its history hides (None: deleted or unreadable,
    and the history is shown as each save marked it)."""
    if not store.exists(case_id):
        return None
    try:
        with store.open(case_id, read_only=True) as case_file:
            return case_file.case
    except (StoreError, InvalidRecord, OSError):
        return None


def _verify_history(store: CaseStore, case_id: str) -> int:
    """`coregroup history CASE_ID --verify`: whether the history is whole, in words; 1 on a break."""
    check = store.verify_history(case_id)
    sys.stdout.write(check.words + "\n")
    return 0 if check.intact else 1


def _print_report(store: CaseStore, args: argparse.Namespace) -> None:
    """`coregroup report`: the team manager's report, as text or CSV, from what the store keeps."""
    from meetings.domain.report import report_csv, report_text

    lines = store.report(args.today or dt.date.today())
    if args.format == "csv":
        sys.stdout.write(report_csv(lines))
    else:
        sys.stdout.write("\n".join(report_text(lines, args.today or dt.date.today())) + "\n")


def _migrate(args: argparse.Namespace, out: Console) -> int:
    """`coregroup migrate --from A --to B`: copy every case, then check each copy by exporting both."""
    from meetings.storage.moving import copy_cases

    if not is_url(args.source) and not Path(args.source).expanduser().is_dir():
        # Opening a folder makes a store there: a mistyped source must not be an empty store, copied.
        raise StoreError(
            f"There is no store at {args.source} to move cases from: check the folder. Nothing was changed."
        )
    source, target = open_store(args.source), open_store(args.target)
    all_well = True
    err = Console(stderr=True, highlight=False, markup=False)
    try:
        passphrase = _unlock(source, err, ask=True)
        if isinstance(source, Store) and source.encrypted and isinstance(target, Store) and not target.encrypted:
            _encrypt_migrate_target(source, target, passphrase, out)
        _unlock(target, err, ask=True)
        if isinstance(source, Store) and source.encrypted and isinstance(target, PostgresStore):
            out.print(
                f"The copies in {target.describe()} are protected by the server (its access rules, its disks' "
                f"encryption and its backups, set up by the council's IT team), not by coregroup's encryption: "
                f"the passphrase of the store at {source.root} does not protect them.",
                soft_wrap=True,
            )
        importer = None
        if isinstance(target, PostgresStore):
            from meetings.storage import pgadmin

            team = _team_for_import(target, args.team, "migrate")
            pg_target = target

            def importer(data: Any) -> object:
                return pgadmin.import_case(pg_target, data, team=team, event="migrated")

        elif args.team is not None:
            raise StoreError(
                "--team is for moving cases to a team's store on PostgreSQL: a store of files has no teams."
            )
        for well, line in copy_cases(source, target, importer=importer):
            all_well = all_well and well
            out.print(line, soft_wrap=True)
    finally:
        for store in (source, target):
            if isinstance(store, PostgresStore):
                store.close()
    return 0 if all_well else 1


def _encrypt_migrate_target(source: Store, target: Store, passphrase: str | None, out: Console) -> None:
    """Cases moved from an encrypted store of files to another are kept encrypted: the target is
    encrypted before any case is written to it, under the passphrase that unlocked the source
    (COREGROUP_NEW_PASSPHRASE, or one typed twice, when that was a recovery key or the keyring),
    and its own recovery key is shown once. A plain target already holding cases is refused: its
    own cases are not encrypted behind the user's back."""
    if target.holds_case_files():
        raise StoreError(
            f"The store at {source.root} is encrypted, and the store at {target.root} is not and already holds "
            "cases, so the copies would be written there unencrypted. Encrypt it first (coregroup --store "
            f"{target.root} encrypt), then run the migrate again. Nothing was copied."
        )
    chosen = os.environ.get(NEW_PASSPHRASE_ENV) or passphrase or _new_passphrase(NEW_PASSPHRASE_ENV)
    recovery_key = target.start_encryption(chosen)
    same = chosen == passphrase
    out.print(
        f"The store at {source.root} is encrypted, so the store at {target.root} is encrypted too, before any case "
        f"is copied into it, under {'the same passphrase' if same else 'the new passphrase'}. It has a recovery key "
        "of its own.",
        soft_wrap=True,
    )
    _show_recovery_key(out, recovery_key)


def _team_for_import(store: PostgresStore, team: str | None, command: str) -> str | None:
    """The team cases brought in belong to: --team, else the signed-in social worker's own (None)."""
    from meetings.storage import pgadmin

    if team is not None:
        return pgadmin.check_team(team)
    if pgadmin.own_team(store) is None:
        raise StoreError(
            f"Give the team the cases belong to: coregroup {command} ... --team TEAM. You are signed in as "
            f"{store.user}, who is not a social worker listed in a team of {store.describe()}, so the cases would "
            "belong to no team, and nobody could be allocated them. Nothing was changed."
        )
    return None


def _role_password(who: str) -> str:
    """A role's new password: from COREGROUP_ROLE_PASSWORD, or typed twice at a prompt (never an argument)."""
    if os.environ.get(ROLE_PASSWORD_ENV):
        return os.environ[ROLE_PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise StoreError(
            f"Give the password of {who} in {ROLE_PASSWORD_ENV}, or run the command on a terminal to be asked for it."
        )
    first = getpass.getpass(f"A password for {who}: ")
    if not first or getpass.getpass("The same password again: ") != first:
        raise StoreError("The two passwords were not the same (or empty): nothing was changed.")
    return first


def _db(url: str, args: argparse.Namespace, out: Console) -> int:
    """`coregroup db init|upgrade|version`: the IT team's commands; `version` changes nothing."""
    from meetings.storage import pgadmin
    from meetings.storage.pgschema import LATEST

    where = PostgresStore.where_of(url)
    if args.action == "init":
        password = (lambda: _role_password(args.owner)) if args.password else None
        changed = False
        for step in pgadmin.init(url, database=args.database, owner=args.owner, password=password):
            changed = changed or step.changed
            out.print(step.words, soft_wrap=True)
        team_store = pgadmin.address(url, dbname=args.database, user=args.owner)
        if not changed:
            out.print(f"Nothing was changed: the team's store {args.database} was already set up.")
        out.print(
            f"Next, as the owner, add each person: coregroup --store {team_store} staff add LOGIN "
            f"--role {'|'.join(ROLE_NAMES)} --team TEAM",
            soft_wrap=True,
        )
        return 0
    if args.action == "version":
        with pgadmin.connect(url) as conn:
            status = pgadmin.schema_status(conn)
        if status.newer:
            out.print(f"The team's store at {where} is at version {status.version}: set up by a newer release of "
                      f"coregroup (this one knows up to {LATEST}). Install the newer release.", soft_wrap=True)  # fmt: skip
            return 1
        out.print(f"The team's store at {where} is at version {status.version}"
                  + (" (not set up)." if status.version == 0 else "."), soft_wrap=True)  # fmt: skip
        if status.pending:
            out.print("Not applied yet (`coregroup db upgrade`, as the database's owner, applies them):")
            for version, words in status.pending:
                out.print(f"  {version}: {words}", soft_wrap=True)
        else:
            out.print(f"Nothing to apply: {LATEST} is the latest this release knows.")
        return 0
    before, applied_by, no_team = pgadmin.upgrade(url)
    version = before.pending[-1][0] if before.pending else before.version
    applied = ", ".join(str(v) for v, _ in before.pending)
    out.print(f"The team's store at {where} is at version {version}"
              + (f" (applied {applied}, as {applied_by})." if applied else " (nothing to apply)."),
              soft_wrap=True)  # fmt: skip
    if no_team:
        out.print(
            f"{no_team} case(s) belong to no team, and only the owner can see them: allocate them: "
            "coregroup allocate CASE --team TEAM --to LOGIN",
            soft_wrap=True,
        )
    return 0


def _staff(url: str, args: argparse.Namespace, out: Console) -> int:
    """`coregroup staff add|list|remove`: run by the store's owner."""
    from meetings.storage import pgadmin

    if args.staff_action == "add" and args.role not in ROLE_NAMES:
        raise StoreError(f"There is no role {args.role!r}: choose one of {', '.join(ROLE_NAMES)}. Nothing was changed.")
    password = _role_password(args.login) if args.staff_action == "add" and args.password else None
    with pgadmin.connect(url) as conn:
        if args.staff_action == "add":
            for line in pgadmin.staff_add(conn, args.login, args.role, args.team, password=password):
                out.print(line, soft_wrap=True)
        elif args.staff_action == "remove":
            for line in pgadmin.staff_remove(conn, args.login):
                out.print(line, soft_wrap=True)
        else:
            listed, others = pgadmin.staff_list(conn)
            rows = [("login", "role", "team")] + [
                (m.login + ("" if m.exists else " (no such login)") + ("" if m.can_login or not m.exists else
                 " (may not sign in)"), m.role_words(), m.team) for m in listed
            ]  # fmt: skip
            widths = [max(len(r[i]) for r in rows) for i in range(2)]
            for login, role, team in rows:
                out.print(f"{login:<{widths[0]}}  {role:<{widths[1]}}  {team}".rstrip(), soft_wrap=True)
            if not listed:
                out.print("(nobody is listed yet: coregroup staff add LOGIN --role ROLE --team TEAM)")
            if others:
                out.print(
                    "In coregroup's roles on this server but not listed here (they see nothing of this store): "
                    + ", ".join(f"{m.login} ({m.role_words()})" for m in others),
                    soft_wrap=True,
                )
    return 0


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
