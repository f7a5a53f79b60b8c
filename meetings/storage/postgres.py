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
import datetime as dt
import hashlib
import os
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
from ..domain.changes import HistoryEntry, now_utc
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
    WrongSecret,
    keyring_get,
    keyring_put,
    looks_like_recovery_key,
    passphrase_problem,
)
from .files import make_private_dir, write_new
from .journal import CONFLICT, ConflictCopy, Journal, conflict_copies, merged

SCHEMES = ("postgresql://", "postgres://")
CHANNEL = "cg_case_saved"
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


def _lock_key(case_id: str) -> int:
    """The advisory lock of a case: 63 bits of a digest of its id (the same on every client)."""
    return int.from_bytes(hashlib.blake2b(f"coregroup-case:{case_id}".encode(), digest_size=8).digest(), "big") >> 1


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    at, who, machine, changes = row
    return HistoryEntry.from_json(
        {
            "at": at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "who": who,
            "machine": machine,
            "changes": changes,
        }
    )


class PostgresStore:
    """The cases of everyone the signed-in person may see, on a PostgreSQL server."""

    kind = "postgresql"
    read_only = False

    def __init__(self, url: str, *, journal_dir: Path | None = None, upgrade: bool = True) -> None:
        self.url = url
        self.where = _where(url)
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
                raise StoreError(f"The team's store at {self.where} needs upgrading: run `coregroup db upgrade`.")
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
                for version, description, statements in pgschema.MIGRATIONS:
                    if version <= have:
                        continue
                    with conn.transaction():
                        conn.execute(statements.encode())
                        conn.execute(
                            "INSERT INTO coregroup_migrations (version, description) VALUES (%s, %s)",
                            (version, description),
                        )
                    applied.append(version)
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
        return KeyFile.parse(self.key_path.read_bytes(), self.key_path)

    def unlock(self, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
        """Unlock this computer's journal key (WrongSecret if the passphrase does not open it)."""
        if not self.encrypted:
            return
        key_file = self._key_file()
        try:
            self._journal_key = key_file.unlock(passphrase=passphrase, recovery_key=recovery_key,
                                                where=self.key_path.parent)  # fmt: skip
        except WrongSecret:
            if passphrase is None or not looks_like_recovery_key(passphrase):
                raise
            self._journal_key = key_file.unlock(recovery_key=passphrase, where=self.key_path.parent)

    def unlock_from_keyring(self) -> bool:
        if not self.encrypted or self._journal_key is not None:
            return self._journal_key is not None
        key_file = self._key_file()
        if key_file.keyring:
            self._journal_key = keyring_get(key_file.store_id, key_file.check)
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

    def create(self, case: Case) -> PostgresCase:
        schema.load(Case, schema.dump(case))
        self._write_whole(case, replace=False, history=[])
        return self.open(case.id)

    def import_data(self, data: Any, *, replace: bool = False) -> Case:
        if not isinstance(data, dict):
            raise InvalidRecord("", "the file should hold one case (a JSON object)")
        data = dict(data)
        kept = history_words.history_of_file(data.pop("history", None))
        case = schema.load(Case, migrate(data))
        schema.load(Case, schema.dump(case))
        self._write_whole(case, replace=replace, history=kept)
        return case

    def export_data(self, case_id: str) -> dict[str, Any]:
        check_case_id(case_id)
        with self._db() as conn:
            case, _ = _load_case(conn, case_id, self.describe())
        data: dict[str, Any] = schema.dump(case)
        entries = self.history(case_id)
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
                "SELECT at, who, machine, changes FROM cg_history WHERE case_id = %s ORDER BY id", (case_id,)
            ).fetchall()
        return [_entry(row) for row in rows]

    def report(self, today: dt.date) -> list[report.ReportLine]:
        """The team manager's report, answered by the server: only the lines on the report `today` are
        read, of the cases this sign-in may see (row-level security), never the cases themselves."""
        with self._db() as conn, conn.transaction():
            # Row-level security makes the plan look dear enough to compile on every run: it is not.
            conn.execute("SET LOCAL jit = off")
            rows = conn.execute(
                "SELECT c.id, c.summary->>'children', c.summary->>'lead_social_worker', array_agg(i.item) "
                "FROM cg_report_items i JOIN cg_cases c ON c.id = i.case_id "
                "WHERE i.from_date <= %s AND (i.item->>'until' IS NULL OR (i.item->>'until')::date >= %s) "
                "GROUP BY c.id",
                (today, today),
            ).fetchall()
        return report.report_from_stored(
            ((case_id, children or "", worker or "", items) for case_id, children, worker, items in rows), today
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
    def _write_whole(self, case: Case, *, replace: bool, history: list[HistoryEntry]) -> None:
        tables = tables_of(case)
        conn = self._connect()
        try:
            key = _lock_key(case.id)
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            if not got or not got[0]:
                raise CaseLocked(case.id, _holder(conn, case.id))
            try:
                with conn.transaction():
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
                            "UPDATE cg_cases SET header = %s, summary = %s, version = version + 1, "
                            "updated_at = now(), updated_by = current_user WHERE id = %s",
                            (Jsonb(tables[HEADER_TABLE][str(HEADER_ID)]), Jsonb(summary.to_json()), case.id),
                        )
                    else:
                        team = conn.execute("SELECT cg_my_team()").fetchone()
                        conn.execute(
                            "INSERT INTO cg_cases (id, header, summary, team, allocated_to) "
                            "VALUES (%s, %s, %s, %s, ARRAY[current_user]::name[])",
                            (case.id, Jsonb(tables[HEADER_TABLE][str(HEADER_ID)]), Jsonb(summary.to_json()),
                             team[0] if team else ""),
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
                    for entry in history:
                        conn.execute(
                            "INSERT INTO cg_history (case_id, at, who, machine, changes, imported) "
                            "VALUES (%s, %s, %s, %s, %s, true)",
                            (case.id, entry.at, entry.who, entry.machine, Jsonb([c.to_json() for c in entry.changes])),
                        )
                    if row is not None:
                        after = {(t, k): d for t, rows in tables.items() for k, d in rows.items()}
                        found = history_words.changes_between(before, after)
                        if found:
                            _append_entry(conn, case.id, HistoryEntry(now_utc(), self.user, self.machine, tuple(found)))
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, case.id))
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        except psycopg.errors.InsufficientPrivilege:
            raise StoreError(f"Your sign-in may not write case {case.id}: nothing was changed.") from None
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
        """What a conflict copy would change in the case as the team's store holds it now, in words
        (restricted text hidden unless asked)."""
        kept = merged(Journal(copy.path, self._journal_key).lines())
        if kept is None:
            return []
        with self._db() as conn:
            stored = _stored(conn, copy.case_id)
        before = {key: stored[key] for key in kept.records if key in stored}
        found = history_words.changes_between(before, dict(kept.records))
        return [history_words.change_words(change, show_restricted=show_restricted) for change in found]

    def discard_conflict(self, copy: ConflictCopy) -> None:
        """Delete a conflict copy (after the person has seen what it holds, and said so)."""
        if copy.path.parent != self.journal_folder or CONFLICT not in copy.path.name:
            raise StoreError("That is not one of this store's conflict copies: nothing was deleted.")
        copy.path.unlink(missing_ok=True)


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every connection reads the stored JSON with orjson: a third of the time of the standard library's."""
    set_json_loads(orjson.loads, conn)


