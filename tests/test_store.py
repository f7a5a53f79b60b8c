"""The case store: one writer per case, damaged files never overwritten, private files, the index."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from meetings.domain.agenda import load_agenda
from meetings.domain.locations import data_dir
from meetings.domain.records import Action, ActionStatus, Meeting
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings
from meetings.session import CaseSession
from meetings.storage.store import DamagedFile, Store, StoreError

CASE = "DEMO-0001"
DEMO = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


def without_history(exported: dict[str, Any]) -> dict[str, Any]:
    """A case's export without its history (which says who made the edits, restores and imports)."""
    return {key: value for key, value in exported.items() if key != "history"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.import_data(DEMO)
    return store


# ----- one writer per case ----------------------------------------------------------------------
# Who is told who has a case open, read-only views and a killed holder: tests/test_team_store.py,
# on every kind of store.


def test_closing_a_case_lets_the_next_writer_in(store: Store) -> None:
    store.open(CASE).close()
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], evidence="Seen at home (fictional)."))
    assert store.export_data(CASE)["actions"][0]["evidence"] == "Seen at home (fictional)."


# ----- saving ---------------------------------------------------------------------------------
def test_a_saved_edit_is_on_disk_and_the_previous_save_is_the_backup(store: Store) -> None:
    before = store.case_path(CASE).read_bytes()
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Checks back (fictional)."))
        assert Store(store.root).export_data(CASE)["actions"][1]["outcome"] == "Checks back (fictional)."
    assert Path(f"{store.case_path(CASE)}.bak").read_bytes() == before


def test_a_new_record_is_added_at_the_end(store: Store) -> None:
    with store.open(CASE) as case_file:
        number = case_file.case.next_number("actions")
        case_file.save(Action(number=number, text="Book a home visit (fictional).", due=None))
    assert [a["number"] for a in store.export_data(CASE)["actions"]] == [a["number"] for a in DEMO["actions"]] + [
        number
    ]


def test_an_invalid_edit_is_refused_and_neither_the_file_nor_the_open_case_changes(store: Store) -> None:
    before = store.case_path(CASE).read_bytes()
    with store.open(CASE) as case_file:
        assessment = case_file.case.actions[0]
        with pytest.raises(InvalidRecord, match="an assessment cannot be closed without its findings"):
            case_file.save(dataclasses.replace(assessment, status=ActionStatus.DONE, evidence=""))
        with pytest.raises(InvalidRecord, match=r"person_id: 99 is not a person in this case"):
            case_file.save(dataclasses.replace(assessment, person_id=99))
        # The record a rule refused is not left in the open case, whether the rule is the record's
        # own (an assessment closed without findings) or one across records (a person who is not there).
        assert case_file.case.actions[0] is assessment, "a refused record was left in the open case"
        online = case_file.case.meetings[0]
        with pytest.raises(InvalidRecord, match="needs a recorded reason"):
            case_file.save(dataclasses.replace(online, mode_reason=""))
        assert case_file.case.meetings[0] is online
    assert store.case_path(CASE).read_bytes() == before


def test_saving_the_case_details_checks_them(store: Store) -> None:
    with store.open(CASE) as case_file:
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
        case_file.case.children[0].name = " "
        with pytest.raises(InvalidRecord, match=r"^children\[0\]\.name: must not be empty$"):
            case_file.save()
    assert store.export_data(CASE)["lead_social_worker"] == "Robin Example (fictional)"
    assert store.list_cases()[0].lead_social_worker == "Robin Example (fictional)"


def test_the_case_list_follows_saves_without_opening_case_files(store: Store) -> None:
    open_actions = sum(1 for a in DEMO["actions"] if a["status"] in ("open", "in_progress"))
    [summary] = store.list_cases()
    assert (summary.id, summary.open_actions, summary.meetings) == (CASE, open_actions, len(DEMO["meetings"]))
    assert summary.children == ", ".join(c["name"] for c in DEMO["children"])
    with store.open(CASE) as case_file:
        still_open = next(a for a in case_file.case.actions if a.is_open and not a.is_assessment)
        case_file.save(dataclasses.replace(still_open, status=ActionStatus.DONE))
        new_number = case_file.case.next_number("meetings")
        case_file.save(Meeting(number=new_number, date=case_file.case.meetings[-1].date))
    [summary] = store.list_cases()
    assert (summary.open_actions, summary.meetings) == (open_actions - 1, len(DEMO["meetings"]) + 1)
    for shard in store.index_dir.glob("*.json"):
        shard.write_text("{not json")
    assert [s.id for s in store.list_cases()] == [CASE]  # a damaged index is rebuilt from the cases


def test_import_refuses_to_overwrite_a_case_unless_asked(store: Store) -> None:
    with pytest.raises(StoreError, match="already in the store; import with --replace"):
        store.import_data(DEMO)
    changed = {**DEMO, "team": "Example Team (fictional)"}
    store.import_data(changed, replace=True)
    assert without_history(store.export_data(CASE)) == changed


