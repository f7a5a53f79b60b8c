"""A case's history that is complete, cannot be forged unseen, and whose damage is found: every
save on disk as it is made (a kill loses none), yet a burst of typing kept as one entry (so the
history stays small), events and imported entries said for what they
are, and each line of `cases/<id>.history` chained and sealed, so that `coregroup history CASE
--verify` finds a truncated, edited, shortened or padded history, and names the first break."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from meetings.domain.changes import EVENTS, FieldChange, HistoryEntry, gathered, history_json_schema, history_lines
from meetings.domain.locations import data_dir
from meetings.domain.records import Case
from meetings.domain.schema import InvalidRecord, load
from meetings.storage import store as store_module
from meetings.storage.exchange import export_bytes
from meetings.storage.store import CaseFile, Store
from tui.cli import main

CASE = "DEMO-0001"
DEMO_PATH = data_dir() / "demo" / "demo-case.json"
DEMO: dict[str, Any] = json.loads(DEMO_PATH.read_text(encoding="utf-8"))
ME = getpass.getuser()
PASSPHRASE = "fictional harbour lanterns"

#: An entry a case file claims: made by someone else, somewhere else, long ago (all fictional).
CLAIMED = {
    "at": "2026-03-12T10:00:00Z",
    "who": "kaur",
    "machine": "laptop-3",
    "changes": [{"path": "case.lead_social_worker", "old": "", "new": "Wren Example", "restricted": False}],
}


def history_file(store: Store, case_id: str = CASE) -> Path:
    return store.root / "cases" / f"{case_id}.history"


def lines_of(store: Store) -> list[bytes]:
    return history_file(store).read_bytes().splitlines(keepends=True)


def edited_by_hand(store: Store, number: int, **fields: Any) -> None:
    """Change fields of the entry on line `number` (from 1) of a plain store's history file, as a text editor would."""
    lines = lines_of(store)
    line = json.loads(lines[number - 1])
    line.update(fields)
    lines[number - 1] = json.dumps(line).encode() + b"\n"
    history_file(store).write_bytes(b"".join(lines))


def saved_three_times(store: Store) -> None:
    """Three ordinary saves, each of a different action's owner: four lines with the import."""
    with store.open(CASE) as case_file:
        for n, owner in enumerate(("Lee Placeholder", "Wren Example", "Quill Placeholder")):
            case_file.save(dataclasses.replace(case_file.case.actions[n], owner=owner))


