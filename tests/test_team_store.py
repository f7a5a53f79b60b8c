"""The team's store on PostgreSQL, behind the same interface as the folder of files.

The behaviour every store must have runs on both backends (`backend` is parametrised); what only
a server can do (row-level security, the version check, the journal when the connection drops,
LISTEN/NOTIFY) runs against a real PostgreSQL server (tests/pg_helpers.py says which).
"""

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
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_helpers import ADMIN, admin, url_for

from meetings.domain.locations import data_dir
from meetings.domain.records import Action, ActionStatus, Meeting, Person
from meetings.domain.schema import InvalidRecord
from meetings.storage import pgschema
from meetings.storage.base import CaseLocked, CaseStore, ReadOnly, StaleVersion, StoreError
from meetings.storage.postgres import PostgresStore
from meetings.storage.store import Store
from tui.cli import main

CASE = "DEMO-0001"
DEMO: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


def spec_of(store: CaseStore) -> str:
    assert isinstance(store, Store | PostgresStore)
    return str(store.root) if isinstance(store, Store) else store.url


def user_of(store: CaseStore) -> str:
    """Who the store records as making a change: the computer's user, or the database sign-in."""
    return store.user if isinstance(store, PostgresStore) else getpass.getuser()


HOLDER = """
import sys, time
from meetings.storage.choose import open_store

case_file = open_store(sys.argv[1]).open("DEMO-0001")
print("open", flush=True)
time.sleep(120)
"""


@pytest.fixture
def other_process(backend: CaseStore) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, spec_of(backend)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "open"
    yield child
    if child.poll() is None:
        child.kill()
    child.wait()


# ----- what every store does ---------------------------------------------------------------------
def test_a_second_user_is_told_who_has_the_case_open(backend: CaseStore, other_process: subprocess.Popen[str]) -> None:
    with pytest.raises(CaseLocked) as locked:
        backend.open(CASE)
    message = str(locked.value)
    assert message.startswith(f"Case {CASE} is open for editing by ")
    assert user_of(backend) in message
    assert socket.gethostname() in message
    assert f"(process {other_process.pid})" in message
    assert message.endswith("It can be opened read-only.")


def test_the_second_user_can_read_the_case_but_not_save_it(
    backend: CaseStore, other_process: subprocess.Popen[str]
) -> None:
    with backend.open(CASE, read_only=True) as case_file:
        assert case_file.locked_by is not None and case_file.locked_by.pid == other_process.pid
        with pytest.raises(ReadOnly, match=f"open read-only .*process {other_process.pid}"):
            case_file.save(dataclasses.replace(case_file.case.actions[0], evidence="should not be saved"))
    assert backend.export_data(CASE) == DEMO


def test_the_lock_goes_when_the_holder_is_killed(backend: CaseStore, other_process: subprocess.Popen[str]) -> None:
    os.kill(other_process.pid, signal.SIGKILL)
    other_process.wait()
    with backend.open(CASE) as case_file:
        assert case_file.case.id == CASE


def test_saves_are_kept_and_a_new_record_goes_at_the_end(backend: CaseStore) -> None:
    with backend.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Checks back (fictional)."))
        number = case_file.case.next_number("actions")
        case_file.save(Action(number=number, text="Book a home visit (fictional).", due=None))
    exported = backend.export_data(CASE)
    assert exported["actions"][1]["outcome"] == "Checks back (fictional)."
    assert [a["number"] for a in exported["actions"]] == [a["number"] for a in DEMO["actions"]] + [number]


def test_an_invalid_edit_is_refused_and_nothing_changes(backend: CaseStore) -> None:
    with backend.open(CASE) as case_file:
        assessment = case_file.case.actions[0]
        with pytest.raises(InvalidRecord, match="an assessment cannot be closed without its findings"):
            case_file.save(dataclasses.replace(assessment, status=ActionStatus.DONE, evidence=""))
        assert case_file.case.actions[0] is assessment
        case_file.case.children[0].name = " "
        with pytest.raises(InvalidRecord, match=r"^children\[0\]\.name: must not be empty$"):
            case_file.save()
    assert backend.export_data(CASE)["actions"] == DEMO["actions"]
    assert backend.export_data(CASE)["children"] == DEMO["children"]


