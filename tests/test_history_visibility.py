"""The history with restricted items hidden shows each entry by what its fields are now (issue 22,
point 7): a restricted name typed in a shared field, a person marked restricted after their name
was recorded, a withheld referrer, and a concern made not shareable after its text was saved are
hidden from `coregroup history` and from the app's history tab alike. Every name is made up."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable
from tui_helpers import DEMO_ID, burst, human, wait_until

from meetings.domain.locations import data_dir
from meetings.domain.records import Concern, Person, Relationship, SourceKind
from meetings.storage.store import Store
from tui.cli import main

LATER_RESTRICTED = "Ignatius Fothergill-Pask"
RESTRICTED_TYPED = "Hallworth, Clementine"  # a restricted person's name, surname first
REFERRER = "Winifred Oakenshaw (neighbour at no. 12)"
CONCERN_TEXT = "Heard a man shouting at the baby through the wall."
SECRETS = ("Fothergill", "Pask", "Ignatius", "Hallworth", "Clementine", "Oakenshaw", "Winifred", "through the wall")


def made_restricted_later(store: Store) -> None:
    """Saves recorded while each thing was shareable, then each made restricted."""
    with store.open(DEMO_ID) as case_file:
        case = case_file.case
        hidden = Person(id=case.next_number("people"), name="Clementine Hallworth", restricted=True,
                        relationship=Relationship.OTHER)  # fmt: skip
        case_file.save(hidden)
        later = Person(id=case.next_number("people"), name=LATER_RESTRICTED, relationship=Relationship.OTHER)
        case_file.save(later)
        meeting = case.meetings[0]
        meeting.steps[1].notes = f"{RESTRICTED_TYPED} and Mr Fothergill-Pask were at the home."
        case_file.save(meeting)
        concern = Concern(id=case.next_number("concerns"), received_on=dt.date(2026, 11, 2), reported=CONCERN_TEXT,
                          source_kind=SourceKind.PERSON, source="Telephone")  # fmt: skip
        case_file.save(concern)
        case_file.save(dataclasses.replace(concern, referrer=REFERRER))
        case_file.save(dataclasses.replace(concern, referrer=REFERRER, referrer_restricted=True, shareable=False))
        case_file.save(dataclasses.replace(later, restricted=True))
        case.danger_statement += " Winifred Oakenshaw says she will keep calling."
        case_file.save()


def test_coregroup_history_hides_what_is_restricted_now(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path / "store")
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    made_restricted_later(store)
    capsys.readouterr()
    assert main(["--store", str(store.root), "history", DEMO_ID]) == 0
    shown = capsys.readouterr().out
    for secret in SECRETS:
        assert secret not in shown, secret
    assert "(restricted)" in shown and "[name withheld]" in shown
    assert "were at the home" in shown  # the shared words of the note stay
    assert main(["--store", str(store.root), "history", DEMO_ID, "--restricted"]) == 0
    everything = capsys.readouterr().out
    assert "Fothergill-Pask" in everything and "Oakenshaw" in everything and "through the wall" in everything


def rows(app: Any) -> list[str]:
    table = app.screen.query_one("#table-history", DataTable)
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


async def test_the_history_tab_hides_what_is_restricted_now(store: Store, make_app: Any) -> None:
    made_restricted_later(store)
    app: Any = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "0")
        await wait_until(pilot, lambda: any(".steps[1].notes" in r for r in rows(app)))
        shown = "\n".join(rows(app))
        for secret in SECRETS:
            assert secret not in shown, secret
        assert "were at the home" in shown
        await human(pilot, "f8")  # restricted items shown: the changes as they were typed
        await wait_until(pilot, lambda: any("Fothergill-Pask" in r for r in rows(app)))
        assert any("through the wall" in r for r in rows(app))
