"""The store behind an interface: what the app, the command line and the session need of a case
store, whatever keeps the cases (a folder of files today; a database server could be another).

`CaseStore` lists, creates, imports, exports and opens cases; `OpenCase` is one case open for
editing (held by one editor) or read-only, saved by writing `Snapshot`s of its changed records.
The value types and errors here are the same for every backend.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..domain import lifecycle, report, schema
from ..domain.changes import FieldChange, HistoryCheck, HistoryEntry  # noqa: F401 - part of the store interface
from ..domain.records import COLLECTION_OF, COLLECTIONS, Case
from ..domain.schema import InvalidRecord
from ..domain.settings import Settings

#: The council's settings the report items in a case's summary are worked out with (its visit
#: rule, its timescales, its bank holidays): the app and the command line set them once they have
#: read the council's settings file (`use_settings`). Summaries saved before a change of settings
#: follow it when the case is next saved, or at once with `coregroup reindex`.
_SETTINGS = Settings()


def use_settings(settings: Settings) -> None:
    global _SETTINGS
    _SETTINGS = settings


HEADER_TABLE = "case"
HEADER_ID = 1


class StoreError(Exception):
    """A problem with the store that the user can act on; the message says what and where."""


class DamagedFile(StoreError):
    def __init__(self, path: Path, reason: str, backup: Path | None) -> None:
        self.path = path
        self.backup = backup
        hint = (
            f" A backup of the previous save is at {backup}; `coregroup restore` puts it back."
            if backup
            else " No readable backup was found."
        )
        super().__init__(f"The file {path} is damaged and was not changed ({reason}).{hint}")


class RolledBack(DamagedFile):
    """A case file that is an earlier save than the last one the store made: put back from its
    backup or another copy, so the latest saves are not in it. Opened as damaged, so that nothing is
    saved over it by mistake; `coregroup restore` makes the previous save the case again."""

    def __init__(self, path: Path, found: int, latest: int, backup: Path | None) -> None:
        self.path, self.backup, self.found, self.latest = path, backup, found, latest
        case_id = path.name.removesuffix(".json")
        then = (
            f" If a backup of the store folder holds the latest file, put that back; otherwise "
            f"`coregroup restore {case_id}` makes the store's backup of the previous save ({backup}) the case again."
            if backup
            else " If a backup of the store folder holds the latest file, put that back."
        )
        StoreError.__init__(
            self,
            f"The file {path} is an earlier save of case {case_id} than the last one the store made (save {found}; "
            f"the last was save {latest}): it was put back from a backup or another copy, so the latest saves are "
            f"not in it. It was not opened for editing and nothing was changed.{then}",
        )


class ReadOnly(StoreError):
    pass


@dataclass(frozen=True)
class LockHolder:
    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.user} on {self.host} (process {self.pid}) since {self.since}"


class StaleVersion(StoreError):
    """A save based on a version of the case that is no longer the latest: refused, never applied."""

    def __init__(self, case_id: str, based_on: int, latest: int, by: str = "") -> None:
        self.based_on = based_on
        self.latest = latest
        who = f" by {by}" if by else ""
        super().__init__(
            f"Case {case_id} was changed{who} after it was opened here (this copy is version {based_on}, "
            f"the store's is {latest}), so this change was not saved over it. Open the case again to see "
            "the latest version."
        )


class CaseLocked(StoreError):
    def __init__(self, name: str, holder: LockHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder else "another copy of coregroup"
        super().__init__(f"Case {name} is open for editing by {who}. It can be opened read-only.")


@dataclass(frozen=True)
class CaseSummary:
    """What the case list shows of a case, kept in the index so listing never opens case files."""

    id: str
    children: str
    plan_categories: tuple[str, ...]
    icpc_date: str
    lead_social_worker: str = ""
    last_meeting: str | None = None
    next_meeting: str | None = None
    open_action_due: tuple[str | None, ...] = ()
    unanswered_concerns: int = 0
    meetings: int = 0
    plan_ended_on: str | None = None
    damaged: str = ""  # why the case file cannot be read: it stays listed, to be restored
    #: The case's lines of the team manager's report as they fall due (`domain.report.ReportItem`
    #: as JSON), so the report is read from the summaries, never by opening every case.
    report_items: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of_damaged(cls, case_id: str, reason: str) -> CaseSummary:
        return cls(id=case_id, children="(case file damaged)", plan_categories=(), icpc_date="", damaged=reason)

    @classmethod
    def of(cls, case: Case) -> CaseSummary:
        last = lifecycle.latest_meeting(case, finished_only=True)  # "last held": not one in progress
        return cls(
            id=case.id,
            children=case.child_names(),
            plan_categories=tuple(c.value for c in case.plan_categories),
            icpc_date=case.icpc_date.isoformat(),
            lead_social_worker=case.lead_social_worker,
            last_meeting=last.date.isoformat() if last else None,
            next_meeting=next_date.isoformat()
            if last and (next_date := lifecycle.next_meeting_date_of(last))
            else None,
            open_action_due=_due_dates(case),
            unanswered_concerns=sum(1 for c in case.concerns if not c.answered),
            meetings=len(case.meetings),
            plan_ended_on=case.plan_ended_on.isoformat() if case.plan_ended_on else None,
            report_items=tuple(item.to_json() for item in report.report_items(case, _SETTINGS)),
        )

    @property
    def open_actions(self) -> int:
        return len(self.open_action_due)

    def overdue_actions(self, today: dt.date) -> int:
        iso = today.isoformat()
        return sum(1 for due in self.open_action_due if due is not None and due < iso)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "plan_categories": list(self.plan_categories),
            "open_action_due": list(self.open_action_due),
            "report_items": list(self.report_items),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseSummary:
        if not isinstance(data, dict):
            raise TypeError("an index entry is not an object")
        return cls(
            **{
                **data,
                "plan_categories": tuple(data["plan_categories"]),
                "open_action_due": tuple(data["open_action_due"]),
                "report_items": tuple(data.get("report_items", ())),
            }
        )


def _due_dates(case: Case) -> tuple[str | None, ...]:
    dues = [a.due.isoformat() if a.due else None for a in case.actions if a.is_open]
    return tuple(sorted(dues, key=lambda d: (d is None, d or "")))


def record_key(record: Any) -> tuple[str, str]:
    """Where a record is kept in the case file: its table, and its number or id as the row's key."""
    if record is None or isinstance(record, Case):
        return (HEADER_TABLE, str(HEADER_ID))
    name = COLLECTION_OF.get(type(record))
    if name is None:
        raise TypeError(f"a {type(record).__name__} is not a record of a case")
    return (name, str(getattr(record, COLLECTIONS[name][1])))


