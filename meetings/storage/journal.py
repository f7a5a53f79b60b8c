"""Saves kept on this computer while the team's store cannot be reached.

One file per case: each save is one line (the records that changed, the version of the case they
were based on, and the save's own id), appended and flushed to the disk before the save returns,
so a crash, a kill or a closed lid loses nothing that was saved. A line torn by a crash while it
was being written is the only one that can be incomplete, and it is skipped. The file is private
to its owner, and removed once everything in it is on the server.

A save's id is what the server keeps of the last save written to a case (`cg_cases.last_save`):
when the answer to a save is lost on the way back, the journal says which of its saves the server
already holds. Lines written by an earlier release have no id, and are read as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from .base import CaseSummary, Snapshot
from .files import FILE_MODE, make_private_dir

CONFLICT = ".conflict-"  # what a journal set aside is called: `<case>.journal.conflict-<when>`


@dataclass(frozen=True)
class Line:
    """One kept save: the version it was based on, its id (None from an earlier release), its records."""

    based_on: int
    save: str | None
    snapshot: Snapshot


def merged(lines: list[Line]) -> Snapshot | None:
    """Every save of `lines` as one snapshot (the newest copy of each record wins)."""
    if not lines:
        return None
    return functools.reduce(lambda older, newer: older.then(newer), (line.snapshot for line in lines))


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, snapshot: Snapshot, based_on: int, save: str | None = None) -> None:
        make_private_dir(self.path.parent)
        line = orjson.dumps(
            {
                "based_on": based_on,
                "save": save,
                "records": [[table, key, data] for (table, key), data in snapshot.records.items()],
                "summary": snapshot.summary.to_json() if snapshot.summary else None,
            }
        )
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, FILE_MODE)
        try:
            os.write(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> list[Line]:
        """Every kept save, oldest first (a torn line skipped)."""
        with contextlib.suppress(FileNotFoundError):
            return lines_of(self.path.read_bytes())
        return []

    def read(self) -> tuple[int, Snapshot | None]:
        """The version the first kept save was based on, and every kept save as one snapshot (the
        newest copy of each record wins)."""
        kept = self.lines()
        return (kept[0].based_on if kept else 0), merged(kept)

    def set_aside(self) -> Path:
        """Keep the journal under another name (it could not be written: a conflict), out of the way."""
        kept = self.path.with_name(f"{self.path.name}{CONFLICT}{dt.datetime.now():%Y%m%d-%H%M%S}")
        self.path.rename(kept)
        return kept

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@dataclass(frozen=True)
class ConflictCopy:
    """A journal set aside because it could not be written (the case changed meanwhile)."""

    case_id: str
    when: dt.datetime  # when it was set aside
    saves: int
    path: Path


@runtime_checkable
class KeepsConflicts(Protocol):
    """A store that sets aside saves it could not write (the team's store): listed, reviewed, discarded."""

    def conflicts(self) -> list[ConflictCopy]: ...

    def conflict_changes(self, copy: ConflictCopy, *, show_restricted: bool = False) -> list[str]: ...

    def discard_conflict(self, copy: ConflictCopy) -> None: ...


def conflict_copies(folder: Path) -> list[ConflictCopy]:
    """The journals set aside in `folder`, newest first."""
    found: list[ConflictCopy] = []
    with contextlib.suppress(FileNotFoundError):
        for path in folder.iterdir():
            name, _, stamp = path.name.partition(CONFLICT)
            if not stamp or not name.endswith(".journal") or not path.is_file():
                continue
            try:
                when = dt.datetime.strptime(stamp[:15], "%Y%m%d-%H%M%S")
            except ValueError:
                when = dt.datetime.fromtimestamp(path.stat().st_mtime)
            found.append(ConflictCopy(name.removesuffix(".journal"), when, len(Journal(path).lines()), path))
    found.sort(key=lambda c: (c.when, c.case_id), reverse=True)
    return found


def lines_of(raw: bytes) -> list[Line]:
    found: list[Line] = []
    for text in raw.split(b"\n"):
        try:
            line: dict[str, Any] = orjson.loads(text)
            save = line.get("save")
            found.append(
                Line(
                    int(line["based_on"]),
                    str(save) if save else None,
                    Snapshot(
                        {(str(t), str(k)): d for t, k, d in line["records"]},
                        CaseSummary.from_json(line["summary"]) if line.get("summary") else None,
                    ),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line torn by a crash as it was written (or an empty last line)
    return found
