"""Member import: every kind of bad input, the two steps, re-import, the CLI, the pages, a kill mid-commit."""
import codecs
import csv
import datetime
import io
import os
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import translation

from quantriet.core.models import AuditEntry
from quantriet.members import importing, tasks
from quantriet.members.importing import (
    HEADERS, MemberImporter, from_tcvn3, from_vni, parse_date, repair_legacy, sniff_kind, to_tcvn3, to_vni,
)
from quantriet.members.models import Member
from quantriet.members.models_io import ImportJob, ImportStatus
from quantriet.units.models import Unit

from . import factories as f
from .conftest import USER_KINDS

FIXTURES = Path(__file__).parent / "fixtures" / "import"
REPO = Path(__file__).resolve().parent.parent

COVERED_URLS = {
    "members:import", "members:import-template", "members:import-preview", "members:import-commit",
    "members:import-status",
}


# -- until quantriet/members/urls.py adds urls_io's patterns, mount them for these tests ---------------

def _io_urlpatterns():
    import quantriet.urls as project
    from quantriet.members import urls as member_urls
    from quantriet.members import urls_io

    names = {p.name for p in member_urls.urlpatterns}
    members = (list(member_urls.urlpatterns) + [p for p in urls_io.urlpatterns if p.name not in names], "members")
    return [path("members/", include(members))] + [
        p for p in project.urlpatterns if str(getattr(p, "pattern", "")) != "members/"
    ]


@pytest.fixture(autouse=True)
def io_urls(settings):
    try:
        reverse("members:import")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.test_import_urls_shim"
        sys.modules.setdefault("tests.test_import_urls_shim", type(sys)("tests.test_import_urls_shim"))
        sys.modules["tests.test_import_urls_shim"].urlpatterns = _io_urlpatterns()
    yield


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# -- building files ------------------------------------------------------------------------------------

def row(name="Nguyễn Văn An", birth="17/05/1980", gender="Nam", card="30000001", unit="TQ-SD-SN-A",
        admission="01/03/2005", official="01/03/2006", ethnicity="Kinh", religion="Không", record="",
        citizen_id="", phone="", email="", positions=""):
    return [name, birth, gender, ethnicity, religion, card, record, admission, official, unit, citizen_id, phone,
            email, positions]


