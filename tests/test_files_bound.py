"""Issue 21, points 5 to 8: a case file is this case's, this store's, and its latest save.

How a chair or a colleague meets each: a sync tool or a careless copy puts one child's file in
place of another's (or a backup over the latest save); someone drops a plain copy into a store the
council had encrypted; a hand edit files a record under another number. Each must be found and
said, naming the case and what is wrong, and nothing may be saved over it by mistake. The case
list and the other cases go on working.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from meetings.domain.locations import data_dir
from meetings.storage import crypto
from meetings.storage.store import Store
from tui.cli import main

PASSPHRASE = "fictional harbour lanterns"
DEMO = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
FIRST, SECOND = "BOUND-0001", "BOUND-0002"
OTHER_CHILD = "Rowan Testcase (fictional)"


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COREGROUP_STORE", "COREGROUP_PASSPHRASE", "COREGROUP_RECOVERY_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(crypto, "SCRYPT", {"n": crypto.SCRYPT_N[0], "r": 8, "p": 1})


def two_cases(root: Path, *, encrypted: bool) -> Store:
    """A store of two cases, each saved once after its import (so each has a backup)."""
    store = Store(root)
    if encrypted:
        store.start_encryption(PASSPHRASE)
        store.encrypt_files()
    second = json.loads(json.dumps(DEMO))
    second["children"][0]["name"] = OTHER_CHILD
    for case_id, data in ((FIRST, DEMO), (SECOND, second)):
        store.import_data({**data, "id": case_id})
        with store.open(case_id) as case_file:
            case_file.save(dataclasses.replace(case_file.case.actions[0], evidence="Seen at home (fictional)."))
    return store


def run(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    code = main(["--store", str(root), *args])
    out, err = capsys.readouterr()
    return code, out + err


def exported(root: Path, case_id: str, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> tuple[int, str]:
    out = root.parent / f"{case_id}-out.json"
    code, said = run(root, capsys, mp, "export", case_id, "--out", str(out))
    return code, said if code else out.read_text(encoding="utf-8")


# ----- point 5: a file is bound to its case ----------------------------------------------------------------
@pytest.mark.parametrize("encrypted", [False, True])
def test_two_case_files_swapped_are_refused_by_name_and_neither_vanishes_from_the_list(
    tmp_path: Path, encrypted: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=encrypted)
    first, second = store.case_path(FIRST), store.case_path(SECOND)
    swap = first.with_name("swap")
    os.replace(first, swap)
    os.replace(second, first)
    os.replace(swap, second)
    for case_id, holds in ((FIRST, SECOND), (SECOND, FIRST)):
        code, said = exported(root, case_id, capsys, monkeypatch)
        assert code == 1
        assert f"holds case {holds}, not case {case_id}" in " ".join(said.split()), said
        assert OTHER_CHILD not in said and DEMO["children"][0]["name"] not in said
    code, said = run(root, capsys, monkeypatch, "reindex")
    listed = run(root, capsys, monkeypatch, "cases")[1]
    assert FIRST in listed and SECOND in listed  # both still in sight, as damaged
    assert OTHER_CHILD not in listed  # the other child's record is not shown under this case


def test_a_backup_of_another_case_put_in_place_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=True)
    shutil.copyfile(f"{store.case_path(SECOND)}.bak", store.case_path(FIRST))
    code, said = exported(root, FIRST, capsys, monkeypatch)
    assert code == 1 and f"holds case {SECOND}, not case {FIRST}" in " ".join(said.split())
    assert exported(root, SECOND, capsys, monkeypatch)[0] == 0  # the other case is untouched


# ----- point 6: an earlier save put back is found ----------------------------------------------------------
@pytest.mark.parametrize("encrypted", [False, True])
def test_the_backup_copied_over_the_latest_save_is_found_and_restore_makes_it_the_case(
    tmp_path: Path, encrypted: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=encrypted)
    path = store.case_path(FIRST)
    shutil.copyfile(f"{path}.bak", path)  # what a careless copy, or a sync tool, does
    code, said = exported(root, FIRST, capsys, monkeypatch)
    words = " ".join(said.split())
    assert code == 1, said
    assert f"earlier save of case {FIRST} than the last one the store made" in words
    assert "coregroup restore" in words
    run(root, capsys, monkeypatch, "reindex")
    listed = run(root, capsys, monkeypatch, "cases")[1]
    assert FIRST in listed and "damaged" in listed.lower()
    code, said = run(root, capsys, monkeypatch, "restore", FIRST)
    assert code == 0, said
    code, text = exported(root, FIRST, capsys, monkeypatch)
    assert code == 0
    history = json.loads(text)["history"]
    assert history[-1]["event"] == "restored"  # the history says what was done, and by whom
    assert exported(root, SECOND, capsys, monkeypatch)[0] == 0


def test_an_older_copy_kept_by_hand_and_put_back_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=False)
    path = store.case_path(FIRST)
    kept = path.read_bytes()  # a copy taken today
    with store.open(FIRST) as case_file:
        for n in range(3):
            action = case_file.case.actions[0]
            case_file.save(dataclasses.replace(action, evidence=f"Visit {n} recorded (fictional)."))
    path.write_bytes(kept)
    code, said = exported(root, FIRST, capsys, monkeypatch)
    assert code == 1 and "earlier save" in said


def test_saves_after_a_restore_and_after_a_replace_are_not_taken_for_earlier_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=False)
    run(root, capsys, monkeypatch, "restore", FIRST, "--force")
    store.import_data({**DEMO, "id": FIRST}, replace=True)
    with Store(root).open(FIRST) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[0], evidence="After all that (fictional)."))
    code, text = exported(root, FIRST, capsys, monkeypatch)
    assert code == 0 and "After all that (fictional)." in text


# ----- point 7: an encrypted store holds only encrypted files -----------------------------------------------
def test_a_plain_case_file_dropped_into_an_encrypted_store_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    two_cases(root, encrypted=True)
    plain = Store(tmp_path / "plain")
    dropped = json.loads(json.dumps(DEMO))
    dropped["children"][0]["name"] = "Dropped In (fictional)"
    plain.import_data({**dropped, "id": FIRST})
    shutil.copyfile(plain.case_path(FIRST), root / "cases" / f"{FIRST}.json")
    code, said = exported(root, FIRST, capsys, monkeypatch)
    assert code == 1 and "not encrypted, though the store is" in " ".join(said.split())
    run(root, capsys, monkeypatch, "reindex")
    assert "Dropped In" not in run(root, capsys, monkeypatch, "cases")[1]
    assert exported(root, SECOND, capsys, monkeypatch)[0] == 0


# ----- point 8: a record is kept under its own number ------------------------------------------------------
def test_a_record_kept_under_another_number_is_refused_before_a_save_can_double_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=False)
    path = store.case_path(FIRST)
    tables: dict[str, Any] = orjson.loads(path.read_bytes())
    actions = tables["actions"]
    first_key = next(iter(actions))
    actions["999"] = actions.pop(first_key)  # a hand edit: the row's key no longer its number
    path.write_bytes(orjson.dumps(tables))
    code, said = exported(root, FIRST, capsys, monkeypatch)
    assert code == 1
    assert f"keeps a record numbered '{first_key}' under '999'" in " ".join(said.split()), said


# ----- the case list is bound too -------------------------------------------------------------------------
@pytest.mark.parametrize("encrypted", [False, True])
def test_index_shards_swapped_or_plain_in_an_encrypted_store_are_rebuilt_from_the_case_files(
    tmp_path: Path, encrypted: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    two_cases(root, encrypted=encrypted)
    before = run(root, capsys, monkeypatch, "cases")[1]
    shards = sorted((root / "index").glob("[0-9][0-9].json"))
    smallest = min(p.stat().st_size for p in shards)  # a shard holding no case
    full = [p for p in shards if p.stat().st_size > smallest]
    empty = next(p for p in shards if p not in full)
    os.replace(full[0], empty)  # a case's summary now in a shard its id does not belong to
    full[0].write_bytes(empty.read_bytes())
    assert run(root, capsys, monkeypatch, "cases")[1] == before
    if encrypted:  # a plain shard claiming a case: not the store's, so rebuilt
        for shard in shards:
            shard.write_bytes(b"{}")
        (root / "index" / shards[0].name).write_bytes(
            orjson.dumps({"FAKE-0001": {"id": "FAKE-0001", "children": "Planted Name (fictional)"}})
        )
        listed = run(root, capsys, monkeypatch, "cases")[1]
        assert listed == before and "Planted" not in listed


# ----- a restore stopped half way leaves a case file -------------------------------------------------------
KILL_AT_FIRST_WRITE = """
import os, signal, sys
import meetings.storage.store as store_module
def write(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
store_module.atomic_write = write
from tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_restore_killed_before_it_writes_leaves_the_case_file_in_place(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=False)
    path = store.case_path(FIRST)
    before = path.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COREGROUP_")}
    child = subprocess.run(
        [sys.executable, "-c", KILL_AT_FIRST_WRITE, "--store", str(root), "restore", FIRST, "--force"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent, timeout=120,
        check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert path.read_bytes() == before  # killed after setting the file aside: it is still in place too
    assert Store(root).export_data(FIRST)["id"] == FIRST


def test_a_plain_history_line_planted_in_an_encrypted_store_is_not_shown_as_the_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = two_cases(root, encrypted=True)
    planted = {
        "at": "2026-11-30T09:00:00Z", "who": "planted.person", "machine": "elsewhere",
        "changes": [{"path": "actions[1].evidence", "old": "", "new": "Planted words (fictional)", "restricted": False}],
    }  # fmt: skip
    with store.history_path(FIRST).open("ab") as history:
        history.write(orjson.dumps(planted) + b"\n")
    code, said = run(root, capsys, monkeypatch, "history", FIRST)
    assert code == 0 and "Seen at home (fictional)." in said  # the case's own saves are shown
    assert "planted.person" not in said and "Planted words" not in said
