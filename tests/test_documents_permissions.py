"""Permission matrix of every document URL over the user kinds (anonymous … admin).

Fixture documents: `pub` 21-NQ/TW (public), `sd` a plan owned by Huyện ủy Sơn Dương (member,
same_secretary, ancestor_staff and admin see it; ancestor_staff — office of Sơn Dương — and
admin manage it), `ys` a plan owned by Huyện ủy Yên Sơn (only other_secretary and admin see it).
Out of scope answers 404; anonymous pages redirect to the login (302), the API answers 403.
"""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quantriet.core.models import AuditEntry
from quantriet.documents import actions
from quantriet.documents.models import Attachment, Bookmark, Document, DocumentRelation

from .conftest import USER_KINDS

COVERED_URLS = {
    "documents:list", "documents:create", "documents:bookmarks", "documents:detail", "documents:edit",
    "documents:bookmark", "documents:attachment-add", "documents:relation-add", "documents:attachment-download",
    "documents:attachment-delete", "documents:relation-delete",
    "document-list", "document-detail", "document-attachments", "document-relations", "document-bookmark",
    "document-read", "document-attachment-detail", "document-attachment-download", "document-relation-detail",
    "document-bookmarks-list",
}

PDF = b"%PDF-1.4\n%%EOF\n"
ALL = {kind: 200 for kind in USER_KINDS if kind != "anonymous"}


@pytest.fixture(autouse=True)
def fast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def docs(users, tree):
    admin = users["admin"]

    def make(number, unit, title):
        return actions.create_document(acting_user=admin, number=number, issuing_body="Cấp ủy", issuing_unit=unit,
                                       issued_on=datetime.date(2022, 7, 1), title=title, unit=unit)

    pub = make("21-NQ/TW", None, "về tổ chức cơ sở đảng")
    sd = make("35-KH/HU", tree["son_duong"], "kế hoạch Sơn Dương")
    ys = make("36-KH/HU", tree["yen_son"], "kế hoạch Yên Sơn")
    objects = {"pub": pub, "sd": sd, "ys": ys}
    for key in ("pub", "sd", "ys"):
        objects[f"{key}_file"] = actions.add_attachment(
            objects[key], SimpleUploadedFile(f"{key}.pdf", PDF), acting_user=admin
        )
    objects["sd_rel"] = actions.add_relation(sd, pub, "implements", acting_user=admin)
    objects["ys_rel"] = actions.add_relation(ys, pub, "implements", acting_user=admin)
    return objects


def denied() -> int:
    return AuditEntry.objects.filter(action="access_denied").count()


def expect(anonymous, member, same_secretary, other_secretary, ancestor_staff, admin):
    return dict(anonymous=anonymous, member=member, same_secretary=same_secretary,
                other_secretary=other_secretary, ancestor_staff=ancestor_staff, admin=admin)


# (url name, kwargs key in `docs` or None, method, expected status per user kind)
PAGES = [
    ("documents:list", None, "get", expect(302, 200, 200, 200, 200, 200)),
    ("documents:bookmarks", None, "get", expect(302, 200, 200, 200, 200, 200)),
    ("documents:create", None, "get", expect(302, 404, 404, 404, 200, 200)),
    ("documents:detail", "pub", "get", expect(302, 200, 200, 200, 200, 200)),
    ("documents:detail", "sd", "get", expect(302, 200, 200, 404, 200, 200)),
    ("documents:detail", "ys", "get", expect(302, 404, 404, 200, 404, 200)),
    ("documents:edit", "pub", "get", expect(302, 404, 404, 404, 404, 200)),
    ("documents:edit", "sd", "get", expect(302, 404, 404, 404, 200, 200)),
    ("documents:edit", "ys", "get", expect(302, 404, 404, 404, 404, 200)),
    ("documents:attachment-add", "sd", "get", expect(302, 404, 404, 404, 200, 200)),
    ("documents:attachment-add", "pub", "get", expect(302, 404, 404, 404, 404, 200)),
    ("documents:relation-add", "sd", "get", expect(302, 404, 404, 404, 200, 200)),
    ("documents:relation-add", "ys", "get", expect(302, 404, 404, 404, 404, 200)),
    ("documents:bookmark", "sd", "post", expect(302, 302, 302, 404, 302, 302)),
    ("documents:bookmark", "ys", "post", expect(302, 404, 404, 302, 404, 302)),
    ("documents:attachment-download", "pub_file", "get", expect(302, 200, 200, 200, 200, 200)),
    ("documents:attachment-download", "sd_file", "get", expect(302, 200, 200, 404, 200, 200)),
    ("documents:attachment-download", "ys_file", "get", expect(302, 404, 404, 200, 404, 200)),
    ("documents:attachment-delete", "sd_file", "post", expect(302, 404, 404, 404, 302, 302)),
    ("documents:attachment-delete", "pub_file", "post", expect(302, 404, 404, 404, 404, 302)),
    ("documents:relation-delete", "sd_rel", "post", expect(302, 404, 404, 404, 302, 302)),
    ("documents:relation-delete", "ys_rel", "post", expect(302, 404, 404, 404, 404, 302)),
]

