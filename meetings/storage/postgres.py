"""A team's store on the council's PostgreSQL server, behind the same interface as the files.

Chosen by `--store postgresql://...`, `COREGROUP_STORE` or the council's settings (see `choose`).
Each person signs in as themselves (a PostgreSQL login role); what they may see and change is
decided by the database (grants and row-level security, `pgschema`), not by this program.

How a case is kept: one row per case (`cg_cases`: its own details, its case-list summary, a
version number, who it is allocated to) and one row per record (`cg_records`), so a save writes
only the records that changed. Every save also appends one entry to the case's history
(`cg_history`: who, when, from which machine, what changed) and rewrites the case's lines of the
team manager's report (`cg_report_items`), in the same transaction.

One editor per case: opening a case for editing takes a PostgreSQL advisory lock on a connection
of its own, which the server releases when that connection ends, however it ends (a crashed
laptop does not hold a case for ever). `cg_holders` says who holds it, for the message a second
user sees. Every save is also checked against the version the editor last read: a save based on
an old version is refused (`StaleVersion`), never applied over a newer one.

When the connection drops in a meeting, saves go on to a journal on this computer (`journal`),
written to the server when the connection comes back, under the same lock and version rules, or
kept and reported as a conflict: never dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb, set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from ..domain import changes as history_words
from ..domain import report, schema
from ..domain.changes import FieldChange, HistoryCheck, HistoryEntry
from ..domain.migrations import migrate
from ..domain.records import COLLECTIONS, Case, check_case_id
from ..domain.schema import InvalidRecord
from . import pgschema
from .base import (
    HEADER_ID,
    HEADER_TABLE,
    CaseLocked,
    CaseSummary,
    LockHolder,
    ReadOnly,
    Snapshot,
    StaleVersion,
    StoreError,
    put_record,
    tables_of,
    take_record,
)
from .journal import Journal

SCHEMES = ("postgresql://", "postgres://")
POOL_WAIT = 5.0  # seconds to wait for a connection before saying the server cannot be reached
_MIGRATION_LOCK = 0x636F726567726F75  # "coregrou": one migrator at a time


def is_url(spec: str | os.PathLike[str] | None) -> bool:
    return isinstance(spec, str) and spec.startswith(SCHEMES)


def _where(url: str) -> str:
    """The server and database of a connection string, without its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL server (the address given is not valid)"
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"


def _words(problem: psycopg.Error) -> str:
    """A database error in words that hold no case data: the server's own short message (which names
    a privilege or a table, never a value) and what to do."""
    if isinstance(problem, psycopg.errors.InsufficientPrivilege):
        return "your sign-in is not allowed to do this (the database refused it)"
    if isinstance(problem, psycopg.OperationalError):
        return "the PostgreSQL server cannot be reached"
    return f"the database refused it ({type(problem).__name__})"


#: What `history` reads of an entry (`_entry`), and what `verify_history` recomputes its hash from.
_HISTORY_COLUMNS = (
    "at, who, machine, changes, event, imported, claimed_who, claimed_at, "
    "id, case_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), changes::text, prev_hash, hash"
)
#: Events that record this store's own receipt of a case: not part of the case, so not exported.
_RECEIPTS = ("imported", "migrated")


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    """A history entry as the store shows it: an imported one by what its file claims, and who imported it."""
    at, who, machine, changes, event, imported, claimed_who, claimed_at = row[:8]
    when = at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    entry = HistoryEntry.from_json({"at": claimed_at or when if imported else when,
                                    "who": claimed_who if imported and claimed_who is not None else who,
                                    "machine": machine, "changes": changes})  # fmt: skip
    return dataclasses.replace(entry, event=event or "", imported_by=str(who) if imported else "")


def _entry_hash(row: tuple[Any, ...], prev: str) -> str:
    """The hash the server gave an entry (`cg_entry_hash` in pgschema), recomputed from what it holds."""
    _at, who, machine, _changes, event, imported, claimed_who, claimed_at, ident, case_id, at_text, changes_text = row[
        :12
    ]
    fields = [prev, str(ident), case_id, at_text, who, machine, event, "true" if imported else "false",
              claimed_who or "", claimed_at or "", changes_text]  # fmt: skip
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


