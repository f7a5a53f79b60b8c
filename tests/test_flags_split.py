"""A flag is never hidden whole because one of its parts is restricted: as the case opens (the
family may see the screen), the chair sees the shareable part, and a restricted part either in
words without its details or counted, with the key that shows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
from textual.widgets import Static
from tui_helpers import human, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.store import Store
from tui.screens.case import CaseScreen

ANONYMOUS = "Helpline note: a neighbour's anonymous call about the stairwell (fictional)"


def notification(number: int, day: str, *, shareable: bool = True) -> dict[str, Any]:
    return {
        "id": 10 + number, "received_on": day, "source": "Sample Police (fictional)", "source_kind": "agency",
        "reported": f"Domestic abuse notification {number}: a fictional incident at the flat.",
        "domestic_abuse": True, "person_id": 2, "shareable": shareable,
    }  # fmt: skip


def action(number: int, text: str, *, restricted: bool = False) -> dict[str, Any]:
    return {"number": number, "text": text, "owner": "Ash Placeholder (fictional)", "raised_at": 1,
            "due": "2026-11-02", "status": "open", "type": "other", "restricted": restricted}  # fmt: skip


def the_case() -> dict[str, Any]:
    """The demo case, with: the father named in three domestic abuse notifications, one not
    shareable; three actions past due, one restricted; an anonymous concern, not shareable, with
    no response."""
    data: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    data["concerns"] += [
        notification(1, "2026-09-02"),
        notification(2, "2026-09-30", shareable=False),
        notification(3, "2026-10-21"),
        {"id": 20, "received_on": "2026-11-09", "source": "", "source_kind": "anonymous", "reported": ANONYMOUS,
         "shareable": False},
    ]  # fmt: skip
    data["actions"] += [
        action(8, "Ask Sampleshire Council for its earlier records (fictional)", restricted=True),
        action(9, "Fit a stair gate (fictional)"),
        action(10, "Book the dental check (fictional)"),
    ]
    return data


def store_of(tmp_path: Path, data: dict[str, Any]) -> Store:
    store = Store(tmp_path / "store")
    store.import_data(data)
    return store


def flags_shown(app: Any) -> str:
    return " ".join(str(app.screen.query_one("#case-flags", Static).render()).split())


async def open_case(pilot: Any, app: Any) -> str:
    await human(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and "Look" in str(app.screen.query_one(
        "#case-flags", Static).border_title))  # fmt: skip
    await wait_until(pilot, lambda: bool(flags_shown(app)))
    return flags_shown(app)


async def test_the_father_named_in_three_notifications_is_flagged_though_one_is_restricted(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app(store_of(tmp_path, the_case()))
    async with app.run_test(size=(140, 60)) as pilot:
        flags = await open_case(pilot, app)
        assert (
            "Sam Sample (father) is named in 2 domestic abuse notifications (2 September 2026, 21 October 2026)"
            in flags
        )
        assert "30 September 2026" not in flags  # the restricted notification's date
        assert "A restricted domestic abuse notification names someone with no risk assessment recorded" in flags
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "Sam Sample (father) is also named in a restricted" in flags_shown(app))
        assert "30 September 2026" in flags_shown(app)


async def test_actions_past_due_are_split_from_the_restricted_one(tmp_path: Path, make_app: Any) -> None:
    app = make_app(store_of(tmp_path, the_case()))
    async with app.run_test(size=(140, 60)) as pilot:
        flags = await open_case(pilot, app)
        assert "Actions 9, 10 are past the due date and still open." in flags
        assert "A restricted action is past the due date and still open. (f8 shows it)" in flags
        assert "Actions 8" not in flags and "Action 8" not in flags
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "Restricted: Action 8 is past the due date" in flags_shown(app))


async def test_a_restricted_concern_without_a_response_is_said_without_its_details(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app(store_of(tmp_path, the_case()))
    async with app.run_test(size=(140, 60)) as pilot:
        flags = await open_case(pilot, app)
        assert "A restricted concern has had no response from the core group. (f8 shows it)" in flags
        assert "anonymous referrer" not in flags and "9 November 2026" not in flags
        await human(pilot, "f8")
        await wait_until(
            pilot, lambda: "The concern from an anonymous referrer received on 9 November 2026" in flags_shown(app)
        )


def test_the_family_brief_holds_the_shareable_parts_only(tmp_path: Path) -> None:
    """The Word brief's family copy: the shareable part of each split flag, and nothing restricted."""
    import datetime as dt

    from meetings.domain.records import CopyType
    from meetings.domain.settings import Settings
    from meetings.exports.brief import write_brief

    case = Store(tmp_path / "store").import_data(the_case())
    family = write_brief(case, tmp_path / "family.docx", today=dt.date(2026, 11, 20), copy=CopyType.FAMILY,
                         settings=Settings())  # fmt: skip
    words = " ".join(p.text for p in docx.Document(str(family)).paragraphs)
    assert "Actions 9, 10 are past the due date" in words
    assert "Sam Sample (father) is named in 2 domestic abuse notifications" in words
    for secret in ("Action 8", "30 Sep", "9 Nov", "stairwell", "restricted domestic abuse", "restricted concern"):
        assert secret not in words
