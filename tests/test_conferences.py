"""Conferences, sites and attendance as evidence: exact counts on every check-in path."""
import datetime
import io
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from quantriet.conferences import actions, exports, selectors
from quantriet.conferences.models import (
    Attendance, AttendanceStatus, AudienceKind, Conference, Invitation, Method, Notification, Session, Site,
    SiteSessionCount, UninvitedPolicy,
)
from quantriet.core.models import AuditEntry
from quantriet.documents.models import Document

from . import factories as f
from .conftest import login as _login

COVERED_URLS: set[str] = set()  # the permission matrix lives in test_conferences_permissions.py


@pytest.fixture(autouse=True)
def fast_password_hashing_in_english(settings):
    """The conftest users get passwords; a cheap hasher keeps these many tests quick. Messages are
    asserted in English (the Vietnamese catalog is checked by tests/test_i18n.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("en"):
        yield


def login(user):
    client = _login(user)
    client.cookies["quantriet_language"] = "en"
    return client


def build_conference(tree, people, users, *, policy=UninvitedPolicy.REFUSE, start=None):
    """A provincial conference with a relay tree of sites over the conftest tree:

        Trung tâm Hội nghị tỉnh (province)
        ├── Huyện ủy Sơn Dương (son_duong)
        │   ├── Chi bộ thôn A (cell_a): invites cell_a (self_member, a2)
        │   └── Xã Sơn Nam (son_nam): invites cell_b (b1)
        └── Huyện ủy Yên Sơn (yen_son): invites yen_son's subtree (c1)
    """
    admin = users["admin"]
    start = start or timezone.now() - datetime.timedelta(minutes=10)
    conference = actions.create_conference(
        acting_user=admin, organizer=tree["province"], title="Hội nghị quán triệt Nghị quyết Trung ương 5",
        uninvited_policy=policy, late_grace_minutes=15,
    )
    session = actions.add_session(conference, acting_user=admin, title="Phiên bế mạc", starts_at=start,
                                  ends_at=start + datetime.timedelta(hours=3))
    root = actions.add_site(conference, acting_user=admin, name="Trung tâm Hội nghị tỉnh", host_unit=tree["province"])
    district = actions.add_site(conference, acting_user=admin, name="Huyện ủy Sơn Dương", host_unit=tree["son_duong"],
                                parent=root)
    cell_a = actions.add_site(conference, acting_user=admin, name="Chi bộ thôn A", host_unit=tree["cell_a"],
                              parent=district)
    son_nam = actions.add_site(conference, acting_user=admin, name="Xã Sơn Nam", host_unit=tree["son_nam"],
                               parent=district)
    yen_son = actions.add_site(conference, acting_user=admin, name="Huyện ủy Yên Sơn", host_unit=tree["yen_son"],
                               parent=root)
    actions.add_audience_rule(cell_a, acting_user=admin, kind=AudienceKind.UNIT, unit=tree["cell_a"])
    actions.add_audience_rule(son_nam, acting_user=admin, kind=AudienceKind.UNIT, unit=tree["cell_b"])
    actions.add_audience_rule(yen_son, acting_user=admin, kind=AudienceKind.UNIT, unit=tree["yen_son"])
    actions.build_invitations(conference, acting_user=admin)
    return {"conference": conference, "session": session, "root": root, "district": district, "cell_a": cell_a,
            "son_nam": son_nam, "yen_son": yen_son}


@pytest.fixture
def conf(tree, people, users):
    return build_conference(tree, people, users)


def counts(site, session):
    row = SiteSessionCount.objects.get(site=site, session=session)
    return {k: getattr(row, k) for k in SiteSessionCount.COUNTERS}


def zero(**values):
    return dict(dict.fromkeys(SiteSessionCount.COUNTERS, 0), **values)


def scan(conf, user, member, site_key="cell_a"):
    return actions.scan_member(session=conf["session"], site=conf[site_key], code=member.card_number, acting_user=user)


# -- invitations -----------------------------------------------------------------------------

def test_invitations_expand_rules_one_site_per_member(conf, people):
    invited = dict(Invitation.objects.filter(conference=conf["conference"]).values_list("member__full_name", "site__name"))
    assert invited == {
        "Chẩu Văn Lâm": "Chi bộ thôn A", "Lê Thị Kim Dung": "Chi bộ thôn A",
        "Hoàng Văn Bình": "Xã Sơn Nam", "Nguyễn Văn Sơn": "Huyện ủy Yên Sơn",
    }
    assert [Site.objects.get(pk=conf[k].pk).invited_count for k in ("root", "district", "cell_a", "son_nam", "yen_son")] \
        == [0, 0, 2, 1, 1]


def test_named_person_beats_unit_rule_and_rebuild_is_stable(conf, people, users):
    admin = users["admin"]
    actions.add_audience_rule(conf["root"], acting_user=admin, kind=AudienceKind.MEMBER, member=people["self_member"])
    result = actions.build_invitations(conf["conference"], acting_user=admin)
    assert result == {"invited": 4, "added": 0, "moved": 1, "removed": 0}
    assert Invitation.objects.get(member=people["self_member"]).site == conf["root"]
    assert actions.build_invitations(conf["conference"], acting_user=admin) == {
        "invited": 4, "added": 0, "moved": 0, "removed": 0}
    assert Site.objects.get(pk=conf["cell_a"].pk).invited_count == 1
    assert Site.objects.get(pk=conf["root"].pk).invited_count == 1


def test_position_rule_invites_holders_within_unit(tree, people, users, conf):
    admin = users["admin"]
    chief = f.member(tree["cell_c"], "Hầu A Lềnh", positions=["Bí thư chi bộ"])
    actions.add_audience_rule(conf["root"], acting_user=admin, kind=AudienceKind.POSITION, position="bi thu",
                              unit=tree["province"])
    actions.build_invitations(conf["conference"], acting_user=admin)
    assert Invitation.objects.get(member=chief).site == conf["root"]
    assert Invitation.objects.get(member=people["c1"]).site == conf["yen_son"]


def test_invitations_notify_in_app_and_by_mail_on_commit(conf, people, users, django_capture_on_commit_callbacks):
    people["a2"].email = "dung@example.vn"
    people["a2"].save()
    with django_capture_on_commit_callbacks(execute=True):
        sent = actions.send_invitations(conf["conference"], acting_user=users["admin"])
    assert sent == 4
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["member"]
    assert [m.to for m in mail.outbox] == [["dung@example.vn"]]
    assert "Chi bộ thôn A" in mail.outbox[0].body
    # invitations go once; reminders every time
    assert actions.send_invitations(conf["conference"], acting_user=users["admin"]) == 0
    assert actions.send_invitations(conf["conference"], acting_user=users["admin"], reminder=True) == 4
    assert Notification.objects.count() == 2


# -- check-in paths: exact counts ----------------------------------------------------------------

def test_duplicate_scans_are_idempotent(conf, people, users):
    sec = users["same_secretary"]
    first = scan(conf, sec, people["self_member"])
    second = scan(conf, sec, people["self_member"])
    third = actions.scan_member(session=conf["session"], site=conf["cell_a"],
                                code=actions.member_token(people["self_member"]), acting_user=sec)
    assert (first.result, second.result, third.result) == ("inserted", "duplicate", "duplicate")
    assert Attendance.objects.count() == 1
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    assert actions.recount(conf["conference"]) == 0


def test_wrong_site_is_refused_with_a_clear_message(conf, people, users):
    row = scan(conf, users["same_secretary"], people["b1"])
    assert row.result == "refused" and row.code == "wrong_site"
    assert row.detail == "Wrong site: this member is invited at the site “Xã Sơn Nam”, not at “Chi bộ thôn A”."
    assert Attendance.objects.count() == 0
    assert counts(conf["cell_a"], conf["session"]) == zero()


def test_uninvited_refused_by_default(conf, tree, users):
    outsider = f.member(tree["son_duong"], "Trần Văn Ngoài")
    row = scan(conf, users["same_secretary"], outsider)
    assert (row.result, row.code) == ("refused", "not_invited")
    assert Attendance.objects.count() == 0


def test_uninvited_recorded_as_extra_when_configured(tree, people, users):
    conf = build_conference(tree, people, users, policy=UninvitedPolicy.RECORD_EXTRA)
    outsider = f.member(tree["son_duong"], "Trần Văn Ngoài")
    row = scan(conf, users["same_secretary"], outsider)
    assert (row.result, row.extra) == ("inserted", True)
    assert scan(conf, users["same_secretary"], outsider).result == "duplicate"
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1, extra=1)
    totals = selectors.rolled_up(conf["session"], conf["root"])
    assert (totals["present"], totals["present_invited"], totals["extra"], totals["invited"]) == (1, 0, 1, 4)
    # even with record_extra, an invited member at the wrong site is refused
    assert scan(conf, users["same_secretary"], people["b1"]).code == "wrong_site"


def test_offline_batch_sent_twice_gives_exact_counts(tree, people, users):
    conf = build_conference(tree, people, users, start=timezone.now() - datetime.timedelta(minutes=30))
    client = login(users["same_secretary"])
    start = conf["session"].starts_at
    rows = [
        {"member": people["self_member"].pk, "checked_in_at": (start + datetime.timedelta(minutes=2)).isoformat(),
         "method": "qr_member"},
        {"card_number": people["a2"].card_number, "checked_in_at": (start + datetime.timedelta(minutes=20)).isoformat(),
         "method": "qr_member"},
        {"card_number": people["b1"].card_number, "checked_in_at": start.isoformat()},  # wrong site
        {"card_number": "99999999", "checked_in_at": start.isoformat()},  # unknown
        {"member": people["self_member"].pk, "checked_in_at": start.isoformat()},  # twice in the batch
    ]
    body = {"site": conf["cell_a"].pk, "session": conf["session"].pk, "rows": rows}
    first = client.post("/api/v1/checkin/batch/", body, content_type="application/json")
    assert first.status_code == 200, first.content
    data = first.json()
    assert (data["inserted"], data["updated"], data["duplicates"], data["refused"]) == (2, 0, 1, 2)
    assert sorted(r["code"] for r in data["refused_rows"]) == ["unknown_member", "wrong_site"]
    assert data["duplicate_rows"] == [4]
    second = client.post("/api/v1/checkin/batch/", body, content_type="application/json").json()
    assert (second["inserted"], second["updated"], second["duplicates"], second["refused"]) == (0, 0, 3, 2)
    assert Attendance.objects.count() == 2
    records = {a.member_id: a for a in Attendance.objects.all()}
    assert records[people["self_member"].pk].checked_in_at == start + datetime.timedelta(minutes=2)  # device time
    assert records[people["self_member"].pk].offline is True
    assert (records[people["self_member"].pk].late, records[people["a2"].pk].late) == (False, True)
    assert counts(conf["cell_a"], conf["session"]) == zero(present=2, late=1)
    assert actions.recount(conf["conference"]) == 0
    assert AuditEntry.objects.filter(action="conference.checkin").count() == 2


def test_batch_rejects_malformed_rows_without_writing(conf, people, users):
    client = login(users["same_secretary"])
    start = conf["session"].starts_at.isoformat()
    good = {"member": people["self_member"].pk, "checked_in_at": start}
    bad_rows = [
        {"card_number": "1234", "checked_in_at": start},
        {"member": "abc", "checked_in_at": start},
        {"member": people["a2"].pk, "checked_in_at": "22/07/2022"},
        {"member": people["a2"].pk, "checked_in_at": "2022-07-22T08:00:00"},  # no offset
        {"member": people["a2"].pk, "card_number": people["a2"].card_number, "checked_in_at": start},
        {"member": people["a2"].pk, "checked_in_at": start, "method": "telepathy"},
        {"member": people["a2"].pk, "checked_in_at": start, "surprise": 1},
        "not an object",
    ]
    response = client.post("/api/v1/checkin/batch/", {"site": conf["cell_a"].pk, "session": conf["session"].pk,
                                                      "rows": [good] + bad_rows}, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["rows"]
    assert sorted(errors, key=int) == [str(i) for i in range(1, 9)]
    assert errors["1"] == {"card_number": ["A party card number has exactly 8 digits."]}
    assert errors["7"] == {"surprise": ["Unknown field."]}
    assert Attendance.objects.count() == 0
    assert counts(conf["cell_a"], conf["session"]) == zero()
    too_many = {"site": conf["cell_a"].pk, "session": conf["session"].pk, "rows": [good] * 5001}
    assert client.post("/api/v1/checkin/batch/", too_many, content_type="application/json").status_code == 400
    for body in ({"site": "x", "session": conf["session"].pk, "rows": [good]},
                 {"site": conf["cell_a"].pk, "session": conf["session"].pk, "rows": []},
                 {"site": conf["cell_a"].pk, "session": 999999, "rows": [good]}, [good]):
        assert client.post("/api/v1/checkin/batch/", body, content_type="application/json").status_code == 400
    assert client.post("/api/v1/checkin/batch/", "{not json", content_type="application/json").status_code == 400
    assert Attendance.objects.count() == 0


def test_batch_device_times_outside_the_session_are_refused(conf, people, users):
    client = login(users["same_secretary"])
    start = conf["session"].starts_at
    rows = [{"member": people["self_member"].pk, "checked_in_at": (start - datetime.timedelta(days=2)).isoformat()},
            {"member": people["a2"].pk, "checked_in_at": (timezone.now() + datetime.timedelta(hours=1)).isoformat()}]
    data = client.post("/api/v1/checkin/batch/", {"site": conf["cell_a"].pk, "session": conf["session"].pk,
                                                  "rows": rows}, content_type="application/json").json()
    assert (data["inserted"], data["refused"]) == (0, 2)
    assert sorted(r["code"] for r in data["refused_rows"]) == ["future_time", "outside_session"]


def test_late_arrival_after_grace(tree, people, users):
    conf = build_conference(tree, people, users, start=timezone.now() - datetime.timedelta(minutes=20))
    row = scan(conf, users["same_secretary"], people["self_member"])
    assert (row.result, row.late) == ("inserted", True)
    conf2 = build_conference(tree, people, users, start=timezone.now() - datetime.timedelta(minutes=5))
    assert scan(conf2, users["same_secretary"], people["a2"]).late is False
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1, late=1)


def test_single_checkin_api_statuses(conf, people, users):
    client = login(users["same_secretary"])
    url = "/api/v1/checkin/"
    base = {"site": conf["cell_a"].pk, "session": conf["session"].pk}
    assert client.post(url, {**base, "member": people["self_member"].pk}, content_type="application/json").status_code == 201
    again = client.post(url, {**base, "card_number": people["self_member"].card_number}, content_type="application/json")
    assert (again.status_code, again.json()["result"]) == (200, "duplicate")
    token = actions.member_token(people["a2"])
    assert client.post(url, {**base, "member_token": token}, content_type="application/json").status_code == 201
    wrong = client.post(url, {**base, "member": people["b1"].pk}, content_type="application/json")
    assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_site")
    assert "Xã Sơn Nam" in wrong.json()["detail"]
    for bad in ({**base, "member_token": "forged"}, {**base, "card_number": "21-NQ"}, {**base},
                {**base, "member": 1, "extra": 2}, {**base, "member": True}):
        assert client.post(url, bad, content_type="application/json").status_code == 400
    assert counts(conf["cell_a"], conf["session"]) == zero(present=2)


# -- QR self check-in ------------------------------------------------------------------------------

def test_self_checkin_through_the_site_qr_link(conf, people, users):
    token = actions.site_session_token(conf["cell_a"], conf["session"])
    client = login(users["member"])
    page = client.get(f"/conferences/checkin/{token}/")
    assert page.status_code == 200 and "Chi bộ thôn A" in page.content.decode()
    assert client.post(f"/conferences/checkin/{token}/").context["result"].result == "inserted"
    assert client.post(f"/conferences/checkin/{token}/").context["result"].result == "duplicate"
    record = Attendance.objects.get()
    assert (record.member, record.method, record.recorded_by) == (people["self_member"], Method.QR_SELF, users["member"])
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    # the QR of another site: refused, with the right site named
    other = actions.site_session_token(conf["son_nam"], conf["session"])
    login(users["member"]).post(f"/conferences/checkin/{other}/")
    response = client.post(f"/conferences/checkin/{other}/")
    assert response.status_code == 400
    assert "invited at the site “Chi bộ thôn A”" in response.context["result"].detail


def test_bad_expired_and_accountless_qr(conf, users, people):
    client = login(users["member"])
    assert client.get("/conferences/checkin/garbage/").status_code == 400
    Session.objects.filter(pk=conf["session"].pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=8), ends_at=timezone.now() - datetime.timedelta(hours=6))
    conf["session"].refresh_from_db()
    expired = actions.site_session_token(conf["cell_a"], conf["session"])
    response = client.post(f"/conferences/checkin/{expired}/")
    assert response.status_code == 400 and "expired" in response.context["error"]
    assert Attendance.objects.count() == 0


def test_secretary_qr_image_and_personal_qr_are_svg(conf, users):
    response = login(users["same_secretary"]).get(f"/conferences/sites/{conf['cell_a'].pk}/sessions/{conf['session'].pk}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml" and response.content.lstrip().startswith(b"<?xml")
    assert login(users["member"]).get("/conferences/mine/qr.svg").content.lstrip().startswith(b"<?xml")


# -- checklist -----------------------------------------------------------------------------------

def test_checklist_marks_and_absent_then_scan(conf, people, users):
    sec = users["same_secretary"]
    client = login(sec)
    url = f"/conferences/sites/{conf['cell_a'].pk}/sessions/{conf['session'].pk}/mark/"
    response = client.post(url, {"member": people["a2"].pk, "status": "excused", "reason": "Ốm"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Ốm" in response.content.decode()
    assert counts(conf["cell_a"], conf["session"]) == zero(excused=1)
    # excused without a reason: a clear error, nothing changes
    response = client.post(url, {"member": people["self_member"].pk, "status": "excused"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "needs a reason" in response.content.decode()
    client.post(url, {"member": people["self_member"].pk, "status": "absent"}, HTTP_HX_REQUEST="true")
    assert counts(conf["cell_a"], conf["session"]) == zero(excused=1, absent=1)
    # the absent member arrives after all: the same record becomes a presence
    assert scan(conf, sec, people["self_member"]).result == "updated"
    client.post(url, {"member": people["a2"].pk, "status": "present"}, HTTP_HX_REQUEST="true")
    assert counts(conf["cell_a"], conf["session"]) == zero(present=2)
    assert Attendance.objects.filter(status=AttendanceStatus.PRESENT).count() == 2
    # wrong site on the checklist
    response = client.post(url, {"member": people["b1"].pk, "status": "present"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "Xã Sơn Nam" in response.content.decode()
    assert client.post(url, {"member": "x", "status": "present"}).status_code == 400
    assert actions.recount(conf["conference"]) == 0
    page = client.get(f"/conferences/sites/{conf['cell_a'].pk}/sessions/{conf['session'].pk}/")
    assert page.status_code == 200 and 'hx-trigger="every 5s"' in page.content.decode()
    fragment = client.get(f"/conferences/sites/{conf['cell_a'].pk}/sessions/{conf['session'].pk}/count/")
    assert fragment.context["counts"]["present_invited"] == 2


# -- roll-up and recount -------------------------------------------------------------------------

def test_rollup_equals_recount_and_recount_repairs_drift(conf, people, users):
    scan(conf, users["same_secretary"], people["self_member"])
    scan(conf, users["admin"], people["b1"], "son_nam")
    scan(conf, users["admin"], people["c1"], "yen_son")
    session = conf["session"]
    tree_totals = selectors.tree_counts(session, Site.objects.filter(conference=conf["conference"]))
    assert tree_totals[conf["root"].pk]["total"]["present"] == 3 == Attendance.objects.count()
    assert tree_totals[conf["district"].pk]["total"]["present"] == 2
    assert tree_totals[conf["district"].pk]["own"]["present"] == 0
    assert selectors.rolled_up(session, conf["district"])["present"] == 2
    assert selectors.rolled_up(session, conf["root"])["invited"] == 4
    assert selectors.rolled_up(session, conf["root"])["not_recorded"] == 1
    assert actions.recount(conf["conference"]) == 0
    SiteSessionCount.objects.filter(site=conf["son_nam"]).update(present=7)
    assert actions.recount(conf["conference"]) == 1
    assert counts(conf["son_nam"], session) == zero(present=1)


# -- paper sheet import --------------------------------------------------------------------------

def import_url(conf):
    return f"/conferences/sites/{conf['cell_a'].pk}/sessions/{conf['session'].pk}/import/"


def test_import_paper_sheet_csv_and_xlsx(conf, people, users):
    client = login(users["same_secretary"])
    sheet = (f"Số thẻ,Có mặt,Lý do\n{people['self_member'].card_number},x,\n"
             f"{people['a2'].card_number},có lý do,Đi công tác\n{people['b1'].card_number},x,\n")
    response = client.post(import_url(conf), {"file": SimpleUploadedFile("sheet.csv", sheet.encode(), "text/csv")})
    assert response.status_code == 200
    assert response.context["result"].summary == {"inserted": 1, "updated": 1, "duplicates": 0, "refused": 1}
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1, excused=1)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Số thẻ", "Có mặt"])
    book.active.append([int(people["self_member"].card_number), "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(import_url(conf), {"file": SimpleUploadedFile("sheet.xlsx", buffer.getvalue())})
    assert response.context["result"].summary == {"inserted": 0, "updated": 0, "duplicates": 1, "refused": 0}
    assert Attendance.objects.count() == 2 and Attendance.objects.get(member=people["self_member"]).method == Method.PAPER


@pytest.mark.parametrize("name, content, message", [
    ("sheet.pdf", b"%PDF-1.4 ...", "Upload an .xlsx or .csv file."),
    ("sheet.xlsx", b"this is not a zip", "not a valid .xlsx"),
    ("sheet.xlsx", b"PK\x03\x04broken", "not a valid .xlsx"),
    ("big.csv", b"1" * (2 * 1024 * 1024 + 10), "larger than 2 MB"),
    ("sheet.csv", "10000001,x\n1234,x\n".encode(), "Row 3: “1234” is not an 8-digit party card number."),
    ("sheet.csv", "10000001,maybe\n".encode(), "unknown status"),
    ("sheet.csv", "10000001,có lý do\n".encode(), "needs a reason"),
    ("sheet.csv", b"", "no rows"),
])
def test_import_rejects_bad_files_without_writing(conf, users, name, content, message):
    client = login(users["same_secretary"])
    response = client.post(import_url(conf), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"]) or (
        content == b"" and response.context["form"].errors["file"])
    assert Attendance.objects.count() == 0


# -- documents, forms and the API's bad input ------------------------------------------------------

@pytest.fixture
def resolutions(db):
    from quantriet.documents.demo import load_demo

    load_demo(io.StringIO())
    return {d.number: d for d in Document.objects.filter(issuer="TW", number__in=[18, 19, 20, 21])}


def test_conference_form_documents_and_bad_numbers(tree, users, resolutions):
    client = login(users["admin"])
    data = {"organizer": tree["province"].pk, "title": "Hội nghị học tập", "kind": "study", "mode": "hybrid",
            "topic": "", "uninvited_policy": "refuse", "late_grace_minutes": 15}
    for numbers, error in (("21-NQ", "is not a document number"), ("99-NQ/TW", "No document 99-NQ/TW")):
        response = client.post("/conferences/new/", {**data, "documents": numbers})
        assert response.status_code == 200 and error in " ".join(response.context["form"].errors["documents"])
    assert Conference.objects.count() == 0
    response = client.post("/conferences/new/", {**data, "documents": "21/NQ-TW; 18-NQ/TW"})
    assert response.status_code == 302
    assert sorted(Conference.objects.get().documents.values_list("canonical_number", flat=True)) == ["18-NQ/TW", "21-NQ/TW"]


def test_conference_api_create_and_bad_input(tree, users, resolutions):
    client = login(users["admin"])
    body = {"organizer": tree["province"].pk, "title": "Hội nghị", "documents": ["21-NQ/TW"]}
    response = client.post("/api/v1/conferences/", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["documents"] == ["21-NQ/TW"]
    for bad in ({**body, "documents": ["21-NQ"]}, {**body, "documents": ["99-NQ/TW"]}, {**body, "organizer": "x"},
                {**body, "kind": "party"}, {**body, "late_grace_minutes": -1}, {**body, "colour": "red"}):
        assert client.post("/api/v1/conferences/", bad, content_type="application/json").status_code == 400
    # an organizer outside the caller's management scope: 404, nothing created
    staff = login(users["ancestor_staff"])
    assert staff.post("/api/v1/conferences/", body, content_type="application/json").status_code == 404
    assert Conference.objects.count() == 1


def test_agenda_with_member_and_outside_presenter(conf, people, users, resolutions):
    client = login(users["admin"])
    url = f"/conferences/sessions/{conf['session'].pk}/agenda/new/"
    response = client.post(url, {"role": "presenter", "person_name": "Trương Thị Mai",
                                 "person_titles": "Ủy viên Bộ Chính trị; Trưởng Ban Tổ chức Trung ương",
                                 "documents": "21/NQ-TW"})
    assert response.status_code == 302
    item = conf["session"].agenda.get()
    assert item.person_titles == ["Ủy viên Bộ Chính trị", "Trưởng Ban Tổ chức Trung ương"]
    assert [d.canonical_number for d in item.documents.all()] == ["21-NQ/TW"]
    assert client.post(url, {"role": "chair", "member": people["self_member"].card_number}).status_code == 302
    for bad in ({"role": "chair"}, {"role": "chair", "member": "123"}, {"role": "chair", "member": "99999999"},
                {"role": "chair", "person_name": "X Y", "documents": "21-NQ"}, {"role": "king", "person_name": "X Y"}):
        assert client.post(url, bad).status_code == 200
    assert conf["session"].agenda.count() == 2


# -- documents out: sign-in sheet and report ---------------------------------------------------------

def test_signin_sheet_docx_layout(conf, users):
    response = login(users["same_secretary"]).get(
        f"/conferences/sites/{conf['cell_a'].pk}/sign-in.docx?session={conf['session'].pk}")
    assert response.status_code == 200
    from docx import Document as Docx

    doc = Docx(io.BytesIO(response.content))
    header = doc.tables[0]
    assert header.rows[0].cells[1].paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert header.rows[0].cells[1].paragraphs[0].runs[0].bold
    assert header.rows[0].cells[0].paragraphs[0].text == "TỈNH ỦY TUYÊN QUANG"
    date_line = header.rows[1].cells[1].paragraphs[0]
    assert date_line.text.startswith("Tuyên Quang, ngày ") and date_line.runs[0].italic
    names = [row.cells[1].text for row in doc.tables[1].rows[1:]]
    assert names == ["Lê Thị Kim Dung", "Chẩu Văn Lâm"]  # sorted by given name
    assert doc.tables[1].rows[0].cells[3].text == "Ký tên"
    assert doc.styles["Normal"].font.name == "Times New Roman"


def test_report_page_xlsx_and_formula_injection(conf, people, users):
    sec = users["same_secretary"]
    scan(conf, sec, people["self_member"])
    actions.mark_attendance(session=conf["session"], site=conf["cell_a"], member=people["a2"], status="excused",
                            reason="=HYPERLINK(\"http://evil\")", acting_user=sec)
    client = login(users["admin"])
    page = client.get(f"/conferences/{conf['conference'].pk}/report/")
    table = page.context["tables"][0]
    row = next(r for r in table["rows"] if r["site"] == conf["cell_a"])
    assert (row["own"]["invited"], row["own"]["present_invited"], row["own"]["excused"]) == (2, 1, 1)
    assert table["overall"]["invited"] == 4 and table["overall"]["not_recorded"] == 2
    response = client.get(f"/conferences/{conf['conference'].pk}/report.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    absences = list(book["Vắng mặt"].iter_rows(values_only=True))
    assert absences[1][2] == "Lê Thị Kim Dung" and absences[1][5] == "'=HYPERLINK(\"http://evil\")"
    present = list(book["Có mặt"].iter_rows(values_only=True))
    assert [r[2] for r in present[1:]] == ["Chẩu Văn Lâm"]
    summary = [r for r in book["Tổng hợp"].iter_rows(values_only=True) if r[1] == "Chi bộ thôn A"]
    assert summary[0][3:10] == (2, 1, 0, 0, 1, 0, 0)
    api = client.get(f"/api/v1/conferences/{conf['conference'].pk}/report/").json()
    site_row = next(s for s in api["sessions"][0]["sites"] if s["site"] == conf["cell_a"].pk)
    assert site_row["own"]["present_invited"] == 1
    assert exports.safe_cell("+1") == "'+1" and exports.safe_cell("-x") == "'-x" and exports.safe_cell("@a") == "'@a"


# -- cell meetings -------------------------------------------------------------------------------

def test_cell_meeting_is_the_one_site_case(tree, people, users, resolutions):
    client = login(users["same_secretary"])
    start = timezone.localtime() + datetime.timedelta(days=14)
    response = client.post("/conferences/cell-meeting/new/", {
        "unit": tree["cell_a"].pk, "title": "Sinh hoạt chi bộ tháng 8", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "topic": "Học tập Nghị quyết 21",
        "place": "Nhà văn hóa thôn A", "documents": "21-NQ/TW",
    })
    assert response.status_code == 302
    meeting = Conference.objects.get(kind="cell_meeting")
    assert meeting.sites.count() == 1 and meeting.sessions.count() == 1
    assert sorted(meeting.invitations.values_list("member__full_name", flat=True)) == ["Chẩu Văn Lâm", "Lê Thị Kim Dung"]
    assert Notification.objects.get().text.startswith("Cell meeting")
    assert [d.canonical_number for d in meeting.documents.all()] == ["21-NQ/TW"]
    # a secretary cannot announce a meeting for another cell
    other = login(users["other_secretary"]).post("/conferences/cell-meeting/new/", {
        "unit": tree["cell_a"].pk, "title": "X", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert other.status_code == 200 and "unit" in other.context["form"].errors
    assert Conference.objects.count() == 1


def test_inbox_marks_read(conf, users, people):
    actions.send_invitations(conf["conference"], acting_user=users["admin"])
    client = login(users["member"])
    note = Notification.objects.get()
    assert client.get("/conferences/inbox/").status_code == 200
    response = client.post(f"/conferences/inbox/{note.pk}/read/")
    assert response.status_code == 302 and response["Location"] == f"/conferences/{conf['conference'].pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_attendance_api_lists_only_reportable_sites(conf, people, users):
    scan(conf, users["same_secretary"], people["self_member"])
    scan(conf, users["admin"], people["c1"], "yen_son")
    url = f"/api/v1/attendance/?session={conf['session'].pk}"
    assert login(users["admin"]).get(url).json()["count"] == 2
    assert [r["member"] for r in login(users["ancestor_staff"]).get(url).json()["results"]] == [people["self_member"].pk]
    assert login(users["member"]).get(url).json()["count"] == 0
    assert login(users["admin"]).get("/api/v1/attendance/").status_code == 400
    assert login(users["admin"]).get("/api/v1/attendance/?session=abc").status_code == 400
    json.dumps(login(users["admin"]).get(f"/api/v1/conference-sites/?conference={conf['conference'].pk}").json())
