"""Encryption at rest: a copied store folder reveals nothing; the passphrase, the recovery key and
`coregroup encrypt` behave as a council's information-governance lead would expect."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static
from tui_helpers import human, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.base import StoreError
from meetings.storage.crypto import MAGIC
from meetings.storage.store import Store
from tui.cli import main
from tui.screens.case_list import CaseListScreen
from tui.screens.unlock import UnlockScreen

DEMO = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
CASE = "DEMO-0001"
CHILD = "Wren Example"
PASSPHRASE = "fictional harbour lanterns"
NEW_PASSPHRASE = "seven quiet fictional kites"
NOTE = "Seen at the fictional Larkspur flat with Jordan Pike"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COREGROUP_STORE", "COREGROUP_PASSPHRASE", "COREGROUP_RECOVERY_KEY", "COREGROUP_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def demo_store(root: Path, copies: int = 1) -> Store:
    """A plain store of the demo case (and copies of it with other ids), each saved once, so
    that each case file has a backup."""
    store = Store(root)
    for n in range(1, copies + 1):
        store.import_data({**DEMO, "id": f"DEMO-{n:04d}"})
        with store.open(f"DEMO-{n:04d}") as case_file:
            case_file.save(dataclasses.replace(case_file.case.actions[0], evidence=f"Seen on visit {n} (fictional)."))
    store.list_cases()  # every index shard written
    return store


def encrypt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, root: Path) -> tuple[str, str]:
    """`coregroup encrypt` with the passphrase in the environment: its output and the recovery key it shows."""
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 0, err
    monkeypatch.delenv("COREGROUP_PASSPHRASE")
    found = re.search(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})\b", out)
    assert found, out
    return out, found.group(1)


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def holding_case_data(root: Path) -> list[Path]:
    """Case files, backups, damaged files set aside and index shards."""
    return [p for p in (root / "cases").iterdir() if ".json" in p.name and not p.name.startswith(".")] + list(
        (root / "index").glob("[0-9][0-9].json")
    )


def test_an_encrypted_store_opens_with_the_passphrase_or_the_recovery_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    demo_store(root)
    out, recovery_key = encrypt(capsys, monkeypatch, root)
    assert "shown only this once" in out and "Without the passphrase or the recovery key nobody can read" in out
    assert re.search(r"Encrypted \d+ files", out)
    assert all(p.read_bytes().startswith(MAGIC) for p in holding_case_data(root))
    key_file = root / "store-key.json"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(key_file.read_text())["passphrase"]["kdf"] == "scrypt"  # its parameters recorded

    code, _, err = run(capsys, "--store", str(root), "cases")
    assert code == 1 and "encrypted" in err and "COREGROUP_PASSPHRASE" in err

    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "--store", str(root), "cases")
    assert code == 0 and CHILD in out
    monkeypatch.delenv("COREGROUP_PASSPHRASE")

    monkeypatch.setenv("COREGROUP_RECOVERY_KEY", recovery_key.lower().replace("-", " "))  # as typed from paper
    code, out, _ = run(capsys, "--store", str(root), "cases")
    assert code == 0 and CHILD in out

    typed_in_the_passphrase_box = Store(root)  # the app has one box, for either
    typed_in_the_passphrase_box.unlock(passphrase=recovery_key)
    assert not typed_in_the_passphrase_box.locked

    by_recovery_key = Store(root)
    by_recovery_key.unlock(recovery_key=recovery_key)
    with by_recovery_key.open(CASE) as case_file:
        assert case_file.case.children[0].name == CHILD
        assert not case_file.proven  # encrypted as it was, unchecked: the first open checks every field
        case_file.save()
    with by_recovery_key.open(CASE, read_only=True) as case_file:
        assert case_file.proven  # the proof of integrity holds, made of the plain bytes, keyed by the store key


@pytest.mark.parametrize("variable", ["COREGROUP_PASSPHRASE", "COREGROUP_RECOVERY_KEY"])
def test_a_wrong_passphrase_or_recovery_key_is_refused_in_words_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    root = tmp_path / "store"
    demo_store(root)
    encrypt(capsys, monkeypatch, root)
    before = files_of(root)
    monkeypatch.setenv(variable, "not the fictional passphrase")
    for command in (["cases"], ["export", CASE, "--out", str(tmp_path / "out.json")], ["reindex"], ["encrypt"]):
        code, out, err = run(capsys, "--store", str(root), *command)
        what = "passphrase" if variable == "COREGROUP_PASSPHRASE" else "recovery key"
        assert code == 1
        assert f"That {what} does not open the store at {root}: nothing was changed." in err
        assert CHILD not in out + err
    assert files_of(root) == before
    assert not (tmp_path / "out.json").exists()


def test_nothing_under_an_encrypted_store_holds_a_name_or_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = demo_store(root)
    with store.open(CASE) as case_file:  # a note typed before the store was encrypted
        action = case_file.case.actions[1]
        case_file.save(dataclasses.replace(action, evidence=NOTE))
    encrypt(capsys, monkeypatch, root)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    case_file_path = tmp_path / "second.json"
    case_file_path.write_text(json.dumps({**DEMO, "id": "DEMO-0002"}), encoding="utf-8")
    assert run(capsys, "--store", str(root), "import", str(case_file_path))[0] == 0  # an import
    store = Store(root)
    store.unlock(passphrase=PASSPHRASE)
    with store.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[2], evidence=NOTE))  # an edit
        meeting = case_file.case.meetings[-1]
        case_file.save(dataclasses.replace(meeting, decisions=f"{NOTE}; agreed by all."))  # a meeting's save
    assert run(capsys, "--store", str(root), "restore", CASE, "--force")[0] == 0  # a restore
    assert run(capsys, "--store", str(root), "reindex")[0] == 0
    assert any(".damaged-" in name for name in files_of(root))

    found = {
        name: text
        for name, content in files_of(root).items()
        for text in (CHILD, NOTE, DEMO["people"][0]["name"], DEMO["meetings"][0]["steps"][3]["notes"][:40])
        if text.lower().encode() in content.lower()
    }
    assert found == {}
    for path in holding_case_data(root):
        assert path.read_bytes().startswith(MAGIC), path
    lock = (root / "cases" / f"{CASE}.lock").read_bytes()
    assert lock == b"" or b"pid" in lock  # who held it (user, host, process), never case data
    # ... and everything is still there, for whoever has the passphrase.
    with store.open(CASE, read_only=True) as case_file:
        assert case_file.case.children[0].name == CHILD
        assert any(a.evidence == NOTE for a in case_file.case.actions)


def test_an_encrypted_store_without_its_key_file_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    demo_store(root)
    encrypt(capsys, monkeypatch, root)
    key_file = root / "store-key.json"
    kept = key_file.read_bytes()
    key_file.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, _, err = run(capsys, "--store", str(root), "cases")
    assert code == 1 and "store-key.json is damaged" in err and "backup" in err
    key_file.unlink()
    code, _, err = run(capsys, "--store", str(root), "cases")
    assert code == 1 and "key file store-key.json is missing" in err
    key_file.write_bytes(kept)
    assert CHILD in run(capsys, "--store", str(root), "cases")[1]


# ----- crash-safety of `coregroup encrypt` ---------------------------------------------------------
KILLER = """
import os, signal, sys
where, limit = sys.argv[1], int(sys.argv[2])
import meetings.storage.store as store_module
calls = 0
if where == "files":  # killed after `limit` files are converted
    real_write = store_module.atomic_write
    def write(*args, **kwargs):
        global calls
        if calls == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        calls += 1
        real_write(*args, **kwargs)
    store_module.atomic_write = write
