"""Saves kept on this computer while the team's store cannot be reached.

One file per case: each save is one line (the records that changed, the version of the case they
were based on, and the save's own id), appended and flushed to the disk before the save returns,
so a crash, a kill or a closed lid loses nothing that was saved. A line torn by a crash while it
was being written is the only one that can be incomplete, and it is skipped. The file is private
to its owner, and removed once everything in it is on the server.

When the council requires encryption, each line is encrypted (AES-256-GCM, see `crypto`) under
this computer's journal key, kept in `store-key.json` in the journal's root folder, locked by a
passphrase and a recovery key as a store of files' key is: a line is then `enc:` and the base64 of
the encrypted save. Plain lines (an earlier release's, or before encryption was set up) are read
as they are; an encrypted line is never read without the key (`StoreLocked`), never skipped.

A save's id is what the server keeps of the last save written to a case (`cg_cases.last_save`):
when the answer to a save is lost on the way back, the journal says which of its saves the server
already holds. Lines written by an earlier release have no id, and are read as before.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from .base import CaseSummary, Snapshot, StoreError
from .crypto import StoreKey, Undecryptable
from .files import FILE_MODE, make_private_dir, open_nofollow, read_bytes

ENCRYPTED = b"enc:"  # an encrypted line starts with this
KIND = b"journal"  # what the encryption binds a line to (not a case file, not an index shard)
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


class JournalLocked(StoreError):
    """A journal holding encrypted saves, read before this computer's journal key was unlocked."""


class Journal:
    def __init__(self, path: Path, key: StoreKey | None = None) -> None:
        self.path = path
        self.key = key  # when set, every line written is encrypted under it

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, snapshot: Snapshot, based_on: int, save: str | None = None) -> None:
        make_private_dir(self.path.parent)
        line: bytes = orjson.dumps(
            {
                "based_on": based_on,
                "save": save,
                "records": [[table, key, data] for (table, key), data in snapshot.records.items()],
                "summary": snapshot.summary.to_json() if snapshot.summary else None,
            }
        )
        if self.key is not None:
            line = ENCRYPTED + base64.b64encode(self.key.encrypt(line, KIND))
        fd = open_nofollow(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            os.write(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> list[Line]:
        """Every kept save, oldest first (a torn line skipped)."""
        with contextlib.suppress(FileNotFoundError):
            return lines_of(read_bytes(self.path), self.key, self.path)
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
            found.append(ConflictCopy(name.removesuffix(".journal"), when, _count(path), path))
    found.sort(key=lambda c: (c.when, c.case_id), reverse=True)
    return found


def _count(path: Path) -> int:
    """How many saves a journal holds (encrypted or not: it needs no key to count them)."""
    return sum(1 for line in read_bytes(path).split(b"\n") if line.strip())


def lines_of(raw: bytes, key: StoreKey | None = None, where: Path | None = None) -> list[Line]:
    found: list[Line] = []
    texts = [t for t in raw.split(b"\n") if t.strip()]
    for n, text in enumerate(texts):
        if text.startswith(ENCRYPTED):
            if key is None:
                raise JournalLocked(
                    f"The saves kept on this computer at {where} are encrypted: they open only once this "
                    "computer's journal is unlocked with its passphrase. Nothing was read or changed."
                )
            try:
                text = key.decrypt(base64.b64decode(text[len(ENCRYPTED) :], validate=True), KIND)
            except (Undecryptable, binascii.Error, ValueError):
                if n == len(texts) - 1:
                    continue  # the last line, torn by a crash as it was written
                raise JournalLocked(
                    f"The saves kept on this computer at {where} cannot be decrypted with this computer's journal "
                    "key (changed, damaged, or the key file was replaced). Nothing was read or changed."
                ) from None
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