def verify(store: Store, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`coregroup history CASE --verify`, as the IT lead runs it: its exit code and what it printed."""
    capsys.readouterr()
    code = main(["--store", str(store.root), "history", CASE, "--verify"])
    return code, " ".join(capsys.readouterr().out.split())


def shown(store: Store, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`coregroup history CASE ...` as printed."""
    capsys.readouterr()
    assert main(["--store", str(store.root), "history", CASE, *args]) == 0
    return capsys.readouterr().out


# ----- nothing lost to a kill -------------------------------------------------------------------------

TYPING_THEN_KILLED = """
import sys, time
from meetings.storage.store import Store

case_file = Store(sys.argv[1]).open("DEMO-0001")
meeting = case_file.case.meetings[0]
for typed in ("Robin was", "Robin was seen", "Robin was seen at nursery (fictional)."):
    meeting.steps[1].notes = typed
    case_file.save(meeting)
print("saved", flush=True)
time.sleep(120)
"""


def test_three_saves_of_the_same_notes_then_a_kill_are_all_in_the_history(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", TYPING_THEN_KILLED, str(store.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "saved"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    notes = f"meetings[{DEMO['meetings'][0]['number']}].steps[1].notes"
    # The first save of the burst is a line of the history file; the two after it are one entry, held
    # in the case file, written with each save: the kill loses none, and they are not a line each.
    assert len(lines_of(store)) == 2  # the import, and the burst's first save
    typed = [c.new for e in Store(store.root).history(CASE) for c in e.changes if c.path == notes]
    assert typed == ["Robin was", "Robin was seen at nursery (fictional)."]
    said = [line for line in shown(store, capsys).splitlines() if notes in line]
    assert len(said) == 1 and said[0].endswith('→ "Robin was seen at nursery (fictional)."')
    code, words = verify(store, capsys)
    assert code == 0 and "its 2 entries are as this store wrote them" in words
    assert "is still being gathered (held in the case file)" in words
    # Opened for editing (and closed) again: the held entry goes into the chain, as it was saved.
    Store(store.root).open(CASE).close()
    assert len(lines_of(store)) == 3
    assert [c.new for e in Store(store.root).history(CASE) for c in e.changes if c.path == notes] == typed
    code, words = verify(store, capsys)
    assert code == 0 and "its 3 entries are as this store wrote them" in words and "gathered" not in words
    said = [line for line in shown(store, capsys).splitlines() if notes in line]
    assert len(said) == 1 and said[0].endswith('→ "Robin was seen at nursery (fictional)."')


class Clock:
    """The moment each save records (`store.now_utc`), moved on by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(store_module, "now_utc", lambda: self.now.isoformat().replace("+00:00", "Z"))

    def on(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def type_notes(case_file: CaseFile, *texts: str) -> str:
    """Save each text as the notes of the first meeting's second step, in turn; the notes' path."""
    meeting = case_file.case.meetings[0]
    for text in texts:
        meeting.steps[1].notes = text
        case_file.save(meeting)
    return f"meetings[{meeting.number}].steps[1].notes"


def test_typing_on_in_one_note_for_a_minute_is_at_most_two_lines(
    store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock(monkeypatch)
    note = "Fictional notes, typed on by the chair. " * 10
    with store.open(CASE) as case_file:
        for n in range(1, 201):  # 200 saves within 50 seconds
            clock.on(0.25)
            path = type_notes(case_file, note[: 2 * n])
        assert Store(store.root).history(CASE)[-1].changes[-1].new == note[:400]  # held, on disk
    assert len(lines_of(store)) - 1 <= 2  # the import's line, then at most two for the 200 saves
    assert [(c.new) for e in Store(store.root).history(CASE) for c in e.changes if c.path == path][-1] == note[:400]
    code, words = verify(store, capsys)
    assert code == 0 and "gathered" not in words
    said = [line for line in shown(store, capsys).splitlines() if path in line]
    assert len(said) == 1 and said[0].endswith('…"')


def test_a_change_to_another_field_writes_the_burst_first(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    with store.open(CASE) as case_file:
        notes = type_notes(case_file, "Robin was", "Robin was seen", "Robin was seen at nursery (fictional).")
        assert len(lines_of(store)) == 2
        clock.on(5)
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
        owner = f"actions[{case_file.case.actions[0].number}].owner"
        # The burst's entry, then the new save's, in the history file before the save returned.
        written = [json.loads(line)["changes"] for line in lines_of(store)[1:]]
        assert [[(c["path"], c["new"]) for c in changes] for changes in written] == [
            [(notes, "Robin was")],
            [(notes, "Robin was seen at nursery (fictional).")],
            [(owner, "Lee Placeholder")],
        ]
    assert len(lines_of(store)) == 4  # closing had nothing more to write
    assert Store(store.root).verify_history(CASE).intact


def test_a_burst_a_minute_old_is_ended_by_the_next_save(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    with store.open(CASE) as case_file:
        notes = type_notes(case_file, "Robin was")
        clock.on(30)
        type_notes(case_file, "Robin was seen")
        assert len(lines_of(store)) == 2  # the second save is held in the case file
        clock.on(31)  # 61 seconds after the burst began
        type_notes(case_file, "Robin was seen at nursery (fictional).")
        written = [json.loads(line) for line in lines_of(store)[1:]]
        assert [(e["at"][-3:], e["changes"][0]["new"]) for e in written] == [
            ("00Z", "Robin was"),
            ("30Z", "Robin was seen"),
            ("01Z", "Robin was seen at nursery (fictional)."),
        ]
    history = Store(store.root).history(CASE)
    assert [c.new for e in history for c in e.changes if c.path == notes] == [
        "Robin was",
        "Robin was seen",
        "Robin was seen at nursery (fictional).",
    ]
    assert len(gathered(history)) == 3  # the import, and a line for each minute's burst, as shown before


KILLED_WHILE_TYPING = """
import os, signal, sys
from meetings.storage.store import Store

store = Store(sys.argv[1])
if os.environ.get("COREGROUP_PASSPHRASE"):
    store.unlock(passphrase=os.environ["COREGROUP_PASSPHRASE"])
case_file = store.open("DEMO-0001")
meeting = case_file.case.meetings[0]
for typed in sys.argv[2:]:
    meeting.steps[1].notes = typed
    case_file.save(meeting)
os.kill(os.getpid(), signal.SIGKILL)
"""


def typed_then_killed(store: Store, *texts: str, passphrase: str = "") -> str:
    """A chair's app saving each text as the notes of the first meeting's second step, in turn
    (within a second: one burst), then killed (a real process, SIGKILL); the notes' path."""
    env = {**os.environ, "COREGROUP_PASSPHRASE": passphrase} if passphrase else dict(os.environ)
    child = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_TYPING, str(store.root), *texts], env=env, timeout=60, check=False
    )
    assert child.returncode == -signal.SIGKILL
    return f"meetings[{DEMO['meetings'][0]['number']}].steps[1].notes"


