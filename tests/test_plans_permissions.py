"""Permission matrix of every plans URL and API endpoint over the user kinds, and bad input through them.

Fixture plans (see `world`):
- `tq`  01-KH/TU of the province: T1 led by Huyện ủy Sơn Dương and assigned to it; T2 led by Yên Sơn.
- `sd`  01-KH/HU of Sơn Dương concretizing T1: S1 led by xã Sơn Nam (assigned to it, a milestone and an
        indicator), S2 led by Chi bộ thôn A (a submitted report with an evidence file); signed document attached.
- `sd_draft` a draft of Sơn Dương without tasks.  `ys` 01-KH/HU of Yên Sơn: Y1 led by Chi bộ thôn C.
Who sees what: member — nothing; same_secretary (cell A) — `sd` through S2; other_secretary (cell C) — `ys`;
ancestor_staff (office of Sơn Dương) — `sd`, `sd_draft` (manages them) and `tq` (T1 is led by Sơn Dương);
admin — everything. Out of scope answers 404 and is logged; anonymous pages redirect (302), the API 403.
"""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quantriet.core.models import AuditEntry
from quantriet.plans import actions
from quantriet.plans.models import Plan, Report, Task

from .conftest import USER_KINDS

COVERED_URLS = {
    "plans:list", "plans:create", "plans:mine", "plans:warnings", "plans:notifications", "plans:notifications-read",
    "plans:detail", "plans:edit", "plans:issue", "plans:amend", "plans:close", "plans:signed",
    "plans:signed-download", "plans:gantt", "plans:history", "plans:export-xlsx", "plans:report-docx",
    "plans:task-create", "plans:task-detail", "plans:task-edit", "plans:task-move", "plans:task-delete",
    "plans:assignment-add", "plans:milestone-add", "plans:indicator-add", "plans:report-create",
    "plans:assignment-delete", "plans:milestone-delete", "plans:indicator-delete", "plans:report-review",
    "plans:evidence-download",
    "plan-list", "plan-detail", "plan-issue", "plan-amend", "plan-close", "plan-signed", "plan-tree", "plan-history",
    "plan-task-list", "plan-task-detail", "plan-task-move", "plan-task-assignments", "plan-task-milestones",
    "plan-task-indicators", "plan-task-reports", "plan-report-detail", "plan-report-review",
    "plan-assignment-detail", "plan-milestone-detail", "plan-indicator-detail", "plan-warnings", "plan-mine",
}

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(users, tree):
    admin = users["admin"]

    def plan(unit, title, assignment=None, issued_on=D(2022, 8, 1), issue=True):
        p = actions.create_plan(acting_user=admin, unit=unit, title=title, assignment=assignment)
        return actions.issue_plan(p, acting_user=admin, issued_on=issued_on) if issue else p

    def task(p, title, lead, parent=None):
        return actions.create_task(p, acting_user=admin, title=title, lead_unit=lead, parent=parent,
                                   start_on=D(2022, 8, 1), deadline=D(2022, 12, 31))

    tq = plan(tree["province"], "Kế hoạch thực hiện Nghị quyết 21-NQ/TW")
    t1 = task(tq, "Củng cố tổ chức cơ sở đảng", tree["son_duong"])
    t2 = task(tq, "Phát triển đảng viên", tree["yen_son"])
    a_sd = actions.add_assignment(t1, acting_user=admin, unit=tree["son_duong"], due_on=D(2022, 9, 30))
    sd = plan(tree["son_duong"], "Kế hoạch của Huyện ủy Sơn Dương", assignment=a_sd, issued_on=D(2022, 9, 15))
    s1 = task(sd, "Chỉ đạo xã Sơn Nam", tree["son_nam"])
    s2 = task(sd, "Chi bộ thôn A", tree["cell_a"])
    s1_assignment = actions.add_assignment(s1, acting_user=admin, unit=tree["son_nam"], due_on=D(2022, 10, 30))
    milestone = actions.add_milestone(s1, acting_user=admin, title="Sơ kết", due_on=D(2022, 10, 1))
    indicator = actions.add_indicator(s1, acting_user=admin, name="Tỷ lệ thôn có chi bộ", unit_of_measure="%",
                                      target="100")
    actions.add_milestone(t2, acting_user=admin, title="Mốc", due_on=D(2022, 10, 1))
    report = actions.submit_report(s2, acting_user=admin, as_of=D(2022, 10, 1), progress="40",
                                   files=[SimpleUploadedFile("minh-chung.pdf", PDF)])
    actions.attach_signed_document(sd, SimpleUploadedFile("01-KH-HU.pdf", PDF), acting_user=admin)
    sd_draft = plan(tree["son_duong"], "Dự thảo", issue=False)
    ys = plan(tree["yen_son"], "Kế hoạch của Huyện ủy Yên Sơn")
    y1 = task(ys, "Chi bộ thôn C", tree["cell_c"])
    return {
        "tq": tq, "sd": sd, "sd_draft": sd_draft, "ys": ys, "t1": t1, "t2": t2, "s1": s1, "s2": s2, "y1": y1,
        "assignment": s1_assignment, "milestone": milestone, "indicator": indicator, "report": report,
        "evidence": report.files.get(), "tree": tree,
    }