def test_opening_a_case_that_is_not_there_says_so(store: Store) -> None:
    with pytest.raises(StoreError, match=f"There is no case NOPE-1 in the store at {store.root}"):
        store.open("NOPE-1")
    with pytest.raises(InvalidRecord, match="is not a usable case id"):
        store.open("../escape")


# ----- damaged files -----------------------------------------------------------------------------
DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda good: good[: len(good) // 2],
    "garbage": lambda good: b"\x00\xff" * 64,
    "empty": lambda good: b"",
    "a list, not tables": lambda good: b"[1, 2, 3]",
    "no case header": lambda good: b'{"actions": {}}',
    "an invalid record": lambda good: good.replace(
        f'"icpc_date":"{DEMO["icpc_date"]}"'.encode(), b'"icpc_date":"2026-02-30"'
    ),
}


@pytest.fixture
def edited(store: Store) -> Store:
    """A store whose case has been saved once after import, so that a backup exists."""
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="First edit (fictional)."))
    return store


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_case_file_names_itself_and_its_backup_and_is_never_overwritten(edited: Store, damage: str) -> None:
    path = edited.case_path(CASE)
    bad = DAMAGE[damage](path.read_bytes())
    assert bad != path.read_bytes()
    path.write_bytes(bad)
    for read_only in (False, True):
        with pytest.raises(DamagedFile) as damaged:
            edited.open(CASE, read_only=read_only)
        message = str(damaged.value)
        assert message.startswith(f"The file {path} is damaged and was not changed (")
        assert f"A backup of the previous save is at {path}.bak; `coregroup restore` puts it back." in message
    assert path.read_bytes() == bad


def test_restore_puts_the_backup_back_and_keeps_the_damaged_file(edited: Store) -> None:
    path = edited.case_path(CASE)
    backup = Path(f"{path}.bak").read_bytes()
    path.write_bytes(b'{"case": {"1": ')
    kept = edited.restore_backup(CASE)
    assert kept.read_bytes() == b'{"case": {"1": '
    # The backup's tables, with the end of the history (now one entry longer: the restore) recorded anew.
    restored = {k: v for k, v in json.loads(path.read_bytes()).items() if k not in ("_proof", "_history", "_saves")}
    assert restored == {k: v for k, v in json.loads(backup).items() if k not in ("_proof", "_history", "_saves")}
    assert edited.verify_history(CASE).intact
    assert without_history(edited.export_data(CASE)) == DEMO  # the backup is the save before the edit


def test_a_damaged_file_without_a_backup_says_so(store: Store) -> None:
    path = store.case_path(CASE)
    path.write_bytes(b"garbage")
    with pytest.raises(DamagedFile, match="No readable backup was found"):
        store.open(CASE)
    with pytest.raises(StoreError, match="There is no readable backup of case DEMO-0001"):
        store.restore_backup(CASE)
    assert path.read_bytes() == b"garbage"


def test_the_case_list_still_shows_other_cases_when_one_file_is_damaged(edited: Store) -> None:
    other = {**DEMO, "id": "DEMO-0002"}
    edited.import_data(other)
    edited.case_path(CASE).write_bytes(b"garbage")
    for shard in edited.index_dir.glob("*.json"):
        shard.unlink()
    listed = edited.rebuild_index()  # the damaged case stays listed, as damaged (issue 11)
    assert [(s.id, bool(s.damaged)) for s in listed] == [(CASE, True), ("DEMO-0002", False)]
    assert "is damaged" in listed[0].damaged and [s.id for s in edited.list_cases()] == [CASE, "DEMO-0002"]


