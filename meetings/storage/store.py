"""The case store: one TinyDB file per case, a small index for listing, one writer per case.

Layout of a store folder (all private to its owner)::

    cases/<id>.json       the case: a TinyDB file, a table per kind of record
    cases/<id>.json.bak   the previous save, kept by every write
    cases/<id>.lock       held while the case is open for editing; says by whom
    cases/<id>.json.damaged-<when>   a damaged file set aside by `restore` or a re-import
    cases/.proof-key      a random secret of this store, for the proof of integrity in each case file
    index/NN.json         case summaries for the case list, in 64 shards, so that updating
                          one case's summary rewrites a small file whatever the store's size
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import hmac
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB

from ..domain import migrations, records, schema, text
from ..domain.migrations import migrate
from ..domain.records import COLLECTION_OF, COLLECTIONS, SCHEMA_VERSION, Case, check_case_id
from ..domain.schema import InvalidRecord
from .base import (
    HEADER_ID,
    HEADER_TABLE,
    CaseSummary,
    Snapshot,
)
from .files import (
    AtomicStorage,
    CaseLocked,
    DamagedFile,
    FileLock,
    LockHolder,
    ReadOnly,
    StoreError,
    atomic_write,
    backup_path,
    dump_json,
    exclusive_lock,
    make_private_dir,
    proof_key,
    proven,
    read_json,
    remove_leftovers,
    seal,
    usable_backup,
)

__all__ = ["CaseFile", "CaseLocked", "CaseSummary", "DamagedFile", "ReadOnly", "Snapshot", "Store", "StoreError"]

INDEX_SHARDS = 64


def _shard(case_id: str) -> str:
    return f"{zlib.crc32(case_id.encode()) % INDEX_SHARDS:02d}"


class Store:
    """A folder of cases. Safe to share between processes: each case has one writer at a time."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.cases_dir = make_private_dir(self.root / "cases")
        self.index_dir = make_private_dir(self.root / "index")
        os.chmod(self.root, 0o700) if os.name == "posix" else None
        self._proof_key: bytes | None = None

    def proof_key(self, *, create: bool) -> bytes | None:
        """The key that proves this store wrote a case file, with the code that checked it (see
        `_checking_code`); None if the store has no secret yet and `create` is false."""
        if self._proof_key is None:
            code = _checking_code()
            secret = proof_key(self.cases_dir / ".proof-key", create=create)
            if code is None or secret is None:
                return None
            self._proof_key = hmac.digest(secret, b"coregroup case file proof\0" + code, "sha256")
        return self._proof_key

    def describe(self) -> str:
        return f"the folder {self.root}"

    # ----- cases -------------------------------------------------------------------------
    def case_path(self, case_id: str) -> Path:
        return self.cases_dir / f"{check_case_id(case_id)}.json"

    def exists(self, case_id: str) -> bool:
        return self.case_path(case_id).exists()

    def open(self, case_id: str, *, read_only: bool = False) -> CaseFile:
        """Open a case for editing (taking its lock), or read-only.

        Raises CaseLocked when another process has it open for editing, naming who;
        the caller may then open it read-only.
        """
        path = self.case_path(case_id)
        if not path.exists():
            raise StoreError(f"There is no case {case_id} in the store at {self.root}.")
        return CaseFile(self, case_id, read_only=read_only)

    def create(self, case: Case) -> CaseFile:
        """Save a new case and open it for editing."""
        _validate(case)
        if self.exists(case.id):
            raise StoreError(f"A case with the id {case.id} already exists.")
        self._write_whole(case)
        return self.open(case.id)

    def import_data(self, data: Any, *, replace: bool = False) -> Case:
        """Check a case in the export format and save it. Nothing is written if any field is bad."""
        if not isinstance(data, dict):
            raise InvalidRecord("", "the file should hold one case (a JSON object)")
        with _gc_paused():
            case = schema.load(Case, migrate(dict(data)))
        if self.exists(case.id) and not replace:
            raise StoreError(
                f"A case with the id {case.id} is already in the store; import with --replace to overwrite it."
            )
        self._write_whole(case)
        return case

    def export_data(self, case_id: str) -> dict[str, Any]:
        with self.open(case_id, read_only=True) as case_file:
            data: dict[str, Any] = schema.dump(case_file.case)
            return data

    def _write_whole(self, case: Case) -> None:
        key = self.proof_key(create=True)
        content = seal(dump_json(_tables(case)), key)
        lock = FileLock(self._lock_path(case.id))
        lock.acquire(case.id)
        try:
            path = self.case_path(case.id)
            backup = None
            if path.exists():
                try:
                    existing = path.read_bytes()
                    if not proven(existing, key):  # a file the store wrote is whole JSON: no need to parse it
                        orjson.loads(existing)
                    backup = backup_path(path)
                except (OSError, ValueError):
                    _set_aside(path)  # a damaged file must not push the last good save out of the backup
            atomic_write(path, content, backup=backup)
            self.update_index(CaseSummary.of(case))
        finally:
            lock.release()

    def _lock_path(self, case_id: str) -> Path:
        return self.cases_dir / f"{check_case_id(case_id)}.lock"

    def restore_backup(self, case_id: str, *, force: bool = False) -> Path:
        """Put the previous save back in place of a damaged case file; the damaged file is kept aside.

        A case file that opens without problems is left alone unless `force`: restoring it would
        throw away the latest save."""
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
        backup = usable_backup(path)
        if backup is None:
            raise StoreError(f"There is no readable backup of case {case_id} at {backup_path(path)}.")
        lock = FileLock(self._lock_path(case_id))
        lock.acquire(case_id)
        try:
            kept = _set_aside(path)
            atomic_write(path, backup.read_bytes())
            with CaseFile(self, case_id, read_only=True) as case_file:
                self.update_index(CaseSummary.of(case_file.case))
            return kept
        finally:
            lock.release()

    # ----- the index -------------------------------------------------------------------------
    def list_cases(self) -> list[CaseSummary]:
        summaries: list[CaseSummary] = []
        for shard in sorted(self.index_dir.glob("[0-9][0-9].json")):
            try:
                entries = read_json(shard)
                summaries.extend(CaseSummary.from_json(e) for e in entries.values())
            except (OSError, ValueError, TypeError, KeyError):
                return self.rebuild_index()
        summaries.sort(key=lambda s: (s.children.casefold(), s.id))
        return summaries

    def update_index(self, summary: CaseSummary) -> None:
        shard = self.index_dir / f"{_shard(summary.id)}.json"
        with self._index_lock():
            try:
                entries = read_json(shard)
            except (OSError, ValueError):
                entries = {}
            if entries.get(summary.id) == summary.to_json():
                return
            entries[summary.id] = summary.to_json()
            atomic_write(shard, dump_json(entries))

    def rebuild_index(self) -> list[CaseSummary]:
        """Rebuild the index from the case files (after damage, or a store copied in by hand)."""
        shards: dict[str, dict[str, Any]] = {f"{n:02d}": {} for n in range(INDEX_SHARDS)}
        summaries = []
        for path in sorted(self.cases_dir.glob("*.json")):
            try:
                with CaseFile(self, path.stem, read_only=True) as case_file:
                    summary = CaseSummary.of(case_file.case)
            except (StoreError, InvalidRecord):
                continue  # a damaged case is reported when it is opened, not hidden here
            shards[_shard(summary.id)][summary.id] = summary.to_json()
            summaries.append(summary)
        with self._index_lock():
            for name, entries in shards.items():
                atomic_write(self.index_dir / f"{name}.json", dump_json(entries))
        summaries.sort(key=lambda s: (s.children.casefold(), s.id))
        return summaries

    def _index_lock(self) -> contextlib.AbstractContextManager[None]:
        return exclusive_lock(self.index_dir / ".lock")


