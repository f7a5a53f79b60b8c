"""The case store: one TinyDB file per case, a small index for listing, one writer per case.

Layout of a store folder (all private to its owner)::

    cases/<id>.json       the case: a TinyDB file, a table per kind of record
    cases/<id>.json.bak   the previous save, kept by every write
    cases/<id>.lock       held while the case is open for editing; says by whom
    cases/<id>.history    the case's history: one line per save (who, when, from which machine,
                          what changed), only ever appended (see `files.append_lines`), each line
                          chained to the one before and sealed (see `files.chained`); the case
                          file records where the chain ends (its table `_history`), and holds
                          the saves of a burst of typing after its first, merged into one entry
                          (its table `_pending_history`) until the burst ends (see `CaseFile`)
    cases/<id>.saves      the number of the case's last save (each case file records its own, in
                          its table `_saves`): a case file numbered below it is an earlier save
                          put back in place of the latest (see `RolledBack`)
    cases/<id>.json.damaged-<when>   a damaged file set aside by `restore` or a re-import
    cases/.proof-key      a random secret of this store, sealing the lines of the histories (the
                          proof of integrity in each case file is keyed by the store key, so only
                          an encrypted store has one: see `Store.proof_key`)
    cases/.encrypting     while `coregroup encrypt` has files left to convert: only then is a plain
                          case file read in an encrypted store
    index/NN.json         case summaries for the case list, in 64 shards, so that updating
                          one case's summary rewrites a small file whatever the store's size
    store-key.json        only in an encrypted store: the store key, wrapped by the passphrase and
                          by the recovery key (see `crypto`); then every case file, backup, damaged
                          file, history line and index shard is encrypted (lock files hold no case
                          data: plain)
    cases/.encrypted      only in an encrypted store, written just after the key file: says the store
                          is encrypted even when the key file is lost, so that nothing is ever written
                          to it plain and no second key is made (a store encrypted by an earlier
                          release, without it, is known by its encrypted index shards)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import hmac
import os
import re
import socket
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB

from ..domain import migrations, records, schema, text
from ..domain.changes import (
    Burst,
    FieldChange,
    HistoryCheck,
    HistoryEntry,
    changes_between,
    changes_of,
    export_history,
    history_of_file,
    merged,
    now_utc,
    stored_entry,
    when_words,
)
from ..domain.migrations import migrate
from ..domain.records import COLLECTIONS, SCHEMA_VERSION, Case, check_case_id
from ..domain.report import ReportLine
from ..domain.schema import InvalidRecord
from .base import (
    HEADER_ID,
    HEADER_TABLE,
    CaseSummary,
    RolledBack,
    Snapshot,
    put_record,
    report_from_summaries,
    tables_of,
    take_record,
)
from .crypto import (
    CASE,
    INDEX,
    KEY_FILE,
    MAGIC,
    KeyFile,
    StoreKey,
    StoreLocked,
    is_encrypted,
    keyring_put,
    passphrase_problem,
)
from .files import (
    CHAIN_FIELDS,
    HISTORY_TABLE,
    PENDING_TABLE,
    PROOF_TABLE,
    SAVES_TABLE,
    STALE_AFTER,
    AtomicStorage,
    CaseLocked,
    ChainHead,
    DamagedFile,
    FileLock,
    HistoryNotWritten,
    LinkInStore,
    LockHolder,
    ReadOnly,
    StoreError,
    append_lines,
    atomic_write,
    backup_path,
    chained,
    check_chain,
    dump_json,
    encrypted_history_line,
    exclusive_lock,
    history_items,
    history_key,
    history_line,
    history_path,
    history_tail,
    make_private_dir,
    plain_bytes,
    proof_key,
    proven,
    read_bytes,
    read_history,
    read_json,
    remove_leftovers,
    seal,
    stored_bytes,
    usable_backup,
    user_name,
    write_new,
)

__all__ = ["CaseFile", "CaseLocked", "CaseSummary", "DamagedFile", "ReadOnly", "Snapshot", "Store", "StoreError"]

INDEX_SHARDS = 64
CONVERTING = ".encrypting"  # in the cases folder while `coregroup encrypt` has files left to encrypt
#: In the cases folder of an encrypted store (see the layout above).
ENCRYPTED_MARKER = ".encrypted"
MARKER_TEXT = (
    b"This coregroup store is encrypted. Its key file, store-key.json, is in the folder above; "
    b"without it (or a backup of it) the cases cannot be opened.\n"
)


def _shard(case_id: str) -> str:
    return f"{zlib.crc32(case_id.encode()) % INDEX_SHARDS:02d}"


class Store:
    """A folder of cases. Safe to share between processes: each case has one writer at a time."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.cases_dir = self.root / "cases"
        self.index_dir = self.root / "index"
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"The store {self.root} is a file, not a folder.")
        if self.root.is_dir() and not os.access(self.root, os.R_OK | os.X_OK):
            raise StoreError(f"You cannot read the store at {self.root}: it belongs to someone else, or is private.")
        #: Cases open read-only, and nothing is written, when the store's folders cannot be written.
        self.read_only = False
        for folder in (self.cases_dir, self.index_dir):
            try:
                make_private_dir(folder)
            except PermissionError:
                self.read_only = True
        if not self.read_only:
            self.read_only = not all(os.access(f, os.W_OK | os.X_OK) for f in (self.cases_dir, self.index_dir))
        if self.cases_dir.is_dir() and not os.access(self.cases_dir, os.R_OK | os.X_OK):
            raise StoreError(f"You cannot read the cases in the store at {self.root}.")
        self._proof_key: bytes | None = None
        self._history_key: bytes | None = None
        self._key: StoreKey | None = None
        self._key_file: KeyFile | None = None
        self._encrypted_files: bool | None = None  # an earlier release's encrypted store, found once

    def warnings(self) -> list[str]:
        """What the user should know about the store's folder, in words: others can read it, or it
        can only be read."""
        found = []
        if self.read_only:
            found.append(f"You cannot write to the store at {self.root}: cases open read-only and nothing is saved.")
        left = self.left_plain()
        if left:
            found.append(left_plain_words(self.root, left))
        if os.name == "posix":
            for folder in (self.root, self.cases_dir):
                with contextlib.suppress(OSError):
                    mode = folder.stat().st_mode
                    if mode & 0o077:
                        found.append(
                            f"Other users of this computer can open the folder {folder} (mode {mode & 0o7777:o}). "
                            "The case files are private to you, but consider making the folder private "
                            f"(chmod 700 {folder})."
                        )
                        break
        return found

    def proof_key(self, *, create: bool) -> bytes | None:
        """The key that proves this store wrote a case file, with the code that checked it (see
        `_checking_code`): only in an encrypted store, unlocked, derived from its store key, so
        that no one without the key can make a proof; a file with a proof is then opened without
        checking each field again. None in a plain store: a secret kept beside the files there
        would be no protection (anyone who can write a case file can read it), so every case file
        of a plain store is checked field by field."""
        del create  # the store key is made by `encrypt`, never here
        if self._proof_key is None:
            code = _checking_code()
            if code is None or self._key is None:
                return None
            self._proof_key = hmac.digest(self._key.raw(), b"coregroup case file proof\0" + code, "sha256")
        return self._proof_key

    def history_key(self, *, create: bool) -> bytes | None:
        """The key that seals the lines of the cases' histories (see `files.chained`), from the
        store's proof secret; None if the store has no secret yet and `create` is false."""
        if self._history_key is None:
            secret = proof_key(self.cases_dir / ".proof-key", create=create)
            if secret is None:
                return None
            self._history_key = history_key(secret)
        return self._history_key

    def describe(self) -> str:
        return f"the folder {self.root}"

    # ----- encryption at rest ------------------------------------------------------------------
    @property
    def key_path(self) -> Path:
        return self.root / KEY_FILE

    @property
    def marker_path(self) -> Path:
        return self.cases_dir / ENCRYPTED_MARKER

    @property
    def encrypted(self) -> bool:
        """Whether the store is encrypted: its cases open only once unlocked. Known by its key file,
        or by the marker written with it, or (a store encrypted by an earlier release, whose key
        file is lost) by its encrypted index: a store that lost its key file is still encrypted, so
        nothing is written to it plain and `encrypt` makes no second key. Consulted at every save:
        two stats, and the index's first bytes read once per Store."""
        if os.path.lexists(self.key_path) or os.path.lexists(self.marker_path):
            return True
        if self._encrypted_files is None:
            self._encrypted_files = _holds_encrypted_files(self.index_dir, self.cases_dir)
        return self._encrypted_files

    @property
    def converting(self) -> bool:
        """Whether `coregroup encrypt` has started on this store and not yet finished: only then is
        a plain case file read in an encrypted store (else it was not written by the store)."""
        return os.path.lexists(self.cases_dir / CONVERTING)

    @property
    def locked(self) -> bool:
        """Encrypted, and not unlocked yet: nothing of it can be read or written."""
        return self._key is None and self.encrypted

    def _cipher(self) -> StoreKey | None:
        """The store key of an encrypted store (StoreLocked if not unlocked); None for a plain store."""
        if self._key is None and self.encrypted:
            raise StoreLocked(self.root)
        return self._key

    def _read_key_file(self) -> KeyFile:
        try:
            raw = read_bytes(self.key_path)
        except FileNotFoundError:
            raise StoreLocked(self.root) from None  # encrypted, and its key file is missing: say so
        except OSError as exc:
            raise StoreError(f"The store's key file {self.key_path} cannot be read ({exc.strerror}).") from None
        self._key_file = KeyFile.parse(raw, self.key_path)
        return self._key_file

    def unlock(self, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
        """Unlock an encrypted store with its passphrase or recovery key. A wrong one raises
        WrongSecret (a StoreError saying so) and changes nothing."""
        if not self.encrypted:
            return
        self._key = self._read_key_file().open_with(passphrase=passphrase, recovery_key=recovery_key, where=self.root)

    def unlock_from_keyring(self) -> bool:
        """Unlock with the store key kept in the system's keyring, if it was put there (`encrypt --keyring`)."""
        if not self.encrypted or self._key is not None:
            return self._key is not None
        self._key = self._read_key_file().from_keyring()
        return self._key is not None

    def start_encryption(self, passphrase: str) -> str:
        """Make a store key and write the key file (first, whole, only if there is none): from now
        on everything written is encrypted, and `encrypt_files` converts what is still plain.
        Returns the recovery key, to be shown to the user once."""
        if self.read_only:
            raise ReadOnly(f"You cannot write to the store at {self.root}: nothing was changed.")
        if self.encrypted:
            if not os.path.lexists(self.key_path):
                raise StoreLocked(self.root)  # its key file is lost: never a second key
            raise StoreError(f"The store at {self.root} is already encrypted.")
        problem = passphrase_problem(passphrase)
        if problem:
            raise StoreError(f"{problem} Nothing was changed.")
        for case_id, holder in self.open_for_editing():
            raise StoreError(
                f"Case {case_id} is open for editing by {holder.describe()}. Close it, then run `coregroup encrypt` "
                "again: nothing was changed."
            )
        key = StoreKey.generate()
        key_file, recovery_key = KeyFile.new(key, passphrase)
        write_new(self.cases_dir / CONVERTING, b"")  # first: plain files are read until all are encrypted
        if not write_new(self.key_path, key_file.dump()):
            raise StoreError(
                f"The store at {self.root} was encrypted by someone else just now: nothing was changed here. Run "
                "`coregroup encrypt` again with their passphrase to finish it."
            )
        self._key, self._key_file = key, key_file
        self._mark_encrypted()
        return recovery_key

    def _mark_encrypted(self) -> None:
        """Write the marker that says the store is encrypted (after the key file: a kill between the
        two leaves a key file, which says it too; `encrypt_files` writes a marker still missing)."""
        if not os.path.lexists(self.marker_path):
            write_new(self.marker_path, MARKER_TEXT)

    def holds_case_files(self) -> bool:
        """Whether the store holds any case's file (a case, its backup or its history), whatever
        its index says: a store that does not may be encrypted with nothing to convert."""
        try:
            names = os.listdir(self.cases_dir)
        except FileNotFoundError:
            return False
        return any(
            not n.endswith(".lock") and _kind_of_file("cases", n) == "own" and _OWN_OF_CASE.match(n) for n in names
        )

    def open_for_editing(self) -> Iterator[tuple[str, LockHolder]]:
        """The cases another process has open for editing now, and who has each."""
        for lock_path in sorted(self.cases_dir.glob("*.lock")):
            holder = FileLock(lock_path).current_holder()
            if holder is not None:
                yield lock_path.stem, holder

    def encrypt_files(self, on_file: Callable[[Path], None] | None = None) -> tuple[int, list[str]]:
        """Encrypt every file of an unlocked encrypted store that is still plain, one atomic
        replacement at a time: a kill at any moment leaves each file whole, in one form or the
        other, and both are read. Returns how many files were encrypted, and the cases left as they
        are because another process has them open for editing (run it again when they are closed)."""
        cipher = self._cipher()
        if cipher is None:
            raise StoreError(f"The store at {self.root} is not encrypted: `coregroup encrypt` does that.")
        if self.read_only:
            raise ReadOnly(f"You cannot write to the store at {self.root}: nothing was changed.")
        self._mark_encrypted()
        converted, busy = 0, []
        for case_id, paths in self._files_of_cases().items():
            lock = FileLock(self._lock_path(case_id))
            try:
                lock.acquire(case_id)
            except CaseLocked:
                busy.append(case_id)
                continue
            try:
                remove_leftovers(self.case_path(case_id))  # a killed save's temporary copy may be plain
                for path in paths:
                    converted += _encrypt_file(path, cipher, CASE, on_file)
                remove_leftovers(self.history_path(case_id))
                converted += _encrypt_history(self.history_path(case_id), cipher, on_file)
            finally:
                lock.release()
        with self._index_lock():
            # Every shard's killed write, even of a shard never written whole (the first import of a
            # store): while the index's lock is held, nobody is in the middle of writing one.
            for name in os.listdir(self.index_dir):
                if _temp_target(name) is not None:
                    with contextlib.suppress(FileNotFoundError):
                        (self.index_dir / name).unlink()
            for shard in sorted(self.index_dir.glob("[0-9][0-9].json")):
                converted += _encrypt_file(shard, cipher, INDEX, on_file)
        if not busy:  # every file encrypted: from now on a plain case file is not the store's
            with contextlib.suppress(FileNotFoundError):
                (self.cases_dir / CONVERTING).unlink()
        return converted, busy

    def left_plain(self) -> list[Path]:
        """In an encrypted store, the files under its folder that hold data in plain and are not
        the store's own, so `encrypt` does not encrypt them: a copy put there by hand ("A
        copy.json"), anything in a folder of the user's; and a temporary copy a stopped command
        left (not written to for `STALE_AFTER` seconds; `encrypt` removes them). The user is told
        to move them out or delete them. Empty for a plain store. Only files of unknown names are
        opened, for their first bytes: cheap enough to run with every command."""
        if not self.encrypted:
            return []
        found: list[Path] = []
        now = time.time()
        for folder, dirs, names in os.walk(self.root):
            dirs.sort()
            where = Path(folder)
            place = where.relative_to(self.root).as_posix()
            for name in sorted(names):
                kind = _kind_of_file(place, name)
                if kind == "own":
                    continue
                path = where / name
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
                    continue  # a link, a pipe: holds nothing of its own here; nor does an empty file
                if kind == "temp" and now - info.st_mtime < STALE_AFTER:
                    continue  # another process may be writing it now
                if not _starts_encrypted(path):
                    found.append(path)
        return found

    def _files_of_cases(self) -> dict[str, list[Path]]:
        """Each case's files in the cases folder: the case file, its backup, damaged files set aside."""
        found: dict[str, list[Path]] = {}
        for path in sorted(self.cases_dir.iterdir()):
            name = path.name
            leftover = _temp_target(name) or (name.removesuffix(".new") if name.endswith(".json.bak.new") else None)
            if leftover is not None:  # a killed write's copy: its case's lock is taken to remove it
                with contextlib.suppress(InvalidRecord):
                    found.setdefault(check_case_id(_case_of(leftover)), [])
                continue
            if name.endswith(".history") and not name.startswith("."):
                with contextlib.suppress(InvalidRecord):
                    found.setdefault(check_case_id(name.removesuffix(".history")), [])
                continue
            if name.startswith(".") or ".json" not in name:
                continue
            case_id, _, rest = name.partition(".json")
            if rest not in ("", ".bak") and not rest.startswith(".damaged-"):
                continue
            try:
                check_case_id(case_id)
            except InvalidRecord:
                continue
            found.setdefault(case_id, []).append(path)
        return found

    def change_passphrase(self, passphrase: str) -> None:
        """Wrap the store key under a new passphrase. The cases are not encrypted again."""
        self._rewrite_key_file(lambda kf, key: kf.with_passphrase(key, passphrase), check=passphrase)

    def new_recovery_key(self) -> str:
        """Replace the recovery key (the old one stops working); returns the new one, to show once."""
        made: list[str] = []

        def change(key_file: KeyFile, key: StoreKey) -> KeyFile:
            changed, recovery_key = key_file.with_recovery_key(key)
            made.append(recovery_key)
            return changed

        self._rewrite_key_file(change)
        return made[0]

    def keep_key_in_keyring(self) -> None:
        """Keep the store key in the system's keyring too, so that this user is not asked for the passphrase."""
        key_file = self._read_key_file()
        key = self._cipher()
        assert key is not None
        keyring_put(key_file.store_id, key)
        self._rewrite_key_file(lambda kf, _: kf.with_keyring(True))

    def _rewrite_key_file(self, change: Callable[[KeyFile, StoreKey], KeyFile], *, check: str | None = None) -> None:
        key = self._cipher()
        if key is None:
            raise StoreError(f"The store at {self.root} is not encrypted: `coregroup encrypt` does that.")
        if self.read_only:
            raise ReadOnly(f"You cannot write to the store at {self.root}: nothing was changed.")
        problem = passphrase_problem(check) if check is not None else ""
        if problem:
            raise StoreError(f"{problem} Nothing was changed.")
        changed = change(self._read_key_file(), key)
        atomic_write(self.key_path, changed.dump())
        self._key_file = changed

    # ----- cases -------------------------------------------------------------------------
    def case_path(self, case_id: str) -> Path:
        return self.cases_dir / f"{check_case_id(case_id)}.json"

    def exists(self, case_id: str) -> bool:
        return self.case_path(case_id).exists()

    def history_path(self, case_id: str) -> Path:
        return history_path(self.case_path(case_id))

    def history(self, case_id: str) -> list[HistoryEntry]:
        """Every save of a case, oldest first: who, when, from which machine, what changed: the
        history file's entries, then those its case file holds that are not in it yet (the saves of
        a burst still being gathered, even after a kill). A line of the history file that cannot be
        read (torn by a crash) is skipped; `verify_history` says whether the lines are as the store
        wrote them."""
        cipher = self._cipher()
        path = self.history_path(case_id)
        if not path.exists() and not self.case_path(case_id).exists():
            raise StoreError(f"There is no case {case_id} in the store at {self.root}.")
        entries = []
        for item in read_history(path, cipher, plain_allowed=self.converting):
            try:
                entries.append(stored_entry(item))
            except InvalidRecord:
                continue  # not an entry this store wrote: left out, as a torn line is
        tables = self._tables(case_id)
        return entries + self._not_in_history(case_id, _Pending.of_tables(tables).entries, tables)

    def _tables(self, case_id: str) -> Any:
        """A case file's tables as stored (None when it is missing or cannot be read)."""
        path = self.case_path(case_id)
        try:
            return orjson.loads(plain_bytes(read_bytes(path), self._cipher(), CASE, path))
        except (OSError, ValueError, LinkInStore):
            return None

    def _not_in_history(self, case_id: str, entries: list[HistoryEntry], tables: Any) -> list[HistoryEntry]:
        """Of the `entries` a case file (`tables`) holds for its history, those not in the history
        file yet: a save stopped between its two writes leaves them written after the end the case
        file records, and they are not written (or shown) twice."""
        if not entries:
            return []
        recorded = ChainHead.of_tables(tables)
        count = recorded.count if recorded is not None else 0
        cipher = self._cipher()
        path = self.history_path(case_id)
        if history_tail(path, cipher, plain_allowed=self.converting).count <= count:
            return entries
        written = {
            orjson.dumps({k: v for k, v in item.items() if k not in CHAIN_FIELDS}, option=orjson.OPT_SORT_KEYS)
            for _, item in history_items(path, cipher, plain_allowed=self.converting)[count:]
        }
        return [e for e in entries if _json_key(e, provenance=True) not in written]

    def verify_history(self, case_id: str) -> HistoryCheck:
        """Whether a case's history is as this store wrote it: every line sealed and in its place
        in the chain, and none missing at the end (the case file records where it ends)."""
        cipher = self._cipher()
        path = self.case_path(case_id)
        items = history_items(self.history_path(case_id), cipher, plain_allowed=self.converting)
        head, problem, tables = None, "", None
        try:
            tables = orjson.loads(plain_bytes(read_bytes(path), cipher, CASE, path))
            head = ChainHead.of_tables(tables)
        except FileNotFoundError:
            if not items:
                raise StoreError(f"There is no case {case_id} in the store at {self.root}.") from None
        except (OSError, ValueError, LinkInStore):
            problem = "its case file cannot be read (`coregroup restore` puts its backup back)."
        check = check_chain(case_id, items, head, self.history_key(create=False), case_file_problem=problem)
        held = self._not_in_history(case_id, _Pending.of_tables(tables).entries, tables)
        if not held:
            return check
        words = (
            f" The last entry ({when_words(held[-1].at)}) is still being gathered (held in the case file): the "
            "latest saves of a burst of typing, written with each save and sealed with the case file, added to the "
            "history when the burst ends or the case is closed or next opened."
        )
        if len(held) > 1:
            words += f" {len(held) - 1} more before it could not be written to the history yet and are held there too."
        return dataclasses.replace(check, words=check.words + words)

    def _append_history(self, case_id: str, entries: list[HistoryEntry], head: ChainHead, base: int) -> ChainHead:
        """Append entries to a case's history, chained on from `head` (`base`: how many lines the
        case file records); the caller holds the case's lock. Returns the new head, for the case
        file to record next."""
        if not entries:
            return head
        cipher = self._cipher()
        lines, head = chained(
            [e.to_json(provenance=True) for e in entries], head, base, self.history_key(create=True), case_id
        )
        append_lines(self.history_path(case_id), [history_line(line, cipher) for line in lines])
        return head

    def _history_state(self, case_id: str, tables: Any) -> tuple[ChainHead, int]:
        """Where a case's history ends on disk, and how many lines its case file (`tables`, None if
        it has none or cannot be read) records; the caller holds the case's lock."""
        cipher = self._cipher()
        tail = history_tail(self.history_path(case_id), cipher, plain_allowed=self.converting)
        recorded = ChainHead.of_tables(tables)
        if recorded is not None:
            if tail.count < recorded.count or (tail.count == recorded.count and tail.mac != recorded.mac):
                # Cut, or its last line replaced: chain on from the end the case file knows, so that
                # the next save does not hide the break (`verify_history` goes on finding it).
                return recorded, recorded.count
            return tail, recorded.count
        items = history_items(self.history_path(case_id), cipher, plain_allowed=self.converting)
        return tail, next((i for i, (_, item) in enumerate(items) if "mac" in item), len(items))

    def open(self, case_id: str, *, read_only: bool = False) -> CaseFile:
        """Open a case for editing (taking its lock), or read-only.

        Raises CaseLocked when another process has it open for editing, naming who;
        the caller may then open it read-only.
        """
        self._cipher()  # an encrypted store that is not unlocked: say so, touching nothing
        path = self.case_path(case_id)
        if not path.exists() and not path.is_symlink():
            raise StoreError(f"There is no case {case_id} in the store at {self.root}.")
        return CaseFile(self, case_id, read_only=read_only or self.read_only)

    def create(self, case: Case) -> CaseFile:
        """Save a new case and open it for editing."""
        _validate(case)
        self._write_whole(case, replace=False)
        return self.open(case.id)

    def import_data(self, data: Any, *, replace: bool = False, event: str = "imported") -> Case:
        """Check a case in the export format and save it. Nothing is written if any field is bad.

        The history the file carries is kept, each entry marked as imported by this computer's
        user (what it says of who and when is only what the file claims). A new case records its
        receipt as `event` ("imported", or "migrated" for `coregroup migrate`); a case replaced
        records "replaced", with what the replacement changed."""
        if not isinstance(data, dict):
            raise InvalidRecord("", "the file should hold one case (a JSON object)")
        if event not in ("imported", "migrated"):
            raise ValueError(f"an import records its receipt as imported or migrated, not {event!r}")
        data = dict(data)
        importer = user_name()
        kept = [
            dataclasses.replace(e, imported_by=importer) for e in history_of_file(data.pop("history", None))
        ]  # the case's history, marked as the file's
        with _gc_paused():
            case = schema.load(Case, migrate(data))
        _validate(case)  # exactly what opening it will accept
        self._write_whole(case, replace=replace, imported=kept, event=event)
        return case

    def export_data(self, case_id: str) -> dict[str, Any]:
        """The case in the case file format, with its history when it has one (only then: a case
        imported without history exports exactly the file it was imported from)."""
        with self.open(case_id, read_only=True) as case_file:
            data: dict[str, Any] = schema.dump(case_file.case)
            entries = self.history(case_id)
        exported = export_history(entries)
        if exported:
            data["history"] = exported
        return data

    def _write_whole(
        self, case: Case, *, replace: bool, imported: list[HistoryEntry] | None = None, event: str = "imported"
    ) -> None:
        """Write a whole case. Without `replace`, only a new one: whether it exists is decided
        under its lock, so of two imports of the same new case at once, one is refused.

        The history (written first, then the case file recording where it ends): an import keeps
        the history it carries (`imported`; entries already in the store's history are not added
        twice) and records `event` for a new case; a case made in the app (`imported` None) is
        "created", with its records as added; a replaced case is "replaced", with what the
        replacement changed."""
        if self.read_only:
            raise ReadOnly(f"You cannot write to the store at {self.root}: nothing was changed.")
        cipher = self._cipher()
        key = self.proof_key(create=True)
        tables = tables_of(case)
        lock = FileLock(self._lock_path(case.id))
        try:
            lock.acquire(case.id)
        except CaseLocked:
            if replace:
                raise
            raise self._already(case.id) from None
        try:
            path = self.case_path(case.id)
            if not replace and (path.exists() or path.is_symlink()):
                raise self._already(case.id)
            backup = None
            before: Any = None  # the case file replaced, as JSON (None: there was none, or it was damaged)
            replaced = path.exists() or path.is_symlink()
            damaged = False
            if replaced:
                try:
                    existing = plain_bytes(read_bytes(path), cipher, CASE, path)
                    before = orjson.loads(existing)
                    backup = backup_path(path)
                except (OSError, ValueError, LinkInStore):
                    damaged = True
            # Saves the replaced case file held for its history (a burst being gathered) go in first.
            entries = self._not_in_history(case.id, _Pending.of_tables(before).entries, before)
            entries += self._new_history(case.id, imported)
            if replaced and not isinstance(before, dict):
                entries.append(
                    _entry([FieldChange(HEADER_TABLE, "a damaged case file", "the case as imported")], "replaced")
                )
            elif replaced:
                entries.append(_entry(changes_between(_records(before), _records(tables)), "replaced"))
            elif imported is None:  # made in the app: what it holds is new
                entries.append(_entry(changes_between({}, _records(tables)), "created"))
            else:
                entries.append(_entry([], event))  # a new case imported: its history is the one it carries
            head, base = self._history_state(case.id, before if isinstance(before, dict) else None)
            head = self._append_history(case.id, entries, head, base)
            if damaged:
                _set_aside(path)  # a damaged file must not push the last good save out of the backup
            tables[HISTORY_TABLE] = {"1": head.to_json()}
            number = max(_saves_of(before), self.kept_saves(case.id) or 0) + 1
            tables[SAVES_TABLE] = {"1": {"n": number}}
            atomic_write(path, stored_bytes(seal(dump_json(tables), key), cipher, CASE), backup=backup)
            self.keep_saves(case.id, number)
            self.update_index(CaseSummary.of(case))
        finally:
            lock.release()

    def _new_history(self, case_id: str, imported: list[HistoryEntry] | None) -> list[HistoryEntry]:
        """The entries of an imported history that the store's history of the case does not hold yet."""
        if not imported:
            return []
        held = {_json_key(e) for e in self.history(case_id)} if self.history_path(case_id).exists() else set()
        return [e for e in imported if _json_key(e) not in held]

    @staticmethod
    def _already(case_id: str) -> StoreError:
        return StoreError(
            f"A case with the id {case_id} is already in the store; import with --replace to overwrite it."
        )

    def _lock_path(self, case_id: str) -> Path:
        return self.cases_dir / f"{check_case_id(case_id)}.lock"

    def _saves_path(self, case_id: str) -> Path:
        return self.cases_dir / f"{check_case_id(case_id)}.saves"

    def kept_saves(self, case_id: str) -> int | None:
        """The number of the last save of a case, kept apart from its file; None if none is kept
        (a store of an earlier release, or one copied without it) or it cannot be read: then no
        copy is taken for an earlier one."""
        try:
            text = read_bytes(self._saves_path(case_id)).decode("ascii").strip()
        except (OSError, StoreError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() and len(text) < 19 else None

    def keep_saves(self, case_id: str, number: int) -> None:
        """Keep the number of the save just written apart from the case file (after it: see
        `kept_saves`). Not made durable: after a power cut it may be behind the file, never ahead,
        and a number behind is taken as it is. The caller holds the case's lock."""
        if self.read_only:
            return
        with contextlib.suppress(OSError, StoreError):  # the save itself is on disk: it stands
            atomic_write(self._saves_path(case_id), f"{number}\n".encode(), durable=False)

    def restore_backup(self, case_id: str, *, force: bool = False) -> Path:
        """Put the previous save back in place of a damaged case file; the damaged file is kept aside.

        A case file that opens without problems is left alone unless `force`: restoring it would
        throw away the latest save."""
        cipher = self._cipher()
        path = self.case_path(case_id)
        if not force and path.exists():
            try:
                CaseFile(self, case_id, read_only=True).close()
            except (DamagedFile, InvalidRecord):
                pass
            else:
                raise StoreError(
                    f"Case {case_id} opens without problems, so it was not restored: the backup is the save "
                    "before the latest one. Use --force to put the backup back anyway."
                )
        backup = usable_backup(path, cipher)
        if backup is None:
            raise StoreError(f"There is no readable backup of case {case_id} at {backup_path(path)}.")
        lock = FileLock(self._lock_path(case_id))
        lock.acquire(case_id)
        try:
            try:
                before: Any = orjson.loads(plain_bytes(read_bytes(path), cipher, CASE, path))
            except (OSError, ValueError, StoreError):
                before = None  # damaged: what it held is not known
            restored = plain_bytes(read_bytes(backup), cipher, CASE, backup)
            tables = orjson.loads(restored)
            if not isinstance(tables, dict):
                raise DamagedFile(backup, "it does not hold a case's tables", None)
            if isinstance(before, dict):
                found = changes_between(_records(before), _records(tables))
                # The saves the case file held for its history (a burst being gathered) were made:
                # they go in first (the backup's are in the history, or are part of these).
                held = self._not_in_history(case_id, _Pending.of_tables(before).entries, before)
            else:
                found = [FieldChange(HEADER_TABLE, "a damaged case file", "the previous save, put back")]
                # What the damaged file held is lost; what the backup held goes in, unless the save
                # after it already wrote it to the history.
                held = self._not_in_history(case_id, _Pending.of_tables(tables).entries, tables)
            # The history first, then the case file recording where it now ends (the backup's own
            # record is of the history before its last save).
            head, base = self._history_state(case_id, before if isinstance(before, dict) else None)
            head = self._append_history(case_id, [*held, _entry(found, "restored")], head, base)
            key = self.proof_key(create=True)
            sealed = proven(restored, key)  # only a backup this store proved is sealed again
            tables.pop(PROOF_TABLE, None)
            tables.pop(PENDING_TABLE, None)
            tables[HISTORY_TABLE] = {"1": head.to_json()}
            # A number after every save made: the backup put back is now the latest save.
            number = max(_saves_of(before), _saves_of(tables), self.kept_saves(case_id) or 0) + 1
            tables[SAVES_TABLE] = {"1": {"n": number}}
            body = dump_json(tables)
            kept = _set_aside(path)
            # Through the cipher: a backup left plain by a store being encrypted is put back encrypted.
            atomic_write(path, stored_bytes(seal(body, key) if sealed else body, cipher, CASE))
            self.keep_saves(case_id, number)
            with CaseFile(self, case_id, read_only=True) as case_file:
                self.update_index(CaseSummary.of(case_file.case))
            return kept
        finally:
            lock.release()

    # ----- the index -------------------------------------------------------------------------
    def list_cases(self) -> list[CaseSummary]:
        """The case list, from the index. The index heals itself: a shard it cannot trust (not
        readable, not a list of cases, one missing) is rebuilt from the case files."""
        cipher = self._cipher()
        summaries: list[CaseSummary] = []
        shards = sorted(self.index_dir.glob("[0-9][0-9].json"))
        if len(shards) < INDEX_SHARDS and any(self.cases_dir.glob("*.json")):
            return self.rebuild_index()  # shards deleted, or never written
        for shard in shards:
            try:
                stored = read_bytes(shard)
                if cipher is not None and not is_encrypted(stored):
                    raise ValueError("a plain shard in an encrypted store: not the store's")
                entries = orjson.loads(plain_bytes(stored, cipher, INDEX, shard))
                if not isinstance(entries, dict):
                    raise TypeError("a shard is not an object")
                if any("report_items" not in e for e in entries.values() if isinstance(e, dict)):
                    return self.rebuild_index()  # written by a release before the manager's report
                found = [CaseSummary.from_json(e) for e in entries.values()]
                if any(s.id != key or _shard(key) != shard.stem for s, key in zip(found, entries, strict=True)):
                    raise ValueError("a shard holding another shard's cases, or a case under another id")
                summaries.extend(found)
            except (OSError, ValueError, TypeError, KeyError):
                return self.rebuild_index()
        summaries.sort(key=lambda s: (s.children.casefold(), s.id))
        return summaries

    def update_index(self, summary: CaseSummary) -> None:
        """Put one case's summary in the index; a shard that cannot be trusted is rebuilt instead."""
        if self.read_only:
            return
        cipher = self._cipher()
        shard = self.index_dir / f"{_shard(summary.id)}.json"
        with self._index_lock():
            try:
                entries = read_json(shard, cipher, INDEX)
            except FileNotFoundError:
                entries = {}
            except (OSError, ValueError):
                entries = None
            if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
                entries = None
            if entries is not None:
                if entries.get(summary.id) == summary.to_json():
                    return
                entries[summary.id] = summary.to_json()
                atomic_write(shard, stored_bytes(dump_json(entries), cipher, INDEX))
                return
        self.rebuild_index()  # the other cases of a damaged shard are found again from their files

    def indexed(self, case_id: str) -> CaseSummary | None:
        """The index's summary of one case, if it has a readable one."""
        try:
            entries = read_json(self.index_dir / f"{_shard(case_id)}.json", self._cipher(), INDEX)
            return CaseSummary.from_json(entries[case_id]) if isinstance(entries, dict) else None
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def report(self, today: dt.date) -> list[ReportLine]:
        """The team manager's report, from the index: the case files are not opened."""
        return report_from_summaries(self.list_cases(), today)

    def rebuild_index(self) -> list[CaseSummary]:
        """Rebuild the index from the case files (after damage, or a store copied in by hand). A
        case that cannot be read stays listed, as damaged, so it is never lost from sight."""
        cipher = self._cipher()  # a store not unlocked is not a store of damaged cases
        shards: dict[str, dict[str, Any]] = {f"{n:02d}": {} for n in range(INDEX_SHARDS)}
        summaries = []
        for path in sorted(self.cases_dir.glob("*.json")):
            try:
                check_case_id(path.stem)
            except InvalidRecord:
                continue  # not a case file of this store
            try:
                with CaseFile(self, path.stem, read_only=True) as case_file:
                    summary = CaseSummary.of(case_file.case)
            except StoreLocked:
                raise  # not damaged: its key is missing
            except (StoreError, InvalidRecord) as problem:
                summary = CaseSummary.of_damaged(path.stem, str(problem))
            shards[_shard(summary.id)][summary.id] = summary.to_json()
            summaries.append(summary)
        if not self.read_only:
            with self._index_lock():
                for name, entries in shards.items():
                    atomic_write(self.index_dir / f"{name}.json", stored_bytes(dump_json(entries), cipher, INDEX))
        summaries.sort(key=lambda s: (s.children.casefold(), s.id))
        return summaries

    def _index_lock(self) -> contextlib.AbstractContextManager[None]:
        return exclusive_lock(self.index_dir / ".lock")


class CaseFile:
    """An open case. Edit the records of `case`, then `save` each one; every save is on disk
    (atomically, with the previous save kept) when `save` returns, and in the case's history with it.

    Saves typed on in the same fields (a `Burst`: the same person and machine, the same fields,
    within `GATHER_SECONDS` of the first) are kept as the history shows them: the first as a line of
    the history file, the ones after it merged into one entry that the case file holds (its table
    `_pending_history`), written in the same atomic write as each save, so durable exactly when the
    save is. The save that ends the burst (other fields, another person, the minute up) appends
    that entry, then its own, to the history file, before its case file is written; so does closing
    the case, and opening it for editing after a kill. Lines go first, then the case file recording
    where the history ends: a kill between the two is found as one save stopped, not tampering."""

    def __init__(self, store: Store, case_id: str, *, read_only: bool = False) -> None:
        self.store = store
        self.case_id = case_id
        self.path = store.case_path(case_id)
        self.read_only = read_only
        self.locked_by: LockHolder | None = None
        self._cipher = store._cipher()
        self._lock = FileLock(store._lock_path(case_id))
        if not read_only:
            self._lock.acquire(case_id)
            remove_leftovers(self.path)
            remove_leftovers(store._saves_path(case_id))
        else:
            self.locked_by = self._lock.current_holder()
        self._stamp = _stamp(self.path)  # before reading: a save from now on is seen by `refresh`
        # Before the file: a save's number is kept apart only after its file is in place, so a number
        # read now is never ahead of the file read next, unless an earlier copy was put back.
        self._kept_saves = store.kept_saves(case_id)
        try:
            key = store.proof_key(create=not read_only)
            self._db = TinyDB(
                self.path,
                storage=AtomicStorage,
                read_only=read_only,
                key=key,
                cipher=self._cipher,
                plain_allowed=store.converting,
            )
            with _gc_paused():
                self.case = self._load()
        except BaseException:
            self._lock.release()
            raise
        self._summary = CaseSummary.of(self.case)
        self._history_lock = threading.Lock()
        self._history_end: ChainHead | None = None  # where the history file ends (read at the first save)
        self._history_base = 0  # how many lines of it the case file records
        if not read_only:
            # Saves held in the case file by a run that was killed (or could not write them): into
            # the history now, with their own time and author. If that fails, they stay held.
            with contextlib.suppress(OSError, StoreError):
                self.flush_history()
        if not read_only and store.indexed(case_id) != self._summary:
            store.update_index(self._summary)  # a stale entry (a save killed before its index update)

    def _load(self) -> Case:
        tables = self._db.storage.read()
        if not tables or HEADER_TABLE not in tables:
            raise DamagedFile(self.path, "it holds no case", usable_backup(self.path, self._cipher))
        problem = _shape_problem(tables) or _binding_problem(self.case_id, tables)
        if problem:
            raise DamagedFile(self.path, problem, usable_backup(self.path, self._cipher))
        saved = _saves_of(tables)
        if self._kept_saves is not None and saved < self._kept_saves:
            raise RolledBack(self.path, saved, self._kept_saves, usable_backup(self.path, self._cipher))
        data = dict(tables[HEADER_TABLE][str(HEADER_ID)])
        for name in COLLECTIONS:
            # The order of the file a case was imported from, new records at the end: an export
            # gives back the imported file exactly, whatever order its records were in.
            data[name] = list(tables.get(name, {}).values())
        if self.proven:
            # Written by this store, with this code, and not changed since (files.proven): every
            # record in it was checked field by field before it was written, so the records are
            # built without checking each field again. The rules across records are checked as
            # always; anything unexpected and the case is checked field by field below.
            try:
                case = schema.build(Case, migrate(data))
                case.check()
                return case
            except Exception:  # noqa: BLE001 - the full check below decides, and words any problem
                pass
        try:
            return schema.load(Case, migrate(data))
        except InvalidRecord as problem:
            raise DamagedFile(
                self.path, f"a record is not valid: {problem}", usable_backup(self.path, self._cipher)
            ) from None

    def refresh(self) -> bool:
        """A read-only view: read the case again if its editor saved it since (the file changed).
        True when `case` is a new copy."""
        if not self.read_only:
            return False
        stamp = _stamp(self.path)
        if stamp == self._stamp:
            return False
        self._kept_saves = self.store.kept_saves(self.case_id)
        self._db.storage.close()  # forgets the tables read before: the next read is from the file
        try:
            with _gc_paused():
                case = self._load()
        except (StoreError, InvalidRecord, OSError):
            return False  # caught mid-replace, or damaged: keep showing the last good copy
        self.case, self._stamp = case, stamp
        self.locked_by = self._lock.current_holder()
        return True

    @property
    def proven(self) -> bool:
        """Whether the file, as opened, carries this store's proof of integrity (see `files.proven`)."""
        storage = self._db.storage
        return isinstance(storage, AtomicStorage) and storage.proven

    def save(self, record: Any = None) -> None:
        """Save one record of this case (an Action, a Meeting, a Person ...), replacing the stored
        record with the same number or id, or adding it. With no record, save the case's own
        details (children, plan, agencies). The rules across records are checked first; a record
        they refuse is taken back out of the open case and nothing is written."""
        if self.read_only:
            raise self._read_only()
        put_record(self.case, record)
        self.write(Snapshot.of(self.case, [record]))

    def write(self, snapshot: Snapshot) -> None:
        """Write the copies of records in `snapshot` in one atomic save. Each record is checked
        field by field first; if any is refused, nothing is written. Safe to call from the writer's
        thread: it reads only the snapshot, never the open case."""
        if self.read_only:
            raise self._read_only()
        snapshot.check()
        if self._cipher is None and self.store.encrypted:
            raise StoreError(
                f"The store at {self.store.root} was encrypted while case {self.case_id} was open, so nothing more "
                "is saved to it unencrypted. Close coregroup and open the store again with its passphrase."
            )
        if not self._lock.still_held():
            raise StoreError(
                f"The lock of case {self.case_id} was removed or replaced while the case was open (was the store "
                "moved or deleted?). Nothing more is saved to it, so that another copy is not overwritten."
            )
        storage = self._db.storage
        assert isinstance(storage, AtomicStorage)
        tables = dict(storage.read() or {})
        found = changes_of(tables, snapshot.records)
        for (table, doc_id), data in snapshot.records.items():
            rows = dict(tables.get(table, {}))
            if data is None:
                rows.pop(doc_id, None)
            else:
                rows[doc_id] = data
            tables[table] = rows
        with self._history_lock:
            unwritten = self._record(found, tables)
            self._write_case_file(storage, tables)
        self._db.clear_cache()
        if snapshot.summary is not None and snapshot.summary != self._summary:
            self.store.update_index(snapshot.summary)
            self._summary = snapshot.summary
        if unwritten is not None:  # the save is on disk: say so, and why its history entry waits
            raise HistoryNotWritten(self.case_id, unwritten) from unwritten

    def _record(self, found: list[FieldChange], tables: dict[str, Any]) -> OSError | StoreError | None:
        """Add a save's changes to the case's history (none: nothing is added), in `tables`, the
        case file about to be written: merged into the entry the case file holds if they go on with
        its burst; else that entry, then theirs (the first of a new burst) appended to the history
        file before the case file is written, and `tables` recording where the history now ends.
        An append that fails is returned, to raise once the save itself is on disk; its entries
        stay held in the case file, and are written with the next save (or on closing)."""
        pending = _Pending.of_tables(tables)
        entry = _entry(found) if found else None
        if entry is None:
            return self._write_held(list(pending.held), None, dataclasses.replace(pending, held=()), tables)
        if pending.burst is not None and pending.burst.continues(entry):
            gathering = merged(pending.gathering, entry) if pending.gathering is not None else entry
            return self._write_held(list(pending.held), None, _Pending((), gathering, pending.burst), tables)
        return self._write_held(pending.entries, entry, _Pending((), None, Burst.of(entry)), tables)

    def _write_held(
        self, earlier: list[HistoryEntry], new: HistoryEntry | None, keep: _Pending, tables: dict[str, Any]
    ) -> OSError | StoreError | None:
        """Append `earlier` (entries the case file held) and then `new` to the history file, and put
        in `tables` where it now ends and `keep`, what the case file goes on holding. If the append
        fails, `tables` holds them as well (and the end as it was) and the problem is returned. The
        caller holds `_history_lock`."""
        if not earlier and new is None:
            keep.put(tables)
            return None
        try:
            if self._history_end is None:
                self._history_end, self._history_base = self.store._history_state(self.case_id, tables)
                earlier = self.store._not_in_history(self.case_id, earlier, tables)  # a save stopped midway
            lines = [*earlier, *(e for e in (new,) if e is not None)]
            end = self.store._append_history(self.case_id, lines, self._history_end, self._history_base)
        except (OSError, StoreError) as problem:
            self._history_end = None  # part may be on disk: read where it ends again (none is written twice)
            dataclasses.replace(keep, held=(*earlier, *(e for e in (new,) if e is not None))).put(tables)
            return problem
        self._history_end, self._history_base = end, end.count
        tables[HISTORY_TABLE] = {"1": end.to_json()}
        keep.put(tables)
        return None

    def flush_history(self) -> None:
        """Append the entries the case file holds for the history (the burst being gathered, and
        any that could not be written) to the history file, then write the case file without them,
        recording where the history now ends. Closing does this, and so does opening the case for
        editing (after a kill, the saves held are written with their own time and author)."""
        with self._history_lock:
            if self.read_only:
                return
            storage = self._db.storage
            assert isinstance(storage, AtomicStorage)
            tables = dict(storage.read() or {})
            pending = _Pending.of_tables(tables)
            if not pending.entries:
                return
            problem = self._write_held(pending.entries, None, _Pending(), tables)
            if problem is not None:
                raise problem
            self._write_case_file(storage, tables)
            self._db.clear_cache()

    def _write_case_file(self, storage: AtomicStorage, tables: dict[str, Any]) -> None:
        """Write the case file, numbered as the next save, then keep its number apart; if the write
        fails, the end of the history it records is read again (the file on disk still records the
        end as it was)."""
        number = max(_saves_of(tables), self._kept_saves or 0) + 1
        tables[SAVES_TABLE] = {"1": {"n": number}}
        try:
            storage.write(tables)
        except BaseException:
            self._history_end = None
            raise
        self._kept_saves = number
        self.store.keep_saves(self.case_id, number)

    def _read_only(self) -> ReadOnly:
        return ReadOnly(
            f"Case {self.case_id} is open read-only"
            + (f" ({self.locked_by.describe()} has it open)" if self.locked_by else "")
        )

    def delete(self, record: Any) -> None:
        """Remove a record entered in error (the previous save stays in the backup)."""
        if self.read_only:
            raise self._read_only()
        take_record(self.case, record)
        self.write(Snapshot.of(self.case, [], deleted=[record]))

    def close(self) -> None:
        try:
            if not self.read_only and self._lock.still_held():
                with contextlib.suppress(OSError, StoreError):  # the case itself is saved: closing goes on
                    self.flush_history()
        finally:
            self._db.close()
            self._lock.release()

    def __enter__(self) -> CaseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when a case file is replaced: its inode, size and time."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while a case's records are read and built: every object made is
    kept, so a collection would free nothing, yet with a large case in memory each one walks it
    all (a quarter of the time of opening a five-year case). Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.cache
def _checking_code() -> bytes | None:
    """A digest of the code that decides whether a case file is valid: the modules that check its
    records, and the schema version. A proof made under other code does not hold. None (so no file
    is taken as proven) if that code cannot be read."""
    digest = hashlib.sha256(f"schema version {SCHEMA_VERSION}\n".encode())
    for module in (schema, records, text, migrations):
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except (OSError, TypeError):
            return None
    return digest.digest()


def _shape_problem(tables: Any) -> str:
    """What is wrong with the shape of a case file's tables, in words; empty if nothing is. A file
    of any other shape is damaged, never a crash: it can be reported and restored."""
    if not isinstance(tables, dict):
        return "it is not a set of tables"
    header = tables.get(HEADER_TABLE)
    if not isinstance(header, dict) or not isinstance(header.get(str(HEADER_ID)), dict):
        return "it holds no case details"
    for name in COLLECTIONS:
        table = tables.get(name, {})
        if not isinstance(table, dict) or not all(isinstance(row, dict) for row in table.values()):
            return f"its {name} are not in the form of records"
    return ""


def _binding_problem(case_id: str, tables: dict[str, Any]) -> str:
    """What ties a case file's tables to another case, or a record to another row, in words; empty
    if nothing does. A file swapped with another case's (or its backup), encrypted or not, holds
    that case's id; a row kept under a key other than its record's number or id would be saved
    twice by the next save."""
    found = tables[HEADER_TABLE][str(HEADER_ID)].get("id")
    if found != case_id:
        held = (
            f"case {found}" if isinstance(found, str) and len(found) <= 64 and found.isprintable() else "another case"
        )
        return f"it holds {held}, not case {case_id}: another case's file was put in its place"
    for name, (_, key) in COLLECTIONS.items():
        for row_key, row in tables.get(name, {}).items():
            number = row.get(key)
            if number is not None and str(number) != row_key:
                return f"its {name} table keeps a record numbered {str(number)[:20]!r} under {row_key[:20]!r}"
    return ""


def _saves_of(tables: Any) -> int:
    """The number of the save that wrote a case file's tables (0: one written before saves were numbered)."""
    table = tables.get(SAVES_TABLE) if isinstance(tables, dict) else None
    row = table.get("1") if isinstance(table, dict) else None
    number = row.get("n") if isinstance(row, dict) else None
    return number if type(number) is int and number >= 0 else 0


_TEMP = re.compile(r"^\.(?P<target>.+)\.[A-Za-z0-9_]{8}\.tmp$")  # atomic_write's: .<name>.k3j2h1x9.tmp
_SHARD = re.compile(r"^[0-9]{2}\.json$")
_OWN_OF_CASE = re.compile(r"^(?P<id>.+?)(\.json|\.json\.bak|\.json\.damaged-[0-9-]+|\.lock|\.history|\.saves)$")
#: Files the operating system leaves in any folder; they hold no case data.
_SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def _temp_target(name: str) -> str | None:
    """The name of the file a temporary file of `atomic_write` was a new copy of; None if it is not one."""
    found = _TEMP.match(name)
    return found.group("target") if found else None


def _case_of(name: str) -> str:
    """The case id in the name of one of a case's files (`<id>.json.bak`, `<id>.history`)."""
    return name.removesuffix(".history").partition(".json")[0]


def _kind_of_file(place: str, name: str) -> str:
    """Whether a file at `place` (a folder of the store, relative to it) is one the store keeps
    ("own"), a copy a killed write left ("temp"), or neither ("foreign")."""
    target = _temp_target(name)
    if place == ".":
        return "own" if KEY_FILE in (name, target) or name in _SYSTEM_FILES else "foreign"
    if place == "index":
        if name == ".lock" or _SHARD.match(name) or name in _SYSTEM_FILES:
            return "own"
        return "temp" if target is not None and _SHARD.match(target) else "foreign"
    if place != "cases":
        return "foreign"
    if name in (".proof-key", ENCRYPTED_MARKER, CONVERTING, *_SYSTEM_FILES) or target in (
        ".proof-key",
        ENCRYPTED_MARKER,
        CONVERTING,
    ):
        return "own"  # no case data in these, nor in their copies
    leftover = target if target is not None else (name.removesuffix(".new") if name.endswith(".bak.new") else None)
    found = _OWN_OF_CASE.match(leftover if leftover is not None else name)
    if found is None:
        return "foreign"
    try:
        check_case_id(found.group("id"))
    except InvalidRecord:
        return "foreign"
    return "own" if leftover is None else "temp"


def _starts_encrypted(path: Path) -> bool:
    """Whether a regular file starts with the encryption's header (never following a link, never
    waiting on a pipe); False if it cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        return os.read(fd, len(MAGIC)) == MAGIC
    except OSError:
        return False
    finally:
        os.close(fd)


def _holds_encrypted_files(index_dir: Path, cases_dir: Path) -> bool:
    """Whether a store without a key file or marker holds encrypted files (a store encrypted by an
    earlier release, its key file lost): its index shards, which every release encrypts, are
    checked; when there are none, its case files."""
    try:
        shards = [index_dir / n for n in os.listdir(index_dir) if _SHARD.match(n)]
    except OSError:
        shards = []
    if shards:
        return any(_starts_encrypted(p) for p in shards)
    try:
        cases = [cases_dir / n for n in os.listdir(cases_dir) if n.endswith(".json") and not n.startswith(".")]
    except OSError:
        return False
    return any(_starts_encrypted(p) for p in cases)


def left_plain_words(root: Path, left: list[Path]) -> str:
    """What to tell the user of files left plain in an encrypted store (see `Store.left_plain`)."""
    names = [str(p.relative_to(root)) for p in left]
    if len(names) == 1:
        return (
            f"Left plain: {names[0]} in the encrypted store at {root} is not one of the store's own files (a copy "
            "put there, or left by a command that was stopped), so it was not encrypted and anyone with the folder "
            "can read it. Move it out of the store folder or delete it."
        )
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"Left plain: {len(names)} files in the encrypted store at {root} are not the store's own (copies put "
        "there, or left by a command that was stopped), so they were not encrypted and anyone with the folder can "
        f"read them: {shown}. Move them out of the store folder or delete them."
    )


def _encrypt_file(path: Path, cipher: StoreKey, kind: bytes, on_file: Callable[[Path], None] | None) -> int:
    """Replace a plain file with its encrypted form, atomically; 1 if it was plain, 0 if not (or a link)."""
    try:
        raw = read_bytes(path)
    except (FileNotFoundError, LinkInStore):
        return 0
    if is_encrypted(raw):
        return 0
    atomic_write(path, cipher.encrypt(raw, kind))
    if on_file is not None:
        on_file(path)
    return 1


def _encrypt_history(path: Path, cipher: StoreKey, on_file: Callable[[Path], None] | None) -> int:
    """Encrypt the plain lines of a history file (atomically replaced, as a whole); 1 if any were plain."""
    try:
        raw = read_bytes(path)
    except (FileNotFoundError, LinkInStore):
        return 0
    lines = [line + b"\n" for line in raw.split(b"\n") if line.strip()]
    converted = [encrypted_history_line(line, cipher) for line in lines]
    if converted == lines:
        return 0
    atomic_write(path, b"".join(converted))
    if on_file is not None:
        on_file(path)
    return 1


def _entry(found: list[FieldChange], event: str = "") -> HistoryEntry:
    """A history entry for a save (or an `event`) made now, by this computer's user, on this computer."""
    return HistoryEntry(now_utc(), user_name(), socket.gethostname(), tuple(found), event)


def _json_key(entry: HistoryEntry, *, provenance: bool = False) -> bytes:
    """An entry as a case file carries it (without the store's provenance): the same save is not
    kept twice, whoever imported it. With `provenance`, as a line of the history file holds it."""
    return orjson.dumps(entry.to_json(provenance=provenance), option=orjson.OPT_SORT_KEYS)


@dataclasses.dataclass(frozen=True)
class _Pending:
    """What a case file holds for its history that is not in the history file yet (its table
    `_pending_history`): `held`, entries whose lines could not be written (a full disk), oldest
    first; `gathering`, the saves of the current burst after its first, merged into one entry;
    `burst`, the burst the next save may go on with."""

    held: tuple[HistoryEntry, ...] = ()
    gathering: HistoryEntry | None = None
    burst: Burst | None = None

    @property
    def entries(self) -> list[HistoryEntry]:
        """The entries to add to the history, in order (a burst whose changes were all undone adds none)."""
        return [*self.held, *(e for e in (self.gathering,) if e is not None and e.changes)]

    @classmethod
    def of_tables(cls, tables: Any) -> _Pending:
        """What a case file's tables hold (nothing, for a file written before there was a pending
        table; a part that is not as written is left out)."""
        table = tables.get(PENDING_TABLE) if isinstance(tables, dict) else None
        row = table.get("1") if isinstance(table, dict) else None
        if not isinstance(row, dict):
            return cls()
        held = []
        for item in row.get("held") or ():
            with contextlib.suppress(InvalidRecord):
                held.append(stored_entry(item, PENDING_TABLE))
        gathering = None
        if row.get("gathering") is not None:
            with contextlib.suppress(InvalidRecord):
                gathering = stored_entry(row["gathering"], PENDING_TABLE)
        return cls(tuple(held), gathering, Burst.from_json(row.get("burst")))

    def put(self, tables: dict[str, Any]) -> None:
        """Put this in a case file's `tables` (the table left out when there is nothing to hold)."""
        if not self.held and self.gathering is None and self.burst is None:
            tables.pop(PENDING_TABLE, None)
            return
        row = {
            "held": [e.to_json(provenance=True) for e in self.held],
            "gathering": self.gathering.to_json(provenance=True) if self.gathering is not None else None,
            "burst": self.burst.to_json() if self.burst is not None else None,
        }
        tables[PENDING_TABLE] = {"1": row}


def _records(tables: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """A case file's tables as records keyed by (table, key), as a Snapshot's (the proof left out)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    if not isinstance(tables, dict):
        return found
    for table, rows in tables.items():
        if table in (PROOF_TABLE, HISTORY_TABLE, PENDING_TABLE, SAVES_TABLE) or not isinstance(rows, dict):
            continue
        for key, row in rows.items():
            if isinstance(row, dict):
                found[(str(table), str(key))] = row
    return found


def _validate(case: Case) -> None:
    schema.load(Case, schema.dump(case))


def _set_aside(path: Path) -> Path:
    """Keep a damaged case file beside it (it may hold the only copy of some notes), by a hard link
    where it can be: the file stays in place until the write that replaces it, so a kill in
    between leaves a case file, never none. Whatever cannot be linked (a folder, say) is moved."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    if path.exists() or path.is_symlink():
        try:
            if not path.is_file() or path.is_symlink():
                raise IsADirectoryError(path)  # not a regular file: out of the way, whole
            os.link(path, kept, follow_symlinks=False)
        except OSError:
            os.replace(path, kept)
    return kept
