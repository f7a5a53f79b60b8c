"""Word files built from a council's template: styles checked, text made XML-safe, tables built fast.

Exports start from a .docx (`data/minutes-template.docx`, or the file `Settings.word_template`
names) so a council's letterhead, fonts, header and footer carry over. The body of the template
is replaced; the header gets the protective marking on every page (the first page too, where the
template has a different first page) and the footer a "Page X of Y" made of real PAGE and
NUMPAGES fields unless it already has page numbers.

Body content is appended as lxml elements placed before the final section properties, because
python-docx's `table.add_row()` rebuilds the cell grid on every call: 2,000 rows take seconds.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree  # type: ignore[import-untyped]

from ..domain.locations import data_dir
from ..domain.settings import Settings
from ..storage.files import atomic_write

TEMPLATE_NAME = "minutes-template.docx"
MARKING_PLACEHOLDER = "{protective_marking}"

# The styles the exports use, with the kind of style each must be.
REQUIRED_STYLES: dict[str, WD_STYLE_TYPE] = {
    "Normal": WD_STYLE_TYPE.PARAGRAPH,
    "Title": WD_STYLE_TYPE.PARAGRAPH,
    "Heading 1": WD_STYLE_TYPE.PARAGRAPH,
    "Heading 2": WD_STYLE_TYPE.PARAGRAPH,
    "Table Heading": WD_STYLE_TYPE.PARAGRAPH,
    "Table Text": WD_STYLE_TYPE.PARAGRAPH,
    "Flag": WD_STYLE_TYPE.CHARACTER,
    "Minutes Table": WD_STYLE_TYPE.TABLE,
}

_KIND_NAMES = {
    WD_STYLE_TYPE.PARAGRAPH: "paragraph",
    WD_STYLE_TYPE.CHARACTER: "character",
    WD_STYLE_TYPE.TABLE: "table",
}


class TemplateError(ValueError):
    """The Word template cannot be used; the message names the file and what is wrong."""


# ----- text ---------------------------------------------------------------------------------

# XML 1.0 allows tab, newline and carriage return among the C0 controls; python-docx refuses the
# rest. A pasted vertical tab or form feed was a line or page break where it came from.
_CONTROL_MAP: dict[int, str] = {c: " " for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_CONTROL_MAP.update({0x0B: "\n", 0x0C: "\n", 0x0D: "\n", 0xFFFE: "\ufffd", 0xFFFF: "\ufffd"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced, so nothing after it is lost."""
    text = text.replace("\r\n", "\n").translate(_CONTROL_MAP)
    return _SURROGATE.sub("\ufffd", text)


def is_right_to_left(text: str) -> bool:
    """Whether the first strongly directional letter of `text` is Arabic, Hebrew or similar."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


@dataclass(frozen=True)
class Flag:
    """Text that must stand out (an overdue assessment, a carried-forward action)."""

    text: str


# A table cell: text (a newline starts a new paragraph) or a list of paragraphs, some flagged.
Cell = str | Sequence[str | Flag]

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_P, _R, _T, _BR, _TAB = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:br"), qn("w:tab")
_PPR, _RPR, _PSTYLE, _RSTYLE = qn("w:pPr"), qn("w:rPr"), qn("w:pStyle"), qn("w:rStyle")
_VAL, _TYPE, _WIDTH = qn("w:val"), qn("w:type"), qn("w:w")
_TR, _TC, _TCPR, _TCW, _TRPR = qn("w:tr"), qn("w:tc"), qn("w:tcPr"), qn("w:tcW"), qn("w:trPr")


def _sub(parent: Any, tag: str, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _add_runs(p: Any, text: str, *, bold: bool = False, rstyle: str | None = None) -> None:
    """Runs holding one line of `text` (no newlines); tabs become real tabs."""
    pieces = text.split("\t")
    r = etree.SubElement(p, _R)
    if bold or rstyle:
        rpr = etree.SubElement(r, _RPR)
        if rstyle:
            _sub(rpr, _RSTYLE, val=rstyle)
        if bold:
            etree.SubElement(rpr, qn("w:b"))
    for i, piece in enumerate(pieces):
        if i:
            etree.SubElement(r, _TAB)
        if piece:
            t = etree.SubElement(r, _T)
            t.text = piece
            if piece[0] == " " or piece[-1] == " ":
                t.set(_XML_SPACE, "preserve")


def _new_paragraph(parent: Any, style_id: str | None, line: str, *, rstyle: str | None = None) -> Any:
    p = etree.SubElement(parent, _P)
    rtl = is_right_to_left(line)
    if style_id or rtl:
        ppr = etree.SubElement(p, _PPR)
        if style_id:
            _sub(ppr, _PSTYLE, val=style_id)
        if rtl:
            etree.SubElement(ppr, qn("w:bidi"))
    if line:
        _add_runs(p, line, rstyle=rstyle)
        if rtl:
            for r in p.iter(_R):
                rpr = r.find(_RPR)
                if rpr is None:
                    rpr = etree.Element(_RPR)
                    r.insert(0, rpr)
                etree.SubElement(rpr, qn("w:rtl"))
    return p


# ----- the document -------------------------------------------------------------------------


def template_path(settings: Settings) -> Path:
    return settings.word_template or data_dir() / TEMPLATE_NAME


def open_template(path: Path) -> Any:
    """The template as a python-docx Document, with every style the exports use checked."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError, etree.XMLSyntaxError):
        raise TemplateError(f"The Word template {path} cannot be opened as a .docx file") from None
    missing: list[str] = []
    wrong_kind: list[str] = []
    styles = document.styles
    for name, kind in REQUIRED_STYLES.items():
        try:
            style = styles[name]
        except KeyError:
            missing.append(name)
            continue
        if style.type != kind:
            wrong_kind.append(f"'{name}' should be a {_KIND_NAMES[kind]} style")
    if missing:
        names = ", ".join(f"'{n}'" for n in missing)
        plural = "styles" if len(missing) > 1 else "style"
        raise TemplateError(
            f"The Word template {path} lacks the {plural} {names} that coregroup's minutes use. "
            f"Add {'them' if len(missing) > 1 else 'it'} in Word (Styles pane, New Style), "
            f"or start from coregroup's {TEMPLATE_NAME}."
        )
    if wrong_kind:
        raise TemplateError(f"The Word template {path}: {'; '.join(wrong_kind)}.")
    return document


