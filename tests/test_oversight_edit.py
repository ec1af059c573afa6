"""Editing and withdrawing programmes and items until the conclusion is issued, the member picker of the item
form, the links from the unit page and the plans task page, and the review offered to inspectors."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry
from quantriet.oversight import actions
from quantriet.oversight.models import Conclusion, Item

from . import factories as f
from .conftest import login

D = datetime.date
COVERED_URLS: set[str] = set()  # the URLs are covered in test_oversight_permissions


@pytest.fixture
def inspector(tree):
    return f.user("kiemtra", "inspector", tree["province"])


@pytest.fixture
def program(inspector, tree):
    return actions.create_program(acting_user=inspector, unit=tree["province"], body="commission", year=2023,
                                  title="Chương trình kiểm tra, giám sát năm 2023")


def _item(user, program, subject, **extra):
    fields = dict(kind="inspection", subject_unit=subject, topic="việc thực hiện Nghị quyết 21-NQ/TW",
                  period_from=D(2022, 7, 1), period_to=D(2022, 12, 31), starts_on=D(2023, 3, 1),
                  ends_on=D(2023, 3, 31))
    return actions.create_item(program, acting_user=user, **{**fields, **extra})


def _issue(item, user):
    actions.save_conclusion(item, acting_user=user, strengths="Tốt", shortcomings="Còn hạn chế")
    return actions.issue_conclusion(item, acting_user=user, issued_on=D(2023, 4, 20))


def _form(item, **changes):
    data = {"kind": item.kind, "subject_unit": item.subject_unit_id, "topic": item.topic,
            "period_from": item.period_from.strftime("%d/%m/%Y"), "period_to": item.period_to.strftime("%d/%m/%Y"),
            "starts_on": item.starts_on.strftime("%d/%m/%Y"), "ends_on": item.ends_on.strftime("%d/%m/%Y"),
            "team_head_card": item.team_head.card_number if item.team_head_id else "",
            "team_cards": ", ".join(m.card_number for m in item.team_members.all() if m.card_number)}
    return {**data, **changes}


# --- programmes ------------------------------------------------------------------------------

def test_program_edit_audited_and_locked_once_a_conclusion_is_issued(program, inspector, tree, users):
    with pytest.raises(ActionDenied):  # the district office does not manage the province's programme
        actions.update_program(program, acting_user=users["ancestor_staff"], title="X")
    actions.update_program(program, acting_user=inspector, title="  Chương trình năm 2023 (sửa)  ")
    entry = AuditEntry.objects.filter(action="oversight.program.update").get()
    assert entry.before["title"] == "Chương trình kiểm tra, giám sát năm 2023"
    assert entry.after["title"] == "Chương trình năm 2023 (sửa)" and entry.scope_path == tree["province"].path
    actions.update_program(program, acting_user=inspector, title="Chương trình năm 2023 (sửa)")  # no change
    assert AuditEntry.objects.filter(action="oversight.program.update").count() == 1
    # Another programme of the same body and year is refused; an empty title too.
    other = actions.create_program(acting_user=inspector, unit=tree["province"], body="commission", year=2024,
                                   title="Năm 2024")
    for changes, field in (({"year": 2023}, "year"), ({"title": "  "}, "title"), ({"body": "council"}, "body"),
                           ({"year": 1800}, "year")):
        with pytest.raises(ValidationError) as error:
            actions.update_program(other, acting_user=inspector, **changes)
        assert field in error.value.message_dict, changes
    with pytest.raises(TypeError):
        actions.update_program(other, acting_user=inspector, unit=tree["son_duong"])
    # The year moves only with the items; body and year are frozen once a conclusion is issued.
    item = _item(inspector, program, tree["son_duong"])
    with pytest.raises(ValidationError) as error:
        actions.update_program(program, acting_user=inspector, year=2022)
    assert "year" in error.value.message_dict
    draft = actions.save_conclusion(item, acting_user=inspector, strengths="Tốt")
    assert draft.signing_authority == "T/M ỦY BAN KIỂM TRA"
    actions.update_program(program, acting_user=inspector, body="committee")
    draft.refresh_from_db()
    assert (draft.signing_authority, draft.signer_title) == ("T/M BAN THƯỜNG VỤ", "BÍ THƯ")  # re-signed
    actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 20))
    with pytest.raises(ValidationError) as error:
        actions.update_program(program, acting_user=inspector, body="commission")
    assert "body" in error.value.message_dict
    actions.update_program(program, acting_user=inspector, title="Tên mới")  # the title still can change
    program.refresh_from_db()
    assert (program.body, program.year, program.title) == ("committee", 2023, "Tên mới")


def test_program_edit_page_vietnamese_errors(program, inspector, tree):
    client = login(inspector)
    url = reverse("oversight:program-edit", kwargs={"pk": program.pk})
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["title"] == program.title
    actions.create_program(acting_user=inspector, unit=tree["province"], body="commission", year=2024, title="B")
    with translation.override("vi"):
        response = client.post(url, {"title": "A", "year": 2024, "body": "commission"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert response.context["form"].errors["year"] == ["Cơ quan này đã có chương trình của năm đó."]
    assert client.post(url, {"title": "Tiêu đề mới", "year": 2023, "body": "commission"}).status_code == 302
    program.refresh_from_db()
    assert program.title == "Tiêu đề mới"


# --- items -----------------------------------------------------------------------------------

def test_item_edit_validates_as_on_create_and_audits(program, inspector, tree, people, users):
    item = _item(inspector, program, tree["son_duong"], team_head=people["a2"])
    client = login(inspector)
    url = reverse("oversight:item-edit", kwargs={"pk": item.pk})
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"]["team_head_card"].value() == people["a2"].card_number
    bad = [({"ends_on": "01/02/2023"}, "ends_on", "Ngày kết thúc không thể trước ngày bắt đầu."),
           ({"subject_unit": tree["province"].pk}, "subject_unit", None),
           ({"starts_on": "01/03/2024", "ends_on": "31/03/2024"}, "starts_on", None),
           ({"period_to": "01/01/2021"}, "period_to", None), ({"starts_on": "30/02/2023"}, "starts_on", None),
           ({"team_cards": "99999999"}, "team_cards", "Không có đảng viên nào trong phạm vi của bạn có số thẻ này."),
           ({"topic": "  "}, "topic", None)]
    for changes, field, message in bad:
        response = client.post(url, _form(item, **changes))
        assert response.status_code == 200, changes
        errors = response.context["form"].errors
        assert field in errors, (changes, errors)
        if message:
            assert message in errors[field]
    assert not AuditEntry.objects.filter(action="oversight.item.update").exists()
    response = client.post(url, _form(item, topic="việc thực hiện quy chế làm việc", ends_on="15/04/2023",
                                      team_cards=people["self_member"].card_number, team_head_card=""))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.topic == "việc thực hiện quy chế làm việc" and item.ends_on == D(2023, 4, 15)
    assert item.team_head is None and list(item.team_members.all()) == [people["self_member"]]
    entry = AuditEntry.objects.get(action="oversight.item.update")
    assert entry.before["ends_on"] == "2023-03-31" and entry.after["ends_on"] == "2023-04-15"
    assert entry.before["team_head"] == people["a2"].pk and entry.after["team_head"] is None
    assert entry.before["team_member_ids"] == [] and entry.after["team_member_ids"] == [people["self_member"].pk]
    with pytest.raises(ActionDenied):
        actions.update_item(item, acting_user=users["ancestor_staff"], topic="X")


def test_item_edit_rules_of_the_course_of_the_item(program, inspector, tree, people):
    item = _item(inspector, program, tree["son_duong"])
    actions.request_self_report(item, acting_user=inspector, due_on=D(2023, 3, 20))
    with pytest.raises(ValidationError) as error:  # the subject is asked for its self-report
        actions.update_item(item, acting_user=inspector, subject_unit=tree["yen_son"])
    assert "subject_unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # the self-report would fall after the end of the item
        actions.update_item(item, acting_user=inspector, ends_on=D(2023, 3, 15))
    assert "ends_on" in error.value.message_dict
    actions.submit_self_report(item, acting_user=inspector, text="Báo cáo")
    actions.add_recommendation(item, acting_user=inspector, text="Khắc phục", deadline=D(2023, 3, 10))
    with pytest.raises(ValidationError) as error:  # a draft recommendation would be due before the start
        actions.update_item(item, acting_user=inspector, starts_on=D(2023, 3, 15))
    assert "starts_on" in error.value.message_dict
    actions.update_item(item, acting_user=inspector, kind="supervision_thematic", topic="Chủ đề mới")
    Conclusion.objects.filter(item=item).update(strengths="Tốt")
    from quantriet.oversight.models import Recommendation

    Recommendation.objects.filter(conclusion__item=item).update(deadline=D(2023, 12, 31))
    actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 20))
    with pytest.raises(ValidationError):  # issued: immutable
        actions.update_item(item, acting_user=inspector, topic="Sau khi ban hành")
    with pytest.raises(ValidationError):
        actions.delete_item(item, acting_user=inspector)
    item.refresh_from_db()
    assert item.topic == "Chủ đề mới" and Conclusion.objects.get(item=item).canonical_number == "01-TB/UBKTTU"
    # The page refuses with a clear message, and offers neither edit nor withdrawal.
    client = login(inspector)
    response = client.post(reverse("oversight:item-edit", kwargs={"pk": item.pk}), _form(item, topic="X"),
                           follow=True)
    assert "the item can no longer be changed" in response.content.decode() or \
        "không thể sửa đổi cuộc kiểm tra" in response.content.decode()
    page = client.get(reverse("oversight:item-detail", kwargs={"pk": item.pk})).content.decode()
    assert reverse("oversight:item-edit", kwargs={"pk": item.pk}) not in page
    assert reverse("oversight:item-delete", kwargs={"pk": item.pk}) not in page


def test_card_less_team_members_stay_on_edit(program, inspector, tree, people):
    from quantriet.members.models import Member

    Member.objects.filter(pk=people["b1"].pk).update(card_number=None)
    item = _item(inspector, program, tree["son_duong"], team_members=[people["b1"], people["a2"]])
    response = login(inspector).post(reverse("oversight:item-edit", kwargs={"pk": item.pk}),
                                     _form(item, team_cards=people["self_member"].card_number))
    assert response.status_code == 302
    assert set(item.team_members.values_list("pk", flat=True)) == {people["b1"].pk, people["self_member"].pk}


def test_withdraw_an_item(program, inspector, tree, users):
    client = login(inspector)
    planned = _item(inspector, program, tree["yen_son"])
    noted = _item(inspector, program, tree["son_duong"])
    actions.add_note(noted, acting_user=inspector, text="Ghi chú")
    drafted = _item(inspector, program, tree["son_nam"])
    actions.save_conclusion(drafted, acting_user=inspector, strengths="Dự thảo")
    reported = _item(inspector, program, tree["trung_son"])
    actions.request_self_report(reported, acting_user=inspector, due_on=D(2023, 3, 10))
    actions.submit_self_report(reported, acting_user=inspector, text="Báo cáo")
    page = client.get(reverse("oversight:item-detail", kwargs={"pk": planned.pk})).content.decode()
    assert reverse("oversight:item-delete", kwargs={"pk": planned.pk}) in page
    for item in (noted, drafted, reported):
        assert reverse("oversight:item-delete", kwargs={"pk": item.pk}) not in client.get(
            reverse("oversight:item-detail", kwargs={"pk": item.pk})).content.decode()
        response = client.post(reverse("oversight:item-delete", kwargs={"pk": item.pk}))
        assert response.status_code == 302 and response["Location"].endswith(f"/items/{item.pk}/")
        assert Item.objects.filter(pk=item.pk).exists()
    with pytest.raises(ActionDenied):
        actions.delete_item(planned, acting_user=users["ancestor_staff"])
    response = client.post(reverse("oversight:item-delete", kwargs={"pk": planned.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("oversight:program-detail",
                                                                           kwargs={"pk": program.pk})
    assert not Item.objects.filter(pk=planned.pk).exists()
    entry = AuditEntry.objects.get(action="oversight.item.delete")
    assert entry.object_id == str(planned.pk) and entry.before["subject_unit"] == tree["yen_son"].pk


# --- the member picker -----------------------------------------------------------------------

def test_member_search_is_accent_insensitive_and_scoped(program, inspector, tree, people, users):
    client = login(inspector)
    url = reverse("oversight:member-search", kwargs={"pk": program.pk})
    response = client.get(url, {"q": "le thi kim dung", "field": "team_head_card"})
    assert response.status_code == 200 and [m.pk for m in response.context["members"]] == [people["a2"].pk]
    html = response.content.decode()
    assert f'data-pick-card="{people["a2"].card_number}"' in html and 'data-pick-field="team_head_card"' in html
    assert 'data-pick-many="0"' in html
    by_card = client.get(url, {"q": people["c1"].card_number[:6], "field": "team_cards"})
    assert people["c1"] in by_card.context["members"] and 'data-pick-many="1"' in by_card.content.decode()
    assert client.get(url, {"q": "LÊ THỊ", "field": "nope"}).context["field"] == "team_cards"
    assert client.get(url, {"q": "l"}).context["short"] is True
    # A programme of Huyện ủy Sơn Dương offers only the members of its subtree.
    district = actions.create_program(acting_user=users["ancestor_staff"], unit=tree["son_duong"],
                                      body="committee", year=2023, title="Chương trình của Huyện ủy")
    office = login(users["ancestor_staff"])
    found = office.get(reverse("oversight:member-search", kwargs={"pk": district.pk}), {"q": "van"})
    names = {m.pk for m in found.context["members"]}
    assert people["self_member"].pk in names and people["c1"].pk not in names
    # The item form shows a search box per card field, and still takes card numbers.
    form = client.get(reverse("oversight:item-create", kwargs={"pk": program.pk})).content.decode()
    for field in ("subject_member_card", "team_head_card", "team_cards"):
        assert f'id="find-{field}"' in form and f'hx-vals=\'{{"field": "{field}"}}\'' in form


# --- small page fixes and links ----------------------------------------------------------------

def test_section_links_are_separated(program, inspector, tree):
    item = _item(inspector, program, tree["son_duong"])
    actions.save_conclusion(item, acting_user=inspector, strengths="Tốt")
    page = login(inspector).get(reverse("oversight:item-detail", kwargs={"pk": item.pk})).content.decode()
    nav = page[page.index('data-testid="section-links"'):]
    nav = nav[:nav.index("</nav>")]
    assert nav.count("</a>") == 5 and "</a><a" not in nav and nav.count(" · ") == 4


def test_unit_page_links_to_its_oversight_history(tree, users, inspector):
    link = reverse("oversight:unit-history", kwargs={"pk": tree["son_duong"].pk})
    for user, shown in ((users["ancestor_staff"], True), (users["admin"], True), (inspector, True)):
        page = login(user).get(reverse("units:detail", args=[tree["son_duong"].pk]))
        assert page.status_code == 200 and (link in page.content.decode()) is shown
    # A plain member sees the own cell's page, not its oversight (no view scope).
    page = login(users["member"]).get(reverse("units:detail", args=[tree["cell_a"].pk]))
    assert page.status_code == 200 and "oversight-unit-link" not in page.content.decode()
    page = login(users["same_secretary"]).get(reverse("units:detail", args=[tree["cell_a"].pk])).content.decode()
    assert reverse("oversight:unit-history", kwargs={"pk": tree["cell_a"].pk}) in page


def test_inspectors_are_offered_the_review(program, inspector, tree, users):
    item = _item(inspector, program, tree["son_duong"])
    actions.save_conclusion(item, acting_user=inspector, strengths="Tốt")
    rec = actions.add_recommendation(item, acting_user=inspector, text="Khắc phục", deadline=D(2023, 12, 31))
    conclusion = actions.issue_conclusion(item, acting_user=inspector, issued_on=D(2023, 4, 20))
    rec.refresh_from_db()
    report = actions.report_on_recommendation(rec, acting_user=users["ancestor_staff"], as_of=D(2023, 9, 1),
                                              narrative="Đã làm")
    review = reverse("oversight:recommendation-review", kwargs={"pk": report.pk})
    body = login(inspector)
    assert review in body.get(reverse("oversight:recommendations")).content.decode()
    page = body.get(reverse("oversight:item-detail", kwargs={"pk": item.pk})).content.decode()
    assert review in page and 'data-testid="awaiting-review"' in page
    subject = login(users["ancestor_staff"])
    listed = subject.get(reverse("oversight:recommendations")).content.decode()
    assert review not in listed and rec.text in listed
    # The plans task page of the follow-up plan points to the recommendation; other tasks do not.
    task_page = body.get(reverse("plans:task-detail", kwargs={"pk": rec.task_id})).content.decode()
    assert 'data-testid="oversight-task-note"' in task_page and conclusion.canonical_number in task_page
    assert reverse("oversight:item-detail", kwargs={"pk": item.pk}) + "#recommendations" in task_page
    from quantriet.plans import actions as plan_actions

    plan = plan_actions.create_plan(acting_user=users["admin"], unit=tree["province"], title="Kế hoạch")
    task = plan_actions.create_task(plan, acting_user=users["admin"], title="Việc", lead_unit=tree["son_duong"],
                                    start_on=D(2023, 1, 1), deadline=D(2023, 6, 30))
    other = login(users["admin"]).get(reverse("plans:task-detail", kwargs={"pk": task.pk})).content.decode()
    assert "oversight-task-note" not in other
