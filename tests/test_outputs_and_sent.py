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

import json
import os
from pathlib import Path

import pytest

from meetings.domain.locations import data_dir
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


# ----- point 13: an OSError in words -----------------------------------------------------------------
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
