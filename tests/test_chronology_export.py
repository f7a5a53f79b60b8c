"""The chronology exported to Word: every entry, filters, and the family copy."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.records import Case, ChronologyEntry, CopyType, Impact
from meetings.domain.settings import Settings
from meetings.exports.chronology import select_entries, write_chronology

SETTINGS = Settings()
HEADINGS = ["Date", "Source", "What happened", "Impact on the child", "Action taken, or why none", "Recorded by"]


def demo_case() -> Case:
    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    return schema.load(Case, raw)


def rows(path: Path) -> list[list[str]]:
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Date")
    return [[c.text for c in row.cells] for row in table.rows]


def text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_full_chronology_lists_every_entry_oldest_first(tmp_path: Path) -> None:
    out = write_chronology(demo_case(), tmp_path / "chron.docx", settings=SETTINGS)
    table = rows(out)
    assert table[0] == HEADINGS
    assert [r[0] for r in table[1:]] == [
        "14 May 2026",
        "9 Jul 2026",
        "20 Aug 2026",
        "28 Aug 2026",
        "20 Sep 2026",
        "3 Nov 2026 to 10 Nov 2026",
    ]
    housing = table[4]
    assert housing[1] == "Sample Homes Housing Association"
    assert housing[2] == "Concern about home conditions and a man leaving late at night."
    assert housing[3] == "Negative (-)"
    assert housing[4] == "Police checks requested."
    assert housing[5] == "Robin Minutes (fictional)\n28 Aug 2026"
    assert "Not shareable with the family" in table[5][1]
    assert "6 entries, oldest first." in text(out)


def test_family_copy_leaves_unshareable_entries_out_of_every_part(tmp_path: Path) -> None:
    case = demo_case()
    case.chronology[0].event = "Pregnancy booked; Max Fictional named as a visitor."  # a restricted person
    out = write_chronology(case, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    assert len(rows(out)) == 1 + 5
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            xml = z.read(name).decode("utf-8", errors="replace")
            assert "contact centre" not in xml and "Anonymous referral" not in xml, name
            assert "Max Fictional" not in xml, name
    assert "Pregnancy booked; [name withheld] named as a visitor." in rows(out)[1][2]
    assert "Family copy" in text(out)


def test_date_range_includes_periods_that_overlap_it(tmp_path: Path) -> None:
    out = write_chronology(
        demo_case(), tmp_path / "c.docx", start=dt.date(2026, 8, 20), end=dt.date(2026, 11, 5), settings=SETTINGS
    )
    assert [r[0] for r in rows(out)[1:]] == ["20 Aug 2026", "28 Aug 2026", "20 Sep 2026", "3 Nov 2026 to 10 Nov 2026"]
    assert "Entries: From Thursday 20 August 2026 to Thursday 5 November 2026" in text(out)


def test_agency_filter_matches_part_of_the_source_ignoring_case(tmp_path: Path) -> None:
    out = write_chronology(demo_case(), tmp_path / "c.docx", agencies=["housing", "OUT-OF-HOURS"], settings=SETTINGS)
    assert [r[1] for r in rows(out)[1:]] == ["Sample Homes Housing Association", "Out-of-hours GP service"]
    assert "Sources: housing, OUT-OF-HOURS" in text(out)


def test_no_matching_entries_says_so(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    out = write_chronology(
        demo_case(),
        tmp_path / "c.docx",
        agencies=["Fire service"],
        settings=SETTINGS,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert "0 entries, oldest first." in text(out)
    assert docx.Document(str(out)).tables == []
    assert calls == [(0, 0)]


def test_start_after_end_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="after the end date"):
        write_chronology(
            demo_case(), tmp_path / "c.docx", start=dt.date(2026, 9, 1), end=dt.date(2026, 8, 1), settings=SETTINGS
        )


def many_entries(n: int) -> Case:
    case = demo_case()
    first = dt.date(2020, 1, 1)
    case.chronology = [
        ChronologyEntry(
            id=i,
            date=first + dt.timedelta(days=i),
            source=f"Sample Agency {i % 7} (fictional)",
            event=f"Fictional event number {i}.",
            impact=Impact.NEUTRAL,
            action_taken="None needed.",
        )
        for i in range(1, n + 1)
    ]
    return case


def test_a_long_chronology_reports_progress_and_repeats_its_heading_row(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    out = write_chronology(
        many_entries(2_000),
        tmp_path / "long.docx",
        settings=SETTINGS,
        progress=lambda done, total: calls.append((done, total)),
    )
    table = rows(out)
    assert len(table) == 2_001
    assert table[-1][2] == "Fictional event number 2000."
    assert calls[-1] == (2_000, 2_000)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    first_row = docx.Document(str(out)).tables[0].rows[0]._tr
    assert first_row.trPr is not None and first_row.trPr.find(qn("w:tblHeader")) is not None


def test_chronology_is_landscape_private_and_titled(tmp_path: Path) -> None:
    out = write_chronology(demo_case(), tmp_path / "c.docx", settings=SETTINGS)
    document = docx.Document(str(out))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    assert "OFFICIAL-SENSITIVE" in "\n".join(p.text for p in section.header.paragraphs)
    assert document.core_properties.title == "Chronology: Wren Example (full copy)"
    assert document.core_properties.author == "Alex Chair (fictional)"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_select_entries_is_usable_on_its_own() -> None:
    entries = select_entries(demo_case(), copy=CopyType.FAMILY, end=dt.date(2026, 9, 30))
    assert [e.id for e in entries] == [1, 2, 3, 4]
