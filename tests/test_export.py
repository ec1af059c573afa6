"""Member export (.xlsx, .csv) and the record sheet: contents, Vietnamese headers, injection, scope."""
import csv
import datetime
import io

import openpyxl
import pytest
from docx import Document
from django.urls import reverse
from django.utils import translation

from quantriet.members import exporting
from quantriet.members.importing import MemberImporter
from quantriet.members.models import Member

from . import factories as f
from .conftest import USER_KINDS
from .test_import import io_urls, media  # noqa: F401  (fixtures: the import/export URLs, MEDIA_ROOT)

COVERED_URLS = {"members:export", "members:record-sheet"}

EXPECTED_HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Tôn giáo", "Số thẻ đảng viên", "Số lý lịch",
    "Ngày vào Đảng", "Ngày chính thức", "Chi bộ", "Số CCCD", "Điện thoại", "Email", "Chức vụ", "Trạng thái",
    "Mã chi bộ",
]


def xlsx_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(response):
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Vietnamese correctly
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_neutralize():
    assert [exporting.neutralize(v) for v in ["=1+2", "+84912", "-5", "@SUM(A1)", "\tx", "\rx", "An", "", 5]] == [
        "'=1+2", "'+84912", "'-5", "'@SUM(A1)", "'\tx", "'\rx", "An", "", 5]


def test_xlsx_export_contents(client_for, tree, people):
    f.member(tree["cell_a"], "=HYPERLINK(\"http://evil\") Ác", card_number="55555555", citizen_id="001080000001",
             phone="+84912345678", email="ac@example.vn", record_number="-1", positions=["@Bí thư", "Trưởng thôn"],
             official_date=None, status="probationary")
    response = client_for("ancestor_staff").get(reverse("members:export") + "?format=xlsx&q=ac")
    assert response.status_code == 200
    assert response["Content-Type"] == exporting.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == EXPECTED_HEADERS
    assert rows[1:] == [[
        "'=HYPERLINK(\"http://evil\") Ác", datetime.datetime(1980, 5, 17), "Nam", "Kinh", "Không", "55555555", "'-1",
        datetime.datetime(2005, 3, 1), None, "Chi bộ thôn A", "001080000001", "'+84912345678", "ac@example.vn",
        "'@Bí thư; Trưởng thôn", "Đảng viên dự bị", "TQ-SD-SN-A",
    ]]


