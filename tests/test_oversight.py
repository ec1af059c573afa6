"""Inspection and supervision: the whole flow, closing recommendations only on accepted evidence, the snapshot
of an issued conclusion, numbering, exports and the party-layout writer."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quantriet.core.actions import ActionDenied
from quantriet.documents.numbers import parse_document_number
from quantriet.oversight import actions
from quantriet.oversight.models import Conclusion, ItemStatus, RecommendationStatus
from quantriet.plans import actions as plan_actions
from quantriet.plans.models import NumberSequence, Plan, PlanStatus, ReportStatus

from . import factories as f
from .conftest import login

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
COVERED_URLS: set[str] = set()  # the URLs are covered in test_oversight_permissions


def pdf(name="minh-chung.pdf"):
    return SimpleUploadedFile(name, PDF)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def inspector(tree):
    return f.user("kiemtra", "inspector", tree["province"])


def _program(user, tree, body="commission"):
    return actions.create_program(acting_user=user, unit=tree["province"], body=body, year=2023,
                                  title="Chương trình kiểm tra, giám sát năm 2023")


def _item(user, program, subject, kind="inspection", **extra):
    return actions.create_item(program, acting_user=user, kind=kind, subject_unit=subject,
                               topic="việc thực hiện Nghị quyết 21-NQ/TW", period_from=D(2022, 7, 1),
                               period_to=D(2022, 12, 31), starts_on=D(2023, 3, 1), ends_on=D(2023, 3, 31), **extra)


def test_end_to_end_flow(tree, users, people, inspector):
    """Programme → item → self-report → notes → conclusion issued with a number → recommendations as tasks →
    the subject reports with evidence → the body accepts → recommendation closed → item closed."""
    office = users["ancestor_staff"]  # office of Huyện ủy Sơn Dương: the subject
    body = login(inspector)
    subject = login(office)
    response = body.post(reverse("oversight:program-create"), {
        "unit": tree["province"].pk, "body": "commission", "year": 2023,
        "title": "Chương trình kiểm tra, giám sát năm 2023 của Ủy ban Kiểm tra Tỉnh ủy"})
    assert response.status_code == 302
    from quantriet.oversight.models import Program

    program = Program.objects.get()
    response = body.post(reverse("oversight:item-create", kwargs={"pk": program.pk}), {
        "kind": "inspection", "subject_unit": tree["son_duong"].pk, "topic": "việc thực hiện Nghị quyết 21-NQ/TW",
        "period_from": "01/07/2022", "period_to": "31/12/2022", "starts_on": "01/03/2023", "ends_on": "31/03/2023",
        "team_head_card": people["a2"].card_number, "team_cards": people["self_member"].card_number})
    assert response.status_code == 302, response.context["form"].errors
    item = program.items.get()
    assert item.team_head == people["a2"] and list(item.team_members.all()) == [people["self_member"]]
    # Self-report: asked by the body, submitted by the subject's office with a PDF.
    assert subject.get(reverse("oversight:item-self-report", kwargs={"pk": item.pk})).status_code == 404
    assert body.post(reverse("oversight:item-request-self-report", kwargs={"pk": item.pk}),
                     {"due_on": "15/03/2023"}).status_code == 302
    response = subject.post(reverse("oversight:item-self-report", kwargs={"pk": item.pk}),
                            {"text": "Huyện ủy đã ban hành kế hoạch thực hiện.", "file": pdf("tu-kiem-tra.pdf")})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.self_report_name == "tu-kiem-tra.pdf"
    download = subject.get(reverse("oversight:item-self-report-download", kwargs={"pk": item.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # Working notes of the team (the team member writes one too).
    assert body.post(reverse("oversight:note-create", kwargs={"pk": item.pk}),
                     {"kind": "finding", "text": "Chi bộ thôn A chưa sinh hoạt chuyên đề."}).status_code == 302
    assert login(users["member"]).post(reverse("oversight:note-create", kwargs={"pk": item.pk}),
                                       {"kind": "note", "text": "Đã làm việc với bí thư."}).status_code == 302
    assert item.notes.count() == 2
    # Conclusion and recommendations, then issue.
    assert body.post(reverse("oversight:conclusion-edit", kwargs={"pk": item.pk}), {
        "strengths": "Ban hành kế hoạch kịp thời.", "shortcomings": "Một số chi bộ chưa sinh hoạt chuyên đề.",
        "causes": "Cấp ủy chưa sâu sát.", "signer_name": "Nguyễn Văn Kiểm"}).status_code == 302
    for text, deadline in (("Củng cố chi bộ thôn A.", "30/09/2023"), ("Báo cáo kết quả khắc phục.", "31/12/2023")):
        assert body.post(reverse("oversight:recommendation-create", kwargs={"pk": item.pk}),
                         {"text": text, "deadline": deadline}).status_code == 302
    assert subject.get(reverse("oversight:conclusion", kwargs={"pk": item.pk})).status_code == 404  # a draft
    kh_before = list(NumberSequence.objects.filter(type_code="KH").values_list("unit_id", "last"))
    assert body.post(reverse("oversight:conclusion-issue", kwargs={"pk": item.pk}),
                     {"issued_on": "20/04/2023"}).status_code == 302
    conclusion = Conclusion.objects.get(item=item)
    assert conclusion.canonical_number == "01-KL/UBKTTU"
    assert parse_document_number(conclusion.canonical_number).canonical == "01-KL/UBKTTU"
    assert (conclusion.signing_authority, conclusion.signer_title) == ("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM")
    # The recommendations are tasks of a follow-up plan of the province led by the subject, with no KH number.
    plan = conclusion.follow_up_plan
    assert plan.unit == tree["province"] and plan.status == PlanStatus.ISSUED and plan.number is None
    assert list(NumberSequence.objects.filter(type_code="KH").values_list("unit_id", "last")) == kh_before
    rec1, rec2 = conclusion.recommendations.order_by("order")
    assert rec1.task.plan == plan and rec1.task.lead_unit == tree["son_duong"] and rec1.task.deadline == D(2023, 9, 30)
    assert subject.get(reverse("oversight:conclusion", kwargs={"pk": item.pk})).status_code == 200
    # Issued: no more changes.
    with pytest.raises(ValidationError):
        actions.save_conclusion(item, acting_user=inspector, strengths="Sửa")
    with pytest.raises(ValidationError):
        actions.add_recommendation(item, acting_user=inspector, text="Thêm", deadline=D(2023, 12, 31))
    # The subject reports with evidence, through the page; the body accepts; then closes the recommendations.
    for recommendation in (rec1, rec2):
        response = subject.post(reverse("oversight:recommendation-report", kwargs={"pk": recommendation.pk}), {
            "as_of": "01/09/2023", "narrative": "Đã khắc phục.", "files": pdf()})
        assert response.status_code == 302
        report = recommendation.task.reports.get()
        assert report.progress == 100 and report.files.count() == 1
        assert body.post(reverse("oversight:recommendation-review", kwargs={"pk": report.pk}),
                         {"decision": "accept", "note": ""}).status_code == 302
        report.refresh_from_db()
        assert report.status == ReportStatus.ACCEPTED
    with pytest.raises(ValidationError):
        actions.close_item(item, acting_user=inspector, closed_on=D(2023, 10, 1))  # recommendations still open
    assert body.post(reverse("oversight:recommendation-close", kwargs={"pk": rec1.pk}),
                     {"closed_on": "02/09/2023"}).status_code == 302
    response = body.post(reverse("oversight-recommendation-close", kwargs={"pk": rec2.pk}),
                         {"closed_on": "2023-09-02"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert body.post(reverse("oversight:item-close", kwargs={"pk": item.pk}),
                     {"closed_on": "03/09/2023"}).status_code == 302
    item.refresh_from_db()
    plan.refresh_from_db()
    assert item.status == ItemStatus.CLOSED and plan.status == PlanStatus.CLOSED
    # The history of the unit lists it, the open list no longer.
    history = subject.get(reverse("oversight:unit-history", kwargs={"pk": tree["son_duong"].pk})).content.decode()
    assert "01-KL/UBKTTU" in history
    assert not subject.get(reverse("oversight:recommendations")).context["rows"]


@pytest.fixture
def issued(tree, users, inspector):
    program = _program(inspector, tree)
    item = _item(inspector, program, tree["son_duong"], kind="supervision_thematic")
    actions.save_conclusion(item, acting_user=inspector, strengths="Tốt", shortcomings="Còn hạn chế")
    rec = actions.add_recommendation(item, acting_user=inspector, text="Khắc phục hạn chế.", deadline=D(2023, 12, 31))
    conclusion = actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 20))
    rec.refresh_from_db()
    return {"program": program, "item": item, "conclusion": conclusion, "rec": rec}


def _close(rec, inspector):
    return actions.close_recommendation(rec, acting_user=inspector, closed_on=D(2023, 11, 1))


def test_a_recommendation_closes_only_on_accepted_evidence(issued, users, inspector):
    rec, office = issued["rec"], users["ancestor_staff"]
    assert issued["conclusion"].canonical_number == "01-TB/UBKTTU"
    with pytest.raises(ValidationError):  # no report
        _close(rec, inspector)
    pending = actions.report_on_recommendation(rec, acting_user=office, as_of=D(2023, 10, 1), narrative="Đã làm",
                                               files=[pdf()])
    with pytest.raises(ValidationError):  # report pending
        _close(rec, inspector)
    actions.review_recommendation_report(pending, acting_user=inspector, accept=False, note="Thiếu minh chứng")
    with pytest.raises(ValidationError):  # report returned
        _close(rec, inspector)
    bare = actions.report_on_recommendation(rec, acting_user=office, as_of=D(2023, 10, 2), narrative="Không file")
    actions.review_recommendation_report(bare, acting_user=inspector, accept=True)
    with pytest.raises(ValidationError):  # accepted but no evidence file
        _close(rec, inspector)
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.OPEN
    # The subject cannot close it, nor review reports; an inspector can (not a plans manager).
    good = actions.report_on_recommendation(rec, acting_user=office, as_of=D(2023, 10, 3), files=[pdf()])
    with pytest.raises(ActionDenied):
        actions.review_recommendation_report(good, acting_user=office, accept=True)
    actions.review_recommendation_report(good, acting_user=inspector, accept=True)
    with pytest.raises(ActionDenied):
        _close(rec, office)
    assert _close(rec, inspector).status == RecommendationStatus.CLOSED
    with pytest.raises(ValidationError):
        _close(rec, inspector)


def test_api_refuses_to_close_without_evidence(issued, inspector):
    client = login(inspector)
    response = client.post(reverse("oversight-recommendation-close", kwargs={"pk": issued["rec"].pk}),
                           {"closed_on": "2023-11-01"}, content_type="application/json")
    assert response.status_code == 400 and list(response.json()) == ["__all__"]
    issued["rec"].refresh_from_db()
    assert issued["rec"].status == RecommendationStatus.OPEN


def _change_figures(tree, users, inspector, campaign):
    """Move the subject's plan forward and its study coverage, after the conclusion was issued."""
    from quantriet.study.models import CoverageCounter

    CoverageCounter.objects.filter(campaign=campaign, unit=tree["son_duong"]).update(completed=40, attended=45)
    task = Plan.objects.get(unit=tree["son_duong"]).tasks.get()
    report = plan_actions.submit_report(task, acting_user=users["admin"], as_of=D(2023, 6, 1), progress="90")
    plan_actions.review_report(report, acting_user=users["admin"], accept=True)


