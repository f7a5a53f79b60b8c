"""Build data/minutes-template.docx, the Word template coregroup's minutes and chronology start from.

Run `python scripts/make_word_template.py` after changing it; the file it writes is the same byte
for byte on every run (fixed dates, no thumbnail), so a diff shows a real change.

A council can open the result in Word, change fonts, colours and letterhead, keep the style
names, and point `word_template` in its settings at its copy (docs/minutes.md).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetings.exports.wordfile import MARKING_PLACEHOLDER, fixed_zip, page_x_of_y_paragraph  # noqa: E402

OUT = ROOT / "data" / "minutes-template.docx"
FONT = "Arial"
DARK_BLUE = RGBColor(0x1F, 0x3A, 0x5F)

APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>coregroup</Application><DocSecurity>0</DocSecurity></Properties>"
)


def paragraph_style(
    document: docx.document.Document,
    name: str,
    *,
    size: float,
    bold: bool = False,
    before: float = 0,
    after: float = 4,
    color: RGBColor | None = None,
) -> None:
    styles = document.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts is not None and fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if name.startswith("Heading") or name == "Title":
        fmt.keep_with_next = True


def build() -> bytes:
    document = docx.Document()
    styles = document.styles

    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.element.get_or_add_rPr().append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-GB" w:bidi="ar-SA"/>'))

    paragraph_style(document, "Title", size=18, bold=True, after=6, color=DARK_BLUE)
    title_ppr = styles["Title"].element.get_or_add_pPr()
    for border in title_ppr.findall(qn("w:pBdr")):  # python-docx's Title has a rule under it
        title_ppr.remove(border)
    paragraph_style(document, "Heading 1", size=14, bold=True, before=14, after=4, color=DARK_BLUE)
    paragraph_style(document, "Heading 2", size=11.5, bold=True, before=10, after=2, color=DARK_BLUE)
    paragraph_style(document, "Table Heading", size=9, bold=True, after=0)
    paragraph_style(document, "Table Text", size=9, after=2)

    flag = styles.add_style("Flag", WD_STYLE_TYPE.CHARACTER)
    flag.font.bold = True
    flag.font.color.rgb = RGBColor(0xB0, 0x00, 0x00)
    flag.quick_style = True

    table = styles.add_style("Minutes Table", WD_STYLE_TYPE.TABLE)
    table.base_style = styles["Table Grid"]
    table.element.append(
        parse_xml(
            f'<w:tblPr {nsdecls("w")}><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>'
            '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        )
    )
    table.element.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/></w:rPr>'
            '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/></w:tcPr></w:tblStylePr>'
        )
    )

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)

    header_p = section.header.paragraphs[0]
    header_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header_p.add_run(MARKING_PLACEHOLDER)
    run.bold = True
    run.font.size = Pt(10)

    footer = section.footer
    footer_p = footer.paragraphs[0]
    footer_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer_p.add_run(MARKING_PLACEHOLDER)
    run.bold = True
    run.font.size = Pt(9)
    footer._element.append(page_x_of_y_paragraph(styles["Footer"].style_id))

    # The body is replaced by each export; say so to anyone who opens the template in Word.
    document.add_paragraph(
        "coregroup's template for minutes and chronologies. The body of this file is replaced on export; "
        f"keep the style names, and keep {MARKING_PLACEHOLDER} in the header where the protective marking goes."
    )

    for rid, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/customXml"):
            document.part.drop_rel(rid)

    fixed = dt.datetime(2026, 1, 1)
    props = document.core_properties
    props.title = "coregroup minutes template"
    props.author = props.last_modified_by = "coregroup"
    props.comments = props.keywords = props.subject = props.category = ""
    props.revision = 1
    props.created = props.modified = fixed

    buffer = io.BytesIO()
    document.save(buffer)
    rels = _without_thumbnail(buffer.getvalue())
    return fixed_zip(
        buffer.getvalue(), drop=["docProps/thumbnail.jpeg"], replace={"docProps/app.xml": APP_XML, "_rels/.rels": rels}
    )


def _without_thumbnail(data: bytes) -> bytes:
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = z.read("_rels/.rels").decode()
    return re.sub(r'<Relationship [^>]*Target="docProps/thumbnail.jpeg"/>\s*', "", rels).encode()


def main() -> None:
    OUT.write_bytes(build())
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
