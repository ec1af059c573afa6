"""Permission matrix of every oversight URL and API endpoint, the privacy of working notes, and bad input.

World (`build_world`): the province's inspection commission has a 2023 programme with
- `sup`  a thematic supervision of Huyện ủy Sơn Dương (head Lê Thị Kim Dung, team member Chẩu Văn Lâm — the
         `member` user): self-report with a PDF, working notes, conclusion 01-TB/UBKTTU issued with two
         recommendations; `rec1` has a submitted report with an evidence file (`report1`), `rec2` none;
- `draft_sd` an inspection of Sơn Dương with a self-report requested, a draft conclusion and a note;
- `ins`  a planned inspection of Huyện ủy Yên Sơn.
Kinds: member — team of `sup` only; same/other secretary — nothing; ancestor_staff (office of Sơn Dương) —
the subject of `sup` and `draft_sd`; admin and `inspector` (inspector on the province) — everything, managing.
"""
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quantriet.core.models import AuditEntry
from quantriet.oversight import actions
from quantriet.oversight.models import Conclusion, Item, Note, Program

from . import factories as f
from .conftest import USER_KINDS, login

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
SECRET = "GHI-CHU-NOI-BO-7731"
SECRET_DRAFT = "NHAN-XET-DU-THAO-5521"
KINDS = USER_KINDS + ["inspector"]

COVERED_URLS = {
    "oversight:program-list", "oversight:program-create", "oversight:program-detail", "oversight:program-calendar",
    "oversight:program-export", "oversight:item-create", "oversight:item-detail",
    "oversight:item-request-self-report", "oversight:item-self-report", "oversight:item-self-report-download",
    "oversight:note-create", "oversight:item-close", "oversight:conclusion", "oversight:conclusion-edit",
    "oversight:conclusion-issue", "oversight:conclusion-docx", "oversight:recommendation-create",
    "oversight:recommendations", "oversight:recommendations-export", "oversight:recommendation-report",
    "oversight:recommendation-close", "oversight:recommendation-review", "oversight:unit-history",
    "oversight:program-edit", "oversight:member-search", "oversight:item-edit", "oversight:item-delete",
    "oversight-program-list", "oversight-program-detail", "oversight-item-list", "oversight-item-detail",
    "oversight-item-request-self-report", "oversight-item-self-report", "oversight-item-notes",
    "oversight-item-close", "oversight-conclusion-list", "oversight-conclusion-detail", "oversight-conclusion-issue",
    "oversight-conclusion-recommendations", "oversight-recommendation-list", "oversight-recommendation-detail",
    "oversight-recommendation-report", "oversight-recommendation-review", "oversight-recommendation-close",
}


def pdf(name="bao-cao.pdf"):
    return SimpleUploadedFile(name, PDF)