def _cannot_connect(problem: Exception) -> str:
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
    if "password" in text.lower() and "authentication" in text.lower():
        return "the server refused the sign-in (check the user name and password)."
    if "does not exist" in text:
        return text + "."
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


def _append_entry(conn: psycopg.Connection[Any], case_id: str, entry: HistoryEntry) -> None:
    """One entry of the signed-in person's saves (the database checks it is theirs)."""
    conn.execute(
        "INSERT INTO cg_history (case_id, at, machine, changes) VALUES (%s, %s, %s, %s)",
        (case_id, dt.datetime.fromisoformat(entry.at.replace("Z", "+00:00")), entry.machine,
         Jsonb([c.to_json() for c in entry.changes])),
    )  # fmt: skip


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
        self._key = _lock_key(case_id)
        self._since: dt.datetime | None = None  # when this editor first took the case's lock
        self._write_lock = threading.Lock()
        self._journal = store.journal_for(case_id)
        self._gatherer = history_words.Gatherer(store.user, store.machine)  # typing on in the same fields
        self._reconnecting: threading.Thread | None = None
        self._closed = threading.Event()
        self._following: threading.Thread | None = None
        self._fresh_lock = threading.Lock()
        self._fresh: tuple[Case, int, LockHolder | None] | None = None  # a read-only view's newer copy
        self._conn = store._connect()
        try:
            if read_only:
                self.locked_by = _holder(self._conn, case_id)
                self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            else:
                self._take_lock(self._conn)
            if not read_only:
                row = self._conn.execute(
                    "SELECT cg_is('coregroup_minute_taker') AND NOT cg_edits(%s) "
                    "AND NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)",
                    (case_id,),
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
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        if not got or not got[0]:
            raise CaseLocked(self.case_id, _holder(conn, self.case_id))
        try:
            with conn.transaction():
                conn.execute("DELETE FROM cg_holders WHERE case_id = %s", (self.case_id,))
                row = conn.execute(
                    "INSERT INTO cg_holders (case_id, machine, pid, since) VALUES (%s, %s, %s, coalesce(%s, now())) "
                    "RETURNING since",
                    (self.case_id, self.store.machine, os.getpid(), self._since),
                ).fetchone()
                # Taken again after a lost connection: still held since it was first opened.
                self._since = row[0] if row else self._since
        except psycopg.errors.InsufficientPrivilege:
            conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            raise ReadOnly(f"Your sign-in may read case {self.case_id} but not edit it.") from None

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
            # The save's id, in the same transaction (a minute-taker's sign-in may not set it: the
            # server clears it for them, see pgschema).
            row = conn.execute(
                "UPDATE cg_cases SET version = version + 1, updated_at = now(), updated_by = current_user, "
                "summary = coalesce(%s, summary)" + ("" if self.distribution_only else ", last_save = %s")
                + " WHERE id = %s AND version = %s RETURNING version",
                (Jsonb(snapshot.summary.to_json()) if snapshot.summary else None,
                 *(() if self.distribution_only else (save,)), self.case_id, self.version),
            ).fetchone()  # fmt: skip
            if row is None:
                latest = conn.execute(
                    "SELECT version, updated_by FROM cg_cases WHERE id = %s", (self.case_id,)
                ).fetchone()
                raise StaleVersion(self.case_id, self.version, int(latest[0]) if latest else 0,
                                   str(latest[1]) if latest else "")  # fmt: skip
            keys = list(snapshot.records)
            before = _stored_keys(conn, self.case_id, keys)
            for (table, doc_id), data in snapshot.records.items():
                if table == HEADER_TABLE:
                    if data is not None:
                        conn.execute("UPDATE cg_cases SET header = %s WHERE id = %s", (Jsonb(data), self.case_id))
                elif data is None:
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
            for entry in self._gatherer.add(found, time.monotonic()):
                _append_entry(conn, self.case_id, entry)
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self.case_id))
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
            self._write_online(conn, snapshot, kept[-1].save or new_save_id())
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
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                        self._read_again(conn, always=False)
                    self._set_state("connected")
                    checked = time.monotonic()
                saved = any(note.payload == self.case_id for note in conn.notifies(timeout=0.5, stop_after=100))
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
                with self._write_lock, self._conn.transaction():
                    for entry in self._gatherer.flush():
                        _append_entry(self._conn, self.case_id, entry)
                with self._conn.transaction():
                    self._conn.execute(
                        "DELETE FROM cg_holders WHERE case_id = %s AND backend_pid = pg_backend_pid()", (self.case_id,)
                    )
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
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
