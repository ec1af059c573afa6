"""The "Import from article" page: permissions, bad input, escaping, member matching, saving."""
import datetime
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from quantriet.accounts import access
from quantriet.articles.actions import save_draft
from quantriet.articles.extract import extract_article
from quantriet.articles.matching import match_people, position_key
from quantriet.conferences.models import AgendaItem, Attendance, Conference, Session, Site
from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry
from quantriet.documents import actions as document_actions  # noqa: F401  (the library must be importable)
from quantriet.documents.models import Document
from quantriet.members.models import Position

from .conftest import USER_KINDS

COVERED_URLS = {"articles:import", "articles:save"}
FIXTURE = (Path(__file__).parent / "fixtures" / "articles" / "000_f67d8bf9e908cdd6.txt").read_text(encoding="utf-8")
IMPORTERS = {"ancestor_staff", "admin"}


@pytest.mark.parametrize("kind", USER_KINDS)
def test_permission_matrix(kind, client_for):
    client = client_for(kind)
    for url, method in ((reverse("articles:import"), "get"), (reverse("articles:import"), "post"),
                        (reverse("articles:save"), "post")):
        response = getattr(client, method)(url, {"text": FIXTURE} if method == "post" else None)
        if kind == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif kind in IMPORTERS:
            assert response.status_code == 200, (url, method)
        else:
            assert response.status_code == 404, (url, method)
    # The save URL answers only POST.
    if kind in IMPORTERS:
        assert client.get(reverse("articles:save")).status_code == 405


def test_refusals_are_logged(client_for, users):
    client_for("member").get(reverse("articles:import"))
    assert AuditEntry.objects.filter(action="access_denied", object_repr="articles import").count() == 1