else:  # killed inside the write of file `limit`: its encrypted copy written, not yet renamed into place
    real_replace = os.replace
    def replace(*args, **kwargs):
        global calls
        if calls == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        calls += 1
        real_replace(*args, **kwargs)
    os.replace = replace
from tui.cli import main
sys.exit(main(sys.argv[3:]))
"""


def killed_encrypt(root: Path, where: str, limit: int) -> None:
    env = {**os.environ, "COREGROUP_PASSPHRASE": PASSPHRASE}
    child = subprocess.run(
        [sys.executable, "-c", KILLER, where, str(limit), "--store", str(root), "encrypt"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr


def every_case_opens(root: Path, expected: dict[str, Any]) -> None:
    store = Store(root)
    if store.encrypted:
        store.unlock(passphrase=PASSPHRASE)
    for case_id, data in expected.items():
        assert store.export_data(case_id) == data
    assert sorted(s.id for s in store.list_cases()) == sorted(expected)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "limit"), [("files", 0), ("files", 1), ("files", 9), ("replace", 4), ("replace", 17)]
)
def test_encrypt_killed_at_any_moment_leaves_every_case_readable_and_finishes_when_run_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str, limit: int
) -> None:
    root = tmp_path / "store"
    store = demo_store(root, copies=6)
    expected = {s.id: store.export_data(s.id) for s in store.list_cases()}
    killed_encrypt(root, where, limit)
    forms = [p.read_bytes().startswith(MAGIC) for p in holding_case_data(root)]
    assert any(forms) == (limit > 0) and not all(forms)  # killed half way: both forms in the store
    every_case_opens(root, expected)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "--store", str(root), "encrypt")
    assert code == 0
    assert "already encrypted; encrypting any file left plain" in out
    assert re.search(r"Encrypted \d+ file", out)
    assert all(p.read_bytes().startswith(MAGIC) for p in holding_case_data(root))
    every_case_opens(root, expected)
    assert not [n for n in files_of(root) if n.endswith(".tmp")]  # a killed write's copy is gone too


@pytest.mark.slow
def test_the_real_command_killed_from_outside_leaves_every_case_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = demo_store(root, copies=40)
    expected = {s.id: store.export_data(s.id) for s in store.list_cases()}
    env = {**os.environ, "COREGROUP_PASSPHRASE": PASSPHRASE}
    total = len(holding_case_data(root))
    half_way = 0
    for target in (1, total // 3, 2 * total // 3):
        child = subprocess.Popen(
            [sys.executable, "-m", "tui", "--store", str(root), "encrypt"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
        )  # fmt: skip
        while child.poll() is None and sum(encrypted_files(root)) < target:
            time.sleep(0.002)  # watching the files: the kill lands wherever the command is by then
        child.send_signal(signal.SIGKILL)
        child.wait()
        half_way += 0 < sum(encrypted_files(root)) < total
        every_case_opens(root, expected)
    assert half_way >= 2, "the command finished before it could be killed half way"
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "--store", str(root), "encrypt")[0] == 0
    assert all(encrypted_files(root))
    every_case_opens(root, expected)


def encrypted_files(root: Path) -> list[bool]:
    forms = []
    for path in holding_case_data(root):
        try:
            with path.open("rb") as f:
                forms.append(f.read(len(MAGIC)) == MAGIC)
        except FileNotFoundError:  # renamed over just now
            forms.append(False)
    return forms


# ----- the passphrase ------------------------------------------------------------------------------
def test_changing_the_passphrase_leaves_the_case_files_as_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    demo_store(root)
    _, recovery_key = encrypt(capsys, monkeypatch, root)
    before = {n: c for n, c in files_of(root).items() if n != "store-key.json"}
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("COREGROUP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    code, out, _ = run(capsys, "--store", str(root), "passphrase")
    assert code == 0 and "not re-encrypted" in out
    assert {n: c for n, c in files_of(root).items() if n != "store-key.json"} == before

    code, _, err = run(capsys, "--store", str(root), "cases")  # the old one no longer opens it
    assert code == 1 and "does not open the store" in err
    monkeypatch.setenv("COREGROUP_PASSPHRASE", NEW_PASSPHRASE)
    assert CHILD in run(capsys, "--store", str(root), "cases")[1]

    # The passphrase forgotten: the recovery key sets a new one.
    monkeypatch.delenv("COREGROUP_PASSPHRASE")
    monkeypatch.setenv("COREGROUP_RECOVERY_KEY", recovery_key)
    monkeypatch.setenv("COREGROUP_NEW_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "--store", str(root), "passphrase", "--recovery-key")[0] == 0
    unlocked = Store(root)
    unlocked.unlock(passphrase=PASSPHRASE)
    assert [s.children for s in unlocked.list_cases()] == [f"{CHILD}, Sky Example"]

    # A recovery key seen by someone else: replaced; the old one opens nothing, the new one does.
    monkeypatch.delenv("COREGROUP_RECOVERY_KEY")
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "--store", str(root), "passphrase", "--new-recovery-key")
    assert code == 0 and "old recovery key no longer opens the store" in out
    new_key = re.search(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})\b", out)
    assert new_key and new_key.group(1) != recovery_key
    with pytest.raises(StoreError, match="That recovery key does not open the store"):
        Store(root).unlock(recovery_key=recovery_key)
    Store(root).unlock(recovery_key=new_key.group(1))
    assert {n: c for n, c in files_of(root).items() if n != "store-key.json"} == before


def test_a_new_passphrase_must_be_long_enough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    demo_store(root)
    before = files_of(root)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", "short")
    code, _, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 1 and "at least 10 characters" in err and "Nothing was changed" in err
    assert files_of(root) == before


def test_a_store_with_a_case_open_for_editing_is_not_encrypted_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    store = demo_store(root)
    with store.open(CASE):  # the app has it open, and would go on saving it unencrypted
        monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
        code, _, err = run(capsys, "--store", str(root), "encrypt")
    assert code == 1 and f"Case {CASE} is open for editing" in err
    assert not (root / "store-key.json").exists()


# ----- the app ------------------------------------------------------------------------------------
def encrypted_store(root: Path) -> Store:
    demo_store(root)
    Store(root).start_encryption(PASSPHRASE)
    store = Store(root)
    store.unlock(passphrase=PASSPHRASE)
    store.encrypt_files()
    return Store(root)  # as the app is given it: locked


def case_list_text(app: Any) -> str:
    table = app.screen.query_one("#case-table", DataTable)
    return " ".join(str(cell) for i in range(table.row_count) for cell in table.get_row_at(i))


async def test_the_app_asks_for_the_passphrase_once_at_start(tmp_path: Path, make_app: Any) -> None:
    store = encrypted_store(tmp_path / "store")
    assert store.locked
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert app.screen.query_one(Input).password  # typed as dots
        await human(pilot, *"not it at all", "enter")
        problem = app.screen.query_one("#unlock-problem", Static)
        await wait_until(pilot, lambda: "does not open the store" in str(problem.render()))
        assert isinstance(app.screen, UnlockScreen) and app.screen.query_one(Input).value == ""
        await human(pilot, *PASSPHRASE, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseListScreen))
        await wait_until(pilot, lambda: CHILD in case_list_text(app))


async def test_escape_at_the_passphrase_quits_without_opening_anything(tmp_path: Path, make_app: Any) -> None:
    store = encrypted_store(tmp_path / "store")
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        await human(pilot, "escape")
        await wait_until(pilot, lambda: not app.is_running)
    assert store.locked


def test_the_passphrase_in_the_environment_skips_the_question(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import CoreGroupApp

    root = tmp_path / "store"
    encrypted_store(root)
    seen: list[bool] = []
    monkeypatch.setattr(CoreGroupApp, "run", lambda self, *a, **k: seen.append(self.store.locked))
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    assert main(["--store", str(root)]) == 0
    monkeypatch.delenv("COREGROUP_PASSPHRASE")
    assert main(["--store", str(root)]) == 0
    assert seen == [False, True]  # unlocked already; locked, so the app asks


# ----- the council's setting, exports, the keyring ---------------------------------------------------
def test_a_council_that_requires_encryption_refuses_a_plain_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import CoreGroupApp

    settings = tmp_path / "settings.toml"
    settings.write_text("require_encryption = true\n", encoding="utf-8")
    monkeypatch.setenv("COREGROUP_CONFIG", str(settings))
    opened: list[str] = []
    monkeypatch.setattr(CoreGroupApp, "run", lambda self, *a, **k: opened.append(self.store.describe()))
    root = tmp_path / "store"
    demo_store(root)
    for command in (["cases"], ["export", CASE, "--out", "-"], []):
        code, out, err = run(capsys, "--store", str(root), *command)
        assert code == 1 and "require an encrypted case store" in err and "coregroup encrypt" in err
        assert CHILD not in out
    assert opened == []
    assert main(["demo"]) == 0 and len(opened) == 1  # the fictional demo stays as it is
    encrypt(capsys, monkeypatch, root)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    assert CHILD in run(capsys, "--store", str(root), "cases")[1]


def test_an_export_of_an_encrypted_store_is_plain_json_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    demo_store(root)
    encrypt(capsys, monkeypatch, root)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    target = tmp_path / "exported.json"
    code, _, err = run(capsys, "--store", str(root), "export", CASE, "--out", str(target))
    assert code == 0 and "plain JSON, not encrypted" in err
    assert json.loads(target.read_text(encoding="utf-8"))["children"][0]["name"] == CHILD


def test_the_store_key_can_be_kept_in_the_keyring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept: dict[tuple[str, str], str] = {}
    keyring = types.ModuleType("keyring")
    keyring.get_keyring = lambda: types.SimpleNamespace(priority=5)  # type: ignore[attr-defined]
    keyring.get_password = lambda service, name: kept.get((service, name))  # type: ignore[attr-defined]
    keyring.set_password = lambda service, name, value: kept.__setitem__((service, name), value)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    root = tmp_path / "store"
    demo_store(root)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "--store", str(root), "encrypt", "--keyring")
    assert code == 0 and "kept in your keyring" in out and len(kept) == 1
    monkeypatch.delenv("COREGROUP_PASSPHRASE")
    assert CHILD in run(capsys, "--store", str(root), "cases")[1]  # no passphrase asked for
    kept.clear()  # another computer, or the keyring emptied: the passphrase is needed again
    assert run(capsys, "--store", str(root), "cases")[0] == 1


def test_encrypt_with_keyring_where_there_is_none_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    root = tmp_path / "store"
    demo_store(root)
    before = files_of(root)
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    code, _, err = run(capsys, "--store", str(root), "encrypt", "--keyring")
    assert code == 1 and "no keyring" in err and "Nothing was changed" in err
    assert files_of(root) == before