def build_world(users, tree, people):
    admin = users["admin"]
    program = actions.create_program(acting_user=admin, unit=tree["province"], body="commission", year=2023,
                                     title="Chương trình kiểm tra, giám sát năm 2023 của Ủy ban Kiểm tra Tỉnh ủy")

    def item(kind, subject, topic, **extra):
        return actions.create_item(program, acting_user=admin, kind=kind, subject_unit=subject, topic=topic,
                                   period_from=D(2022, 7, 1), period_to=D(2022, 12, 31), starts_on=D(2023, 3, 1),
                                   ends_on=D(2023, 3, 31), **extra)

    sup = item("supervision_thematic", tree["son_duong"], "việc thực hiện Nghị quyết 21-NQ/TW",
               team_head=people["a2"], team_members=[people["self_member"]])
    actions.request_self_report(sup, acting_user=admin, due_on=D(2023, 3, 10))
    actions.submit_self_report(sup, acting_user=admin, text="Huyện ủy đã ban hành kế hoạch.", file=pdf())
    actions.add_note(sup, acting_user=admin, text=SECRET, kind="finding")
    actions.save_conclusion(sup, acting_user=admin, strengths="Ban hành kế hoạch kịp thời.",
                            shortcomings="Một số chi bộ chưa sinh hoạt chuyên đề.", causes="Chưa sâu sát.")
    rec1 = actions.add_recommendation(sup, acting_user=admin, text="Củng cố chi bộ yếu kém.", deadline=D(2023, 9, 30))
    rec2 = actions.add_recommendation(sup, acting_user=admin, text="Báo cáo kết quả khắc phục.",
                                      deadline=D(2023, 12, 31))
    conclusion = actions.issue_conclusion(sup, acting_user=admin, issued_on=D(2023, 4, 20))
    rec1.refresh_from_db()
    rec2.refresh_from_db()
    report1 = actions.report_on_recommendation(rec1, acting_user=admin, as_of=D(2023, 9, 1),
                                               narrative="Đã củng cố 3 chi bộ.", files=[pdf("minh-chung.pdf")])
    draft_sd = item("inspection", tree["son_duong"], "việc lãnh đạo thực hiện kế hoạch")
    actions.request_self_report(draft_sd, acting_user=admin, due_on=D(2023, 3, 20))
    actions.add_note(draft_sd, acting_user=admin, text=SECRET_DRAFT)
    draft = actions.save_conclusion(draft_sd, acting_user=admin, strengths="Dự thảo ưu điểm " + SECRET_DRAFT)
    ins = item("inspection", tree["yen_son"], "việc thực hiện quy chế làm việc")
    return {"program": program, "sup": sup, "draft_sd": draft_sd, "ins": ins, "conclusion": conclusion,
            "draft": draft, "rec1": rec1, "rec2": rec2, "report1": report1, "tree": tree}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def all_users(users, tree):
    return {**users, "inspector": f.user("kiemtra", "inspector", tree["province"])}


@pytest.fixture
def world(all_users, tree, people):
    return build_world(all_users, tree, people)


def expect(anonymous, member, same_secretary, other_secretary, ancestor_staff, admin, inspector):
    return dict(anonymous=anonymous, member=member, same_secretary=same_secretary, other_secretary=other_secretary,
                ancestor_staff=ancestor_staff, admin=admin, inspector=inspector)


ALL = expect(302, 200, 200, 200, 200, 200, 200)
SEES_SUP = expect(302, 200, 404, 404, 200, 200, 200)
MANAGE = expect(302, 404, 404, 404, 404, 200, 200)
MANAGE_REDIRECTED = expect(302, 404, 404, 404, 404, 302, 302)
NOT_ALLOWED = expect(302, 405, 405, 405, 405, 405, 405)  # the method is refused before anything is looked up
CAN_CREATE = expect(302, 404, 404, 404, 200, 200, 200)

