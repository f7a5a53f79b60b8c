"""Word files built from a council's template: styles checked, text made XML-safe, tables built fast.

Exports start from a .docx (`data/minutes-template.docx`, or the file `Settings.word_template`
names) so a council's letterhead, fonts, header and footer carry over. The body of the template
is replaced; the header gets the protective marking on every page (the first page too, where the
template has a different first page) and the footer a "Page X of Y" made of real PAGE and
NUMPAGES fields unless it already has page numbers.

Body content is appended as lxml elements placed before the final section properties, because
python-docx's `table.add_row()` rebuilds the cell grid on every call: 2,000 rows take seconds.
A table is written as XML text, every piece escaped, exactly as lxml would serialize it: a comment
stands in for it in the document, and `save` splices the text into the saved file in its place,
so a long chronology is neither built element by element nor parsed and serialized again. (A
template binding Word's namespace to a prefix other than `w:` gets its tables parsed instead.)
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
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
from ..storage.files import remove_stale_temps
from .errors import TemplateError  # noqa: F401  (raised here; named by the command line)
from .output import write_output

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


# ----- text ---------------------------------------------------------------------------------

# XML 1.0 allows tab, newline and carriage return among the C0 controls; python-docx refuses the
# rest. A pasted vertical tab or form feed was a line or page break where it came from.
_CONTROL_MAP: dict[int, str] = {c: " " for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_CONTROL_MAP.update({0x0B: "\n", 0x0C: "\n", 0x0D: "\n", 0xFFFE: "\ufffd", 0xFFFF: "\ufffd"})
_SURROGATE = re.compile("[\ud800-\udfff]")


# Any character `xml_safe` changes: most text has none and is returned as it is, in one scan.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced, so nothing after it is lost."""
    if _UNSAFE.search(text) is None:
        return text
    text = text.replace("\r\n", "\n").translate(_CONTROL_MAP)
    return _SURROGATE.sub("\ufffd", text)


def is_right_to_left(text: str) -> bool:
    """Whether the first strongly directional letter of `text` is Arabic, Hebrew or similar."""
    if text.isascii():  # no ASCII character is right-to-left
        return False
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


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Tables are parsed from text built here (every piece of it escaped); no entities, no network.
_TABLE_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)