@dataclass(frozen=True)
class Snapshot:
    """Copies of the records that changed, taken on the thread that changed them, so that the
    writer's thread saves a consistent state without ever reading the records being edited.
    A record's entry is None when it was deleted; `summary` is the case list's line, if known."""

    records: dict[tuple[str, str], dict[str, Any] | None]
    summary: CaseSummary | None = None

    @classmethod
    def of(cls, case: Case, records: Any, *, deleted: Any = ()) -> Snapshot:
        """A snapshot of `records` of `case` (None or the case itself: the case's own details)."""
        copies: dict[tuple[str, str], dict[str, Any] | None] = {}
        for record in records:
            copies[record_key(record)] = (
                header(case) if record is None or isinstance(record, Case) else schema.dump(record)
            )
        for record in deleted:
            copies[record_key(record)] = None
        return cls(copies, CaseSummary.of(case))

    def then(self, newer: Snapshot) -> Snapshot:
        """This snapshot with a newer one on top: the newer copy of each record wins."""
        return Snapshot({**self.records, **newer.records}, newer.summary or self.summary)

    def __bool__(self) -> bool:
        return bool(self.records)

    def check(self) -> None:
        """Check each record field by field, as opening the case will: InvalidRecord for the first
        refused, before anything is written."""
        for (table, _), data in self.records.items():
            if data is None:
                continue
            if table == HEADER_TABLE:
                schema.load(Case, {**data, **{name: [] for name in COLLECTIONS}})
            else:
                schema.load(COLLECTIONS[table][0], data, f"{table}[{data[COLLECTIONS[table][1]]}]")


EMPTY = Snapshot({})


def put_record(case: Case, record: Any = None) -> None:
    """Put `record` in the open `case` (replacing the one with its number or id, or at the end),
    after checking it field by field and against the rules across records; a record refused is
    taken back out, leaving the case as it was. None or the case itself: its own details are
    checked. Every store's `save` does this before writing."""
    if isinstance(record, Case) and record is not case:
        raise ValueError("save(case) saves the open case's own details: edit case_file.case, then save it")
    if record is None or isinstance(record, Case):
        case.check()
        return
    name = COLLECTION_OF.get(type(record))
    if name is None:
        raise TypeError(f"a {type(record).__name__} is not a record of a case")
    key = COLLECTIONS[name][1]
    schema.load(type(record), schema.dump(record), f"{name}[{getattr(record, key)}]")
    records: list[Any] = getattr(case, name)
    position = next((i for i, r in enumerate(records) if getattr(r, key) == getattr(record, key)), None)
    previous = records[position] if position is not None else None
    if position is None:
        records.append(record)
    elif previous is not record:
        records[position] = record
    try:
        case.check()
    except InvalidRecord:
        if position is None:
            records.pop()
        else:
            records[position] = previous
        raise


