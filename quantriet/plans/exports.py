"""Exports of a plan: the task tree as .xlsx, and a progress report as .docx in the party document layout
(Hướng dẫn 36-HD/VPTW, DOMAIN.md §4): A4, Times New Roman 14 pt, "ĐẢNG CỘNG SẢN VIỆT NAM" bold on the
right, the issuing body and "Số …" on the left, place and date in italics, title, body, signing block and
"Nơi nhận". Offices edit these in Word, so the number of the report is left for them to fill in."""
from __future__ import annotations

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.core.text import fold

from .rollup import Rollup

FIXED_HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM"


def file_stem(plan) -> str:
    base = plan.canonical_number or f"du-thao-{plan.pk}"
    return re.sub(r"[^A-Za-z0-9]+", "-", fold(base)).strip("-") or f"plan-{plan.pk}"


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
    r"^(?:đảng bộ|đảng ủy|đảng uỷ|tỉnh ủy|huyện ủy|thành ủy|thị ủy|chi bộ)\s+"
    r"(?:tỉnh|huyện|thành phố|thị xã|xã|phường|thị trấn|đặc khu)?\s*", re.IGNORECASE)


def default_place(unit) -> str:
    """"Tỉnh ủy Tuyên Quang" / "Đảng bộ xã Sơn Nam" → "Tuyên Quang" / "Sơn Nam"."""
    return _PLACE_PREFIX.sub("", unit.name.strip()) or unit.name


def vietnamese_date(day) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}" if day.month < 3 else \
        f"ngày {day.day:02d} tháng {day.month} năm {day.year}"


def _numbering(rows) -> list[str]:
    """"1", "1.1", "1.1.2" … for the rows of a tree."""
    counters: list[int] = []
    labels = []
    for row in rows:
        level = row["level"]
        counters = counters[: level + 1]
        while len(counters) <= level:
            counters.append(0)
        counters[level] += 1
        labels.append(".".join(str(c) for c in counters))
    return labels