def test_the_case_list_follows_saves(backend: CaseStore) -> None:
    with backend.open(CASE) as case_file:
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
        case_file.save(Meeting(number=case_file.case.next_number("meetings"), date=case_file.case.meetings[-1].date))
    [summary] = backend.list_cases()
    assert summary.lead_social_worker == "Robin Example (fictional)"
    assert summary.meetings == len(DEMO["meetings"]) + 1


def test_import_refuses_to_overwrite_unless_asked_and_a_missing_case_says_so(backend: CaseStore) -> None:
    with pytest.raises(StoreError, match="already in the store; import with --replace"):
        backend.import_data(DEMO)
    changed = {**DEMO, "team": "Example Team (fictional)"}
    backend.import_data(changed, replace=True)
    exported = backend.export_data(CASE)
    assert [c["path"] for c in exported.pop("history")[0]["changes"]] == ["case.team"]  # the replace is a change
    assert exported == changed
    with pytest.raises(StoreError, match="There is no case NOPE-1 in "):
        backend.open("NOPE-1")
    with pytest.raises(InvalidRecord, match="is not a usable case id"):
        backend.open("../escape")


def test_a_record_entered_in_error_can_be_deleted(backend: CaseStore) -> None:
    with backend.open(CASE) as case_file:
        person = Person(id=case_file.case.next_number("people"), name="Entered In-Error (fictional)")
        case_file.save(person)
        case_file.delete(person)
    assert [p["id"] for p in backend.export_data(CASE)["people"]] == [p["id"] for p in DEMO["people"]]


def test_the_history_says_who_changed_what_for_each_kind_of_change(backend: CaseStore) -> None:
    with backend.open(CASE) as case_file:
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Checks back (fictional)."))
        person = Person(id=case_file.case.next_number("people"), name="Entered In-Error (fictional)")
        case_file.save(person)
        case_file.delete(person)
        restricted = next(p for p in case_file.case.people if p.restricted)
        case_file.save(dataclasses.replace(restricted, checks_done="A new address (fictional, restricted)."))
    entries = [e for e in backend.history(CASE) if not e.event]  # the saves (not the import of the case)
    paths = [[c.path for c in e.changes] for e in entries]
    assert paths[0] == ["case.lead_social_worker"]
    assert paths[1] == [f"actions[{DEMO['actions'][1]['number']}].outcome"]
    assert paths[2] == [f"people[{person.id}]"] and entries[2].changes[0].old is None
    assert paths[3] == [f"people[{person.id}]"] and entries[3].changes[0].new is None
    [hidden] = entries[4].changes
    assert hidden.restricted and hidden.new == "A new address (fictional, restricted)."
    who = user_of(backend)
    assert {e.who for e in entries} == {who} and {e.machine for e in entries} == {socket.gethostname()}
    # the command: restricted text hidden unless asked for
    assert main(["--store", spec_of(backend), "history", CASE]) == 0


