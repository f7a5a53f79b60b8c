"""Issue 22, point 3: a lead social worker coregroup inferred from an older case file ("not
recorded before <date>") is corrected by the chair: when the lead began, and who led before.
Pressing keys as a chair does, reading the overview after. Fictional data only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from test_facts_recorded import shown, tab_to, two_children_v1
from textual.widgets import Static
from tui_helpers import human, wait_until

from meetings.domain.records import LeadWorker
from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.screens.leads import LeadWorkersForm


async def type_into(pilot: Any, widget_id: str, text: str) -> None:
    await tab_to(pilot, widget_id)
    await human(pilot, *text)


async def lead_form(pilot: Any) -> tuple[CaseScreen, LeadWorkersForm]:
    """Open the case from the list, then the lead social workers' form (l), as the chair does."""
    app = pilot.app
    await human(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
    screen = app.screen
    await human(pilot, "l")
    await wait_until(pilot, lambda: isinstance(app.screen, LeadWorkersForm))
    return screen, app.screen


async def test_the_chair_records_when_the_lead_began_and_who_led_before(tmp_path: Path, make_app: Any) -> None:
    store = Store(tmp_path / "store")
    case = store.import_data(two_children_v1())
    [inferred] = case.lead_workers
    assert inferred.inferred  # the migration's: who led before it is not recorded
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, form = await lead_form(pilot)
        assert "[inferred by coregroup's migration" in shown(screen, "#case-plan")
        # Who led before, without saying when Alex began: refused, nothing changed.
        await type_into(pilot, "earlier-0-name", "Sam Earlier")
        await type_into(pilot, "earlier-0-since", "2026-07-09")
        await human(pilot, "ctrl+s")
        error = form.query_one("#form-error", Static)
        await wait_until(pilot, lambda: error.has_class("shown"))
        assert "say when Alex Chair (fictional) became lead first" in " ".join(str(error.render()).split())
        assert app.screen is form
        await type_into(pilot, "lead-since", "2026-09-01")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        expected = "Lead social worker: Alex Chair (fictional) since 1 Sep 2026 (before: Sam Earlier, from 9 Jul 2026)"
        await wait_until(pilot, lambda: expected in shown(screen, "#case-plan"))
        plan = shown(screen, "#case-plan")
        assert "inferred" not in plan and "not recorded before" not in plan
    with store.open(case.id, read_only=True) as opened:
        assert opened.case.lead_workers == [
            LeadWorker(name="Sam Earlier", since=dt.date(2026, 7, 9)),
            LeadWorker(name="Alex Chair (fictional)", since=dt.date(2026, 9, 1)),
        ]


async def test_a_start_left_empty_stays_coregroup_s_inference(tmp_path: Path, make_app: Any) -> None:
    """Saving the form with the inferred start left empty records nothing as the chair's."""
    store = Store(tmp_path / "store")
    case = store.import_data(two_children_v1())
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, _ = await lead_form(pilot)
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        assert "(before: not recorded before" in shown(screen, "#case-plan")
    with store.open(case.id, read_only=True) as opened:
        assert opened.case.lead_workers == case.lead_workers
