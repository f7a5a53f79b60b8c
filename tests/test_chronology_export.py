"""The chronology exported to Word: every entry, filters, and the family copy."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from lxml import etree  # type: ignore[import-untyped]

from meetings.domain import schema
from meetings.domain.chronology import EventKind
from meetings.domain.locations import data_dir
from meetings.domain.records import Case, ChronologyEntry, CopyType, Impact
from meetings.domain.settings import Settings
from meetings.exports import wordfile
from meetings.exports.chronology import select_entries, write_chronology
from meetings.exports.minutes import write_minutes

SETTINGS = Settings()
HEADINGS = [
    "Date", "Kind", "Source", "What happened", "Impact on the child", "Action taken, or why none", "Recorded by"
]  # fmt: skip
TYPED = [EventKind.TYPED]  # the entries typed into the chronology, without the events of the record
TODAY = dt.date(2026, 11, 20)


TYPED_ENTRIES = Path(__file__).parent / "data" / "typed-chronology.json"


def demo_case() -> Case:
    """The demo case with six typed chronology entries (as the demo held before the chronology
    built itself from the record): these tests are about typed entries and their export."""
    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    raw["chronology"] = json.loads(TYPED_ENTRIES.read_text(encoding="utf-8"))
    return schema.load(Case, raw)


def rows(path: Path) -> list[list[str]]:
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Date")
    return [[c.text for c in row.cells] for row in table.rows]


def text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_full_chronology_lists_every_entry_oldest_first(tmp_path: Path) -> None:
    out = write_chronology(demo_case(), tmp_path / "chron.docx", kinds=TYPED, settings=SETTINGS)
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
    assert housing[1] == "Chronology entry"
    assert housing[2] == "Sample Homes Housing Association"
    assert housing[3] == "Concern about home conditions and a man leaving late at night."
    assert housing[4] == "Negative (-)"
    assert housing[5] == "Police checks requested."
    assert housing[6] == "Robin Minutes (fictional)\non 28 Aug 2026"
    assert "Not shareable with the family" in table[5][2]
    assert "6 entries, oldest first." in text(out)
    assert "Kinds: Chronology entry" in text(out)


def test_family_copy_leaves_unshareable_entries_out_of_every_part(tmp_path: Path) -> None:
    case = demo_case()
    case.chronology[0].event = "Pregnancy booked; Max Fictional named as a visitor."  # a restricted person
    out = write_chronology(case, tmp_path / "family.docx", copy=CopyType.FAMILY, today=TODAY, settings=SETTINGS)
    assert [r[1] for r in rows(out)].count("Chronology entry") == 5
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            xml = z.read(name).decode("utf-8", errors="replace")
            assert "contact centre" not in xml and "Anonymous referral" not in xml, name
            assert "Max Fictional" not in xml, name
    assert "Pregnancy booked; [name withheld] named as a visitor." in [r[3] for r in rows(out)]
    assert "Family copy" in text(out)


def test_date_range_includes_periods_that_overlap_it(tmp_path: Path) -> None:
    out = write_chronology(
        demo_case(), tmp_path / "c.docx", start=dt.date(2026, 8, 20), end=dt.date(2026, 11, 5), kinds=TYPED,
        settings=SETTINGS,
    )  # fmt: skip
    assert [r[0] for r in rows(out)[1:]] == ["20 Aug 2026", "28 Aug 2026", "20 Sep 2026", "3 Nov 2026 to 10 Nov 2026"]
    assert "Entries: From Thursday 20 August 2026 to Thursday 5 November 2026" in text(out)


def test_agency_filter_matches_part_of_the_source_ignoring_case(tmp_path: Path) -> None:
    out = write_chronology(
        demo_case(), tmp_path / "c.docx", agencies=["housing", "OUT-OF-HOURS"], kinds=TYPED, settings=SETTINGS
    )
    assert [r[2] for r in rows(out)[1:]] == ["Sample Homes Housing Association", "Out-of-hours GP service"]
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
        kinds=TYPED,
        settings=SETTINGS,
        progress=lambda done, total: calls.append((done, total)),
    )
    table = rows(out)
    assert len(table) == 2_001
    assert table[-1][3] == "Fictional event number 2000."
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
    assert document.core_properties.title == "Chronology: Wren Example, Sky Example (full copy)"
    assert document.core_properties.author == "Alex Chair (fictional)"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_select_entries_is_usable_on_its_own() -> None:
    entries = select_entries(demo_case(), copy=CopyType.FAMILY, end=dt.date(2026, 9, 30))
    assert [e.id for e in entries] == [1, 2, 3, 4]


# ----- the fast table: the same Word file as building it element by element --------------------


def _reference_table(
    self: wordfile.WordDocument,
    headings: Sequence[str] | None,
    weights: Sequence[float],
    rows: Iterable[Sequence[wordfile.Cell]],
    *,
    total: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    bold_first_column: bool = False,
) -> int:
    """`WordDocument.table` as it was, one lxml element at a time: what the fast table must equal."""
    usable = self._usable_width()
    widths = wordfile.column_widths(usable, weights, headings, wordfile.cell_word_lengths(rows, len(weights)))
    tbl = etree.Element(qn("w:tbl"))
    tbl_pr = etree.SubElement(tbl, qn("w:tblPr"))
    wordfile._sub(tbl_pr, qn("w:tblStyle"), val=self._style_ids["Minutes Table"])
    wordfile._sub(tbl_pr, qn("w:tblW"), w=str(sum(widths)), type="dxa")
    wordfile._sub(tbl_pr, qn("w:tblLayout"), type="fixed")
    look = {"firstRow": "1" if headings else "0", "lastRow": "0", "firstColumn": "0", "lastColumn": "0"}
    wordfile._sub(tbl_pr, qn("w:tblLook"), val="04A0" if headings else "0480", **look, noHBand="0", noVBand="1")
    grid = etree.SubElement(tbl, qn("w:tblGrid"))
    for w in widths:
        wordfile._sub(grid, qn("w:gridCol"), w=str(w))
    heading_id, text_id, flag_id = (self._style_ids[s] for s in ("Table Heading", "Table Text", "Flag"))

    def cell(tr: Any, width: int, value: wordfile.Cell, style_id: str) -> None:
        tc = etree.SubElement(tr, qn("w:tc"))
        wordfile._sub(etree.SubElement(tc, qn("w:tcPr")), qn("w:tcW"), w=str(width), type="dxa")
        wrote = False
        for part in [value] if isinstance(value, str) else value:
            flagged = isinstance(part, wordfile.Flag)
            for line in self.text(part.text if isinstance(part, wordfile.Flag) else part).split("\n"):
                if line.strip():
                    wordfile._new_paragraph(tc, style_id, line, rstyle=flag_id if flagged else None)
                    wrote = True
        if not wrote:
            wordfile._new_paragraph(tc, style_id, "")

    if headings:
        tr = etree.SubElement(tbl, qn("w:tr"))
        tr_pr = etree.SubElement(tr, qn("w:trPr"))
        etree.SubElement(tr_pr, qn("w:cantSplit"))
        etree.SubElement(tr_pr, qn("w:tblHeader"))
        for w, heading in zip(widths, headings, strict=True):
            cell(tr, w, heading, heading_id)
    count = 0
    for row in rows:
        tr = etree.SubElement(tbl, qn("w:tr"))
        for i, (w, value) in enumerate(zip(widths, row, strict=True)):
            cell(tr, w, value, heading_id if bold_first_column and i == 0 else text_id)
        count += 1
    self._place(tbl)
    spacer = etree.Element(qn("w:p"))
    spacing = etree.SubElement(etree.SubElement(spacer, qn("w:pPr")), qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "120")
    spacing.set(qn("w:lineRule"), "exact")
    self._place(spacer)
    return count


def _awkward_case() -> Case:
    """The demo case with entries holding everything a cell's text can: markup characters, tabs,
    spaces at the ends, control characters, right-to-left text, blank lines and a restricted name."""
    case = demo_case()
    texts = [
        "Tom & Jerry <b>bold</b> > less; \"quoted\" 'single'",
        "\tstarts with a tab\tand\t\tends with one\t",
        "  spaces at both ends  \n\n  and a second line  ",
        "control\x00chars\x0bvertical\x0cfeed\r\nwindows\rmac\x1f end\ufffe\uffff",
        "مرحبا بالعالم (fictional)",
        "שלום עולם\twith a tab",
        "Max Fictional visited; max   fictional again.",
        "",
        "   ",
        "🙂 emoji, café, naïve, \u2028line separator",
    ]
    for i, t in enumerate(texts):
        case.chronology.append(
            ChronologyEntry(
                id=100 + i,
                date=dt.date(2026, 10, 1) + dt.timedelta(days=i),
                end_date=dt.date(2026, 10, 20) if i % 3 == 0 else None,
                source=t or "Sample Agency",
                event=t or "Nothing written",
                impact=list(Impact)[i % len(Impact)],
                impact_note=t,
                action_taken=t,
                recorded_by=t,
                recorded_on=dt.date(2026, 10, 2) if i % 2 else None,
                shareable=i % 4 != 1,
            )
        )
    return case


def _parts(path: Path) -> tuple[list[tuple[str, int, int]], bytes]:
    with zipfile.ZipFile(path) as z:
        infos = [(i.filename, i.compress_type, i.external_attr) for i in z.infolist()]
        return infos, z.read("word/document.xml")


@pytest.mark.parametrize("copy", [CopyType.FULL, CopyType.FAMILY])
def test_the_fast_table_writes_the_same_word_file_as_building_it_element_by_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy: CopyType
) -> None:
    case = _awkward_case()
    fast = write_chronology(case, tmp_path / "fast.docx", copy=copy, settings=SETTINGS)
    minutes_fast = write_minutes(case, 1, tmp_path / "minutes-fast.docx", copy=copy, settings=SETTINGS)
    with monkeypatch.context() as m:  # a template binding Word's namespace to another prefix: parsed
        m.setattr(wordfile.WordDocument, "_can_splice", lambda self: False)
        parsed = write_chronology(case, tmp_path / "parsed.docx", copy=copy, settings=SETTINGS)
    monkeypatch.setattr(wordfile.WordDocument, "table", _reference_table)
    slow = write_chronology(case, tmp_path / "slow.docx", copy=copy, settings=SETTINGS)
    minutes_slow = write_minutes(case, 1, tmp_path / "minutes-slow.docx", copy=copy, settings=SETTINGS)
    assert _parts(fast) == _parts(slow)
    assert _parts(parsed) == _parts(slow)
    assert _parts(minutes_fast) == _parts(minutes_slow)
    assert rows(fast) == rows(slow)
    assert stat.S_IMODE(os.stat(fast).st_mode) == 0o600


def test_a_table_of_many_rows_is_spliced_whole_into_the_saved_file(tmp_path: Path) -> None:
    case = demo_case()
    case.chronology = [
        ChronologyEntry(
            id=i,
            date=dt.date(2020, 1, 1) + dt.timedelta(days=i),
            source=f"Sample Agency {i % 7} (fictional)",
            event=f"Fictional event {i} & <more>",
            impact=Impact.NEGATIVE if i % 4 == 0 else Impact.NEUTRAL,
        )
        for i in range(1, 2_001)
    ]
    out = write_chronology(case, tmp_path / "c.docx", kinds=TYPED, settings=SETTINGS)
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml")
    assert b"<!--" not in xml  # every placeholder was replaced
    etree.fromstring(xml)  # well-formed
    table = rows(out)
    assert len(table) == 2_001
    assert table[1][3] == "Fictional event 1 & <more>"
    assert table[-1][0] == "23 Jun 2025"
