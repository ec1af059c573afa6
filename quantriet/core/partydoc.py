"""A small writer of .docx files in the party document layout (Hướng dẫn 36-HD/VPTW, DOMAIN.md §4).

A4, Times New Roman 14 pt; a header table with the issuing body, "*" and "Số …" on the left and
"ĐẢNG CỘNG SẢN VIỆT NAM" (bold, underlined) with the place and date in italics on the right; the
document type and summary centred; justified body paragraphs, tables; a footer table with "Nơi nhận"
on the left and the signing block on the right. Offices edit these in Word, so everything stays
plain paragraphs and tables.

    doc = PartyDocument(issuing_body="TỈNH ỦY TUYÊN QUANG", number_line="Số 05-KL/TU",
                        place_date="Tuyên Quang, ngày 20 tháng 11 năm 2023")
    doc.title("KẾT LUẬN", "về …")
    doc.heading("I. …"); doc.paragraph("…"); doc.table(["A", "B"], [["1", "2"]])
    doc.footer(recipients=["- …"], authority="T/M BAN THƯỜNG VỤ", signer_title="BÍ THƯ", signer_name="…")
    content = doc.to_bytes()

Also the pieces every party document needs: `issuing_body` and `default_place` of a unit,
`vietnamese_date`, and `new_document` (the A4 page and Times New Roman style alone, for documents
with another layout such as the member record sheet).
"""
from __future__ import annotations

import io
import re

FIXED_HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM"


def issuing_body(unit) -> str:
    """The committee's name as it heads its documents: "Đảng bộ tỉnh Tuyên Quang" → "TỈNH ỦY TUYÊN QUANG"."""
    name = unit.name.strip()
    for prefix, replacement in (("đảng bộ tỉnh ", "TỈNH ỦY "), ("đảng bộ huyện ", "HUYỆN ỦY "),
                                ("đảng bộ thành phố ", "THÀNH ỦY "), ("đảng bộ xã ", "ĐẢNG ỦY XÃ "),
                                ("đảng bộ phường ", "ĐẢNG ỦY PHƯỜNG "), ("đảng bộ thị trấn ", "ĐẢNG ỦY THỊ TRẤN ")):
        if name.lower().startswith(prefix):
            return replacement + name[len(prefix):].upper()
    return name.upper()


_PLACE_PREFIX = re.compile(
    r"^(?:đảng bộ|đảng ủy|đảng uỷ|tỉnh ủy|huyện ủy|thành ủy|thị ủy|chi bộ|ủy ban nhân dân|uỷ ban nhân dân)\s+"
    r"(?:tỉnh|huyện|thành phố|thị xã|xã|phường|thị trấn|đặc khu)?\s*", re.IGNORECASE)


#: The central bodies (Ban Chấp hành Trung ương, its boards and offices) date their documents in the capital.
CAPITAL = "Hà Nội"
_CENTRAL = re.compile(r"^(?:ban chấp hành trung ương|trung ương|bộ chính trị|ban bí thư)\b", re.IGNORECASE)


def default_place(unit) -> str:
    """"Tỉnh ủy Tuyên Quang" / "Đảng bộ xã Sơn Nam" → "Tuyên Quang" / "Sơn Nam" (the place of the date line);
    the central committee and its bodies → "Hà Nội"."""
    name = unit.name.strip()
    kind = getattr(getattr(unit, "kind", None), "code", "")
    if kind == "trung-uong" or _CENTRAL.match(name):
        return CAPITAL
    return _PLACE_PREFIX.sub("", name) or unit.name


