"""No case data is left plain under an encrypted store, after any command, even a killed one.

A fictional case with distinctive names and notes is put in a store, the store is encrypted, and
each command of the README that touches a store of files is run on it (outputs are written outside
the store folder), some of them killed half way; after each, every file under the store (and under
a `migrate` target) is read, and none may hold a name or a note, as UTF-8 or JSON-escaped."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from meetings.domain.locations import data_dir
from meetings.storage.crypto import MAGIC
from meetings.storage.store import Store
from tui.cli import main

if TYPE_CHECKING:
    from meetings.storage.postgres import PostgresStore

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "fictional quiet lanterns"
NEW_PASSPHRASE = "fictional seven harbour kites"
CASE = "QUILL-0001"
NOTE = "Fictional note: seen at the Larkspur Mews flat with Tobiah Fennimore"
# Every form a name takes in the case (the children, a parent), and the notes typed.
NEEDLES = ("Zéphyrine", "Quillfeather", "Océane Thistlewood", "Marigold Ravensworth", "Larkspur Mews", "Fennimore")


def fictional_case(case_id: str = CASE) -> dict[str, Any]:
    """The demo case with distinctive fictional names, and a note of its own."""
    text = (data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")
    for old, new in (("Wren Example", "Zéphyrine Quillfeather"), ("Wren", "Zéphyrine"),
                     ("Sky Example", "Océane Thistlewood"), ("Jo Example", "Marigold Ravensworth")):  # fmt: skip
        text = text.replace(old, new)
    data: dict[str, Any] = json.loads(text)
    data["id"] = case_id
    data["actions"][1]["evidence"] = NOTE
    return data


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COREGROUP_STORE", "COREGROUP_PASSPHRASE", "COREGROUP_RECOVERY_KEY", "COREGROUP_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def forms(text: str) -> list[bytes]:
    """A text as a file may hold it: UTF-8, JSON-escaped (\\u00e9), and the case folded either way."""
    escaped = json.dumps(text)[1:-1]
    return sorted({f.encode("utf-8") for f in (text, escaped, text.lower(), escaped.lower())})


def plain_case_data(*roots: Path) -> dict[str, str]:
    """Every file under `roots` that holds a name or the note, and which one (empty when none does)."""
    found = {}
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                if path.is_symlink() or not path.is_file():
                    continue
                content = path.read_bytes()
                for needle in NEEDLES:
                    if any(form in content for form in forms(needle)):
                        found[str(path.relative_to(root.parent))] = needle
    return found


def encrypted_store(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain store of the fictional case, saved once (so it has a backup), then `coregroup encrypt`."""
    store = Store(root)
    store.import_data(fictional_case())
    with store.open(CASE) as case_file:
        action = case_file.case.actions[2]
        case_file.save(dataclasses.replace(action, evidence=f"{NOTE}, again."))
    assert plain_case_data(root)  # the needles are found where they are plain
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 0, err
    assert re.search(r"\b[0-9A-Z]{4}(-[0-9A-Z]{4}){7}\b", out)


KILLER = """
import os, signal, sys
folder, nth = os.path.realpath(sys.argv[1]), int(sys.argv[2])
calls = 0
real_replace = os.replace
def replace(src, dst, *args, **kwargs):  # killed when the n-th file under `folder` is about to be renamed into place
    global calls
    if os.path.realpath(os.fspath(dst)).startswith(folder + os.sep):
        calls += 1
        if calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst, *args, **kwargs)
os.replace = replace
from tui.cli import main
sys.exit(main(sys.argv[3:]))
"""


