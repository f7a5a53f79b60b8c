"""Who changed what, and when: every save of a case is in its history (issue 13, point 4), kept by
the file store beside the case file, carried by the case file export, shown in words."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import DEMO_ID, human, open_walkthrough, save_now, wait_until

from meetings.domain import schema
from meetings.domain.changes import FieldChange, HistoryEntry, history_lines
from meetings.domain.locations import data_dir
from meetings.domain.records import (
    Action,
    ActionStatus,
    AttendanceMode,
    Attendee,
    Case,
    Concern,
    SourceKind,
)
from meetings.domain.schema import InvalidRecord
from meetings.storage.exchange import export_bytes
from meetings.storage.store import Store, StoreError

DEMO_BYTES = (data_dir() / "demo" / "demo-case.json").read_bytes()
DEMO = json.loads(DEMO_BYTES)
PASSPHRASE = "fictional harbour lanterns"


def history_file(store: Store) -> Path:
    return store.root / "cases" / f"{DEMO_ID}.history"


def changes(store: Store) -> list[FieldChange]:
    """Every change in the case's history, read from disk by another Store, oldest first."""
    return [c for entry in Store(store.root).history(DEMO_ID) for c in entry.changes]


def saves(store: Store) -> list[HistoryEntry]:
    """The case's history, read from disk by another Store, without the entries of events (its import)."""
    return [e for e in Store(store.root).history(DEMO_ID) if not e.event]


def change_at(store: Store, path: str) -> FieldChange:
    found = [c for c in changes(store) if c.path == path]
    assert found, f"no change of {path} in {[c.path for c in changes(store)]}"
    return found[-1]


# ----- each kind of change, through the store ---------------------------------------------------


def test_an_import_records_only_its_receipt_and_exports_the_same_file(store: Store) -> None:
    [received] = Store(store.root).history(DEMO_ID)
    assert (received.event, received.who, received.changes, received.imported_by) == (
        "imported",
        getpass.getuser(),
        (),
        "",
    )
    assert export_bytes(store.export_data(DEMO_ID)) == DEMO_BYTES  # no "history" key added


def test_a_change_to_the_case_details_names_who_when_where_and_the_field(store: Store) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with store.open(DEMO_ID) as case_file:
        old = case_file.case.lead_social_worker
        case_file.case.lead_social_worker = "Wren Example"
        case_file.save()
    after = dt.datetime.now(dt.UTC)
    [entry] = saves(store)
    assert entry.who == getpass.getuser() and entry.machine == socket.gethostname()
    assert entry.at.endswith("Z") and before <= dt.datetime.fromisoformat(entry.at) <= after
    assert entry.changes == (FieldChange("case.lead_social_worker", old, "Wren Example"),)