class WordDocument:
    """A document being written: paragraphs, label/value lines and tables, then saved atomically.

    `clean` is applied to every piece of case text written (the family copy passes a function
    that withholds restricted names).
    """

    def __init__(
        self, settings: Settings, *, clean: Callable[[str], str] | None = None, landscape: bool = False
    ) -> None:
        self.settings = settings
        self.path = template_path(settings)
        self.doc = open_template(self.path)
        self._clean = clean or (lambda s: s)
        self._style_ids = {name: self.doc.styles[name].style_id for name in REQUIRED_STYLES}
        body = self.doc.element.body
        self._sect_pr = body.find(qn("w:sectPr"))
        for child in list(body):
            if child is not self._sect_pr:
                body.remove(child)
        if self._sect_pr is None:
            self._sect_pr = etree.SubElement(body, qn("w:sectPr"))
        self._body = body
        section = self.doc.sections[0]
        if landscape and section.page_width is not None and section.page_height is not None:
            from docx.enum.section import WD_ORIENT

            if section.page_width < section.page_height:
                section.page_width, section.page_height = section.page_height, section.page_width
            section.orientation = WD_ORIENT.LANDSCAPE
        _prepare_headers_and_footers(self.doc, settings.protective_marking)

    # ----- text ------------------------------------------------------------------------------
    def text(self, value: str) -> str:
        return self._clean(xml_safe(value))

    def _place(self, el: Any) -> Any:
        self._sect_pr.addprevious(el)
        return el

    def _holder(self) -> Any:
        # A detached w:body-like parent whose children are then moved before the sectPr.
        return etree.Element(qn("w:body"))

    def paragraphs(self, value: str, style: str = "Normal") -> None:
        """`value` as paragraphs, one per line; blank lines are not kept."""
        holder = self._holder()
        style_id = self._style_ids[style]
        for line in self.text(value).split("\n"):
            if line.strip():
                _new_paragraph(holder, style_id, line)
        for p in list(holder):
            self._place(p)

    def heading(self, value: str, level: int = 1) -> None:
        style = "Title" if level == 0 else f"Heading {level}"
        holder = self._holder()
        _new_paragraph(holder, self._style_ids[style], self.text(value).replace("\n", " "))
        self._place(holder[0])

    def labelled(self, label: str, value: str, *, flag: bool = False) -> None:
        """A "Label: value" line with the label in bold; the value's extra lines follow it."""
        holder = self._holder()
        lines = [line for line in self.text(value).split("\n") if line.strip()] or [""]
        p = _new_paragraph(holder, self._style_ids["Normal"], "")
        _add_runs(p, f"{self.text(label)}: ", bold=True)
        if lines[0]:
            _add_runs(p, lines[0], rstyle=self._style_ids["Flag"] if flag else None)
        if is_right_to_left(lines[0]) and p.find(_PPR) is None:
            ppr = etree.Element(_PPR)
            p.insert(0, ppr)
            etree.SubElement(ppr, qn("w:bidi"))
        for line in lines[1:]:
            _new_paragraph(holder, self._style_ids["Normal"], line)
        for el in list(holder):
            self._place(el)

    def flag(self, value: str) -> None:
        holder = self._holder()
        _new_paragraph(holder, self._style_ids["Normal"], self.text(value), rstyle=self._style_ids["Flag"])
        self._place(holder[0])

    # ----- tables ----------------------------------------------------------------------------
    def _usable_width(self) -> int:
        """The width between the margins, in twentieths of a point."""
        section = self.doc.sections[0]
        width = section.page_width or 0
        left = section.left_margin or 0
        right = section.right_margin or 0
        usable = int((width - left - right) / 635)  # EMU to twips
        return usable if usable > 1440 else 9638

    def table(
        self,
        headings: Sequence[str] | None,
        weights: Sequence[float],
        rows: Iterable[Sequence[Cell]],
        *,
        total: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        bold_first_column: bool = False,
    ) -> int:
        """A table whose heading row repeats on every page; returns how many rows it has.

        Rows are built as XML directly (see the module's docstring).
        """
        usable = self._usable_width()
        widths = [int(usable * w / sum(weights)) for w in weights]
        tbl = etree.Element(qn("w:tbl"))
        tbl_pr = etree.SubElement(tbl, qn("w:tblPr"))
        _sub(tbl_pr, qn("w:tblStyle"), val=self._style_ids["Minutes Table"])
        _sub(tbl_pr, qn("w:tblW"), w=str(sum(widths)), type="dxa")
        _sub(tbl_pr, qn("w:tblLayout"), type="fixed")
        _sub(
            tbl_pr,
            qn("w:tblLook"),
            val="04A0" if headings else "0480",
            firstRow="1" if headings else "0",
            lastRow="0",
            firstColumn="0",
            lastColumn="0",
            noHBand="0",
            noVBand="1",
        )
        grid = etree.SubElement(tbl, qn("w:tblGrid"))
        for w in widths:
            _sub(grid, qn("w:gridCol"), w=str(w))
        heading_id = self._style_ids["Table Heading"]
        text_id = self._style_ids["Table Text"]
        flag_id = self._style_ids["Flag"]
        if headings:
            tr = etree.SubElement(tbl, _TR)
            tr_pr = etree.SubElement(tr, _TRPR)
            etree.SubElement(tr_pr, qn("w:cantSplit"))
            etree.SubElement(tr_pr, qn("w:tblHeader"))
            for w, heading in zip(widths, headings, strict=True):
                self._cell(tr, w, heading, heading_id, flag_id)
        count = 0
        for row in rows:
            tr = etree.SubElement(tbl, _TR)
            for i, (w, value) in enumerate(zip(widths, row, strict=True)):
                self._cell(tr, w, value, heading_id if bold_first_column and i == 0 else text_id, flag_id)
            count += 1
            if progress is not None and total and count % 100 == 0:
                progress(count, total)
        if progress is not None and total is not None:
            progress(count, total)
        self._place(tbl)
        # A paragraph after each table keeps two tables from merging into one.
        spacer = etree.Element(_P)
        spacing = etree.SubElement(etree.SubElement(spacer, _PPR), qn("w:spacing"))
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "120")
        spacing.set(qn("w:lineRule"), "exact")
        self._place(spacer)
        return count

    def _cell(self, tr: Any, width: int, value: Cell, style_id: str, flag_id: str) -> None:
        tc = etree.SubElement(tr, _TC)
        tc_pr = etree.SubElement(tc, _TCPR)
        _sub(tc_pr, _TCW, w=str(width), type="dxa")
        parts: Sequence[str | Flag] = [value] if isinstance(value, str) else value
        wrote = False
        for part in parts:
            flagged = isinstance(part, Flag)
            raw = part.text if isinstance(part, Flag) else part
            for line in self.text(raw).split("\n"):
                if line.strip():
                    _new_paragraph(tc, style_id, line, rstyle=flag_id if flagged else None)
                    wrote = True
        if not wrote:  # a cell must hold a paragraph
            _new_paragraph(tc, style_id, "")

    # ----- saving ----------------------------------------------------------------------------
    def save(self, out: Path, *, title: str, author: str, subject: str = "") -> Path:
        """Write the file atomically, readable by its owner only, with honest core properties."""
        set_core_properties(self.doc, title=self.text(title), author=self.text(author), subject=self.text(subject))
        buffer = io.BytesIO()
        self.doc.save(buffer)
        out = Path(out)
        atomic_write(out, buffer.getvalue())
        return out


