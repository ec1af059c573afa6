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
"""
from __future__ import annotations

import io

FIXED_HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM"


class PartyDocument:
    def __init__(self, *, issuing_body: str, number_line: str, place_date: str, superior_body: str = ""):
        from docx import Document as Docx
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        self._align = WD_ALIGN_PARAGRAPH
        self._pt, self._cm = Pt, Cm
        self.doc = doc = Docx()
        section = doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        style = doc.styles["Normal"]
        style.font.name = "Times New Roman"
        style.font.size = Pt(14)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
        style.paragraph_format.space_after = Pt(3)

        header = doc.add_table(rows=1, cols=2)
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
        self._add(left, number_line, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
        right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = right.paragraphs[0].add_run(FIXED_HEADER)
        run.bold, run.underline, run.font.size = True, True, Pt(15)
        self._add(right, place_date, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self._add(doc, "")

    def _add(self, container, text="", *, bold=False, italic=False, size=None, align=None, underline=False):
        p = container.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = self._pt(size)
        return p

    def title(self, kind: str, summary: str = "") -> None:
        """The document type ("KẾT LUẬN") and its summary line, centred, then a short rule."""
        self._add(self.doc, kind, bold=True, size=15, align=self._align.CENTER)
        if summary:
            self._add(self.doc, summary, bold=True, align=self._align.CENTER)
        self._add(self.doc, "-----", align=self._align.CENTER)

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

    def table(self, header: list[str], rows: list[list], *, size: int = 12) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold, run.font.size = True, self._pt(size)
        for values in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, values):
                cell.text = ""
                cell.paragraphs[0].add_run("" if text is None else str(text)).font.size = self._pt(size)

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