PAGES = [
    ("oversight:program-list", None, "get", ALL),
    ("oversight:recommendations", None, "get", ALL),
    ("oversight:recommendations-export", None, "get", ALL),
    ("oversight:program-create", None, "get", CAN_CREATE),
    ("oversight:program-detail", "program", "get", SEES_SUP),
    ("oversight:program-calendar", "program", "get", SEES_SUP),
    ("oversight:program-export", "program", "get", SEES_SUP),
    ("oversight:item-create", "program", "get", MANAGE),
    ("oversight:item-detail", "sup", "get", SEES_SUP),
    ("oversight:item-detail", "draft_sd", "get", expect(302, 404, 404, 404, 200, 200, 200)),
    ("oversight:item-detail", "ins", "get", MANAGE),
    ("oversight:item-request-self-report", "ins", "get", MANAGE),
    ("oversight:item-self-report", "draft_sd", "get", expect(302, 404, 404, 404, 200, 200, 200)),
    ("oversight:item-self-report", "sup", "get", expect(302, 404, 404, 404, 404, 404, 404)),
    ("oversight:item-self-report-download", "sup", "get", SEES_SUP),
    ("oversight:note-create", "sup", "post", expect(302, 302, 404, 404, 404, 302, 302)),
    ("oversight:note-create", "draft_sd", "post", expect(302, 404, 404, 404, 404, 302, 302)),
    ("oversight:item-close", "sup", "get", MANAGE),
    ("oversight:conclusion", "sup", "get", SEES_SUP),
    ("oversight:conclusion", "draft_sd", "get", MANAGE),
    ("oversight:conclusion-edit", "draft_sd", "get", MANAGE),
    ("oversight:conclusion-edit", "sup", "get", expect(302, 404, 404, 404, 404, 302, 302)),
    ("oversight:conclusion-issue", "draft_sd", "get", MANAGE),
    ("oversight:conclusion-docx", "sup", "get", SEES_SUP),
    ("oversight:conclusion-docx", "draft_sd", "get", MANAGE),
    ("oversight:recommendation-create", "draft_sd", "get", MANAGE),
    ("oversight:recommendation-report", "rec2", "get", expect(302, 404, 404, 404, 200, 200, 404)),
    ("oversight:recommendation-close", "rec1", "get", MANAGE),
    ("oversight:recommendation-review", "report1", "get", MANAGE),
    ("oversight:unit-history", "son_duong", "get", expect(302, 404, 404, 404, 200, 200, 200)),
    ("oversight:program-edit", "program", "get", MANAGE),
    ("oversight:program-edit", "program", "post", MANAGE_REDIRECTED),
    ("oversight:member-search", "program", "get", MANAGE),
    ("oversight:member-search", "program", "post", NOT_ALLOWED),
    ("oversight:item-edit", "ins", "get", MANAGE),
    ("oversight:item-edit", "ins", "post", MANAGE_REDIRECTED),
    ("oversight:item-edit", "sup", "get", MANAGE_REDIRECTED),  # issued: refused with a message
    ("oversight:item-edit", "sup", "post", MANAGE_REDIRECTED),
    ("oversight:item-edit", "draft_sd", "get", MANAGE),
    ("oversight:item-delete", "ins", "post", MANAGE_REDIRECTED),
    ("oversight:item-delete", "ins", "get", NOT_ALLOWED),
    ("oversight:item-delete", "sup", "post", MANAGE_REDIRECTED),  # issued: refused with a message
    ("oversight:item-delete", "draft_sd", "post", MANAGE_REDIRECTED),  # notes and a draft: refused
]

API_ALL = expect(403, 200, 200, 200, 200, 200, 200)
API_SEES_SUP = expect(403, 200, 404, 404, 200, 200, 200)


def api_manage(ok):
    return expect(403, 404, 404, 404, 404, ok, ok)


API = [
    ("oversight-program-list", None, "get", API_ALL),
    ("oversight-program-list", None, "post", expect(403, 400, 400, 400, 400, 201, 201)),
    ("oversight-program-detail", "program", "get", API_SEES_SUP),
    ("oversight-item-list", None, "get", API_ALL),
    ("oversight-item-list", None, "post", expect(403, 400, 400, 400, 404, 201, 201)),
    ("oversight-item-detail", "sup", "get", API_SEES_SUP),
    ("oversight-item-request-self-report", "ins", "post", api_manage(200)),
    ("oversight-item-self-report", "draft_sd", "post", expect(403, 404, 404, 404, 200, 200, 200)),
    ("oversight-item-notes", "sup", "get", expect(403, 200, 404, 404, 404, 200, 200)),
    ("oversight-item-notes", "sup", "post", expect(403, 201, 404, 404, 404, 201, 201)),
    ("oversight-item-close", "sup", "post", api_manage(400)),
    ("oversight-conclusion-list", None, "get", API_ALL),
    ("oversight-conclusion-list", None, "post", expect(403, 400, 400, 400, 400, 201, 201)),
    ("oversight-conclusion-detail", "conclusion", "get", API_SEES_SUP),
    ("oversight-conclusion-detail", "draft", "patch", api_manage(200)),
    ("oversight-conclusion-detail", "conclusion", "patch", expect(403, 404, 404, 404, 404, 400, 400)),
    ("oversight-conclusion-issue", "draft", "post", api_manage(400)),
    ("oversight-conclusion-recommendations", "draft", "post", api_manage(201)),
    ("oversight-recommendation-list", None, "get", API_ALL),
    ("oversight-recommendation-detail", "rec1", "get", API_SEES_SUP),
    ("oversight-recommendation-report", "rec2", "post", expect(403, 404, 404, 404, 201, 201, 404)),
    ("oversight-recommendation-review", "rec1", "post", api_manage(200)),
    ("oversight-recommendation-close", "rec1", "post", api_manage(400)),
]


