"""Word exports from the app: the minutes of a meeting and the case's chronology.

Each is written in a worker thread from a copy of the case taken on the UI thread (the session's
records only ever change there), so typing carries on while Word is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetings.domain.locations import export_folder, remember_export_folder
from meetings.domain.name_review import review_family_copy
from meetings.domain.records import Case, CopyType
from meetings.exports.chronology import write_chronology
from meetings.exports.minutes import write_minutes
from meetings.exports.output import os_error_words
from meetings.storage.base import StoreError

from .widgets.forms import Ask, Choose, Confirm
from .widgets.name_review import NameReviewScreen

if TYPE_CHECKING:
    from .app import CoreGroupApp


def _in_background(
    app: CoreGroupApp, work: Callable[[Case], list[Path]], title: str, then: Callable[[], Any] | None = None
) -> None:
    """Save, copy the case, and write the file in a thread; `then` runs on the UI thread after."""
    session = app.case_session
    session.save_now()
    case = session.copy_of_case()

    def run() -> None:
        try:
            written = work(case)
        except StoreError as problem:  # a link, a device, a read-only file where it would go: named
            message = f"{title} not written: {problem}"
            app.call_from_thread(app.notify, message, severity="error", timeout=15, markup=False)
            return
        except OSError as problem:  # the folder gone, the disk full: the file named, never a number
            message = f"{title} not written: {os_error_words(problem, done='nothing was written')}"
            app.call_from_thread(app.notify, message, severity="error", timeout=15, markup=False)
            return
        except Exception as problem:  # the export's own message names the file, not the case
            message = f"{title} not written: {type(problem).__name__}: {problem}"
            app.call_from_thread(app.notify, message, severity="error", timeout=15, markup=False)
            return
        app.call_from_thread(
            app.notify, "Written: " + ", ".join(str(p) for p in written), title=title, timeout=10, markup=False
        )
        if then is not None:
            app.call_from_thread(then)

    app.run_worker(run, thread=True, exclusive=True, group="export", exit_on_error=False)


def _checked_first(app: CoreGroupApp, what: str, meeting: int | None, then: Callable[[], None]) -> None:
    """Before a family copy is written: the places a restricted name was found and withheld, and
    the near misses left in (`meetings.domain.name_review`), shown for a person to check; enter
    goes on to `then`, escape writes nothing. Shown only when there is something to check."""
    review = review_family_copy(app.case_session.case, meeting)
    if not review.places:
        then()
        return

    def answered(write: bool | None) -> None:
        if write:
            then()
        else:
            app.notify(f"Nothing written: the family copy of {what} was not checked.", markup=False)

    app.push_screen(NameReviewScreen(review, what), answered)


def _ask_folder(app: CoreGroupApp, what: str, then: Callable[[Path], None], typed: str | None = None) -> None:
    """Ask which folder to write to: the one used last (or a documents folder). A folder that
    does not exist is offered to be created; the question stays open until there is a folder
    or the chair cancels."""

    def answered(folder: str | None) -> None:
        if folder is None:
            return
        path = Path(folder or str(export_folder())).expanduser()
        if path.is_dir():
            remember_export_folder(path)
            then(path)
            return
        if path.exists():
            app.notify(f"{path} is a file, not a folder.", severity="error", markup=False)
            _ask_folder(app, what, then, str(path))
            return

        def create(yes: bool | None) -> None:
            if not yes:
                _ask_folder(app, what, then, str(path))
                return
            try:
                path.mkdir(parents=True, mode=0o700)
            except OSError as exc:
                app.notify(f"Cannot create {path}: {exc.strerror}", severity="error", markup=False)
                _ask_folder(app, what, then, str(path))
                return
            remember_export_folder(path)
            then(path)

        app.push_screen(Confirm(f"The folder {path} does not exist. Create it?", yes="Create", no="Choose another"),
                        create)  # fmt: skip

    app.push_screen(Ask(f"Write {what} to which folder?", typed or str(export_folder()), required=False), answered)


def export_minutes(app: CoreGroupApp, meeting_number: int, *, then: Callable[[], Any] | None = None) -> None:
    """Write the full and family copies; then (if given) run `then`, e.g. open the distribution log."""
    case_id = app.case_session.case.id

    def write(folder: Path) -> None:
        def work(case: Case) -> list[Path]:
            return [
                write_minutes(
                    case, meeting_number, folder / f"{case_id}-core-group-{meeting_number}-{kind.value}.docx",
                    copy=kind, settings=app.settings,
                )
                for kind in (CopyType.FULL, CopyType.FAMILY)
            ]  # fmt: skip

        _in_background(app, work, "Minutes", then)

    what = f"the minutes of meeting {meeting_number}"
    _checked_first(app, what, meeting_number, lambda: _ask_folder(app, "the minutes (full and family copies)", write))


CHRONOLOGY_COPIES = [
    ("f", "Full copy", CopyType.FULL.value),
    ("y", "Family copy (shareable entries only)", CopyType.FAMILY.value),
]


def export_chronology(app: CoreGroupApp, *, progress: Callable[[int, int], Any] | None = None) -> None:
    """Ask which copy (full, or the family's), then where; write it in the background.
    `progress(done, total)` is called on the UI thread as rows are written."""
    case_id = app.case_session.case.id

    def report(done: int, total: int) -> None:  # in the export's thread
        if progress is not None:
            app.call_from_thread(progress, done, total)

    def chosen(copy_value: str | None) -> None:
        if copy_value is None:
            return
        kind = CopyType(copy_value)

        def write(folder: Path) -> None:
            def work(case: Case) -> list[Path]:
                out = folder / f"{case_id}-chronology-{kind.value}.docx"
                return [write_chronology(case, out, copy=kind, settings=app.settings, progress=report)]

            _in_background(app, work, "Chronology")

        def ask() -> None:
            _ask_folder(app, f"the chronology ({kind.value} copy)", write)

        if kind is CopyType.FAMILY:
            _checked_first(app, "the chronology", None, ask)
        else:
            ask()

    app.push_screen(
        Choose(
            "Which copy of the chronology?\nThe family copy leaves out entries not shareable with the family.",
            CHRONOLOGY_COPIES,
        ),
        chosen,
    )


def export_brief(app: CoreGroupApp) -> None:
    """Write the chair's brief for the next core group: the copy chosen, to the folder chosen."""
    from meetings.exports.brief import write_brief

    case_id = app.case_session.case.id

    def chosen(kind: str | None) -> None:
        if kind is None:
            return
        copy = CopyType(kind)

        def write(folder: Path) -> None:
            def work(case: Case) -> list[Path]:
                out = folder / f"{case_id}-brief-{copy.value}.docx"
                return [write_brief(case, out, today=app.today(), copy=copy, settings=app.settings)]

            _in_background(app, work, "Chair's brief")

        def ask() -> None:
            _ask_folder(app, "the chair's brief", write)

        if copy is CopyType.FAMILY:
            _checked_first(app, "the chair's brief", None, ask)
        else:
            ask()

    app.push_screen(
        Choose("Which copy of the chair's brief?\nThe family copy leaves out restricted items.",
               [("f", "Full copy", CopyType.FULL.value), ("y", "Family copy", CopyType.FAMILY.value)]),
        chosen,
    )  # fmt: skip