def vietnamese_date(day) -> str:
    """"ngày 05 tháng 02 năm 2024", "ngày 20 tháng 11 năm 2023": a day below 10 and the months 1 and 2
    take a leading zero (Hướng dẫn 36-HD/VPTW)."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}" if day.month < 3 else \
        f"ngày {day.day:02d} tháng {day.month} năm {day.year}"


def new_document(*, font_size: int = 14, right_margin: float = 1.5):
    """An empty python-docx document: A4, margins 2 cm top and bottom, 3 cm left, `right_margin` cm right;
    Times New Roman `font_size` pt as the Normal style, 3 pt after each paragraph."""
    from docx import Document as Docx
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(right_margin)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(font_size)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.paragraph_format.space_after = Pt(3)
    return doc


class PartyDocument:
    """`number_line` may be empty (no "Số …" line). With `two_rows` the header table has a second row
    holding the number line on the left and the place and date on the right, level with each other
    (the sign-in sheet, laid out like its PDF twin)."""

    def __init__(self, *, issuing_body: str, number_line: str, place_date: str, superior_body: str = "",
                 two_rows: bool = False):
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        self._align = WD_ALIGN_PARAGRAPH
        self._pt, self._cm = Pt, Cm
        self.doc = doc = new_document()

        header = doc.add_table(rows=2 if two_rows else 1, cols=2)
        header.alignment = WD_TABLE_ALIGNMENT.CENTER
        left, right = header.rows[0].cells
        left.width, right.width = Cm(7.5), Cm(9)
        first = left.paragraphs[0]
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if superior_body:
            first.add_run(superior_body).font.size = Pt(14)
            first = left.add_paragraph()
            first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = first.add_run(issuing_body)
        run.bold, run.font.size = True, Pt(14)
        self._add(left, "*", align=WD_ALIGN_PARAGRAPH.CENTER)
        right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = right.paragraphs[0].add_run(FIXED_HEADER)
        run.bold, run.underline, run.font.size = True, True, Pt(15)
        if two_rows:
            number_cell, date_cell = header.rows[1].cells
            number_cell.width, date_cell.width = Cm(7.5), Cm(9)
            if number_line:
                self._write(number_cell.paragraphs[0], number_line, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
            self._write(date_cell.paragraphs[0], place_date, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
        else:
            if number_line:
                self._add(left, number_line, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
            self._add(right, place_date, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self._add(doc, "")

    def _add(self, container, text="", **formatting):
        return self._write(container.add_paragraph(), text, **formatting)

    def _write(self, p, text="", *, bold=False, italic=False, size=None, align=None, underline=False):
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = self._pt(size)
        return p

    def title(self, kind: str, summary: str = "", *, rule: bool = True) -> None:
        """The document type ("KẾT LUẬN") and its summary line, centred, then a short rule (unless `rule`
        is false: lists such as the sign-in sheet have none)."""
        self._add(self.doc, kind, bold=True, size=15, align=self._align.CENTER)
        if summary:
            self._add(self.doc, summary, bold=True, align=self._align.CENTER)
        if rule:
            self._add(self.doc, "-----", align=self._align.CENTER)

    def subtitle(self, text: str, *, size: int | None = None) -> None:
        """A centred line in italics under the title ("Điểm cầu: …"); nothing when `text` is empty."""
        if text:
            self._add(self.doc, text, italic=True, size=size, align=self._align.CENTER)

    def heading(self, text: str) -> None:
        p = self._add(self.doc, text, bold=True, align=self._align.JUSTIFY)
        p.paragraph_format.first_line_indent = self._cm(1)

    def paragraph(self, text: str, *, italic=False) -> None:
        """Justified body text with a first-line indent; each line of `text` is a paragraph."""
        for line in (text or "").splitlines() or [""]:
            if not line.strip():
                continue
            p = self._add(self.doc, line.strip(), italic=italic, align=self._align.JUSTIFY)
            p.paragraph_format.first_line_indent = self._cm(1)

    def table(self, header: list[str], rows: list[list], *, size: int = 12, widths: list[float] | None = None,
              centre: tuple[int, ...] = (), centre_header: bool = False) -> None:
        """A grid with a bold header row. `widths` in cm, one per column; the columns whose index is in
        `centre` are centred (the header row too with `centre_header`)."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"

        def fill(cells, values, *, bold=False):
            for index, (cell, text) in enumerate(zip(cells, values)):
                cell.text = ""
                run = cell.paragraphs[0].add_run("" if text is None else str(text))
                run.font.size = self._pt(size)
                if bold:
                    run.bold = True
                if index in centre or (bold and centre_header):
                    cell.paragraphs[0].alignment = self._align.CENTER
                if widths:
                    cell.width = self._cm(widths[index])

        fill(table.rows[0].cells, header, bold=True)
        for values in rows:
            fill(table.add_row().cells, values)

    def footer(self, *, recipients, authority: str, signer_title: str, signer_name: str = "") -> None:
        """"Nơi nhận" (one line each) on the left, the signing block on the right."""
        self._add(self.doc, "")
        footer = self.doc.add_table(rows=1, cols=2)
        left, right = footer.rows[0].cells
        run = left.paragraphs[0].add_run("Nơi nhận:")
        run.bold, run.italic, run.underline, run.font.size = True, True, True, self._pt(12)
        for line in recipients:
            if line.strip():
                self._add(left, line.strip(), size=11)
        right.paragraphs[0].alignment = self._align.CENTER
        right.paragraphs[0].add_run(authority).bold = True
        self._add(right, signer_title, bold=True, align=self._align.CENTER)
        for _blank in range(3):
            self._add(right, "")
        self._add(right, signer_name, bold=True, align=self._align.CENTER)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
