"""Coverage exports: .xlsx (openpyxl) and the report "Báo cáo kết quả nghiên cứu, học tập, quán triệt …"
as an editable .docx in the party document layout (Hướng dẫn 36-HD/VPTW, DOMAIN.md §4)."""
from __future__ import annotations

import io

from django.utils import timezone

from .models import FLAGS
from .selectors import Figures, coverage

LABELS = {
    "targeted": "Số đảng viên phải học", "attended": "Đã dự học", "submitted": "Đã nộp bài thu hoạch",
    "passed": "Bài thu hoạch đạt", "quiz_passed": "Đạt bài kiểm tra", "completed": "Hoàn thành",
}


def coverage_xlsx(campaign, unit) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    total, own, children = coverage(campaign, unit)
    book = Workbook()
    sheet = book.active
    sheet.title = "Kết quả"
    sheet.append([campaign.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{unit.name} — {timezone.localdate().strftime('%d/%m/%Y')}"])
    sheet.append([])
    header = ["Đơn vị"] + [LABELS[n] for n in FLAGS] + [f"% {LABELS[n].lower()}" for n in FLAGS[1:]]
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    def line(name, figures: Figures):
        sheet.append([name] + [getattr(figures, n) for n in FLAGS] + [figures.pct(n) / 100 for n in FLAGS[1:]])
        for cell in sheet[sheet.max_row][len(FLAGS) + 1:]:
            cell.number_format = "0.0%"

    for child in children:
        line(child.unit.name, child)
    if own.targeted:
        line(f"{unit.name} (trực thuộc)", own)
    line("Tổng cộng", total)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 42
    for letter in "BCDEFGHIJKL":
        sheet.column_dimensions[letter].width = 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _date_line(day) -> str:
    return f"ngày {day.day:02d} tháng {day.month} năm {day.year}"


def report_docx(campaign, unit, *, place: str = "", number: str = "") -> bytes:
    """The report with the figures filled in; offices edit it in Word before signing."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    total, own, children = coverage(campaign, unit)
    today = timezone.localdate()
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")

    def para(text="", *, bold=False, italic=False, align=None, size=None, container=None, indent=False):
        p = (container or document).add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Cm(1)
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.name = "Times New Roman"
        if size:
            run.font.size = Pt(size)
        return p

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    issuer = unit.name.upper()
    para(issuer, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, container=left, size=13)
    para("*", align=WD_ALIGN_PARAGRAPH.CENTER, container=left, size=13)
    para(f"Số {number or '…'}-BC/…", align=WD_ALIGN_PARAGRAPH.CENTER, container=left, size=13)
    para("ĐẢNG CỘNG SẢN VIỆT NAM", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, container=right, size=14)
    para(f"{place or '…'}, {_date_line(today)}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, container=right)
    para()
    para("BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=15)
    para(f"Kết quả nghiên cứu, học tập, quán triệt {_subject(campaign)}", bold=True,
         align=WD_ALIGN_PARAGRAPH.CENTER)
    para("-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    documents = ", ".join(d.canonical_number for d in campaign.documents.all())
    para(f"Thực hiện kế hoạch học tập, quán triệt ({documents}), từ {campaign.starts_on.strftime('%d/%m/%Y')} "
         f"đến {campaign.deadline.strftime('%d/%m/%Y')}, {unit.name} báo cáo kết quả như sau:", indent=True)
    para("I. KẾT QUẢ", bold=True)
    lines = [
        f"Tổng số đảng viên phải học tập: {total.targeted}.",
        f"Số đảng viên đã tham gia học tập: {total.attended}, đạt {total.pct('attended'):.1f}%.",
        f"Số đảng viên đã nộp bài thu hoạch và kế hoạch cá nhân: {total.submitted}, đạt {total.pct('submitted'):.1f}%.",
        f"Số bài thu hoạch được đánh giá đạt: {total.passed}, đạt {total.pct('passed'):.1f}%.",
        f"Số đảng viên đạt bài kiểm tra nhận thức: {total.quiz_passed}, đạt {total.pct('quiz_passed'):.1f}%.",
        f"Số đảng viên hoàn thành việc học tập: {total.completed}, đạt {total.pct('completed'):.1f}%.",
    ]
    for text in lines:
        para(f"- {text}", indent=True)
    if children:
        para("Kết quả theo đơn vị trực thuộc:", indent=True)
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        heads = ["Đơn vị", "Phải học", "Đã dự học", "Thu hoạch đạt", "Hoàn thành (%)"]
        for cell, text in zip(table.rows[0].cells, heads):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            run.font.size = Pt(12)
        for child in children:
            cells = table.add_row().cells
            values = [child.unit.name, str(child.targeted), str(child.attended), str(child.passed),
                      f"{child.completed} ({child.pct('completed'):.1f}%)"]
            for cell, text in zip(cells, values):
                cell.text = ""
                cell.paragraphs[0].add_run(text).font.size = Pt(12)
    para("II. ĐÁNH GIÁ CHUNG", bold=True)
    para("…", indent=True)
    para("III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", bold=True)
    para("Tổ chức học bù cho đảng viên chưa tham gia học tập; đôn đốc hoàn thành bài thu hoạch và kế hoạch "
         f"cá nhân; còn {total.targeted - total.completed} đảng viên chưa hoàn thành.", indent=True)
    sign = document.add_table(rows=1, cols=2)
    recipients, signer = sign.rows[0].cells
    para("Nơi nhận:", bold=True, italic=True, container=recipients, size=12)
    para("- Cấp ủy cấp trên (báo cáo),", container=recipients, size=12)
    para("- Lưu Văn phòng.", container=recipients, size=12)
    para("T/M BAN THƯỜNG VỤ", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, container=signer)
    para("BÍ THƯ", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, container=signer)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _subject(campaign) -> str:
    title = campaign.title
    for prefix in ("Nghiên cứu, học tập, quán triệt ", "Học tập, quán triệt ", "Học tập "):
        if title.startswith(prefix):
            return title[len(prefix):]
    return title


def filename(campaign, unit, extension: str) -> str:
    return f"bao-cao-hoc-tap-{campaign.pk}-{unit.code}.{extension}".replace("/", "-")