API = [
    ("document-list", None, "get", expect(403, 200, 200, 200, 200, 200)),
    ("document-bookmarks-list", None, "get", expect(403, 200, 200, 200, 200, 200)),
    ("document-detail", "pub", "get", expect(403, 200, 200, 200, 200, 200)),
    ("document-detail", "sd", "get", expect(403, 200, 200, 404, 200, 200)),
    ("document-detail", "ys", "get", expect(403, 404, 404, 200, 404, 200)),
    ("document-detail", "sd", "patch", expect(403, 404, 404, 404, 200, 200)),
    ("document-detail", "pub", "patch", expect(403, 404, 404, 404, 404, 200)),
    ("document-attachments", "sd", "get", expect(403, 200, 200, 404, 200, 200)),
    ("document-attachments", "sd", "post", expect(403, 404, 404, 404, 201, 201)),
    ("document-relations", "sd", "get", expect(403, 200, 200, 404, 200, 200)),
    ("document-relations", "sd", "post", expect(403, 404, 404, 404, 201, 201)),
    ("document-bookmark", "sd", "post", expect(403, 200, 200, 404, 200, 200)),
    ("document-bookmark", "ys", "delete", expect(403, 404, 404, 204, 404, 204)),
    ("document-read", "sd", "post", expect(403, 200, 200, 404, 200, 200)),
    ("document-read", "ys", "post", expect(403, 404, 404, 200, 404, 200)),
    ("document-attachment-detail", "sd_file", "get", expect(403, 200, 200, 404, 200, 200)),
    ("document-attachment-detail", "sd_file", "delete", expect(403, 404, 404, 404, 204, 204)),
    ("document-attachment-download", "sd_file", "get", expect(403, 200, 200, 404, 200, 200)),
    ("document-attachment-download", "ys_file", "get", expect(403, 404, 404, 200, 404, 200)),
    ("document-relation-detail", "sd_rel", "get", expect(403, 200, 200, 404, 200, 200)),
    ("document-relation-detail", "sd_rel", "delete", expect(403, 404, 404, 404, 204, 204)),
    ("document-relation-detail", "ys_rel", "delete", expect(403, 404, 404, 404, 404, 204)),
]


def _url(name, key, docs):
    return reverse(name, kwargs={"pk": docs[key].pk}) if key else reverse(name)