def test_a_held_entry_is_exported_imported_and_kept_by_a_restore(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = typed_then_killed(store, "Robin was", "Robin was seen", "Robin was seen at nursery (fictional).")
    exported = store.export_data(CASE)
    assert [c["new"] for e in exported["history"] for c in e["changes"] if c["path"] == notes] == [
        "Robin was",
        "Robin was seen at nursery (fictional).",
    ]
    elsewhere = Store(tmp_path / "elsewhere")
    elsewhere.import_data(json.loads(export_bytes(exported)))
    assert elsewhere.export_data(CASE) == exported
    assert elsewhere.verify_history(CASE).intact

    # The case file damaged: its backup (the save before) is put back, with the entry it held.
    store.case_path(CASE).write_bytes(b'{"case": ')
    store.restore_backup(CASE)
    history = Store(store.root).history(CASE)
    assert [c.new for e in history for c in e.changes if c.path == notes] == ["Robin was", "Robin was seen"]
    assert history[-1].event == "restored"
    code, words = verify(store, capsys)
    assert code == 0 and "gathered" not in words


def test_an_encrypted_store_holds_the_burst_encrypted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "store")
    store.import_data(DEMO)
    store.start_encryption(PASSPHRASE)
    store.encrypt_files()
    notes = typed_then_killed(store, "Robin was", "Robin was seen at nursery (fictional).", passphrase=PASSPHRASE)
    assert b"nursery" not in store.case_path(CASE).read_bytes() + history_file(store).read_bytes()
    unlocked = Store(store.root)
    unlocked.unlock(passphrase=PASSPHRASE)
    assert unlocked.history(CASE)[-1].changes[0].new == "Robin was seen at nursery (fictional)."
    assert "still being gathered" in unlocked.verify_history(CASE).words
    unlocked.open(CASE).close()
    assert len(lines_of(store)) == 3 and unlocked.verify_history(CASE).intact
    assert [c.new for e in unlocked.history(CASE) for c in e.changes if c.path == notes][-1].endswith("(fictional).")