def test_the_history_command_hides_restricted_text_unless_asked(
    backend: CaseStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with backend.open(CASE) as case_file:
        restricted = next(p for p in case_file.case.people if p.restricted)
        case_file.save(dataclasses.replace(restricted, checks_done="A new address (fictional, restricted)."))
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
    capsys.readouterr()
    assert main(["--store", spec_of(backend), "history", CASE]) == 0
    shown = capsys.readouterr().out
    assert "Robin Example (fictional)" in shown and "A new address" not in shown and "(restricted)" in shown
    assert main(["--store", spec_of(backend), "history", CASE, "--restricted"]) == 0
    assert "A new address (fictional, restricted)." in capsys.readouterr().out
    assert main(["--store", spec_of(backend), "history", CASE, "--person", "nobody-by-this-name"]) == 0
    assert "Robin Example" not in capsys.readouterr().out


def test_the_export_carries_the_history_and_an_import_keeps_it(backend: CaseStore, tmp_path: Path) -> None:
    with backend.open(CASE) as case_file:
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
    exported = backend.export_data(CASE)
    assert [c["path"] for c in exported["history"][0]["changes"]] == ["case.lead_social_worker"]
    elsewhere = Store(tmp_path / "elsewhere")
    elsewhere.import_data(exported)
    assert elsewhere.export_data(CASE) == exported


def test_the_report_lists_what_is_late_from_the_stores_summaries(
    backend: CaseStore, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = backend.report(dt.date(2026, 11, 27))
    assert lines and {line.case_id for line in lines} == {CASE}
    capsys.readouterr()
    assert main(["--store", spec_of(backend), "report", "--format", "csv", "--on", "2026-11-27"]) == 0
    csv_text = capsys.readouterr().out
    assert csv_text.splitlines()[0].startswith("case_id,")
    assert len(csv_text.strip().splitlines()) == len(lines) + 1


# ----- what only the server does ------------------------------------------------------------------
def test_a_save_based_on_an_old_version_is_refused(pg: PostgresStore) -> None:
    with pg.open(CASE) as case_file:
        # Someone with the database's own rights changes the case under the editor (as after a
        # lost lock): the editor's next save is refused, not applied over it.
        with psycopg.connect(pg.url, autocommit=True) as other:
            other.execute("UPDATE cg_cases SET last_save = 'another editor' WHERE id = %s", (CASE,))
        with pytest.raises(StaleVersion, match="was changed .* after it was opened here"):
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Should not land (fictional)."))
    assert pg.export_data(CASE)["actions"][1]["outcome"] == DEMO["actions"][1]["outcome"]


def test_the_lock_goes_when_the_holders_connection_is_killed(pg: PostgresStore) -> None:
    holder = pg.open(CASE)
    with pytest.raises(CaseLocked):
        pg.open(CASE)
    with psycopg.connect(pg.url, autocommit=True) as conn:
        [(backend_pid,)] = conn.execute("SELECT backend_pid FROM cg_holders WHERE case_id = %s", (CASE,)).fetchall()
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", (backend_pid,))  # and wait for it to go
    with pg.open(CASE) as case_file:
        assert case_file.case.id == CASE
    holder.close()


def test_a_read_only_view_follows_the_editors_saves(backend: CaseStore) -> None:
    with backend.open(CASE) as editor, backend.open(CASE, read_only=True) as viewer:
        assert not viewer.refresh()
        editor.save(dataclasses.replace(editor.case.actions[1], outcome="Seen by the viewer (fictional)."))
        deadline = time.monotonic() + 10
        while not viewer.refresh():  # the server's note arrives over the network: wait for it
            assert time.monotonic() < deadline, "the viewer was never told of the save"
        assert viewer.case.actions[1].outcome == "Seen by the viewer (fictional)."


def test_the_history_cannot_be_rewritten_by_a_statement(pg: PostgresStore) -> None:
    """Not even by the tables' owner, while the trigger stands (an owner who drops it is caught by
    `history --verify`: tests/test_team_store_attacks.py)."""
    with pg.open(CASE) as case_file:
        case_file.case.lead_social_worker = "Robin Example (fictional)"
        case_file.save()
    with psycopg.connect(pg.url, autocommit=True) as conn:
        for statement in (
            "UPDATE cg_history SET who = 'someone else'",
            "DELETE FROM cg_history",
            "TRUNCATE cg_history",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
    assert [e.event for e in pg.history(CASE)] == ["imported", ""]  # the import, then the save


# ----- who may do what: the database decides ----------------------------------------------------
@pytest.fixture
def team(pg: PostgresStore, database: str) -> str:
    """The demo case allocated to sw_one in team A; everyone else of the test sign-ins in team A,
    except sw_two (not allocated)."""
    with psycopg.connect(pg.url, autocommit=True) as conn:
        for login in ("sw_one", "sw_two", "minutes", "manager", "reader"):
            conn.execute("INSERT INTO cg_staff (login, team) VALUES (%s, 'A')", (f"cgtest_{login}",))
    pg.allocate(CASE, ["cgtest_sw_one"], team="A")
    return database


def as_user(database: str, login: str, tmp_path: Path) -> PostgresStore:
    return PostgresStore(url_for(database, login), journal_dir=tmp_path / f"journal-{login}")


def test_an_allocated_social_worker_edits_and_another_cannot_even_see_the_case(team: str, tmp_path: Path) -> None:
    mine = as_user(team, "sw_one", tmp_path)
    with mine.open(CASE) as case_file:
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Done by the allocated worker."))
    other = as_user(team, "sw_two", tmp_path)
    assert other.list_cases() == []
    with pytest.raises(StoreError, match="There is no case DEMO-0001"):
        other.open(CASE)
    with psycopg.connect(url_for(team, "sw_two"), autocommit=True) as conn:
        assert conn.execute("UPDATE cg_records SET data = '{}' WHERE case_id = %s", (CASE,)).rowcount == 0
    mine.close()
    other.close()


def test_a_minute_taker_records_distribution_but_cannot_change_a_meetings_notes(team: str, tmp_path: Path) -> None:
    minutes = as_user(team, "minutes", tmp_path)
    assert [s.id for s in minutes.list_cases()] == [CASE]
    with psycopg.connect(url_for(team, "minutes"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "UPDATE cg_records SET data = jsonb_set(data, '{decisions}', '\"changed by psql\"') "
                "WHERE case_id = %s AND tbl = 'meetings'",
                (CASE,),
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM cg_records WHERE case_id = %s", (CASE,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE cg_cases SET header = '{}' WHERE id = %s", (CASE,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # not even the distribution, directly
            conn.execute(
                "UPDATE cg_records SET data = jsonb_set(data, '{distribution}', '[]') "
                "WHERE case_id = %s AND tbl = 'meetings' AND key = '1'",
                (CASE,),
            )
        [(version,)] = conn.execute("SELECT version FROM cg_cases WHERE id = %s", (CASE,)).fetchall()
        [(changed,)] = conn.execute(
            "SELECT cg_record_distribution(%s, '1', '[]', '[]', '[]', %s, 'save-1', 'laptop')", (CASE, version)
        ).fetchall()
        assert changed == version + 1  # the distribution log is theirs to keep, through the server's function
    minutes.close()


def test_a_manager_reads_every_case_of_the_team_and_allocates_but_cannot_edit(team: str, tmp_path: Path) -> None:
    manager = as_user(team, "manager", tmp_path)
    assert [s.id for s in manager.list_cases()] == [CASE]
    assert manager.report(dt.date(2026, 11, 27))
    manager.allocate(CASE, ["cgtest_sw_one", "cgtest_sw_two"])
    with pytest.raises(ReadOnly, match="may read case DEMO-0001 but not edit it"):
        manager.open(CASE)
    with (
        psycopg.connect(url_for(team, "manager"), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("UPDATE cg_records SET data = '{}' WHERE case_id = %s", (CASE,))
    now_allocated = as_user(team, "sw_two", tmp_path)
    assert [s.id for s in now_allocated.list_cases()] == [CASE]
    now_allocated.close()
    manager.close()


def test_a_reader_reads_and_changes_nothing(team: str, tmp_path: Path) -> None:
    reader = as_user(team, "reader", tmp_path)
    assert reader.export_data(CASE)["id"] == CASE
    with pytest.raises(StoreError, match="Only a team manager or the store.s owner may allocate"):
        reader.allocate(CASE, ["cgtest_reader"])
    with psycopg.connect(url_for(team, "reader"), autocommit=True) as conn:
        for statement in (
            "UPDATE cg_cases SET summary = '{}'",
            "DELETE FROM cg_records",
            "INSERT INTO cg_history (case_id, changes) VALUES ('DEMO-0001', '[]')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    reader.close()


# ----- the journal when the connection drops ----------------------------------------------------
def connections_allowed(database: str, allowed: bool) -> None:
    """The server stops (or starts again) taking connections to the test's database: as when the
    network goes, for this database only."""
    with admin() as conn:
        conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')


def drop_connection_of(pg: PostgresStore, database: str) -> None:
    connections_allowed(database, False)
    with admin() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )


def test_saves_made_while_the_connection_is_lost_are_written_when_it_returns(pg: PostgresStore, database: str) -> None:
    states: list[str] = []
    written = threading.Event()

    def told(state: str) -> None:
        states.append(state)
        if state == "connected":
            written.set()

    def held_since() -> object:
        with psycopg.connect(pg.url, autocommit=True) as conn:
            return conn.execute("SELECT since FROM cg_holders WHERE case_id = %s", (CASE,)).fetchone()

    with pg.open(CASE) as case_file:
        case_file.on_state = told
        since = held_since()
        drop_connection_of(pg, database)
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Typed while offline (fictional)."))
        case_file.save(dataclasses.replace(case_file.case.actions[2], outcome="And this too (fictional)."))
        assert states[0] == "offline" and case_file.connection_state == "offline"
        connections_allowed(database, True)
        assert written.wait(30), states
        assert held_since() == since  # a second user is told it has been held since it was opened
    exported = pg.export_data(CASE)
    assert exported["actions"][1]["outcome"] == "Typed while offline (fictional)."
    assert exported["actions"][2]["outcome"] == "And this too (fictional)."


JOURNAL_WRITER = """
import dataclasses, os, signal, sys
from pathlib import Path
import psycopg
from meetings.storage.postgres import PostgresStore

url, journal, database, admin = sys.argv[1:5]
case_file = PostgresStore(url, journal_dir=Path(journal)).open("DEMO-0001")
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Kept through a kill (fictional)."))
print(case_file.connection_state, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_journal_survives_a_kill_and_is_written_when_the_case_is_opened_again(
    pg: PostgresStore, database: str, tmp_path: Path
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", JOURNAL_WRITER, pg.url, str(tmp_path / "journal"), database, ADMIN],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL and child.stdout.strip() == "offline", child.stderr[-2000:]
    connections_allowed(database, True)
    assert pg.export_data(CASE)["actions"][1]["outcome"] == DEMO["actions"][1]["outcome"]
    with pg.open(CASE) as case_file:
        assert case_file.case.actions[1].outcome == "Kept through a kill (fictional)."
    assert pg.export_data(CASE)["actions"][1]["outcome"] == "Kept through a kill (fictional)."


# ----- moving a team's cases ---------------------------------------------------------------------
def test_migrate_copies_every_case_both_ways_and_checks_them(
    pg: PostgresStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Store(tmp_path / "folder")
    for n in range(3):
        folder.import_data({**DEMO, "id": f"MOVE-{n:04d}"})
    capsys.readouterr()
    assert main(["migrate", "--from", str(folder.root), "--to", pg.url, "--team", "A"]) == 0
    out = capsys.readouterr().out
    assert out.count("copied and checked") == 4  # three lines and the count
    for n in range(3):
        assert pg.export_data(f"MOVE-{n:04d}") == folder.export_data(f"MOVE-{n:04d}")
    assert main(["migrate", "--from", str(folder.root), "--to", pg.url, "--team", "A"]) == 0  # again: nothing to do
    assert capsys.readouterr().out.count("already copied, identical") == 3
    back = tmp_path / "back"
    assert main(["migrate", "--from", pg.url, "--to", str(back)]) == 0
    assert Store(back).export_data(CASE) == pg.export_data(CASE)


MIGRATE_AND_DIE = """
import sys
from meetings.storage.choose import open_store
from meetings.storage.moving import copy_cases
target = open_store(sys.argv[2])
into_a = lambda data: target.import_data(data, team="A", event="migrated")
for n, (well, line) in enumerate(copy_cases(open_store(sys.argv[1]), target, importer=into_a)):
    print(line, flush=True)
    if n == 1:
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
"""


def test_migrate_goes_on_after_a_kill(pg: PostgresStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = Store(tmp_path / "folder")
    for n in range(5):
        folder.import_data({**DEMO, "id": f"MOVE-{n:04d}"})
    child = subprocess.run([sys.executable, "-c", MIGRATE_AND_DIE, str(folder.root), pg.url],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert child.returncode == -signal.SIGKILL
    assert child.stdout.count("copied and checked") == 2
    capsys.readouterr()
    assert main(["migrate", "--from", str(folder.root), "--to", pg.url, "--team", "A"]) == 0
    out = capsys.readouterr().out
    assert out.count("already copied, identical") == 2  # the two copied before the kill
    assert {s.id for s in pg.list_cases()} == {CASE} | {f"MOVE-{n:04d}" for n in range(5)}


def test_a_server_that_is_not_there_is_said_in_words_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--store", "postgresql://nobody.example:not-shown@127.0.0.1:1/coregroup", "cases"]) == 1
    said = capsys.readouterr().err
    assert "Cannot open the team's store at postgresql://nobody.example@127.0.0.1:1/coregroup" in said
    assert "did not answer" in said and "not-shown" not in said  # never the password


def test_a_folder_indexed_by_an_earlier_release_is_reindexed_for_the_report(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.import_data(DEMO)
    for shard in (store.root / "index").glob("*.json"):  # as an earlier release wrote them
        entries = json.loads(shard.read_bytes())
        for entry in entries.values():
            del entry["report_items"]
        shard.write_text(json.dumps(entries))
    assert {line.case_id for line in Store(store.root).report(dt.date(2026, 11, 27))} == {CASE}


def test_the_schema_is_made_by_recorded_migrations_and_a_newer_one_is_refused(
    pg: PostgresStore, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--store", pg.url, "db", "version"]) == 0
    assert f"is at version {pgschema.LATEST}." in capsys.readouterr().out
    assert main(["--store", pg.url, "db", "upgrade"]) == 0  # again: nothing to apply, nothing changed
    assert "(nothing to apply)" in capsys.readouterr().out
    with psycopg.connect(pg.url, autocommit=True) as conn:
        applied = conn.execute("SELECT version, description FROM coregroup_migrations").fetchall()
        assert [v for v, _ in applied] == [v for v, _, _ in pgschema.MIGRATIONS]
        conn.execute("INSERT INTO coregroup_migrations (version, description) VALUES (99, 'from the future')")
    with pytest.raises(StoreError, match="set up by a newer release of coregroup"):
        PostgresStore(pg.url)


def test_the_report_follows_the_councils_visit_rule(
    backend: CaseStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = backend.export_data(CASE)
    capsys.readouterr()
    assert main(["--store", spec_of(backend), "report", "--on", "2026-11-27"]) == 0
    assert "Child not seen within the visit rule" in capsys.readouterr().out
    settings = tmp_path / "settings.toml"
    settings.write_text("[timescales]\nvisit_interval_working_days = 40\n", encoding="utf-8")
    monkeypatch.setenv("COREGROUP_CONFIG", str(settings))
    assert main(["--store", spec_of(backend), "reindex"]) == 0  # the summaries follow the new rule
    capsys.readouterr()
    assert main(["--store", spec_of(backend), "report", "--on", "2026-11-27"]) == 0
    assert "Child not seen within the visit rule" not in capsys.readouterr().out
    assert {k: v for k, v in backend.export_data(CASE).items() if k != "history"} == {
        k: v for k, v in exported.items() if k != "history"
    }


def test_typing_on_in_one_field_is_gathered_on_the_server_not_kept_save_by_save(pg: PostgresStore) -> None:
    """Fifty saves of a note growing as the chair types: the history holds the first save and one
    gathered entry, not fifty copies of the growing text (a five-year case would hold hundreds of MB)."""
    with pg.open(CASE) as case_file:
        text = ""
        for n in range(50):
            text += f"Word {n} (fictional). "
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome=text))
    with psycopg.connect(pg.url, autocommit=True) as conn:
        [(saves,)] = conn.execute(
            "SELECT count(*) FROM cg_history WHERE case_id = %s AND event = ''", (CASE,)
        ).fetchall()
    assert saves == 2  # the first save, and the rest gathered (written when the case was closed)
    changes = [c for e in pg.history(CASE) for c in e.changes if c.path.endswith(".outcome")]
    assert changes[-1].new.strip() == text.strip()  # the last text typed
    assert pg.verify_history(CASE).intact


def test_the_report_follows_a_save_that_changes_it_and_typing_leaves_it_alone(backend: CaseStore) -> None:
    """A save rewrites the case's report lines only when they change (typing notes never does), and
    a save that does change them (an overdue assessment given to someone else) is on the report at once."""
    today = dt.date(2026, 11, 27)
    before = backend.report(today)
    with backend.open(CASE) as case_file:
        meeting = case_file.case.meetings[-1]
        meeting.steps[1].notes = "Typed during the meeting (fictional)."
        case_file.save(meeting)
        assert backend.report(today) == before  # typing leaves the report as it was
        action = next(a for a in case_file.case.actions if a.number == 6)
        case_file.save(dataclasses.replace(action, owner="Kit Sample (fictional)"))
    [line] = [line for line in backend.report(today) if "(action 6)" in line.subject]
    assert "Kit Sample (fictional)" in line.detail


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A database on the test server that is not a team's store (as another application's is)."""
    from psycopg import sql

    name = f"cgtest_other_{os.getpid()}_{time.monotonic_ns() % 100000}"
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_opening_a_database_that_is_not_a_store_changes_nothing_in_it(
    empty_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21, point 12: any command used to set coregroup's schema up in whatever database the
    address reached. Only `db init` and `db upgrade` change a schema."""
    url = url_for(empty_database)
    with pytest.raises(StoreError, match="There is no team's store of coregroup at .*Nothing was changed"):
        PostgresStore(url)
    assert main(["--store", url, "cases"]) == 1
    assert "There is no team's store of coregroup" in capsys.readouterr().err
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


def test_an_address_that_names_no_database_is_refused_before_connecting() -> None:
    with pytest.raises(StoreError, match="names no database"):
        PostgresStore("postgresql://nobody.example@127.0.0.1:5432")
    with pytest.raises(StoreError, match="names no database"):
        PostgresStore("postgresql://")