class PostgresStore:
    """The cases of everyone the signed-in person may see, on a PostgreSQL server."""

    kind = "postgresql"
    read_only = False
    encrypted = False

    def __init__(self, url: str, *, journal_dir: Path | None = None, upgrade: bool = True) -> None:
        self.url = url
        self.where = _where(url)
        self.machine = socket.gethostname()
        self.journal_dir = journal_dir
        try:  # one connection first, so a server that is not there is said at once, in words
            with psycopg.connect(url, connect_timeout=10, application_name="coregroup") as first:
                row = first.execute("SELECT current_user").fetchone()
                self.user = str(row[0]) if row else ""
        except psycopg.Error as problem:
            raise StoreError(f"Cannot open the team's store at {self.where}: {_cannot_connect(problem)}") from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True, "application_name": "coregroup"},
            configure=_configure,
            check=ConnectionPool.check_connection,
            open=False,
        )
        self._pool.open(wait=False)
        try:
            self._check_schema(upgrade=upgrade)
        except BaseException:
            self._pool.close()  # refused (a newer database, no right to set it up): nothing left open
            raise

    @contextlib.contextmanager
    def _db(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection from the pool; the server not answering is a StoreError in words."""
        try:
            with self._pool.connection(timeout=POOL_WAIT) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout):
            raise StoreError(
                f"Cannot reach {self.describe()}: the server did not answer. Nothing was changed; try again when "
                "the network is back."
            ) from None

    @staticmethod
    def where_of(url: str) -> str:
        return _where(url)

    # ----- the schema ------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self._db() as conn:
            row = conn.execute("SELECT to_regclass('coregroup_migrations') IS NOT NULL").fetchone()
            if not row or not row[0]:
                return 0
            got = conn.execute("SELECT coalesce(max(version), 0) FROM coregroup_migrations").fetchone()
            return int(got[0]) if got else 0

    def _check_schema(self, *, upgrade: bool) -> None:
        version = self.schema_version()
        if version > pgschema.LATEST:
            raise StoreError(
                f"The team's store at {self.where} was set up by a newer release of coregroup (database version "
                f"{version}; this release knows up to {pgschema.LATEST}). Install the newer release to use it."
            )
        if version < pgschema.LATEST:
            if not upgrade:
                raise StoreError(f"The team's store at {self.where} needs upgrading: run `coregroup db upgrade`.")
            self.upgrade()

    def upgrade(self) -> list[int]:
        """Apply the migrations the database has not had, each in a transaction, recorded in
        `coregroup_migrations`. Two clients upgrading at once: one waits for the other."""
        applied: list[int] = []
        try:
            with self._db() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(pgschema.MIGRATIONS_TABLE)
                row = conn.execute("SELECT coalesce(max(version), 0) FROM coregroup_migrations").fetchone()
                have = int(row[0]) if row else 0
                found = conn.execute("SELECT current_schema()").fetchone()
                if not found or not found[0]:
                    raise StoreError(f"The team's store at {self.where} has no schema to hold its tables.")
                schema_name = sql.Identifier(str(found[0])).as_string(conn)
                for version, description, statements in pgschema.MIGRATIONS:
                    if version <= have:
                        continue
                    with conn.transaction():
                        conn.execute(statements.replace("@s@", schema_name).encode())
                        conn.execute(
                            "INSERT INTO coregroup_migrations (version, description) VALUES (%s, %s)",
                            (version, description),
                        )
                    applied.append(version)
                if have >= 2 or applied:  # from version 2: who may connect, every time (see pgschema)
                    conn.execute(pgschema.DATABASE_PRIVILEGES.replace("@s@", schema_name).encode())
        except psycopg.errors.InsufficientPrivilege:
            raise StoreError(
                f"The team's store at {self.where} needs setting up or upgrading, and your sign-in may not change "
                "its tables. Ask the council's IT team to run `coregroup --store URL db upgrade` as the "
                "database's owner (see the README)."
            ) from None
        return applied

    # ----- what the interface asks --------------------------------------------------------
    def describe(self) -> str:
        return f"the team's store at {self.where}"

    @property
    def locked(self) -> bool:
        return False

    def unlock(self, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
        return None

    def warnings(self) -> list[str]:
        with self._db() as conn:
            encrypted = conn.pgconn.ssl_in_use
            host = conn.info.host
        if not encrypted and not host.startswith("/") and host not in ("localhost", "127.0.0.1", "::1"):
            return [f"the connection to {self.where} is not encrypted: ask IT to require TLS (sslmode=verify-full)."]
        return []

    def close(self) -> None:
        self._pool.close()

    def exists(self, case_id: str) -> bool:
        check_case_id(case_id)
        with self._db() as conn:
            return conn.execute("SELECT 1 FROM cg_cases WHERE id = %s", (case_id,)).fetchone() is not None

    def open(self, case_id: str, *, read_only: bool = False) -> PostgresCase:
        check_case_id(case_id)
        if not self.exists(case_id):  # before any lock is taken on a case this sign-in cannot see
            raise StoreError(f"There is no case {case_id} in {self.describe()} that you may see.")
        return PostgresCase(self, case_id, read_only=read_only)

    def create(self, case: Case, *, team: str | None = None) -> PostgresCase:
        schema.load(Case, schema.dump(case))
        self._write_whole(case, replace=False, history=[], team=team, event="created")
        return self.open(case.id)

    def import_data(
        self, data: Any, *, replace: bool = False, team: str | None = None, event: str = "imported"
    ) -> Case:
        """Add (or with `replace`, overwrite) a case from a case file. `team`: the team it belongs to
        (needed when the signed-in person has no team of their own: the store's owner, IT). The
        history the file carries is kept as what it claims, apart from this store's own."""
        if not isinstance(data, dict):
            raise InvalidRecord("", "the file should hold one case (a JSON object)")
        data = dict(data)
        kept = history_words.history_of_file(data.pop("history", None))
        case = schema.load(Case, migrate(data))
        schema.load(Case, schema.dump(case))
        self._write_whole(case, replace=replace, history=kept, team=team, event=event)
        return case

    def export_data(self, case_id: str) -> dict[str, Any]:
        check_case_id(case_id)
        with self._db() as conn:
            case, _ = _load_case(conn, case_id, self.describe())
        data: dict[str, Any] = schema.dump(case)
        # The entry recording this store's receipt of the case is the store's, not the case's.
        entries = [e for e in self.history(case_id) if not (e.event in _RECEIPTS and not e.imported_by)]
        if entries:
            data["history"] = [e.to_json() for e in entries]
        return data

    def list_cases(self) -> list[CaseSummary]:
        with self._db() as conn:
            # The report's items stay on the server: the report reads them from their own table.
            rows = conn.execute("SELECT summary - 'report_items' FROM cg_cases").fetchall()
        summaries = [CaseSummary.from_json(row[0]) for row in rows]
        summaries.sort(key=lambda s: (s.children.casefold(), s.id))
        return summaries

    def rebuild_index(self) -> list[CaseSummary]:
        """Work out every case's summary again from its records (after an upgrade changed what a
        summary holds). Only the cases this sign-in may edit are rewritten."""
        with self._db() as conn:
            ids = [row[0] for row in conn.execute("SELECT id FROM cg_cases").fetchall()]
        for case_id in ids:
            with self._db() as conn:
                summary = CaseSummary.of(_load_case(conn, case_id, self.describe())[0])
            with contextlib.suppress(psycopg.errors.InsufficientPrivilege), self._db() as conn, conn.transaction():
                conn.execute("UPDATE cg_cases SET summary = %s WHERE id = %s", (Jsonb(summary.to_json()), case_id))
                _write_report(conn, case_id, summary)  # the report's lines, as the summary says
        return self.list_cases()

    def restore_backup(self, case_id: str, *, force: bool = False) -> Path:
        raise StoreError(
            f"{self.describe().capitalize()} keeps no backup files: the database's own backups are the council's "
            f"(ask IT), and `coregroup history {case_id}` lists every change."
        )

    def history(self, case_id: str) -> list[HistoryEntry]:
        check_case_id(case_id)
        with self._db() as conn:
            rows = conn.execute(
                f"SELECT {_HISTORY_COLUMNS} FROM cg_history WHERE case_id = %s ORDER BY id", (case_id,)
            ).fetchall()
        return [_entry(row) for row in rows]

    def verify_history(self, case_id: str) -> HistoryCheck:
        """Recompute the hash chain of a case's history as the server wrote it, and name the first
        entry that does not hold (edited, removed or put in by hand, bypassing the server's functions)."""
        check_case_id(case_id)
        with self._db() as conn:
            rows = conn.execute(
                f"SELECT {_HISTORY_COLUMNS}, server_time FROM cg_history WHERE case_id = %s ORDER BY id", (case_id,)
            ).fetchall()
        prev = ""
        for number, row in enumerate(rows, start=1):
            when = row[0].astimezone(dt.UTC).strftime("%d %b %Y %H:%M UTC")
            if row[12] != prev:
                return HistoryCheck(False, len(rows), f"Entry {number} of {len(rows)} ({when}) does not follow the "
                                    "entry before it: an entry before it was removed or put in by hand.")  # fmt: skip
            if _entry_hash(row, prev) != row[13]:
                return HistoryCheck(False, len(rows), f"Entry {number} of {len(rows)} ({when}) was changed after "
                                    "the server wrote it: what it says is not what was recorded.")  # fmt: skip
            prev = row[13]
        early = sum(1 for row in rows if not row[14])
        note = (f" {early} entries were written before the server kept the time of each change (an earlier "
                "release): their times are as the computer that saved them said.") if early else ""  # fmt: skip
        return HistoryCheck(
            True, len(rows), f"All {len(rows)} entries of the history are as the server wrote them.{note}"
        )

    def report(self, today: dt.date) -> list[report.ReportLine]:
        """The team manager's report, answered by the server: only the lines on the report `today` are
        read, of the cases this sign-in may see (row-level security), never the cases themselves."""
        with self._db() as conn, conn.transaction():
            # Row-level security makes the plan look dear enough to compile on every run: it is not.
            conn.execute("SET LOCAL jit = off")
            rows = conn.execute(REPORT_SQL, {"today": today}).fetchall()
        return report.report_from_picked(
            ((case_id, children or "", worker or "", *fields) for case_id, children, worker, *fields in rows), today
        )

    # ----- allocation (a team manager's) ------------------------------------------------------
    def allocate(self, case_id: str, logins: list[str], *, team: str | None = None) -> None:
        check_case_id(case_id)
        try:
            with self._db() as conn:
                done = conn.execute(
                    "UPDATE cg_cases SET allocated_to = %s::name[], team = coalesce(%s, team) WHERE id = %s "
                    "RETURNING id",
                    (logins, team, case_id),
                ).fetchone()
        except psycopg.errors.InsufficientPrivilege:
            raise StoreError(f"Only a team manager may allocate case {case_id}: nothing was changed.") from None
        if done is None:
            raise StoreError(f"There is no case {case_id} in {self.describe()} that you may allocate.")

    # ----- writing a whole case -----------------------------------------------------------
    def _write_whole(
        self, case: Case, *, replace: bool, history: list[HistoryEntry], team: str | None, event: str
    ) -> None:
        tables = tables_of(case)
        conn = self._connect()
        try:
            since = conn.execute("SELECT cg_take_lock(%s, %s, %s)", (case.id, self.machine, os.getpid())).fetchone()
            if not since or since[0] is None:
                raise CaseLocked(case.id, _holder(conn, case.id))
            try:
                with conn.transaction():
                    # What the server's triggers record of this write: the event, from which machine.
                    conn.execute("SELECT set_config('coregroup.event', %s, true), set_config('coregroup.machine', %s, "
                                 "true)", (event, self.machine))  # fmt: skip
                    row = conn.execute("SELECT version FROM cg_cases WHERE id = %s FOR UPDATE", (case.id,)).fetchone()
                    if row is not None and not replace:
                        raise StoreError(
                            f"A case with the id {case.id} is already in the store; import with --replace to "
                            "overwrite it."
                        )
                    summary = CaseSummary.of(case)  # worked out once: the list's line and the report's
                    before: dict[tuple[str, str], dict[str, Any]] = {}
                    if row is not None:
                        before = _stored(conn, case.id)
                        conn.execute("DELETE FROM cg_records WHERE case_id = %s", (case.id,))
                        conn.execute(
                            "UPDATE cg_cases SET header = %s, summary = %s, last_save = %s WHERE id = %s",
                            (Jsonb(tables[HEADER_TABLE][str(HEADER_ID)]), Jsonb(summary.to_json()),
                             uuid.uuid4().hex, case.id),
                        )  # fmt: skip
                        if team is not None:
                            conn.execute("UPDATE cg_cases SET team = %s WHERE id = %s", (team, case.id))
                    else:
                        mine = conn.execute("SELECT cg_my_team(), cg_is_owner()").fetchone()
                        my_team, owner = (mine[0], bool(mine[1])) if mine else (None, False)
                        if team is None and not my_team:
                            raise StoreError(
                                f"Case {case.id} needs a team to belong to, and your sign-in has none: give it "
                                "with --team TEAM (every case in a team's store belongs to a team)."
                            )
                        conn.execute(
                            "INSERT INTO cg_cases (id, header, summary, team, allocated_to) VALUES "
                            "(%s, %s, %s, %s, CASE WHEN %s THEN '{}'::name[] ELSE ARRAY[session_user]::name[] END)",
                            (case.id, Jsonb(tables[HEADER_TABLE][str(HEADER_ID)]), Jsonb(summary.to_json()),
                             team if team is not None else my_team, owner),
                        )  # fmt: skip
                    records = [
                        (case.id, name, doc_id, Jsonb(data))
                        for name in COLLECTIONS
                        for doc_id, data in tables[name].items()
                    ]
                    with conn.cursor() as cur:
                        cur.executemany(
                            "INSERT INTO cg_records (case_id, tbl, key, data) VALUES (%s, %s, %s, %s)", records
                        )
                    _write_report(conn, case.id, summary)
                    for entry in history:  # what the file claims: kept as that, apart from this store's own
                        conn.execute(
                            "SELECT cg_log_imported(%s, %s, %s, %s, %s, %s)",
                            (case.id, entry.at, entry.who, entry.machine,
                             Jsonb([c.to_json() for c in entry.changes]), entry.event),
                        )  # fmt: skip
                    if row is not None:
                        after = {(t, k): d for t, rows in tables.items() for k, d in rows.items()}
                        found = history_words.changes_between(before, after)
                        conn.execute(
                            "SELECT cg_log(%s, %s, %s, 'replaced')",
                            (case.id, self.machine, Jsonb([c.to_json() for c in found])),
                        )
            finally:
                if not conn.closed:
                    conn.execute("SELECT cg_release_lock(%s)", (case.id,))
        except psycopg.errors.InsufficientPrivilege:
            raise StoreError(f"Your sign-in may not write case {case.id}: nothing was changed.") from None
        except psycopg.errors.UniqueViolation:
            raise StoreError(
                f"A case with the id {case.id} is already in {self.describe()} (perhaps in a team you cannot see): "
                "nothing was changed."
            ) from None
        except psycopg.errors.CheckViolation as problem:
            raise StoreError(f"Case {case.id} was not saved: {_first_line(problem)}.") from None
        except psycopg.Error as problem:
            raise StoreError(f"Case {case.id} was not saved: {_words(problem)}.") from None
        finally:
            conn.close()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.url, autocommit=True, application_name="coregroup", connect_timeout=10)
        except psycopg.Error as problem:
            raise StoreError(f"Cannot reach {self.describe()}: {_cannot_connect(problem)}") from None
        _configure(conn)
        return conn

    def journal_for(self, case_id: str) -> Journal:
        folder = self.journal_dir or _journal_root()
        digest = hashlib.sha256(self.where.encode()).hexdigest()[:16]
        return Journal(folder / digest / f"{case_id}.journal")


# The report for a day (`PostgresStore.report`; benchmarks/report_speed.py times it beside psql).
# The items on the report that day are grouped by case first, each field of them (kind, subject, due,
# detail) as a list of text, and only then joined to their case: the server sorts and sends no item
# whole, reads each case's summary (for the children's names and the lead worker) once, not once
# per item, and psycopg parses no JSON. `report_from_picked` refuses an item whose kind or due date
# it cannot read (`UnreadableItem`); a subject or detail is shown as the text `->>` gives, whatever
# its JSON type (checking each item's types here cost a third of the query: see
# docs/benchmark-team-store.md for the check a migration can make when an item is written instead).
REPORT_SQL = """
SELECT c.id, c.summary->>'children', c.summary->>'lead_social_worker', i.kinds, i.subjects, i.dues, i.details
FROM cg_cases c JOIN (
    SELECT case_id,
        array_agg(item->>'kind') AS kinds,
        array_agg(coalesce(item->>'subject', '')) AS subjects,
        array_agg(item->>'due') AS dues,
        array_agg(coalesce(item->>'detail', '')) AS details
    FROM cg_report_items
    WHERE from_date <= %(today)s AND (item->>'until' IS NULL OR (item->>'until')::date >= %(today)s)
    GROUP BY case_id
) i ON i.case_id = c.id
"""


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every connection reads the stored JSON with orjson: a third of the time of the standard library's."""
    set_json_loads(orjson.loads, conn)


def _first_line(problem: psycopg.Error) -> str:
    """The server's own message (a check this schema raises names a login and a team, never case data)."""
    diag = problem.diag.message_primary if problem.diag else None
    return (diag or type(problem).__name__).strip().splitlines()[0]


def _cannot_connect(problem: Exception) -> str:
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
    if "password" in text.lower() and "authentication" in text.lower():
        return "the server refused the sign-in (check the user name and password)."
    if "does not exist" in text:
        return text + "."
    return "the server did not answer (is it running, and is this computer allowed to connect?)."


def _journal_root() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("coregroup", appauthor=False)) / "journal"


