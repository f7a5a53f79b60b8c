"""The `coregroup` command: where the store is, cases in and out, and errors a person can act on."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from meetings import __version__
from meetings.domain.locations import data_dir
from meetings.storage.store import Store
from tui.cli import main

DEMO_PATH = data_dir() / "demo" / "demo-case.json"
DEMO_TEXT = DEMO_PATH.read_text(encoding="utf-8")
CASE = "DEMO-0001"


def coregroup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in a new process, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if k != "COREGROUP_STORE"} | (env or {}) | {"COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=full_env, timeout=60, check=False
    )


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("COREGROUP_STORE", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version() -> None:
    result = coregroup("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"coregroup {__version__}")


def test_import_then_cases_then_export_with_store_before_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    code, out, _ = run(capsys, "--store", store, "import", str(DEMO_PATH))
    assert code == 0
    assert f"Imported case {CASE} (" in out
    code, out, _ = run(capsys, "--store", store, "cases")
    assert code == 0
    demo = json.loads(DEMO_TEXT)
    assert CASE in out and demo["children"][0]["name"] in out and demo["plan_categories"][0] in out
    assert max(m["date"] for m in demo["meetings"]) in out
    exported = tmp_path / "out.json"
    code, out, _ = run(capsys, "--store", store, "export", CASE, "--out", str(exported))
    assert code == 0
    assert exported.read_text(encoding="utf-8") == DEMO_TEXT
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    code, out, _ = run(capsys, "--store", store, "export", CASE, "--out", "-")
    assert (code, out) == (0, DEMO_TEXT)


def test_the_store_can_be_chosen_by_the_environment_and_the_option_wins(tmp_path: Path) -> None:
    from_env, from_option = tmp_path / "env-store", tmp_path / "option-store"
    assert coregroup("import", str(DEMO_PATH), env={"COREGROUP_STORE": str(from_env)}).returncode == 0
    assert [s.id for s in Store(from_env).list_cases()] == [CASE]
    listed = coregroup("--store", str(from_option), "cases", env={"COREGROUP_STORE": str(from_env)})
    assert listed.returncode == 0
    assert f"No cases in {from_option}" in listed.stdout.replace("\n", "")
    where = coregroup("where", env={"COREGROUP_STORE": str(from_env)})
    assert where.stdout.strip() == str(from_env)


def test_a_bad_case_file_is_refused_with_the_field_path_and_no_traceback(tmp_path: Path) -> None:
    case = json.loads(DEMO_TEXT)
    third = json.loads(json.dumps(case["meetings"][1]))
    third["number"] = 3
    third["attendees"][0]["mode"] = "zoom"
    case["meetings"].append(third)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case), encoding="utf-8")
    result = coregroup("--store", str(tmp_path / "store"), "import", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "coregroup: meetings[2].attendees[0].mode: should be one of in_person, online, phone"
    )
    assert result.stdout == ""
    assert Store(tmp_path / "store").list_cases() == []
    assert not list((tmp_path / "store" / "cases").glob("*.json"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
        (b"\xff\xfe", "is not UTF-8 text (byte 1); nothing was imported"),
        (b"[1, 2]", "the file should hold one case (a JSON object)"),
        (
            DEMO_TEXT.replace('"team": "', '"team": "\\ud800').encode(),
            "team: holds a broken character (\\ud800) at position 1",
        ),
    ],
    ids=["not JSON", "not UTF-8", "not an object", "lone surrogate"],
)
def test_a_file_that_is_not_a_case_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, out, err = run(capsys, "--store", str(tmp_path / "store"), "import", str(bad))
    assert code == 1
    assert err.startswith("coregroup: ")
    assert message in err.replace("\n", "")
    assert Store(tmp_path / "store").list_cases() == []


def test_errors_a_user_can_act_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    code, _, err = run(capsys, "--store", store, "import", str(tmp_path / "missing.json"))
    assert (code, err.replace("\n", "")) == (
        1,
        f"coregroup: Cannot read {tmp_path / 'missing.json'}: No such file or directory",
    )
    code, _, err = run(capsys, "--store", store, "export", "NOPE-1", "--out", str(tmp_path / "x.json"))
    assert code == 1
    assert f"There is no case NOPE-1 in the store at {store}" in err.replace("\n", "")
    assert not (tmp_path / "x.json").exists()
    run(capsys, "--store", store, "import", str(DEMO_PATH))
    code, _, err = run(capsys, "--store", store, "import", str(DEMO_PATH))
    assert code == 1
    assert "already in the store; import with --replace to overwrite it" in err.replace("\n", "")
    assert run(capsys, "--store", store, "import", "--replace", str(DEMO_PATH))[0] == 0


def test_a_usage_mistake_exits_2_with_usage() -> None:
    result = coregroup("export", "DEMO-0001")
    assert result.returncode == 2
    assert "the following arguments are required: --out" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_case_is_reported_and_restore_puts_the_backup_back(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    store = Store(store_dir)
    store.import_data(json.loads(DEMO_TEXT))
    store.import_data({**json.loads(DEMO_TEXT), "team": "Example Team (fictional)"}, replace=True)
    case_file = store.case_path(CASE)
    case_file.write_bytes(b'{"case": {"1": {"id": "DEMO-0')

    broken = coregroup("--store", str(store_dir), "export", CASE, "--out", "-")
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr
    stderr = broken.stderr.replace("\n", "")
    assert f"The file {case_file} is damaged and was not changed" in stderr
    assert f"A backup of the previous save is at {case_file}.bak; `coregroup restore` puts it back." in stderr

    restored = coregroup("--store", str(store_dir), "restore", CASE)
    assert restored.returncode == 0, restored.stderr
    assert "restored from its backup; the damaged file is kept at" in restored.stdout.replace("\n", "")
    exported = coregroup("--store", str(store_dir), "export", CASE, "--out", "-")
    assert exported.returncode == 0
    back = json.loads(exported.stdout)
    assert back.pop("history")  # the replace and the restore are in the case's history
    assert back == json.loads(DEMO_TEXT)  # the backup: the save before the replace


def test_an_export_over_an_existing_file_is_private_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    run(capsys, "--store", store, "import", str(DEMO_PATH))
    exported = tmp_path / "out.json"
    exported.write_text("an older export")
    exported.chmod(0o644)
    assert run(capsys, "--store", store, "export", CASE, "--out", str(exported))[0] == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600


def test_an_export_to_a_missing_folder_says_it_cannot_write_there(tmp_path: Path) -> None:
    store = tmp_path / "store"
    Store(store).import_data(json.loads(DEMO_TEXT))
    result = coregroup("--store", str(store), "export", CASE, "--out", str(tmp_path / "missing" / "out.json"))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    target = tmp_path / "missing" / "out.json"
    assert f"coregroup: Cannot write {target}: No such file or directory" in result.stderr.replace("\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("minutes", CASE, "--meeting", "9", "--out", "{tmp}/m.docx"),
            f"Case {CASE} has no meeting 9 (meetings: 1, 2)",
        ),
        (
            ("chronology", CASE, "--from", "2026-10-01", "--to", "2026-09-01", "--out", "{tmp}/c.docx"),
            "The start date 2026-10-01 is after the end date 2026-09-01",
        ),
        (("minutes", CASE, "--meeting", "1", "--out", "{tmp}/missing/m.docx"), "Cannot write {tmp}/missing/m.docx"),
    ],
    ids=["unknown meeting", "dates the wrong way round", "folder missing"],
)
def test_word_exports_refuse_ordinary_mistakes_with_a_message_not_a_crash(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    store = tmp_path / "store"
    Store(store).import_data(json.loads(DEMO_TEXT))
    result = coregroup("--store", str(store), *(a.format(tmp=tmp_path) for a in args))
    assert result.returncode == 1
    assert f"coregroup: {message.format(tmp=tmp_path)}" in result.stderr.replace("\n", "")
    assert "unexpected" not in result.stderr


def test_minutes_and_chronology_are_written_from_the_command_line(tmp_path: Path) -> None:
    from docx import Document

    store = tmp_path / "store"
    Store(store).import_data(json.loads(DEMO_TEXT))
    minutes = coregroup(
        "--store", str(store), "minutes", CASE, "--meeting", "2", "--copy", "family", "--out", str(tmp_path / "m.docx")
    )
    assert minutes.returncode == 0, minutes.stderr
    document = Document(str(tmp_path / "m.docx"))
    text = "\n".join(
        [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    assert "Wren Example" in text and "Family copy" in text
    assert "Max Fictional" not in text  # a restricted person of the demo case
    chronology = coregroup("--store", str(store), "chronology", CASE, "--out", str(tmp_path / "c.docx"))
    assert chronology.returncode == 0, chronology.stderr
    assert stat.S_IMODE((tmp_path / "c.docx").stat().st_mode) == 0o600


def test_restore_leaves_a_healthy_case_alone_unless_forced(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    store = Store(store_dir)
    store.import_data(json.loads(DEMO_TEXT))
    with store.open(CASE) as case_file:  # a second save, so the backup differs from the latest
        case_file.case.team = "Sample Town Team B"
        case_file.save()
    refused = coregroup("--store", str(store_dir), "restore", CASE)
    assert refused.returncode == 1
    assert "opens without problems, so it was not restored" in refused.stderr.replace("\n", "")
    assert store.export_data(CASE)["team"] == "Sample Town Team B"
    forced = coregroup("--store", str(store_dir), "restore", CASE, "--force")
    assert forced.returncode == 0, forced.stderr
    assert store.export_data(CASE)["team"] == json.loads(DEMO_TEXT)["team"]


def test_the_command_line_agrees_with_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sent` and `minutes` give the same clear message for a meeting the case does not have;
    `where` prints an absolute path; `cases` shows the app's next due date, and a meeting still
    in progress is not the last one held."""
    import datetime as dt

    from meetings.domain.settings import Settings
    from meetings.domain.timescales import next_core_group_due

    monkeypatch.chdir(tmp_path)
    assert run(capsys, "--store", "store", "import", str(DEMO_PATH))[0] == 0
    code, out, _ = run(capsys, "--store", "store", "where")
    assert (code, out.strip()) == (0, str((tmp_path / "store").resolve()))

    for command in (
        ["minutes", CASE, "--meeting", "9", "--out", "m.docx"],
        ["sent", CASE, "--meeting", "9", "--to", "Casey Visitor", "--copy", "full"],
    ):
        code, _, err = run(capsys, "--store", "store", *command)
        assert code == 1 and "has no meeting 9 (meetings: 1, 2)" in err and "unexpected" not in err

    store = Store(tmp_path / "store")
    with store.open(CASE) as case_file:
        from meetings.domain.agenda import load_agenda
        from meetings.domain.lifecycle import start_meeting

        meeting = start_meeting(case_file.case, load_agenda(), date=dt.date.today())
        case_file.case.meetings.append(meeting)
        case_file.save(meeting)
        due = next_core_group_due(case_file.case, Settings())
    code, out, _ = run(capsys, "--store", "store", "cases")
    row = next(line for line in out.splitlines() if line.startswith(CASE))
    fields = row.split("\t")
    assert fields[4] == "2026-10-01"  # meeting 2, finished; not today's meeting in progress
    assert fields[5] == (due.isoformat() if due else "")