def expect(anonymous, member, same_secretary, other_secretary, ancestor_staff, admin):
    return dict(anonymous=anonymous, member=member, same_secretary=same_secretary,
                other_secretary=other_secretary, ancestor_staff=ancestor_staff, admin=admin)


VIEW_SD = expect(302, 404, 200, 404, 200, 200)
MANAGE_SD = expect(302, 404, 404, 404, 200, 200)
ALL = expect(302, 200, 200, 200, 200, 200)

# (url name, key of the object in `world` or None, method, expected status per kind)
PAGES = [
    ("plans:list", None, "get", ALL),
    ("plans:mine", None, "get", ALL),
    ("plans:warnings", None, "get", ALL),
    ("plans:notifications", None, "get", ALL),
    ("plans:notifications-read", None, "post", expect(302, 302, 302, 302, 302, 302)),
    ("plans:create", None, "get", MANAGE_SD),
    ("plans:detail", "sd", "get", VIEW_SD),
    ("plans:detail", "tq", "get", expect(302, 404, 404, 404, 200, 200)),
    ("plans:detail", "ys", "get", expect(302, 404, 404, 200, 404, 200)),
    ("plans:edit", "sd", "get", MANAGE_SD),
    ("plans:edit", "tq", "get", expect(302, 404, 404, 404, 404, 200)),
    ("plans:issue", "sd_draft", "get", MANAGE_SD),
    ("plans:amend", "sd", "get", MANAGE_SD),
    ("plans:close", "sd", "get", MANAGE_SD),
    ("plans:signed", "sd", "get", MANAGE_SD),
    ("plans:signed-download", "sd", "get", VIEW_SD),
    ("plans:gantt", "sd", "get", VIEW_SD),
    ("plans:history", "sd", "get", VIEW_SD),
    ("plans:export-xlsx", "sd", "get", VIEW_SD),
    ("plans:report-docx", "sd", "get", VIEW_SD),
    ("plans:gantt", "ys", "get", expect(302, 404, 404, 200, 404, 200)),
    ("plans:task-create", "sd", "get", MANAGE_SD),
    ("plans:task-create", "tq", "get", expect(302, 404, 404, 404, 404, 200)),
    ("plans:task-detail", "s2", "get", VIEW_SD),
    ("plans:task-detail", "y1", "get", expect(302, 404, 404, 200, 404, 200)),
    ("plans:task-edit", "s2", "get", MANAGE_SD),
    ("plans:task-move", "s2", "get", MANAGE_SD),
    ("plans:task-delete", "s2", "post", expect(302, 404, 404, 404, 302, 302)),
    ("plans:assignment-add", "s1", "get", MANAGE_SD),
    ("plans:milestone-add", "s1", "get", MANAGE_SD),
    ("plans:indicator-add", "s1", "get", MANAGE_SD),
    ("plans:report-create", "s2", "get", VIEW_SD),
    ("plans:report-create", "y1", "get", expect(302, 404, 404, 200, 404, 200)),
    ("plans:report-create", "t1", "get", expect(302, 404, 404, 404, 200, 200)),
    ("plans:assignment-delete", "assignment", "post", expect(302, 404, 404, 404, 302, 302)),
    ("plans:milestone-delete", "milestone", "post", expect(302, 404, 404, 404, 302, 302)),
    ("plans:indicator-delete", "indicator", "post", expect(302, 404, 404, 404, 302, 302)),
    ("plans:report-review", "report", "get", MANAGE_SD),
    ("plans:evidence-download", "evidence", "get", VIEW_SD),
]