def test_csv_export_contents_and_filters(client_for, tree, people):
    client = client_for("admin")
    response = client.get(reverse("members:export") + f"?format=csv&unit={tree['son_nam'].pk}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == EXPECTED_HEADERS
    by_name = {r[0]: r for r in rows[1:]}
    assert sorted(by_name) == ["Chẩu Văn Lâm", "Hoàng Văn Bình", "Lê Thị Kim Dung"]
    lam = by_name["Chẩu Văn Lâm"]
    assert lam == ["Chẩu Văn Lâm", "17/05/1980", "Nam", "Tày", "Không", people["self_member"].card_number, "",
                   "01/03/2005", "01/03/2006", "Chi bộ thôn A", "", "", "", "", "Đảng viên chính thức", "TQ-SD-SN-A"]
    assert by_name["Lê Thị Kim Dung"][2] == "Nữ"
    # The status filter of the list applies too.
    Member.objects.filter(pk=people["b1"].pk).update(status="exempted")
    rows = csv_rows(client.get(reverse("members:export") + "?format=csv&status=exempted"))
    assert [r[0] for r in rows[1:]] == ["Hoàng Văn Bình"]


@pytest.mark.parametrize("kind,expected", [
    ("same_secretary", ["Chẩu Văn Lâm", "Lê Thị Kim Dung"]),
    ("other_secretary", ["Nguyễn Văn Sơn"]),
    ("ancestor_staff", ["Chẩu Văn Lâm", "Hoàng Văn Bình", "Lê Thị Kim Dung"]),
    ("admin", ["Chẩu Văn Lâm", "Hoàng Văn Bình", "Lê Thị Kim Dung", "Nguyễn Văn Sơn"]),
])
def test_exports_contain_only_members_in_scope(kind, expected, client_for, tree, people):
    client = client_for(kind)
    for kind_of_file in ("csv", "xlsx"):
        response = client.get(reverse("members:export") + f"?format={kind_of_file}")
        rows = csv_rows(response) if kind_of_file == "csv" else xlsx_rows(response)
        assert sorted(r[0] for r in rows[1:]) == expected


def test_export_of_a_unit_outside_the_scope_is_404(client_for, tree, people):
    response = client_for("same_secretary").get(reverse("members:export") + f"?format=csv&unit={tree['cell_c'].pk}")
    assert response.status_code == 404


def test_export_page_counts_the_filtered_list(client_for, tree, people):
    response = client_for("ancestor_staff").get(reverse("members:export") + f"?unit={tree['cell_a'].pk}")
    assert response.status_code == 200 and response.context["count"] == 2
    page = response.content.decode()
    assert f"unit={tree['cell_a'].pk}&amp;format=xlsx" in page and f"unit={tree['cell_a'].pk}&amp;format=csv" in page


def test_exported_file_imports_back_unchanged(client_for, tree, people, users, tmp_path):
    response = client_for("admin").get(reverse("members:export") + "?format=xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    before = list(Member.objects.order_by("pk").values())
    with translation.override("en"):
        report = MemberImporter(path, user=users["admin"]).preview()
    assert (report.error_rows, report.create_count, report.update_count, report.warning_rows) == (0, 0, 4, 0)
    assert MemberImporter(path, user=users["admin"]).commit().committed
    after = list(Member.objects.order_by("pk").values())
    for row in before + after:
        row.pop("updated_at")
    assert after == before


def test_big_export_streams_with_bounded_queries(client_for, tree, django_assert_max_num_queries):
    for index in range(120):
        f.member(tree["cell_a"], f"Nguyễn Văn Số{index}", positions=["Đảng viên"])
    client = client_for("admin")
    with django_assert_max_num_queries(20):
        rows = csv_rows(client.get(reverse("members:export") + "?format=csv"))
    assert len(rows) == 1 + 120 + 4  # the header, these members and the fixtures' four


def test_record_sheet_docx_and_xlsx(client_for, tree, people):
    member = people["a2"]
    Member.objects.filter(pk=member.pk).update(phone="=cmd")
    client = client_for("same_secretary")
    response = client.get(reverse("members:record-sheet", args=[member.pk]))
    assert response.status_code == 200 and response["Content-Type"] == exporting.DOCX_CONTENT_TYPE
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "PHIẾU ĐẢNG VIÊN" in text
    values = {row.cells[0].text: row.cells[1].text for row in document.tables[1].rows}
    assert values["Họ và tên"] == "Lê Thị Kim Dung"
    assert values["Ngày sinh"] == "17/05/1980" and values["Giới tính"] == "Nữ"
    assert values["Chi bộ sinh hoạt"] == "Chi bộ thôn A" and values["Trạng thái"] == "Đảng viên chính thức"
    assert document.tables[0].rows[0].cells[1].paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    response = client.get(reverse("members:record-sheet", args=[member.pk]) + "?format=xlsx")
    assert response["Content-Type"] == exporting.XLSX_CONTENT_TYPE
    rows = xlsx_rows(response)
    assert rows[0][0] == "PHIẾU ĐẢNG VIÊN"
    assert dict(r for r in rows[1:])["Điện thoại"] == "'=cmd"


@pytest.mark.parametrize("kind", USER_KINDS)
def test_export_permission_matrix(kind, client_for, tree, people):
    client = client_for(kind)
    viewers = {"same_secretary", "other_secretary", "ancestor_staff", "admin"}
    denied = 302 if kind == "anonymous" else 404
    for query in ("", "?format=csv", "?format=xlsx"):
        assert client.get(reverse("members:export") + query).status_code == (200 if kind in viewers else denied)
    # The record sheet of a member in cell A: visible to those whose scope covers it.
    in_scope = {"same_secretary", "ancestor_staff", "admin"}
    url = reverse("members:record-sheet", args=[people["a2"].pk])
    assert client.get(url).status_code == (200 if kind in in_scope else denied)
    assert client.get(url + "?format=xlsx").status_code == (200 if kind in in_scope else denied)
    # A member sees their own record sheet.
    own = client.get(reverse("members:record-sheet", args=[people["self_member"].pk]))
    assert own.status_code == (200 if kind in in_scope | {"member"} else denied)
    assert client.get(reverse("members:record-sheet", args=[99999999])).status_code == (
        302 if kind == "anonymous" else 404)


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests assert the English messages; the Vietnamese ones are checked by the catalog test."""
    settings.LANGUAGE_CODE = "en"
