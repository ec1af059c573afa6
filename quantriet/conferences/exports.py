"""QR codes, the printable sign-in sheet (.docx and .pdf) and the report (.xlsx)."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.core.partydoc import FIXED_HEADER, PartyDocument, default_place, issuing_body, vietnamese_date
from quantriet.members.models import Member

from . import selectors
from .models import Attendance, AttendanceStatus, Invitation


def qr_svg(text: str) -> bytes:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def signin_sheet_content(site, session=None) -> dict:
    """What the printable sign-in sheet says, whatever the format (.docx or .pdf)."""
    conference = site.conference
    day = timezone.localtime(session.starts_at).date() if session else timezone.localdate()
    when = ""
    if session:
        start = timezone.localtime(session.starts_at)
        when = f"{session.title}, {start:%H:%M} {vietnamese_date(start)}"
    members = (Member.objects.filter(conference_invitations__site=site).select_related("unit")
               .prefetch_related("positions").order_by("sort_key", "id"))
    rows = [(str(number), member.full_name, ", ".join(filter(None, [member.positions_text, member.unit.name])))
            for number, member in enumerate(members, start=1)]
    return {
        "issuer": issuing_body(conference.organizer),
        "party": FIXED_HEADER,
        "date_line": f"{default_place(conference.organizer)}, {vietnamese_date(day)}",
        "heading": ("DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ" if conference.kind != "cell_meeting"
                    else "DANH SÁCH ĐẢNG VIÊN DỰ SINH HOẠT CHI BỘ"),
        "title": conference.title,
        "site_line": f"Điểm cầu: {site.name}" + (f" — {site.place}" if site.place else ""),
        "session_line": when,
        "columns": ["STT", "Họ và tên", "Chức vụ, đơn vị", "Ký tên"],
        "rows": rows,
        "total_line": f"Tổng số: {len(rows)} người được triệu tập.",
    }


def signin_sheet_docx(site, session=None) -> bytes:
    """The party document layout (core.partydoc): the header with the place and date in its second row,
    as on the PDF; the invited with a signature column."""
    content = signin_sheet_content(site, session)
    doc = PartyDocument(issuing_body=content["issuer"], number_line="", place_date=content["date_line"],
                        two_rows=True)
    doc.title(content["heading"], content["title"], rule=False)
    doc.subtitle(content["site_line"], size=13)
    doc.subtitle(content["session_line"], size=13)
    doc.table(content["columns"], [[*row, ""] for row in content["rows"]], size=13, widths=[1.2, 5.5, 6.3, 3],
              centre=(0, 3), centre_header=True)
    doc.paragraph(content["total_line"], italic=True)
    return doc.to_bytes()


#: Blank numbered rows at the end of the printed sheet, for people who come without an invitation.
PDF_BLANK_ROWS = 5
#: The TrueType files of the PDF sheet: the standard PDF fonts have no Vietnamese glyphs. DejaVu Serif
#: regular and bold come with Debian's fonts-dejavu-core and are required; its italics come with
#: fonts-dejavu-extra and are used when present (else the italic lines are set upright). The folder is
#: the setting CONFERENCE_PDF_FONT_DIR.
PDF_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
PDF_FONT_FILES = {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf"}
PDF_OPTIONAL_FONT_FILES = {"italic": ("DejaVuSerif-Italic.ttf", "regular"),
                           "bolditalic": ("DejaVuSerif-BoldItalic.ttf", "bold")}
_PDF_FAMILIES: dict[str, str] = {}


class PdfFontMissing(Exception):
    """The TrueType font of the PDF sheet is not installed where the setting says."""

    def __init__(self, path):
        super().__init__(str(path))
        self.path = str(path)


def pdf_font_family() -> str:
    """Register the PDF font family (once per folder) and return its name; PdfFontMissing if absent.
    The faces are named `<family>-regular`, `-bold`, `-italic` and `-bolditalic`."""
    import os

    from django.conf import settings
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    folder = getattr(settings, "CONFERENCE_PDF_FONT_DIR", None) or PDF_FONT_DIR
    if folder in _PDF_FAMILIES:
        return _PDF_FAMILIES[folder]
    family = f"QTSerif{len(_PDF_FAMILIES)}"
    files = {style: os.path.join(folder, name) for style, name in PDF_FONT_FILES.items()}
    for style, (name, fallback) in PDF_OPTIONAL_FONT_FILES.items():
        path = os.path.join(folder, name)
        files[style] = path if os.path.isfile(path) else files[fallback]
    for style, path in files.items():
        if not os.path.isfile(path):
            raise PdfFontMissing(path)
        try:
            pdfmetrics.registerFont(TTFont(f"{family}-{style}", path))
        except (TTFError, OSError) as error:
            raise PdfFontMissing(path) from error
    pdfmetrics.registerFontFamily(family, normal=f"{family}-regular", bold=f"{family}-bold",
                                  italic=f"{family}-italic", boldItalic=f"{family}-bolditalic")
    _PDF_FAMILIES[folder] = family  # last: a half-registered family is never taken for a complete one
    return family


def signin_sheet_pdf(site, session=None) -> bytes:
    """The same sheet as `signin_sheet_docx`, as an A4 PDF (reportlab) with DejaVu Serif embedded, plus
    a few blank numbered rows for people who come without an invitation. The header row repeats on
    every page."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    family = pdf_font_family()
    content = signin_sheet_content(site, session)

    def style(size=13, *, bold=False, italic=False, align=TA_CENTER, leading=None):
        name = f"{family}-{'bold' if bold else ''}{'italic' if italic else ''}" if (bold or italic) \
            else f"{family}-regular"
        return ParagraphStyle(f"s{size}{bold}{italic}{align}", fontName=name, fontSize=size,
                              leading=leading or size * 1.25, alignment=align)

    def p(text, **kwargs):
        return Paragraph(escape(text), style(**kwargs))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=3 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                            bottomMargin=2 * cm, title=content["title"], author=content["issuer"],
                            subject=content["heading"])
    header = Table(
        [[p(content["issuer"], bold=True, size=12), p(content["party"], bold=True, size=13)],
         [p("*", size=13), p(content["date_line"], italic=True, size=12)]],
        colWidths=[5.5 * cm, 10.5 * cm])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [header, Spacer(1, 0.6 * cm), p(content["heading"], bold=True, size=14),
             p(content["title"], bold=True, size=14), Spacer(1, 0.2 * cm),
             p(content["site_line"], italic=True, size=13)]
    if content["session_line"]:
        story.append(p(content["session_line"], italic=True, size=13))
    story.append(Spacer(1, 0.4 * cm))
    data = [[p(text, bold=True, size=12) for text in content["columns"]]]
    for number, name, where in content["rows"]:
        data.append([p(number, size=12), p(name, size=12, align=TA_LEFT), p(where, size=11, align=TA_LEFT), ""])
    for number in range(len(content["rows"]) + 1, len(content["rows"]) + 1 + PDF_BLANK_ROWS):
        data.append([p(str(number), size=12), "", "", ""])
    table = Table(data, colWidths=[1.4 * cm, 5.4 * cm, 6.2 * cm, 3 * cm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 1), (-1, -1), 7),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 7),
    ]))
    story += [table, Spacer(1, 0.3 * cm), p(content["total_line"], italic=True, size=13, align=TA_LEFT)]
    doc.build(story)
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
