"""A council's own agenda: steps renamed, reworded and reordered keep what the tool does at them,
because the tool finds each step by its role; a template without a role the tool needs is
refused, naming the role and the file. (Fictional data only.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import DEMO_ID, burst, case_on_disk, human, open_walkthrough, save_now, wait_until

from meetings.domain.agenda import AgendaTemplateError, StepRole, load_agenda
from meetings.domain.locations import data_dir
from meetings.domain.settings import Settings
from meetings.storage.store import Store
from tui.screens.walkthrough import WalkthroughScreen


def council_agenda(tmp_path: Path, change: Any) -> Path:
    raw = json.loads((data_dir() / "agenda.json").read_text(encoding="utf-8"))
    change(raw["steps"])
    path = tmp_path / "council-agenda.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def renamed(steps: list[dict[str, Any]]) -> None:
    """The dissent step renamed and reworded, and moved before the actions."""
    dissent = next(s for s in steps if s["role"] == "dissent")
    dissent.update(key="challenge", title="Challenge and disagreement")
    steps.remove(dissent)
    steps.insert(3, dissent)


def test_the_standard_agenda_gives_every_step_its_role() -> None:
    agenda = load_agenda()
    assert [s.role.value for s in agenda.steps] == [s.key for s in agenda.steps]
    assert agenda.key_of(StepRole.DISSENT) == "dissent"


def test_a_renamed_and_moved_step_keeps_its_role(tmp_path: Path) -> None:
    agenda = load_agenda(council_agenda(tmp_path, renamed))
    assert agenda.key_of(StepRole.DISSENT) == "challenge"
    assert agenda.steps[3].title == "Challenge and disagreement"


@pytest.mark.parametrize("role", ["dissent", "review_actions", "next_dates", "membership"])
def test_a_template_without_a_role_the_tool_needs_is_refused_naming_it(tmp_path: Path, role: str) -> None:
    def drop(steps: list[dict[str, Any]]) -> None:
        step = next(s for s in steps if s["role"] == role)
        step["role"] = "other"

    path = council_agenda(tmp_path, drop)
    with pytest.raises(AgendaTemplateError) as refused:
        load_agenda(path)
    assert f"no step with the role '{role}'" in str(refused.value)
    assert str(path) in str(refused.value)


def test_an_unknown_role_or_a_role_given_twice_is_refused(tmp_path: Path) -> None:
    def unknown(steps: list[dict[str, Any]]) -> None:
        steps[0]["role"] = "chitchat"

    with pytest.raises(AgendaTemplateError, match="role 'chitchat' is not one of"):
        load_agenda(council_agenda(tmp_path, unknown))

    def twice(steps: list[dict[str, Any]]) -> None:
        steps[0]["role"] = "dissent"

    with pytest.raises(AgendaTemplateError, match="gives the role 'dissent' to more than one step"):
        load_agenda(council_agenda(tmp_path, twice))


def test_a_template_from_before_roles_takes_them_from_the_standard_keys(tmp_path: Path) -> None:
    def no_roles(steps: list[dict[str, Any]]) -> None:
        for step in steps:
            del step["role"]

    agenda = load_agenda(council_agenda(tmp_path, no_roles))
    assert agenda.key_of(StepRole.DISSENT) == "dissent"


async def test_dissent_typed_at_a_renamed_step_reaches_the_meeting(store: Store, make_app: Any, tmp_path: Path) -> None:
    settings = Settings(agenda_template=council_agenda(tmp_path, renamed))
    app = make_app(store, settings=settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, *["ctrl+n"] * 3)
        await wait_until(pilot, lambda: walk.step.key == "challenge" and walk.ready)
        await human(pilot, "shift+tab")  # from the notes back to the dissent box above them
        await burst(pilot, *"Health disagreed with closing the plan")
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert meeting["dissent"] == "Health disagreed with closing the plan"
    assert [s["key"] for s in meeting["steps"]][3] == "challenge"
