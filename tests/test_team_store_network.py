"""The team's store through a bad network: a proxy on this computer (tests/net_proxy.py) resets
connections, goes silent, or loses the server's answer to a COMMIT. Nothing typed is lost, a
save of one's own is never taken for someone else's, no lock outlives its connection, a silent
network is said to be "offline" within seconds, and a read-only view follows again afterwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from net_proxy import Proxy
from pg_helpers import ADMIN, url_for

from meetings.storage import postgres
from meetings.storage.base import Snapshot, StoreError
from meetings.storage.postgres import PostgresCase, PostgresStore

CASE = "DEMO-0001"
SILENT_TO_OFFLINE = 10.0  # seconds: a silent network is "offline", and the save journaled, within this


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait until `condition` holds (polling, no fixed sleep); the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.02)
    return time.monotonic() - start


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    bad = Proxy(ADMIN)
    yield bad
    bad.close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app tries again every two seconds; the tests need not wait so long between tries."""
    monkeypatch.setattr(postgres, "RECONNECT_EVERY", 0.2, raising=False)


@pytest.fixture
def through(pg: PostgresStore, database: str, proxy: Proxy, tmp_path: Path) -> Iterator[PostgresStore]:
    """The demo case's store, signed in as the server's admin, through the bad network."""
    store = PostgresStore(proxy.url(database), journal_dir=tmp_path / "journal")
    yield store
    store.close()


def outcome_on_server(pg: PostgresStore, index: int) -> str:
    return str(pg.export_data(CASE)["actions"][index]["outcome"])


def recorded(case_file: PostgresCase) -> list[str]:
    states: list[str] = []
    case_file.on_state = states.append
    return states


def test_a_lost_answer_to_a_save_is_not_taken_for_someone_elses_change(
    pg: PostgresStore, through: PostgresStore, proxy: Proxy
) -> None:
    with through.open(CASE) as case_file:
        states = recorded(case_file)
        proxy.drop_commit_replies = 1  # this save reaches the database; its answer does not come back
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Committed, answer lost (fictional)."))
        assert proxy.dropped == 1 and states[:1] == ["offline"]
        wait_for(lambda: case_file.connection_state == "connected", 15, "the journal written back")
        assert not any(s.startswith("conflict") for s in states), states
        assert not through.journal_for(CASE).exists()
        # Typing goes on, online: nothing stays on the laptop.
        case_file.save(dataclasses.replace(case_file.case.actions[2], outcome="And online again (fictional)."))
        assert not through.journal_for(CASE).exists()
    assert outcome_on_server(pg, 1) == "Committed, answer lost (fictional)."
    assert outcome_on_server(pg, 2) == "And online again (fictional)."
    [row] = psycopg.connect(pg.url, autocommit=True).execute("SELECT version FROM cg_cases").fetchall()
    assert row[0] == 3  # imported at 1, one save (not two: the lost answer's save was not written again), one more


def test_a_lost_answer_to_the_journals_own_replay_is_recognised_too(
    pg: PostgresStore, through: PostgresStore, proxy: Proxy
) -> None:
    with through.open(CASE) as case_file:
        states = recorded(case_file)
        proxy.refusing = True  # no reconnection until the test says so
        proxy.drop_commit_replies = 1  # the save's answer is lost
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Written once (fictional)."))
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Then typed on (fictional)."))
        assert through.journal_for(CASE).exists() and proxy.dropped == 1
        proxy.drop_commit_replies = 1  # and the answer to the replay that writes the second save
        proxy.refusing = False
        wait_for(lambda: proxy.dropped == 2, 15, "the replay's answer lost")
        wait_for(lambda: case_file.connection_state == "connected", 15, "the journal written back")
        assert not any(s.startswith("conflict") for s in states), states
        assert not through.journal_for(CASE).exists()
    assert outcome_on_server(pg, 1) == "Then typed on (fictional)."


