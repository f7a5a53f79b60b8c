"""Word exports of the minutes and the chronology, to a folder the chair types."""

from __future__ import annotations

import contextlib
import copy
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetings.domain.records import CopyType

from ..widgets.forms import Ask, Choose

if TYPE_CHECKING:
    from ..app import CoreGroupApp


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _in_background(app: CoreGroupApp, work: Any, done: str, title: str, then: Callable[[], Any] | None = None) -> None:
    """Write the file in a thread from a copy of the case taken under the writer's lock, so no
    record changes underneath and nobody waits for the lock while Word is written; typing
    carries on. `then` runs on the UI thread once the files are written."""

    def run() -> None:
        lock = app.writer.lock if app.writer is not None else contextlib.nullcontext()
        try:
            with lock:
                if app.case_file is None:
                    return
                case = copy.deepcopy(app.case_file.case)
            written = work(case)
        except Exception as problem:  # the export's own message names the file, not the case
            message = f"{title} not written: {type(problem).__name__}: {problem}"
            app.call_from_thread(app.notify, message, severity="error", timeout=15)
            return
        app.call_from_thread(app.notify, done + ", ".join(str(p) for p in written), title=title, timeout=10)
        if then is not None:
            app.call_from_thread(then)

    app.run_worker(run, thread=True, exclusive=True, group="export", exit_on_error=False)


def _ask_folder(app: CoreGroupApp, what: str, then: Any) -> None:
    def answered(folder: str | None) -> None:
        if folder is None:
            return
        path = Path(folder or ".").expanduser()
        if not path.is_dir():
            app.notify(f"{path} is not a folder.", severity="error")
            return
        then(path)

    app.push_screen(
        Ask(f"Write {what} to which folder? (enter for the current folder)", str(Path.cwd()), required=False), answered
    )


def export_minutes(app: CoreGroupApp, meeting_number: int, *, then: Callable[[], Any] | None = None) -> None:
    """Write the full and family copies; then (if given) run `then`, e.g. open the distribution log."""
    minutes = _module("meetings.exports.minutes")
    if minutes is None or app.case_file is None:
        app.notify("Word minutes are not available in this version.", severity="warning")
        return
    case_id = app.case_file.case.id

    def write(folder: Path) -> None:
        if app.writer is not None:
            app.writer.flush()

        def work(case: Any) -> list[Path]:
            return [
                minutes.write_minutes(
                    case, meeting_number, folder / f"{case_id}-core-group-{meeting_number}-{kind.value}.docx",
                    copy=kind, settings=app.settings,
                )
                for kind in (CopyType.FULL, CopyType.FAMILY)
            ]  # fmt: skip

        _in_background(app, work, "Written: ", "Minutes", then)

    _ask_folder(app, "the minutes (full and family copies)", write)


CHRONOLOGY_COPIES = [
    ("f", "Full copy", CopyType.FULL.value),
    ("y", "Family copy (shareable entries only)", CopyType.FAMILY.value),
]


def export_chronology(app: CoreGroupApp, *, progress: Callable[[int, int], Any] | None = None) -> None:
    """Ask which copy (full, or the family's), then where; write it in the background.
    `progress(done, total)` is called on the UI thread as rows are written."""
    chronology = _module("meetings.exports.chronology")
    if chronology is None or app.case_file is None:
        app.notify("The Word chronology is not available in this version.", severity="warning")
        return
    case_id = app.case_file.case.id

    def report(done: int, total: int) -> None:  # in the export's thread
        if progress is not None:
            app.call_from_thread(progress, done, total)

    def chosen(copy_value: str | None) -> None:
        if copy_value is None:
            return
        kind = CopyType(copy_value)

        def write(folder: Path) -> None:
            if app.writer is not None:
                app.writer.flush()

            def work(case: Any) -> list[Path]:
                out = folder / f"{case_id}-chronology-{kind.value}.docx"
                return [chronology.write_chronology(case, out, copy=kind, settings=app.settings, progress=report)]

            _in_background(app, work, "Written: ", "Chronology")

        _ask_folder(app, f"the chronology ({kind.value} copy)", write)

    app.push_screen(
        Choose(
            "Which copy of the chronology?\nThe family copy leaves out entries not shareable with the family.",
            CHRONOLOGY_COPIES,
        ),
        chosen,
    )
