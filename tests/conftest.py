"""Shared fixtures: a store holding the fictional demo case, a fixed clock, no blinking cursors."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from meetings.domain.locations import data_dir
from meetings.domain.settings import Settings
from meetings.storage.base import CaseStore
from meetings.storage.store import Store

# The suite is steady: every property test draws the same examples on every run (CI included), so
# a run fails only for a change of code. `COREGROUP_HYPOTHESIS=explore` draws new ones each run,
# with the failures found kept in .hypothesis/ to be replayed (a longer search: with
# COREGROUP_PROPERTY_SCALE, see tests/test_any_accepted_case.py).
hypothesis_settings.register_profile("steady", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("COREGROUP_HYPOTHESIS", "steady"))

if TYPE_CHECKING:
    from meetings.storage.postgres import PostgresStore

DEMO_ID = "DEMO-0001"
FIXED_NOW = dt.datetime(2026, 11, 20, 10, 0, 0)


@pytest.fixture(autouse=True)
def own_config_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own config folder: what the app remembers (the folder minutes were
    written to) never comes from, or goes to, the real user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(autouse=True)
def default_summary_settings() -> None:
    """Each test starts with the default settings for the case summaries' report items (the app
    and the command line set the council's: one test's must not carry into the next)."""
    from meetings.storage.base import use_settings

    use_settings(Settings())


@pytest.fixture(autouse=True)
def no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blinking cursors make screenshots differ from run to run."""
    try:
        from textual.widgets import Input, TextArea
    except ImportError:  # pragma: no cover - only the TUI tests need Textual
        return
    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store in tmp_path holding the demo case."""
    store = Store(tmp_path / "store")
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    return store


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own on the test PostgreSQL server, with the team store's schema."""
    from pg_helpers import fresh_database

    with fresh_database() as name:
        yield name


@pytest.fixture
def pg(database: str, tmp_path: Path) -> Iterator[PostgresStore]:
    """A team's store on PostgreSQL holding the demo case, signed in as the server's admin."""
    from pg_helpers import url_for

    from meetings.storage.postgres import PostgresStore

    store = PostgresStore(url_for(database), journal_dir=tmp_path / "journal")
    # Imported by the server's admin, who has no team of their own: the case goes to team "A".
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")), team="A")
    yield store
    store.close()


@pytest.fixture(params=["files", "postgresql"])
def backend(request: pytest.FixtureRequest) -> CaseStore:
    """The demo case in a store of each kind: what every store must do is tested on both."""
    found: CaseStore = request.getfixturevalue("store" if request.param == "files" else "pg")
    return found


@pytest.fixture
def make_app() -> Callable[..., object]:
    """Build the app on a store with default settings and the clock stopped at FIXED_NOW."""

    def make(
        store: Store,
        *,
        now: dt.datetime | Callable[[], dt.datetime] = FIXED_NOW,
        save_delay: float = 0.05,
        settings: Settings | None = None,
    ) -> object:
        """`now`: the time the app's clock shows, or a function giving it (a clock the test moves);
        `save_delay`: how long the writer gathers keystrokes before saving (the app's own is 0.25);
        `settings`: a council's settings (the defaults otherwise)."""
        from tui.app import CoreGroupApp

        clock = now if callable(now) else (lambda: now)
        return CoreGroupApp(store, settings or Settings(), clock=clock, save_delay=save_delay)

    return make


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the template database the team store's tests made in this process, if any."""
    from pg_helpers import drop_templates

    drop_templates()
