"""One writer per open case: edits are queued here and saved by a single thread.

The keystroke path only drops the new value into a dictionary; the writer thread applies the
values to the records and saves each changed record within `delay` seconds (well inside one
second), so a crash loses at most the last fraction of a second. The lock is held while
records are changed or saved, so a form that edits records in place takes it too.

The writer never waits for the UI while it holds the lock: problems are collected during a
save and reported (through `on_error`, which must not block) only once the lock is released.
A record that could not be saved stays queued: it counts in `has_pending`, is tried again at
the next save (and every `retry_every` seconds), and `last_error` says why it failed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from meetings.domain.schema import InvalidRecord
from meetings.storage.store import CaseFile, StoreError

CASE = None  # the record key meaning "the case's own details"


def _key(record: Any) -> int:
    return 0 if record is CASE else id(record)


def _unexpected(problem: BaseException) -> str:
    """An unexpected error in words that hold no case data: only the kind of error."""
    return f"Not saved: an unexpected {type(problem).__name__}. The change is kept and will be tried again."


class Writer:
    def __init__(
        self,
        case_file: CaseFile,
        *,
        on_error: Callable[[str], None] | None = None,
        on_saved: Callable[[], None] | None = None,
        delay: float = 0.25,
        retry_every: float = 5.0,
    ) -> None:
        self.case_file = case_file
        self.lock = threading.RLock()
        self.delay = delay
        self.retry_every = retry_every
        self.on_error = on_error
        self.on_saved = on_saved
        self.last_error: str | None = None
        self.saves = 0
        self._pending: dict[tuple[int, str], tuple[Any, Any, str, Any]] = {}
        self._dirty: dict[int, Any] = {}
        self._failed: dict[int, Any] = {}
        self._reported: set[str] = set()
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
        """Something typed is not on disk yet: queued, being saved, or refused by the last save."""
        return bool(self._pending or self._dirty or self._failed or self._saving)

    @property
    def has_failed(self) -> bool:
        """The last save of some record failed; it is still queued."""
        return bool(self._failed)

    # ----- saving -------------------------------------------------------------------------
    def flush(self) -> None:
        """Apply every queued value and save every changed record, now, in the calling thread.
        Problems are reported after the lock is released, so nothing waits while holding it."""
        problems: list[str] = []
        with self.lock:
            self._saving = True
            try:
                for key, record in list(self._failed.items()):
                    self._dirty.setdefault(key, record)
                self._failed.clear()
                while self._pending:
                    _, (record, target, attr, value) = self._pending.popitem()
                    try:
                        if isinstance(target, MutableMapping):
                            target[attr] = value
                        else:
                            setattr(target, attr, value)
                    except Exception as problem:  # never stop saving the rest
                        problems.append(_unexpected(problem))
                    self._dirty[_key(record)] = record
                while self._dirty:
                    key, record = self._dirty.popitem()
                    try:
                        self.case_file.save(record)
                        self.saves += 1
                    except (InvalidRecord, StoreError, OSError) as problem:
                        self._failed[key] = record
                        problems.append(f"Not saved: {problem}")
                    except Exception as problem:
                        self._failed[key] = record
                        problems.append(_unexpected(problem))
                self.last_error = problems[-1] if problems else None
            finally:
                self._saving = False
        self._report(problems)
        if self.on_saved is not None and not problems:
            self.on_saved()

    def _report(self, problems: list[str]) -> None:
        """Tell the user about each new problem once (a save failing again says nothing new)."""
        if not problems:
            self._reported.clear()
            return
        for message in dict.fromkeys(problems):
            if message not in self._reported:
                self._reported.add(message)
                if self.on_error is not None:
                    self.on_error(message)

    def _run(self) -> None:
        while not self._stopping:
            try:
                woke = self._wake.wait(timeout=self.retry_every if self._failed else None)
                if self._stopping:
                    break
                if woke:
                    time.sleep(self.delay)  # gather a burst of keystrokes into one save
                    self._wake.clear()
                    if self._stopping:
                        break
                self.flush()
            except Exception as problem:  # the writer must outlive any one bad save
                self.last_error = _unexpected(problem)
                with contextlib.suppress(Exception):  # a failing report must not stop the writer
                    self._report([self.last_error])
                time.sleep(self.delay)

    def close(self) -> None:
        """Save everything and stop the thread. Safe to call twice."""
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        self.flush()
