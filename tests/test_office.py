"""Exports opened in a real office suite: LibreOffice converts them to PDF, pdftotext reads each page.

CI installs Debian's `libreoffice-writer` and `poppler-utils`; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.records import Case, ChronologyEntry, CopyType, Impact
from meetings.domain.settings import Settings
from meetings.exports.chronology import write_chronology
from meetings.exports.minutes import write_minutes

pytestmark = [
    pytest.mark.office,
    pytest.mark.skipif(
        shutil.which("soffice") is None,
        reason="LibreOffice (soffice) is not on PATH: apt-get install libreoffice-writer",
    ),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="pdftotext is not on PATH: apt-get install poppler-utils"
    ),
]

MARKING = "OFFICIAL-SENSITIVE"
RESTRICTED = ("Max Fictional", "contact centre", "Referral came through", "Shouting and a baby crying")


def demo_case() -> Case:
    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    case = schema.load(Case, raw)
    # Long enough to run over several pages, so every page's header and footer can be checked.
    case.meetings[1].steps[5].notes = "\n".join(
        f"Agency update paragraph {i}: nothing of note (fictional)." for i in range(120)
    )
    case.meetings[0].steps[5].notes += "\n" + "\n".join(f"Further housing note {i} (fictional)." for i in range(80))
    return case


def council_template(folder: Path) -> Path:
    document = docx.Document(str(data_dir() / "minutes-template.docx"))
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Sampleshire County Council (fictional letterhead)"
    path = folder / "sampleshire.docx"
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def pdf_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Every export converted in one LibreOffice run (it starts slowly), as text per page."""
    folder = tmp_path_factory.mktemp("office")
    case = demo_case()
    settings = Settings()
    docs = [
        write_minutes(case, 2, folder / "full.docx", settings=settings),
        write_minutes(case, 2, folder / "family.docx", copy=CopyType.FAMILY, settings=settings),
        write_minutes(case, 1, folder / "family1.docx", copy=CopyType.FAMILY, settings=settings),
        write_minutes(case, 2, folder / "council.docx", settings=Settings(word_template=council_template(folder))),
    ]
    first = dt.date(2020, 1, 1)
    case.chronology += [
        ChronologyEntry(
            id=100 + i,
            date=first + dt.timedelta(days=i),
            source="Sample Agency (fictional)",
            event=f"Fictional event {i}.",
            impact=Impact.NEUTRAL,
        )
        for i in range(150)
    ]
    docs.append(write_chronology(case, folder / "chronology.docx", settings=settings))
    docs.append(write_chronology(case, folder / "chronology-family.docx", copy=CopyType.FAMILY, settings=settings))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, docs),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pages = {}
    for doc in docs:
        pdf = doc.with_suffix(".pdf")
        assert pdf.exists(), f"LibreOffice did not convert {doc.name}"
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        pages[doc.stem] = [page for page in text.split("\f") if page.strip()]
    return pages


@pytest.mark.parametrize("name", ["full", "family", "family1", "council", "chronology", "chronology-family"])
def test_every_page_has_the_marking_and_page_x_of_y(pdf_pages: dict[str, list[str]], name: str) -> None:
    pages = pdf_pages[name]
    assert len(pages) >= 2, f"{name} should run over several pages for this test to mean anything"
    for number, page in enumerate(pages, start=1):
        assert MARKING in page, f"page {number} of {name} has no protective marking"
        assert f"Page {number} of {len(pages)}" in page, (
            f"page {number} of {name} lacks 'Page {number} of {len(pages)}'"
        )


def test_a_council_letterhead_on_page_one_keeps_the_marking(pdf_pages: dict[str, list[str]]) -> None:
    first = pdf_pages["council"][0]
    assert "Sampleshire County Council (fictional letterhead)" in first
    assert MARKING in first
    assert "Sampleshire County Council" not in pdf_pages["council"][1]


@pytest.mark.parametrize("name", ["family", "family1", "chronology-family"])
def test_family_copies_show_no_restricted_text(pdf_pages: dict[str, list[str]], name: str) -> None:
    text = "\n".join(pdf_pages[name])
    for needle in RESTRICTED:
        assert needle not in text, f"{needle!r} printed in {name}"
    assert "Family copy" in text


def test_the_full_copy_does_print_the_restricted_text(pdf_pages: dict[str, list[str]]) -> None:
    import re

    for name in ("full", "chronology"):  # a table cell may break the words apart, between other columns
        assert re.search(r"\bcontact\b.{0,400}?\bcentre\b", "\n".join(pdf_pages[name]), re.S), name


@pytest.mark.parametrize(
    ("name", "copy"),
    [("full", "Full copy: do not give to the family"), ("council", "Full copy: do not give to the family"),
     ("family", "Family copy"), ("family1", "Family copy"),
     ("chronology", "Full copy: do not give to the family"), ("chronology-family", "Family copy")],
)  # fmt: skip
def test_every_page_carries_the_child_the_case_and_the_copy(
    pdf_pages: dict[str, list[str]], name: str, copy: str
) -> None:
    """A page printed or forwarded alone still says whose it is and which copy: the child's
    initials, the case id, the document, and on a full copy the warning, on every page."""
    pages = pdf_pages[name]
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert "W.E., S.E. · Case DEMO-0001" in flat, f"page {number} of {name} has no running header"
        assert copy in flat, f"page {number} of {name} does not say '{copy}'"


@pytest.mark.parametrize("name", ["full", "family", "chronology"])
def test_column_headings_are_never_broken_mid_word(pdf_pages: dict[str, list[str]], name: str) -> None:
    """Word and LibreOffice break a word that does not fit its column ("Attendan/ce"): every
    heading word is printed whole."""
    text = " ".join("\n".join(pdf_pages[name]).split())
    headings = {
        "full": ("Attendance", "Received", "Report received", "Owner and agency", "Evidence and impact"),
        "family": ("Attendance", "Report received", "Owner and agency"),
        "chronology": ("Recorded by", "Impact on the child"),
    }[name]
    for heading in headings:
        for word in heading.split():
            assert word in text, f"{word!r} is not printed whole in {name}"