def write_xlsx(path, rows, headers=HEADERS, title_rows=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in title_rows:
        sheet.append(line)
    sheet.append(list(headers))
    for values in rows:
        sheet.append(list(values))
    workbook.save(path)
    return path


def cp1258(text):
    """Windows-1258 bytes: letters with ă â ê ô ơ ư precomposed, tone marks as combining characters."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        letter = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
        out.append(letter + "".join(p for p in parts if p in tones))
    return "".join(out).encode("cp1258")


def write_csv(path, rows, *, encoding="utf-8", delimiter=",", headers=HEADERS, bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    data = cp1258(buffer.getvalue()) if encoding == "cp1258" else buffer.getvalue().encode(encoding)
    if bom:
        data = codecs.BOM_UTF8 + data
    Path(path).write_bytes(data)
    return path


def system():
    return f.system_user()


def preview(path, user=None, **options):
    return MemberImporter(path, user=user or system(), **options).preview()


def errors_by_row(report):
    return {issue["row"]: issue["errors"] for issue in report.issues if issue["errors"]}


def warnings_by_row(report):
    return {issue["row"]: issue["warnings"] for issue in report.issues if issue["warnings"]}


# -- legacy encodings ------------------------------------------------------------------------------------

NAMES = [
    "Nguyễn Văn Sơn", "Đỗ Thị Hằng", "Lê Thị Kim Dung", "Chẩu Văn Lâm", "Hầu A Lềnh", "Phạm Thị Thu Hương",
    "Người Mường Khương", "Trưởng Đoàn Đại biểu Quốc hội tỉnh", "Quàng Thị Khuyến", "Vũ Minh Dũng", "Tô Lâm",
]


def test_tcvn3_and_vni_tables_match_the_published_examples():
    assert from_tcvn3("NguyÔn V¨n S¬n") == "Nguyễn Văn Sơn"
    assert from_vni("Nguyeãn Vaên Sôn") == "Nguyễn Văn Sơn"
    assert from_vni("Xin chaøo caùc baïn") == "Xin chào các bạn"
    assert from_tcvn3("B¶o Th¾ng") == "Bảo Thắng"
    assert to_tcvn3("Nguyễn Văn Sơn") == "NguyÔn V¨n S¬n"
    assert to_vni("Nguyễn Văn Sơn") == "Nguyeãn Vaên Sôn"


@pytest.mark.parametrize("name", NAMES)
def test_legacy_text_is_detected_and_converted(name):
    tcvn3, vni = to_tcvn3(name), to_vni(name)
    assert tcvn3 != name and vni != name
    # Alone, or in a file whose other cells settled the encoding (ambiguous cells such as "Vò Minh Dòng").
    assert repair_legacy(tcvn3, "TCVN3") == (name, "TCVN3")
    assert repair_legacy(vni, "VNI") == (name, "VNI")
    if name not in ("Vũ Minh Dũng",):
        assert repair_legacy(vni) == (name, "VNI")


def test_unicode_text_is_never_converted():
    for text in NAMES + ["Ksor H'Bia", "Y Ngông Niê Kđăm", "Ủy viên BCH Đảng bộ; Bí thư Chi bộ", "Hoá", "HĐND"]:
        assert repair_legacy(text) == (text, None)


def test_dominant_encoding_needs_a_clear_majority():
    assert importing.dominant_legacy_encoding([to_tcvn3(n) for n in NAMES] + ["Kinh"]) == "TCVN3"
    assert importing.dominant_legacy_encoding([to_vni(n) for n in NAMES]) == "VNI"
    assert importing.dominant_legacy_encoding(NAMES) is None


# -- cells -------------------------------------------------------------------------------------------------

def test_dates_in_every_form():
    assert parse_date("17/05/1980") == (datetime.date(1980, 5, 17), None)
    assert parse_date(" 7/5/1980 ") == (datetime.date(1980, 5, 7), None)
    assert parse_date("1980-05-17") == (datetime.date(1980, 5, 17), None)
    assert parse_date("1980-05-17 00:00:00") == (datetime.date(1980, 5, 17), None)
    assert parse_date(29358.0) == (datetime.date(1980, 5, 17), None)  # Excel serial number
    assert parse_date("29358") == (datetime.date(1980, 5, 17), None)
    assert parse_date(datetime.datetime(1980, 5, 17, 0, 0)) == (datetime.date(1980, 5, 17), None)
    # Two-digit years: the century that keeps the year at or before the limit.
    assert parse_date("7/5/80", max_year=2010) == (datetime.date(1980, 5, 7), None)
    assert parse_date("7/5/05", max_year=2010) == (datetime.date(2005, 5, 7), None)
    assert parse_date("7/5/15", max_year=2010) == (datetime.date(1915, 5, 7), None)
    assert parse_date("30/02/1980") == (None, "“30/02/1980” is not a valid date.")
    assert parse_date("05/17/1980") == (None, "“05/17/1980” is not a valid date.")
    assert parse_date("17 May 1980") == (None, "“17 May 1980” is not a date: write it as dd/mm/yyyy.")


def test_cells_are_cleaned():
    nfd = unicodedata.normalize("NFD", "Nguyễn  Văn\u00a0An ")
    assert importing.cell_text(nfd) == "Nguyễn Văn An"
    assert importing.cell_text("\u200bAn\ufeff") == "An"
    assert importing.cell_text(30000001.0) == "30000001"
    assert importing.cell_text("'=1+2") == "=1+2"


def test_file_kind_comes_from_the_content(tmp_path):
    assert sniff_kind(write_xlsx(tmp_path / "a.csv", []).read_bytes()[:8]) == "xlsx"
    assert sniff_kind((FIXTURES / "members.xls").read_bytes()[:8]) == "xls"
    assert sniff_kind("Họ và tên,Ngày sinh\n".encode()) == "csv"
    assert sniff_kind("Họ và tên".encode("utf-16")) == "csv"
    assert sniff_kind(b"%PDF-1.7\n%\x00\x01\x02\x03binary") is None
    assert sniff_kind(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
    assert sniff_kind(b"") is None


# -- preview and commit ------------------------------------------------------------------------------------

def test_preview_writes_nothing_and_commit_writes_everything(tmp_path, tree):
    file = write_xlsx(tmp_path / "m.xlsx", [
        row("Nguyễn Văn An", card="30000001", positions="Bí thư Chi bộ; Trưởng thôn", citizen_id="001080000001",
            phone="0912 345 678", email="an@example.vn"),
        row("Trần Thị Bình", gender="Nữ", card="30000002", unit="Chi bộ thôn B", official=""),
        row("Lò Văn Cường", card="30000003", unit="chi bo thon a"),  # the name without accents
    ])
    members, audits = Member.objects.count(), AuditEntry.objects.count()
    creates = AuditEntry.objects.filter(action="member.create").count()
    report = preview(file)
    assert (report.total_rows, report.create_count, report.update_count, report.error_rows) == (3, 3, 0, 0)
    assert Member.objects.count() == members and AuditEntry.objects.count() == audits

    report = MemberImporter(file, user=system()).commit()
    assert report.committed and report.create_count == 3
    an = Member.objects.get(card_number="30000001")
    assert (an.full_name, an.unit, an.status, an.citizen_id, an.email) == (
        "Nguyễn Văn An", tree["cell_a"], "official", "001080000001", "an@example.vn")
    assert [p.title for p in an.positions.all()] == ["Bí thư Chi bộ", "Trưởng thôn"]
    binh = Member.objects.get(card_number="30000002")
    assert (binh.unit, binh.gender, binh.status, binh.official_date) == (tree["cell_b"], "female", "probationary", None)
    assert Member.objects.get(card_number="30000003").unit == tree["cell_a"]
    tree["cell_a"].refresh_from_db()
    assert tree["cell_a"].member_count == 2
    assert AuditEntry.objects.filter(action="member.create").count() == creates + 3
    summary = AuditEntry.objects.get(action="member.import")
    assert summary.after == {"file": "m.xlsx", "created": 3, "updated": 0, "rows": 3}
    assert summary.scope_path == tree["son_nam"].path  # the common ancestor of cells A and B


def test_reimport_updates_by_card_number(tmp_path, tree):
    first = write_xlsx(tmp_path / "1.xlsx", [row("Nguyễn Văn An", card="30000001", official="")])
    assert MemberImporter(first, user=system()).commit().committed
    assert Member.objects.get(card_number="30000001").status == "probationary"
    second = write_xlsx(tmp_path / "2.xlsx", [
        row("Nguyễn Văn An", card="30000001", official="01/03/2006", unit="TQ-SD-SN-B", phone="0987654321"),
        row("Hoàng Thị Em", card="30000009"),
    ])
    report = preview(second)
    assert (report.create_count, report.update_count) == (1, 1)
    assert warnings_by_row(report)[2] == [
        "Status changes from “Probationary member” to “Official member”.",
        "Chi bộ: The member moves from “Chi bộ thôn A” to “Chi bộ thôn B”.",
    ]
    assert MemberImporter(second, user=system()).commit().committed
    assert Member.objects.filter(card_number="30000001").count() == 1
    an = Member.objects.get(card_number="30000001")
    assert (an.status, an.unit, an.phone, an.official_date) == (
        "official", tree["cell_b"], "0987654321", datetime.date(2006, 3, 1))
    assert Member.objects.filter(full_name__in=["Nguyễn Văn An", "Hoàng Thị Em"]).count() == 2


def test_every_kind_of_bad_input_is_reported_by_row(tmp_path, tree, people):
    rows = [
        row("Nguyễn Văn An", card="30000001"),                                   # 2: fine
        row("Trần Văn Bảo", birth="30/02/1980", card="30000002"),                # 3: impossible date
        row("Lê Văn Cả", card="30000003", unit="Chi bộ thôn Z"),                 # 4: unknown unit
        row("Phạm Văn Dũng", card="30000001"),                                   # 5: duplicate card in the file
        row("", card="30000005"),                                                # 6: missing name
        row("Vũ Văn Em", gender="X", card="30000006"),                           # 7: bad gender
        row("Đinh Văn Phong", card="3000007"),                                   # 8: 7-digit card (text)
        row("Bùi Văn Giang", card="30000008", citizen_id=people["a2"].citizen_id or "", email="not-an-email"),
        row("Hồ Văn Hải", card="30000009", admission="01/03/1990", birth="01/01/1980"),  # 10: admitted at 10
        row("Mai Văn Inh", card=people["c1"].card_number, unit="TQ-SD-SN-A"),  # 11: update, moves unit (warning)
        row("Tạ Văn Khoa", card="30000011", birth="", admission="", unit=""),  # 12: three required cells empty
    ]
    file = write_xlsx(tmp_path / "bad.xlsx", rows)
    report = preview(file)
    errors = errors_by_row(report)
    assert errors[3] == ["Ngày sinh: “30/02/1980” is not a valid date."]
    assert errors[4] == [
        "Chi bộ: Unknown unit “Chi bộ thôn Z” (or not one you may edit). Closest: "
        "Chi bộ thôn A (TQ-SD-SN-A); Chi bộ thôn B (TQ-SD-SN-B); Chi bộ thôn C (TQ-YS-TS-C)."
    ]
    assert errors[5] == ["Số thẻ đảng viên: The card number 30000001 already appears on row 2 of this file."]
    assert errors[6] == ["Họ và tên: This column is required."]
    assert errors[7] == ["Giới tính: “X” is not a gender: write Nam or Nữ."]
    assert errors[8] == ["Số thẻ đảng viên: The party card number must be exactly 8 digits."]
    assert errors[10] == ["Ngày vào Đảng: The admission date must be at least 16 years after the date of birth."]
    assert errors[12] == [
        "Ngày sinh: This column is required.", "Ngày vào Đảng: This column is required.",
        "Chi bộ: This column is required.",
    ]
    assert 9 in errors and "Email: Enter a valid email address." in errors[9]
    assert 2 not in errors and 11 not in errors
    assert report.error_rows == 9 and report.create_count == 1 and report.update_count == 1
    # Nothing is written by a commit of a file with errors.
    before = Member.objects.count()
    result = MemberImporter(file, user=system()).commit()
    assert not result.committed and result.error_rows == 9
    assert Member.objects.count() == before
    assert not Member.objects.filter(card_number="30000001").exists()
    assert Member.objects.get(pk=people["c1"].pk).unit == tree["cell_c"]
    assert not AuditEntry.objects.filter(action="member.import").exists()


def test_citizen_id_of_another_member_and_duplicates_in_file(tmp_path, tree):
    f.member(tree["cell_a"], "Lê Văn Có", citizen_id="001080000099", card_number="39999999")
    file = write_xlsx(tmp_path / "ids.xlsx", [
        row("Nguyễn Văn An", card="30000001", citizen_id="001080000099"),
        row("Nguyễn Văn Bé", card="30000002", citizen_id="001080000050"),
        row("Nguyễn Văn Cu", card="30000003", citizen_id="001080000050"),
        row("Lê Văn Có", card="39999999", citizen_id="001080000099"),  # the owner, but row 2 has it too
    ])
    errors = errors_by_row(preview(file))
    assert errors == {
        2: ["Số CCCD: This citizen ID belongs to another member."],
        4: ["Số CCCD: The citizen ID 001080000050 already appears on row 3 of this file."],
        5: ["Số CCCD: The citizen ID 001080000099 already appears on row 2 of this file."],
    }
    owner_alone = write_xlsx(tmp_path / "owner.xlsx", [row("Lê Văn Có", card="39999999", citizen_id="001080000099")])
    report = preview(owner_alone)
    assert (report.error_rows, report.update_count) == (0, 1)


def test_units_are_limited_to_the_users_scope(tmp_path, tree, users):
    file = write_xlsx(tmp_path / "scope.xlsx", [
        row("Nguyễn Văn An", card="30000001", unit="TQ-SD-SN-A"),
        row("Nguyễn Văn Bình", card="30000002", unit="TQ-YS-TS-C"),
    ])
    report = preview(file, user=users["same_secretary"])
    assert errors_by_row(report) == {3: [
        "Chi bộ: Unknown unit “TQ-YS-TS-C” (or not one you may edit). Closest: Chi bộ thôn A (TQ-SD-SN-A)."
    ]}
    assert report.create_count == 1


def test_closed_units_are_not_candidates(tmp_path, tree):
    Unit.objects.filter(pk=tree["cell_b"].pk).update(valid_to=datetime.date(2020, 1, 1))
    report = preview(write_xlsx(tmp_path / "closed.xlsx", [row(card="30000001", unit="TQ-SD-SN-B")]))
    assert report.error_rows == 1
    assert errors_by_row(report)[2][0].startswith("Chi bộ: Unknown unit “TQ-SD-SN-B”")


def test_members_of_units_outside_the_scope_are_not_updated(tmp_path, tree, people, users):
    file = write_xlsx(tmp_path / "other.xlsx", [row("Nguyễn Văn Sơn", card=people["c1"].card_number)])
    assert errors_by_row(preview(file, user=users["same_secretary"])) == {
        2: ["Số thẻ đảng viên: This card number belongs to a member you may not edit."]
    }


def test_normalization_legacy_text_and_excel_quirks(tmp_path, tree):
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    rows = [
        row("  " + nfd_name + "   ", card="30000001", positions=" Bí thư ;; Phó trưởng thôn "),
        row(to_tcvn3("Đỗ Văn Hùng"), card="30000002", ethnicity=to_tcvn3("Tày"), unit=to_tcvn3("Chi bộ thôn A")),
        row(to_vni("Lê Thị Thu Hương"), gender="Nữ", card="30000003", religion=to_vni("Phật giáo")),
        row("Hà Văn Đức", birth=29358, admission="1/3/05", official="2006-03-01", card=30000004,
            citizen_id=1080000001, phone=912345678),
    ]
    file = write_xlsx(tmp_path / "quirks.xlsx", rows)
    report = preview(file)
    assert report.error_rows == 0 and report.create_count == 4 and report.converted_rows == 2
    assert warnings_by_row(report) == {
        3: ["Họ và tên: converted from TCVN3.", "Dân tộc: converted from TCVN3.", "Chi bộ: converted from TCVN3."],
        4: ["Họ và tên: converted from VNI.", "Tôn giáo: converted from VNI."],
        5: ["Số CCCD: The leading zeros lost by the spreadsheet were restored.",
            "Điện thoại: The leading zero lost by the spreadsheet was restored."],
    }
    assert MemberImporter(file, user=system()).commit().committed
    first = Member.objects.get(card_number="30000001")
    assert first.full_name == "Nguyễn Thị Ánh" and unicodedata.is_normalized("NFC", first.full_name)
    assert [p.title for p in first.positions.all()] == ["Bí thư", "Phó trưởng thôn"]
    second = Member.objects.get(card_number="30000002")
    assert (second.full_name, second.ethnicity, second.unit) == ("Đỗ Văn Hùng", "Tày", tree["cell_a"])
    third = Member.objects.get(card_number="30000003")
    assert (third.full_name, third.religion) == ("Lê Thị Thu Hương", "Phật giáo")
    fourth = Member.objects.get(card_number="30000004")
    assert (fourth.birth_date, fourth.admission_date, fourth.official_date) == (
        datetime.date(1980, 5, 17), datetime.date(2005, 3, 1), datetime.date(2006, 3, 1))
    assert (fourth.citizen_id, fourth.phone) == ("001080000001", "0912345678")


def test_header_row_below_a_title_and_columns_in_any_order(tmp_path, tree):
    headers = ["STT", "Số thẻ đảng viên", "Họ và tên", "Giới tính", "Ngày sinh", "Ngày vào Đảng", "Chi bộ"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN A"])
    sheet.append([])
    sheet.append(headers)
    sheet.append([1, "30000001", "Nguyễn Văn An", "Nam", "17/05/1980", "01/03/2005", "TQ-SD-SN-A"])
    sheet.append([])
    sheet.append([2, "30000002", "Nguyễn Văn Ba", "nam", "18/05/1980", "01/03/2005", "TQ-SD-SN-A"])
    workbook.save(tmp_path / "title.xlsx")
    report = preview(tmp_path / "title.xlsx")
    assert (report.total_rows, report.create_count, report.error_rows) == (2, 2, 0)


def test_missing_columns_and_unreadable_files(tmp_path, tree):
    report = preview(write_xlsx(tmp_path / "cols.xlsx", [["Nguyễn Văn An", "Nam"]], headers=["Họ và tên", "Giới tính", "Email"]))
    assert report.file_errors == ["Missing required columns: Ngày sinh, Số thẻ đảng viên, Ngày vào Đảng, Chi bộ."]
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    report = preview(tmp_path / "x.xlsx")
    assert len(report.file_errors) == 1 and report.file_errors[0].startswith("The spreadsheet cannot be read")
    (tmp_path / "y.csv").write_text("just,some\ntext,here\n")
    assert preview(tmp_path / "y.csv").file_errors[0].startswith("No header row found")


@pytest.mark.parametrize("encoding,delimiter,bom,note", [
    ("utf-8", ",", False, "UTF-8"),
    ("utf-8", ";", True, "UTF-8"),
    ("utf-16", "\t", False, "UTF-16"),
    ("cp1258", ";", False, "Windows-1258"),
])
def test_csv_encodings_and_delimiters(tmp_path, tree, encoding, delimiter, bom, note):
    rows = [row("Nguyễn Thị Hằng", gender="Nữ", card="30000001", positions="Bí thư; Ủy viên"),
            row("Đặng Văn Lưu", card="30000002", unit="Chi bộ thôn B")]
    file = write_csv(tmp_path / "m.csv", rows, encoding=encoding, delimiter=delimiter, bom=bom)
    report = preview(file)
    assert (report.encoding_note, report.create_count, report.error_rows, report.converted_rows) == (note, 2, 0, 0)
    assert MemberImporter(file, user=system()).commit().committed
    assert Member.objects.get(card_number="30000001").full_name == "Nguyễn Thị Hằng"
    assert [p.title for p in Member.objects.get(card_number="30000001").positions.all()] == ["Bí thư", "Ủy viên"]


def test_csv_in_tcvn3_bytes(tmp_path, tree):
    """An old CSV saved from a .VnTime spreadsheet: TCVN3 bytes, read as Windows-1252, converted."""
    names = ["Nguyễn Văn Sơn", "Đỗ Thị Hằng", "Phạm Thị Thu Hương"]
    rows = [row(to_tcvn3(n), gender="Nam", card=f"3000000{i}", unit=to_tcvn3("Chi bộ thôn A"))
            for i, n in enumerate(names, start=1)]
    # The whole file is in TCVN3, headers too (the reader folds them after conversion).
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[to_tcvn3(h) for h in HEADERS]] + rows)
    (tmp_path / "old.csv").write_bytes(buffer.getvalue().encode("cp1252"))
    report = preview(tmp_path / "old.csv")
    assert report.file_errors == []
    assert report.encoding_note == "Windows-1252"
    assert (report.create_count, report.error_rows, report.converted_rows) == (3, 0, 3)
    assert MemberImporter(tmp_path / "old.csv", user=system()).commit().committed
    assert sorted(Member.objects.filter(card_number__startswith="3000000").values_list("full_name", flat=True)) == sorted(names)


def test_xls_file(tree):
    report = preview(FIXTURES / "members.xls")
    assert report.file_errors == [] and report.error_rows == 0 and report.create_count == 2
    assert warnings_by_row(report) == {
        2: ["Số CCCD: The leading zeros lost by the spreadsheet were restored."],
        3: ["Họ và tên: converted from TCVN3.", "Dân tộc: converted from TCVN3.", "Tôn giáo: converted from TCVN3.",
            "Chi bộ: converted from TCVN3.", "Chức vụ: converted from TCVN3."],
    }
    assert MemberImporter(FIXTURES / "members.xls", user=system()).commit().committed
    hang = Member.objects.get(card_number="20000001")
    assert (hang.birth_date, hang.citizen_id, hang.gender) == (datetime.date(1985, 7, 9), "001234567890", "female")
    son = Member.objects.get(card_number="20000002")
    assert (son.full_name, son.ethnicity, son.admission_date, son.status) == (
        "Nguyễn Văn Sơn", "Tày", datetime.date(2005, 3, 1), "probationary")
    assert [p.title for p in son.positions.all()] == ["Đảng viên"]


def test_a_failure_while_writing_rolls_back_the_whole_file(tmp_path, tree, monkeypatch):
    from quantriet.members import actions

    file = write_xlsx(tmp_path / "m.xlsx", [row(f"Nguyễn Văn Số{i}", card=f"3000{i:04d}") for i in range(1, 8)])
    real = actions.MemberBulkWriter.write
    calls = []

    def flaky(self, rows):
        calls.append([r["row"] for r in rows])
        if len(calls) == 3:  # the third chunk of two rows (file rows 6 and 7), after two were written
            raise actions.ImportRowsInvalid({7: {"card_number": ["Simulated failure."]}})
        return real(self, rows)

    monkeypatch.setattr(actions.MemberBulkWriter, "write", flaky)
    report = MemberImporter(file, user=system(), chunk_size=2).commit()
    assert not report.committed
    assert errors_by_row(report) == {7: ["Số thẻ đảng viên: Simulated failure."]}
    assert calls == [[2, 3], [4, 5], [6, 7]]
    assert Member.objects.filter(card_number__startswith="3000").count() == 0
    tree["cell_a"].refresh_from_db()
    assert tree["cell_a"].member_count == 0


# -- the command line ------------------------------------------------------------------------------------

def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_members", *[str(a) for a in args], stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_cli_clean_file_imports_and_exits_0(tmp_path, tree):
    system()
    file = write_xlsx(tmp_path / "m.xlsx", [row("Nguyễn Văn An", card="30000001", unit=""),
                                             row("Nguyễn Văn Ba", card="30000002", unit="TQ-SD-SN-B")])
    code, out, err = run_cli(file, "--dry-run", "--unit", "TQ-SD-SN-A")
    assert (code, out) == (0, "")
    assert "2 rows: 2 to create, 0 to update, 0 with errors" in err
    assert not Member.objects.filter(card_number__in=["30000001", "30000002"]).exists()
    code, out, err = run_cli(file, "--unit", "TQ-SD-SN-A")
    assert (code, out) == (0, "")
    assert "Imported: 2 created, 0 updated." in err
    assert Member.objects.get(card_number="30000001").unit == tree["cell_a"]
    assert Member.objects.get(card_number="30000002").unit == tree["cell_b"]
    # The hyphenated spelling of the issue is the same command.
    from django.core.management import get_commands

    assert get_commands()["import-members"] == "quantriet.members"


def test_cli_file_with_errors_exits_1_and_prints_each_row(tmp_path, tree):
    system()
    file = write_xlsx(tmp_path / "m.xlsx", [
        row("Nguyễn Văn An", card="30000001"),
        row("Nguyễn Văn Ba", card="30000002", birth="31/04/1980"),
        row("Nguyễn Văn Ca", card="30000002", unit="Chi bo thon Q"),
    ])
    for extra in (["--dry-run"], []):
        code, out, err = run_cli(file, *extra)
        assert code == 1
        assert out.splitlines() == [
            "Row 3: Ngày sinh: “31/04/1980” is not a valid date.",
            "Row 4: Chi bộ: Unknown unit “Chi bo thon Q” (or not one you may edit). Closest: "
            "Chi bộ thôn A (TQ-SD-SN-A); Chi bộ thôn B (TQ-SD-SN-B); Chi bộ thôn C (TQ-YS-TS-C).",
            "Row 4: Số thẻ đảng viên: The card number 30000002 already appears on row 3 of this file.",
        ]
        assert "Nothing was imported." in err
    assert not Member.objects.filter(card_number="30000001").exists()
    file = write_xlsx(tmp_path / "n.xlsx", [row("Nguyễn Văn Ca", card="30000003", unit="Chi bo thon Q")])
    code, out, _err = run_cli(file)
    assert code == 1
    assert out.splitlines() == [
        "Row 2: Chi bộ: Unknown unit “Chi bo thon Q” (or not one you may edit). Closest: "
        "Chi bộ thôn A (TQ-SD-SN-A); Chi bộ thôn B (TQ-SD-SN-B); Chi bộ thôn C (TQ-YS-TS-C)."
    ]


def test_cli_unknown_unit_option(tmp_path, tree):
    from django.core.management.base import CommandError

    system()
    with pytest.raises(CommandError, match="Unknown unit code “NOPE”"):
        call_command("import_members", str(write_xlsx(tmp_path / "m.xlsx", [row()])), "--unit", "NOPE")


# -- the pages -------------------------------------------------------------------------------------------

def upload(client, path, **data):
    with open(path, "rb") as handle:
        return client.post(reverse("members:import"), {"file": handle, **data})


def test_upload_preview_commit(tmp_path, client_for, tree, users):
    client = client_for("same_secretary")
    page = client.get(reverse("members:import"))
    assert page.status_code == 200 and reverse("members:import-template") in page.content.decode()
    file = write_xlsx(tmp_path / "chi-bo-a.xlsx", [row("Nguyễn Văn An", card="30000001"),
                                                   row("Nguyễn Văn Bốn", card="30000002", birth="1/1/80")])
    response = upload(client, file)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:import-preview", args=[job.pk])
    assert (job.status, job.user, job.total_rows, job.create_count, job.file_kind) == (
        ImportStatus.PREVIEWED, users["same_secretary"], 2, 2, "xlsx")
    assert job.file.name.startswith("imports/") and Path(job.file.path).is_file()
    assert not Member.objects.filter(card_number__in=["30000001", "30000002"]).exists()
    page = client.get(reverse("members:import-preview", args=[job.pk])).content.decode()
    assert "Import 2 rows" in page
    response = client.post(reverse("members:import-commit", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.create_count) == (ImportStatus.DONE, 2)
    assert Member.objects.filter(card_number__in=["30000001", "30000002"], unit=tree["cell_a"]).count() == 2
    # A second commit of the same job does nothing.
    client.post(reverse("members:import-commit", args=[job.pk]))
    assert Member.objects.filter(card_number__in=["30000001", "30000002"]).count() == 2


def test_preview_page_lists_row_errors_and_refuses_commit(tmp_path, client_for, tree):
    client = client_for("same_secretary")
    rows = [row(f"Nguyễn Văn Số{i}", card=f"3{i:07d}", birth="30/02/1980" if i % 2 else "17/05/1980")
            for i in range(1, 121)]
    upload(client, write_xlsx(tmp_path / "m.xlsx", rows))
    job = ImportJob.objects.get()
    assert (job.status, job.error_rows, job.create_count) == (ImportStatus.PREVIEWED, 60, 60)
    page = client.get(reverse("members:import-preview", args=[job.pk]))
    assert len(page.context["page"]) == 50 and page.context["page"].paginator.count == 60
    assert "“30/02/1980” is not a valid date." in page.content.decode()
    assert "Import 60 rows" not in page.content.decode()
    page2 = client.get(reverse("members:import-preview", args=[job.pk]) + "?page=2")
    assert [issue["row"] for issue in page2.context["page"]] == list(range(102, 122, 2))
    client.post(reverse("members:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED
    assert not Member.objects.filter(card_number__startswith="3000").exists()


def test_large_files_run_in_the_background_with_progress(tmp_path, client_for, tree, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks, "BACKGROUND_ROWS", 5)
    client = client_for("ancestor_staff")
    file = write_xlsx(tmp_path / "big.xlsx", [row(f"Nguyễn Văn Số{i}", card=f"3{i:07d}") for i in range(1, 31)])
    enqueued = []
    import django_q.tasks

    real = django_q.tasks.async_task
    monkeypatch.setattr(django_q.tasks, "async_task", lambda *a, **k: enqueued.append(a[0]) or real(*a, **k))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client, file)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.UPLOADED and len(callbacks) == 1
    status = client.get(reverse("members:import-status", args=[job.pk]))
    assert 'hx-trigger="every 1s"' in status.content.decode() and "HX-Refresh" not in status
    callbacks[0]()  # the worker (Q_CLUSTER sync in tests runs it inline)
    assert enqueued == ["quantriet.members.tasks.preview_job"]
    job.refresh_from_db()
    assert (job.status, job.create_count, job.progress) == (ImportStatus.PREVIEWED, 30, 100)
    status = client.get(reverse("members:import-status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert enqueued[-1] == "quantriet.members.tasks.commit_job"
    assert (job.status, job.create_count) == (ImportStatus.DONE, 30)
    assert Member.objects.filter(card_number__startswith="3").count() == 30
    assert not tasks.progress_path(job).exists()


def test_commit_progress_is_read_from_the_progress_file(tmp_path, tree, users):
    job = ImportJob.objects.create(user=users["same_secretary"], original_name="x.xlsx", file="imports/x.xlsx",
                                   status=ImportStatus.COMMITTING, total_rows=4000)
    path = tasks.progress_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"done": 1000, "total": 4000}')
    client = __import__("tests.conftest", fromlist=["login"]).login(users["same_secretary"])
    page = client.get(reverse("members:import-status", args=[job.pk]))
    assert page.context["percent"] == 25 and "1000 of 4000 rows" in page.content.decode()


def test_upload_rejects_other_files(tmp_path, client_for, tree, monkeypatch):
    client = client_for("same_secretary")
    fake = tmp_path / "members.xlsx"
    fake.write_bytes(b"%PDF-1.7\n\x00\x01\x02 not a spreadsheet")
    response = upload(client, fake)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["This is not an .xlsx, .xls or .csv file."]
    from quantriet.members import views_io

    monkeypatch.setattr(views_io, "MAX_UPLOAD_BYTES", 1000)
    response = upload(client, write_xlsx(tmp_path / "m.xlsx", [row()]))
    assert response.context["form"].errors["file"] == ["The file is too large (at most 0 MB)."]
    response = upload(client, write_xlsx(tmp_path / "n.xlsx", [row()]), default_unit="Chi bộ thôn C")
    assert ImportJob.objects.count() == 0


def test_default_unit_from_the_form(tmp_path, client_for, tree):
    client = client_for("ancestor_staff")
    upload(client, write_xlsx(tmp_path / "m.xlsx", [row(card="30000001", unit="")]), default_unit="chi bo thon b")
    job = ImportJob.objects.get()
    assert (job.default_unit, job.create_count, job.error_rows) == (tree["cell_b"], 1, 0)


def test_template_has_the_issue_columns(client_for, tree):
    response = client_for("same_secretary").get(reverse("members:import-template"))
    assert response.status_code == 200 and response["Content-Type"] == importing_xlsx_type()
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Tôn giáo", "Số thẻ đảng viên", "Số lý lịch",
        "Ngày vào Đảng", "Ngày chính thức", "Chi bộ", "Số CCCD", "Điện thoại", "Email", "Chức vụ",
    ]


def importing_xlsx_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- permission matrix -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", USER_KINDS)
def test_import_pages_permission_matrix(kind, client_for, users, tree, tmp_path):
    file = write_xlsx(tmp_path / "m.xlsx", [row(card="30000001")])
    job = ImportJob.objects.create(user=users["same_secretary"], original_name="m.xlsx", file_kind="xlsx",
                                   status=ImportStatus.PREVIEWED, total_rows=1, create_count=1)
    job.file.save("m.xlsx", open(file, "rb"), save=True)
    client = client_for(kind)
    editors = {"same_secretary", "other_secretary", "ancestor_staff", "admin"}
    expected_open = 200 if kind in editors else (302 if kind == "anonymous" else 404)
    assert client.get(reverse("members:import")).status_code == expected_open
    assert client.get(reverse("members:import-template")).status_code == expected_open
    owner = kind == "same_secretary"
    anonymous = 302 if kind == "anonymous" else 404
    assert client.get(reverse("members:import-preview", args=[job.pk])).status_code == (200 if owner else anonymous)
    assert client.get(reverse("members:import-status", args=[job.pk])).status_code == (200 if owner else anonymous)
    response = client.post(reverse("members:import-commit", args=[job.pk]))
    assert response.status_code == (302 if owner else anonymous)
    job.refresh_from_db()
    assert job.status == (ImportStatus.DONE if owner else ImportStatus.PREVIEWED)
    assert Member.objects.filter(card_number="30000001").exists() == owner
    # GET is refused to everyone alike (the method, not the object, is wrong).
    assert client.get(reverse("members:import-commit", args=[job.pk])).status_code == (
        302 if kind == "anonymous" else 405)


# -- killing the process in the middle of a commit ---------------------------------------------------------

SETUP = """
from django.contrib.auth import get_user_model
from quantriet.units import actions
from quantriet.units.models import UnitKind, Unit
admin = get_user_model().objects.create_superuser("killer", password="Mat-khau-2026!")
root = actions.create_unit(code="K", name="Tỉnh ủy Thử", kind=UnitKind.objects.get(code="tinh-uy"), parent=None, acting_user=admin)
actions.create_unit(code="K-A", name="Chi bộ Thử", kind=UnitKind.objects.get(code="chi-bo"), parent=root, acting_user=admin)
"""
COUNT = "from quantriet.members.models import Member; print(Member.objects.filter(card_number__startswith='4').count())"


def _cli_env(database_url):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")}
    env.update(DATABASE_URL=database_url, QUANTRIET_TESTING="1", MEDIA_ROOT=str(settings.MEDIA_ROOT))
    return env


def _quantriet(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "quantriet", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=600, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_killing_the_process_mid_commit_leaves_nothing(tmp_path):
    from tests.factories import ensure_unit_kinds

    ensure_unit_kinds()  # a transactional test before this one may have flushed the seeded kinds
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        env = _cli_env(url)
    else:  # the in-memory test database is not reachable from another process: a file database
        env = _cli_env(f"sqlite:///{tmp_path / 'kill.sqlite3'}")
        migrate = _quantriet(env, "migrate", "--noinput")
        assert migrate.returncode == 0, migrate.stderr
    setup = _quantriet(env, "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    rows = [row(f"Nguyễn Văn Số{i}", card=f"4{i:07d}", unit="K-A") for i in range(1, 1301)]
    file = write_xlsx(tmp_path / "kill.xlsx", rows)

    process = subprocess.Popen(
        [sys.executable, "-m", "quantriet", "import_members", str(file), "--progress"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    seen = []
    for line in process.stderr:
        if line.startswith("progress "):
            done, total = (int(n) for n in line.split()[1].split("/"))
            seen.append(done)
            if 0 < done < total:
                process.send_signal(signal.SIGKILL)  # rows are being written inside the transaction
                break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL and seen and seen[-1] == 500
    count = _quantriet(env, "shell", "-c", COUNT)
    assert count.stdout.split()[-1:] == ["0"], count.stdout + count.stderr

    # The same file imports fully when left alone: the test can tell the two apart.
    finished = _quantriet(env, "import_members", str(file))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert _quantriet(env, "shell", "-c", COUNT).stdout.split()[-1:] == ["1300"]


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests assert the English messages; the Vietnamese ones are checked by the catalog test."""
    settings.LANGUAGE_CODE = "en"
