"""Issue 21, points 13 and 14: what is saved is said to be saved; a file named to write to is
never one that must not be replaced.

Point 13: a save whose history entry could not be written (a folder stands where the history
file goes) is on disk: `sent` says so, with the history problem in words, and exits 0, so the
entry is not recorded twice by a retry; no message is built from an OSError's descriptor number
("The file or folder 3 is a folder").
Point 14: every command writing a file named with --out (export, minutes, brief, chronology)
refuses a link, a folder, a device, a pipe and a read-only file in the same words, writes
nothing and leaves nothing behind; `export --out -` still prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from meetings.domain.agenda import load_agenda
from meetings.domain.lifecycle import find_meeting
from meetings.domain.locations import data_dir
from meetings.domain.records import CopyType
from meetings.domain.settings import Settings
from meetings.session import CaseSession
from meetings.storage.files import os_error_words
from meetings.storage.store import Store
from tui.cli import main

CASE = "DEMO-0001"
DEMO = data_dir() / "demo" / "demo-case.json"


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one message, one line
    monkeypatch.delenv("COREGROUP_STORE", raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A store of files holding the fictional demo case."""
    folder = tmp_path / "store"
    Store(folder).import_data(json.loads(DEMO.read_text(encoding="utf-8")))
    return folder


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--store", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def history_file(root: Path) -> Path:
    return root / "cases" / f"{CASE}.history"  # where the store keeps a case's history (README's layout)


