"""Hardening (issue 11): bad files, damaged stores, races and spellings that broke the store and
the exports. Each test failed on the code before its fix. Fictional data only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meetings.domain.locations import data_dir
from meetings.domain.records import Case
from meetings.domain.schema import InvalidRecord, load
from meetings.storage.store import Store

DEMO = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(DEMO))
    data["id"] = "hard-1"
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["actions"][0].pop("number"), "actions[0].number"),
        (lambda d: d["people"][1].pop("id"), "people[1].id"),
        (lambda d: d["meetings"][0].pop("number"), "meetings[0].number"),
        (lambda d: d.pop("children"), "children"),
        (lambda d: d.pop("plan_categories"), "plan_categories"),
    ],
)
def test_import_refuses_a_case_that_could_never_be_opened(tmp_path: Path, change: Any, field: str) -> None:
    """Before: a record without its number was numbered 0 and a case without children given none;
    the import said it had worked and every later open said the case was damaged."""
    store = Store(tmp_path / "store")
    data = demo_data()
    change(data)
    with pytest.raises(InvalidRecord) as refused:
        store.import_data(data)
    assert str(refused.value) == f"{field}: is missing"
    assert not store.exists("hard-1") and store.list_cases() == []


def test_whatever_import_accepts_opens_checked_field_by_field(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.import_data(demo_data())
    exported = store.export_data("hard-1")
    assert load(Case, exported).id == "hard-1"  # the full check, not the store's proof


# ----- 5. a damaged case file of any shape is reported, restorable, and never stops the others ----
def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from tui.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "content", [b'{"case": {}}', b'{"case": {"1": []}}', b'{"case": {"1": {}}, "people": []}', b"[]"]
)
def test_a_wrong_shaped_case_file_is_reported_restored_and_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    root = str(tmp_path / "store")
    store = Store(Path(root))
    store.import_data(demo_data())
    store.import_data({**demo_data(), "id": "hard-2"})
    with store.open("hard-1") as case_file:  # a save, so a backup of a good file exists
        case_file.save(case_file.case.actions[0])
    store.case_path("hard-1").write_bytes(content)
    code, _, err = run_cli(capsys, "--store", root, "export", "hard-1", "--out", str(tmp_path / "x.json"))
    assert code == 1 and "is damaged" in err and "coregroup restore" in err and "unexpected" not in err
    code, out, err = run_cli(capsys, "--store", root, "reindex")
    assert code == 0 and "unexpected" not in err
    listed = {s.id: s.damaged for s in Store(Path(root)).list_cases()}
    assert set(listed) == {"hard-1", "hard-2"} and listed["hard-1"] and not listed["hard-2"]
    code, out, _ = run_cli(capsys, "--store", root, "cases")
    assert code == 0 and "hard-1" in out and "hard-2" in out
    code, out, err = run_cli(capsys, "--store", root, "restore", "hard-1")
    assert code == 0 and "restored from its backup" in out
    with Store(Path(root)).open("hard-1", read_only=True) as opened:
        assert opened.case.children[0].name == DEMO["children"][0]["name"]


# ----- 6. symlinks are never followed --------------------------------------------------------------
def test_a_link_planted_at_a_lock_file_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "store"
    store = Store(root)
    store.import_data(demo_data())
    outside = tmp_path / "precious.txt"
    outside.write_text("not the store's to touch")
    lock = store.cases_dir / "hard-1.lock"
    lock.unlink()
    lock.symlink_to(outside)
    code, _, err = run_cli(capsys, "--store", str(root), "sent", "hard-1", "--meeting", "1", "--to", "Sam Sample",
                           "--copy", "family", "--on", "2026-09-10")  # fmt: skip
    assert code == 1 and "is a link" in err
    assert outside.read_text() == "not the store's to touch"


def test_a_backup_is_never_a_hard_link_to_a_file_outside_the_store(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = Store(root)
    store.import_data(demo_data())
    outside = tmp_path / "outside.json"
    outside.write_bytes(store.case_path("hard-1").read_bytes())
    store.case_path("hard-1").unlink()
    store.case_path("hard-1").symlink_to(outside)
    store.import_data(demo_data(), replace=True)  # replaces the link with a file of the store's own
    assert not store.case_path("hard-1").is_symlink()
    backup = store.case_path("hard-1").with_name("hard-1.json.bak")
    assert not backup.exists() or backup.stat().st_ino != outside.stat().st_ino


# ----- 7. racing imports -------------------------------------------------------------------------
def _import_one(root: str, start: Any, results: Any) -> None:
    store = Store(Path(root))
    start.wait()
    try:
        store.import_data(demo_data())
        results.put("imported")
    except Exception as problem:  # noqa: BLE001 - the test counts what each process saw
        results.put(f"refused: {problem}")


def test_two_imports_of_the_same_new_case_at_once_one_is_refused(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for trial in range(8):
        root = str(tmp_path / f"store-{trial}")
        Store(Path(root))
        start, results = context.Barrier(2), context.Queue()
        workers = [context.Process(target=_import_one, args=(root, start, results)) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        seen = sorted(results.get(timeout=5) for _ in workers)
        assert seen[0] == "imported" and seen[1].startswith("refused: A case with the id hard-1 is already"), seen


# ----- 8. the store's folder policy --------------------------------------------------------------
def test_a_team_folder_keeps_its_mode_and_the_user_is_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import stat

    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2775)
    code, _, err = run_cli(capsys, "--store", str(team), "cases")
    assert code == 0 and stat.S_IMODE(team.stat().st_mode) == 0o2775
    assert "Other users of this computer can open the folder" in err and "chmod 700" in err
    assert stat.S_IMODE((team / "cases").stat().st_mode) == 0o700


def test_a_store_that_is_a_file_or_holds_a_file_for_a_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "store-file"
    plain.write_text("")
    code, _, err = run_cli(capsys, "--store", str(plain), "cases")
    assert code == 1 and "is a file, not a folder" in err and "unexpected" not in err
    root = tmp_path / "store"
    Store(root)
    for shard in (root / "index").iterdir():
        shard.unlink()
    (root / "index").rmdir()
    (root / "index").write_text("")
    code, _, err = run_cli(capsys, "--store", str(root), "cases")
    assert code == 1 and "is a file, not a folder" in err and "unexpected" not in err


def test_a_full_disk_is_said_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    import errno
    import os

    root = tmp_path / "store"
    Store(root)
    source = tmp_path / "case.json"
    source.write_text(json.dumps(demo_data()))
    real_replace = os.replace

    def full(src: Any, dst: Any) -> None:
        if str(dst).endswith("hard-1.json"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full)
    code, _, err = run_cli(capsys, "--store", str(root), "import", str(source))
    assert code == 1 and "There is no space left on the disk holding" in err and "nothing was changed" in err
    assert "unexpected" not in err
    monkeypatch.setattr(os, "replace", real_replace)
    assert not Store(root).exists("hard-1")


# ----- 9. the case list index heals itself --------------------------------------------------------
@pytest.mark.parametrize("shard", [b"[]", b"null", b"5", b'{"hard-1": 5}'])
def test_a_shard_that_cannot_be_trusted_is_rebuilt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shard: bytes
) -> None:
    root = tmp_path / "store"
    store = Store(root)
    store.import_data(demo_data())
    for path in (root / "index").glob("*.json"):
        path.write_bytes(shard)
    source = tmp_path / "two.json"
    source.write_text(json.dumps({**demo_data(), "id": "hard-2"}))
    code, _, err = run_cli(capsys, "--store", str(root), "import", str(source))
    assert code == 0, err
    code, out, err = run_cli(capsys, "--store", str(root), "cases")
    assert code == 0 and "hard-1" in out and "hard-2" in out


def test_deleted_shards_do_not_make_the_store_look_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "store"
    Store(root).import_data(demo_data())
    for path in (root / "index").glob("*.json"):
        path.unlink()
    code, out, _ = run_cli(capsys, "--store", str(root), "cases")
    assert code == 0 and "hard-1" in out and "No cases" not in out


def test_a_stale_index_entry_is_corrected_when_the_case_is_next_opened(tmp_path: Path) -> None:
    """A save killed after writing the case but before its index entry: the list is put right."""
    root = tmp_path / "store"
    store = Store(root)
    store.import_data(demo_data())
    stale = {**demo_data(), "lead_social_worker": "Stale Name (fictional)"}
    from meetings.storage.base import CaseSummary

    store.update_index(CaseSummary.of(load(Case, stale)))
    assert Store(root).indexed("hard-1").lead_social_worker == "Stale Name (fictional)"  # type: ignore[union-attr]
    with Store(root).open("hard-1"):
        pass
    assert Store(root).indexed("hard-1").lead_social_worker == DEMO["lead_social_worker"]  # type: ignore[union-attr]


# ----- 11. temporary files left by a killed export -------------------------------------------------
def test_an_exports_stale_temporary_file_is_removed_at_the_next_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import time

    root = tmp_path / "store"
    Store(root).import_data(demo_data())
    folder = tmp_path / "minutes"
    folder.mkdir()
    stale = folder / ".minutes.docx.k3j2h1x9.tmp"  # as a kill during an export left it
    stale.write_text("Wren Example (fictional) ...")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = folder / ".other.docx.abcdefgh.tmp"  # another export, writing now
    fresh.write_text("...")
    mine_not = folder / ".notes.txt.abcdefgh.tmp"  # not of our naming
    mine_not.write_text("...")
    os.utime(mine_not, (old, old))
    code, _, err = run_cli(capsys, "--store", str(root), "minutes", "hard-1", "--meeting", "1", "--copy", "full",
                           "--out", str(folder / "minutes.docx"))  # fmt: skip
    assert code == 0, err
    assert not stale.exists() and fresh.exists() and mine_not.exists()
    assert sorted(p.name for p in folder.iterdir()) == [
        ".notes.txt.abcdefgh.tmp",
        ".other.docx.abcdefgh.tmp",
        "minutes.docx",
    ]


# ----- 4. long names ---------------------------------------------------------------------------------
def test_minutes_of_children_with_long_names_are_written_with_a_shortened_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx

    data = demo_data()
    data["children"] = [
        {**data["children"][0], "id": n, "name": f"Wren Example-Fictional-Sample-Placeholder Number {n} (fictional)"}
        for n in range(1, 6)
    ]
    root = tmp_path / "store"
    Store(root).import_data(data)
    out = tmp_path / "m.docx"
    code, _, err = run_cli(capsys, "--store", str(root), "minutes", "hard-1", "--meeting", "1", "--copy", "full",
                           "--out", str(out))  # fmt: skip
    assert code == 0 and "Wren" not in err
    title = docx.Document(str(out)).core_properties.title
    assert len(title) <= 255 and title.endswith("…") and title.startswith("Core group minutes: Wren Example")


# ----- 12. validation gaps, and 10. refusals that do not repeat a name ---------------------------------
def import_text(tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes) -> tuple[int, str]:
    source = tmp_path / "case.json"
    source.write_bytes(raw)
    code, _, err = run_cli(capsys, "--store", str(tmp_path / "store"), "import", str(source))
    return code, err


def changed(change: Any) -> bytes:
    data = demo_data()
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            lambda d: d["concerns"][0].__setitem__("meeting", 99),
            "concerns[0].meeting: 99 is not a meeting of this case",
        ),
        (lambda d: d["concerns"][0].__setitem__("meeting", 0), "concerns[0].meeting: 0 is not a meeting of this case"),
        (
            lambda d: d["children"][0].__setitem__("name", "Wren\u2028Example"),
            "children[0].name: contains a line break",
        ),
        (lambda d: d["people"][0].__setitem__("name", "Jo\x85Example"), "people[0].name: contains a line break"),
        (lambda d: d["meetings"][0].__setitem__("finished_at", "2026-09-03T12:00:00+01:00"), "YYYY-MM-DDTHH:MM:SS"),
        (lambda d: d["meetings"][0].__setitem__("finished_at", "2026-09-03 12:00:00"), "YYYY-MM-DDTHH:MM:SS"),
        (lambda d: d["meetings"][0].__setitem__("finished_at", "2026-09-03"), "YYYY-MM-DDTHH:MM:SS"),
        (lambda d: d["people"][3].__setitem__("name", ["Max Fictional"]), "people[3].name: should be text, not a list"),
        (lambda d: d["people"][3].__setitem__("gender", "Max Fictional"), "people[3].gender: should be one of male"),
    ],
)
def test_what_a_case_file_must_not_hold_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, said: str
) -> None:
    code, err = import_text(tmp_path, capsys, changed(change))
    assert code == 1 and said in err and "Max Fictional" not in err and "unexpected" not in err
    assert not Store(tmp_path / "store").exists("hard-1")


def test_windows_line_endings_tabs_and_a_byte_order_mark_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = changed(lambda d: d["meetings"][0]["steps"][0].__setitem__("notes", "First line\r\nSecond\tline\rThird"))
    code, err = import_text(tmp_path, capsys, b"\xef\xbb\xbf" + raw)
    assert code == 0, err
    with Store(tmp_path / "store").open("hard-1", read_only=True) as opened:
        assert opened.case.meetings[0].steps[0].notes == "First line\nSecond\tline\nThird"


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b'{"id": "hard-1", "id": "hard-2"}', "names the field 'id' twice"),
        (b"[" * 100_000 + b"]" * 100_000, "nests records deeper than a case file can"),
        (b'{"id": ' + b"9" * 5000 + b"}", "a number far too long"),
    ],
)
def test_json_a_case_file_cannot_be_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes, said: str
) -> None:
    code, err = import_text(tmp_path, capsys, raw)
    assert code == 1 and said in err and "unexpected" not in err


def test_a_pipe_or_an_endless_file_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code, _, err = run_cli(capsys, "--store", str(tmp_path / "store"), "import", str(fifo))  # before: hung
    assert code == 1 and "is not a file" in err
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk used
    code, _, err = run_cli(capsys, "--store", str(tmp_path / "store"), "import", str(huge))
    assert code == 1 and "a case file is at most 100 MB" in err


# ----- 3. the family copy's guard, whatever the spelling ---------------------------------------------
SPELLINGS = (
    "Fictional, Max",
    "FICTIONAL Max",
    "max fictional",
    "Max Fic\u200btional",  # a zero-width space inside
    "Max\u00a0Fictional",  # a no-break space
    "Ma\u0301x Fictional",  # a decomposed accent
)


def all_xml_text(path: Path) -> str:
    """Every word of every part of a .docx, headers, properties and all, as one text."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        xml = " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)


