"""Permission matrix of every study URL and API endpoint over the user kinds, and bad input.

Fixture: an open campaign organized by Huyện ủy Sơn Dương (managed by ancestor_staff, the office of
Sơn Dương, and admin), targeting self_member and a2 (cell A) and b1 (cell B). a2 has submitted a
reflection; self_member (the `member` user) has a reflection file and a quiz attempt. other_secretary
(cell C, Yên Sơn) is outside the campaign: everything answers 404 for them. Pages redirect anonymous
users to the login (302); the API answers 403.
"""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from quantriet.conferences.models import Conference
from quantriet.core.models import AuditEntry
from quantriet.documents.models import Document
from quantriet.study import actions
from quantriet.study.models import CoverageCounter, Option, QuizAttempt, StudyRecord

from . import factories as f
from .conftest import USER_KINDS

COVERED_URLS = {
    "study:list", "study:create", "study:mine", "study:grading", "study:detail", "study:open", "study:archive",
    "study:refresh", "study:link", "study:question_add", "study:coverage_home", "study:coverage",
    "study:coverage_members", "study:coverage_xlsx", "study:coverage_report", "study:record", "study:record_submit",
    "study:record_grade", "study:record_writing_exemption", "study:record_exempt", "study:record_file",
    "study:quiz_start", "study:quiz",
    "api-study-campaigns", "api-study-campaign", "api-study-coverage", "api-study-records", "api-study-record",
    "api-study-reflection", "api-study-grade", "api-study-quiz-start", "api-study-quiz",
}

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def study(tree, people, users):
    doc = Document.objects.create(number=21, type_code="NQ", issuer="TW", kind="resolution",
                                  issuing_body="Ban Chấp hành Trung ương", issued_on=datetime.date(2022, 6, 16),
                                  title="về tổ chức cơ sở đảng")
    campaign = actions.create_campaign(acting_user=users["admin"], unit=tree["son_duong"],
                                       title="Học tập Nghị quyết 21-NQ/TW", documents=[doc], starts_on=TODAY,
                                       deadline=TODAY + datetime.timedelta(days=30), quiz_questions=2)
    actions.open_campaign(campaign, acting_user=users["admin"])
    for i in range(3):
        actions.add_question(doc, text=f"Câu {i}", kind="single", options=[("Đúng", True), ("Sai", False)],
                             explanation="Giải thích", acting_user=users["admin"])
    records = {key: StudyRecord.objects.get(campaign=campaign, member=people[key]) for key in ("self_member", "a2", "b1")}
    a2_user = f.user("a2", "member", tree["cell_a"], member=people["a2"])
    actions.submit_reflection(records["a2"], reflection_text="Bài của Dung", plan_text="Kế hoạch",
                              acting_user=a2_user)
    actions.submit_reflection(records["self_member"], upload=SimpleUploadedFile("bai.pdf", PDF),
                              acting_user=users["member"])
    actions.grade(records["self_member"], result="returned", comment="Viết thêm", acting_user=users["same_secretary"])
    attempt = actions.start_quiz(records["self_member"], acting_user=users["member"])
    meeting = Conference.objects.create(organizer=tree["cell_a"], title="Sinh hoạt chi bộ A", kind="cell_meeting")
    return {"campaign": campaign, "doc": doc, "records": records, "attempt": attempt, "meeting": meeting,
            "tree": tree}


def expect(anonymous, member, same_secretary, other_secretary, ancestor_staff, admin):
    return dict(anonymous=anonymous, member=member, same_secretary=same_secretary,
                other_secretary=other_secretary, ancestor_staff=ancestor_staff, admin=admin)


def _args(study, spec):
    c, r = study["campaign"], study["records"]
    return {
        None: {}, "campaign": {"pk": c.pk},
        "sd": {"pk": c.pk, "unit_pk": study["tree"]["son_duong"].pk},
        "cell_a": {"pk": c.pk, "unit_pk": study["tree"]["cell_a"].pk},
        "own": {"pk": r["self_member"].pk}, "a2": {"pk": r["a2"].pk}, "b1": {"pk": r["b1"].pk},
        "attempt": {"pk": study["attempt"].pk},
    }[spec]


def _data(study, name):
    return {
        "study:link": {"conference": study["meeting"].pk},
        "study:record_submit": {"reflection_text": "Bài mới", "plan_text": "Kế hoạch mới"},
        "study:record_grade": {"result": "passed", "comment": "Tốt"},
        "study:record_writing_exemption": {"exempt": "on", "reason": "Cao tuổi"},
        "study:record_exempt": {"reason": "Ốm dài ngày"},
    }.get(name, {})