def denied() -> int:
    return AuditEntry.objects.filter(action="access_denied").count()


def _obj(world, key):
    return world["tree"][key] if key in world["tree"] else world[key]


def _url(name, key, world):
    return reverse(name, kwargs={"pk": _obj(world, key).pk}) if key else reverse(name)


QUERIES = {"oversight:member-search": "?q=dung&field=team_head_card"}


def _item_body(world):
    return {"kind": "inspection", "subject_unit": world["tree"]["yen_son"].pk, "topic": "Quy chế làm việc (sửa)",
            "period_from": "01/07/2022", "period_to": "31/12/2022", "starts_on": "01/03/2023", "ends_on": "15/04/2023"}


def _page_body(name, world):
    return {"oversight:note-create": {"kind": "note", "text": "Ghi chú mới"},
            "oversight:program-edit": {"title": "Chương trình (đã sửa)", "year": 2023, "body": "commission"},
            "oversight:item-edit": _item_body(world)}.get(name, {})


def _api_body(name, method, world):
    tree = world["tree"]
    bodies = {
        ("oversight-program-list", "post"): {"unit": tree["province"].pk, "body": "committee", "year": 2024,
                                             "title": "Chương trình kiểm tra, giám sát năm 2024"},
        ("oversight-item-list", "post"): {"program": world["program"].pk, "kind": "inspection",
                                          "subject_unit": tree["son_nam"].pk, "topic": "Sinh hoạt chi bộ",
                                          "period_from": "2022-01-01", "period_to": "2022-12-31",
                                          "starts_on": "2023-06-01", "ends_on": "2023-06-30"},
        ("oversight-item-request-self-report", "post"): {"due_on": "2023-03-15"},
        ("oversight-item-notes", "post"): {"text": "Ghi chú qua API"},
        ("oversight-item-close", "post"): {"closed_on": "2024-01-10"},
        ("oversight-conclusion-list", "post"): {"item": world["ins"].pk, "strengths": "Ưu điểm"},
        ("oversight-conclusion-detail", "patch"): {"causes": "Nguyên nhân"},
        ("oversight-conclusion-issue", "post"): {"issued_on": "2023-05-01"},
        ("oversight-conclusion-recommendations", "post"): {"text": "Khắc phục", "deadline": "2023-12-31"},
        ("oversight-recommendation-review", "post"): {"report": world["report1"].pk, "decision": "accept"},
        ("oversight-recommendation-close", "post"): {"closed_on": "2023-10-01"},
    }
    if (name, method) == ("oversight-item-self-report", "post"):
        return {"text": "Tự kiểm điểm", "file": pdf()}, None
    if (name, method) == ("oversight-recommendation-report", "post"):
        return {"as_of": "2023-10-01", "narrative": "Đã khắc phục", "files": [pdf("mc.pdf")]}, None
    if (name, method) in bodies:
        return bodies[(name, method)], "application/json"
    return {}, None


def _client(kind, all_users):
    return login(all_users[kind])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, key, method, expected", PAGES, ids=[f"{p[0]}[{p[1]}]-{p[2]}" for p in PAGES])
def test_pages(kind, name, key, method, expected, all_users, world):
    client = _client(kind, all_users)
    before = denied()
    state = _state(world)
    url = _url(name, key, world) + QUERIES.get(name, "")
    response = client.get(url) if method == "get" else client.post(url, _page_body(name, world))
    assert response.status_code == expected[kind], response.content[:300]
    if kind == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert denied() - before == (1 if expected[kind] == 404 else 0)
    # Only a manager's accepted POST on the editable item or the programme changes anything; refusals (404, 405,
    # the issued item, the item with notes) never do. (Notes are written by note-create: checked elsewhere.)
    writes = method == "post" and kind != "anonymous" and expected[kind] == 302 and key in ("ins", "program")
    if name != "oversight:note-create":
        assert (_state(world) != state) == writes, (name, key, method, kind)