def test_adding_editing_and_deleting_a_record_are_each_in_the_history(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        number = case_file.case.next_number("actions")
        added = Action(number=number, text="Book a home visit (fictional).", owner="Lee Placeholder")
        case_file.save(added)
        case_file.save(dataclasses.replace(added, status=ActionStatus.IN_PROGRESS))
        case_file.delete(added)
    entries = saves(store)
    assert [[c.path for c in e.changes] for e in entries] == [
        [f"actions[{number}]"],
        [f"actions[{number}].status"],
        [f"actions[{number}]"],
    ]
    made, edited, deleted = (e.changes[0] for e in entries)
    assert made.old is None and made.new["text"] == "Book a home visit (fictional)."
    assert (edited.old, edited.new) == ("open", "in_progress")
    assert deleted.old["owner"] == "Lee Placeholder" and deleted.new is None


def test_a_nested_field_has_a_readable_path(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        meeting = case_file.case.meetings[0]
        meeting.steps[1].notes = "Robin was seen at nursery (fictional)."
        case_file.save(meeting)
    assert change_at(store, f"meetings[{meeting.number}].steps[1].notes").new == (
        "Robin was seen at nursery (fictional)."
    )


def test_an_attendee_s_mode_has_its_path_and_a_restricted_person_at_a_meeting_is_restricted(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        hidden = next(p for p in case_file.case.people if p.restricted)
        meeting = case_file.case.meetings[0]
        was = meeting.attendees[0].mode
        meeting.attendees[0].mode = AttendanceMode.PHONE if was is not AttendanceMode.PHONE else AttendanceMode.ONLINE
        meeting.attendees.append(Attendee(name=hidden.name, person_id=hidden.id, role="Mother's partner"))
        case_file.save(meeting)
    mode = change_at(store, f"meetings[{meeting.number}].attendees[0].mode")
    assert (mode.old, mode.new, mode.restricted) == (was and was.value, meeting.attendees[0].mode.value, False)
    added = change_at(store, f"meetings[{meeting.number}].attendees[{len(meeting.attendees) - 1}]")
    assert added.old is None and added.restricted
    assert hidden.name not in "\n".join(history_lines(Store(store.root).history(DEMO_ID)))


def test_a_save_that_changes_nothing_adds_nothing(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        case_file.save(case_file.case.actions[0])
        case_file.save()
    assert saves(store) == []


def test_a_restricted_change_stays_restricted_in_the_history(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        hidden = next(p for p in case_file.case.people if p.restricted)
        case_file.save(dataclasses.replace(hidden, contact="Flat 9, Sample Street (fictional)"))
        meeting = case_file.case.meetings[0]
        meeting.steps[0].restricted_notes = "Told us where the mother now lives (fictional)."
        meeting.steps[0].notes = "Shared with everyone (fictional)."
        case_file.save(meeting)
        concern = Concern(
            id=case_file.case.next_number("concerns"),
            received_on=dt.date(2026, 11, 1),
            reported="Baby heard crying for hours (fictional).",
        )
        case_file.save(concern)
        case_file.save(
            dataclasses.replace(concern, source_kind=SourceKind.ANONYMOUS, source="Pat Neighbour (fictional)")
        )
    assert change_at(store, f"people[{hidden.id}].contact").restricted
    assert change_at(store, f"meetings[{meeting.number}].steps[0].restricted_notes").restricted
    assert not change_at(store, f"meetings[{meeting.number}].steps[0].notes").restricted
    assert change_at(store, f"concerns[{concern.id}].source").restricted  # who passed an anonymous referral on
    assert not change_at(store, f"concerns[{concern.id}]").restricted  # the concern itself is shared

    shown = "\n".join(history_lines(Store(store.root).history(DEMO_ID)))
    for secret in ("Sample Street", "where the mother now lives", "Pat Neighbour"):
        assert secret not in shown
    assert f"people[{hidden.id}].contact: (restricted)" in shown
    assert "Shared with everyone" in shown
    everything = "\n".join(history_lines(Store(store.root).history(DEMO_ID), show_restricted=True))
    assert "Sample Street" in everything and "Pat Neighbour" in everything


def test_a_record_marked_restricted_is_restricted_whole(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        action = dataclasses.replace(
            case_file.case.actions[0], restricted=True, evidence="Seen at the refuge (fictional)."
        )
        case_file.save(action)
    assert change_at(store, f"actions[{action.number}].evidence").restricted
    assert change_at(store, f"actions[{action.number}].restricted").restricted


def test_a_new_case_created_records_its_records_as_added(store: Store) -> None:
    fresh = schema.load(Case, {**DEMO, "id": "SAMPLE-2"})
    store.create(fresh).close()
    [created] = store.history("SAMPLE-2")
    paths = [c.path for c in created.changes]
    assert created.event == "created" and created.who == getpass.getuser()
    assert paths[0] == "case" and f"actions[{fresh.actions[0].number}]" in paths


def test_typing_on_in_one_field_is_every_save_on_disk_and_one_line_shown(store: Store) -> None:
    """Saves going on in the same field are each on disk when `save` returns (the history read by
    another Store holds each); the history keeps and shows them gathered: the first save, then one
    entry to the last's new value."""
    with store.open(DEMO_ID) as case_file:
        meeting = case_file.case.meetings[0]
        first = meeting.steps[1].notes
        for typed in ("R", "Ro", "Robin", "Robin was seen"):
            meeting.steps[1].notes = typed
            case_file.save(meeting)
            assert changes(store)[-1].new == typed  # on disk before the next save
    path = f"meetings[{meeting.number}].steps[1].notes"
    assert [(c.old, c.new) for c in changes(store)] == [(first, "R"), ("R", "Robin was seen")]
    shown = [line for line in history_lines(Store(store.root).history(DEMO_ID)) if "steps[1].notes" in line]
    assert len(shown) == 1 and shown[0].startswith(f"  {path}: ") and shown[0].endswith('→ "Robin was seen"')


def test_restoring_a_backup_is_in_the_history(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
    (store.root / "cases" / f"{DEMO_ID}.json").write_bytes(b'{"case": ')  # damaged
    store.restore_backup(DEMO_ID)
    last = Store(store.root).history(DEMO_ID)[-1]
    assert [c.path for c in last.changes] == ["case"] and last.who == getpass.getuser()
    assert last.event == "restored"


def test_a_replacing_import_records_what_it_changed(store: Store) -> None:
    store.import_data({**DEMO, "lead_social_worker": "Wren Example"}, replace=True)
    assert (change_at(store, "case.lead_social_worker").new) == "Wren Example"
    replaced = Store(store.root).history(DEMO_ID)[-1]
    assert replaced.event == "replaced" and replaced.who == getpass.getuser() and not replaced.imported_by


# ----- the history file ---------------------------------------------------------------------------


def test_the_history_file_is_private_and_a_torn_last_line_is_skipped(store: Store) -> None:
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
    path = history_file(store)
    assert path.stat().st_mode & 0o777 == 0o600
    with path.open("ab") as f:
        f.write(b'{"at": "2026-11-28T10:00:00Z", "who": "tor')  # a crash in the middle of a line
    assert [c.path for c in changes(store)] == ["actions[1].owner"]
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Wren Example"))
    assert [(c.path, c.new) for c in changes(store)] == [
        ("actions[1].owner", "Lee Placeholder"),
        ("actions[1].owner", "Wren Example"),
    ]


def test_an_encrypted_store_keeps_its_history_encrypted(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.import_data(DEMO)
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Quill Placeholder"))
    assert b"Quill Placeholder" in history_file(store).read_bytes()  # plain before encryption

    store.start_encryption(PASSPHRASE)
    store.encrypt_files()
    assert b"Quill Placeholder" not in history_file(store).read_bytes()
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Zephyr Placeholder"))
    raw = history_file(store).read_bytes()
    assert b"Zephyr" not in raw and b"Quill" not in raw and b"Placeholder" not in raw

    locked = Store(store.root)
    with pytest.raises(StoreError):
        locked.history(DEMO_ID)
    locked.unlock(passphrase=PASSPHRASE)
    assert [c.new for e in locked.history(DEMO_ID) for c in e.changes] == ["Quill Placeholder", "Zephyr Placeholder"]


# ----- the case file carries the history ----------------------------------------------------------


def test_the_export_carries_the_history_and_an_import_keeps_it(store: Store, tmp_path: Path) -> None:
    with store.open(DEMO_ID) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], owner="Lee Placeholder"))
    exported = store.export_data(DEMO_ID)
    assert exported["history"] == [e.to_json() for e in saves(store)]  # not this store's receipt of the case
    again = Store(tmp_path / "elsewhere")
    again.import_data(json.loads(export_bytes(exported)))
    carried, received = again.history(DEMO_ID)
    assert carried == dataclasses.replace(saves(store)[0], imported_by=getpass.getuser())  # marked as the file's
    assert received.event == "imported"
    assert export_bytes(again.export_data(DEMO_ID)) == export_bytes(exported)
    # Imported again over itself: the history is not doubled, and the replace is recorded.
    again.import_data(json.loads(export_bytes(exported)), replace=True)
    assert [e.event for e in again.history(DEMO_ID)] == ["", "imported", "replaced"]


@pytest.mark.parametrize(
    ("history", "where"),
    [
        ({"at": "now"}, "history"),
        ([{"at": "yesterday", "who": "x", "machine": "m", "changes": []}], "history[0].at"),
        ([{"at": "2026-11-28T10:00:00Z", "who": 3, "machine": "m", "changes": []}], "history[0].who"),
        (
            [{"at": "2026-11-28T10:00:00Z", "who": "x", "machine": "m", "changes": [{"old": 1}]}],
            "history[0].changes[0]",
        ),
    ],
    ids=["not a list", "a bad moment", "who not text", "a change without a path"],
)
def test_a_case_file_with_a_history_of_the_wrong_shape_is_refused(tmp_path: Path, history: Any, where: str) -> None:
    store = Store(tmp_path / "store")
    with pytest.raises(InvalidRecord) as refused:
        store.import_data({**DEMO, "history": history})
    assert str(refused.value).startswith(f"{where}:")
    assert not store.exists(DEMO_ID)


# ----- the history in words -------------------------------------------------------------------------


def test_the_history_in_words_is_filtered_by_person_and_date() -> None:
    entries = [
        HistoryEntry("2026-11-02T09:15:00Z", "wren", "laptop-1", (FieldChange("actions[3].status", "open", "done"),)),
        HistoryEntry("2026-11-09T14:00:00Z", "lee", "laptop-2", (FieldChange("case.team", "", "North (fictional)"),)),
        HistoryEntry(
            "2026-11-20T16:30:00Z", "wren", "laptop-1", (FieldChange("visits[4]", None, {"date": "2026-11-20"}),)
        ),
    ]
    lines = history_lines(entries, tz=dt.UTC)
    assert lines[0] == "2 Nov 2026 09:15  wren on laptop-1"
    assert '  actions[3].status: "open" → "done"' in lines
    assert '  visits[4] added: "2026-11-20"' in lines
    wren = history_lines(entries, person="Wren", tz=dt.UTC)
    assert "lee on laptop-2" not in "\n".join(wren) and len([x for x in wren if not x.startswith(" ")]) == 2
    november_middle = history_lines(entries, since=dt.date(2026, 11, 5), until="2026-11-10", tz=dt.UTC)
    assert [x for x in november_middle if not x.startswith(" ")] == ["9 Nov 2026 14:00  lee on laptop-2"]


# ----- through the app ----------------------------------------------------------------------------------


async def test_notes_typed_in_a_meeting_step_are_in_the_history_on_disk(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        await human(pilot, *"Robin was seen")
        await save_now(pilot)
        await wait_until(pilot, lambda: not app.unsaved)
        typed = [c for c in changes(store) if c.path.endswith(".steps[0].notes")]
        assert typed and typed[0].path.startswith("meetings[") and str(typed[0].new).startswith("R")
    # Closed: the whole of what was typed is in the history.
    assert [c for c in changes(store) if c.path.endswith(".steps[0].notes")][-1].new == "Robin was seen"
    assert all(e.who == getpass.getuser() for e in Store(store.root).history(DEMO_ID))
    assert os.stat(history_file(store)).st_mode & 0o777 == 0o600


def test_a_history_that_cannot_be_written_is_written_with_the_next_save(store: Store) -> None:
    """The save is on disk; its history entry, refused by the disk, is not lost: the save says so
    (the writer tries again) and the entry is written with the next save."""
    aside = history_file(store).with_name("aside")
    history_file(store).rename(aside)
    history_file(store).mkdir()  # in the way of the history file: it cannot be written
    with store.open(DEMO_ID) as case_file:
        first, second = case_file.case.actions[0], case_file.case.actions[1]
        with pytest.raises(OSError):
            case_file.save(dataclasses.replace(first, owner="Lee Placeholder"))
        with Store(store.root).open(DEMO_ID, read_only=True) as reader:
            assert reader.case.actions[0].owner == "Lee Placeholder"
        history_file(store).rmdir()
        aside.rename(history_file(store))
        case_file.save(dataclasses.replace(second, owner="Wren Example"))
    assert [c.path for c in changes(store)] == [f"actions[{first.number}].owner", f"actions[{second.number}].owner"]
    assert Store(store.root).verify_history(DEMO_ID).intact


def test_importing_over_a_damaged_case_file_is_in_the_history(store: Store) -> None:
    (store.root / "cases" / f"{DEMO_ID}.json").write_bytes(b"garbage")
    store.import_data(DEMO, replace=True)
    [_, entry] = Store(store.root).history(DEMO_ID)
    assert [c.path for c in entry.changes] == ["case"] and entry.event == "replaced"
