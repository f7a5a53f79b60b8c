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

from ..domain import lifecycle, schema
from ..domain.records import COLLECTION_OF, COLLECTIONS, Case

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


EMPTY = Snapshot({})


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


class CaseStore(Protocol):
    """Where a team's cases are kept."""

    def exists(self, case_id: str) -> bool: ...

    def open(self, case_id: str, *, read_only: bool = False) -> OpenCase: ...

    def create(self, case: Case) -> OpenCase: ...

    def import_data(self, data: Any, *, replace: bool = False) -> Case: ...

    def export_data(self, case_id: str) -> dict[str, Any]: ...

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
