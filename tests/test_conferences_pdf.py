"""The printable sign-in sheet as PDF: same content as the .docx, Vietnamese intact, one row per invited
member plus blank rows, pages growing with the audience, a clear answer when the font is missing."""
import io

import pytest
from django.urls import reverse
from django.utils import translation

from quantriet.conferences import actions, exports

from . import factories as f
from .conftest import login
from .test_conferences import build_conference

COVERED_URLS: set[str] = set()  # the permission matrix lives in test_conferences_permissions.py


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def conf(tree, people, users):
    return build_conference(tree, people, users)


def pdf_url(conf, site_key="cell_a"):
    return reverse("conferences:signin_sheet_pdf", args=[conf[site_key].pk]) + f"?session={conf['session'].pk}"


def read_pdf(data: bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Extracted text with line breaks (a cell wraps its text) as single spaces."""
    return " ".join(text.split())


def test_pdf_sheet_has_the_docx_content_with_diacritics_intact(conf, users):
    response = login(users["same_secretary"]).get(pdf_url(conf))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="sign-in-site-{conf["cell_a"].pk}.pdf"'
    assert response.content.startswith(b"%PDF")
    reader, text = read_pdf(response.content)
    assert len(reader.pages) == 1
    for expected in ["TỈNH ỦY TUYÊN QUANG", "ĐẢNG CỘNG SẢN VIỆT NAM", "Tuyên Quang, ngày ",
                     "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ", "Hội nghị quán triệt Nghị quyết Trung ương 5",
                     "Điểm cầu: Chi bộ thôn A", "Phiên bế mạc", "STT", "Họ và tên", "Chức vụ, đơn vị", "Ký tên",
                     "Lê Thị Kim Dung", "Chẩu Văn Lâm", "Tổng số: 2 người được triệu tập."]:
        assert expected in flat(text), expected
    # sorted by given name, as on the .docx; members of other sites are not listed
    assert text.index("Lê Thị Kim Dung") < text.index("Chẩu Văn Lâm")
    assert "Hoàng Văn Bình" not in text and "Nguyễn Văn Sơn" not in text
    # numbered rows: the two invited, then blank rows for people who come uninvited
    content = exports.signin_sheet_content(conf["cell_a"], conf["session"])
    assert [row[0] for row in content["rows"]] == ["1", "2"]
    lines = [line.strip() for line in text.splitlines()]
    for number in range(3, 3 + exports.PDF_BLANK_ROWS):
        assert str(number) in lines
    # the font is embedded (a printer without DejaVu prints the same)
    fonts = {font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()
             if "/BaseFont" in font.get_object()}
    assert any("DejaVuSerif" in str(name) for name in fonts), fonts


def test_pdf_pages_grow_with_the_audience(conf, tree, users):
    def pages():
        return len(read_pdf(login(users["admin"]).get(pdf_url(conf)).content)[0].pages)

    assert pages() == 1
    for number in range(60):
        f.member(tree["cell_a"], f"Nguyễn Thị Hằng {number:02d}")
    actions.build_invitations(conf["conference"], acting_user=users["admin"])
    many = pages()
    assert many >= 3
    reader, text = read_pdf(login(users["admin"]).get(pdf_url(conf)).content)
    assert "Nguyễn Thị Hằng 59" in text and "Tổng số: 62 người được triệu tập." in flat(text)
    assert reader.pages[1].extract_text().count("Họ và tên") == 1  # the header row repeats on each page


def test_cell_meeting_heading_and_sheet_without_session(tree, people, users):
    import datetime

    from django.utils import timezone

    start = timezone.now() + datetime.timedelta(days=2)
    meeting = actions.create_cell_meeting(acting_user=users["same_secretary"], unit=tree["cell_a"],
                                          title="Sinh hoạt chi bộ tháng 8", starts_at=start,
                                          ends_at=start + datetime.timedelta(hours=2), notify=False)
    site = meeting.sites.get()
    response = login(users["same_secretary"]).get(reverse("conferences:signin_sheet_pdf", args=[site.pk]))
    assert response.status_code == 200
    _reader, text = read_pdf(response.content)
    assert "DANH SÁCH ĐẢNG VIÊN DỰ SINH HOẠT CHI BỘ" in flat(text) and "Sinh hoạt chi bộ tháng 8" in flat(text)
    assert "Chẩu Văn Lâm" in text and "Lê Thị Kim Dung" in text


def test_missing_font_answers_with_a_clear_message(conf, users, settings, tmp_path):
    settings.CONFERENCE_PDF_FONT_DIR = str(tmp_path / "no-fonts-here")
    client = login(users["same_secretary"])
    client.cookies["quantriet_language"] = "vi"
    response = client.get(pdf_url(conf))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    with translation.override("vi"):
        from django.utils.translation import gettext

        message = gettext("The PDF sign-in sheet cannot be made on this server: the Vietnamese font it needs is "
                          "not installed.")
    assert message in page and message.startswith("Máy chủ này không tạo được")
    assert "no-fonts-here/DejaVuSerif.ttf" in page and "fonts-dejavu-core" in page
    assert reverse("conferences:signin_sheet", args=[conf["cell_a"].pk]) in page  # the .docx still works
    client.cookies["quantriet_language"] = "en"
    assert "the Vietnamese font it needs is not installed" in client.get(pdf_url(conf)).content.decode()
    # a file that is not a font is missing too, not a 500
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in exports.PDF_FONT_FILES.values():
        (bad / name).write_bytes(b"not a font")
    settings.CONFERENCE_PDF_FONT_DIR = str(bad)
    assert client.get(pdf_url(conf)).status_code == 503


def test_site_page_links_both_formats_for_managers_only(conf, users):
    url = reverse("conferences:site", args=[conf["cell_a"].pk])
    page = login(users["same_secretary"]).get(url).content.decode()
    assert reverse("conferences:signin_sheet", args=[conf["cell_a"].pk]) in page
    assert f'{reverse("conferences:signin_sheet_pdf", args=[conf["cell_a"].pk])}?session={conf["session"].pk}' in page
    page = login(users["member"]).get(url).content.decode()
    assert "sign-in.pdf" not in page and "sign-in.docx" not in page


@pytest.mark.parametrize("kind,status", [("member", 404), ("other_secretary", 404), ("same_secretary", 200),
                                         ("ancestor_staff", 200), ("admin", 200)])
def test_pdf_permission_is_the_docx_one(conf, users, kind, status):
    client = login(users[kind])
    docx = client.get(reverse("conferences:signin_sheet", args=[conf["cell_a"].pk]))
    pdf = client.get(reverse("conferences:signin_sheet_pdf", args=[conf["cell_a"].pk]))
    assert docx.status_code == pdf.status_code == status