def killed(folder: Path, nth: int, *args: str) -> None:
    """Run `coregroup ARGS`, killed (SIGKILL) just before it renames the `nth` file under `folder`
    into place: its new copy written whole, beside the file it was to replace."""
    env = {**os.environ, "COREGROUP_PASSPHRASE": os.environ.get("COREGROUP_PASSPHRASE", PASSPHRASE)}
    child = subprocess.run(
        [sys.executable, "-c", KILLER, str(folder), str(nth), *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, (child.stdout, child.stderr)
    assert [p for p in folder.rglob("*.tmp")], "the kill left no temporary copy: it did not land mid-write"


@pytest.mark.slow
def test_every_command_of_the_readme_leaves_no_name_and_no_note_in_plain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = tmp_path / "store", tmp_path / "outside"
    outside.mkdir()
    encrypted_store(root, capsys, monkeypatch)
    assert plain_case_data(root) == {}
    second = outside / "second.json"
    second.write_text(json.dumps(fictional_case("QUILL-0002"), ensure_ascii=False), encoding="utf-8")
    replacement = fictional_case()
    replacement["actions"][3]["evidence"] = f"{NOTE} (replaced)"
    replaced = outside / "replaced.json"
    replaced.write_text(json.dumps(replacement), encoding="utf-8")  # JSON-escaped names, as other systems write
    store = ["--store", str(root)]
    commands = [
        ["import", str(second)],
        ["import", str(replaced), "--replace"],
        ["cases"],
        ["cases", "--search", "Quillfeather"],
        ["export", CASE, "--out", str(outside / "case.json")],
        ["export", CASE, "--out", "-"],
        ["brief", CASE, "--out", str(outside / "brief.docx")],
        ["brief", CASE, "--copy", "family", "--out", str(outside / "brief-family.docx")],
        ["minutes", CASE, "--meeting", "1", "--copy", "full", "--out", str(outside / "minutes.docx")],
        ["minutes", CASE, "--meeting", "1", "--copy", "family", "--out", str(outside / "family.docx")],
        ["chronology", CASE, "--out", str(outside / "chronology.docx")],
        ["sent", CASE, "--meeting", "1", "--to", "Marigold Ravensworth", "--copy", "family", "--how", "by hand"],
        ["history", CASE],
        ["history", CASE, "--restricted"],
        ["history", CASE, "--verify"],
        ["report"],
        ["report", "--format", "csv"],
        ["restore", CASE, "--force"],
        ["reindex"],
        ["where"],
        ["encrypt"],
        ["passphrase", "--new-recovery-key"],
    ]
    for command in commands:
        code, out, err = run(capsys, *store, *command)
        assert code == 0, (command, err)
        assert plain_case_data(root) == {}, command
    assert "Quillfeather" in run(capsys, *store, "cases")[1]  # all there, for whoever has the passphrase

    # An edit, as the app saves it (a note typed in a meeting), through the store's own API.
    opened = Store(root)
    opened.unlock(passphrase=PASSPHRASE)
    with opened.open(CASE) as case_file:
        meeting = case_file.case.meetings[-1]
        case_file.save(dataclasses.replace(meeting, decisions=f"{NOTE}; agreed by all (fictional)."))
    assert plain_case_data(root) == {}

    # Commands killed half way: each leaves a temporary copy beside the file it was writing.
    third = outside / "third.json"
    third.write_text(json.dumps(fictional_case("QUILL-0003"), ensure_ascii=False), encoding="utf-8")
    for nth, command in ((1, ["import", str(third)]), (2, ["import", str(replaced), "--replace"]),
                         (1, ["reindex"])):  # fmt: skip
        killed(root, nth, *store, *command)
        assert plain_case_data(root) == {}, command
    code, _, err = run(capsys, *store, "encrypt")  # finishes, and removes the killed writes' copies
    assert code == 0, err
    assert not list(root.rglob("*.tmp"))
    assert plain_case_data(root) == {}

    # A new passphrase, then the cases moved to a new folder: killed half way, then finished.
    monkeypatch.setenv("COREGROUP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    assert run(capsys, *store, "passphrase")[0] == 0
    monkeypatch.delenv("COREGROUP_NEW_PASSPHRASE")
    monkeypatch.setenv("COREGROUP_PASSPHRASE", NEW_PASSPHRASE)
    target = tmp_path / "moved"
    killed(target, 2, "migrate", "--from", str(root), "--to", str(target))
    assert plain_case_data(root, target) == {}
    code, out, err = run(capsys, "migrate", "--from", str(root), "--to", str(target))
    assert code == 0, err
    assert "copied and checked" in out
    assert plain_case_data(root, target) == {}
    assert "Quillfeather" in run(capsys, "--store", str(target), "cases")[1]


# ----- 9. temporary copies and copies of the user's ----------------------------------------------
def test_encrypt_removes_the_plain_copy_a_killed_import_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(fictional_case(), ensure_ascii=False), encoding="utf-8")
    # The first import into a new store, killed as it writes the case list (after the case file and
    # its save number): its shard's new copy, plain, is left in the index folder, and no shard of
    # that name was ever written whole.
    killed(root, 3, "--store", str(root), "import", str(case_file))
    assert [p.name for p in (root / "index").glob(".*.tmp")]
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 0, err
    assert "now encrypted" in out and "Left plain" not in err
    assert not list(root.rglob("*.tmp"))
    assert plain_case_data(root) == {}
    assert "Quillfeather" in run(capsys, "--store", str(root), "cases")[1]


def test_a_copy_of_the_users_in_the_store_folder_is_named_not_passed_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    Store(root).import_data(fictional_case())
    mine = root / "cases" / "A copy.json"
    mine.write_text(json.dumps(fictional_case(), ensure_ascii=False), encoding="utf-8")
    kept = mine.read_bytes()
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 1  # not a success while case data is left plain
    assert "now encrypted" in out
    assert "Left plain: cases/A copy.json" in err and "Move it out of the store folder or delete it" in err
    assert "Quillfeather" not in out + err  # named by its file, never by what it holds
    assert mine.read_bytes() == kept  # the user's file: neither encrypted nor deleted
    assert set(plain_case_data(root)) == {"store/cases/A copy.json"}

    code, out, err = run(capsys, "--store", str(root), "cases")  # every command says so, while it is there
    assert code == 0 and "Left plain: cases/A copy.json" in err
    mine.unlink()
    code, out, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 0 and "Left plain" not in err
    assert "Left plain" not in run(capsys, "--store", str(root), "cases")[2]


# ----- 10. a store that lost its key file --------------------------------------------------------
@pytest.mark.parametrize("release", ["this", "earlier"])
def test_without_its_key_file_an_encrypted_store_refuses_every_command_and_gets_no_second_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, release: str
) -> None:
    root = tmp_path / "store"
    encrypted_store(root, capsys, monkeypatch)
    (root / "store-key.json").unlink()
    if release == "earlier":  # a store encrypted before the marker was written: known by its encrypted index
        (root / "cases" / ".encrypted").unlink(missing_ok=True)
    second = tmp_path / "second.json"
    second.write_text(json.dumps(fictional_case("QUILL-0002"), ensure_ascii=False), encoding="utf-8")
    before = {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("COREGROUP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    for command in (["import", str(second)], ["encrypt"], ["cases"], ["export", CASE, "--out", "-"], ["reindex"],
                    ["history", CASE], ["report"], ["passphrase"], ["restore", CASE, "--force"]):  # fmt: skip
        code, out, err = run(capsys, "--store", str(root), *command)
        assert code == 1, command
        assert "its key file store-key.json is missing" in err and "Put the key file back from a backup" in err
        assert "Quillfeather" not in out + err
    after = {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before  # no plain case written, no second key made
    assert plain_case_data(root) == {}


def test_a_store_encrypted_by_an_earlier_release_still_opens_and_is_marked_by_encrypt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    encrypted_store(root, capsys, monkeypatch)
    marker = root / "cases" / ".encrypted"
    marker.unlink()  # as the earlier release left it: the key file, and no marker
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    assert "Quillfeather" in run(capsys, "--store", str(root), "cases")[1]
    second = tmp_path / "second.json"
    second.write_text(json.dumps(fictional_case("QUILL-0002"), ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "--store", str(root), "import", str(second))[0] == 0
    assert plain_case_data(root) == {}
    code, out, _ = run(capsys, "--store", str(root), "encrypt")
    assert code == 0 and "already encrypted" in out
    assert marker.is_file()


# ----- 11. migrate -----------------------------------------------------------------------------
def test_migrate_from_an_encrypted_folder_encrypts_the_new_folder_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, target = tmp_path / "store", tmp_path / "moved"
    encrypted_store(root, capsys, monkeypatch)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "migrate", "--from", str(root), "--to", str(target))
    assert code == 0, err
    assert f"the store at {target} is encrypted too, before any case is copied into it, under the same passphrase" in (
        out.replace("\n", " ")
    )
    found = re.search(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})\b", out)
    assert found and "shown only this once" in out
    assert out.index(found.group(1)) < out.index(f"{CASE}: copied and checked")
    assert plain_case_data(target) == {}
    assert (target / "cases" / f"{CASE}.json").read_bytes().startswith(MAGIC)
    assert "Quillfeather" in run(capsys, "--store", str(target), "cases")[1]  # the same passphrase opens it
    monkeypatch.delenv("COREGROUP_PASSPHRASE")
    monkeypatch.setenv("COREGROUP_RECOVERY_KEY", found.group(1))  # and its own recovery key
    assert "Quillfeather" in run(capsys, "--store", str(target), "cases")[1]
    monkeypatch.delenv("COREGROUP_RECOVERY_KEY")
    code, _, err = run(capsys, "--store", str(target), "cases")
    assert code == 1 and "encrypted" in err


def test_migrate_from_an_encrypted_folder_to_a_plain_store_holding_cases_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, target = tmp_path / "store", tmp_path / "plain"
    encrypted_store(root, capsys, monkeypatch)
    other = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    Store(target).import_data(other)
    before = {str(p): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "migrate", "--from", str(root), "--to", str(target))
    assert code == 1
    assert f"the store at {target} is not and already holds cases" in err
    assert f"coregroup --store {target} encrypt" in err and "Nothing was copied." in err
    assert {str(p): p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert plain_case_data(target) == {}


def test_migrate_from_an_encrypted_folder_to_a_team_store_says_who_protects_the_copies(
    pg: PostgresStore, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    encrypted_store(root, capsys, monkeypatch)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "migrate", "--from", str(root), "--to", pg.url, "--team", "A")
    assert code == 0, err
    said = " ".join(out.split())
    assert "are protected by the server" in said and "not by coregroup's encryption" in said
    assert pg.export_data(CASE)["children"][0]["name"] == "Zéphyrine Quillfeather"
