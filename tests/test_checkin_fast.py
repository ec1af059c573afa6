"""The fast check-in path: the same answers and exact counters as the full path, in fewer round trips.

On PostgreSQL a live single check-in is one statement (resolve the member and invitation, insert
ON CONFLICT DO NOTHING, upsert the site's counter) and falls back to the full path whenever it
inserts nothing; batches insert and count in one statement. SQLite keeps the portable path.
Both backends must give the same results and counters equal to `recount()`.
"""
import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from quantriet.conferences import actions, selectors
from quantriet.conferences.models import Attendance, AttendanceStatus, SiteSessionCount, UninvitedPolicy
from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry

from . import factories as f
from .conftest import USER_KINDS
from .test_conferences import build_conference, counts, zero

COVERED_URLS = {"api-checkin", "api-checkin-batch"}  # with token authentication, tried first on these two
PG = connection.vendor == "postgresql"


@pytest.fixture
def conf(tree, people, users):
    return build_conference(tree, people, users)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def token_client(user):
    from django.test import Client

    key = Token.objects.create(user=user).key
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", enforce_csrf_checks=True)
    client.cookies["quantriet_language"] = "en"
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def conference_tables(queries):
    return [q["sql"] for q in queries if "conferences_" in q["sql"]]


# -- single check-ins through the API, token-authenticated ------------------------------------------

def test_single_checkin_round_trips_and_exact_answers(tree, people, users):
    conf = build_conference(tree, people, users)
    client = token_client(users["same_secretary"])
    base = {"site": conf["cell_a"].pk, "session": conf["session"].pk}
    with CaptureQueriesContext(connection) as queries:
        first = post(client, "/api/v1/checkin/", {**base, "member": people["self_member"].pk})
    assert first.status_code == 201, first.content
    assert first.json() == {"index": 0, "result": "inserted", "member_id": people["self_member"].pk,
                            "late": False, "extra": False}
    ours = conference_tables(queries.captured_queries)
    if PG:
        # the site lookup, then one statement that resolves, inserts and counts; no transaction block
        assert len(ours) == 2
        assert ours[1].startswith("WITH m AS") and "ON CONFLICT (site_id, session_id) DO UPDATE" in ours[1]
        assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    else:
        assert len(ours) == 4  # site, members with their invitation, insert, counter
    # a re-scan by card number: 200 duplicate, nothing moves
    again = post(client, "/api/v1/checkin/", {**base, "card_number": people["self_member"].card_number})
    assert (again.status_code, again.json()["result"], again.json()["code"]) == (200, "duplicate", "already_present")
    # wrong site: refused with the site's name, no record
    wrong = post(client, "/api/v1/checkin/", {**base, "member": people["b1"].pk})
    assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_site")
    assert wrong.json()["detail"] == ("Wrong site: this member is invited at the site “Xã Sơn Nam”, "
                                      "not at “Chi bộ thôn A”.")
    # not invited at all (refuse policy)
    outsider = f.member(tree["son_duong"], "Trần Văn Ngoài")
    refused = post(client, "/api/v1/checkin/", {**base, "member": outsider.pk})
    assert (refused.status_code, refused.json()["code"]) == (409, "not_invited")
    unknown = post(client, "/api/v1/checkin/", {**base, "member": 987654321})
    assert (unknown.status_code, unknown.json()["code"]) == (409, "unknown_member")
    assert Attendance.objects.count() == 1
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    assert counts(conf["son_nam"], conf["session"]) == zero()
    assert actions.recount(conf["conference"]) == 0