def test_snapshot_stays_as_issued(tree, users, inspector):
    from docx import Document

    from quantriet.study.models import Campaign, CoverageCounter

    admin = users["admin"]
    plan = plan_actions.create_plan(acting_user=admin, unit=tree["son_duong"], title="Kế hoạch của Huyện ủy")
    plan = plan_actions.issue_plan(plan, acting_user=admin, issued_on=D(2022, 9, 1))
    task = plan_actions.create_task(plan, acting_user=admin, title="Củng cố chi bộ", lead_unit=tree["son_duong"],
                                    start_on=D(2022, 9, 1), deadline=D(2022, 12, 31))
    report = plan_actions.submit_report(task, acting_user=admin, as_of=D(2022, 10, 1), progress="25")
    plan_actions.review_report(report, acting_user=admin, accept=True)
    campaign = Campaign.objects.create(title="Học tập Nghị quyết 21", unit=tree["province"], starts_on=D(2022, 8, 1),
                                       deadline=D(2022, 10, 31), status="open")
    CoverageCounter.objects.create(campaign=campaign, unit=tree["son_duong"], targeted=50, attended=30, completed=20)
    program = _program(inspector, tree)
    item = _item(inspector, program, tree["son_duong"])
    actions.save_conclusion(item, acting_user=inspector, strengths="Tốt", shortcomings="Chậm")
    conclusion = actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 20))
    figures = conclusion.snapshot
    assert figures["taken_on"] == "2023-04-20"
    assert [(p["number"], p["progress"]) for p in figures["plans"]] == [("01-KH/HU", "25.00")]
    assert figures["overdue_tasks"] == 1  # the task was due on 31/12/2022 and 25 % done on 20/04/2023
    assert [(s["targeted"], s["completed"], s["completed_percent"]) for s in figures["study"]] == [(50, 20, 40.0)]

    _change_figures(tree, users, inspector, campaign)
    from quantriet.oversight import snapshot as snap

    live = snap.take(item, D(2023, 7, 1))
    assert live["plans"][0]["progress"] == "90.00" and live["study"][0]["completed"] == 40  # the figures did move
    conclusion.refresh_from_db()
    assert conclusion.snapshot == figures
    client = login(inspector)
    page = client.get(reverse("oversight:conclusion", kwargs={"pk": item.pk})).content.decode()
    figures_html = page[page.index('id="figures"'):]
    assert "25.00" in figures_html and "90.00" not in figures_html and "20/50 (40,0%)" in figures_html and "40/50" not in page
    docx = client.get(reverse("oversight:conclusion-docx", kwargs={"pk": item.pk}))
    document = Document(io.BytesIO(docx.content))
    texts = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "25,0%" in cells and "90,0%" not in cells
    assert "20/50 đảng viên hoàn thành (40,0%)" in texts and "40/50" not in texts
    assert "Số nhiệm vụ quá hạn: 1." in texts