def distribution(root: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Who meeting 2's minutes are recorded as sent to, read from the case as `export -` prints it."""
    code, out, err = run(capsys, root, "export", CASE, "--out", "-")
    assert code == 0, err
    [meeting] = [m for m in json.loads(out)["meetings"] if m["number"] == 2]
    return [d["recipient"] for d in meeting["distribution"]]


# ----- point 13: saved, though the history could not be written ---------------------------------------
def test_sent_whose_history_cannot_be_written_says_saved_and_a_retry_is_not_needed(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aside = tmp_path / "history-aside"
    history_file(root).rename(aside)
    history_file(root).mkdir()  # a folder in its place: the history cannot be written (even by root)

    code, out, err = run(capsys, root, "sent", CASE, "--meeting", "2", "--to", "Casey Visitor (fictional)",
                         "--copy", "full", "--on", "2026-10-02")  # fmt: skip
    assert code == 0, err  # saved: a script or a chair does not try again
    assert "Recorded: full copy of meeting 2's minutes sent to Casey Visitor (fictional)" in out
    assert "Not saved" not in err
    assert f"Saved, but the history of case {CASE} could not be written" in err
    assert f"{history_file(root)} is not a file" in err  # the history problem, in words, naming the file
    assert "Do not make the change again." in err
    assert "Casey Visitor" not in err  # no case data in the warning

    # While the history is a folder, an export that carries it says which file is wrong.
    code, _, err = run(capsys, root, "export", CASE, "--out", str(tmp_path / "out.json"))
    assert code == 1 and f"{history_file(root)} is not a file" in err
    assert "file or folder 3" not in err and not (tmp_path / "out.json").exists()

    history_file(root).rmdir()
    aside.rename(history_file(root))
    assert distribution(root, capsys) == ["Casey Visitor (fictional)"]  # recorded once, as said
    code, _, err = run(capsys, root, "sent", CASE, "--meeting", "2", "--to", "Jo Example", "--copy", "family",
                       "--on", "2026-10-02")  # fmt: skip
    assert code == 0 and "warning" not in err
    assert distribution(root, capsys) == ["Casey Visitor (fictional)", "Jo Example"]
    # The entry held in the case file went into the history with the next save, before that save's.
    code, out, _ = run(capsys, root, "history", CASE)
    assert code == 0
    assert out.index('distribution[0] added: "Casey Visitor (fictional)"') < out.index(
        'distribution[1] added: "Jo Example"'
    )
    code, out, _ = run(capsys, root, "history", CASE, "--verify")
    assert code == 0 and "is intact" in out


def test_the_app_is_told_a_save_is_on_disk_when_only_its_history_waits(root: Path) -> None:
    """The app's session saves through the same writer: the save counts as done (nothing is
    queued to be written again), and what it reports starts "Saved, but", never "Not saved"."""
    history_file(root).unlink()
    history_file(root).mkdir()
    said: list[str] = []
    session = CaseSession(
        Store(root).open(CASE),
        agenda=load_agenda(None),
        settings=Settings(),
        clock=lambda: dt.datetime(2026, 11, 20, 10),
        on_error=said.append,
    )
    try:
        meeting = find_meeting(session.case, 2)
        session.record_distribution(meeting, "Casey Visitor (fictional)", CopyType.FULL, sent_on=dt.date(2026, 10, 2))
        assert session.save_now()
        assert not session.unsaved and not session.save_failed
    finally:
        assert session.close()
    assert said and all(words.startswith("Saved, but the history of case") for words in said)
    with Store(root).open(CASE, read_only=True) as reader:
        assert [d.recipient for d in reader.case.meetings[1].distribution] == ["Casey Visitor (fictional)"]


def test_an_error_on_an_open_file_never_names_its_descriptor_number(tmp_path: Path) -> None:
    """Python names an open file's descriptor (a small number) as the `filename` of an error on
    it: the words must not call it "the file or folder 3"."""
    fd = os.open(tmp_path, os.O_RDONLY)  # a folder, opened as the store opens its files
    try:
        with pytest.raises(OSError) as raised:
            os.fdopen(fd, "rb")
    finally:
        os.close(fd)
    assert isinstance(raised.value.filename, int)  # as Python makes it: the premise of this test
    words = os_error_words(raised.value)
    assert "file or folder" not in words and str(fd) not in words
    assert words == "A folder stands where the store keeps a file: nothing was changed."


# ----- point 14: a file named to write to ---------------------------------------------------------------
COMMANDS = {
    "export": ("export", CASE),
    "minutes": ("minutes", CASE, "--meeting", "2"),
    "brief": ("brief", CASE),
    "chronology": ("chronology", CASE),
}


def a_link(folder: Path) -> tuple[Path, str]:
    (folder / "kept.txt").write_text("kept", encoding="utf-8")
    (folder / "out").symlink_to("kept.txt")
    return folder / "out", "is a link to another file: coregroup neither writes through a link nor replaces one"


def a_read_only_file(folder: Path) -> tuple[Path, str]:
    (folder / "out").write_text("kept", encoding="utf-8")
    (folder / "out").chmod(0o444)
    return folder / "out", "is read-only: it was not replaced, and nothing was written"


def a_folder(folder: Path) -> tuple[Path, str]:
    (folder / "out").mkdir()
    return folder / "out", "is a folder, not a file: it was not replaced, and nothing was written"


def a_pipe(folder: Path) -> tuple[Path, str]:
    os.mkfifo(folder / "out")
    return folder / "out", "is a pipe, not a file: it was not replaced, and nothing was written"


def a_device(folder: Path) -> tuple[Path, str]:
    try:  # the same device as /dev/null, made here: the real one is never a test's target
        os.mknod(folder / "out", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs the administrator (the defect is as root)")
    return folder / "out", "is a device, not a file: it was not replaced, and nothing was written"


TARGETS: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "link": a_link,
    "read-only file": a_read_only_file,
    "folder": a_folder,
    "pipe": a_pipe,
    "device": a_device,
}


def what_is_there(folder: Path) -> dict[str, tuple[int, bytes | str]]:
    """Each entry of `folder`: its kind and mode, and its bytes (a file) or where it points (a link)."""
    seen: dict[str, tuple[int, bytes | str]] = {}
    for entry in sorted(folder.iterdir()):
        info = entry.lstat()
        if stat.S_ISLNK(info.st_mode):
            seen[entry.name] = (info.st_mode, os.readlink(entry))
        elif stat.S_ISREG(info.st_mode):
            seen[entry.name] = (info.st_mode, entry.read_bytes())
        else:
            seen[entry.name] = (info.st_mode, "")
    return seen


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_named_to_write_to_that_must_not_be_replaced_is_refused_by_every_command(
    root: Path, tmp_path: Path, command: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    out, words = TARGETS[target](folder)
    before = what_is_there(folder)

    code, printed, err = run(capsys, root, *COMMANDS[command], "--out", str(out))

    assert code == 1, printed
    assert f"coregroup: {out} {words}" in err  # named, in the same words whichever command
    assert "Nothing was written" in err or "nothing was written" in err
    assert "Traceback" not in err and "unexpected" not in err
    assert what_is_there(folder) == before  # nothing replaced, nothing written through, nothing left behind


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_new_file_and_a_writable_file_of_ones_own_are_still_written(
    root: Path, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    for _ in range(2):  # a new file, then the same file replaced
        code, _, err = run(capsys, root, *COMMANDS[command], "--out", str(out))
        assert code == 0, err
        assert stat.S_ISREG(out.lstat().st_mode) and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "store"]  # no temporary file left


def test_export_to_standard_output_still_prints_the_case(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, root, "export", CASE, "--out", "-")
    assert code == 0 and json.loads(out)["id"] == CASE
