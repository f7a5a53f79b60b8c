"""Saves kept on this computer while the team's store cannot be reached.

One file per case: each save is one line (the records that changed, and the version of the case
they were based on), appended and flushed to the disk before the save returns, so a crash, a kill
or a closed lid loses nothing that was saved. A line torn by a crash while it was being written is
the only one that can be incomplete, and it is skipped. The file is private to its owner, and
removed once everything in it is on the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Any

import orjson

from .base import CaseSummary, Snapshot
from .files import FILE_MODE, make_private_dir


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, snapshot: Snapshot, based_on: int) -> None:
        make_private_dir(self.path.parent)
        line = orjson.dumps(
            {
                "based_on": based_on,
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

    def read(self) -> tuple[int, Snapshot | None]:
        """The version the first kept save was based on, and every kept save as one snapshot (the
        newest copy of each record wins)."""
        based_on = 0
        merged: Snapshot | None = None
        with contextlib.suppress(FileNotFoundError):
            for raw in self.path.read_bytes().split(b"\n"):
                try:
                    line: dict[str, Any] = orjson.loads(raw)
                    snapshot = Snapshot(
                        {(str(t), str(k)): d for t, k, d in line["records"]},
                        CaseSummary.from_json(line["summary"]) if line.get("summary") else None,
                    )
                except (ValueError, KeyError, TypeError):
                    continue  # a line torn by a crash as it was written (or an empty last line)
                if merged is None:
                    based_on = int(line["based_on"])
                    merged = snapshot
                else:
                    merged = merged.then(snapshot)
        return based_on, merged

    def set_aside(self) -> Path:
        """Keep the journal under another name (it could not be written: a conflict), out of the way."""
        kept = self.path.with_name(f"{self.path.name}.conflict-{dt.datetime.now():%Y%m%d-%H%M%S}")
        self.path.rename(kept)
        return kept

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
