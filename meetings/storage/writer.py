"""One writer per open case: saves what changed, off the keystroke path, within a quarter second.

Whoever edits the case (the app's session, on the UI thread) hands the writer a `Snapshot`:
copies of the records that changed, taken the moment they changed. The writer's thread gathers
a burst of snapshots (`delay` seconds: keystrokes typed together are saved together) and writes
them in one atomic save. It never reads the records being edited, so nothing needs a lock but
the writer's own small queue, and the screens never see one.

A snapshot that could not be saved stays queued: it counts in `has_pending`, is written with the
next one (and tried again every `retry_every` seconds), and `last_error` says why it failed.
A save that is on disk but whose history entry could not be written is saved, not queued again
(that would record it twice): it is reported in words starting with `SAVED_BUT`, and the store
keeps the entry in the case file until the history can be written.
Problems are reported through `on_error`, which must not block (it may run on the writer's thread).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from ..domain.schema import InvalidRecord
from .base import EMPTY, OpenCase, Snapshot, StoreError
from .files import SAVED_BUT, HistoryNotWritten, os_error_words

__all__ = ["SAVED_BUT", "Writer", "unexpected"]


def unexpected(problem: BaseException) -> str:
    """An unexpected error in words that hold no case data: only the kind of error."""
    return f"Not saved: an unexpected {type(problem).__name__}. The change is kept and will be tried again."


class Writer:
    def __init__(
        self,
        case_file: OpenCase,
        *,
        on_error: Callable[[str], None] | None = None,
        delay: float = 0.25,
        retry_every: float = 5.0,
    ) -> None:
        self.case_file = case_file
        self.delay = delay
        self.retry_every = retry_every
        self.on_error = on_error
        self.last_error: str | None = None
        self.saves = 0
        self._queue_lock = threading.Lock()  # held only to swap the queued snapshot: never while writing
        self._write_lock = threading.Lock()  # one save at a time, from the thread or from flush()
        self._queued: Snapshot = EMPTY
        self._failed: Snapshot = EMPTY
        self._saving = False
        self._reported: set[str] = set()
        self._report_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coregroup-writer", daemon=True)
        self._thread.start()

    # ----- called by whoever edits the case -----------------------------------------------
    def submit(self, snapshot: Snapshot) -> None:
        """Queue copies of changed records for the next save. Cheap enough for every keystroke."""
        with self._queue_lock:
            self._queued = self._queued.then(snapshot)
        self._wake.set()

    @property
    def has_pending(self) -> bool:
        """Something changed is not on disk yet: queued, being saved, or refused by the last save."""
        return bool(self._queued or self._failed or self._saving)

    @property
    def has_failed(self) -> bool:
        """The last save failed; what it held is still queued."""
        return bool(self._failed)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # ----- saving -------------------------------------------------------------------------
    def flush(self, *, wait: float | None = None) -> bool:
        """Save everything queued, now, in the calling thread. True when nothing is left unsaved.

        With `wait`, give up after that many seconds if another save is still in progress (a
        disk that has stopped answering): False, and the change stays queued. The screen
        never waits longer than that for a stuck disk."""
        if not self._write_lock.acquire(timeout=-1 if wait is None else wait):
            self.last_error = "Not saved yet: the last save is still being written (the disk is slow to answer)."
            return False
        try:
            with self._queue_lock:
                snapshot = self._failed.then(self._queued)
                self._queued = EMPTY
                self._failed = EMPTY
                self._saving = bool(snapshot)
            problem: str | None = None
            warning: str | None = None
            try:
                if snapshot:
                    self.case_file.write(snapshot)
                    self.saves += 1
            except HistoryNotWritten as partly:  # on disk: only its history entry waits, in the case file
                self.saves += 1
                warning = str(partly)
            except (InvalidRecord, StoreError) as refused:
                problem = f"Not saved: {refused}"
            except OSError as refused:
                problem = f"Not saved: {os_error_words(refused, done='the change is kept and will be tried again')}"
            except Exception as refused:  # never stop saving because of one bad save
                problem = unexpected(refused)
            finally:
                if problem is not None:
                    with self._queue_lock:
                        self._failed = snapshot.then(self._failed)
                self._saving = False
            self.last_error = problem
        finally:
            self._write_lock.release()
        self._report(problem or warning)
        return problem is None and not self._queued

    def _report(self, problem: str | None) -> None:
        """Tell the user about each new problem once (a save failing again says nothing new)."""
        with self._report_lock:
            if problem is None:
                self._reported.clear()
                return
            if problem in self._reported:
                return
            self._reported.add(problem)
        if self.on_error is not None:
            self.on_error(problem)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                woke = self._wake.wait(timeout=self.retry_every if self._failed else None)
                if self._stop.is_set():
                    break
                if woke:
                    self._stop.wait(self.delay)  # gather a burst of keystrokes into one save
                    self._wake.clear()
                    if self._stop.is_set():
                        break
                self.flush()
            except Exception as problem:  # the writer must outlive any one bad save
                self.last_error = unexpected(problem)
                with contextlib.suppress(Exception):  # a failing report must not stop the writer
                    self._report(self.last_error)
                self._stop.wait(self.delay)

    def close(self) -> bool:
        """Save everything and stop the thread. Safe to call twice. True if everything was saved."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        return self.flush()