def _state(world):
    """What the edit and delete pages could change: the programme, the items and their teams."""
    return (list(Program.objects.values_list("pk", "title", "year", "body")),
            list(Item.objects.order_by("pk").values_list("pk", "kind", "subject_unit", "topic", "ends_on", "status")),
            Note.objects.count())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, key, method, expected", API, ids=[f"{p[0]}[{p[1]}]-{p[2]}" for p in API])
def test_api(kind, name, key, method, expected, all_users, world):
    client = _client(kind, all_users)
    data, content_type = _api_body(name, method, world)
    before = denied()
    url = _url(name, key, world)
    if method == "get":
        response = client.get(url)
    elif content_type:
        response = getattr(client, method)(url, data, content_type=content_type)
    else:
        response = getattr(client, method)(url, data)
    assert response.status_code == expected[kind], response.content[:300]
    assert denied() - before == (1 if expected[kind] == 404 else 0)


# --- working notes never reach the subject ---------------------------------------------------

def _all_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:4] == b"PK\x03\x04":  # .docx / .xlsx: every part of the package
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "".join(package.read(n).decode("utf-8", "replace") for n in package.namelist())
    return content.decode("utf-8", "replace")


def test_subject_never_sees_working_notes_by_any_url(world, all_users):
    from tests.test_url_coverage import named_urls

    from quantriet.plans.models import Report

    note_ids = list(Note.objects.values_list("pk", flat=True))
    ids = {o.pk for o in (world["program"], world["sup"], world["draft_sd"], world["ins"], world["conclusion"],
                          world["draft"], world["rec1"], world["rec2"], world["report1"], world["tree"]["son_duong"])}
    ids |= set(note_ids) | set(Report.objects.values_list("pk", flat=True))
    client = login(all_users["ancestor_staff"])
    names = sorted(n for n in named_urls() if n.startswith("oversight"))
    assert len(names) == len(COVERED_URLS)
    seen = 0
    for name in names:
        try:
            urls = [reverse(name)]
        except Exception:
            urls = [reverse(name, kwargs={"pk": pk}) for pk in sorted(ids)]
        for url in urls:
            for suffix in ("", "?unit=%d" % world["tree"]["son_duong"].pk, "?program=%d" % world["program"].pk):
                response = client.get(url + suffix)
                text = _all_text(response)
                assert SECRET not in text and SECRET_DRAFT not in text, (url, response.status_code)
                seen += response.status_code == 200
    assert seen > 20  # the subject does see its items, conclusion, recommendations, history
    # Nor can it write or read notes.
    for url in (reverse("oversight:note-create", kwargs={"pk": world["sup"].pk}),
                reverse("oversight-item-notes", kwargs={"pk": world["sup"].pk})):
        assert client.post(url, {"text": "x", "kind": "note"}).status_code == 404
    assert Note.objects.count() == len(note_ids)
    # The subject's page shows the issued conclusion, not the notes section.
    page = client.get(reverse("oversight:item-detail", kwargs={"pk": world["sup"].pk})).content.decode()
    assert world["conclusion"].canonical_number in page and 'id="notes"' not in page
    # The draft conclusion of draft_sd is not shown to the subject either.
    page = client.get(reverse("oversight:item-detail", kwargs={"pk": world["draft_sd"].pk})).content.decode()
    assert 'id="conclusion"' not in page
    listed = client.get(reverse("oversight-conclusion-list")).json()["results"]
    assert listed and all(c["issued_on"] for c in listed)


def test_team_member_sees_notes_and_the_body_too(world, all_users):
    for kind in ("member", "inspector", "admin"):
        page = login(all_users[kind]).get(reverse("oversight:item-detail", kwargs={"pk": world["sup"].pk}))
        assert SECRET in page.content.decode(), kind
    notes = login(all_users["member"]).get(reverse("oversight-item-notes", kwargs={"pk": world["sup"].pk})).json()
    assert [n["text"] for n in notes] == [SECRET]