def test_no_edit_is_lost_through_random_resets_while_saving(
    pg: PostgresStore, through: PostgresStore, proxy: Proxy
) -> None:
    with through.open(CASE) as case_file:
        states = recorded(case_file)
        proxy.chaos = (random.Random(8), 0.25, 0.15)  # a quarter of answers to a COMMIT lost, some resets
        typed = ""
        for n in range(40):
            typed += f"{n} "
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome=typed))
            if n % 4 == 3:  # now and then the typist pauses long enough for the journal to go back
                wait_for(lambda: not through.journal_for(CASE).exists(), 20, "the journal written back")
        proxy.chaos = None
        wait_for(lambda: not through.journal_for(CASE).exists(), 20, "the journal written back")
        assert proxy.dropped > 0 and proxy.resets > 0
        assert not any(s.startswith("conflict") for s in states), states
    assert outcome_on_server(pg, 1) == typed


def test_a_failed_replay_leaves_no_lock_behind(pg: PostgresStore, database: str, proxy: Proxy, tmp_path: Path) -> None:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("INSERT INTO cg_staff (login, team) VALUES ('cgtest_sw_one', 'A'), ('cgtest_sw_two', 'A')")
    pg.allocate(CASE, ["cgtest_sw_one", "cgtest_sw_two"], team="A")
    laptop = PostgresStore(proxy.url(database, "sw_one"), journal_dir=tmp_path / "laptop")
    gc.disable()  # a lock left to the garbage collector would be released by it: not here
    try:
        case_file = laptop.open(CASE)
        states = recorded(case_file)
        proxy.refusing = True
        proxy.reset()  # the server sees the laptop's connection go, and its lock with it
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Typed offline (fictional)."))
        assert case_file.connection_state == "offline"
        with psycopg.connect(pg.url, autocommit=True) as conn:  # someone changes the case meanwhile
            conn.execute("UPDATE cg_cases SET last_save = 'another editor' WHERE id = %s", (CASE,))
        proxy.refusing = False
        wait_for(lambda: any(s.startswith("conflict") for s in states), 15, "the conflict reported")
        for who, folder in (("sw_two", "another"), ("sw_one", "same-user-elsewhere")):
            other = PostgresStore(url_for(database, who), journal_dir=tmp_path / folder)
            with other.open(CASE) as opened:  # at once: no CaseLocked
                assert opened.case.id == CASE
            other.close()
        case_file.close()
    finally:
        gc.enable()
    laptop.close()


def test_a_silent_network_is_offline_within_seconds_and_the_save_is_kept(
    pg: PostgresStore, through: PostgresStore, proxy: Proxy
) -> None:
    with through.open(CASE) as case_file:
        states = recorded(case_file)
        proxy.silence()
        took: list[float] = []

        def save() -> None:
            start = time.monotonic()
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Typed into silence (fictional)."))
            took.append(time.monotonic() - start)

        saving = threading.Thread(target=save, daemon=True)
        saving.start()
        saving.join(SILENT_TO_OFFLINE)
        if saving.is_alive():
            proxy.close()  # let it go, so that the case can be closed and the test fail in words
            saving.join()
            pytest.fail("the save still waited on a silent network")
        assert took[0] < SILENT_TO_OFFLINE and states[:1] == ["offline"]
        assert through.journal_for(CASE).exists()  # on the disk: a kill now loses nothing
        print(f"silent network to offline (save journaled): {took[0]:.1f} s")
        proxy.resume()  # the server still holds the old connection (and the lock): it is ended, and taken again
        wait_for(lambda: case_file.connection_state == "connected", 20, "the journal written back")
    assert outcome_on_server(pg, 1) == "Typed into silence (fictional)."


def test_a_read_only_view_follows_again_after_a_reset(pg: PostgresStore, through: PostgresStore, proxy: Proxy) -> None:
    with pg.open(CASE) as editor, through.open(CASE, read_only=True) as viewer:
        proxy.reset()
        wait_for(lambda: len(proxy.links) > 0, 10, "the view connected again")
        editor.save(dataclasses.replace(editor.case.actions[1], outcome="Seen after the reset (fictional)."))
        wait_for(viewer.refresh, 15, "the viewer told of the save")
        assert viewer.case.actions[1].outcome == "Seen after the reset (fictional)."
        assert viewer.connection_state == "connected"


