"""One writer per open case: edits are queued here and saved by a single thread.

The keystroke path only drops the new value into a dictionary; the writer thread applies the
values to the records and saves each changed record within `delay` seconds (well inside one
second), so a crash loses at most the last fraction of a second. The lock is held while
records are changed or saved, so a form that edits records in place takes it too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from meetings.schema import InvalidRecord
from meetings.store import CaseFile, StoreError

CASE = None  # the record key meaning "the case's own details"


def _key(record: Any) -> int:
    return 0 if record is CASE else id(record)


class Writer:
    def __init__(
        self,
        case_file: CaseFile,
        *,
        on_error: Callable[[str], None] | None = None,
        on_saved: Callable[[], None] | None = None,
        delay: float = 0.25,
    ) -> None:
        self.case_file = case_file
        self.lock = threading.RLock()
        self.delay = delay
        self.on_error = on_error
        self.on_saved = on_saved
        self.last_error: str | None = None
        self.saves = 0
        self._pending: dict[tuple[int, str], tuple[Any, Any, str, Any]] = {}
        self._dirty: dict[int, Any] = {}
        self._saving = False
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="coregroup-writer", daemon=True)
        self._thread.start()

    # ----- called from the UI -------------------------------------------------------------
    def set(self, record: Any, target: Any, attr: str, value: Any) -> None:
        """Queue `target.attr = value` (or `target[attr] = value` for a dict) and a save of `record`.
        Cheap enough for every keystroke: no lock, no disk."""
        self._pending[(id(target), attr)] = (record, target, attr, value)
        self._wake.set()

    def changed(self, record: Any) -> None:
        """`record` (or CASE) was changed in place under `lock`: save it soon."""
        self._dirty[_key(record)] = record
        self._wake.set()

    @property
    def has_pending(self) -> bool:
        return bool(self._pending or self._dirty or self._saving)

    # ----- saving -------------------------------------------------------------------------
    def flush(self) -> None:
        """Apply every queued value and save every changed record, now, in the calling thread."""
        with self.lock:
            self._saving = True
            try:
                while self._pending:
                    _, (record, target, attr, value) = self._pending.popitem()
                    if isinstance(target, MutableMapping):
                        target[attr] = value
                    else:
                        setattr(target, attr, value)
                    self._dirty[_key(record)] = record
                while self._dirty:
                    _, record = self._dirty.popitem()
                    try:
                        self.case_file.save(record)
                        self.saves += 1
                    except (InvalidRecord, StoreError, OSError) as problem:
                        self.last_error = f"Not saved: {problem}"
                        if self.on_error is not None:
                            self.on_error(self.last_error)
            finally:
                self._saving = False
        if self.on_saved is not None:
            self.on_saved()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            if self._stopping:
                break
            time.sleep(self.delay)  # gather a burst of keystrokes into one save
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """Save everything and stop the thread. Safe to call twice."""
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        self.flush()