# --- bad input -------------------------------------------------------------------------------

def test_item_form_rejects_bad_input(world, all_users):
    client = login(all_users["inspector"])
    url = reverse("oversight:item-create", kwargs={"pk": world["program"].pk})
    tree = world["tree"]
    base = {"kind": "inspection", "subject_unit": tree["son_nam"].pk, "topic": "Chủ đề", "period_from": "01/01/2022",
            "period_to": "31/12/2022", "starts_on": "01/06/2023", "ends_on": "30/06/2023"}
    count = Item.objects.count()
    for changes, field in [({"starts_on": "31/02/2023"}, "starts_on"), ({"ends_on": "2023-13-01"}, "ends_on"),
                           ({"ends_on": "01/05/2023"}, "ends_on"), ({"period_to": "01/01/2021"}, "period_to"),
                           ({"starts_on": "01/06/2024", "ends_on": "30/06/2024"}, "starts_on"),
                           ({"subject_unit": tree["province"].pk}, "subject_unit"),
                           ({"subject_unit": 999999}, "subject_unit"), ({"kind": "audit"}, "kind"),
                           ({"team_cards": "12ab"}, "team_cards"), ({"team_head_card": "99999999"}, "team_head_card"),
                           ({"topic": "   "}, "topic")]:
        response = client.post(url, {**base, **changes})
        assert response.status_code == 200, changes
        assert field in response.context["form"].errors, (changes, response.context["form"].errors)
    assert Item.objects.count() == count
    assert client.post(url, base).status_code == 302 and Item.objects.count() == count + 1


def test_self_report_rejects_bad_files(world, all_users, settings):
    client = login(all_users["ancestor_staff"])
    url = reverse("oversight:item-self-report", kwargs={"pk": world["draft_sd"].pk})
    settings.QUANTRIET_DOCUMENT_MAX_UPLOAD_BYTES = 1000
    for upload in (SimpleUploadedFile("bao-cao.exe", b"MZ\x90\x00"), SimpleUploadedFile("bao-cao.pdf", b"MZ not pdf"),
                   SimpleUploadedFile("bao-cao.docx", PDF), SimpleUploadedFile("lon.pdf", PDF + b"0" * 2000)):
        response = client.post(url, {"text": "", "file": upload})
        assert response.status_code == 200 and "file" in response.context["form"].errors, upload.name
    response = client.post(url, {"text": ""})
    assert "text" in response.context["form"].errors
    api = client.post(reverse("oversight-item-self-report", kwargs={"pk": world["draft_sd"].pk}),
                      {"file": SimpleUploadedFile("x.pdf", b"MZ")})
    assert api.status_code == 400 and "file" in api.json()
    world["draft_sd"].refresh_from_db()
    assert world["draft_sd"].status == "self_report" and not world["draft_sd"].self_report_file
    assert client.post(url, {"text": "Báo cáo tự kiểm tra", "file": pdf()}).status_code == 302


def test_recommendation_report_rejects_bad_files_and_dates(world, all_users):
    client = login(all_users["ancestor_staff"])
    url = reverse("oversight-recommendation-report", kwargs={"pk": world["rec2"].pk})
    for body, field in [({"as_of": "2023-10-01", "files": [SimpleUploadedFile("a.pdf", b"MZ")]}, "files"),
                        ({"as_of": "2023-02-30"}, "as_of"), ({"as_of": "2099-01-01"}, "as_of"),
                        ({"as_of": "2023-01-01"}, "as_of"), ({"as_of": "2023-10-01", "colour": "x"}, "colour")]:
        response = client.post(url, body)
        assert response.status_code == 400 and field in response.json(), (body, response.content)
    page = client.post(reverse("oversight:recommendation-report", kwargs={"pk": world["rec2"].pk}),
                       {"as_of": "01/10/2023", "narrative": "x", "files": SimpleUploadedFile("a.docx", PDF)})
    assert page.status_code == 200 and "files" in page.context["form"].errors