def _stored(conn: psycopg.Connection[Any], case_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = conn.execute("SELECT tbl, key, data FROM cg_records WHERE case_id = %s", (case_id,)).fetchall()
    found = {(tbl, key): data for tbl, key, data in rows}
    head = conn.execute("SELECT header FROM cg_cases WHERE id = %s", (case_id,)).fetchone()
    if head:
        found[(HEADER_TABLE, str(HEADER_ID))] = head[0]
    return found


def _write_report(conn: psycopg.Connection[Any], case_id: str, summary: CaseSummary) -> None:
    """The case's lines of the team manager's report, as dated items (see `domain.report`)."""
    conn.execute("DELETE FROM cg_report_items WHERE case_id = %s", (case_id,))
    items = [(case_id, dt.date.fromisoformat(item["from_date"]), Jsonb(item)) for item in summary.report_items]
    if items:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO cg_report_items (case_id, from_date, item) VALUES (%s, %s, %s)", items)


def _append_entry(conn: psycopg.Connection[Any], case_id: str, machine: str, changes: list[FieldChange]) -> None:
    """One entry of a save's changes: who and when are the server's (`cg_log`, chained by hash)."""
    conn.execute("SELECT cg_log(%s, %s, %s)", (case_id, machine, Jsonb([c.to_json() for c in changes])))


def _holder(conn: psycopg.Connection[Any], case_id: str) -> LockHolder | None:
    row = conn.execute(
        "SELECT who, machine, pid, since FROM cg_holders h WHERE case_id = %s "
        "AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = h.backend_pid)",
        (case_id,),
    ).fetchone()
    if row is None:
        return None
    who, machine, pid, since = row
    return LockHolder(user=str(who), host=str(machine), pid=int(pid),
                      since=since.astimezone().strftime("%d %b %Y %H:%M"))  # fmt: skip


class PostgresCase:
    """One case open from the team's store: for editing (holding its lock, on a connection of its
    own) or read-only (told by the server when the editor saves: `refresh`)."""

    def __init__(self, store: PostgresStore, case_id: str, *, read_only: bool = False) -> None:
        self.store = store
        self.case_id = case_id
        self.read_only = read_only
        self.locked_by: LockHolder | None = None
        self.version = 0
        self.connection_state = "connected"
        self.distribution_only = False
        self.on_state: Callable[[str], None] | None = None
        self._channel: str | None = None
        self._since: dt.datetime | None = None  # when this editor first took the case's lock
        self._write_lock = threading.Lock()
        self._journal = store.journal_for(case_id)
        self._reconnecting: threading.Thread | None = None
        self._closed = threading.Event()
        self._conn = store._connect()
        try:
            if read_only:
                self.locked_by = _holder(self._conn, case_id)
                self._listen(self._conn)
            else:
                self._take_lock(self._conn)
            if not read_only:
                row = self._conn.execute(
                    "SELECT cg_takes_minutes(%s) AND NOT cg_edits(%s)", (case_id, case_id)
                ).fetchone()
                #: A minute-taker records who the minutes were sent to, and nothing else of the case.
                self.distribution_only = bool(row and row[0])
            if not read_only and self._journal.exists():
                try:
                    self._replay(self._conn)  # a journal left by a crash or a lost connection: written first
                except StaleVersion as problem:
                    kept = self._journal.set_aside()
                    raise StoreError(
                        f"{problem} The changes saved on this computer while the connection was lost could not be "
                        f"written, and are kept at {kept}; the case opens without them from now on."
                    ) from None
            self.case, self.version = self._load(self._conn)
        except BaseException:
            self._conn.close()
            raise

    # ----- opening ----------------------------------------------------------------------------
    def _take_lock(self, conn: psycopg.Connection[Any]) -> None:
        """Take the case's lock through the server, which hands it only to who may edit the case (the
        key is the server's secret). Taken again after a lost connection: still held since first opened."""
        try:
            row = conn.execute(
                "SELECT cg_take_lock(%s, %s, %s, %s)", (self.case_id, self.store.machine, os.getpid(), self._since)
            ).fetchone()
        except psycopg.errors.InsufficientPrivilege:
            raise ReadOnly(f"Your sign-in may read case {self.case_id} but not edit it.") from None
        if not row or row[0] is None:
            raise CaseLocked(self.case_id, _holder(conn, self.case_id))
        self._since = row[0]

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        """Follow the editor's saves: the case's channel, whose name the server gives only to who may see it."""
        row = conn.execute("SELECT cg_channel(%s)", (self.case_id,)).fetchone()
        self._channel = str(row[0]) if row and row[0] else None
        if self._channel:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))

    def _load(self, conn: psycopg.Connection[Any]) -> tuple[Case, int]:
        return _load_case(conn, self.case_id, self.store.describe())

    # ----- saving -----------------------------------------------------------------------------
    def save(self, record: Any = None) -> None:
        if self.read_only:
            raise self._read_only()
        put_record(self.case, record)
        self.write(Snapshot.of(self.case, [record]))

    def delete(self, record: Any) -> None:
        if self.read_only:
            raise self._read_only()
        take_record(self.case, record)
        self.write(Snapshot.of(self.case, [], deleted=[record]))

    def write(self, snapshot: Snapshot) -> None:
        """Save the records of `snapshot` in one transaction, checked against the version last read.
        If the server cannot be reached, the snapshot goes to the journal on this computer (on disk
        when this returns) and is written when the connection comes back."""
        if self.read_only:
            raise self._read_only()
        snapshot.check()
        with self._write_lock:
            if self._journal.exists():
                self._journal.append(snapshot, self.version)
                self._start_reconnecting()
                return
            try:
                if self.distribution_only:
                    self._write_distribution(self._conn, snapshot)
                else:
                    self._write_online(self._conn, snapshot)
            except psycopg.OperationalError:
                self._journal.append(snapshot, self.version)
                self._set_state("offline")
                self._start_reconnecting()
            except psycopg.errors.InsufficientPrivilege:
                raise StoreError(f"Your sign-in may not change this part of case {self.case_id}: not saved.") from None

    def _write_online(self, conn: psycopg.Connection[Any], snapshot: Snapshot) -> None:
        if conn.closed:
            raise psycopg.OperationalError("the connection is closed")
        with conn.transaction():
            keys = list(snapshot.records)
            before = _stored_keys(conn, self.case_id, keys)  # read before the row changes: what the history compares
            row = conn.execute(
                # One update of the case's row (the server counts the version once per update).
                "UPDATE cg_cases SET last_save = %s, summary = coalesce(%s, summary), header = coalesce(%s, header) "
                "WHERE id = %s AND version = %s RETURNING version",
                (
                    uuid.uuid4().hex,
                    Jsonb(snapshot.summary.to_json()) if snapshot.summary else None,
                    Jsonb(header) if (header := snapshot.records.get((HEADER_TABLE, str(HEADER_ID)))) else None,
                    self.case_id,
                    self.version,
                ),
            ).fetchone()
            if row is None:
                latest = conn.execute(
                    "SELECT version, updated_by FROM cg_cases WHERE id = %s", (self.case_id,)
                ).fetchone()
                raise StaleVersion(self.case_id, self.version, int(latest[0]) if latest else 0,
                                   str(latest[1]) if latest else "")  # fmt: skip
            for (table, doc_id), data in snapshot.records.items():
                if table == HEADER_TABLE:
                    continue  # written with the version above
                if data is None:
                    conn.execute(
                        "DELETE FROM cg_records WHERE case_id = %s AND tbl = %s AND key = %s",
                        (self.case_id, table, doc_id),
                    )
                elif (table, doc_id) in before:
                    if before[(table, doc_id)] != data:
                        conn.execute(
                            "UPDATE cg_records SET data = %s WHERE case_id = %s AND tbl = %s AND key = %s",
                            (Jsonb(data), self.case_id, table, doc_id),
                        )
                else:
                    conn.execute(
                        "INSERT INTO cg_records (case_id, tbl, key, data) VALUES (%s, %s, %s, %s)",
                        (self.case_id, table, doc_id, Jsonb(data)),
                    )
            if snapshot.summary is not None:
                _write_report(conn, self.case_id, snapshot.summary)
            hidden = conn.execute(
                "SELECT key FROM cg_records WHERE case_id = %s AND tbl = 'people' AND data->>'restricted' = 'true'",
                (self.case_id,),
            ).fetchall()
            found = history_words.changes_between(
                before, dict(snapshot.records), restricted_people=[int(k) for (k,) in hidden if k.isdigit()]
            )
            if found:  # every save's changes, written with the save (gathered only when shown)
                _append_entry(conn, self.case_id, self.store.machine, found)
        self.version = int(row[0])

    def _write_distribution(self, conn: psycopg.Connection[Any], snapshot: Snapshot) -> None:
        """A minute-taker's save: only who a meeting's minutes were sent to, through the server's
        `cg_record_distribution` (a minute-taker may write nothing else)."""
        if conn.closed:
            raise psycopg.OperationalError("the connection is closed")
        meetings = {key: data for (table, key), data in snapshot.records.items() if table == "meetings"}
        others = [table for (table, _key) in snapshot.records if table != "meetings"]
        if others or any(data is None for data in meetings.values()):
            raise StoreError(
                f"Your sign-in may record only who the minutes of case {self.case_id} were sent to: not saved."
            )
        items = [item for item in (snapshot.summary.report_items if snapshot.summary else ())
                 if item.get("kind") == report.ReportKind.MINUTES_NOT_SENT.value]  # fmt: skip
        with conn.transaction():
            before = _stored_keys(conn, self.case_id, [("meetings", key) for key in meetings])
            for key, data in meetings.items():
                assert data is not None
                old = before.get(("meetings", key), {})
                found = history_words.record_changes("meetings", key, old, data)
                row = conn.execute(
                    "SELECT cg_record_distribution(%s, %s, %s, %s, %s, %s, %s, %s)",
                    (self.case_id, key, Jsonb(data.get("distribution", [])), Jsonb(items),
                     Jsonb([c.to_json() for c in found if c.path.startswith(f"meetings[{key}].distribution")]),
                     self.version, uuid.uuid4().hex, self.store.machine),
                ).fetchone()  # fmt: skip
                if not row or row[0] is None:
                    latest = conn.execute(
                        "SELECT version, updated_by FROM cg_cases WHERE id = %s", (self.case_id,)
                    ).fetchone()
                    raise StaleVersion(self.case_id, self.version, int(latest[0]) if latest else 0,
                                       str(latest[1]) if latest else "")  # fmt: skip
                self.version = int(row[0])

    # ----- the journal, when the connection is lost ---------------------------------------------
    def _set_state(self, state: str) -> None:
        self.connection_state = state
        if self.on_state is not None:
            self.on_state(state)

    def _start_reconnecting(self) -> None:
        if self._reconnecting is not None and self._reconnecting.is_alive():
            return
        self._reconnecting = threading.Thread(target=self._reconnect_loop, name="coregroup-reconnect", daemon=True)
        self._reconnecting.start()

    def _reconnect_loop(self, every: float = 2.0) -> None:
        while not self._closed.is_set() and self._journal.exists():
            try:
                self.reconnect()
                return
            except StoreError:
                return  # a conflict: reported by reconnect, the journal kept
            except psycopg.Error:
                self._closed.wait(every)

    def reconnect(self) -> bool:
        """Connect again, take the case's lock again, and write the journal: True when all is written.
        Raises psycopg.Error while the server cannot be reached; a conflict (someone else holds or
        changed the case meanwhile) is reported as the state, and the journal kept."""
        with self._write_lock:
            if not self._journal.exists():
                return True
            conn = psycopg.connect(self.store.url, autocommit=True, application_name="coregroup", connect_timeout=5)
            try:
                try:
                    self._take_lock(conn)
                except CaseLocked as locked:
                    self._set_state("conflict: " + str(locked) + " Your changes are kept on this computer.")
                    conn.close()
                    raise
                self._replay(conn)
            except psycopg.Error:
                conn.close()
                raise
            old, self._conn = self._conn, conn
            with contextlib.suppress(Exception):
                old.close()
            self._set_state("connected")
            return True

    def _replay(self, conn: psycopg.Connection[Any]) -> None:
        based_on, snapshot = self._journal.read()
        if snapshot is None:
            self._journal.remove()
            return
        latest = conn.execute("SELECT version FROM cg_cases WHERE id = %s", (self.case_id,)).fetchone()
        if latest is None or int(latest[0]) != based_on:
            problem = StaleVersion(self.case_id, based_on, int(latest[0]) if latest else 0)
            self._set_state(
                f"conflict: {problem} The changes typed while the connection was lost are kept at {self._journal.path}."
            )
            raise problem
        self.version = based_on
        self._write_online(conn, snapshot)
        self._journal.remove()

    # ----- read-only views ------------------------------------------------------------------------
    def changed(self) -> bool:
        """Whether the case was saved by its editor since this view read it (without waiting)."""
        if not self.read_only or self._conn.closed:
            return False
        found = False
        with contextlib.suppress(psycopg.Error):
            for note in self._conn.notifies(timeout=0.001, stop_after=100):
                if note.channel == self._channel:
                    found = True
        return found

    def refresh(self) -> bool:
        """Read the case again if its editor saved it: True when `case` is a new copy."""
        if not self.changed():
            return False
        self.case, self.version = self._load(self._conn)
        self.locked_by = _holder(self._conn, self.case_id)
        return True

    def _read_only(self) -> ReadOnly:
        return ReadOnly(
            f"Case {self.case_id} is open read-only"
            + (f" ({self.locked_by.describe()} has it open)" if self.locked_by else "")
        )

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(Exception):
            if not self.read_only and not self._conn.closed:
                self._conn.execute("SELECT cg_release_lock(%s)", (self.case_id,))
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> PostgresCase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load_case(conn: psycopg.Connection[Any], case_id: str, where: str) -> tuple[Case, int]:
    """A case as stored (in one transaction: its records as of one moment), and its version."""
    with conn.transaction():
        row = conn.execute("SELECT header, version FROM cg_cases WHERE id = %s", (case_id,)).fetchone()
        if row is None:
            raise StoreError(f"There is no case {case_id} in {where} that you may see.")
        rows = conn.execute(
            "SELECT tbl, data FROM cg_records WHERE case_id = %s ORDER BY position", (case_id,)
        ).fetchall()
    data = dict(row[0])
    for name in COLLECTIONS:
        data[name] = []
    for tbl, record in rows:
        if tbl in data and isinstance(data[tbl], list):
            data[tbl].append(record)
    try:
        return schema.load(Case, migrate(data)), int(row[1])
    except InvalidRecord as problem:
        raise StoreError(f"Case {case_id} in {where} is not valid: {problem}") from None


def _stored_keys(
    conn: psycopg.Connection[Any], case_id: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored copies of the records about to be written: what the history compares against."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    wanted = [(t, k) for t, k in keys if t != HEADER_TABLE]
    if wanted:
        rows = conn.execute(
            "SELECT tbl, key, data FROM cg_records WHERE case_id = %s AND (tbl, key) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            (case_id, [t for t, _ in wanted], [k for _, k in wanted]),
        ).fetchall()
        found.update({(tbl, key): data for tbl, key, data in rows})
    if any(t == HEADER_TABLE for t, _ in keys):
        head = conn.execute("SELECT header FROM cg_cases WHERE id = %s", (case_id,)).fetchone()
        if head:
            found[(HEADER_TABLE, str(HEADER_ID))] = head[0]
    return found
