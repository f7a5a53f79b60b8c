"""A team's store on the council's PostgreSQL server, behind the same interface as the files.

Chosen by `--store postgresql://...`, `COREGROUP_STORE` or the council's settings (see `choose`).
Each person signs in as themselves (a PostgreSQL login role); what they may see and change is
decided by the database (grants, row-level security and the functions of `pgschema`), not by
this program, so it holds from `psql` too.

How a case is kept: one row per case (`cg_cases`: its own details, its case-list summary, a
version number, its team and who it is allocated to) and one row per record (`cg_records`), so a
save writes only the records that changed. In the same transaction a save records its changes in
the case's history through the server's `cg_log` (who and when are the server's; typing on in
the same fields is gathered there) and rewrites the case's lines of the team manager's report
(`cg_report_items`) when they changed. `verify_history` recomputes the history's hash chain.

One editor per case: opening a case for editing takes its lock through the server's
`cg_take_lock`, which hands it only to who may edit the case. The lock is held by a connection of
the editor's own, and the server releases it when that connection ends, however it ends (a
crashed laptop does not hold a case for ever). `cg_holders` says who holds it, for the message a
second user sees. Every save is checked against the version the editor last read: a save based
on an old version is refused (`StaleVersion`), never applied over a newer one.

The network: every connection carries keepalives, a TCP user timeout and a statement timeout
(`connection_settings`), and a save not answered within `SAVE_DEADLINE` is cut, so a silent
outage becomes "offline" within seconds. Saves then go on to a journal on this computer
(`journal`, keyed by the server's identity, encrypted when the council requires it), written to
the server when the connection comes back, under the same lock and version rules. Each save
carries an id (`cg_cases.last_save`), so a save whose answer was lost is recognised as this
editor's own, never taken for someone else's change. A journal that cannot be written (someone
else changed the case) is kept as a conflict copy, listed, reviewed and discarded in the app:
never dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import os
import re
import socket
import threading
import time
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
from .crypto import (
    KEY_FILE,
    KeyFile,
    StoreKey,
    StoreLocked,
    keyring_put,
    passphrase_problem,
)
from .files import make_private_dir, read_bytes, write_new
from .journal import CONFLICT, ConflictCopy, Journal, conflict_copies, merged

SCHEMES = ("postgresql://", "postgres://")
POOL_WAIT = 5.0  # seconds to wait for a connection before saying the server cannot be reached

# ----- the network: every wait of a connection to the server, in one place -------------------------
# A network can fail loudly (a reset: at once) or silently (packets dropped, nothing said). These
# make a silent failure count as "offline" within seconds on this computer (so a save goes to the
# journal instead of waiting), and make the server end a vanished editor's session, and with it
# the case's lock, within about a minute.
CONNECT_TIMEOUT = 5  # seconds to open a connection (libpq's connect_timeout)
KEEPALIVE_IDLE = 5  # seconds of silence on a connection before this computer asks if the server is there
KEEPALIVE_INTERVAL = 2  # seconds between those questions
KEEPALIVE_COUNT = 3  # unanswered questions before the connection counts as gone (about 11 s)
TCP_USER_TIMEOUT_MS = 5_000  # data sent and not acknowledged for this long: the connection is gone
SAVE_DEADLINE = 6.0  # seconds a save (or a viewer's check) waits for the server's answer before giving up
REPLAY_DEADLINE = 20.0  # the same, for writing back what the journal kept (it may hold many records)
LOAD_DEADLINE = 30.0  # the same, for a read-only view reading the whole case again
FOLLOW_CHECK = 3.0  # seconds between a read-only view's checks that its connection still answers
RECONNECT_EVERY = 2.0  # seconds between attempts to reach the server again
STATEMENT_TIMEOUT_MS = 15_000  # the server stops any one statement of this program after this long
SERVER_KEEPALIVE_IDLE = 15  # the server's side: seconds of silence before it asks if this computer is there
SERVER_KEEPALIVE_INTERVAL = 5
SERVER_KEEPALIVE_COUNT = 6  # so a vanished editor's session ends within about 45 s (15 + 6 x 5)
SERVER_TCP_USER_TIMEOUT_MS = 45_000  # the server's unacknowledged data: gone after this long
IDLE_IN_TRANSACTION_MS = 60_000  # a transaction left open by a vanished client is ended after this long
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


def connection_settings(url: str) -> dict[str, Any]:
    """What every connection of this program is opened with (the pool's, a case's lock, a
    reconnection, a read-only view's): the waits above, on both sides. The server's are session
    settings any sign-in may set, passed at connection (added to any `options` of the address)."""
    server = {
        "statement_timeout": STATEMENT_TIMEOUT_MS,
        "idle_in_transaction_session_timeout": IDLE_IN_TRANSACTION_MS,
        "tcp_keepalives_idle": SERVER_KEEPALIVE_IDLE,
        "tcp_keepalives_interval": SERVER_KEEPALIVE_INTERVAL,
        "tcp_keepalives_count": SERVER_KEEPALIVE_COUNT,
        "tcp_user_timeout": SERVER_TCP_USER_TIMEOUT_MS,
    }
    try:
        given = str(conninfo_to_dict(url).get("options") or "")
    except psycopg.ProgrammingError:
        given = ""
    options = " ".join([given, *(f"-c {name}={value}" for name, value in server.items())]).strip()
    return {
        "application_name": "coregroup",
        "connect_timeout": CONNECT_TIMEOUT,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE,
        "keepalives_interval": KEEPALIVE_INTERVAL,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        "options": options,
    }


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection of its own (autocommit), with every setting above; psycopg.Error when the server
    cannot be reached."""
    conn = psycopg.connect(url, autocommit=True, **connection_settings(url))
    _configure(conn)
    return conn


@contextlib.contextmanager
def answered_within(conn: psycopg.Connection[Any], seconds: float) -> Iterator[None]:
    """If the server has not answered what is asked of `conn` within `seconds`, the connection is cut
    on this computer: the waiting call fails at once (psycopg.OperationalError) instead of waiting on
    a network that has gone silent. A cut connection ends on the server too (and any lock it held)."""
    if conn.closed:
        yield
        return
    fd = conn.pgconn.socket
    guard = threading.Lock()
    over = False

    def cut() -> None:
        with guard:
            if over:
                return
            with contextlib.suppress(OSError):
                sock = socket.socket(fileno=fd)  # the connection's own socket, borrowed: never closed here
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                finally:
                    sock.detach()

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with guard:
            over = True
        timer.cancel()


#: What `history` reads of an entry (`_entry`), and what `verify_history` recomputes its hash from.
_HISTORY_COLUMNS = (
    "at, who, machine, changes, event, imported, claimed_who, claimed_at, "
    "id, case_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), changes::text, prev_hash, hash"
)


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

    def __init__(self, url: str, *, journal_dir: Path | None = None, upgrade: bool = False) -> None:
        """Open the team's store at `url`, which must name its database. Its schema is changed only
        with `upgrade` (`coregroup db upgrade`, `db init`): opening a store never sets one up, so a
        mistyped address cannot put coregroup's tables in another database."""
        self.url = url
        self.where = _where(url)
        if not _database_of(url):
            raise StoreError(
                f"The address {self.where} names no database: give the team's store's, as in "
                "postgresql://HOST/coregroup (a bare address would mean whatever database the server picks)."
            )
        self.machine = socket.gethostname()
        self.journal_dir = journal_dir
        self._journal_key: StoreKey | None = None
        try:  # one connection first, so a server that is not there is said at once, in words
            with connect(url) as first:
                row = first.execute("SELECT current_user").fetchone()
                self.user = str(row[0]) if row else ""
                self.server_identity = _server_identity(first, self.user) or self.where
        except psycopg.Error as problem:
            raise StoreError(f"Cannot open the team's store at {self.where}: {_cannot_connect(problem)}") from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True, **connection_settings(url)},
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
                if version == 0:
                    raise StoreError(
                        f"There is no team's store of coregroup at {self.where}: check the database in the address, "
                        "or ask the council's IT team to set it up (`coregroup db init`, see the README). Nothing was "
                        "changed."
                    )
                raise StoreError(
                    f"The team's store at {self.where} needs upgrading to this release: ask the council's IT team to "
                    "run `coregroup db upgrade` as its owner. Nothing was changed."
                )
            self.upgrade()

    def upgrade(self) -> list[int]:
        """Apply the migrations the database has not had, each in a transaction, recorded in
        `coregroup_migrations`. Two clients upgrading at once: one waits for the other."""
        applied: list[int] = []
        try:
            with self._db() as conn, conn.transaction():
                conn.execute("SET LOCAL statement_timeout = 0")  # a migration takes as long as it takes
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

    # ----- this computer's journal key (when the council requires encryption) -------------------
    # The server keeps the cases (its disks and backups are IT's); what this program keeps on the
    # laptop is the journal. Its key is this computer's, kept in `store-key.json` in the journal's
    # root folder, locked by a passphrase and a recovery key as a store of files' key is.
    @property
    def key_path(self) -> Path:
        return (self.journal_dir or _journal_root()) / KEY_FILE

    @property
    def encrypted(self) -> bool:
        """Whether this computer's journal is encrypted (it has a journal key)."""
        return self.key_path.exists()

    @property
    def locked(self) -> bool:
        """The journal is encrypted and its key not unlocked yet: cases open read-only only."""
        return self._journal_key is None and self.encrypted

    def _key_file(self) -> KeyFile:
        return KeyFile.parse(read_bytes(self.key_path), self.key_path)

    def unlock(self, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
        """Unlock this computer's journal key (WrongSecret if the passphrase does not open it)."""
        if not self.encrypted:
            return
        self._journal_key = self._key_file().open_with(
            passphrase=passphrase, recovery_key=recovery_key, where=self.key_path.parent
        )

    def unlock_from_keyring(self) -> bool:
        if not self.encrypted or self._journal_key is not None:
            return self._journal_key is not None
        self._journal_key = self._key_file().from_keyring()
        return self._journal_key is not None

    def encrypt_journal(self, passphrase: str, *, keyring: bool = False) -> str:
        """Give this computer's journal a key, locked by `passphrase`: every save kept from now on is
        encrypted. Returns the recovery key, to show once. A journal already written stays readable."""
        if self.encrypted:
            raise StoreError(f"The journal of this computer at {self.key_path.parent} is already encrypted.")
        problem = passphrase_problem(passphrase)
        if problem:
            raise StoreError(problem)
        key = StoreKey.generate()
        key_file, recovery_key = KeyFile.new(key, passphrase)
        if keyring:
            keyring_put(key_file.store_id, key)
            key_file = key_file.with_keyring(True)
        make_private_dir(self.key_path.parent)
        if not write_new(self.key_path, key_file.dump()):
            raise StoreError(f"The journal at {self.key_path.parent} was given a key by another process just now.")
        self._journal_key = key
        return recovery_key

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
        if self.locked and not read_only:  # a save may need the journal: its key first
            raise StoreLocked(self.key_path.parent)
        if not self.exists(case_id):  # before any lock is taken on a case this sign-in cannot see
            raise StoreError(f"There is no case {case_id} in {self.describe()} that you may see.")
        try:
            return PostgresCase(self, case_id, read_only=read_only)
        except psycopg.OperationalError:  # the network went while it was being opened
            raise StoreError(
                f"Cannot reach {self.describe()}: the connection was lost while case {case_id} was being opened. "
                "Try again when the network is back."
            ) from None

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
        exported = history_words.export_history(self.history(case_id))  # not this store's own receipt of it
        if exported:
            data["history"] = exported
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
        """Every entry of the case's history, oldest first; the last may be the one still being
        gathered (typing on in the same fields: `cg_gathering` in pgschema), which is on the server too."""
        check_case_id(case_id)
        with self._db() as conn, conn.transaction():
            rows = conn.execute(
                f"SELECT {_HISTORY_COLUMNS} FROM cg_history WHERE case_id = %s ORDER BY id", (case_id,)
            ).fetchall()
            gathering = conn.execute(
                "SELECT at, who, machine, changes FROM cg_gathering WHERE case_id = %s AND changes <> '[]'", (case_id,)
            ).fetchall()
        entries = [_entry(row) for row in rows]
        for at, who, machine, changes in gathering:
            entries.append(_entry((at, who, machine, changes, "", False, None, None)))
        return entries

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
        with self._db() as conn:
            gathering = conn.execute("SELECT 1 FROM cg_gathering WHERE case_id = %s", (case_id,)).fetchone()
        still = (" The last change is still being gathered (typing on in the same fields) and goes into the chain "
                 "next.") if gathering else ""  # fmt: skip
        early = sum(1 for row in rows if not row[14])
        note = (f" {early} entries were written before the server kept the time of each change (an earlier "
                "release): their times are as the computer that saved them said.") if early else ""  # fmt: skip
        return HistoryCheck(
            True, len(rows), f"All {len(rows)} entries of the history are as the server wrote them.{note}{still}"
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
        """Allocate a case to `logins` (social workers and chairs of its team), and/or move it to
        `team` (no logins: the case keeps its allocation, who must be of the new team too). A team
        manager allocates within their own team; the store's owner may do anything. Each login is
        checked first (it signs in on this server, is a coregroup social worker, is listed in the
        case's team here), and what is wrong is said in words; nothing is changed then."""
        from .pgadmin import allocation_problems, is_owner

        check_case_id(case_id)
        logins = list(dict.fromkeys(logins))
        what = "allocate" if not team else ("move" if not logins else "allocate and move")
        done_words = {"allocate": "allocated", "move": "moved", "allocate and move": "allocated or moved"}[what]
        try:
            with self._db() as conn, conn.transaction():
                # The history entry the server makes of an allocation says from which machine.
                conn.execute("SELECT set_config('coregroup.machine', %s, true)", (self.machine,))
                owner = is_owner(conn)
                row = conn.execute(
                    "SELECT pg_has_role(current_user, 'coregroup_manager', 'MEMBER'), "
                    "(SELECT team FROM cg_staff WHERE login = current_user)"
                ).fetchone()
                manager, my_team = (bool(row[0]), row[1] or "") if row else (False, "")
                if not (owner or manager):
                    raise StoreError(
                        f"Only a team manager or the store's owner may {what} case {case_id}"
                        + (" to another team" if team and not logins else "")
                        + f"; {self.user} is neither. Nothing was changed."
                    )
                case = conn.execute("SELECT team, allocated_to FROM cg_cases WHERE id = %s", (case_id,)).fetchone()
                if case is None:
                    raise StoreError(f"There is no case {case_id} in {self.describe()} that you may allocate.")
                new_team = team if team is not None else str(case[0])
                if not new_team:
                    raise StoreError(
                        f"Case {case_id} belongs to no team yet: give its team too (--team TEAM). Nothing was changed."
                    )
                if not owner and new_team != my_team:
                    raise StoreError(
                        f"Case {case_id} was not moved to {new_team}: a team manager allocates cases within their "
                        f"own team ({my_team or 'you are listed in none'}); the store's owner may move a case to "
                        "another team. Nothing was changed."
                    )
                problems = allocation_problems(conn, logins or list(case[1]), new_team)
                if problems:
                    if not logins:
                        problems.append(f"Give the social workers of {new_team} who take the case on: --to LOGIN.")
                    raise StoreError(f"Case {case_id} was not {done_words}; nothing was changed. " + " ".join(problems))
                done = conn.execute(
                    "UPDATE cg_cases SET allocated_to = coalesce(%s::name[], allocated_to), team = %s WHERE id = %s "
                    "RETURNING id",
                    (logins or None, new_team, case_id),
                ).fetchone()
        except psycopg.errors.InsufficientPrivilege:
            raise StoreError(
                f"Only a team manager (of the case's team) or the store's owner may {what} case {case_id}: the database "
                "refused it. Nothing was changed."
            ) from None
        except psycopg.errors.CheckViolation:
            raise StoreError(
                f"The database refused to {what} case {case_id}: each login must be a social worker listed in the "
                "case's team (coregroup staff list). Nothing was changed."
            ) from None
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
            return connect(self.url)
        except psycopg.Error as problem:
            raise StoreError(f"Cannot reach {self.describe()}: {_cannot_connect(problem)}") from None

    @property
    def journal_folder(self) -> Path:
        """Where this computer keeps the saves it could not write to this server: named after the
        server itself (its system identifier), the database and the sign-in, not after how its
        address was spelt (`localhost` and `127.0.0.1` are the same server)."""
        root = self.journal_dir or _journal_root()
        folder = root / hashlib.sha256(self.server_identity.encode()).hexdigest()[:16]
        earlier = root / hashlib.sha256(self.where.encode()).hexdigest()[:16]  # an earlier release's name
        if earlier != folder and earlier.is_dir():
            _adopt(earlier, folder)
        return folder

    def journal_for(self, case_id: str) -> Journal:
        return Journal(self.journal_folder / f"{case_id}.journal", self._journal_key)

    # ----- saves that could not be written (conflict copies) -------------------------------------
    def conflicts(self) -> list[ConflictCopy]:
        """The saves kept on this computer that could not be written (the case was changed by someone
        else meanwhile), set aside: newest first."""
        return conflict_copies(self.journal_folder)

    def conflict_changes(self, copy: ConflictCopy, *, show_restricted: bool = False) -> list[str]:
        """What a conflict copy would change in the case as the team's store holds it now, in words;
        restricted text hidden unless asked, as the history hides it (`changes.shown_as_now`: by what
        is restricted in the case now, restricted names and withheld referrers withheld)."""
        kept = merged(Journal(copy.path, self._journal_key).lines())
        if kept is None:
            return []
        with self._db() as conn:
            stored = _stored(conn, copy.case_id)
            case = None if show_restricted else _load_case(conn, copy.case_id, self.describe())[0]
        before = {key: stored[key] for key in kept.records if key in stored}
        found = history_words.changes_between(before, dict(kept.records))
        now = (lambda change: change) if show_restricted else history_words.shown_as_now(case)
        return [history_words.change_words(now(change), show_restricted=show_restricted) for change in found]

    def discard_conflict(self, copy: ConflictCopy) -> None:
        """Delete a conflict copy (after the person has seen what it holds, and said so)."""
        if copy.path.parent != self.journal_folder or CONFLICT not in copy.path.name:
            raise StoreError("That is not one of this store's conflict copies: nothing was deleted.")
        copy.path.unlink(missing_ok=True)


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


def _database_of(url: str) -> str:
    """The database an address names ('' when none, or the address cannot be read)."""
    try:
        return str(conninfo_to_dict(url).get("dbname") or "")
    except psycopg.ProgrammingError:
        return ""


def _cannot_connect(problem: Exception) -> str:
    """Why a connection was refused, in words: the server's message names a role or a database (never
    a password), and says which of these it is."""
    text = str(problem).strip()
    first = text.splitlines()[0] if text else type(problem).__name__

    def named(kind: str) -> str:
        found = re.search(kind + r' "([^"]*)"', first)
        return found.group(1) if found else ""

    if "is not permitted to log in" in first:
        role = named("role")
        return (
            f"the role {role} may not sign in (it was made without LOGIN). Sign in as a login of your own, or, if "
            f"{role} is meant to sign in, a superuser runs: ALTER ROLE {role} LOGIN."
        )
    if "authentication failed" in first or "no password supplied" in first or "pg_hba.conf" in first:
        return (
            "the server refused the sign-in (check the user name and password, or ask IT whether pg_hba.conf "
            "lets this login connect from this computer)."
        )
    if "does not exist" in first and named("database"):
        return f"there is no database {named('database')} on that server (check its name in the address)."
    if "does not exist" in first and named("role"):
        return f"there is no login {named('role')} on that server (check the user name in the address)."
    if "permission denied for database" in first:
        return (
            f"the login may not connect to the database {named('database')} (only coregroup's roles and its owner "
            "may: ask IT to add you with `coregroup staff add`)."
        )
    return "the server did not answer (is it running, and is this computer allowed to connect?)."


def _server_identity(conn: psycopg.Connection[Any], user: str) -> str | None:
    """Which server and database this is, however its address is spelt: None if it will not say."""
    try:
        row = conn.execute("SELECT system_identifier, current_database() FROM pg_control_system()").fetchone()
    except psycopg.Error:
        return None
    return f"postgresql-system:{row[0]}/{row[1]}/{user}" if row else None


def _adopt(earlier: Path, folder: Path) -> None:
    """Move the journals an earlier release kept under the address's name into the server's folder
    (one whose case has a journal there already is kept as a conflict copy: listed, never lost)."""
    make_private_dir(folder)
    for kept in earlier.iterdir():
        target = folder / kept.name
        if target.exists():  # both names held a journal of the case: the earlier one is kept aside
            target = folder / f"{kept.name.partition(CONFLICT)[0]}{CONFLICT}{dt.datetime.now():%Y%m%d-%H%M%S}-earlier"
        if kept.is_file() and not target.exists():
            with contextlib.suppress(OSError):
                kept.rename(target)
    with contextlib.suppress(OSError):
        earlier.rmdir()


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
        #: The report's lines of the case as this editor last wrote them (None: not known, write them).
        self._report_items: tuple[dict[str, Any], ...] | None = None
        self._write_lock = threading.Lock()
        self._journal = store.journal_for(case_id)
        self._reconnecting: threading.Thread | None = None
        self._closed = threading.Event()
        self._following: threading.Thread | None = None
        self._fresh_lock = threading.Lock()
        self._fresh: tuple[Case, int, LockHolder | None] | None = None  # a read-only view's newer copy
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
        if read_only:  # from now on the view's connection is its follower's alone
            self._following = threading.Thread(target=self._follow, name="coregroup-follow", daemon=True)
            self._following.start()

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
        save = new_save_id()
        with self._write_lock:
            if self._journal.exists():
                self._journal.append(snapshot, self.version, save)
                self._start_reconnecting()
                return
            try:
                with answered_within(self._conn, SAVE_DEADLINE):
                    if self.distribution_only:
                        self._write_distribution(self._conn, snapshot, save)
                    else:
                        self._write_online(self._conn, snapshot, save)
            except psycopg.OperationalError:
                # Not answered, or the answer lost: perhaps written, perhaps not. The save's id
                # in the journal tells which when the connection is back.
                self._journal.append(snapshot, self.version, save)
                with contextlib.suppress(Exception):
                    self._conn.close()  # cut: on the server it ends, and the lock with it
                self._set_state("offline")
                self._start_reconnecting()
            except psycopg.errors.InsufficientPrivilege:
                raise StoreError(f"Your sign-in may not change this part of case {self.case_id}: not saved.") from None

    def _write_online(self, conn: psycopg.Connection[Any], snapshot: Snapshot, save: str) -> None:
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
                    save,  # the save's id, in the same transaction: a replay knows its own save
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
            written: tuple[dict[str, Any], ...] | None = self._report_items
            if snapshot.summary is not None and snapshot.summary.report_items != self._report_items:
                # Only when they changed: typing notes never changes the report's lines, and
                # rewriting them cost most of a save's time on the server.
                _write_report(conn, self.case_id, snapshot.summary)
                written = snapshot.summary.report_items
            found = history_words.changes_between(
                before, dict(snapshot.records), restricted_people=_restricted_people(conn, self.case_id)
            )
            if found:  # every save's changes, in the save's transaction (the server gathers typing on)
                _append_entry(conn, self.case_id, self.store.machine, found)
        self.version = int(row[0])
        self._report_items = written

    def _write_distribution(self, conn: psycopg.Connection[Any], snapshot: Snapshot, save: str) -> None:
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
            hidden = _restricted_people(conn, self.case_id)
            for key, data in meetings.items():
                assert data is not None
                old = before.get(("meetings", key), {})
                found = history_words.record_changes("meetings", key, old, data, restricted_people=hidden)
                row = conn.execute(
                    "SELECT cg_record_distribution(%s, %s, %s, %s, %s, %s, %s, %s)",
                    (self.case_id, key, Jsonb(data.get("distribution", [])), Jsonb(items),
                     Jsonb([c.to_json() for c in found if c.path.startswith(f"meetings[{key}].distribution")]),
                     self.version, save, self.store.machine),
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

    def _reconnect_loop(self) -> None:
        every = RECONNECT_EVERY
        while not self._closed.is_set() and self._journal.exists():
            try:
                self.reconnect()
                return
            except _HeldByMe:
                self._closed.wait(every)  # this computer's own lost connection, ended on the server: soon gone
            except StoreError:
                return  # a conflict: reported by reconnect, the journal kept
            except psycopg.Error:
                self._closed.wait(every)

    def reconnect(self) -> bool:
        """Connect again, take the case's lock again, and write the journal: True when all is written.
        Raises psycopg.Error while the server cannot be reached; a conflict (someone else holds or
        changed the case meanwhile) is reported as the state, and the journal kept. Whatever
        happens, no connection is left open but the one the case goes on with."""
        if not self._journal.exists():
            return True
        self._report_items = None  # not known after an outage: the replay writes them
        conn = connect(self.store.url)  # outside the save lock: a save never waits for a connection
        try:
            with self._write_lock:
                if self._closed.is_set() or not self._journal.exists():
                    conn.close()
                    return not self._journal.exists()
                with answered_within(conn, REPLAY_DEADLINE):
                    try:
                        self._take_lock(conn)
                    except CaseLocked as locked:
                        if self._held_by_me(conn, locked):
                            raise _HeldByMe(str(locked)) from None
                        self._set_state("conflict: " + str(locked) + " Your changes are kept on this computer.")
                        raise
                    self._replay(conn)
                old, self._conn = self._conn, conn
        except BaseException:
            conn.close()  # never left to the garbage collector: it may hold the case's lock
            raise
        with contextlib.suppress(Exception):
            old.close()
        self._set_state("connected")
        return True

    def _held_by_me(self, conn: psycopg.Connection[Any], locked: CaseLocked) -> bool:
        """The case is held by this very program, on a connection it has given up for lost that the
        server has not noticed has gone (a silent outage): end that one, and take the lock again."""
        holder = locked.holder
        if holder is None or holder.user != self.store.user or holder.host != self.store.machine:
            return False
        if holder.pid != os.getpid():
            return False
        with contextlib.suppress(psycopg.Error):
            conn.execute(
                "SELECT pg_terminate_backend(backend_pid) FROM cg_holders WHERE case_id = %s AND who = current_user "
                "AND machine = %s AND pid = %s AND backend_pid <> pg_backend_pid()",
                (self.case_id, self.store.machine, os.getpid()),
            )
        return True

    def _replay(self, conn: psycopg.Connection[Any]) -> None:
        """Write what the journal kept. A save of its own that reached the server though its answer
        was lost is recognised by its id (the server then holds every kept save up to it) and is
        never taken for someone else's change; anything else changed meanwhile is a conflict."""
        kept = self._journal.lines()
        if not kept:
            self._journal.remove()
            return
        row = conn.execute("SELECT version, last_save FROM cg_cases WHERE id = %s", (self.case_id,)).fetchone()
        version = int(row[0]) if row else 0
        ids = [line.save for line in kept]
        if row is not None and row[1] is not None and row[1] in ids:
            rest = kept[ids.index(row[1]) + 1 :]  # the server holds every kept save up to its last
        elif row is not None and version == kept[0].based_on:
            rest = kept
        else:
            problem = StaleVersion(self.case_id, kept[0].based_on, version)
            self._set_state(
                f"conflict: {problem} The changes typed while the connection was lost are kept at {self._journal.path}."
            )
            raise problem
        self.version = version
        snapshot = merged(rest)
        if snapshot is not None:
            # Under the id of the journal's last save: if this answer is lost too, it is recognised.
            write = self._write_distribution if self.distribution_only else self._write_online
            write(conn, snapshot, kept[-1].save or new_save_id())
        self._journal.remove()

    # ----- read-only views ------------------------------------------------------------------------
    def _follow(self) -> None:
        """A read-only view's own thread: it listens for the editor's saves and reads the case again
        after each (and after the connection came back: saves may have been missed meanwhile),
        checks now and then that the server still answers, and connects again when it does not.
        `refresh` then takes the newer copy, without waiting on the network."""
        conn: psycopg.Connection[Any] | None = self._conn
        checked = time.monotonic()
        while not self._closed.is_set():
            try:
                if conn is None or conn.closed:
                    conn = connect(self.store.url)
                    with answered_within(conn, LOAD_DEADLINE):
                        self._listen(conn)
                        self._read_again(conn, always=False)
                    self._set_state("connected")
                    checked = time.monotonic()
                saved = any(note.channel == self._channel for note in conn.notifies(timeout=0.5, stop_after=100))
                if saved:
                    with answered_within(conn, LOAD_DEADLINE):
                        self._read_again(conn, always=True)
                elif time.monotonic() - checked > FOLLOW_CHECK:
                    with answered_within(conn, SAVE_DEADLINE):
                        conn.execute("SELECT 1")
                    checked = time.monotonic()
            except (psycopg.Error, StoreError):
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
                conn = None
                if not self._closed.is_set():
                    self._set_state("offline")
                    self._closed.wait(RECONNECT_EVERY)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _read_again(self, conn: psycopg.Connection[Any], *, always: bool) -> None:
        case, version = self._load(conn)
        holder = _holder(conn, self.case_id)
        with self._fresh_lock:
            current = self._fresh[1] if self._fresh else self.version
            if always or version != current:
                self._fresh = (case, version, holder)

    def changed(self) -> bool:
        """Whether the case was saved by its editor since this view read it (without waiting)."""
        with self._fresh_lock:
            return self.read_only and self._fresh is not None

    def refresh(self) -> bool:
        """Take the newer copy read since the editor saved: True when `case` is a new copy. Never
        waits on the network (the view's own thread reads it)."""
        with self._fresh_lock:
            fresh, self._fresh = self._fresh, None
        if fresh is None or not self.read_only:
            return False
        self.case, self.version, self.locked_by = fresh
        return True

    def _read_only(self) -> ReadOnly:
        return ReadOnly(
            f"Case {self.case_id} is open read-only"
            + (f" ({self.locked_by.describe()} has it open)" if self.locked_by else "")
        )

    def close(self) -> None:
        self._closed.set()
        if self._following is not None:
            self._following.join(timeout=2.0)  # it closes the view's connection as it ends (or soon after)
            return
        with contextlib.suppress(Exception), answered_within(self._conn, SAVE_DEADLINE):
            if not self.read_only and not self._conn.closed:
                self._conn.execute("SELECT cg_release_lock(%s)", (self.case_id,))
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> PostgresCase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _HeldByMe(StoreError):
    """The case's lock is still held on the server by this program's own lost connection."""


def new_save_id() -> str:
    return str(uuid.uuid4())


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


def _restricted_people(conn: psycopg.Connection[Any], case_id: str) -> list[int]:
    """The people of a case marked restricted: a change about one is restricted in the history too."""
    rows = conn.execute(
        "SELECT key FROM cg_records WHERE case_id = %s AND tbl = 'people' AND data->>'restricted' = 'true'", (case_id,)
    ).fetchall()
    return [int(k) for (k,) in rows if k.isdigit()]


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
