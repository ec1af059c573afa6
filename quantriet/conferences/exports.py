"""QR codes, the printable sign-in sheet (.docx) and the report (.xlsx)."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.members.models import Member

from . import selectors
from .models import Attendance, AttendanceStatus, Invitation

FONT = "Times New Roman"
_PLACE_PREFIXES = ("tỉnh ủy ", "thành ủy ", "huyện ủy ", "thị ủy ", "đảng ủy ", "đảng bộ xã ", "đảng bộ phường ",
                   "đảng bộ thị trấn ", "đảng bộ ", "chi bộ ", "ủy ban nhân dân ")


def qr_svg(text: str) -> bytes:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def place_name(unit) -> str:
    """'Tỉnh ủy Tuyên Quang' → 'Tuyên Quang' for the place-and-date line."""
    name = unit.name
    lowered = name.lower()
    for prefix in _PLACE_PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix):]
    return name


def vietnamese_date(day) -> str:
    return f"ngày {day.day} tháng {day.month} năm {day.year}"


def signin_sheet_docx(site, session=None) -> bytes:
    """The party document layout (Hướng dẫn 36-HD/VPTW): issuing body left, 'ĐẢNG CỘNG SẢN VIỆT NAM'
    right, place and date in italics, Times New Roman 13–14 pt; the invited with a signature column."""
    from docx import Document as Docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    conference = site.conference
    doc = Docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    def para(cell_or_doc, text, *, bold=False, italic=False, size=14, align=WD_ALIGN_PARAGRAPH.CENTER):
        is_fresh_cell = hasattr(cell_or_doc, "_tc") and len(cell_or_doc.paragraphs) == 1 \
            and not cell_or_doc.paragraphs[0].runs
        p = cell_or_doc.paragraphs[0] if is_fresh_cell else cell_or_doc.add_paragraph()
        p.alignment = align
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
        run.font.name = FONT
        return p

    header = doc.add_table(rows=2, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    para(left, conference.organizer.name.upper(), bold=True, size=13)
    para(left, "*", size=13)
    para(right, "ĐẢNG CỘNG SẢN VIỆT NAM", bold=True, size=14)
    day = timezone.localtime(session.starts_at).date() if session else timezone.localdate()
    para(header.rows[1].cells[1], f"{place_name(conference.organizer)}, {vietnamese_date(day)}", italic=True, size=14)

    para(doc, "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ" if conference.kind != "cell_meeting"
         else "DANH SÁCH ĐẢNG VIÊN DỰ SINH HOẠT CHI BỘ", bold=True, size=14)
    para(doc, conference.title, bold=True, size=14)
    para(doc, f"Điểm cầu: {site.name}" + (f" — {site.place}" if site.place else ""), italic=True, size=13)
    if session:
        start = timezone.localtime(session.starts_at)
        para(doc, f"{session.title}, {start:%H:%M} {vietnamese_date(start)}", italic=True, size=13)

    members = (Member.objects.filter(conference_invitations__site=site).select_related("unit")
               .prefetch_related("positions").order_by("sort_key", "id"))
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    widths = [Cm(1.2), Cm(5.5), Cm(6.3), Cm(3)]
    for cell, text, width in zip(table.rows[0].cells, ["STT", "Họ và tên", "Chức vụ, đơn vị", "Ký tên"], widths):
        cell.width = width
        para(cell, text, bold=True, size=13)
    for number, member in enumerate(members, start=1):
        cells = table.add_row().cells
        values = [str(number), member.full_name, ", ".join(filter(None, [member.positions_text, member.unit.name])), ""]
        for cell, text, width in zip(cells, values, widths):
            cell.width = width
            para(cell, text, size=13, align=WD_ALIGN_PARAGRAPH.LEFT if text and not text.isdigit()
                 else WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, f"Tổng số: {members.count()} người được triệu tập.", italic=True, size=13, align=WD_ALIGN_PARAGRAPH.LEFT)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def report_tables(conference, sites) -> list[dict]:
    """Per session: each reportable site with its own counts and the totals of its relay subtree."""
    tables = []
    for session in conference.sessions.all():
        counts = selectors.tree_counts(session, sites)
        rows = [{"site": s, "own": counts[s.pk]["own"], "total": counts[s.pk]["total"]} for s in sites]
        overall = {k: sum(r["own"][k] for r in rows) for k in rows[0]["own"]} if rows else {}
        tables.append({"session": session, "rows": rows, "overall": overall})
    return tables


def absences(conference, sites, limit=None):
    qs = (Attendance.objects.filter(session__conference=conference, site__in=sites)
          .exclude(status=AttendanceStatus.PRESENT).select_related("member", "site", "session")
          .order_by("session__starts_at", "site__path", "member__sort_key"))
    return qs[:limit] if limit else qs


from quantriet.core.spreadsheets import neutralize as safe_cell  # noqa: E402


def report_xlsx(conference, sites) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    header = [_("Session"), _("Site"), _("Relayed from"), _("Invited"), _("Present (invited)"), _("Late"),
              _("Not invited, present"), _("Excused"), _("Absent"), _("Not recorded"),
              _("Invited incl. relayed sites"), _("Present incl. relayed sites")]
    sheet.append([safe_cell(conference.title)])
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for table in report_tables(conference, sites):
        session = table["session"]
        label = f"{session.title} {timezone.localtime(session.starts_at):%d/%m/%Y %H:%M}"
        for row in table["rows"]:
            own, total = row["own"], row["total"]
            sheet.append([safe_cell(label), safe_cell(row["site"].name),
                          safe_cell(row["site"].parent.name if row["site"].parent_id else ""),
                          own["invited"], own["present_invited"], own["late"], own["extra"], own["excused"],
                          own["absent"], own["not_recorded"], total["invited"], total["present_invited"]])
    records = book.create_sheet("Vắng mặt")
    records.append([_("Session"), _("Site"), _("Full name"), _("Card number"), _("Status"), _("Reason")])
    for cell in records[1]:
        cell.font = Font(bold=True)
    for a in absences(conference, sites).iterator(chunk_size=2000):
        records.append([safe_cell(a.session.title), safe_cell(a.site.name), safe_cell(a.member.full_name),
                        a.member.card_number or "", str(a.get_status_display()), safe_cell(a.reason)])
    attendees = book.create_sheet("Có mặt")
    attendees.append([_("Session"), _("Site"), _("Full name"), _("Card number"), _("Time"), _("Method"), _("Late"),
                      _("Not invited")])
    for cell in attendees[1]:
        cell.font = Font(bold=True)
    present = (Attendance.objects.filter(session__conference=conference, site__in=sites,
                                         status=AttendanceStatus.PRESENT)
               .select_related("member", "site", "session").order_by("session__starts_at", "site__path",
                                                                       "member__sort_key"))
    for a in present.iterator(chunk_size=2000):
        attendees.append([safe_cell(a.session.title), safe_cell(a.site.name), safe_cell(a.member.full_name),
                          a.member.card_number or "", timezone.localtime(a.checked_in_at).strftime("%d/%m/%Y %H:%M:%S"),
                          str(a.get_method_display()), "x" if a.late else "", "x" if a.extra else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def invited_count(site) -> int:
    return Invitation.objects.filter(site=site).count()
