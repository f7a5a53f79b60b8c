"""Issue 21, point 3: a tampered `store-key.json` must be refused in words, at once, whatever it
holds: no command may allocate what scrypt parameters far beyond the tool's ask (n=2^22, r=32, p=16
took 16 GiB), and deeply nested JSON is a damaged file, not "an unexpected RecursionError"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meetings.domain.locations import data_dir
from meetings.storage.store import Store
from tui.cli import main

PASSPHRASE = "fictional harbour lanterns"


@pytest.fixture
def encrypted(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    store = Store(root)
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    store.start_encryption(PASSPHRASE)
    store.encrypt_files()
    return root


def cases(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("COREGROUP_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    code = main(["--store", str(root), "cases"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "asks",
    [
        {"n": 2**22, "r": 32, "p": 16},  # 16 GiB
        {"n": 2**20, "r": 8, "p": 1},  # 1 GiB: beyond the ceiling
        {"n": 2**17 + 1, "r": 8, "p": 1},  # not a power of two
        {"n": 2**17, "r": 9, "p": 1},
        {"n": 2**17, "r": 8, "p": 3},
    ],
)
def test_a_key_file_asking_scrypt_for_more_than_the_tool_writes_is_refused_in_words(
    encrypted: Path, asks: dict[str, int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = encrypted / "store-key.json"
    data = json.loads(key_file.read_text(encoding="utf-8"))
    data["passphrase"].update(asks)
    key_file.write_text(json.dumps(data), encoding="utf-8")
    code, said = cases(encrypted, capsys, monkeypatch)
    assert code == 1
    assert "asks for a passphrase check this version does not make" in said and "unexpected" not in said


def test_a_key_file_of_deeply_nested_json_is_damaged_not_an_unexpected_error(
    encrypted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (encrypted / "store-key.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, said = cases(encrypted, capsys, monkeypatch)
    assert code == 1
    assert "is damaged" in said and "unexpected" not in said and "RecursionError" not in said


def test_the_key_file_the_tool_writes_still_opens(
    encrypted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, said = cases(encrypted, capsys, monkeypatch)
    assert code == 0, said
