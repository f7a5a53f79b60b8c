"""The saves a lost connection set aside (f7, the team's store) are reviewed under the one
visibility rule, as the history is: no restricted person's name is on the screen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from textual.widgets import Static
from tui_helpers import human, wait_until

from meetings.storage import postgres
from meetings.storage.base import Snapshot, StoreError
from meetings.storage.postgres import PostgresStore

CASE = "DEMO-0001"
TYPED = "Max Fictional collected the children from nursery (fictional)."  # Max Fictional is restricted


def kept_save(store: PostgresStore, outcome: str) -> None:
    """A save kept on this computer, as a lost connection leaves one, based on an old version, and
    set aside as the case is opened again."""
    with store.open(CASE, read_only=True) as view:
        action = dataclasses.replace(view.case.actions[1], outcome=outcome)
        view.case.actions[1] = action
        store.journal_for(CASE).append(Snapshot.of(view.case, [action]), 0, postgres.new_save_id())
    with pytest.raises(StoreError, match="could not be written"):  # opened again, it is set aside
        store.open(CASE)


async def test_the_review_of_kept_saves_withholds_a_restricted_name(pg: PostgresStore, make_app: Any) -> None:
    kept_save(pg, TYPED)
    app: Any = make_app(pg)

    def review() -> str:
        return " ".join(str(app.screen.query_one("#conflict-changes", Static).render()).split())

    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: any("f7 shows" in notice for notice in app.notices))
        await human(pilot, "f7")  # from the case list, no case open
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConflictsScreen" and "outcome" in review())
        assert "collected the children from nursery" in review()  # the change is reviewed ...
        assert "Max Fictional" not in review()  # ... without the restricted name
    # The store still holds the name, for an audience that may see it.
    [copy] = pg.conflicts()
    assert any("Max Fictional" in words for words in pg.conflict_changes(copy, show_restricted=True))