def plan_xlsx(plan, data: Rollup) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    rows = data.tree(data.plan_roots.get(plan.pk, []))
    book = Workbook()
    sheet = book.active
    sheet.title = (plan.canonical_number or _("Draft (not issued)")).replace("/", "-")[:31]
    sheet.append([f"{plan.kind_name_vi} {plan.canonical_number}".strip()])
    sheet.append([plan.title])
    sheet.append([_("Issuing unit"), plan.unit.name])
    sheet.append([_("Date issued"), plan.issued_on.strftime("%d/%m/%Y") if plan.issued_on else ""])
    sheet.append([_("Progress (%)"), float(data.plan_progress(plan.pk))])
    sheet.append([])
    header = [_("No."), _("Task"), _("Lead unit"), _("Supporting units"), _("Responsible person"), _("Start"),
              _("Deadline"), _("Expected output"), _("Weight"), _("Progress (%)"), _("Status"),
              _("Assigned units and their plans")]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F4F7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True, size=13)
    supporting = {}
    for task in (r["task"] for r in rows):
        supporting[task.pk] = ", ".join(u.name for u in task.supporting_units.all())
    for label, row in zip(_numbering(rows), rows):
        task, state = row["task"], row["state"]
        assigned = "; ".join(
            f"{a.unit.name}: {(s.plan.canonical_number or _('draft')) if s.plan else '—'} ({s.plan_status_label}, "
            f"{s.progress}%)" for a, s in row["assignments"]
        )
        sheet.append([
            label, task.title, task.lead_unit.name, supporting[task.pk],
            task.responsible.full_name if task.responsible_id else "", task.start_on, task.deadline,
            task.expected_output, float(task.weight), float(state.progress), str(state.status_label), assigned,
        ])
        for column in (6, 7):
            sheet.cell(row=sheet.max_row, column=column).number_format = "DD/MM/YYYY"
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJKL", (7, 50, 28, 28, 22, 12, 12, 36, 8, 11, 14, 50)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def progress_report_docx(plan, data: Rollup) -> bytes:
    from docx import Document as Docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    today = timezone.localdate()
    rows = data.tree(data.plan_roots.get(plan.pk, []))
    doc = Docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.paragraph_format.space_after = Pt(3)

    def paragraph(cell_or_doc, text="", *, bold=False, italic=False, size=None, align=None, underline=False):
        p = cell_or_doc.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
        return p

    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(9)
    left.paragraphs[0].text = ""
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = left.paragraphs[0].add_run(issuing_body(plan.unit))
    run.bold, run.font.size = True, Pt(14)
    paragraph(left, "*", align=WD_ALIGN_PARAGRAPH.CENTER)
    symbol = plan.issuer_symbol or ""
    paragraph(left, f"Số      -BC/{symbol}".rstrip("/"), align=WD_ALIGN_PARAGRAPH.CENTER, size=13)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = right.paragraphs[0].add_run(FIXED_HEADER)
    run.bold, run.underline, run.font.size = True, True, Pt(15)
    place = plan.place or default_place(plan.unit)
    paragraph(right, f"{place}, {vietnamese_date(today)}", italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)

    paragraph(doc, "")
    paragraph(doc, "BÁO CÁO", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER)
    number = f"số {plan.canonical_number} " if plan.canonical_number else ""
    issued = f"{vietnamese_date(plan.issued_on)} " if plan.issued_on else ""
    paragraph(doc, f"tiến độ thực hiện {plan.kind_name_vi.lower()} {number}{issued}{plan.title}".strip(),
              bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER)

    progress = data.plan_progress(plan.pk)
    done = sum(1 for r in rows if r["state"].status in ("done", "done_late"))
    late = [r for r in rows if r["state"].status == "overdue"]
    body = doc.add_paragraph()
    body.paragraph_format.first_line_indent = Cm(1)
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.add_run(_("As of %(day)s, the plan is %(progress)s%% complete: %(done)d of %(total)d tasks done, "
                   "%(late)d overdue.") % {"day": today.strftime("%d/%m/%Y"), "progress": progress, "done": done,
                                            "total": len(rows), "late": len(late)})

    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, (_("No."), _("Task"), _("Lead unit"), _("Deadline"),
                                                 _("Progress (%)"))):
        cell.text = ""
        r = cell.paragraphs[0].add_run(text)
        r.bold, r.font.size = True, Pt(12)
    for label, row in zip(_numbering(rows), rows):
        task, state = row["task"], row["state"]
        cells = table.add_row().cells
        values = (label, task.title, task.lead_unit.name, task.deadline.strftime("%d/%m/%Y"),
                  f"{state.progress} · {state.status_label}")
        for cell, text in zip(cells, values):
            cell.text = ""
            cell.paragraphs[0].add_run(str(text)).font.size = Pt(12)

    assigned = [(a, s) for r in rows for a, s in r["assignments"]]
    if assigned:
        paragraph(doc, "")
        paragraph(doc, _("Plans of the assigned units"), bold=True)
        for assignment, state in assigned:
            number = state.plan.canonical_number if state.plan and state.plan.canonical_number else "—"
            p = doc.add_paragraph(f"- {assignment.unit.name}: {number} ({state.plan_status_label}, {state.progress}%)")
            p.paragraph_format.first_line_indent = Cm(1)

    paragraph(doc, "")
    footer = doc.add_table(rows=1, cols=2)
    left, right = footer.rows[0].cells
    left.paragraphs[0].text = ""
    run = left.paragraphs[0].add_run("Nơi nhận:")
    run.bold, run.italic, run.underline, run.font.size = True, True, True, Pt(12)
    for line in (plan.recipients or "- Lưu Văn phòng.").splitlines():
        if line.strip():
            paragraph(left, line.strip(), size=11)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = right.paragraphs[0].add_run(plan.signing_authority)
    run.bold = True
    paragraph(right, plan.signer_title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _blank in range(3):
        paragraph(right, "")
    paragraph(right, plan.signer_name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