def _body(name, method, docs):
    if name == "document-attachments" and method == "post":
        return {"file": SimpleUploadedFile("new.pdf", PDF)}, None
    if name == "document-relations" and method == "post":
        return {"kind": "guides", "target": docs["pub"].pk}, "application/json"
    if name == "document-detail" and method == "patch":
        return {"title": "đã sửa"}, "application/json"
    return {}, None


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name, key, method, expected", PAGES, ids=[f"{p[0]}[{p[1]}]-{p[2]}" for p in PAGES])
def test_pages(kind, name, key, method, expected, client_for, docs):
    client = client_for(kind)
    before = denied()
    response = getattr(client, method)(_url(name, key, docs))
    assert response.status_code == expected[kind]
    if kind == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert denied() - before == (1 if expected[kind] == 404 else 0)  # every 404 of an existing object is logged


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name, key, method, expected", API, ids=[f"{p[0]}[{p[1]}]-{p[2]}" for p in API])
def test_api(kind, name, key, method, expected, client_for, docs):
    client = client_for(kind)
    data, content_type = _body(name, method, docs)
    kwargs = {"content_type": content_type} if content_type else {}
    before = denied()
    response = getattr(client, method)(_url(name, key, docs), data, **kwargs)
    assert response.status_code == expected[kind], response.content[:300]
    assert denied() - before == (1 if expected[kind] == 404 else 0)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_lists_show_only_visible_documents(kind, client_for, docs):
    visible = {
        "anonymous": None,
        "member": {"21-NQ/TW", "35-KH/HU"}, "same_secretary": {"21-NQ/TW", "35-KH/HU"},
        "other_secretary": {"21-NQ/TW", "36-KH/HU"}, "ancestor_staff": {"21-NQ/TW", "35-KH/HU"},
        "admin": {"21-NQ/TW", "35-KH/HU", "36-KH/HU"},
    }[kind]
    client = client_for(kind)
    page = client.get("/documents/")
    api = client.get("/api/v1/documents/")
    if visible is None:
        assert (page.status_code, api.status_code) == (302, 403)
        return
    assert {d.canonical_number for d in page.context["page"]} == visible
    assert {d["number"] for d in api.json()["results"]} == visible


@pytest.mark.parametrize("kind", USER_KINDS)
def test_create_through_pages_and_api(kind, client_for, docs, tree):
    """Creating a Sơn Dương document: only its office staff and the administrator may."""
    client = client_for(kind)
    before = Document.objects.count()
    form = {"number": "40-KH/HU", "issuing_body": "Huyện ủy", "issued_on": "01/08/2022", "title": "mới",
            "unit": tree["son_duong"].pk, "kind": "", "summary": "", "body": "", "issuing_unit": ""}
    page = client.post("/documents/new/", form)
    api = client.post("/api/v1/documents/", {"number": "41-KH/HU", "issuing_body": "Huyện ủy",
                                             "issued_on": "2022-08-01", "title": "mới", "unit": tree["son_duong"].pk},
                      content_type="application/json")
    expected = {
        "anonymous": (302, 403, 0),
        # API: Sơn Dương is not a visible unit for a member or a cell secretary, so "does not exist" (400).
        "member": (404, 400, 0), "same_secretary": (404, 400, 0),
        "other_secretary": (404, 400, 0),
        "ancestor_staff": (302, 201, 2), "admin": (302, 201, 2),
    }[kind]
    assert (page.status_code, api.status_code, Document.objects.count() - before) == expected


def test_refused_changes_write_nothing(client_for, docs):
    client = client_for("member")
    counts = (Attachment.objects.count(), DocumentRelation.objects.count(), Bookmark.objects.count())
    client.post(reverse("documents:attachment-delete", kwargs={"pk": docs["sd_file"].pk}))
    client.post(reverse("documents:relation-delete", kwargs={"pk": docs["sd_rel"].pk}))
    client.post(reverse("documents:bookmark", kwargs={"pk": docs["ys"].pk}))
    client.post(f"/api/v1/documents/{docs['sd'].pk}/attachments/", {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert (Attachment.objects.count(), DocumentRelation.objects.count(), Bookmark.objects.count()) == counts


@pytest.mark.parametrize("url", [
    "/documents/999999/", "/documents/999999/edit/", "/documents/attachments/999999/download/",
    "/api/v1/documents/999999/", "/api/v1/documents/abc/", "/api/v1/document-attachments/999999/download/",
    "/api/v1/document-relations/abc/", "/api/v1/documents/99999999999999999999999/read/",
])
def test_unknown_ids_answer_404(url, client_for, docs):
    client = client_for("admin")
    response = client.post(url) if url.endswith("/read/") else client.get(url)
    assert response.status_code == 404
    assert denied() == 0  # nothing existed: nothing to log