def take_record(case: Case, record: Any) -> None:
    """Take a record entered in error out of the open case."""
    name = COLLECTION_OF[type(record)]
    key = COLLECTIONS[name][1]
    records: list[Any] = getattr(case, name)
    records[:] = [r for r in records if getattr(r, key) != getattr(record, key)]


def tables_of(case: Case) -> dict[str, dict[str, Any]]:
    """A whole case as a store keeps it: a table per kind of record, each record under its number
    or id, and the case's own details as the one row of the header table."""
    data = schema.dump(case)
    tables: dict[str, dict[str, Any]] = {}
    for name, (_, key) in COLLECTIONS.items():
        tables[name] = {str(r[key]): r for r in data.pop(name)}
    tables[HEADER_TABLE] = {str(HEADER_ID): data}
    return tables


def header(case: Case) -> dict[str, Any]:
    """The case's own fields, without its records (which are stored as tables)."""
    return {f.name: schema.dump(getattr(case, f.name)) for f in dataclasses.fields(Case) if f.name not in COLLECTIONS}


class OpenCase(Protocol):
    """One open case. `case` is the records; `write` saves a snapshot of changed records in one
    atomic step (from any thread: it never reads `case`); `save` checks and saves one record."""

    case: Case
    read_only: bool
    locked_by: LockHolder | None

    def write(self, snapshot: Snapshot) -> None: ...

    def save(self, record: Any = None) -> None: ...

    def delete(self, record: Any) -> None: ...

    def close(self) -> None: ...

    def refresh(self) -> bool:
        """A read-only view: read the case again if its editor saved it since; True if `case` is new."""
        ...

    def __enter__(self) -> OpenCase: ...

    def __exit__(self, *exc: object) -> None: ...


class CaseStore(Protocol):
    """Where a team's cases are kept."""

    def exists(self, case_id: str) -> bool: ...

    def open(self, case_id: str, *, read_only: bool = False) -> OpenCase: ...

    def create(self, case: Case) -> OpenCase: ...

    def import_data(self, data: Any, *, replace: bool = False, event: str = "imported") -> Case:
        """Check a case in the case file format and save it (nothing written if any field is bad).
        Each entry of the file's history is kept marked as imported (`imported_by`: who imported
        it); a new case records its receipt as `event`: "imported", or "migrated" by `coregroup
        migrate`; a replaced case records "replaced", with what the replacement changed."""
        ...

    def export_data(self, case_id: str) -> dict[str, Any]:
        """The case in the case file format, with its history when it has one, less the store's own
        provenance: no `imported_by`, and not the entry recording this store's receipt of the case."""
        ...

    def list_cases(self) -> list[CaseSummary]: ...

    def rebuild_index(self) -> list[CaseSummary]: ...

    def restore_backup(self, case_id: str, *, force: bool = False) -> Path: ...

    def describe(self) -> str: ...

    @property
    def locked(self) -> bool:
        """Encrypted at rest and not unlocked yet: nothing of it can be read until `unlock`."""
        ...

    def unlock(self, *, passphrase: str | None = None, recovery_key: str | None = None) -> None:
        """Unlock an encrypted store; a StoreError saying so, and nothing changed, for a wrong one."""
        ...

    def warnings(self) -> list[str]:
        """What the user should know about where the cases are kept (who else can read them)."""
        ...

    def history(self, case_id: str) -> list[HistoryEntry]:
        """Every save of a case, oldest first: who, when, from where, what changed."""
        ...

    def verify_history(self, case_id: str) -> HistoryCheck:
        """Whether a case's history is whole and as the store recorded it, in words naming the first break."""
        ...

    def report(self, today: dt.date) -> list[report.ReportLine]:
        """The team manager's report for `today`, across every case the user may see, most urgent first."""
        ...


def report_from_summaries(summaries: list[CaseSummary], today: dt.date) -> list[report.ReportLine]:
    """The report worked out from case summaries (a store that keeps them, like the folder's index)."""
    return report.report_from_stored(
        ((s.id, s.children, s.lead_social_worker, s.report_items) for s in summaries if not s.damaged), today
    )
