"""The document library: numbers, model rules, search, attachments, bookmarks, reads and the API."""
import datetime
import io
import os
import unicodedata
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry
from quantriet.documents import actions, selectors
from quantriet.documents.demo import load_demo
from quantriet.documents.models import Attachment, Bookmark, Document, DocumentRelation, ReadReceipt
from quantriet.documents.numbers import (
    DocumentNumberError, find_document_numbers, parse_document_number,
)

from .conftest import login

COVERED_URLS: set[str] = set()  # the permission matrix lives in test_documents_permissions.py

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Nghị quyết số 21-NQ/TW")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_upload(name="nghi-quyet-21.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast fixtures
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files
    ) if os.path.exists(root) else []


@pytest.fixture
def library(users, tree):
    """The four 5th-plenum resolutions (public) and one internal plan of Huyện ủy Sơn Dương."""
    load_demo(io.StringIO())
    plan = actions.create_document(
        acting_user=users["admin"], number="35-KH/HU", issuing_body="Ban Thường vụ Huyện ủy Sơn Dương",
        issuing_unit=tree["son_duong"], issued_on=datetime.date(2022, 7, 22),
        title="thực hiện Nghị quyết số 21-NQ/TW về tổ chức cơ sở đảng", summary="Kế hoạch của huyện về củng cố chi bộ thôn.",
        unit=tree["son_duong"],
    )
    resolutions = {d.number: d for d in Document.objects.filter(issuer="TW")}
    return {"plan": plan, **{f"nq{n}": resolutions[n] for n in (18, 19, 20, 21)}}


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    ("21-NQ/TW", "21-NQ/TW"),
    ("21/NQ-TW", "21-NQ/TW"),
    ("21/NQ-TƯ", "21-NQ/TW"),
    ("21-NQ/TƯ", "21-NQ/TW"),
    ("Nghị quyết số 21-NQ/TW", "21-NQ/TW"),
    ("nghi quyet so 21/nq-tw", "21-NQ/TW"),
    ("Số: 35-KH/TU", "35-KH/TU"),
    ("21 - nq / tw", "21-NQ/TW"),
    ("21–NQ/TW.", "21-NQ/TW"),
    (unicodedata.normalize("NFD", "Quyết định số 294-QĐ/TƯ"), "294-QĐ/TW"),
    ("294-QD/TW", "294-QĐ/TW"),
    ("01-đa/bcsđ", "01-ĐA/BCSĐ"),
    ("1-CT/TW", "01-CT/TW"),
    ("3/ctr-tu", "03-CTr/TU"),
    ("24-BS/UBKTTU", "24-BS/UBKTTU"),
    ("08-QĐi/TW", "08-QĐi/TW"),
])
def test_parse_accepts_variants(text, canonical):
    assert parse_document_number(text).canonical == canonical


def test_parse_parts():
    parsed = parse_document_number("Nghị quyết số 21/NQ-TƯ")
    assert (parsed.number, parsed.type_code, parsed.issuer, parsed.canonical) == (21, "NQ", "TW", "21-NQ/TW")
    assert parsed.press_form == "21/NQ-TW"


@pytest.mark.parametrize("text, code", [
    ("21-NQ", "missing_issuer"),
    ("21/NQ", "missing_issuer"),
    ("NQ/TW", "missing_number"),
    ("21-XY/TW", "unknown_type"),
    ("0-NQ/TW", "number_range"),
    ("00-NQ/TW", "number_range"),
    ("-5-NQ/TW", "number_range"),
    ("", "required"),
    ("   ", "required"),
    ("21-NQ/TW/X", "malformed"),
    ("Chỉ thị số 21-NQ/TW", "type_mismatch"),
    ("Thư số 21-NQ/TW", "unknown_type_name"),
])
def test_parse_rejects(text, code):
    with pytest.raises(DocumentNumberError) as caught:
        parse_document_number(text)
    assert caught.value.code == code
    assert caught.value.messages and caught.value.messages[0]


def test_parse_messages_are_translated():
    from django.utils import translation

    with translation.override("vi"):
        with pytest.raises(DocumentNumberError) as caught:
            parse_document_number("21-NQ")
    assert "cơ quan ban hành" in caught.value.messages[0]