def test_the_distribution_record_can_be_trusted_and_corrected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Names must be someone invited or in the case (a new one is confirmed); a full copy with
    restricted text to the family needs a recorded reason; dates after today or before the
    meeting are refused; recipients get their agency; a wrong entry is withdrawn with a reason,
    kept in the history and no longer printed."""
    import docx

    from meetings.exports.minutes import write_minutes

    store = str(tmp_path / "store")
    assert run(capsys, "--store", store, "import", str(DEMO_PATH))[0] == 0

    def sent(*args: str) -> tuple[int, str, str]:
        return run(capsys, "--store", store, "sent", CASE, "--meeting", "2", *args)

    code, _, err = sent("--to", "Nobody Fictional", "--copy", "family")
    assert code == 1 and "was not invited to meeting 2" in err and "--new-recipient" in err
    code, _, err = sent("--to", "Casey Visitor (fictional)", "--copy", "full", "--on", "2020-01-01")
    assert code == 1 and "before the meeting" in err
    code, _, err = sent("--to", "Casey Visitor (fictional)", "--copy", "full", "--on", "2199-01-01")
    assert code == 1 and "in the future" in err
    with pytest.raises(SystemExit) as refused:  # outside the dates a case holds at all: a usage error
        sent("--to", "Casey Visitor (fictional)", "--copy", "full", "--on", "2999-01-01")
    assert refused.value.code == 2 and "not a date a case may hold" in capsys.readouterr().err
    code, _, err = sent("--to", "jo example", "--copy", "full", "--on", "2026-10-02")
    assert code == 1 and "holds restricted text and Jo Example is family" in err
    assert Store(tmp_path / "store").open(CASE, read_only=True).case.meetings[1].distribution == []

    code, out, _ = sent("--to", "Casey Visitor (fictional)", "--copy", "full", "--on", "2026-10-02")
    assert code == 0 and "(Community Health)" in out  # the agency comes from the attendance list
    code, out, _ = sent("--to", "Jo Example", "--copy", "full", "--on", "2026-10-02", "--reason", "Court directed")
    assert code == 0
    code, out, _ = sent("--to", "Nobody Fictional", "--copy", "family", "--on", "2026-10-03", "--new-recipient")
    assert code == 0
    code, out, _ = sent("--withdraw", "3", "--reason", "Typed the wrong name")
    assert code == 0 and "Withdrawn: entry 3" in out

    with Store(tmp_path / "store").open(CASE, read_only=True) as opened:
        log = opened.case.meetings[1].distribution
        assert [(d.recipient, d.agency, d.live) for d in log] == [
            ("Casey Visitor (fictional)", "Community Health", True),
            ("Jo Example", "Family", True),
            ("Nobody Fictional", "", False),
        ]
        assert log[1].full_copy_reason == "Court directed" and log[2].withdrawn_reason == "Typed the wrong name"
        minutes = write_minutes(opened.case, 2, tmp_path / "m.docx")
    document = docx.Document(str(minutes))
    printed = [row.cells[0].text for t in document.tables if t.rows[0].cells[0].text == "Recipient" for row in t.rows]
    assert printed == ["Recipient", "Casey Visitor (fictional)", "Jo Example"]


def test_the_chairs_brief_is_written_from_the_command_line_in_both_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx

    store = str(tmp_path / "store")
    assert run(capsys, "--store", store, "import", str(DEMO_PATH))[0] == 0
    full, family = tmp_path / "full.docx", tmp_path / "family.docx"
    code, out, _ = run(capsys, "--store", store, "brief", CASE, "--out", str(full))
    assert code == 0 and str(full) in out
    assert run(capsys, "--store", store, "brief", CASE, "--copy", "family", "--out", str(family))[0] == 0

    def text(path: Path) -> str:
        document = docx.Document(str(path))
        cells = [cell.text for t in document.tables for row in t.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)

    full_text, family_text = text(full), text(family)
    for heading in (
        "Chair's brief: core group 3",
        "What has changed since the last core group",
        "Flags the meeting must act on",
        "Open actions",
        "Who is expected",
        "Danger statement",
    ):
        assert heading in full_text and heading in family_text  # fmt: skip
    assert "Complete a parenting assessment of Jo Example" in full_text  # an open action, with its owner
    assert "Concern received 10 Nov 2026" in full_text  # what changed since meeting 2
    assert "Max Fictional" in full_text
    for restricted in ("Max Fictional", "contact centre", "Shouting and a baby crying"):
        assert restricted not in family_text
    assert "Family copy" in family_text
