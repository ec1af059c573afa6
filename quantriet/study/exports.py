"""Coverage exports: .xlsx (openpyxl) and the report "Báo cáo kết quả nghiên cứu, học tập, quán triệt …"
as an editable .docx in the party document layout (core.partydoc, Hướng dẫn 36-HD/VPTW, DOMAIN.md §4)."""
from __future__ import annotations

import io

from django.utils import timezone

from quantriet.core.partydoc import PartyDocument, issuing_body, vietnamese_date

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


def report_docx(campaign, unit, *, place: str = "", number: str = "") -> bytes:
    """The report with the figures filled in; offices edit it in Word before signing."""
    total, own, children = coverage(campaign, unit)
    doc = PartyDocument(issuing_body=issuing_body(unit), number_line=f"Số {number or '…'}-BC/…",
                        place_date=f"{place or '…'}, {vietnamese_date(timezone.localdate())}")
    doc.title("BÁO CÁO", f"Kết quả nghiên cứu, học tập, quán triệt {_subject(campaign)}")
    documents = ", ".join(d.canonical_number for d in campaign.documents.all())
    doc.paragraph(f"Thực hiện kế hoạch học tập, quán triệt ({documents}), từ {campaign.starts_on.strftime('%d/%m/%Y')} "
                  f"đến {campaign.deadline.strftime('%d/%m/%Y')}, {unit.name} báo cáo kết quả như sau:")
    doc.heading("I. KẾT QUẢ")
    lines = [
        f"Tổng số đảng viên phải học tập: {total.targeted}.",
        f"Số đảng viên đã tham gia học tập: {total.attended}, đạt {total.pct('attended'):.1f}%.",
        f"Số đảng viên đã nộp bài thu hoạch và kế hoạch cá nhân: {total.submitted}, đạt {total.pct('submitted'):.1f}%.",
        f"Số bài thu hoạch được đánh giá đạt: {total.passed}, đạt {total.pct('passed'):.1f}%.",
        f"Số đảng viên đạt bài kiểm tra nhận thức: {total.quiz_passed}, đạt {total.pct('quiz_passed'):.1f}%.",
        f"Số đảng viên hoàn thành việc học tập: {total.completed}, đạt {total.pct('completed'):.1f}%.",
    ]
    for text in lines:
        doc.paragraph(f"- {text}")
    if children:
        doc.paragraph("Kết quả theo đơn vị trực thuộc:")
        doc.table(["Đơn vị", "Phải học", "Đã dự học", "Thu hoạch đạt", "Hoàn thành (%)"],
                  [[child.unit.name, child.targeted, child.attended, child.passed,
                    f"{child.completed} ({child.pct('completed'):.1f}%)"] for child in children])
    doc.heading("II. ĐÁNH GIÁ CHUNG")
    doc.paragraph("…")
    doc.heading("III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI")
    doc.paragraph("Tổ chức học bù cho đảng viên chưa tham gia học tập; đôn đốc hoàn thành bài thu hoạch và kế hoạch "
                  f"cá nhân; còn {total.targeted - total.completed} đảng viên chưa hoàn thành.")
    doc.footer(recipients=["- Cấp ủy cấp trên (báo cáo),", "- Lưu Văn phòng."], authority="T/M BAN THƯỜNG VỤ",
               signer_title="BÍ THƯ")
    return doc.to_bytes()


def _subject(campaign) -> str:
    title = campaign.title
    for prefix in ("Nghiên cứu, học tập, quán triệt ", "Học tập, quán triệt ", "Học tập "):
        if title.startswith(prefix):
            return title[len(prefix):]
    return title


def filename(campaign, unit, extension: str) -> str:
    return f"bao-cao-hoc-tap-{campaign.pk}-{unit.code}.{extension}".replace("/", "-")