def test_find_numbers_in_running_text():
    text = "quán triệt Nghị quyết số 18/NQ-TW, 19-NQ/TW, 20-NQ/TW và 21/NQ-TW ... lại nhắc 21-NQ/TW; 5-XX/TW"
    assert [n.canonical for n in find_document_numbers(text)] == ["18-NQ/TW", "19-NQ/TW", "20-NQ/TW", "21-NQ/TW"]


# --- model and actions ------------------------------------------------------------------------

def test_demo_loads_the_four_resolutions_once(users):
    out = io.StringIO()
    load_demo(out)
    load_demo(out)
    docs = list(Document.objects.order_by("number"))
    assert [d.canonical_number for d in docs] == ["18-NQ/TW", "19-NQ/TW", "20-NQ/TW", "21-NQ/TW"]
    assert {d.issued_on for d in docs} == {datetime.date(2022, 6, 16)}
    assert {d.unit_id for d in docs} == {None}
    assert docs[3].title.startswith("về tăng cường củng cố, xây dựng tổ chức cơ sở đảng")
    assert "3 - 4%" in docs[3].body
    assert AuditEntry.objects.filter(action="document.create").count() == 4
    assert "Documents: 4 loaded" in out.getvalue() and "Documents: 0 loaded" in out.getvalue()


def test_create_stores_canonical_and_audits(users, tree):
    doc = actions.create_document(
        acting_user=users["ancestor_staff"], number="Kế hoạch số 12/KH-HU", issuing_body="  Huyện ủy  Sơn Dương ",
        issued_on=datetime.date(2023, 1, 5), title=unicodedata.normalize("NFD", "Kế hoạch học tập"),
        unit=tree["son_duong"],
    )
    doc.refresh_from_db()
    assert (doc.number, doc.type_code, doc.issuer, doc.canonical_number, doc.kind) == (12, "KH", "HU", "12-KH/HU", "plan")
    assert doc.title == "Kế hoạch học tập" and doc.issuing_body == "Huyện ủy Sơn Dương"
    entry = AuditEntry.objects.get(action="document.create")
    assert entry.after["canonical_number"] == "12-KH/HU"
    assert entry.scope_path == tree["son_duong"].path


def test_malformed_number_is_a_field_error_and_writes_nothing(users):
    with pytest.raises(ValidationError) as caught:
        actions.create_document(acting_user=users["admin"], number="21-NQ", issuing_body="BCH TW",
                                issued_on=datetime.date(2022, 6, 16), title="x")
    assert list(caught.value.message_dict) == ["number"]
    assert Document.objects.count() == 0 and AuditEntry.objects.filter(action="document.create").count() == 0


def test_duplicate_number_date_and_series_refused(library, users, tree):
    with pytest.raises(ValidationError) as caught:
        actions.create_document(acting_user=users["admin"], number="21/NQ-TƯ", issuing_body="Bộ Chính trị",
                                issued_on=datetime.date(2022, 6, 16), title="bản nhập trùng")
    assert "number" in caught.value.message_dict
    # The same number in another term (another date) is another document.
    again = actions.create_document(acting_user=users["admin"], number="21-NQ/TW", issuing_body="BCH TW",
                                    issued_on=datetime.date(2017, 6, 16), title="khóa trước")
    # Two provincial committees both issue "…/TU" numbers: distinct issuing units, same number and date.
    other_province = __import__("tests.factories", fromlist=["unit"]).unit("HG", "Tỉnh ủy Hà Giang", kind="tinh-uy")
    a = actions.create_document(acting_user=users["admin"], number="35-KH/TU", issuing_body="Tỉnh ủy Tuyên Quang",
                                issuing_unit=tree["province"], issued_on=datetime.date(2022, 7, 22), title="a")
    b = actions.create_document(acting_user=users["admin"], number="35-KH/TU", issuing_body="Tỉnh ủy Hà Giang",
                                issuing_unit=other_province, issued_on=datetime.date(2022, 7, 22), title="b")
    assert Document.objects.filter(canonical_number="21-NQ/TW").count() == 2 and again.pk
    assert a.series_key != b.series_key
    assert Document.objects.count() == 8