API_VIEW_SD = expect(403, 404, 200, 404, 200, 200)
API_MANAGE_SD = expect(403, 404, 404, 404, 200, 200)
API_CREATE_SD = expect(403, 404, 404, 404, 201, 201)
API_DELETE_SD = expect(403, 404, 404, 404, 204, 204)

API = [
    ("plan-list", None, "get", expect(403, 200, 200, 200, 200, 200)),
    ("plan-list", None, "post", expect(403, 404, 404, 400, 201, 201)),
    ("plan-detail", "sd", "get", API_VIEW_SD),
    ("plan-detail", "ys", "get", expect(403, 404, 404, 200, 404, 200)),
    ("plan-detail", "sd", "patch", API_MANAGE_SD),
    ("plan-issue", "sd_draft", "post", API_MANAGE_SD),
    ("plan-amend", "sd", "post", API_MANAGE_SD),
    ("plan-close", "sd", "post", API_MANAGE_SD),
    ("plan-signed", "sd", "post", API_MANAGE_SD),
    ("plan-tree", "sd", "get", API_VIEW_SD),
    ("plan-tree", "tq", "get", expect(403, 404, 404, 404, 200, 200)),
    ("plan-history", "sd", "get", API_VIEW_SD),
    ("plan-task-list", None, "post", expect(403, 400, 400, 400, 201, 201)),
    ("plan-task-detail", "s2", "get", API_VIEW_SD),
    ("plan-task-detail", "s2", "patch", API_MANAGE_SD),
    ("plan-task-detail", "s2", "delete", API_DELETE_SD),
    ("plan-task-move", "s2", "post", API_MANAGE_SD),
    ("plan-task-assignments", "s2", "post", API_CREATE_SD),
    ("plan-task-milestones", "s2", "post", API_CREATE_SD),
    ("plan-task-indicators", "s2", "post", API_CREATE_SD),
    ("plan-task-reports", "s2", "get", API_VIEW_SD),
    ("plan-task-reports", "s2", "post", expect(403, 404, 201, 404, 201, 201)),
    ("plan-task-reports", "y1", "post", expect(403, 404, 404, 201, 404, 201)),
    ("plan-report-detail", "report", "get", API_VIEW_SD),
    ("plan-report-review", "report", "post", API_MANAGE_SD),
    ("plan-assignment-detail", "assignment", "get", API_VIEW_SD),
    ("plan-assignment-detail", "assignment", "delete", API_DELETE_SD),
    ("plan-milestone-detail", "milestone", "get", API_VIEW_SD),
    ("plan-milestone-detail", "milestone", "delete", API_DELETE_SD),
    ("plan-indicator-detail", "indicator", "get", API_VIEW_SD),
    ("plan-indicator-detail", "indicator", "delete", API_DELETE_SD),
    ("plan-warnings", "son_duong", "get", expect(403, 404, 404, 404, 200, 200)),
    ("plan-mine", None, "get", expect(403, 200, 200, 200, 200, 200)),
]


def denied() -> int:
    return AuditEntry.objects.filter(action="access_denied").count()