def _text_xml(text: str) -> str:
    """`text` (already XML-safe) escaped as an element's text."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(value: str) -> str:
    """`value` escaped for an attribute in double quotes, whitespace kept as it is."""
    return value.translate(_ATTR_ESCAPES)


def _paragraph_xml(style_id: str, line: str, rstyle: str) -> str:
    """The XML `_new_paragraph` builds for one line, as text (`style_id` and `rstyle` escaped, '' for none)."""
    rtl = is_right_to_left(line)
    xml = "<w:p>"
    if style_id or rtl:
        xml += "<w:pPr>"
        if style_id:
            xml += f'<w:pStyle w:val="{style_id}"/>'
        if rtl:
            xml += "<w:bidi/>"
        xml += "</w:pPr>"
    if line:
        xml += "<w:r>"
        if rstyle or rtl:
            xml += "<w:rPr>"
            if rstyle:
                xml += f'<w:rStyle w:val="{rstyle}"/>'
            if rtl:
                xml += "<w:rtl/>"
            xml += "</w:rPr>"
        for i, piece in enumerate(line.split("\t") if "\t" in line else (line,)):
            if i:
                xml += "<w:tab/>"
            if piece:
                space = ' xml:space="preserve"' if piece[0] == " " or piece[-1] == " " else ""
                xml += f"<w:t{space}>{_text_xml(piece)}</w:t>"
        xml += "</w:r>"
    return xml + "</w:p>"


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
        # Tables waiting to be spliced into the saved file, by the comment standing in for each.
        self._marker = f"coregroup-table-{secrets.token_hex(8)}"
        self._tables: dict[bytes, bytes] = {}
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

    def running_header(self, text: str) -> None:
        """A line on the header of every page (each section's, first and even pages too): who the
        document is about and which copy it is, so a page printed alone is never anonymous."""
        line = xml_safe(text).replace("\n", " ").strip()
        if not line:
            return
        even_pages = bool(self.doc.settings.odd_and_even_pages_header_footer)
        for i, section in enumerate(self.doc.sections):
            headers = [section.header]
            if section.different_first_page_header_footer:
                headers.append(section.first_page_header)
            if even_pages:
                headers.append(section.even_page_header)
            for header in headers:
                if i > 0 and header.is_linked_to_previous:
                    continue
                header._element.append(_header_line(line))  # noqa: SLF001 - python-docx has no API for this

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

        The table is written as XML text and spliced into the saved file (see the module's
        docstring): building 2,000 rows element by element took a fifth of a second, and parsing
        the text and serializing it again most of a tenth. A cell's text is escaped as lxml
        escapes it, so the file is byte for byte the one the elements would have made.
        """
        usable = self._usable_width()
        widths = column_widths(usable, weights, headings, cell_word_lengths(rows, len(weights)))
        heading_id = _attr(self._style_ids["Table Heading"])
        text_id = _attr(self._style_ids["Table Text"])
        flag_id = _attr(self._style_ids["Flag"])
        cell_starts = [f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>' for w in widths]
        table_id = _attr(self._style_ids["Minutes Table"])
        xml = [
            "<w:tbl>",
            f'<w:tblPr><w:tblStyle w:val="{table_id}"/>'
            f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            f'<w:tblLook w:val="{"04A0" if headings else "0480"}" w:firstRow="{"1" if headings else "0"}" '
            'w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
            *(f'<w:gridCol w:w="{w}"/>' for w in widths),
            "</w:tblGrid>",
        ]
        if headings:
            xml.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
            xml.extend(
                self._cell(start, h, heading_id, flag_id) for start, h in zip(cell_starts, headings, strict=True)
            )
            xml.append("</w:tr>")
        first_id = heading_id if bold_first_column else text_id
        # A cell's XML depends only on its value, style and column: the same source, impact or
        # recorder on many rows is built once.
        built: dict[tuple[int, str | tuple[str | Flag, ...], str], str] = {}
        count = 0
        for row in rows:
            xml.append("<w:tr>")
            for i, (start, value) in enumerate(zip(cell_starts, row, strict=True)):
                style_id = first_id if i == 0 else text_id
                key = (i, value if isinstance(value, str) else tuple(value), style_id)
                cell = built.get(key)
                if cell is None:
                    cell = built[key] = self._cell(start, value, style_id, flag_id)
                xml.append(cell)
            xml.append("</w:tr>")
            count += 1
            if progress is not None and total and count % 100 == 0:
                progress(count, total)
        xml.append("</w:tbl>")
        if self._can_splice():
            # Spliced into the saved file in place of a comment (see `save`): the table is never
            # parsed, nor serialized again, and the file holds exactly what lxml would write.
            marker = f"{self._marker}-{len(self._tables)}"
            self._tables[marker.encode()] = "".join(xml).encode()
            self._place(etree.Comment(marker))
        else:  # a template binding Word's namespace to another prefix: let lxml place the table
            xml[0] = f'<w:tbl xmlns:w="{_W_NS}">'
            self._place(etree.fromstring("".join(xml), _TABLE_PARSER))
        if progress is not None and total is not None:
            progress(count, total)
        # A paragraph after each table keeps two tables from merging into one.
        spacer = etree.Element(_P)
        spacing = etree.SubElement(etree.SubElement(spacer, _PPR), qn("w:spacing"))
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "120")
        spacing.set(qn("w:lineRule"), "exact")
        self._place(spacer)
        return count

    def _can_splice(self) -> bool:
        """Whether a table's text may go into the saved file as it is: the body binds `w:` to Word's namespace."""
        return bool(self._body.nsmap.get("w") == _W_NS)

    def _cell(self, start: str, value: Cell, style_id: str, flag_id: str) -> str:
        """A cell's XML, `start` its opening: a paragraph for each line of each part, flagged parts flagged."""
        xml = [start]
        parts: Sequence[str | Flag] = [value] if isinstance(value, str) else value
        for part in parts:
            flagged = isinstance(part, Flag)
            raw = part.text if isinstance(part, Flag) else part
            for line in self.text(raw).split("\n"):
                if line.strip():
                    xml.append(_paragraph_xml(style_id, line, flag_id if flagged else ""))
        if len(xml) == 1:  # a cell must hold a paragraph
            xml.append(_paragraph_xml(style_id, "", ""))
        xml.append("</w:tc>")
        return "".join(xml)

    # ----- saving ----------------------------------------------------------------------------
    def save(self, out: Path, *, title: str, author: str, subject: str = "") -> Path:
        """Write the file atomically, readable by its owner only, with honest core properties."""
        set_core_properties(self.doc, title=self.text(title), author=self.text(author), subject=self.text(subject))
        buffer = io.BytesIO()
        self.doc.save(buffer)
        data = buffer.getvalue()
        if self._tables:
            data = _splice(data, self.doc.part.partname.membername, self._marker, self._tables)
        return write_output(Path(out), data)  # refuses a link, a device, a folder or a read-only file


def _splice(data: bytes, member: str, marker: str, tables: dict[bytes, bytes]) -> bytes:
    """The .docx `data` with each table's comment in `member` replaced by the table's XML; every
    other part, and every part's name, date and attributes, as python-docx wrote them."""
    pattern = re.compile(b"<!--(" + re.escape(marker.encode()) + rb"-\d+)-->")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == member:
                content, found = pattern.subn(lambda m: tables[m.group(1)], content)
                if found != len(tables):
                    raise RuntimeError(f"{found} of the {len(tables)} tables were found in {member}")
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.create_system = info.create_system
            copy.external_attr = info.external_attr
            dst.writestr(copy, content)
    return out.getvalue()


CORE_PROPERTY_LIMIT = 255


def _fit(value: str) -> str:
    """`value` cut to what a core property holds, ending in an ellipsis if it was cut."""
    value = " ".join(value.split())
    return value if len(value) <= CORE_PROPERTY_LIMIT else value[: CORE_PROPERTY_LIMIT - 1].rstrip() + "…"


def set_core_properties(document: Any, *, title: str, author: str, subject: str = "") -> None:
    """Title, author and dates of this export; nothing left from the template or python-docx."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props = document.core_properties
    # Word's core properties hold at most 255 characters each: a long title (many children's
    # names) is shortened, never refused.
    props.title = _fit(title)
    props.subject = _fit(subject)
    props.author = _fit(author)
    props.last_modified_by = _fit(author)
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


# A heading's longest word must fit its column, or Word breaks it mid-word ("Attendan/ce"):
# twips per character of a bold 10-point heading (generous), and a cell's two side margins.
_HEADING_CHAR = 125
_CELL_MARGINS = 240


def cell_word_lengths(rows: Iterable[Sequence[Cell]], columns: int) -> list[int] | None:
    """The longest word of each column's cells (at most 14: a long link may still wrap), for a
    short table given as a list; None for a long or streamed one (its columns are as weighted)."""
    if not isinstance(rows, list) or len(rows) > 300:
        return None
    lengths = [0] * columns
    for row in rows:
        for i, value in enumerate(row):
            parts = [value] if isinstance(value, str) else [str(v) for v in value]
            longest = max((len(w) for part in parts for w in part.split()), default=0)
            lengths[i] = max(lengths[i], min(longest, 14))
    return lengths


def column_widths(
    usable: int, weights: Sequence[float], headings: Sequence[str] | None, cell_words: Sequence[int] | None = None
) -> list[int]:
    """Column widths in twips in proportion to `weights`, each wide enough for the longest word
    of its heading (and of its cells, given their longest word's length); the room a narrow
    column needs is taken from the columns that can spare it."""
    widths = [usable * w / sum(weights) for w in weights]
    if not headings and not cell_words:
        return [int(w) for w in widths]
    longest = [max((len(word) for word in h.split()), default=0) for h in headings] if headings else [0] * len(weights)
    if cell_words:
        longest = [max(a, b) for a, b in zip(longest, cell_words, strict=True)]
    needed = [n * _HEADING_CHAR + _CELL_MARGINS for n in longest]
    for _ in range(len(widths)):
        short = sum(max(0.0, n - w) for n, w in zip(needed, widths, strict=True))
        if short <= 0:
            break
        spare = [max(0.0, w - n) for n, w in zip(needed, widths, strict=True)]
        total_spare = sum(spare)
        if total_spare <= 0:
            break
        take = min(short, total_spare)
        widths = [
            max(w, n) if n > w else w - take * s / total_spare for n, w, s in zip(needed, widths, spare, strict=True)
        ]
    return [int(w) for w in widths]


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


def _header_line(text: str) -> Any:
    p = etree.Element(_P)
    ppr = etree.SubElement(p, _PPR)
    _sub(ppr, qn("w:jc"), val="center")
    r = etree.SubElement(p, _R)
    rpr = etree.SubElement(r, _RPR)
    _sub(rpr, qn("w:sz"), val="18")
    t = etree.SubElement(r, _T)
    t.text = text
    t.set(_XML_SPACE, "preserve")
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
    "remove_stale_temps",
    "set_core_properties",
    "template_path",
    "xml_safe",
]