# ----- file permissions --------------------------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_every_file_is_private_to_its_owner(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    old_umask = os.umask(0o022)
    try:
        store = Store(root)
        store.import_data(DEMO)
        with store.open(CASE) as case_file:
            case_file.save(dataclasses.replace(case_file.case.actions[4], status=ActionStatus.DONE))
            lock = store.cases_dir / f"{CASE}.lock"
            assert _mode(lock) == 0o600
    finally:
        os.umask(old_umask)
    folders = [root, store.cases_dir, store.index_dir]
    files = [p for p in root.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {f"{CASE}.json", f"{CASE}.json.bak", f"{CASE}.lock", ".lock"}
    assert any(p.parent == store.index_dir and p.suffix == ".json" for p in files)
    # The folder the user chose keeps its mode (issue 11: a team's folder is theirs to set), with a
    # warning; the folders the store makes in it are private.
    assert oct(_mode(root)) == "0o755" and any("Other users" in w for w in store.warnings())
    assert {str(p): oct(_mode(p)) for p in folders[1:]} == {str(p): "0o700" for p in folders[1:]}
    assert {str(p): oct(_mode(p)) for p in files} == {str(p): "0o600" for p in files}


def test_saving_something_that_is_not_a_record_of_a_case_is_a_programming_error(store: Store) -> None:
    with store.open(CASE) as case_file, pytest.raises(TypeError, match="a str is not a record of a case"):
        case_file.save("notes")


def test_importing_over_a_damaged_case_keeps_the_good_backup_and_the_damaged_file(edited: Store) -> None:
    path = edited.case_path(CASE)
    good_backup = Path(f"{path}.bak").read_bytes()
    path.write_bytes(b"garbage")
    edited.import_data(DEMO, replace=True)
    assert without_history(edited.export_data(CASE)) == DEMO
    assert Path(f"{path}.bak").read_bytes() == good_backup
    [kept] = edited.cases_dir.glob(f"{CASE}.json.damaged-*")
    assert kept.read_bytes() == b"garbage"


def test_a_record_entered_in_error_can_be_deleted(store: Store) -> None:
    with store.open(CASE) as case_file:
        wrong = next(c for c in case_file.case.concerns if not c.answered)
        case_file.delete(wrong)
        case_file.delete(wrong)  # a second delete changes nothing
    assert [c["id"] for c in store.export_data(CASE)["concerns"]] == [
        c["id"] for c in DEMO["concerns"] if c["id"] != wrong.id
    ]
    unanswered = sum(1 for c in DEMO["concerns"] if not c["response"].strip())
    assert store.list_cases()[0].unanswered_concerns == unanswered - 1


def test_saving_a_different_case_object_is_refused(store: Store) -> None:
    with store.open(CASE) as case_file:
        other = dataclasses.replace(case_file.case, team="Example Team (fictional)")
        with pytest.raises(ValueError, match="edit case_file.case, then save it"):
            case_file.save(other)
    assert store.export_data(CASE) == DEMO


def test_a_change_whose_save_failed_is_written_by_the_next_save(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk for a moment: the failed change is not lost, and the next save writes it.

    Remembering a failed change is the case's session's job (its writer keeps the change queued):
    `CaseFile.save` is a single save, for the command line, that raises when it fails."""
    import meetings.storage.files as storage

    real_write = storage.atomic_write
    disk_full = False

    def flaky(*args: Any, **kwargs: Any) -> None:
        if disk_full:
            raise OSError(28, "No space left on device")
        real_write(*args, **kwargs)

    session = CaseSession(store.open(CASE), agenda=load_agenda(), settings=Settings(), delay=0.01)
    try:
        meeting = session.start_meeting(date=session.case.meetings[-1].date + dt.timedelta(weeks=6))
        assert session.save_now()
        before = store.case_path(CASE).read_bytes()
        monkeypatch.setattr(storage, "atomic_write", flaky)
        disk_full = True
        session.set_notes(meeting, meeting.steps[0], "Robin was seen at home (fictional).")
        assert not session.save_now()
        assert session.unsaved and session.save_failed
        assert session.last_error is not None and "no space left on the disk" in session.last_error
        assert store.case_path(CASE).read_bytes() == before  # the file is the last good save
        assert meeting.steps[0].notes == "Robin was seen at home (fictional)."  # the open case keeps the change

        disk_full = False  # room again: the next change is saved, and the failed one with it
        second = session.case.actions[1]
        changed = dataclasses.replace(second, outcome="Checks back (fictional).")
        session.update(second, changed, ["outcome"])
        assert session.save_now()
        assert not session.unsaved and not session.save_failed and session.last_error is None
    finally:
        closed = session.close()
    assert closed
    saved = Store(store.root).export_data(CASE)
    assert saved["meetings"][-1]["steps"][0]["notes"] == "Robin was seen at home (fictional)."
    assert saved["actions"][1]["outcome"] == "Checks back (fictional)."


def test_a_single_save_that_failed_says_so_and_leaves_the_last_good_save(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`CaseFile.save` (the command line's) never half-writes: it raises, and the file and its
    backup are as they were."""
    import meetings.storage.files as storage

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="First edit (fictional)."))
        good, backup = store.case_path(CASE).read_bytes(), Path(f"{store.case_path(CASE)}.bak").read_bytes()
        monkeypatch.setattr(storage, "atomic_write", full)
        with pytest.raises(OSError, match="No space left on device"):
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Second edit (fictional)."))
    assert store.case_path(CASE).read_bytes() == good
    assert Path(f"{store.case_path(CASE)}.bak").read_bytes() == backup


def test_a_case_whose_lock_was_removed_under_it_stops_saving_rather_than_overwrite(store: Store) -> None:
    """The store deleted or replaced while the app had the case open: another copy may now hold
    the case, so saving stops with a message instead of writing over it."""
    with store.open(CASE) as case_file:
        (store.cases_dir / f"{CASE}.lock").unlink()  # the lock file, as the store documents its layout
        before = store.case_path(CASE).read_bytes()
        with pytest.raises(StoreError, match="lock of case DEMO-0001 was removed or replaced"):
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Checks back (fictional)."))
        assert store.case_path(CASE).read_bytes() == before