def test_conclusion_docx_party_layout(issued, inspector):
    from docx import Document

    docx = login(inspector).get(reverse("oversight:conclusion-docx", kwargs={"pk": issued["item"].pk}))
    assert docx.status_code == 200
    assert docx["Content-Disposition"] == 'attachment; filename="01-tb-ubkttu.docx"'
    document = Document(io.BytesIO(docx.content))
    left, right = document.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs] == ["TỈNH ỦY TUYÊN QUANG", "ỦY BAN KIỂM TRA", "*", "Số 01-TB/UBKTTU"]
    assert left.paragraphs[1].runs[0].bold
    assert right.paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM" and right.paragraphs[0].runs[0].underline
    assert right.paragraphs[1].runs[0].italic and right.paragraphs[1].text == "Tuyên Quang, ngày 20 tháng 4 năm 2023"
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert round(document.sections[0].page_width.cm, 1) == 21.0
    texts = [p.text for p in document.paragraphs]
    assert "THÔNG BÁO KẾT LUẬN" in texts and "V. KIẾN NGHỊ" in texts
    assert "1. Khắc phục hạn chế. Thời hạn: 31/12/2023." in texts
    signing = document.tables[-1].rows[0].cells
    assert signing[0].paragraphs[0].text == "Nơi nhận:" and signing[1].paragraphs[0].text == "T/M ỦY BAN KIỂM TRA"


