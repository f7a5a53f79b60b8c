"""Issue 21, the store's second hardening round, point by point as they are done.

Point 3: a tampered `store-key.json` must be refused in words, at once, whatever it holds: no
command may allocate what scrypt parameters far beyond the tool's ask (n=2^22, r=32, p=16 took
16 GiB), and deeply nested JSON is a damaged file, not "an unexpected RecursionError".
Point 15: bidirectional controls (a right-to-left override) never reach a one-line field.
(Point 12, a team's store never set up by opening it: tests/test_team_store.py.)
"""

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


# ----- issue 21, point 15: bidirectional controls in one-line fields ---------------------------------
RLO = "\u202e"


def test_a_right_to_left_override_typed_in_a_recipients_name_or_reason_never_reaches_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typed at the command line (as in the app), a one-line field is cleaned as it is typed: the
    override becomes a space, so the minutes print the name as typed, never reversed."""
    root = tmp_path / "store"
    Store(root).import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    code = main(["--store", str(root), "sent", "DEMO-0001", "--meeting", "2", "--to", f"Sam {RLO}Example",
                 "--copy", "family", "--on", "2026-11-20", "--new-recipient", "--reason", f"Asked {RLO}for a copy"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    [meeting] = [m for m in Store(root).export_data("DEMO-0001")["meetings"] if m["number"] == 2]
    [entry] = meeting["distribution"]
    assert RLO not in json.dumps(entry, ensure_ascii=False)
    assert " ".join(entry["recipient"].split()) == "Sam Example"


def test_a_case_file_with_a_bidirectional_override_in_a_name_is_refused_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    data["children"][0]["name"] = f"Wren {RLO}elpmaxE"
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    assert main(["--store", str(tmp_path / "store"), "import", str(case_file)]) == 1
    said = capsys.readouterr().err
    assert "children[0].name" in said and "U+202E" in said


def test_typing_a_bidirectional_override_into_a_name_is_cleaned_away() -> None:
    from meetings.domain.text import one_line

    assert RLO not in one_line(f"Sam {RLO}Example") and "\u2066" not in one_line("Sam \u2066Example\u2069")
    assert one_line("\u05e9\u05e8\u05d4 \u200fExample") == "\u05e9\u05e8\u05d4 \u200fExample"  # a mark a name may need


# ----- issue 21, point 2: a pipe where the store reads a file -----------------------------------------
# Each command runs as its own process, bounded by a timeout: before, it waited on the pipe for ever.
PIPE_PLACES = [
    ("cases/DEMO-0001.json", ["export", "DEMO-0001", "--out", "{tmp}/out.json"]),
    ("cases/DEMO-0001.history", ["history", "DEMO-0001"]),
    ("cases/.proof-key", ["export", "DEMO-0001", "--out", "{tmp}/out.json"]),
    ("index/33.json", ["cases"]),
    ("settings.toml", ["cases"]),
]


@pytest.mark.parametrize(("place", "command"), PIPE_PLACES, ids=[p for p, _ in PIPE_PLACES])
def test_a_pipe_in_place_of_a_file_is_refused_in_words_at_once(tmp_path: Path, place: str, command: list[str]) -> None:
    import os
    import subprocess
    import sys

    root = tmp_path / "store"
    Store(root).import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    target = tmp_path / place if place == "settings.toml" else root / place
    if target.exists():
        target.unlink()
    os.mkfifo(target, 0o600)
    env = {**os.environ, "COREGROUP_CONFIG": str(tmp_path / "settings.toml")}
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--store", str(root), *args], env=env, capture_output=True, text=True, timeout=60
    )
    said = done.stdout + done.stderr
    assert "unexpected" not in said
    if place.startswith("index/"):  # the case list is worked out again from the case files: nothing lost
        assert done.returncode == 0 and "DEMO-0001" in done.stdout, said
    elif place == "cases/.proof-key":  # no proofs: every case is checked in full, and opens
        assert done.returncode == 0 and (tmp_path / "out.json").exists(), said
    else:
        assert done.returncode == 1 and "is not a file" in said, said


# ----- issue 21, point 4: the proof key as a link ------------------------------------------------------
def test_a_proof_key_that_is_a_link_leaves_every_healthy_case_healthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "store"
    Store(root).import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    key = root / "cases" / ".proof-key"
    (tmp_path / "elsewhere").write_bytes(key.read_bytes())
    key.unlink()
    key.symlink_to(tmp_path / "elsewhere")
    capsys.readouterr()
    assert main(["--store", str(root), "reindex"]) == 0
    assert main(["--store", str(root), "cases"]) == 0
    said = capsys.readouterr()
    assert "damaged" not in said.out + said.err and "DEMO-0001" in said.out
    assert main(["--store", str(root), "export", "DEMO-0001", "--out", str(tmp_path / "out.json")]) == 0


# ----- issue 21, point 11: migrate from a folder that is not there --------------------------------------
def test_migrating_from_a_folder_that_does_not_exist_is_refused_and_makes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target"
    Store(target).import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    capsys.readouterr()
    assert main(["migrate", "--from", str(tmp_path / "no-such-folder"), "--to", str(target)]) == 1
    said = capsys.readouterr().err
    assert "There is no store at" in said and "Nothing was changed" in said
    assert not (tmp_path / "no-such-folder").exists()


# ----- issue 21, point 1: the dates a case may hold -------------------------------------------------
@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("icpc_date",), "9999-12-31"),
        (("actions", 0, "due"), "9999-12-31"),
        (("visits", 0, "date"), "9999-12-31"),
        (("children", 0, "date_of_birth"), "1066-10-14"),
    ],
)
def test_a_date_outside_what_a_case_may_hold_is_refused_at_import_naming_the_field(
    tmp_path: Path, where: tuple[object, ...], value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    holder: object = data
    for step in where[:-1]:
        holder = holder[step]  # type: ignore[index]
    assert where[-1] in holder  # type: ignore[operator]
    holder[where[-1]] = value  # type: ignore[index]
    said = import_refused(tmp_path, data, capsys)
    assert "between 1900-01-01 and 2200-12-31" in said and str(where[-1]) in said
    assert main(["--store", str(tmp_path / "store"), "cases"]) == 0  # the store goes on working


def import_refused(tmp_path: Path, data: dict[str, object], capsys: pytest.CaptureFixture[str]) -> str:
    """Import `data` as a case file through the command line: refused, in words; what it said."""
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    assert main(["--store", str(tmp_path / "store"), "import", str(case_file)]) == 1
    said = capsys.readouterr().err
    assert "unexpected" not in said
    return said


def test_a_history_time_at_the_calendars_end_is_refused_at_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    data["history"] = [{"at": "9999-12-31T23:59:59-12:00", "who": "someone", "machine": "x", "changes": []}]
    assert "history[0].at" in import_refused(tmp_path, data, capsys)


# ----- a history a case file carries: who and where are names, and nothing acts on the terminal -------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("who", "wren\x1b[2J"),  # an escape sequence: clears the screen of whoever runs `history`
        ("machine", "laptop\u202eevil"),  # a right-to-left override
        ("who", "w" * 201),
        ("new", "Seen\x1b]8;;http://example.invalid\x07 at home"),
    ],
)
def test_an_imported_history_with_control_or_direction_characters_is_refused_naming_the_field(
    tmp_path: Path, field: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    change = {"path": "actions[1].evidence", "old": "", "new": "Seen at home (fictional).", "restricted": False}
    entry: dict[str, object] = {"at": "2026-10-01T09:00:00Z", "who": "wren", "machine": "laptop-1", "changes": [change]}
    if field == "new":
        change["new"] = value
    else:
        entry[field] = value
    data["history"] = [entry]
    said = import_refused(tmp_path, data, capsys)
    assert f"history[0].{'changes[0].new' if field == 'new' else field}" in said
    assert "\x1b" not in said and "\u202e" not in said
