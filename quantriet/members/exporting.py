"""Export of member lists (.xlsx, .csv), the import template and one member's record sheet (.docx, .xlsx).

Headers are the Vietnamese column names of the import template, so an exported file imports back
as it is (the unit code column makes its units unambiguous). Cells that a spreadsheet would read as
a formula (= + - @, tab, CR) get a leading apostrophe. Big lists stream: CSV row by row, .xlsx
through openpyxl's write-only mode into a temporary file.
"""
from __future__ import annotations

import csv
import datetime
import io
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation

from .importing import HEADERS, REQUIRED, HEADER_OF, STATUS_HEADER, UNIT_CODE_HEADER
from .models import Gender, Member

EXPORT_HEADERS = HEADERS + [STATUS_HEADER, UNIT_CODE_HEADER]
DATE_FORMAT = "%d/%m/%Y"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
from quantriet.core.spreadsheets import neutralize  # noqa: E402  (re-exported for importers)

_GENDER_VI = {Gender.MALE: "Nam", Gender.FEMALE: "Nữ"}


def _status_labels() -> dict:
    from .models import Status

    with translation.override("vi"):
        return {value: str(label) for value, label in Status.choices}


def member_values(member: Member, status_labels: dict) -> list:
    """One member as the export's cells, in EXPORT_HEADERS order (dates as dates)."""
    return [
        member.full_name,
        member.birth_date,
        _GENDER_VI.get(member.gender, member.gender),
        member.ethnicity,
        member.religion,
        member.card_number or "",
        member.record_number,
        member.admission_date,
        member.official_date,
        member.unit.name,
        member.citizen_id or "",
        member.phone,
        member.email,
        "; ".join(p.title for p in member.positions.all()),
        status_labels.get(member.status, member.status),
        member.unit.code,
    ]


def _members(queryset):
    return (
        queryset.select_related("unit").prefetch_related("positions").order_by("sort_key", "id").iterator(chunk_size=2000)
    )


def export_filename(extension: str) -> str:
    return f"dang-vien-{timezone.localdate():%Y%m%d}.{extension}"


# -- CSV ------------------------------------------------------------------------------------------

class _Echo:
    def write(self, value):
        return value


def csv_lines(queryset):
    """The CSV export, line by line: UTF-8 with a BOM (so Excel reads Vietnamese), comma-separated."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_HEADERS)
    labels = _status_labels()
    for member in _members(queryset):
        cells = []
        for value in member_values(member, labels):
            if isinstance(value, datetime.date):
                value = value.strftime(DATE_FORMAT)
            cells.append(neutralize("" if value is None else str(value)))
        yield writer.writerow(cells)


def csv_response(queryset) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename("csv")}"'
    return response


# -- XLSX -----------------------------------------------------------------------------------------

def _header_cells(sheet, headers, required=()):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True, color="9C0006" if header in required else "000000")
        cell.fill = PatternFill("solid", fgColor="F2F4F7")
        cells.append(cell)
    return cells


def write_members_xlsx(queryset, target) -> None:
    """Write the member list to `target` (path or binary file) with openpyxl's write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đảng viên")
    widths = [28, 12, 9, 10, 12, 14, 12, 13, 13, 30, 15, 14, 26, 40, 22, 16]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(_header_cells(sheet, EXPORT_HEADERS))
    labels = _status_labels()
    for member in _members(queryset):
        row = []
        for value in member_values(member, labels):
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD/MM/YYYY"
                row.append(cell)
            else:
                row.append(neutralize(value))
        sheet.append(row)
    workbook.save(target)


def xlsx_response(queryset) -> FileResponse:
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # removed when the response closes it
    write_members_xlsx(queryset, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=export_filename("xlsx"), content_type=XLSX_CONTENT_TYPE)


# -- the import template ----------------------------------------------------------------------------

TEMPLATE_NOTES = [
    "Mỗi dòng là một đảng viên; dòng đầu tiên giữ nguyên tên cột.",
    "Cột bắt buộc (chữ đỏ): " + ", ".join(HEADER_OF[f] for f in REQUIRED) + ".",
    "Ngày viết dd/mm/yyyy (ví dụ 17/05/1980); cũng nhận d/m/yy, yyyy-mm-dd và ô kiểu ngày của Excel.",
    "Giới tính: Nam hoặc Nữ.",
    "Số thẻ đảng viên: 8 chữ số; Số CCCD: 12 chữ số (nên định dạng ô là Văn bản để giữ số 0 ở đầu).",
    "Chi bộ: mã đơn vị hoặc tên đơn vị như trên cây tổ chức.",
    "Chức vụ: nhiều chức vụ cách nhau bởi dấu ;",
    "Nhập lại một tệp sẽ cập nhật đảng viên theo số thẻ, không tạo bản trùng.",
]


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đảng viên")
    for index, header in enumerate(HEADERS):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(12, len(header) + 4)
    sheet.append(_header_cells(sheet, HEADERS, required={HEADER_OF[f] for f in REQUIRED}))
    notes = workbook.create_sheet("Hướng dẫn")
    notes.column_dimensions["A"].width = 110
    for line in TEMPLATE_NOTES:
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- one member's record sheet (phiếu đảng viên) ------------------------------------------------------

def record_fields(member: Member) -> list[tuple[str, str]]:
    labels = _status_labels()

    def day(value):
        return value.strftime(DATE_FORMAT) if value else ""

    return [
        ("Họ và tên", member.full_name),
        ("Ngày sinh", day(member.birth_date)),
        ("Giới tính", _GENDER_VI.get(member.gender, member.gender)),
        ("Dân tộc", member.ethnicity),
        ("Tôn giáo", member.religion),
        ("Số thẻ đảng viên", member.card_number or ""),
        ("Số lý lịch", member.record_number),
        ("Ngày vào Đảng", day(member.admission_date)),
        ("Ngày chính thức", day(member.official_date)),
        ("Chi bộ sinh hoạt", member.unit.name),
        ("Số CCCD", member.citizen_id or ""),
        ("Điện thoại", member.phone),
        ("Email", member.email),
        ("Chức vụ", "; ".join(p.title for p in member.positions.all())),
        ("Trạng thái", labels.get(member.status, member.status)),
    ]


def record_sheet_docx(member: Member) -> bytes:
    """The member record sheet as an editable Word document (A4, Times New Roman 13 pt). A form, not an
    issued document: the unit and "ĐẢNG CỘNG SẢN VIỆT NAM" with the date, no number, no signing block, so
    only the page set-up and the date come from core.partydoc."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from quantriet.core.partydoc import FIXED_HEADER, new_document, vietnamese_date

    document = new_document(font_size=13, right_margin=2)
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(member.unit.name.upper()).bold = True
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].add_run(FIXED_HEADER).bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    place = right.add_paragraph()
    place.add_run(vietnamese_date(timezone.localdate())).italic = True
    place.alignment = WD_ALIGN_PARAGRAPH.CENTER

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("PHIẾU ĐẢNG VIÊN")
    run.bold = True
    run.font.size = Pt(15)

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in record_fields(member):
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value
        cells[0].width, cells[1].width = Cm(5.5), Cm(10.5)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def record_sheet_xlsx(member: Member) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phiếu đảng viên"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 60
    sheet.append(["PHIẾU ĐẢNG VIÊN"])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in record_fields(member):
        sheet.append([label, neutralize(value)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=2).data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