def test_committee_numbers_and_sequences(tree, users, inspector):
    """The committee's own conclusions are "KL/TU"; the commission's "KL/UBKTTU", each numbered apart."""
    committee = _program(users["admin"], tree, body="committee")
    commission = _program(inspector, tree)
    numbers = []
    for program, subject in ((committee, "son_duong"), (commission, "yen_son"), (committee, "yen_son"),
                             (commission, "son_duong")):
        item = _item(inspector, program, tree[subject])
        actions.save_conclusion(item, acting_user=inspector, strengths="Tốt")
        numbers.append(actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 5, 2)).canonical_number)
    assert numbers == ["01-KL/TU", "01-KL/UBKTTU", "02-KL/TU", "02-KL/UBKTTU"]


def test_item_validation_and_draft_rules(tree, users, inspector, people):
    program = _program(inspector, tree)
    base = dict(kind="inspection", subject_unit=tree["son_duong"], topic="Chủ đề", period_from=D(2022, 1, 1),
                period_to=D(2022, 12, 31), starts_on=D(2023, 3, 1), ends_on=D(2023, 3, 31))
    for changes, field in [({"ends_on": D(2023, 2, 1)}, "ends_on"), ({"period_to": D(2021, 1, 1)}, "period_to"),
                           ({"starts_on": D(2024, 1, 1), "ends_on": D(2024, 1, 2)}, "starts_on"),
                           ({"subject_unit": tree["province"]}, "subject_unit"),
                           ({"subject_member": people["c1"]}, "subject_member"), ({"kind": "x"}, "kind")]:
        with pytest.raises(ValidationError) as error:
            actions.create_item(program, acting_user=inspector, **{**base, **changes})
        assert field in error.value.message_dict, changes
    with pytest.raises(ActionDenied):  # the district office manages its own subtree, not the province's programme
        actions.create_item(program, acting_user=users["ancestor_staff"], **base)
    item = actions.create_item(program, acting_user=inspector, **base)
    with pytest.raises(ValidationError):  # nothing written yet
        actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 1))
    actions.save_conclusion(item, acting_user=inspector, strengths="Tốt")
    actions.request_self_report(item, acting_user=inspector, due_on=D(2023, 3, 10))
    with pytest.raises(ValidationError):  # the self-report is awaited
        actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 1))
    actions.submit_self_report(item, acting_user=users["ancestor_staff"], text="Báo cáo")
    actions.add_recommendation(item, acting_user=inspector, text="Sớm", deadline=D(2023, 3, 15))
    with pytest.raises(ValidationError) as error:  # a recommendation due before the conclusion
        actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 1))
    assert "issued_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2099, 4, 1))


