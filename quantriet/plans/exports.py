"""Exports of a plan: the task tree as .xlsx, and a progress report as .docx in the party document layout
(core.partydoc, Hướng dẫn 36-HD/VPTW, DOMAIN.md §4). Offices edit these in Word, so the number of the
report is left for them to fill in. `issuing_body`, `default_place` and `vietnamese_date` live in
core.partydoc; they are imported here and used under these names by oversight.actions too."""
from __future__ import annotations

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.core.partydoc import PartyDocument, default_place, issuing_body, vietnamese_date
from quantriet.core.text import fold

from .rollup import Rollup


def file_stem(plan) -> str:
    base = plan.canonical_number or f"du-thao-{plan.pk}"
    return re.sub(r"[^A-Za-z0-9]+", "-", fold(base)).strip("-") or f"plan-{plan.pk}"


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
    today = timezone.localdate()
    rows = data.tree(data.plan_roots.get(plan.pk, []))
    symbol = plan.issuer_symbol or ""
    doc = PartyDocument(issuing_body=issuing_body(plan.unit), number_line=f"Số      -BC/{symbol}".rstrip("/"),
                        place_date=f"{plan.place or default_place(plan.unit)}, {vietnamese_date(today)}")
    number = f"số {plan.canonical_number} " if plan.canonical_number else ""
    issued = f"{vietnamese_date(plan.issued_on)} " if plan.issued_on else ""
    doc.title("BÁO CÁO", f"tiến độ thực hiện {plan.kind_name_vi.lower()} {number}{issued}{plan.title}".strip())

    progress = data.plan_progress(plan.pk)
    done = sum(1 for r in rows if r["state"].status in ("done", "done_late"))
    late = [r for r in rows if r["state"].status == "overdue"]
    doc.paragraph(_("As of %(day)s, the plan is %(progress)s%% complete: %(done)d of %(total)d tasks done, "
                    "%(late)d overdue.") % {"day": today.strftime("%d/%m/%Y"), "progress": progress, "done": done,
                                             "total": len(rows), "late": len(late)})
    doc.table([_("No."), _("Task"), _("Lead unit"), _("Deadline"), _("Progress (%)")],
              [[label, row["task"].title, row["task"].lead_unit.name, row["task"].deadline.strftime("%d/%m/%Y"),
                f"{row['state'].progress} · {row['state'].status_label}"]
               for label, row in zip(_numbering(rows), rows)])

    assigned = [(a, s) for r in rows for a, s in r["assignments"]]
    if assigned:
        doc.heading(_("Plans of the assigned units"))
        for assignment, state in assigned:
            number = state.plan.canonical_number if state.plan and state.plan.canonical_number else "—"
            doc.paragraph(f"- {assignment.unit.name}: {number} ({state.plan_status_label}, {state.progress}%)")

    doc.footer(recipients=(plan.recipients or "- Lưu Văn phòng.").splitlines(), authority=plan.signing_authority,
               signer_title=plan.signer_title, signer_name=plan.signer_name)
    return doc.to_bytes()