def _url(name, key, world):
    if name == "plan-warnings":
        return reverse(name) + f"?unit={world['tree'][key].pk}"
    return reverse(name, kwargs={"pk": world[key].pk}) if key else reverse(name)


def _body(name, method, world):
    tree = world["tree"]
    bodies = {
        ("plan-list", "post"): {"unit": tree["cell_a"].pk, "title": "Kế hoạch mới"},
        ("plan-detail", "patch"): {"title": "Đã sửa"},
        ("plan-issue", "post"): {"issued_on": "2022-10-01"},
        ("plan-amend", "post"): {"amended_on": "2022-10-01", "reason": "Bổ sung"},
        ("plan-close", "post"): {"closed_on": "2022-12-31"},
        ("plan-task-list", "post"): {"plan": world["sd"].pk, "title": "Việc mới", "lead_unit": tree["son_nam"].pk,
                                     "start_on": "2022-09-20", "deadline": "2022-11-30"},
        ("plan-task-detail", "patch"): {"title": "Đã sửa"},
        ("plan-task-move", "post"): {"parent": world["s1"].pk},
        ("plan-task-assignments", "post"): {"unit": tree["cell_a"].pk, "due_on": "2022-10-30"},
        ("plan-task-milestones", "post"): {"title": "Mốc", "due_on": "2022-10-01"},
        ("plan-task-indicators", "post"): {"name": "Tỷ lệ", "unit_of_measure": "%", "target": "95"},
        ("plan-task-reports", "post"): {"as_of": "2022-10-02", "progress": "30"},
        ("plan-report-review", "post"): {"decision": "accept"},
    }
    if (name, method) == ("plan-signed", "post"):
        return {"file": SimpleUploadedFile("ky.pdf", PDF)}, None
    if (name, method) in bodies:
        return bodies[(name, method)], "application/json"
    return {}, None


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name, key, method, expected", PAGES, ids=[f"{p[0]}[{p[1]}]-{p[2]}" for p in PAGES])
def test_pages(kind, name, key, method, expected, client_for, world):
    client = client_for(kind)
    before = denied()
    response = getattr(client, method)(_url(name, key, world))
    assert response.status_code == expected[kind]
    if kind == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert denied() - before == (1 if expected[kind] == 404 else 0)


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name, key, method, expected", API, ids=[f"{p[0]}[{p[1]}]-{p[2]}" for p in API])
def test_api(kind, name, key, method, expected, client_for, world):
    client = client_for(kind)
    data, content_type = _body(name, method, world)
    before = denied()
    kwargs = {"content_type": content_type} if content_type else {}
    if method == "get":
        response = client.get(_url(name, key, world))
    elif content_type or data:
        response = getattr(client, method)(_url(name, key, world), data, **kwargs)
    else:
        response = getattr(client, method)(_url(name, key, world))
    assert response.status_code == expected[kind], response.content[:300]
    assert denied() - before == (1 if expected[kind] == 404 else 0)


def test_member_sees_the_plan_of_a_task_they_are_responsible_for(world, users, client_for, people):
    from django.core.exceptions import ValidationError

    admin, client = users["admin"], client_for("member")
    assert client.get(reverse("plans:detail", kwargs={"pk": world["sd"].pk})).status_code == 404
    with pytest.raises(ValidationError) as error:  # Chẩu Văn Lâm is not a member of Yên Sơn
        actions.update_task(world["y1"], acting_user=admin, responsible=people["self_member"])
    assert "responsible" in error.value.message_dict
    s3 = actions.create_task(world["sd"], acting_user=admin, title="Việc của đồng chí Lâm",
                             lead_unit=world["tree"]["son_nam"], responsible=people["self_member"],
                             start_on=D(2022, 9, 20), deadline=D(2022, 12, 31))
    assert client.get(reverse("plans:detail", kwargs={"pk": world["sd"].pk})).status_code == 200
    assert client.get(reverse("plans:detail", kwargs={"pk": world["tq"].pk})).status_code == 404
    mine = client.get(reverse("plans:mine"))
    assert [row["task"].pk for row in mine.context["rows"]] == [s3.pk]
    assert mine.context["rows"][0]["can_report"] is False