def set_core_properties(document: Any, *, title: str, author: str, subject: str = "") -> None:
    """Title, author and dates of this export; nothing left from the template or python-docx."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props = document.core_properties
    props.title = title
    props.subject = subject
    props.author = author
    props.last_modified_by = author
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.version = ""
    props.language = "en-GB"
    props.revision = 1
    props.created = now
    props.modified = now
    element = props._element  # noqa: SLF001 - python-docx cannot unset lastPrinted
    for child in element.findall(qn("cp:lastPrinted")):
        element.remove(child)


# ----- header and footer --------------------------------------------------------------------


def _xml_text(element: Any) -> str:
    return "".join(t.text or "" for t in element.iter(_T))


def _replace_placeholder(container: Any, marking: str) -> bool:
    """Replace the marking placeholder in each paragraph holding it, however Word split its runs."""
    found = False
    for p in container.iter(_P):
        text = _xml_text(p)
        if MARKING_PLACEHOLDER not in text:
            continue
        found = True
        ts = list(p.iter(_T))
        ts[0].text = text.replace(MARKING_PLACEHOLDER, marking)
        for t in ts[1:]:
            t.text = ""
    return found


def _has_page_field(container: Any) -> bool:
    for instr in container.iter(qn("w:instrText")):
        if re.search(r"\bPAGE\b", instr.text or ""):
            return True
    return any(re.search(r"\bPAGE\b", f.get(qn("w:instr"), "")) for f in container.iter(qn("w:fldSimple")))


def marking_paragraph(marking: str) -> Any:
    p = etree.Element(_P)
    ppr = etree.SubElement(p, _PPR)
    _sub(ppr, qn("w:jc"), val="center")
    r = etree.SubElement(p, _R)
    rpr = etree.SubElement(r, _RPR)
    etree.SubElement(rpr, qn("w:b"))
    t = etree.SubElement(r, _T)
    t.text = marking
    return p


def page_x_of_y_paragraph(style_id: str | None = None) -> Any:
    """A paragraph "Page X of Y" with real PAGE and NUMPAGES fields that Word and LibreOffice update."""
    p = etree.Element(_P)
    ppr = etree.SubElement(p, _PPR)
    if style_id:
        _sub(ppr, _PSTYLE, val=style_id)
    _sub(ppr, qn("w:jc"), val="center")

    def text(value: str) -> None:
        r = etree.SubElement(p, _R)
        t = etree.SubElement(r, _T)
        t.text = value
        t.set(_XML_SPACE, "preserve")

    def field(code: str) -> None:
        _sub(etree.SubElement(p, _R), qn("w:fldChar"), fldCharType="begin")
        instr = etree.SubElement(etree.SubElement(p, _R), qn("w:instrText"))
        instr.text = f" {code} "
        instr.set(_XML_SPACE, "preserve")
        _sub(etree.SubElement(p, _R), qn("w:fldChar"), fldCharType="separate")
        etree.SubElement(etree.SubElement(p, _R), _T).text = "1"
        _sub(etree.SubElement(p, _R), qn("w:fldChar"), fldCharType="end")

    text("Page ")
    field("PAGE")
    text(" of ")
    field("NUMPAGES")
    return p


def _prepare_headers_and_footers(document: Any, marking: str) -> None:
    marking = xml_safe(marking).replace("\n", " ").strip()
    even_pages = bool(document.settings.odd_and_even_pages_header_footer)
    for i, section in enumerate(document.sections):
        pairs = [(section.header, section.footer)]
        if section.different_first_page_header_footer:
            pairs.append((section.first_page_header, section.first_page_footer))
        if even_pages:
            pairs.append((section.even_page_header, section.even_page_footer))
        for header, footer in pairs:
            if i > 0 and header.is_linked_to_previous and footer.is_linked_to_previous:
                continue  # shows the previous section's, already prepared
            header.is_linked_to_previous = False
            footer.is_linked_to_previous = False
            hdr, ftr = header._element, footer._element  # noqa: SLF001 - python-docx has no API for fields
            if marking:
                _replace_placeholder(hdr, marking)
                _replace_placeholder(ftr, marking)
                if marking not in _xml_text(hdr):
                    hdr.insert(0, marking_paragraph(marking))
            else:
                _replace_placeholder(hdr, "")
                _replace_placeholder(ftr, "")
            if not _has_page_field(ftr):
                ftr.append(page_x_of_y_paragraph())


def fixed_zip(data: bytes, *, drop: Iterable[str] = (), replace: dict[str, bytes] | None = None) -> bytes:
    """The .docx `data` rewritten with fixed timestamps (a reproducible file), parts dropped or replaced."""
    replace = replace or {}
    dropped = set(drop)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in dropped:
                continue
            content = replace.get(info.filename, src.read(info.filename))
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


__all__ = [
    "Cell",
    "Flag",
    "REQUIRED_STYLES",
    "TemplateError",
    "WordDocument",
    "fixed_zip",
    "is_right_to_left",
    "open_template",
    "set_core_properties",
    "template_path",
    "xml_safe",
]