def test_single_checkin_late_and_extra_and_card_number(tree, people, users):
    conf = build_conference(tree, people, users, policy=UninvitedPolicy.RECORD_EXTRA,
                            start=timezone.now() - datetime.timedelta(minutes=20))
    client = token_client(users["same_secretary"])
    base = {"site": conf["cell_a"].pk, "session": conf["session"].pk}
    late = post(client, "/api/v1/checkin/", {**base, "card_number": people["a2"].card_number})
    assert late.status_code == 201 and late.json()["late"] is True and late.json()["extra"] is False
    outsider = f.member(tree["son_duong"], "Trần Văn Ngoài")
    extra = post(client, "/api/v1/checkin/", {**base, "member": outsider.pk})
    assert extra.status_code == 201 and (extra.json()["late"], extra.json()["extra"]) == (True, True)
    # a candidate is not a member: never recorded as an extra
    candidate = f.member(tree["son_duong"], "Lò Văn Ứng", status="candidate", official_date=None)
    assert post(client, "/api/v1/checkin/", {**base, "member": candidate.pk}).json()["code"] == "not_invited"
    # even with record_extra, an invited member at the wrong site is refused
    assert post(client, "/api/v1/checkin/", {**base, "member": people["b1"].pk}).json()["code"] == "wrong_site"
    record = Attendance.objects.get(member=people["a2"])
    assert (record.late, record.extra, record.method, record.offline, record.recorded_by_id) == (
        True, False, "qr_member", False, users["same_secretary"].pk)
    assert counts(conf["cell_a"], conf["session"]) == zero(present=2, late=2, extra=1)
    assert actions.recount(conf["conference"]) == 0


def test_absent_then_scanned_becomes_present_through_the_fallback(conf, people, users):
    sec = users["same_secretary"]
    actions.mark_attendance(session=conf["session"], site=conf["cell_a"], member=people["a2"],
                            status=AttendanceStatus.EXCUSED, reason="Ốm", acting_user=sec)
    assert counts(conf["cell_a"], conf["session"]) == zero(excused=1)
    response = post(token_client(sec), "/api/v1/checkin/", {"site": conf["cell_a"].pk, "session": conf["session"].pk,
                                                            "member": people["a2"].pk})
    assert (response.status_code, response.json()["result"]) == (201, "updated")
    assert Attendance.objects.get(member=people["a2"]).status == AttendanceStatus.PRESENT
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    assert actions.recount(conf["conference"]) == 0


def test_missing_counter_row_is_created_not_lost(conf, people, users):
    SiteSessionCount.objects.filter(site=conf["cell_a"], session=conf["session"]).delete()
    row = actions.scan_member(session=conf["session"], site=conf["cell_a"], code=people["a2"].card_number,
                              acting_user=users["same_secretary"])
    assert row.result == "inserted"
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    SiteSessionCount.objects.filter(site=conf["cell_a"], session=conf["session"]).delete()
    start = conf["session"].starts_at
    batch = actions.record_checkins(session=conf["session"], site=conf["cell_a"], offline=True,
                                    acting_user=users["same_secretary"],
                                    entries=[actions.Entry(member_id=people["self_member"].pk, checked_in_at=start)])
    assert batch.summary == {"inserted": 1, "updated": 0, "duplicates": 0, "refused": 0}
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    assert actions.recount(conf["conference"]) == 1  # the first presence's row was deleted with its count


def test_fast_path_keeps_the_checks_of_the_action(tree, people, users, conf):
    other = build_conference(tree, people, users)
    entry = [actions.Entry(member_id=people["a2"].pk)]
    with pytest.raises(ValidationError):
        actions.record_checkins(session=other["session"], site=conf["cell_a"], entries=entry,
                                acting_user=users["same_secretary"])
    with pytest.raises(ActionDenied):
        actions.record_checkins(session=conf["session"], site=conf["cell_a"], entries=entry,
                                acting_user=users["other_secretary"])
    # outside the check-in window of the session (opens two hours before it starts)
    early = build_conference(tree, people, users, start=timezone.now() + datetime.timedelta(hours=3))
    row = actions.record_checkins(session=early["session"], site=early["cell_a"], entries=entry,
                                  acting_user=users["same_secretary"]).rows[0]
    assert (row.result, row.code) == ("refused", "outside_session")
    assert Attendance.objects.count() == 0


# -- batches -------------------------------------------------------------------------------------------

