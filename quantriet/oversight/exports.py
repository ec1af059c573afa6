"""Exports: the programme's items and the open recommendations as .xlsx, a conclusion as .docx.

The .docx cites figures only from the conclusion's snapshot (taken at issuance), never live data."""
from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.core.partydoc import PartyDocument, default_place, issuing_body, vietnamese_date
from quantriet.core.spreadsheets import neutralize
from quantriet.core.text import fold

from .models import Body

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_stem(text: str, fallback: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", fold(text or "")).strip("-") or fallback


def _sheet(title: str, header: list[str], rows: list[list], widths) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([neutralize(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralize(v) for v in row])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if hasattr(cell.value, "year"):
                cell.number_format = "DD/MM/YYYY"
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def program_xlsx(program, items) -> bytes:
    header = [_("No."), _("Kind"), _("Subject"), _("Topic"), _("Period under review"), _("Start"), _("End"),
              _("Head of the team"), _("Team members"), _("Status"), _("Conclusion")]
    rows = []
    for index, item in enumerate(items, start=1):
        conclusion = getattr(item, "visible_conclusion", None)
        subject = item.subject_unit.name + (f" — {item.subject_member.full_name}" if item.subject_member_id else "")
        rows.append([
            index, str(item.get_kind_display()), subject, item.topic,
            f"{item.period_from:%d/%m/%Y}–{item.period_to:%d/%m/%Y}", item.starts_on, item.ends_on,
            item.team_head.full_name if item.team_head_id else "",
            ", ".join(m.full_name for m in item.team_members.all()), str(item.get_status_display()),
            conclusion.canonical_number if conclusion else "",
        ])
    return _sheet(f"{program.year}", header, rows, (6, 22, 34, 50, 24, 12, 12, 24, 40, 18, 18))


def recommendations_xlsx(rows) -> bytes:
    header = [_("Conclusion"), _("Date issued"), _("Subject"), _("Recommendation"), _("Deadline"),
              _("Days since the conclusion"), _("Overdue")]
    data = [[r["recommendation"].conclusion.canonical_number, r["recommendation"].conclusion.issued_on,
             r["recommendation"].conclusion.item.subject_unit.name, r["recommendation"].text,
             r["recommendation"].deadline, r["days"], _("yes") if r["overdue"] else _("no")] for r in rows]
    return _sheet(_("Open recommendations"), header, data, (18, 12, 34, 70, 12, 12, 10))


def _percent(value) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.1'))}".replace(".", ",") + "%"


def conclusion_docx(conclusion) -> bytes:
    item = conclusion.item
    program = item.program
    unit = program.unit
    figures = conclusion.snapshot or {}
    issued = conclusion.issued_on or timezone.localdate()
    if program.body == Body.COMMISSION:
        doc = PartyDocument(superior_body=issuing_body(unit), issuing_body="ỦY BAN KIỂM TRA",
                            number_line=f"Số {conclusion.canonical_number or '     -' + ('KL' if item.is_inspection else 'TB')}",
                            place_date=f"{conclusion.place or default_place(unit)}, {vietnamese_date(issued)}")
    else:
        doc = PartyDocument(issuing_body=issuing_body(unit),
                            number_line=f"Số {conclusion.canonical_number or '     -' + ('KL' if item.is_inspection else 'TB')}",
                            place_date=f"{conclusion.place or default_place(unit)}, {vietnamese_date(issued)}")
    subject = item.subject_unit.name + (f", đồng chí {item.subject_member.full_name}" if item.subject_member_id else "")
    if item.is_inspection:
        doc.title("KẾT LUẬN", f"kiểm tra việc thực hiện {item.topic} đối với {subject}")
    else:
        doc.title("THÔNG BÁO KẾT LUẬN", f"giám sát {'chuyên đề ' if item.kind.endswith('thematic') else ''}"
                                        f"{item.topic} đối với {subject}")
    doc.paragraph(f"Thực hiện Chương trình kiểm tra, giám sát năm {program.year}, từ ngày "
                  f"{item.starts_on:%d/%m/%Y} đến ngày {item.ends_on:%d/%m/%Y}, Đoàn "
                  f"{'kiểm tra' if item.is_inspection else 'giám sát'} đã làm việc với {subject} "
                  f"(thời kỳ {item.period_from:%d/%m/%Y} – {item.period_to:%d/%m/%Y}). Kết luận như sau:")
    doc.heading("I. ƯU ĐIỂM")
    doc.paragraph(conclusion.strengths)
    doc.heading("II. HẠN CHẾ, KHUYẾT ĐIỂM")
    doc.paragraph(conclusion.shortcomings)
    doc.heading("III. NGUYÊN NHÂN")
    doc.paragraph(conclusion.causes)
    doc.heading(f"IV. SỐ LIỆU (tại ngày {_date(figures.get('taken_on'))})")
    plans = figures.get("plans", [])
    if plans:
        doc.table(["Kế hoạch", "Tiến độ"],
                  [[f"{p['number'] or ''} {p['title']}".strip(), _percent(p["progress"])] for p in plans])
    doc.paragraph(f"Số nhiệm vụ quá hạn: {figures.get('overdue_tasks', 0)}.")
    for row in figures.get("study", []):
        doc.paragraph(f"Học tập, quán triệt “{row['title']}”: {row['completed']}/{row['targeted']} đảng viên hoàn "
                      f"thành ({_percent(row['completed_percent'])}).")
    doc.heading("V. KIẾN NGHỊ")
    for index, recommendation in enumerate(conclusion.recommendations.all(), start=1):
        doc.paragraph(f"{index}. {recommendation.text} Thời hạn: {recommendation.deadline:%d/%m/%Y}.")
    recipients = (conclusion.recipients or "").splitlines() or [f"- {item.subject_unit.name},", "- Lưu."]
    doc.footer(recipients=recipients, authority=conclusion.signing_authority, signer_title=conclusion.signer_title,
               signer_name=conclusion.signer_name)
    return doc.to_bytes()


def _date(iso) -> str:
    if not iso:
        return ""
    year, month, day = str(iso).split("-")
    return f"{day}/{month}/{year}"