def test_the_family_copy_withholds_a_restricted_name_however_it_is_spelt(tmp_path: Path) -> None:
    from meetings.domain.records import AttendanceStatus, Attendee, CopyType, Distribution, Scaling
    from meetings.domain.settings import Settings
    from meetings.exports.minutes import write_minutes

    case = load(Case, demo_data())
    assert any(p.name == "Max Fictional" and p.restricted for p in case.people)
    meeting = case.meetings[0]
    meeting.steps[0].notes = "Said by: " + "; ".join(SPELLINGS) + ". Also Sam O\u2019Sample."
    meeting.attendees.append(Attendee(name="FICTIONAL, Max", role="Father's friend", status=AttendanceStatus.INVITED))
    meeting.scaling.append(Scaling(name="Max  Fictional", score=9, reason="Thinks all is well"))
    meeting.distribution.append(Distribution(recipient="fictional max", copy_type=CopyType.FULL))
    out = write_minutes(case, 1, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=Settings())
    text = all_xml_text(out)
    for spelling in (*SPELLINGS, "Max Fictional", "FICTIONAL, Max", "fictional max"):
        assert spelling not in text
    assert "Father's friend" not in text and "Thinks all is well" not in text  # left out whole
    assert text.count("[name withheld]") >= len(SPELLINGS)
    full = all_xml_text(write_minutes(case, 1, tmp_path / "full.docx", copy=CopyType.FULL, settings=Settings()))
    assert "FICTIONAL, Max" in full and "Thinks all is well" in full


def test_a_known_anonymous_referrers_name_is_withheld_wherever_it_is_typed(tmp_path: Path) -> None:
    from meetings.domain.records import CopyType, SourceKind
    from meetings.domain.settings import Settings
    from meetings.exports.minutes import write_minutes

    case = load(Case, demo_data())
    concern = case.concerns[0]
    concern.source_kind, concern.referrer, concern.shareable = SourceKind.ANONYMOUS, "Pat Pretendname", True
    concern.meeting = 1
    concern.how_received = "phone call from Pat Pretendname's mobile"
    concern.responded_by = "Team manager, after calling PRETENDNAME, Pat"
    case.meetings[0].steps[0].notes = "Pat\u00a0Pretendname rang again."
    text = all_xml_text(write_minutes(case, 1, tmp_path / "f.docx", copy=CopyType.FAMILY, settings=Settings()))
    assert "retendname" not in text.casefold()