def test_a_read_only_view_that_cannot_reach_the_server_says_so(
    pg: PostgresStore, through: PostgresStore, proxy: Proxy
) -> None:
    with pg.open(CASE) as editor, through.open(CASE, read_only=True) as viewer:
        proxy.silence()
        took = wait_for(lambda: viewer.connection_state == "offline", SILENT_TO_OFFLINE, "the view says offline")
        print(f"silent network to a viewer's offline: {took:.1f} s")
        editor.save(dataclasses.replace(editor.case.actions[1], outcome="Saved while the view was away (fictional)."))
        proxy.resume()
        wait_for(viewer.refresh, 15, "the view read the case again")  # the save it missed
        assert viewer.case.actions[1].outcome == "Saved while the view was away (fictional)."
        assert viewer.connection_state == "connected"


def test_every_connection_says_how_long_to_wait(pg: PostgresStore, through: PostgresStore) -> None:
    def settings_of(conn: psycopg.Connection[Any]) -> tuple[object, ...]:
        row = conn.execute(
            "SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_user_timeout'), "
            "current_setting('statement_timeout')"
        ).fetchone()
        assert row is not None
        return (conn.info.get_parameters().get("keepalives_idle"), *row)

    expected = (str(postgres.KEEPALIVE_IDLE), str(postgres.SERVER_KEEPALIVE_IDLE),
                str(postgres.SERVER_TCP_USER_TIMEOUT_MS), f"{postgres.STATEMENT_TIMEOUT_MS // 1000}s")  # fmt: skip
    with postgres.connect(through.url) as conn:  # what the pool, a case's lock and a view connect with
        assert settings_of(conn) == expected


# ----- the app ----------------------------------------------------------------------------------
async def test_a_colleagues_read_only_walk_through_follows_the_editor_through_a_reset_and_an_outage(
    pg: PostgresStore, database: str, proxy: Proxy, make_app: Any, tmp_path: Path
) -> None:
    from textual.widgets import TextArea
    from tui_helpers import burst, human, wait_until

    editor = pg.open(CASE)
    viewer_store = PostgresStore(proxy.url(database), journal_dir=tmp_path / "viewer-journal")
    app: Any = make_app(viewer_store)

    def notes_shown() -> str:
        body = app.screen.body  # None while the step is built again
        return str(body.query_one("#notes", TextArea).text) if body is not None else ""

    def editor_writes(text: str) -> None:
        meeting = next(m for m in editor.case.meetings if m.number == 2)
        meeting.steps[app.screen.index].notes = text
        editor.save(meeting)

    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await human(pilot, "enter")  # "Open read-only"
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "c")  # meeting 2
        await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen" and app.screen.ready)
        editor_writes("Typed by the chair (fictional).")
        await wait_until(pilot, lambda: notes_shown() == "Typed by the chair (fictional).", timeout=15)
        assert any("you are seeing the latest" in n for n in app.notices)
        proxy.reset()
        editor_writes("Typed after the reset (fictional).")
        await wait_until(pilot, lambda: notes_shown() == "Typed after the reset (fictional).", timeout=15)
        proxy.silence()
        await wait_until(pilot, lambda: "OFFLINE: not following the editor's saves" in str(app.screen.sub_title),
                         timeout=SILENT_TO_OFFLINE)  # fmt: skip
        assert any("may not be the latest" in n for n in app.notices)
        editor_writes("Typed while the colleague was away (fictional).")
        proxy.resume()
        await wait_until(pilot, lambda: notes_shown() == "Typed while the colleague was away (fictional).", timeout=15)
        await wait_until(pilot, lambda: "OFFLINE" not in str(app.screen.sub_title))
    editor.close()
    viewer_store.close()


# ----- where the journal is kept, and what is set aside -------------------------------------------
def kept_save(store: PostgresStore, outcome: str, *, based_on: int) -> None:
    """A save kept on this computer, as a lost connection leaves one."""
    with store.open(CASE, read_only=True) as view:
        action = dataclasses.replace(view.case.actions[1], outcome=outcome)
        view.case.actions[1] = action
        store.journal_for(CASE).append(Snapshot.of(view.case, [action]), based_on, postgres.new_save_id())