@pytest.mark.parametrize("changes, field", [
    ({"issued_on": datetime.date.today() + datetime.timedelta(days=2)}, "issued_on"),
    ({"issued_on": datetime.date(1920, 1, 1)}, "issued_on"),
    ({"kind": "directive"}, "kind"),
    ({"title": ""}, "title"),
    ({"issuing_body": ""}, "issuing_body"),
    ({"number": "21-NQ/T W"}, "number"),
])
def test_update_validation(library, users, changes, field):
    doc = library["nq21"]
    with pytest.raises(ValidationError) as caught:
        actions.update_document(doc, acting_user=users["admin"], **changes)
    assert field in caught.value.message_dict
    doc.refresh_from_db()
    assert doc.canonical_number == "21-NQ/TW" and doc.kind == "resolution"


def test_management_permissions(library, users, tree):
    plan = library["plan"]
    actions.update_document(plan, acting_user=users["ancestor_staff"], title="kế hoạch đã sửa")
    for kind in ("member", "same_secretary", "other_secretary"):
        with pytest.raises(ActionDenied):
            actions.update_document(plan, acting_user=users[kind], title="x")
    # Office staff of a district may not edit public documents, nor move their plan to public.
    with pytest.raises(ActionDenied):
        actions.update_document(library["nq21"], acting_user=users["ancestor_staff"], title="x")
    with pytest.raises(ActionDenied):
        actions.update_document(plan, acting_user=users["ancestor_staff"], unit=None)
    with pytest.raises(ActionDenied):
        actions.create_document(acting_user=users["ancestor_staff"], number="1-KH/HU", issuing_body="HU",
                                issued_on=datetime.date(2022, 1, 1), title="x", unit=tree["yen_son"])
    plan.refresh_from_db()
    assert plan.title == "kế hoạch đã sửa" and plan.unit_id == tree["son_duong"].pk


def test_visibility(library, users):
    plan = library["plan"]
    expected = {"member": True, "same_secretary": True, "other_secretary": False, "ancestor_staff": True, "admin": True}
    for kind, sees_plan in expected.items():
        visible = set(selectors.visible_documents(users[kind]).values_list("canonical_number", flat=True))
        assert visible == {"18-NQ/TW", "19-NQ/TW", "20-NQ/TW", "21-NQ/TW"} | ({"35-KH/HU"} if sees_plan else set()), kind
    from django.contrib.auth.models import AnonymousUser

    assert selectors.visible_documents(AnonymousUser()).count() == 0
    assert plan.pk


# --- search -----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("nghi quyet to chuc co so dang", ["21-NQ/TW"]),
    ("NGHỊ QUYẾT tổ chức cơ sở đảng", ["21-NQ/TW"]),
    (unicodedata.normalize("NFD", "đội ngũ đảng viên"), ["21-NQ/TW"]),
    ("21/NQ-TW", ["21-NQ/TW"]),
    ("Nghị quyết số 19/NQ-TƯ", ["19-NQ/TW"]),
    ("nong thon 2045", ["19-NQ/TW"]),
    ("kinh te tap the", ["20-NQ/TW"]),
    ("su dung dat", ["18-NQ/TW"]),
    ("thon ban to dan pho co chi bo", ["21-NQ/TW"]),  # in the body only
    ("hoan thanh tot nhiem vu", ["21-NQ/TW"]),
    ("ban chap hanh trung uong", ["18-NQ/TW", "19-NQ/TW", "20-NQ/TW", "21-NQ/TW"]),
    ("nghi quyet hop tac xa vu tru", []),
    ("!!!", []),
    ("21-NQ/TU", []),
])
def test_search_public(library, users, query, expected):
    # Yên Sơn's secretary does not see Sơn Dương's plan: only the public resolutions.
    found = selectors.search(selectors.visible_documents(users["other_secretary"]), query)
    assert sorted(d.canonical_number for d in found) == expected


def test_search_respects_visibility(library, users):
    for kind, count in (("member", 2), ("other_secretary", 1)):
        found = selectors.search(selectors.visible_documents(users[kind]), "to chuc co so dang")
        assert len(found) == count, kind  # 21-NQ/TW, plus the Sơn Dương plan for those who see it