def test_calendar_history_and_exports(issued, tree, inspector, users):
    from openpyxl import load_workbook

    client = login(inspector)
    program, item = issued["program"], issued["item"]
    calendar = client.get(reverse("oversight:program-calendar", kwargs={"pk": program.pk}))
    months = calendar.context["months"]
    assert [m["month"] for m in months if m["items"]] == [3]
    # A formula-looking topic is neutralized in the export.
    second = actions.create_item(program, acting_user=inspector, kind="supervision_regular",
                                 subject_unit=tree["yen_son"], topic="=HYPERLINK(\"x\")", period_from=D(2023, 1, 1),
                                 period_to=D(2023, 6, 30), starts_on=D(2023, 7, 1), ends_on=D(2023, 8, 15))
    sheet = load_workbook(io.BytesIO(client.get(
        reverse("oversight:program-export", kwargs={"pk": program.pk})).content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[2] for r in rows] == ["Huyện ủy Sơn Dương", "Huyện ủy Yên Sơn"]
    assert rows[1][3] == "'=HYPERLINK(\"x\")" and rows[0][10] == "01-TB/UBKTTU"
    assert [m["month"] for m in client.get(reverse("oversight:program-calendar", kwargs={"pk": program.pk}))
            .context["months"] if second in m["items"]] == [7, 8]
    # Open recommendations with their age and overdue flag, and their export.
    page = client.get(reverse("oversight:recommendations"))
    [row] = page.context["rows"]
    assert row["overdue"] is True and row["days"] >= 200
    sheet = load_workbook(io.BytesIO(client.get(reverse("oversight:recommendations-export")).content)).active
    assert [c.value for c in sheet[2]][:3] == ["01-TB/UBKTTU", datetime.datetime(2023, 4, 20), "Huyện ủy Sơn Dương"]
    # The subject's history survives the closing of the unit.
    from quantriet.units.models import Unit

    Unit.objects.filter(pk=tree["son_duong"].pk).update(valid_to=D(2025, 7, 1))
    history = login(users["ancestor_staff"]).get(reverse("oversight:unit-history", kwargs={"pk": tree["son_duong"].pk}))
    assert [i.pk for i in history.context["items"]] == [item.pk] and "01-TB/UBKTTU" in history.content.decode()


def test_issue_plan_numbered_option_is_backwards_compatible(tree, users):
    admin = users["admin"]
    first = plan_actions.issue_plan(plan_actions.create_plan(acting_user=admin, unit=tree["province"], title="A"),
                                    acting_user=admin, issued_on=D(2023, 1, 2))
    quiet = plan_actions.issue_plan(plan_actions.create_plan(acting_user=admin, unit=tree["province"], title="B"),
                                    acting_user=admin, issued_on=D(2023, 1, 3), numbered=False)
    second = plan_actions.issue_plan(plan_actions.create_plan(acting_user=admin, unit=tree["province"], title="C"),
                                     acting_user=admin, issued_on=D(2023, 1, 4))
    assert (first.canonical_number, quiet.canonical_number, second.canonical_number) == ("01-KH/TU", "", "02-KH/TU")
    assert quiet.status == PlanStatus.ISSUED and quiet.number is None
    with pytest.raises(ActionDenied):  # without permission_checked, the plans permission still applies
        plan_actions.create_plan(acting_user=users["ancestor_staff"], unit=tree["province"], title="D")


def test_partydoc_is_generic():
    from docx import Document

    from quantriet.core.partydoc import PartyDocument

    doc = PartyDocument(issuing_body="HUYỆN ỦY SƠN DƯƠNG", number_line="Số 12-BC/HU",
                        place_date="Sơn Dương, ngày 05 tháng 02 năm 2024")
    doc.title("BÁO CÁO", "tình hình")
    doc.paragraph("Dòng một\n\nDòng hai")
    doc.table(["A", "B"], [["1", None]])
    doc.footer(recipients=["- Lưu."], authority="T/M BAN THƯỜNG VỤ", signer_title="BÍ THƯ")
    document = Document(io.BytesIO(doc.to_bytes()))
    assert [p.text for p in document.tables[0].rows[0].cells[0].paragraphs] == ["HUYỆN ỦY SƠN DƯƠNG", "*",
                                                                                 "Số 12-BC/HU"]
    texts = [p.text for p in document.paragraphs]
    assert "Dòng một" in texts and "Dòng hai" in texts and "" not in texts[texts.index("Dòng một"):][:2]
    assert [c.text for c in document.tables[1].rows[1].cells] == ["1", ""]
