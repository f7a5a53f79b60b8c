"""Issue 22: a restricted person's name typed into shareable free text (an action, a person's
risks, a visit's notes, a step's notes, a scaling reason, the decisions) is withheld on the screen
with restricted items hidden exactly as the family copy withholds it; f8 shows it as typed.

Every name and place here is made up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_visibility_walk import MEETING, answer_where, docx_words, screen_words, walk_case, walk_everything
from tui_helpers import human, settle, wait_until

from meetings.domain.family import WITHHELD
from meetings.storage.store import Store

NAME = "Thaddeus Vellacourt"  # restricted: the family must not read his name anywhere
FORENAME, SURNAME = NAME.split()


def named_case() -> dict[str, Any]:
    """The walk's case, with a restricted person whose name is typed into shareable free text."""
    data = walk_case()
    data["people"].append({"id": 8, "name": NAME, "restricted": True, "relationship": "regular_visitor",
                           "gender": "male", "assessment_status": "not_started"})  # fmt: skip
    shared = next(p for p in data["people"] if p["name"] == "Ruth Ambleside")
    shared["risks"] = "Lets Vellacourt stay at weekends."  # the surname alone
    action = next(a for a in data["actions"] if a["number"] == 22)
    action["text"] = f"Attend the Oakhurst parenting course without {NAME} (fictional)"
    visit = next(v for v in data["visits"] if v["id"] == 21)
    visit["notes"] = f"{NAME} was at the nursery gate."
    meeting = data["meetings"][-1]
    assert meeting["number"] == MEETING
    meeting["steps"][5]["notes"] = f"Gorsefield school says {NAME} collects the children."
    meeting["scaling"][1]["reason"] = f"Getting better since {NAME} moved out."
    meeting["decisions"] = f"The plan continues; {FORENAME} {SURNAME} is not to be left with the children."
    return data


async def test_a_restricted_name_in_shareable_text_is_withheld_on_the_hidden_screen_as_in_the_family_copy(
    make_app: Any, tmp_path: Path
) -> None:
    store = Store(tmp_path / "store")
    store.import_data(named_case())
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store)
    async with app.run_test(size=(160, 50)) as pilot:
        hidden = await walk_everything(pilot, app)
        await human(pilot, "c")  # the meeting's minutes (f3), both copies
        await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen")
        await human(pilot, "f3")
        await answer_where(pilot, app, out)
        await settle(pilot, app)
        await wait_until(pilot, lambda: len(list(out.glob("*.docx"))) == 2)
        while type(app.screen).__name__ != "CaseScreen":
            above = app.screen
            await human(pilot, "escape")
            await wait_until(pilot, lambda above=above: app.screen is not above)  # type: ignore[misc]
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "RESTRICTED SHOWN" in screen_words(app))
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen")
        shown = await walk_everything(pilot, app)

    family = " ".join(docx_words(p) for p in out.glob("*-family.docx"))
    full = " ".join(docx_words(p) for p in out.glob("*-full.docx"))
    assert family and full
    for word in (SURNAME, FORENAME):
        assert word not in hidden, f"{word} is on the screen with restricted items hidden"
        assert word not in family, f"{word} is in the family minutes"
        assert word in shown, f"{word} is not on the screen with restricted items shown"
        assert word in full
    # Where it was typed, the hidden screen says a name is withheld, as the family copy does.
    for said in ("Lets", "Gorsefield school says", "Getting better since"):
        assert f"{said} {WITHHELD}" in hidden, said
    assert "parenting course without [name" in hidden  # in the tables, cut to fit after the name guard
    for said in ("Gorsefield school says", "Getting better since", "The plan continues;"):
        assert f"{said} {WITHHELD}" in family, said
        assert f"{said} {NAME}" in shown or f"{said} {FORENAME}" in shown, said