def test_the_journal_is_the_servers_however_its_address_is_spelt(pg: PostgresStore, database: str) -> None:
    assert pg.journal_dir is not None
    by_name = PostgresStore(pg.url.replace("@127.0.0.1", "@localhost"), journal_dir=pg.journal_dir)
    assert by_name.where != pg.where
    kept_save(by_name, "Kept under localhost (fictional).", based_on=1)
    with pg.open(CASE) as case_file:  # the same server, spelt 127.0.0.1: the journal is found and written
        assert case_file.case.actions[1].outcome == "Kept under localhost (fictional)."
    by_name.close()


def test_a_journal_an_earlier_release_kept_under_the_address_is_still_written(pg: PostgresStore) -> None:
    assert pg.journal_dir is not None
    action = {**pg.export_data(CASE)["actions"][1], "outcome": "Kept by the earlier release (fictional)."}
    line = {"based_on": 1, "records": [["actions", str(action["number"]), action]], "summary": None}
    earlier = pg.journal_dir / hashlib.sha256(pg.where.encode()).hexdigest()[:16]
    earlier.mkdir(parents=True)
    (earlier / f"{CASE}.journal").write_bytes(json.dumps(line).encode() + b"\n")  # as that release wrote it
    with pg.open(CASE) as case_file:
        assert case_file.case.actions[1].outcome == "Kept by the earlier release (fictional)."
    assert not earlier.exists()


def test_saves_that_could_not_be_written_are_listed_reviewed_and_discarded(pg: PostgresStore) -> None:
    kept_save(pg, "Typed while someone else changed it (fictional).", based_on=0)  # not the server's version
    with pytest.raises(StoreError, match="could not be written, and are kept at"):
        pg.open(CASE)
    [copy] = pg.conflicts()
    assert copy.case_id == CASE and copy.saves == 1
    assert abs((dt.datetime.now() - copy.when).total_seconds()) < 120
    words = pg.conflict_changes(copy)
    assert any("outcome" in w and "Typed while someone else changed it" in w for w in words), words
    pg.discard_conflict(copy)
    assert pg.conflicts() == []
    with pg.open(CASE) as case_file:  # opens without it from now on
        assert case_file.case.actions[1].outcome != "Typed while someone else changed it (fictional)."


async def test_the_chair_reviews_and_discards_kept_saves_from_the_case_list(pg: PostgresStore, make_app: Any) -> None:
    from textual.widgets import Static
    from tui_helpers import human, wait_until

    kept_save(pg, "Kept aside (fictional).", based_on=0)
    with pytest.raises(StoreError):
        pg.open(CASE)
    app: Any = make_app(pg)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")
        await wait_until(pilot, lambda: any("f7 shows what they hold" in n for n in app.notices))
        await human(pilot, "f7")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConflictsScreen")
        shown = str(app.screen.query_one("#conflict-changes", Static).render())
        assert "Kept aside (fictional)." in shown and "outcome" in shown
        await human(pilot, "d")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await human(pilot, "y")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConflictsScreen" and not app.screen.copies)
        assert pg.conflicts() == []
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")


def test_the_journal_is_encrypted_when_this_computer_has_a_journal_key(
    pg: PostgresStore, through: PostgresStore, proxy: Proxy
) -> None:
    recovery_key = through.encrypt_journal("a fictional passphrase")
    with through.open(CASE) as case_file:
        proxy.refusing = True
        proxy.reset()
        case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Kept encrypted (fictional)."))
        raw = through.journal_for(CASE).path.read_bytes()
        assert b"Kept encrypted" not in raw and raw.startswith(b"enc:")
    # Closed while the server cannot be reached: the journal stays on the disk.
    later = PostgresStore(pg.url.replace("@127.0.0.1", "@localhost"), journal_dir=through.journal_dir)
    assert later.locked
    with pytest.raises(StoreError, match="encrypted"):
        later.open(CASE)  # a save may need the journal: not before its key is unlocked
    with pytest.raises(StoreError, match="does not open"):
        later.unlock(passphrase="not the passphrase")
    later.unlock(recovery_key=recovery_key)
    with later.open(CASE) as case_file:
        assert case_file.case.actions[1].outcome == "Kept encrypted (fictional)."
    later.close()