# --- bad input through the pages and the API -------------------------------------------------

def test_task_form_rejects_bad_input(world, client_for):
    client = client_for("ancestor_staff")
    url = reverse("plans:task-create", kwargs={"pk": world["sd"].pk})
    base = {"title": "Việc", "lead_unit": world["tree"]["son_nam"].pk, "start_on": "01/10/2022",
            "deadline": "30/11/2022", "weight": "1"}
    count = Task.objects.count()
    for changes, field in [({"deadline": "01/09/2022"}, "deadline"), ({"weight": "0"}, "weight"),
                           ({"weight": "-1"}, "weight"), ({"start_on": "31/02/2022"}, "start_on"),
                           ({"lead_unit": world["tree"]["yen_son"].pk}, "lead_unit"),
                           ({"responsible_card": "12ab"}, "responsible_card"),
                           ({"title": "   "}, "title")]:
        response = client.post(url, {**base, **changes})
        assert response.status_code == 200, changes
        assert field in response.context["form"].errors, (changes, response.context["form"].errors)
    assert Task.objects.count() == count
    response = client.post(url, base)
    assert response.status_code == 302 and Task.objects.count() == count + 1


def test_move_form_rejects_circular_parent(world, client_for, users):
    child = actions.create_task(world["sd"], acting_user=users["admin"], title="Con", lead_unit=world["tree"]["son_nam"],
                                parent=world["s1"], start_on=D(2022, 9, 20), deadline=D(2022, 10, 30))
    client = client_for("ancestor_staff")
    response = client.post(reverse("plans:task-move", kwargs={"pk": world["s1"].pk}), {"parent": child.pk})
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    world["s1"].refresh_from_db()
    assert world["s1"].parent_id is None


def test_plan_form_refuses_a_child_plan_outside_the_assignment(world, client_for, users):
    admin = users["admin"]
    a_ys = actions.add_assignment(world["t1"], acting_user=admin, unit=world["tree"]["yen_son"], due_on=D(2022, 9, 30))
    count = Plan.objects.count()
    response = client_for("admin").post(reverse("plans:create"), {
        "unit": world["tree"]["son_duong"].pk, "assignment": a_ys.pk, "kind": "plan", "title": "Sai",
        "signing_authority": "T/M BAN THƯỜNG VỤ", "signer_title": "BÍ THƯ",
    })
    assert response.status_code == 200
    assert "assignment" in response.context["form"].errors
    assert Plan.objects.count() == count
    # The API says the same.
    response = client_for("admin").post(reverse("plan-list"), {"unit": world["tree"]["son_duong"].pk,
                                                               "assignment": a_ys.pk, "title": "Sai"},
                                        content_type="application/json")
    assert response.status_code == 400 and "assignment" in response.json()
    assert Plan.objects.count() == count