def test_search_ranking(library, users):
    """PostgreSQL ranks title over summary over body; the SQLite fallback lists the newest first."""
    actions.create_document(acting_user=users["admin"], number="05-QĐ/TU", issuing_body="Tỉnh ủy",
                            issued_on=datetime.date(2018, 1, 2), title="về chức năng, nhiệm vụ của chi bộ thôn")
    found = [d.canonical_number for d in selectors.search(Document.objects.all(), "chi bo thon")]
    if connection.vendor == "postgresql":
        assert found == ["05-QĐ/TU", "35-KH/HU", "21-NQ/TW"]  # title (A), summary (B), body (C)
    else:
        assert found == ["35-KH/HU", "21-NQ/TW", "05-QĐ/TU"]


def test_search_uses_the_gin_index_on_postgres(library):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    qs = selectors.search(Document.objects.all(), "to chuc co so dang")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "document_search_gin" in plan


def test_search_text_updates_on_edit(library, users):
    actions.update_document(library["nq20"], acting_user=users["admin"], summary="Hợp tác xã kiểu mới ở Chiêm Hóa")
    found = selectors.search(Document.objects.all(), "chiem hoa")
    assert [d.canonical_number for d in found] == ["20-NQ/TW"]


# --- attachments ------------------------------------------------------------------------------

def test_attach_pdf_and_docx(library, users, media):
    pdf = actions.add_attachment(library["nq21"], pdf_upload(), acting_user=users["admin"])
    docx_file = SimpleUploadedFile("huong-dan.docx", docx_bytes())
    docx_att = actions.add_attachment(library["nq21"], docx_file, acting_user=users["admin"])
    assert (pdf.content_type, pdf.size, pdf.original_name) == ("application/pdf", len(PDF_BYTES), "nghi-quyet-21.pdf")
    assert docx_att.content_type == Attachment.DOCX
    assert len(stored_files(media)) == 2
    assert not str(pdf.file.name).endswith("nghi-quyet-21.pdf")  # stored under a random name
    assert AuditEntry.objects.filter(action="document.attachment.add").count() == 2