PAGES = [
    ("study:list", None, "get", expect(302, 200, 200, 200, 200, 200)),
    ("study:create", None, "get", expect(302, 404, 404, 404, 200, 200)),
    ("study:mine", None, "get", expect(302, 200, 200, 200, 200, 200)),
    ("study:grading", None, "get", expect(302, 404, 200, 200, 200, 200)),
    ("study:detail", "campaign", "get", expect(302, 200, 200, 404, 200, 200)),
    ("study:open", "campaign", "post", expect(302, 404, 404, 404, 302, 302)),
    ("study:archive", "campaign", "post", expect(302, 404, 404, 404, 302, 302)),
    ("study:refresh", "campaign", "post", expect(302, 404, 404, 404, 302, 302)),
    ("study:link", "campaign", "post", expect(302, 404, 302, 404, 302, 302)),
    ("study:question_add", "campaign", "get", expect(302, 404, 404, 404, 200, 200)),
    ("study:coverage_home", "campaign", "get", expect(302, 404, 302, 404, 302, 302)),
    ("study:coverage", "sd", "get", expect(302, 404, 404, 404, 200, 200)),
    ("study:coverage", "cell_a", "get", expect(302, 404, 200, 404, 200, 200)),
    ("study:coverage_members", "sd", "get", expect(302, 404, 404, 404, 200, 200)),
    ("study:coverage_members", "cell_a", "get", expect(302, 404, 200, 404, 200, 200)),
    ("study:coverage_xlsx", "sd", "get", expect(302, 404, 404, 404, 200, 200)),
    ("study:coverage_report", "cell_a", "get", expect(302, 404, 200, 404, 200, 200)),
    ("study:record", "own", "get", expect(302, 200, 200, 404, 200, 200)),
    ("study:record", "b1", "get", expect(302, 404, 404, 404, 200, 200)),
    ("study:record_submit", "own", "post", expect(302, 302, 404, 404, 404, 404)),
    ("study:record_grade", "a2", "post", expect(302, 404, 302, 404, 302, 302)),
    ("study:record_writing_exemption", "a2", "post", expect(302, 404, 302, 404, 302, 302)),
    ("study:record_exempt", "b1", "post", expect(302, 404, 404, 404, 302, 302)),
    ("study:record_file", "own", "get", expect(302, 200, 200, 404, 200, 200)),
    ("study:quiz_start", "own", "post", expect(302, 302, 404, 404, 404, 404)),
    ("study:quiz", "attempt", "get", expect(302, 200, 404, 404, 404, 404)),
]


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name,spec,method,expected", PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_page_permissions(study, client_for, kind, name, spec, method, expected):
    client = client_for(kind)
    url = reverse(name, kwargs=_args(study, spec))
    before = AuditEntry.objects.filter(action="access_denied").count()
    response = getattr(client, method)(url, _data(study, name)) if method == "post" else client.get(url)
    assert response.status_code == expected[kind], (kind, name, response.status_code)
    if kind == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if expected[kind] == 404:
        assert AuditEntry.objects.filter(action="access_denied").count() == before + 1


API = [
    ("api-study-campaigns", None, "get", expect(403, 200, 200, 200, 200, 200)),
    ("api-study-campaign", "campaign", "get", expect(403, 200, 200, 404, 200, 200)),
    ("api-study-coverage", "sd", "get", expect(403, 404, 404, 404, 200, 200)),
    ("api-study-coverage", "cell_a", "get", expect(403, 404, 200, 404, 200, 200)),
    ("api-study-records", None, "get", expect(403, 200, 200, 200, 200, 200)),
    ("api-study-record", "own", "get", expect(403, 200, 200, 404, 200, 200)),
    ("api-study-reflection", "own", "post", expect(403, 200, 404, 404, 404, 404)),
    ("api-study-grade", "a2", "post", expect(403, 404, 200, 404, 200, 200)),
    ("api-study-quiz-start", "own", "post", expect(403, 201, 404, 404, 404, 404)),
    ("api-study-quiz", "attempt", "get", expect(403, 200, 404, 404, 404, 404)),
]

API_DATA = {
    "api-study-reflection": {"reflection_text": "Bài qua API", "plan_text": "Kế hoạch"},
    "api-study-grade": {"result": "passed", "comment": "Đạt"},
}


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name,spec,method,expected", API, ids=[f"{p[0]}-{p[1]}" for p in API])
def test_api_permissions(study, client_for, kind, name, spec, method, expected):
    client = client_for(kind)
    url = reverse(name, kwargs=_args(study, spec))
    if method == "post":
        response = client.post(url, API_DATA.get(name, {}), content_type="application/json")
    else:
        response = client.get(url)
    assert response.status_code == expected[kind], (kind, name, response.status_code, response.content[:200])