@pytest.mark.parametrize("body, field", [
    ({"start_on": "2022-10-01", "deadline": "2022-09-01"}, "deadline"),
    ({"weight": "0"}, "weight"),
    ({"weight": "-3"}, "weight"),
    ({"start_on": "2022-02-30"}, "start_on"),
    ({"colour": "red"}, "colour"),
])
def test_api_task_bad_input(world, client_for, body, field):
    base = {"plan": world["sd"].pk, "title": "Việc", "lead_unit": world["tree"]["son_nam"].pk,
            "start_on": "2022-09-20", "deadline": "2022-11-30"}
    count = Task.objects.count()
    response = client_for("admin").post(reverse("plan-task-list"), {**base, **body}, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert Task.objects.count() == count


def test_api_circular_move_and_report_input(world, client_for, users):
    admin = users["admin"]
    child = actions.create_task(world["sd"], acting_user=admin, title="Con", lead_unit=world["tree"]["son_nam"],
                                parent=world["s1"], start_on=D(2022, 9, 20), deadline=D(2022, 10, 30))
    client = client_for("admin")
    response = client.post(reverse("plan-task-move", kwargs={"pk": world["s1"].pk}), {"parent": child.pk},
                           content_type="application/json")
    assert response.status_code == 400 and "parent" in response.json()
    url = reverse("plan-task-reports", kwargs={"pk": world["s2"].pk})
    for body, field in [({"as_of": "2022-10-02", "progress": "130"}, "progress"),
                        ({"as_of": "2022-10-02"}, "progress"),
                        ({"as_of": "2099-10-02", "progress": "3"}, "as_of"),
                        ({"as_of": "2022-10-02", "progress": "3", "values": {"999999": "5"}}, "values")]:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert field in response.json(), (body, response.json())
    bad_file = client.post(url, {"as_of": "2022-10-02", "progress": "3",
                                 "files": [SimpleUploadedFile("x.pdf", b"MZ not a pdf")]})
    assert bad_file.status_code == 400 and "files" in bad_file.json()
    assert Report.objects.filter(task=world["s2"]).count() == 1
    good = client.post(url, {"as_of": "2022-10-02", "progress": "35",
                             "files": [SimpleUploadedFile("bien-ban.pdf", PDF)]})
    assert good.status_code == 201 and good.json()["files"][0]["original_name"] == "bien-ban.pdf"


def test_api_tree_and_exports(world, client_for, users):
    admin = users["admin"]
    report = world["report"]
    actions.review_report(report, acting_user=admin, accept=True)
    client = client_for("admin")
    tree = client.get(reverse("plan-tree", kwargs={"pk": world["tq"].pk})).json()
    # t1: its only child is Sơn Dương's plan: (S1 0 + S2 40) / 2 = 20; t2: 0 → province (20 + 0) / 2 = 10
    assert tree["progress"] == "10.00"
    assert [(t["title"], t["progress"]) for t in tree["tasks"]] == [
        ("Củng cố tổ chức cơ sở đảng", "20.00"), ("Phát triển đảng viên", "0.00")]
    assert tree["tasks"][0]["assignments"][0]["plan_number"] == "01-KH/HU"
    xlsx = client.get(reverse("plans:export-xlsx", kwargs={"pk": world["tq"].pk}))
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "KẾ HOẠCH 01-KH/TU"
    assert sheet["B5"].value == 10.0
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=8, max_col=10)]
    assert [(r[0], r[1], r[9]) for r in rows] == [("1", "Củng cố tổ chức cơ sở đảng", 20.0),
                                                 ("2", "Phát triển đảng viên", 0.0)]
    docx = client.get(reverse("plans:report-docx", kwargs={"pk": world["tq"].pk}))
    from docx import Document

    document = Document(BytesIO(docx.content))
    header = document.tables[0].rows[0].cells
    assert header[0].paragraphs[0].text == "TỈNH ỦY TUYÊN QUANG"
    assert header[1].paragraphs[0].runs[0].bold and header[1].paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert header[1].paragraphs[1].runs[0].italic and header[1].paragraphs[1].text.startswith("Tuyên Quang, ngày ")
    assert header[0].paragraphs[2].text == "Số      -BC/TU"
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert round(document.sections[0].page_width.cm, 1) == 21.0
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts
    signing = document.tables[-1].rows[0].cells
    assert signing[0].paragraphs[0].text == "Nơi nhận:" and signing[1].paragraphs[0].text == "T/M BAN THƯỜNG VỤ"
    assert signing[1].paragraphs[1].text == "BÍ THƯ"
    gantt = client.get(reverse("plans:gantt", kwargs={"pk": world["tq"].pk})).content.decode()
    assert gantt.count('class="milestone"') == 1 and "<svg" in gantt
    history = client.get(reverse("plan-history", kwargs={"pk": world["sd"].pk})).json()
    assert [e["action"] for e in history][-3:] == ["plan.task.create", "plan.issue", "plan.create"]