@pytest.mark.parametrize("text, message", [
    ("", "This field is required"),
    ("   \n  ", "The text is empty"),
    ("The Politburo held a conference in Hanoi on the fifth plenum.", "does not look like a Vietnamese report"),
    ("Hội nghị \x01\x02\x03\x04\x05 ở đây", "does not look like text"),
])
def test_bad_input_gets_a_clear_message(client_for, text, message):
    client = client_for("ancestor_staff")
    client.cookies["quantriet_language"] = "en"
    response = client.post(reverse("articles:import"), {"text": text}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.templates[0].name == "articles/import.html"


@override_settings(ARTICLES_MAX_BYTES=1000)
def test_too_large_input_gets_a_clear_message(client_for):
    client = client_for("admin")
    client.cookies["quantriet_language"] = "en"
    response = client.post(reverse("articles:import"), {"text": FIXTURE})
    body = response.content.decode()
    assert response.status_code == 200
    assert "The text is too large" in body and "the limit is 1000 bytes" in body
    assert 'maxlength="1000"' in body


def test_review_page_highlights_every_field_and_escapes_the_text(client_for):
    client = client_for("ancestor_staff")
    evil = FIXTURE.replace("\n\nTheo TQĐT", '\n\nGhi chú của bạn đọc <script>alert("x")</script> <b onmouseover=1>\n\nTheo TQĐT')
    response = client.post(reverse("articles:import"), {"text": evil})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body and "<b onmouseover" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert '<mark data-field="person">Chẩu Văn Lâm</mark>' in body
    assert '<mark data-field="position">Bí thư Tỉnh ủy</mark>' in body
    assert '<mark data-field="document">21/NQ-TW</mark>' in body
    assert '<mark data-field="date">Sáng 22-7</mark>' in body
    assert '<mark data-field="reach-count">138 xã, phường, thị trấn</mark>' in body
    assert '<mark data-field="dropped">Tin cùng chuyên mục</mark>' in body
    assert '<mark data-field="credit">Thanh Phúc</mark>' in body
    assert '<mark data-field="source">TQĐT</mark>' in body
    # The highlighted text, once the marks are removed and unescaped, is the submitted text.
    section = re.search(r'data-testid="article-text">(.*?)</div>', body, re.S).group(1)
    plain = re.sub(r"</?mark[^>]*>", "", section)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")
    assert plain == evil
    # No year in the text and no document in the library: the page asks.
    assert len(response.context["warnings"]) == 1
    assert response.context["date_formset"].forms[0].initial["date"] is None
    assert [f.initial["name"] for f in response.context["person_formset"].forms] == [
        "Chẩu Văn Lâm", "Lê Thị Kim Dung", "Nguyễn Văn Sơn", "Trương Thị Mai", "Võ Văn Thưởng"]


def test_the_library_supplies_the_year(client_for, users):
    Document.objects.create(number=21, type_code="NQ", issuer="TW", canonical_number="21-NQ/TW", kind="resolution",
                            title="Tăng cường củng cố, xây dựng tổ chức cơ sở đảng", issued_on=datetime.date(2022, 6, 16))
    response = client_for("ancestor_staff").post(reverse("articles:import"), {"text": FIXTURE})
    assert response.context["draft"]["dates"][0]["date"] == "2022-07-22"
    assert response.context["warnings"] == []
    assert response.context["date_formset"].forms[0].initial["date"] == datetime.date(2022, 7, 22)


# --------------------------------------------------------------------------- member matching
def test_match_people_strong_possible_and_scope(tree, people, users):
    Position.objects.create(member=people["self_member"], title="Bí thư Tỉnh ủy", order=1)
    Position.objects.create(member=people["a2"], title="Phó Bí thư Tỉnh ủy", order=1)
    draft = extract_article(FIXTURE).to_dict()
    everyone = match_people(draft, access.visible_members(users["admin"]))
    assert [[(c["full_name"], c["strength"]) for c in cands] for cands in everyone] == [
        [("Chẩu Văn Lâm", "strong")], [("Lê Thị Kim Dung", "possible")], [("Nguyễn Văn Sơn", "possible")], [], []]
    assert everyone[0][0]["overlap"] == ["Bí thư Tỉnh ủy"]
    # The office of Sơn Dương sees cells A and B, not cell C where Nguyễn Văn Sơn is.
    scoped = match_people(draft, access.visible_members(users["ancestor_staff"]))
    assert [len(c) for c in scoped] == [1, 1, 0, 0, 0]


def test_position_keys_expand_abbreviations():
    assert position_key("Chủ tịch HĐND tỉnh") == position_key("Chủ tịch Hội đồng nhân dân tỉnh")
    assert position_key("Ủy viên BCH Trung ương Đảng") == position_key("Uỷ viên Ban Chấp hành TW Đảng")


# --------------------------------------------------------------------------- saving
def _review_post(**overrides):
    data = {
        "text": FIXTURE, "year": "2022",
        "organizer_unit": "", "title": "Hội nghị quán triệt Nghị quyết Trung ương 5", "kind": "study", "mode": "online",
        "organizer_text": "Bộ Chính trị", "place": "Trung tâm Hội nghị tỉnh",
        "sites": "Trung tâm Hội nghị tỉnh\nHĐND tỉnh", "documents": "21/NQ-TW",
        "reach": "138 xã, phường, thị trấn", "source": "TQĐT", "credits": "Thanh Phúc",
        "dates-TOTAL_FORMS": "1", "dates-INITIAL_FORMS": "1",
        "dates-0-include": "on", "dates-0-date": "22/07/2022", "dates-0-time_of_day": "morning",
        "people-TOTAL_FORMS": "3", "people-INITIAL_FORMS": "3",
        "people-0-include": "on", "people-0-name": "Chẩu Văn Lâm", "people-0-positions": "Bí thư Tỉnh ủy",
        "people-0-roles": ["attending"], "people-0-site": "Trung tâm Hội nghị tỉnh", "people-0-match": "",
        "people-1-include": "on", "people-1-name": "Lê Thị Kim Dung", "people-1-positions": "Phó Bí thư Tỉnh ủy",
        "people-1-roles": ["chair"], "people-1-site": "Trung tâm Hội nghị tỉnh", "people-1-match": "new",
        "people-2-name": "Nguyễn Văn Sơn", "people-2-match": "",
    }
    data.update(overrides)
    return data


def test_save_needs_an_explicit_choice_and_writes_nothing_until_then(client_for, tree, people):
    client = client_for("ancestor_staff")
    response = client.post(reverse("articles:save"), _review_post(organizer_unit=tree["son_duong"].pk))
    assert response.status_code == 200
    assert list(response.context["person_formset"].forms[0].errors) == ["match"]
    assert [list(f.errors) for f in response.context["person_formset"].forms[1:]] == [[], []]
    assert Conference.objects.count() == 0 and AgendaItem.objects.count() == 0


def test_save_refuses_a_member_outside_the_candidates(client_for, tree, people):
    client = client_for("ancestor_staff")
    data = _review_post(organizer_unit=tree["son_duong"].pk, **{"people-0-match": str(people["c1"].pk)})
    response = client.post(reverse("articles:save"), data)
    assert response.status_code == 200
    assert response.context["person_formset"].forms[0].errors["match"]
    assert Conference.objects.count() == 0


def test_save_refuses_an_organizing_unit_outside_the_scope(client_for, tree, people):
    client = client_for("ancestor_staff")
    data = _review_post(organizer_unit=tree["yen_son"].pk, **{"people-0-match": str(people["self_member"].pk)})
    response = client.post(reverse("articles:save"), data)
    assert response.status_code == 200
    assert response.context["review_form"].errors["organizer_unit"]
    assert Conference.objects.count() == 0


def test_save_creates_the_conference_with_sessions_sites_agenda_and_attendance(client_for, tree, people):
    client = client_for("ancestor_staff")
    data = _review_post(organizer_unit=tree["son_duong"].pk, **{"people-0-match": str(people["self_member"].pk)})
    response = client.post(reverse("articles:save"), data)
    conference = Conference.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("conferences:detail", args=[conference.pk])
    assert (conference.title, conference.kind, conference.mode, conference.organizer) == (
        "Hội nghị quán triệt Nghị quyết Trung ương 5", "study", "online", tree["son_duong"])
    # The page speaks Vietnamese by default, and so does the topic it writes.
    assert conference.topic.splitlines() == [
        "Đơn vị tổ chức: Bộ Chính trị", "Địa điểm: Trung tâm Hội nghị tỉnh",
        "Văn bản chưa có trong thư viện: 21-NQ/TW", "Phạm vi: 138 xã, phường, thị trấn", "Nguồn: TQĐT · Thanh Phúc"]
    assert list(conference.documents.all()) == []
    session = Session.objects.get(conference=conference)
    assert timezone.localtime(session.starts_at).replace(tzinfo=None) == datetime.datetime(2022, 7, 22, 7, 30)
    assert timezone.localtime(session.ends_at).replace(tzinfo=None) == datetime.datetime(2022, 7, 22, 11, 30)
    sites = {s.name: s for s in Site.objects.filter(conference=conference)}
    assert sorted(sites) == ["HĐND tỉnh", "Trung tâm Hội nghị tỉnh"]
    centre = sites["Trung tâm Hội nghị tỉnh"]
    assert (centre.chair_member, centre.chair_name, centre.chair_titles) == (None, "Lê Thị Kim Dung", ["Phó Bí thư Tỉnh ủy"])
    assert centre.place == "Trung tâm Hội nghị tỉnh"
    agenda = list(AgendaItem.objects.filter(session=session))
    assert [(a.role, a.member, a.person_name) for a in agenda] == [("chair", None, "Lê Thị Kim Dung")]
    attendance = Attendance.objects.get(session=session)
    assert (attendance.member, attendance.site, attendance.status, attendance.method) == (
        people["self_member"], centre, "present", "paper")
    assert Conference.objects.count() == 1
    assert AuditEntry.objects.filter(action="articles.import").count() == 1


def test_save_draft_is_refused_for_a_unit_outside_the_scope(tree, people, users):
    reviewed = {"organizer_unit": tree["yen_son"], "title": "Hội nghị", "kind": "study", "mode": "online",
                "dates": [{"date": datetime.date(2022, 7, 22), "time_of_day": "morning"}], "people": []}
    with pytest.raises(ActionDenied):
        save_draft(reviewed, acting_user=users["ancestor_staff"])
    with pytest.raises(ActionDenied):
        save_draft({**reviewed, "organizer_unit": tree["son_duong"]}, acting_user=users["same_secretary"])
    assert Conference.objects.count() == 0


def test_save_draft_rolls_back_when_a_member_is_out_of_scope(tree, people, users):
    reviewed = {
        "organizer_unit": tree["son_duong"], "title": "Hội nghị quán triệt", "kind": "study", "mode": "online",
        "dates": [{"date": datetime.date(2022, 7, 22), "time_of_day": "morning"}], "sites": ["Hội trường"],
        "people": [{"name": "Nguyễn Văn Sơn", "member": people["c1"], "positions": [],
                    "roles": [{"role": "attending", "site": "Hội trường", "documents": []}]}],
    }
    with pytest.raises(ActionDenied):
        save_draft(reviewed, acting_user=users["ancestor_staff"])
    assert Conference.objects.count() == 0 and Site.objects.count() == 0


def test_save_attaches_library_documents_and_presenters(client_for, tree, people):
    document = Document.objects.create(
        number=21, type_code="NQ", issuer="TW", canonical_number="21-NQ/TW", kind="resolution",
        title="Tăng cường củng cố, xây dựng tổ chức cơ sở đảng", issued_on=datetime.date(2022, 6, 16))
    client = client_for("admin")
    data = _review_post(organizer_unit=tree["province"].pk, **{
        "people-0-match": "new", "people-1-match": "new",
        "people-2-include": "on", "people-2-match": "new", "people-2-roles": ["presenter"],
        "people-2-positions": "Ủy viên Bộ Chính trị\nBí thư Trung ương Đảng", "people-2-name": "Trương Thị Mai",
        "people-2-role_documents": "21-NQ/TW",
    })
    response = client.post(reverse("articles:save"), data)
    assert response.status_code == 302, response.context and response.context["review_form"].errors
    conference = Conference.objects.get()
    assert list(conference.documents.all()) == [document]
    presenter = AgendaItem.objects.get(role="presenter")
    assert (presenter.person_name, presenter.person_titles) == (
        "Trương Thị Mai", ["Ủy viên Bộ Chính trị", "Bí thư Trung ương Đảng"])
    assert list(presenter.documents.all()) == [document]
    # Nobody matched to a member attends: no invitation, no attendance; the outside attendee is in the topic.
    assert Attendance.objects.count() == 0
    assert "Cùng dự: Chẩu Văn Lâm, Bí thư Tỉnh ủy" in conference.topic.splitlines()