@pytest.mark.parametrize("name, key, body, field", [
    ("oversight-program-list", None, {"unit": "province", "body": "committee", "year": 2024, "title": "T",
                                      "color": "red"}, "color"),
    ("oversight-program-list", None, {"unit": "province", "body": "commission", "year": 2023, "title": "T"}, "year"),
    ("oversight-program-list", None, {"unit": "province", "body": "council", "year": 2024, "title": "T"}, "body"),
    ("oversight-program-list", None, {"unit": 99999999, "body": "committee", "year": 2024, "title": "T"}, "unit"),
    ("oversight-item-list", None, {"starts_on": "2023-06-30", "ends_on": "2023-06-01"}, "ends_on"),
    ("oversight-item-list", None, {"starts_on": "2023-06-31"}, "starts_on"),
    ("oversight-item-list", None, {"period_from": "2023-01-01", "period_to": "2022-01-01"}, "period_to"),
    ("oversight-item-list", None, {"team_members": [99999999]}, "team_members"),
    ("oversight-item-list", None, {"notes": "x"}, "notes"),
    ("oversight-item-request-self-report", "ins", {"due_on": "2023-04-15"}, "due_on"),
    ("oversight-item-request-self-report", "ins", {"due_on": "2022-12-31"}, "due_on"),
    ("oversight-item-request-self-report", "ins", {"due_on": "01/02/2023"}, "due_on"),
    ("oversight-conclusion-recommendations", "draft", {"text": "x", "deadline": "2023-01-01"}, "deadline"),
    ("oversight-conclusion-recommendations", "draft", {"text": "x", "deadline": "2023-12-31", "task": 1}, "task"),
    ("oversight-conclusion-detail", "draft", {"snapshot": {"x": 1}}, "snapshot"),
    ("oversight-conclusion-detail", "draft", {"canonical_number": "01-KL/TU"}, "canonical_number"),
    ("oversight-item-list", None, {"status": "closed"}, "status"),
    ("oversight-recommendation-review", "rec1", {"report": 1, "decision": "maybe"}, "decision"),
    ("oversight-recommendation-close", "rec1", {"closed_on": "yesterday"}, "closed_on"),
])
def test_api_bad_input(world, all_users, name, key, body, field):
    tree = world["tree"]
    base = {}
    if name == "oversight-item-list":
        base = {"program": world["program"].pk, "kind": "inspection", "subject_unit": tree["son_nam"].pk,
                "topic": "Chủ đề", "period_from": "2022-01-01", "period_to": "2022-12-31", "starts_on": "2023-06-01",
                "ends_on": "2023-06-30"}
    data = {**base, **body}
    if data.get("unit") == "province":
        data["unit"] = tree["province"].pk
    counts = (Program.objects.count(), Item.objects.count(), Conclusion.objects.count())
    client = login(all_users["inspector"])
    url = _url(name, key, world)
    response = client.patch(url, data, content_type="application/json") if name.endswith("detail") else client.post(
        url, data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert (Program.objects.count(), Item.objects.count(), Conclusion.objects.count()) == counts


def test_unknown_ids_answer_404(world, all_users):
    client = login(all_users["admin"])
    for name in ("oversight:program-detail", "oversight:item-detail", "oversight:conclusion",
                 "oversight:recommendation-close", "oversight:recommendation-review", "oversight:unit-history",
                 "oversight:program-edit", "oversight:member-search", "oversight:item-edit",
                 "oversight-item-detail", "oversight-conclusion-detail", "oversight-recommendation-detail"):
        assert client.get(reverse(name, kwargs={"pk": 99999999})).status_code == 404, name
    assert client.post(reverse("oversight:item-delete", kwargs={"pk": 99999999})).status_code == 404
    assert client.get(reverse("oversight:recommendations") + "?unit=abc").status_code == 404
    assert client.get(reverse("oversight-item-list") + "?program=x").status_code == 400
    response = client.post(reverse("oversight-recommendation-review", kwargs={"pk": world["rec2"].pk}),
                           {"report": world["report1"].pk, "decision": "accept"}, content_type="application/json")
    assert response.status_code == 404  # report1 is about rec1, not rec2