# --- what the pages and the API show ----------------------------------------------------------------------------

def test_coverage_page_numbers_and_drilldown(study, client_for):
    client = client_for("ancestor_staff")
    url = reverse("study:coverage", kwargs=_args(study, "sd"))
    html = client.get(url).content.decode()
    assert 'data-flag="targeted"><a' in html and '<span class="count">3</span>' in html
    partial = client.get(reverse("study:coverage", kwargs=_args(study, "cell_a")), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert b'<span class="count">2</span>' in partial.content
    data = client.get(reverse("api-study-coverage", kwargs=_args(study, "sd"))).json()
    assert data["total"]["targeted"] == 3 and data["total"]["submitted"] == 1
    assert [(c["unit"]["code"], c["targeted"], c["submitted"]) for c in data["children"]] == [
        ("TQ-SD-SN", 3, 1)]
    members = client.get(reverse("study:coverage_members", kwargs=_args(study, "sd")) + "?flag=submitted")
    assert members.context["page"].paginator.count == 2  # self_member (returned) and b1 have not submitted


def test_secretary_grades_in_the_queue_and_numbers_move_to_the_root(study, client_for):
    campaign, a2 = study["campaign"], study["records"]["a2"]
    client = client_for("same_secretary")
    queue = client.get(reverse("study:grading"))
    assert [r.pk for r in queue.context["page"]] == [a2.pk]
    response = client.post(reverse("study:record_grade", kwargs={"pk": a2.pk}),
                           {"result": "passed", "comment": "Đạt", "next": "queue"})
    assert response.status_code == 302 and response["Location"] == reverse("study:grading")
    for unit in ("son_duong", "son_nam", "cell_a"):
        counter = CoverageCounter.objects.get(campaign=campaign, unit=study["tree"][unit])
        assert (counter.submitted, counter.passed) == (1, 1), unit


def test_xlsx_and_docx_exports(study, client_for):
    from docx import Document as Docx
    from openpyxl import load_workbook

    client = client_for("admin")
    xlsx = client.get(reverse("study:coverage_xlsx", kwargs=_args(study, "sd")))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Học tập Nghị quyết 21-NQ/TW"
    assert rows[-1][:7] == ("Tổng cộng", 3, 0, 1, 0, 0, 0)
    docx = client.get(reverse("study:coverage_report", kwargs=_args(study, "sd")) + "?place=Sơn Dương")
    document = Docx(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text and "Kết quả nghiên cứu, học tập, quán triệt Nghị quyết 21-NQ/TW" in text
    assert "Tổng số đảng viên phải học tập: 3." in text
    assert "Số đảng viên đã nộp bài thu hoạch và kế hoạch cá nhân: 1, đạt 33.3%." in text
    header = document.tables[0].rows[0].cells
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header[1].text and "HUYỆN ỦY SƠN DƯƠNG" in header[0].text
    assert "Sơn Dương, ngày" in header[1].text
    assert "T/M BAN THƯỜNG VỤ" in document.tables[-1].rows[0].cells[1].text
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size.pt == 14
    assert round(document.sections[0].page_width.cm, 1) == 21.0


# --- bad input ----------------------------------------------------------------------------------------------------

def test_create_campaign_with_past_deadline_shows_field_error(study, client_for):
    client = client_for("ancestor_staff")
    response = client.post(reverse("study:create"), {
        "title": "Quá hạn", "unit": study["tree"]["son_duong"].pk, "documents": "21-NQ/TW",
        "starts_on": "2020-01-01", "deadline": "2020-02-01", "include_official": "on", "quiz_questions": 10,
        "quiz_pass_percent": 80, "quiz_max_attempts": 3, "reminder_days": 7})
    assert response.status_code == 200
    assert "deadline" in response.context["form"].errors
    response = client.post(reverse("study:create"), {
        "title": "X", "unit": study["tree"]["yen_son"].pk, "documents": "99-NQ/TW", "starts_on": "x",
        "deadline": "2020-02-01", "quiz_questions": 10, "quiz_pass_percent": 800, "quiz_max_attempts": 3,
        "reminder_days": 7})
    errors = response.context["form"].errors
    assert {"unit", "documents", "starts_on", "quiz_pass_percent"} <= set(errors)


def test_api_create_campaign_validation(study, client_for):
    client = client_for("ancestor_staff")
    url = reverse("api-study-campaigns")
    bad = client.post(url, {"title": "X", "unit": study["tree"]["son_duong"].pk, "documents": ["21-NQ/TW"],
                            "starts_on": "2020-01-01", "deadline": "2020-01-02"}, content_type="application/json")
    assert bad.status_code == 400 and "deadline" in bad.json()
    unknown = client.post(url, {"title": "X", "unit": study["tree"]["son_duong"].pk, "documents": ["21-NQ/TW"],
                                "starts_on": str(TODAY), "deadline": str(TODAY), "hack": 1}, content_type="application/json")
    assert unknown.status_code == 400 and "hack" in unknown.json()
    outside = client.post(url, {"title": "X", "unit": study["tree"]["yen_son"].pk, "documents": ["21-NQ/TW"],
                                "starts_on": str(TODAY), "deadline": str(TODAY)}, content_type="application/json")
    assert outside.status_code == 404
    good = client.post(url, {"title": "Học tập", "unit": study["tree"]["son_duong"].pk, "documents": ["21/NQ-TW"],
                             "starts_on": str(TODAY), "deadline": str(TODAY)}, content_type="application/json")
    assert good.status_code == 201 and good.json()["documents"] == ["21-NQ/TW"]


def test_reflection_upload_wrong_type_and_too_large_via_page_and_api(study, client_for, settings):
    settings.QUANTRIET_STUDY_MAX_UPLOAD_BYTES = 1000
    client = client_for("member")
    own = study["records"]["self_member"]
    url = reverse("study:record_submit", kwargs={"pk": own.pk})
    response = client.post(url, {"file": SimpleUploadedFile("bai.docx", b"not a zip at all")})
    assert response.status_code == 400 and "file" in response.context["reflection_form"].errors
    response = client.post(url, {"file": SimpleUploadedFile("bai.pdf", b"%PDF-1.4\n" + b"0" * 2000)})
    assert response.status_code == 400 and "file" in response.context["reflection_form"].errors
    api = client.post(reverse("api-study-reflection", kwargs={"pk": own.pk}),
                      {"file": SimpleUploadedFile("bai.exe", b"MZ....")})
    assert api.status_code == 400 and "file" in api.json()
    own.refresh_from_db()
    assert own.reflection_status == "returned"


def test_quiz_tampering_via_page_and_api(study, client_for):
    client = client_for("member")
    attempt = study["attempt"]
    not_drawn = next(o for o in Option.objects.all() if o.question_id not in attempt.drawn)
    page = client.post(reverse("study:quiz", kwargs={"pk": attempt.pk}), {f"q{not_drawn.question_id}": not_drawn.pk})
    assert page.status_code == 400
    first = attempt.drawn[0]
    api = client.post(reverse("api-study-quiz", kwargs={"pk": attempt.pk}),
                      {"answers": {str(first): [not_drawn.pk]}}, content_type="application/json")
    assert api.status_code == 400 and "answers" in api.json()
    bogus = client.post(reverse("api-study-quiz", kwargs={"pk": attempt.pk}), {"answers": "all"},
                        content_type="application/json")
    assert bogus.status_code == 400
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    correct = {str(q): list(Option.objects.filter(question_id=q, correct=True).values_list("pk", flat=True))
               for q in attempt.drawn}
    done = client.post(reverse("api-study-quiz", kwargs={"pk": attempt.pk}), {"answers": correct},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["passed"] is True and done.json()["score_percent"] == 100
    assert QuizAttempt.objects.get(pk=attempt.pk).passed


def test_grading_bad_result_and_outside_cell(study, client_for):
    a2 = study["records"]["a2"]
    response = client_for("same_secretary").post(reverse("api-study-grade", kwargs={"pk": a2.pk}),
                                                 {"result": "excellent"}, content_type="application/json")
    assert response.status_code == 400
    response = client_for("same_secretary").post(reverse("api-study-grade", kwargs={"pk": a2.pk}),
                                                 {"result": "failed", "comment": ""}, content_type="application/json")
    assert response.status_code == 400 and "comment" in response.json()
    response = client_for("other_secretary").post(reverse("study:record_grade", kwargs={"pk": a2.pk}),
                                                  {"result": "passed"})
    assert response.status_code == 404
    for bad in ("abc", "99999999999999999999999"):
        assert client_for("admin").get(f"/api/v1/study/records/{bad}/").status_code == 404
    a2.refresh_from_db()
    assert a2.reflection_status == "submitted"


def test_closed_campaign_refuses_changes(study, client_for):
    campaign = study["campaign"]
    type(campaign).objects.filter(pk=campaign.pk).update(deadline=TODAY - datetime.timedelta(days=1),
                                                         starts_on=TODAY - datetime.timedelta(days=10))
    response = client_for("same_secretary").post(reverse("api-study-grade", kwargs={"pk": study["records"]["a2"].pk}),
                                                 {"result": "passed"}, content_type="application/json")
    assert response.status_code == 400