def test_saves_are_gathered_only_for_the_same_person_fields_and_minute() -> None:
    def save(at: str, who: str = "wren", path: str = "case.plan", new: str = "b", **more: Any) -> HistoryEntry:
        return HistoryEntry(f"2026-11-02T09:{at}Z", who, "laptop-1", (FieldChange(path, "a", new),), **more)

    assert len(gathered([save("00:00"), save("00:30"), save("00:59")])) == 1
    assert len(gathered([save("00:00"), save("01:00")])) == 2  # a minute on: a new line
    assert len(gathered([save("00:00"), save("00:10", who="lee")])) == 2
    assert len(gathered([save("00:00"), save("00:10", path="case.team")])) == 2
    assert len(gathered([save("00:00"), save("00:10", event="replaced")])) == 2
    assert len(gathered([save("00:00", imported_by="admin"), save("00:10", imported_by="admin")])) == 2
    assert gathered([save("00:00"), save("00:10", new="a")]) == []  # typed, then undone


# ----- the chain: what it finds -----------------------------------------------------------------------


def test_an_intact_history_is_said_so_and_exits_0(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    check = Store(store.root).verify_history(CASE)
    assert (check.intact, check.entries) == (True, 4)
    assert verify(store, capsys) == (0, f"{check.words}")
    assert "is intact: its 4 entries are as this store wrote them" in check.words


def test_a_truncated_history_is_found(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    history_file(store).write_bytes(b"".join(lines_of(store)[:-1]))  # the last save cut off
    code, words = verify(store, capsys)
    assert code == 1
    assert f"The history of case {CASE} is not as this store wrote it" in words
    assert "ends at entry 3" in words and "records 4 entries: the last one was removed" in words
    # Shown without --verify, the history says so too.
    assert main(["--store", str(store.root), "history", CASE]) == 0
    warned = " ".join(capsys.readouterr().err.split())
    assert warned.startswith("coregroup: warning: The history of case DEMO-0001 is not as this store wrote it")


def test_a_cut_is_not_hidden_by_the_saves_after_it(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    history_file(store).write_bytes(b"".join(lines_of(store)[:-1]))
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[3], owner="Zephyr Placeholder"))
    code, words = verify(store, capsys)
    assert code == 1 and "1 entry was removed before entry 4 (" in words


def test_an_emptied_history_is_found(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    history_file(store).write_bytes(b"")
    code, words = verify(store, capsys)
    assert code == 1 and "it holds no entries, but the case file records 4" in words


@pytest.mark.parametrize(("field", "value"), [("who", "someone-else"), ("at", "2026-01-01T09:00:00Z")])
def test_an_edited_line_is_found(store: Store, capsys: pytest.CaptureFixture[str], field: str, value: str) -> None:
    saved_three_times(store)
    edited_by_hand(store, 3, **{field: value})
    code, words = verify(store, capsys)
    assert code == 1
    assert "entry 3 (" in words and "was changed after it was written" in words
    assert "Placeholder" not in words and "Wren" not in words  # never what the entry says


def test_a_line_removed_from_the_middle_is_found(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    lines = lines_of(store)
    history_file(store).write_bytes(b"".join(lines[:1] + lines[2:]))
    code, words = verify(store, capsys)
    assert code == 1 and "1 entry was removed before entry 2 (" in words


def test_a_forged_entry_appended_by_hand_is_found(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    with history_file(store).open("ab") as f:
        f.write(json.dumps(CLAIMED).encode() + b"\n")
    code, words = verify(store, capsys)
    assert code == 1 and "entry 5 (" in words and "carries no seal" in words
    # A copy of a sealed line, put at the end, is found too.
    history_file(store).write_bytes(b"".join(lines_of(store)[:-1] + lines_of(store)[1:2]))
    code, words = verify(store, capsys)
    assert code == 1 and "entry 5 (" in words and "was written as entry 2" in words


def test_a_line_from_another_case_is_found(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    store.import_data({**DEMO, "id": "DEMO-0002"})
    saved_three_times(store)
    lines = lines_of(store)
    history_file(store).write_bytes(b"".join([history_file(store, "DEMO-0002").read_bytes(), *lines[1:]]))
    code, words = verify(store, capsys)
    assert code == 1 and "entry 1 (" in words and "does not belong to this case" in words


def test_a_case_file_older_than_its_history_is_found(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """The case file put back by hand from a backup two saves old: the history has more saves
    than it knows, written by saves it did see. Not the one interrupted save of a crash."""
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
        older = store.case_path(CASE).read_bytes()
        case_file.save(dataclasses.replace(case_file.case.actions[1], owner="Wren Example"))
        case_file.save(dataclasses.replace(case_file.case.actions[2], owner="Quill Placeholder"))
    store.case_path(CASE).write_bytes(older)
    code, words = verify(store, capsys)
    assert code == 1 and "the case file is older than its history" in words


KILLED_BETWEEN_THE_WRITES = """
import dataclasses, os, signal, sys
from meetings.storage import files
from meetings.storage.store import Store

case_file = Store(sys.argv[1]).open("DEMO-0001")
case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
# The computer goes off after the history's line is on disk, before the case file is written.
files.AtomicStorage.write = lambda self, data: os.kill(os.getpid(), signal.SIGKILL)
case_file.save(dataclasses.replace(case_file.case.actions[1], owner="Wren Example"))
"""


def test_a_kill_between_the_history_and_the_case_file_is_not_tampering(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", KILLED_BETWEEN_THE_WRITES, str(store.root)], capture_output=True, timeout=60
    )
    assert child.returncode == -signal.SIGKILL
    assert [c.new for e in Store(store.root).history(CASE) for c in e.changes] == ["Lee Placeholder", "Wren Example"]
    code, words = verify(store, capsys)
    assert code == 0, words
    assert "recorded a save that was stopped before its case file was written" in words
    assert "not a sign of tampering" in words
    with Store(store.root).open(CASE) as case_file:  # the next save chains on, and the case file catches up
        assert case_file.case.actions[1].owner != "Wren Example"
        case_file.save(dataclasses.replace(case_file.case.actions[2], owner="Quill Placeholder"))
    code, words = verify(store, capsys)
    assert code == 0 and "its 4 entries are as this store wrote them" in words and "stopped" not in words


KILLED_ENDING_A_BURST = """
import dataclasses, os, signal, sys
from meetings.storage import files
from meetings.storage.store import Store

case_file = Store(sys.argv[1]).open("DEMO-0001")
meeting = case_file.case.meetings[0]
for typed in ("Robin was", "Robin was seen"):
    meeting.steps[1].notes = typed
    case_file.save(meeting)
# The burst's entry and the next save's are on disk in the history; the case file is not written.
files.AtomicStorage.write = lambda self, data: os.kill(os.getpid(), signal.SIGKILL)
case_file.save(dataclasses.replace(case_file.case.actions[1], owner="Wren Example"))
"""


def test_a_kill_after_a_burst_is_written_neither_loses_nor_doubles_it(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", KILLED_ENDING_A_BURST, str(store.root)], capture_output=True, timeout=60
    )
    assert child.returncode == -signal.SIGKILL
    expected = ["Robin was", "Robin was seen", "Wren Example"]
    assert [c.new for e in Store(store.root).history(CASE) for c in e.changes] == expected
    code, words = verify(store, capsys)
    assert code == 0 and "stopped before its case file was written" in words and "gathered" not in words
    Store(store.root).open(CASE).close()  # the entry the case file held is already in the history: not again
    assert [c.new for e in Store(store.root).history(CASE) for c in e.changes] == expected
    assert len(lines_of(store)) == 4 and verify(store, capsys)[0] == 0


def test_a_torn_last_line_is_not_tampering(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    saved_three_times(store)
    with history_file(store).open("ab") as f:
        f.write(b'{"at": "2026-11-28T10:00:00Z", "who": "tor')  # a crash in the middle of a line
    assert verify(store, capsys)[0] == 0
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[3], owner="Zephyr Placeholder"))
    code, words = verify(store, capsys)
    assert code == 0 and "its 5 entries are as this store wrote them" in words


def test_an_encrypted_store_chains_its_history_and_finds_a_cut(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.import_data(DEMO)
    with store.open(CASE) as case_file:  # a line written plain, before the store is encrypted
        case_file.save(dataclasses.replace(case_file.case.actions[4], owner="Zephyr Placeholder"))
    store.start_encryption(PASSPHRASE)
    store.encrypt_files()
    saved_three_times(store)
    assert b"Placeholder" not in history_file(store).read_bytes()
    unlocked = Store(store.root)
    unlocked.unlock(passphrase=PASSPHRASE)
    check = unlocked.verify_history(CASE)
    assert check.intact and check.entries == 5
    history_file(store).write_bytes(b"".join(lines_of(store)[:-1]))
    check = unlocked.verify_history(CASE)
    assert not check.intact and "the last one was removed" in check.words


# ----- a history written by the earlier release ---------------------------------------------------------


def as_the_earlier_release_wrote_it(store: Store) -> None:
    """Two saves in a history file without a chain, and a case file that records no end of it."""
    saves = [
        {"at": "2026-10-01T09:00:00Z", "who": "wren", "machine": "laptop-1", "changes": [
            {"path": "actions[1].owner", "old": "", "new": "Lee Placeholder", "restricted": False}]},
        {"at": "2026-10-02T09:00:00Z", "who": "wren", "machine": "laptop-1", "changes": [
            {"path": "actions[1].owner", "old": "Lee Placeholder", "new": "Wren Example", "restricted": False}]},
    ]  # fmt: skip
    history_file(store).write_bytes(b"".join(json.dumps(s).encode() + b"\n" for s in saves))
    tables = json.loads(store.case_path(CASE).read_bytes())
    del tables["_history"]
    tables.pop("_proof", None)
    store.case_path(CASE).write_bytes(json.dumps(tables).encode())


def test_an_unchained_history_is_accepted_labelled_and_chained_on(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    as_the_earlier_release_wrote_it(store)
    code, words = verify(store, capsys)
    assert code == 0 and "2 entries, all written before the history was chained" in words
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[2], owner="Quill Placeholder"))
    code, words = verify(store, capsys)
    assert code == 0 and "its 3 entries are as this store wrote them" in words
    assert "The first 2 were written before the history was chained" in words
    assert [c.new for e in Store(store.root).history(CASE) for c in e.changes][-1] == "Quill Placeholder"
    # Once the chain has begun, the earlier lines cannot be changed unseen either.
    edited_by_hand(store, 1, who="someone-else")
    code, words = verify(store, capsys)
    assert code == 1 and "the 2 entries written before the history was chained were changed" in words


# ----- what a case file claims, and what the store did ------------------------------------------------


def test_an_imported_entry_is_marked_and_never_passes_as_the_persons_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "claims.json"
    path.write_text(json.dumps({**DEMO, "history": [CLAIMED]}), encoding="utf-8")
    root = tmp_path / "store"
    assert main(["--store", str(root), "import", str(path)]) == 0
    store = Store(root)
    claimed, received = store.history(CASE)
    assert (claimed.who, claimed.machine, claimed.imported_by) == ("kaur", "laptop-3", ME)
    assert (received.event, received.who, received.imported_by) == ("imported", ME, "")
    mark = f"kaur on laptop-3  (from a case file imported by {ME}; not recorded by this store)"
    everything = shown(store, capsys)
    assert mark in everything and f"{ME} on " in everything and "case imported from a case file" in everything
    theirs = [line for line in shown(store, capsys, "--person", "kaur").splitlines() if not line.startswith(" ")]
    assert theirs and all(line.endswith(mark) for line in theirs)  # never as kaur's own recorded save
    # The export carries what the file said, not who imported it, nor this store's receipt.
    assert store.export_data(CASE)["history"] == [CLAIMED]
    assert b"imported_by" not in export_bytes(store.export_data(CASE))


def test_the_app_s_rows_mark_an_imported_entry_and_say_the_event(tmp_path: Path) -> None:
    from meetings.domain.changes import HistoryFilter

    store = Store(tmp_path / "store")
    store.import_data({**DEMO, "history": [CLAIMED]})
    rows = HistoryFilter().rows(store.history(CASE), show_restricted=False)
    assert rows[0][1:] == (ME, rows[0][2], "case imported from a case file")  # newest first
    assert rows[1][1] == f"kaur (from a case file imported by {ME}; not recorded by this store)"
    assert rows[1][3] == 'case.lead_social_worker: (empty) → "Wren Example"'


def test_the_demo_case_imported_shows_its_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "store"
    assert main(["--store", str(root), "import", str(DEMO_PATH)]) == 0
    said = shown(Store(root), capsys)
    assert "No changes" not in said
    [line] = said.splitlines()
    assert line.endswith(f"  {ME} on {socket.gethostname()}: case imported from a case file")


def test_import_replace_restore_and_create_are_each_in_the_history(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**DEMO, "team": "Example Team (fictional)"}), encoding="utf-8")
    assert main(["--store", str(store.root), "import", str(changed), "--replace"]) == 0
    store.case_path(CASE).write_bytes(b'{"case": ')  # damaged
    assert main(["--store", str(store.root), "restore", CASE]) == 0
    said = shown(store, capsys)
    for event in ("case imported from a case file", "case replaced by an import", "case put back from its backup"):
        assert f"{ME} on " in said and f": {event}" in said
    assert f'  case.team: "{DEMO["team"]}" → "Example Team (fictional)"' in said
    assert [e.event for e in Store(store.root).history(CASE)] == ["imported", "replaced", "restored"]
    assert verify(store, capsys)[0] == 0

    store.create(load(Case, {**DEMO, "id": "SAMPLE-2"})).close()
    capsys.readouterr()
    assert main(["--store", str(store.root), "history", "SAMPLE-2"]) == 0
    assert ": case created" in capsys.readouterr().out.splitlines()[0]


def test_a_migrated_case_records_its_move_and_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = Store(tmp_path / "from")
    source.import_data({**DEMO, "history": [CLAIMED]})
    with source.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
    capsys.readouterr()
    assert main(["migrate", "--from", str(source.root), "--to", str(tmp_path / "to")]) == 0
    assert capsys.readouterr().out.count("copied and checked") == 2
    target = Store(tmp_path / "to")
    assert [(e.event, e.imported_by) for e in target.history(CASE)] == [("", ME), ("", ME), ("migrated", "")]
    assert target.export_data(CASE) == source.export_data(CASE)
    assert main(["migrate", "--from", str(source.root), "--to", str(target.root)]) == 0
    assert "already copied, identical" in capsys.readouterr().out


# ----- the case file format -----------------------------------------------------------------------------


def test_a_case_file_s_event_is_checked_and_imported_by_is_never_taken_from_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    with pytest.raises(InvalidRecord, match=r"^history\[0\]\.event: should be one of created, imported"):
        store.import_data({**DEMO, "history": [{**CLAIMED, "event": "hacked"}]})
    with pytest.raises(InvalidRecord, match=r"^history\[0\]\.imported_by: is not a field of a history entry"):
        store.import_data({**DEMO, "history": [{**CLAIMED, "imported_by": "someone"}]})
    store.import_data({**DEMO, "history": [{**CLAIMED, "event": "restored"}]})
    assert store.export_data(CASE)["history"] == [{**CLAIMED, "event": "restored"}]
    assert history_json_schema()["items"]["properties"]["event"]["enum"] == list(EVENTS)


def test_history_lines_say_each_event_in_words() -> None:
    entries = [HistoryEntry("2026-11-02T09:15:00Z", "admin", "laptop-1", (), event) for event in EVENTS]
    said = history_lines(entries)
    assert [line.split(": ", 1)[1] for line in said] == [
        "case created",
        "case imported from a case file",
        "case replaced by an import",
        "case put back from its backup",
        "case deleted",
        "allocated",
        "case moved in from another store",
    ]