class CaseFile:
    """An open case. Edit the records of `case`, then `save` each one; every save is on disk
    (atomically, with the previous save kept) when `save` returns."""

    def __init__(self, store: Store, case_id: str, *, read_only: bool = False) -> None:
        self.store = store
        self.case_id = case_id
        self.path = store.case_path(case_id)
        self.read_only = read_only
        self.locked_by: LockHolder | None = None
        self._lock = FileLock(store._lock_path(case_id))
        if not read_only:
            self._lock.acquire(case_id)
            remove_leftovers(self.path)
        else:
            self.locked_by = self._lock.current_holder()
        try:
            key = store.proof_key(create=not read_only)
            self._db = TinyDB(self.path, storage=AtomicStorage, read_only=read_only, key=key)
            with _gc_paused():
                self.case = self._load()
        except BaseException:
            self._lock.release()
            raise
        self._summary = CaseSummary.of(self.case)

    def _load(self) -> Case:
        tables = self._db.storage.read()
        if not tables or HEADER_TABLE not in tables:
            raise DamagedFile(self.path, "it holds no case", usable_backup(self.path))
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
            raise DamagedFile(self.path, f"a record is not valid: {problem}", usable_backup(self.path)) from None

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
        if isinstance(record, Case) and record is not self.case:
            raise ValueError("save(case) saves the open case's own details: edit case_file.case, then save it")
        if record is not None and not isinstance(record, Case):
            name = COLLECTION_OF.get(type(record))
            if name is None:
                raise TypeError(f"a {type(record).__name__} is not a record of a case")
            key = COLLECTIONS[name][1]
            schema.load(type(record), schema.dump(record), f"{name}[{getattr(record, key)}]")
            records: list[Any] = getattr(self.case, name)
            position = next((i for i, r in enumerate(records) if getattr(r, key) == getattr(record, key)), None)
            previous = records[position] if position is not None else None
            if position is None:
                records.append(record)
            elif previous is not record:
                records[position] = record
            try:
                self.case.check()
            except InvalidRecord:
                if position is None:
                    records.pop()
                else:
                    records[position] = previous
                raise
        else:
            self.case.check()
        self.write(Snapshot.of(self.case, [record]))

    def write(self, snapshot: Snapshot) -> None:
        """Write the copies of records in `snapshot` in one atomic save. Each record is checked
        field by field first; if any is refused, nothing is written. Safe to call from the writer's
        thread: it reads only the snapshot, never the open case."""
        if self.read_only:
            raise self._read_only()
        for (table, _), data in snapshot.records.items():
            if data is None:
                continue
            if table == HEADER_TABLE:
                schema.load(Case, {**data, **{name: [] for name in COLLECTIONS}})
            else:
                schema.load(COLLECTIONS[table][0], data, f"{table}[{data[COLLECTIONS[table][1]]}]")
        if not self._lock.still_held():
            raise StoreError(
                f"The lock of case {self.case_id} was removed or replaced while the case was open (was the store "
                "moved or deleted?). Nothing more is saved to it, so that another copy is not overwritten."
            )
        storage = self._db.storage
        assert isinstance(storage, AtomicStorage)
        tables = dict(storage.read() or {})
        for (table, doc_id), data in snapshot.records.items():
            rows = dict(tables.get(table, {}))
            if data is None:
                rows.pop(doc_id, None)
            else:
                rows[doc_id] = data
            tables[table] = rows
        storage.write(tables)
        self._db.clear_cache()
        if snapshot.summary is not None and snapshot.summary != self._summary:
            self.store.update_index(snapshot.summary)
            self._summary = snapshot.summary

    def _read_only(self) -> ReadOnly:
        return ReadOnly(
            f"Case {self.case_id} is open read-only"
            + (f" ({self.locked_by.describe()} has it open)" if self.locked_by else "")
        )

    def delete(self, record: Any) -> None:
        """Remove a record entered in error (the previous save stays in the backup)."""
        if self.read_only:
            raise self._read_only()
        name = COLLECTION_OF[type(record)]
        key = COLLECTIONS[name][1]
        records: list[Any] = getattr(self.case, name)
        records[:] = [r for r in records if getattr(r, key) != getattr(record, key)]
        self.write(Snapshot.of(self.case, [], deleted=[record]))

    def close(self) -> None:
        self._db.close()
        self._lock.release()

    def __enter__(self) -> CaseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


def _validate(case: Case) -> None:
    schema.load(Case, schema.dump(case))


def _set_aside(path: Path) -> Path:
    """Move a damaged case file out of the way, keeping it (it may hold the only copy of some notes)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    if path.exists():
        os.replace(path, kept)
    return kept


def _tables(case: Case) -> dict[str, dict[str, Any]]:
    data = schema.dump(case)
    tables: dict[str, dict[str, Any]] = {}
    for name, (_, key) in COLLECTIONS.items():
        tables[name] = {str(r[key]): r for r in data.pop(name)}
    tables[HEADER_TABLE] = {str(HEADER_ID): data}
    return tables