def test_batch_of_500_one_statement_exact_counts_and_resend(tree, people, users):
    conf = build_conference(tree, people, users, start=timezone.now() - datetime.timedelta(minutes=30))
    members = [f.member(tree["cell_a"]) for _ in range(12)]
    actions.build_invitations(conf["conference"], acting_user=users["admin"])
    start = conf["session"].starts_at
    rows = [{"member": m.pk, "checked_in_at": (start + datetime.timedelta(minutes=i * 2)).isoformat()}
            for i, m in enumerate(members)]
    rows.append({"card_number": people["b1"].card_number, "checked_in_at": start.isoformat()})  # wrong site
    body = {"site": conf["cell_a"].pk, "session": conf["session"].pk, "rows": rows}
    client = token_client(users["same_secretary"])
    with CaptureQueriesContext(connection) as queries:
        first = post(client, "/api/v1/checkin/batch/", body)
    assert first.status_code == 200, first.content
    data = first.json()
    assert (data["inserted"], data["updated"], data["duplicates"], data["refused"]) == (12, 0, 0, 1)
    writes = [q for q in conference_tables(queries.captured_queries) if "INSERT INTO \"conferences_attendance\"" in q]
    assert len(writes) == 1
    late = sum(1 for i in range(12) if i * 2 > 15)  # device times after the 15-minute grace
    assert late == 4
    assert counts(conf["cell_a"], conf["session"]) == zero(present=12, late=late)
    second = post(client, "/api/v1/checkin/batch/", body).json()
    assert (second["inserted"], second["duplicates"], second["refused"]) == (0, 12, 1)
    assert counts(conf["cell_a"], conf["session"]) == zero(present=12, late=late)
    assert Attendance.objects.filter(offline=True).count() == 12
    assert actions.recount(conf["conference"]) == 0
    assert AuditEntry.objects.filter(action="conference.checkin").count() == 2


# -- the site lookup -------------------------------------------------------------------------------

def test_site_for_checkin_loads_what_checkin_needs_in_one_query(tree, people, users, conf):
    other = build_conference(tree, people, users)
    with CaptureQueriesContext(connection) as queries:
        site, session = selectors.site_for_checkin(conf["cell_a"].pk, conf["session"].pk)
        assert (site.name, site.host_unit.path, site.conference.organizer.path) == (
            "Chi bộ thôn A", tree["cell_a"].path, tree["province"].path)
        assert site.conference.late_grace_minutes == 15 and site.conference.uninvited_policy == "refuse"
        assert (session.starts_at, session.ends_at) == (conf["session"].starts_at, conf["session"].ends_at)
        assert session.starts_at.tzinfo is not None
    assert len(queries.captured_queries) == 1
    assert site.place == ""  # any other field is deferred and loaded on access, never made up
    assert selectors.site_for_checkin(conf["cell_a"].pk, other["session"].pk)[1] is None
    assert selectors.site_for_checkin(99999999, conf["session"].pk) is None


# -- permissions with token authentication (tried first on the check-in endpoints) ------------------

EXPECTED = {"anonymous": 401, "member": 404, "same_secretary": 201, "other_secretary": 404,
            "ancestor_staff": 201, "admin": 403}  # administrators need their second factor: no tokens


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name", ["api-checkin", "api-checkin-batch"])
def test_token_permissions(name, kind, conf, people, users):
    from django.test import Client
    from django.urls import reverse

    client = token_client(users[kind]) if users[kind] is not None else Client(HTTP_AUTHORIZATION="Token " + "0" * 40)
    body = {"site": conf["cell_a"].pk, "session": conf["session"].pk}
    if name == "api-checkin":
        body["member"] = people["a2"].pk
    else:
        body["rows"] = [{"member": people["a2"].pk, "checked_in_at": conf["session"].starts_at.isoformat()}]
    denied = AuditEntry.objects.filter(action="access_denied").count()
    response = post(client, reverse(name), body)
    want = EXPECTED[kind]
    if name == "api-checkin-batch" and want == 201:
        want = 200
    assert response.status_code == want, (response.status_code, response.content[:300])
    assert AuditEntry.objects.filter(action="access_denied").count() - denied == (1 if want == 404 else 0)
    assert Attendance.objects.count() == (1 if want in (200, 201) else 0)
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1 if want in (200, 201) else 0)