@pytest.mark.parametrize("name, content, code", [
    ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "bad_content"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200, "bad_extension"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "bad_extension"),
    ("renamed.docx", PDF_BYTES, "mismatch"),
    ("archive.docx", None, "bad_content"),  # a ZIP that is not a Word package
    ("empty.pdf", b"", "empty"),
    ("broken.docx", b"PK\x03\x04garbage", "bad_content"),
])
def test_attachment_refused_and_nothing_saved(library, users, media, name, content, code):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            package.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    with pytest.raises(ValidationError) as caught:
        actions.add_attachment(library["nq21"], SimpleUploadedFile(name, content), acting_user=users["admin"])
    assert list(caught.value.message_dict) == ["file"]
    assert caught.value.error_dict["file"][0].code == code
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_oversized_attachment_refused(library, users, media, settings):
    settings.QUANTRIET_DOCUMENT_MAX_UPLOAD_BYTES = 1024
    big = pdf_upload(content=PDF_BYTES + b"0" * 2000)
    with pytest.raises(ValidationError) as caught:
        actions.add_attachment(library["nq21"], big, acting_user=users["admin"])
    assert caught.value.error_dict["file"][0].code == "too_large"
    assert Attachment.objects.count() == 0 and stored_files(media) == []
    # The page shows the message on the field, and stores nothing.
    response = login(users["admin"]).post(
        f"/documents/{library['nq21'].pk}/attachments/new/", {"file": pdf_upload(content=PDF_BYTES + b"0" * 2000)}
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["file"]] == ["too_large"]
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_attachment_not_saved_when_the_database_write_fails(library, users, media, monkeypatch):
    from quantriet.documents import actions as document_actions

    def boom(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(document_actions.audit, "record", boom)
    with pytest.raises(RuntimeError):
        actions.add_attachment(library["nq21"], pdf_upload(), acting_user=users["admin"])
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_download_checks_visibility(library, users, media):
    attachment = actions.add_attachment(library["plan"], pdf_upload("ke-hoach.pdf"), acting_user=users["admin"])
    response = login(users["member"]).get(f"/documents/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "ke-hoach.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES
    denied = login(users["other_secretary"]).get(f"/documents/attachments/{attachment.pk}/download/")
    assert denied.status_code == 404
    assert AuditEntry.objects.filter(action="access_denied").count() == 1
    api = login(users["other_secretary"]).get(f"/api/v1/document-attachments/{attachment.pk}/download/")
    assert api.status_code == 404


def test_remove_attachment_deletes_the_file(library, users, media, django_capture_on_commit_callbacks):
    attachment = actions.add_attachment(library["nq21"], pdf_upload(), acting_user=users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_attachment(attachment, acting_user=users["admin"])
    assert Attachment.objects.count() == 0 and stored_files(media) == []


# --- relations --------------------------------------------------------------------------------

def test_relations(library, users):
    plan, nq21 = library["plan"], library["nq21"]
    relation = actions.add_relation(plan, nq21, "implements", acting_user=users["ancestor_staff"])
    from django.utils import translation

    with translation.override("vi"):
        assert str(relation) == "35-KH/HU thực hiện 21-NQ/TW"
    with pytest.raises(ValidationError):
        actions.add_relation(plan, nq21, "implements", acting_user=users["ancestor_staff"])
    with pytest.raises(ValidationError):
        actions.add_relation(plan, plan, "guides", acting_user=users["ancestor_staff"])
    with pytest.raises(ValidationError):
        actions.add_relation(plan, nq21, "cancels", acting_user=users["ancestor_staff"])
    with pytest.raises(ActionDenied):  # may not manage the public resolution
        actions.add_relation(nq21, plan, "guides", acting_user=users["ancestor_staff"])
    actions.add_relation(library["nq19"], library["nq18"], "replaces", acting_user=users["admin"])
    with pytest.raises(ValidationError):
        actions.add_relation(library["nq18"], library["nq19"], "replaces", acting_user=users["admin"])
    assert DocumentRelation.objects.count() == 2
    page = login(users["member"]).get(f"/documents/{nq21.pk}/")
    assert [r.source.canonical_number for r in page.context["relations_in"]] == ["35-KH/HU"]
    hidden = login(users["other_secretary"]).get(f"/documents/{nq21.pk}/")
    assert list(hidden.context["relations_in"]) == []  # the plan is not visible to Yên Sơn


def test_relation_form_by_number(library, users):
    client = login(users["ancestor_staff"])
    url = f"/documents/{library['plan'].pk}/relations/new/"
    bad = client.post(url, {"kind": "implements", "target": "21-NQ"})
    assert bad.status_code == 200 and "target" in bad.context["form"].errors
    unknown = client.post(url, {"kind": "implements", "target": "99-NQ/TW"})
    assert "target" in unknown.context["form"].errors
    ok = client.post(url, {"kind": "implements", "target": "21/NQ-TƯ"})
    assert ok.status_code == 302
    assert DocumentRelation.objects.get().target == library["nq21"]


# --- bookmarks and reads ----------------------------------------------------------------------

def test_bookmark_toggle_with_htmx_and_list(library, users):
    client = login(users["member"])
    url = f"/documents/{library['nq21'].pk}/bookmark/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "★" in response.content.decode()
    assert list(Bookmark.objects.values_list("user__username", "document__number")) == [("member", 21)]
    page = client.get("/documents/bookmarks/")
    assert [b.document.canonical_number for b in page.context["page"]] == ["21-NQ/TW"]
    response = client.post(url)
    assert response.status_code == 302 and Bookmark.objects.count() == 0
    assert list(AuditEntry.objects.filter(action__contains="bookmark").values_list("action", flat=True)) == [
        "document.unbookmark", "document.bookmark",
    ]


def test_bookmark_refused_when_not_visible(library, users):
    with pytest.raises(ActionDenied):
        actions.bookmark(library["plan"], acting_user=users["other_secretary"])
    assert login(users["other_secretary"]).post(f"/documents/{library['plan'].pk}/bookmark/").status_code == 404
    assert Bookmark.objects.count() == 0


def test_read_receipts(library, users):
    client = login(users["member"])
    doc = library["nq21"]
    client.get(f"/documents/{doc.pk}/")
    receipt = ReadReceipt.objects.get()
    first = receipt.first_read_at
    client.get(f"/documents/{doc.pk}/")
    response = client.post(f"/api/v1/documents/{doc.pk}/read/")
    receipt.refresh_from_db()
    assert (receipt.read_count, receipt.first_read_at) == (3, first)
    assert receipt.last_read_at >= first
    assert response.json()["read_count"] == 3
    assert AuditEntry.objects.filter(action="document.read").count() == 1  # only the first read is audited


# --- pages ------------------------------------------------------------------------------------

def test_list_filters(library, users):
    client = login(users["admin"])
    assert client.get("/documents/").context["page"].paginator.count == 5
    for query, count in (("?type=KH", 1), ("?type=NQ&year=2022", 4), ("?issuer=tư", 4), ("?year=2021", 0),
                         ("?q=nghi+quyet+to+chuc+co+so+dang", 2), ("?q=21%2FNQ-TW", 1)):
        response = client.get(f"/documents/{query}")
        assert response.status_code == 200
        assert response.context["page"].paginator.count == count, query
    for bad in ("?year=abc", "?year=1800", "?type=ZZ"):
        response = client.get(f"/documents/{bad}")
        assert response.status_code == 200 and response.context["form"].errors, bad
        assert response.context["page"].paginator.count == 0


def test_create_and_edit_pages(library, users, tree):
    client = login(users["ancestor_staff"])
    data = {"number": "12/KH-HU", "kind": "", "issuing_body": "Huyện ủy Sơn Dương", "issued_on": "05/01/2023",
            "title": "Kế hoạch học tập Nghị quyết", "summary": "", "body": "", "unit": tree["son_duong"].pk,
            "issuing_unit": ""}
    response = client.post("/documents/new/", data)
    assert response.status_code == 302
    doc = Document.objects.get(canonical_number="12-KH/HU")
    assert doc.unit_id == tree["son_duong"].pk and doc.created_by == users["ancestor_staff"]
    bad = client.post("/documents/new/", {**data, "number": "21-NQ"})
    assert bad.status_code == 200 and "number" in bad.context["form"].errors
    public = client.post("/documents/new/", {**data, "number": "13-KH/HU", "unit": ""})
    assert public.status_code == 200 and "unit" in public.context["form"].errors  # district staff: not public
    dup = client.post("/documents/new/", data)
    assert dup.status_code == 200 and "number" in dup.context["form"].errors
    outside = client.post("/documents/new/", {**data, "number": "14-KH/HU", "unit": tree["yen_son"].pk})
    assert outside.status_code == 200 and "unit" in outside.context["form"].errors
    edit = client.post(f"/documents/{doc.pk}/edit/", {**data, "title": "Tên mới"})
    assert edit.status_code == 302
    doc.refresh_from_db()
    assert doc.title == "Tên mới"
    assert Document.objects.filter(canonical_number__in=["13-KH/HU", "14-KH/HU"]).count() == 0


# --- API --------------------------------------------------------------------------------------

def test_api_list_search_and_retrieve(library, users):
    client = login(users["member"])
    data = client.get("/api/v1/documents/?q=nghi quyet to chuc co so dang").json()
    assert sorted(d["number"] for d in data["results"]) == ["21-NQ/TW", "35-KH/HU"]
    data = login(users["other_secretary"]).get("/api/v1/documents/?q=nghi quyet to chuc co so dang").json()
    assert [d["number"] for d in data["results"]] == ["21-NQ/TW"]
    data = client.get("/api/v1/documents/?q=21/NQ-TW").json()
    assert data["count"] == 1
    doc = client.get(f"/api/v1/documents/{library['nq21'].pk}/").json()
    assert doc["number"] == "21-NQ/TW" and doc["number_value"] == 21 and doc["is_public"] is True
    assert "3 - 4%" in doc["body"] and doc["is_bookmarked"] is False
    assert client.get("/api/v1/documents/?type=NQ&year=2022&issuer=TW").json()["count"] == 4


def test_api_create_update_and_bad_input(library, users, tree):
    client = login(users["ancestor_staff"])
    payload = {"number": "12/KH-HU", "issuing_body": "Huyện ủy Sơn Dương", "issued_on": "2023-01-05",
               "title": "Kế hoạch", "unit": tree["son_duong"].pk}
    created = client.post("/api/v1/documents/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["number"] == "12-KH/HU" and created.json()["kind"] == "plan"
    pk = created.json()["id"]
    bad_cases = [
        ({**payload, "number": "21-NQ"}, "number"),
        ({**payload, "number": "21-ZZ/TW"}, "number"),
        ({**payload, "number": 21}, "number"),
        ({**payload, "issued_on": "yesterday"}, "issued_on"),
        ({**payload, "unit": "abc"}, "unit"),
        ({**payload, "unit": 99999999999999999999}, "unit"),
        ({**payload, "unit": tree["yen_son"].pk}, "unit"),  # not visible to Sơn Dương staff: "does not exist"
        ({**payload, "kind": "poem"}, "kind"),
        ({**payload, "colour": "red"}, "colour"),
        ({**payload, "number": "12-KH/HU"}, "number"),  # duplicate of the one just created
        ({**payload, "number": "13-KH/HU", "kind": "directive"}, "kind"),
    ]
    for body, field in bad_cases:
        response = client.post("/api/v1/documents/", body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (field, response.json())
    assert Document.objects.filter(issuer="HU").count() == 2  # 35-KH/HU and 12-KH/HU
    patched = client.patch(f"/api/v1/documents/{pk}/", {"title": "Đã sửa"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["title"] == "Đã sửa"
    bad_patch = client.patch(f"/api/v1/documents/{pk}/", {"number": "NQ/TW"}, content_type="application/json")
    assert bad_patch.status_code == 400 and "number" in bad_patch.json()
    denied = client.patch(f"/api/v1/documents/{library['nq21'].pk}/", {"title": "x"}, content_type="application/json")
    assert denied.status_code == 404
    for missing in ("999999", "abc", "99999999999999999999999"):
        assert client.get(f"/api/v1/documents/{missing}/").status_code == 404
        assert client.post(f"/api/v1/documents/{missing}/bookmark/").status_code == 404
    assert client.get("/api/v1/documents/?year=20x2").status_code == 400


def test_api_attachments_relations_bookmarks(library, users, media, settings):
    admin = login(users["admin"])
    nq21 = library["nq21"]
    upload = admin.post(f"/api/v1/documents/{nq21.pk}/attachments/", {"file": pdf_upload()})
    assert upload.status_code == 201 and upload.json()["content_type"] == "application/pdf"
    exe = admin.post(f"/api/v1/documents/{nq21.pk}/attachments/", {"file": SimpleUploadedFile("x.pdf", b"MZ" * 50)})
    assert exe.status_code == 400 and "file" in exe.json()
    none = admin.post(f"/api/v1/documents/{nq21.pk}/attachments/", {})
    assert none.status_code == 400 and "file" in none.json()
    settings.QUANTRIET_DOCUMENT_MAX_UPLOAD_BYTES = 100
    big = admin.post(f"/api/v1/documents/{nq21.pk}/attachments/", {"file": pdf_upload(content=PDF_BYTES * 3)})
    assert big.status_code == 400 and "file" in big.json()
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1
    listing = login(users["member"]).get(f"/api/v1/documents/{nq21.pk}/attachments/").json()
    assert [a["name"] for a in listing] == ["nghi-quyet-21.pdf"]
    download = login(users["member"]).get(listing[0]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES

    staff = login(users["ancestor_staff"])
    plan = library["plan"]
    for body in ({"kind": "implements", "target": 999999}, {"kind": "implements", "target": "x"},
                 {"kind": "cancels", "target": nq21.pk}, {"kind": "implements"},
                 {"kind": "implements", "target": plan.pk}, {"kind": "implements", "target": nq21.pk, "extra": 1}):
        response = staff.post(f"/api/v1/documents/{plan.pk}/relations/", body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
    created = staff.post(f"/api/v1/documents/{plan.pk}/relations/", {"kind": "implements", "target": nq21.pk},
                         content_type="application/json")
    assert created.status_code == 201 and created.json()["target_number"] == "21-NQ/TW"
    assert staff.get(f"/api/v1/documents/{plan.pk}/").json()["relations"][0]["kind"] == "implements"

    member = login(users["member"])
    assert member.post(f"/api/v1/documents/{nq21.pk}/bookmark/").status_code == 200
    assert member.post(f"/api/v1/documents/{nq21.pk}/bookmark/").status_code == 200  # idempotent
    marks = member.get("/api/v1/document-bookmarks/").json()
    assert [m["document"]["number"] for m in marks["results"]] == ["21-NQ/TW"]
    assert member.delete(f"/api/v1/documents/{nq21.pk}/bookmark/").status_code == 204
    assert Bookmark.objects.count() == 0
