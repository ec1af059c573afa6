"""The check-in fast lane (quantriet/conferences/fastlane.py): the API's answers without the middleware
stack for token-authenticated JSON check-ins, and everything else handed to the full application
with its body intact and nothing written."""
import datetime
import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from quantriet.conferences import actions
from quantriet.conferences.fastlane import CheckinFastLane
from quantriet.conferences.models import Attendance
from quantriet.core.db import prepared_cursor
from quantriet.core.models import AuditEntry

from . import factories as f
from .test_conferences import build_conference, counts, zero

COVERED_URLS: set[str] = set()  # the URLs are covered in test_checkin_fast; this module tests the lane itself
PG = connection.vendor == "postgresql"
SINGLE, BATCH = "/api/v1/checkin/", "/api/v1/checkin/batch/"


class Inner:
    """The application behind the lane: records what it was given."""

    def __init__(self, real=None):
        self.calls, self.real = [], real

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.calls.append(body)
        if self.real is not None:
            from io import BytesIO

            environ["wsgi.input"] = BytesIO(body)
            return self.real(environ, start_response)
        start_response("299 Passed On", [("Content-Type", "text/plain")])
        return [b"passed on"]


def call(app, path, body, *, token=None, raw=None, content_type="application/json", method="post", **extra):
    """One WSGI request as a site device would send it (HTTPS behind the proxy)."""
    data = raw if raw is not None else json.dumps(body)
    headers = {"HTTP_X_FORWARDED_PROTO": "https", **extra}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {token}"
    request = getattr(RequestFactory(), method)(path, data=data, content_type=content_type, **headers)
    environ = request.environ
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    # As Django's test client: a request must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
        payload = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    answer["code"] = int(answer["status"].split()[0])
    answer["body"] = payload
    return answer


def as_json(answer):
    return json.loads(answer["body"])


@pytest.fixture
def conf(tree, people, users):
    return build_conference(tree, people, users)


@pytest.fixture
def secretary_token(users):
    return Token.objects.create(user=users["same_secretary"]).key


@pytest.fixture
def lane():
    inner = Inner()
    return CheckinFastLane(inner), inner


def test_lane_answers_check_ins_itself_with_exact_results(conf, people, tree, secretary_token, lane):
    app, inner = lane
    base = {"site": conf["cell_a"].pk, "session": conf["session"].pk}
    first = call(app, SINGLE, {**base, "member": people["self_member"].pk}, token=secretary_token)
    assert first["code"] == 201, first
    assert as_json(first) == {"index": 0, "result": "inserted", "member_id": people["self_member"].pk,
                              "late": False, "extra": False}
    again = call(app, SINGLE, {**base, "card_number": people["self_member"].card_number}, token=secretary_token)
    assert (again["code"], as_json(again)["result"], as_json(again)["code"]) == (200, "duplicate", "already_present")
    wrong = call(app, SINGLE, {**base, "member": people["b1"].pk}, token=secretary_token)
    assert (wrong["code"], as_json(wrong)["code"]) == (409, "wrong_site")
    # Vietnamese by default, as the site's middleware would answer
    assert as_json(wrong)["detail"].startswith("Sai điểm cầu") or "Xã Sơn Nam" in as_json(wrong)["detail"]
    outsider = f.member(tree["son_duong"], "Trần Văn Ngoài")
    refused = call(app, SINGLE, {**base, "member": outsider.pk}, token=secretary_token)
    assert (refused["code"], as_json(refused)["code"]) == (409, "not_invited")
    assert inner.calls == []  # all answered by the lane
    assert Attendance.objects.count() == 1
    assert counts(conf["cell_a"], conf["session"]) == zero(present=1)
    assert actions.recount(conf["conference"]) == 0


def test_language_cookie_and_security_headers(conf, people, secretary_token, lane, settings):
    app, inner = lane
    base = {"site": conf["cell_a"].pk, "session": conf["session"].pk}
    english = call(app, SINGLE, {**base, "member": people["b1"].pk}, token=secretary_token,
                   HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en")
    assert as_json(english)["detail"] == ("Wrong site: this member is invited at the site “Xã Sơn Nam”, "
                                          "not at “Chi bộ thôn A”.")
    vietnamese = call(app, SINGLE, {**base, "member": people["b1"].pk}, token=secretary_token)
    assert as_json(vietnamese)["detail"] != as_json(english)["detail"]
    headers = english["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert int(headers["Content-Length"]) == len(english["body"])
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    secure = call(app, SINGLE, {**base, "member": people["b1"].pk}, token=secretary_token)
    assert secure["headers"]["Strict-Transport-Security"].startswith("max-age=3600")
    assert inner.calls == []


def test_batch_through_the_lane_counts_exactly_and_resend_changes_nothing(tree, people, users, secretary_token, lane):
    app, inner = lane
    conf = build_conference(tree, people, users, start=timezone.now() - datetime.timedelta(minutes=30))
    members = [f.member(tree["cell_a"]) for _ in range(6)]
    actions.build_invitations(conf["conference"], acting_user=users["admin"])
    start = conf["session"].starts_at
    rows = [{"member": m.pk, "checked_in_at": (start + datetime.timedelta(minutes=i)).isoformat()}
            for i, m in enumerate(members)]
    rows.append({"card_number": people["b1"].card_number, "checked_in_at": start.isoformat()})
    body = {"site": conf["cell_a"].pk, "session": conf["session"].pk, "rows": rows}
    first = as_json(call(app, BATCH, body, token=secretary_token))
    assert (first["inserted"], first["duplicates"], first["refused"]) == (6, 0, 1)
    second = as_json(call(app, BATCH, body, token=secretary_token))
    assert (second["inserted"], second["duplicates"], second["refused"]) == (0, 6, 1)
    assert counts(conf["cell_a"], conf["session"]) == zero(present=6)
    assert actions.recount(conf["conference"]) == 0
    assert inner.calls == []


def _body(conf, people):
    return {"site": conf["cell_a"].pk, "session": conf["session"].pk, "member": people["a2"].pk}


@pytest.mark.parametrize("case", [
    "no_token", "bad_json", "unknown_field", "session_cookie", "form_encoded", "get", "unknown_token",
    "inactive_user", "admin_token", "out_of_scope", "disallowed_host", "plain_http_with_redirect", "turned_off",
    "other_path",
])
def test_everything_else_is_passed_on_intact_with_nothing_written(case, conf, people, users, secretary_token, lane,
                                                                  settings):
    app, inner = lane
    body, token, kwargs, path = _body(conf, people), secretary_token, {}, SINGLE
    if case == "no_token":
        token = None
    elif case == "bad_json":
        kwargs["raw"] = '{"site": 1, '
    elif case == "unknown_field":
        body["colour"] = "red"
    elif case == "session_cookie":
        kwargs["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}=abc"
    elif case == "form_encoded":
        kwargs["content_type"] = "application/x-www-form-urlencoded"
        kwargs["raw"] = "site=1"
    elif case == "get":
        kwargs["method"] = "get"
        kwargs["raw"] = ""
    elif case == "unknown_token":
        token = "0" * 40
    elif case == "inactive_user":
        users["same_secretary"].is_active = False
        users["same_secretary"].save()
    elif case == "admin_token":
        token = Token.objects.create(user=users["admin"]).key
    elif case == "out_of_scope":
        token = Token.objects.create(user=users["other_secretary"]).key
    elif case == "disallowed_host":
        kwargs["HTTP_HOST"] = "evil.example"
    elif case == "plain_http_with_redirect":
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        kwargs["HTTP_X_FORWARDED_PROTO"] = "http"
    elif case == "turned_off":
        settings.QUANTRIET_CHECKIN_FAST_LANE = False
    elif case == "other_path":
        path = "/api/v1/conferences/"
    answer = call(app, path, body, token=token, **kwargs)
    assert answer["code"] == 299, answer
    assert len(inner.calls) == 1
    if kwargs.get("method") != "get":
        sent = kwargs.get("raw") if kwargs.get("raw") is not None else json.dumps(body)
        assert inner.calls[0] == sent.encode()  # the body reaches the application as it was sent
    assert Attendance.objects.count() == 0
    assert counts(conf["cell_a"], conf["session"]) == zero()


@pytest.mark.parametrize("case, code", [("unknown_field", 400), ("out_of_scope", 404), ("admin_token", 403),
                                        ("unknown_token", 401), ("bad_json", 400)])
def test_passed_on_requests_get_the_full_stacks_answer(case, code, conf, people, users, secretary_token):
    app = CheckinFastLane(Inner(real=WSGIHandler()))
    body, token, kwargs = _body(conf, people), secretary_token, {}
    if case == "unknown_field":
        body["colour"] = "red"
    elif case == "out_of_scope":
        token = Token.objects.create(user=users["other_secretary"]).key
    elif case == "admin_token":
        token = Token.objects.create(user=users["admin"]).key
    elif case == "unknown_token":
        token = "0" * 40
    elif case == "bad_json":
        kwargs["raw"] = '{"site": 1, '
    before = AuditEntry.objects.filter(action="access_denied").count()
    answer = call(app, SINGLE, body, token=token, **kwargs)
    assert answer["code"] == code, answer
    assert Attendance.objects.count() == 0
    if case == "out_of_scope":  # the full stack logs the refusal
        assert AuditEntry.objects.filter(action="access_denied").count() == before + 1


def test_an_error_inside_the_action_is_answered_not_run_twice(conf, people, secretary_token, lane, monkeypatch):
    app, inner = lane

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(actions, "record_checkins", broken)
    answer = call(app, SINGLE, _body(conf, people), token=secretary_token)
    assert answer["code"] == 500 and as_json(answer) == {"detail": "Server error."}
    assert inner.calls == []


def test_single_check_in_round_trips(conf, people, secretary_token, lane):
    app, _inner = lane
    with CaptureQueriesContext(connection) as queries:
        answer = call(app, SINGLE, _body(conf, people), token=secretary_token)
    assert answer["code"] == 201
    # The user's roles are two more queries here; with the shared cache (production) they come from Redis.
    statements = [q["sql"] for q in queries.captured_queries
                  if "accounts_roleassignment" not in q["sql"] and "units_succession" not in q["sql"]]
    assert len(queries.captured_queries) - len(statements) <= 2
    if PG:
        # the token, the site with its session, one statement that resolves, inserts and counts
        assert len(statements) == 3, [s[:60] for s in statements]
        assert statements[0].startswith("SELECT u.id") and statements[2].startswith("WITH m AS")
    else:
        assert len(statements) <= 8, statements


@pytest.mark.skipif(not PG, reason="prepared statements are a PostgreSQL feature; SQLite uses the plain cursor")
def test_hot_statements_are_prepared_once_per_connection(conf, people, secretary_token, lane):
    app, _inner = lane
    call(app, SINGLE, _body(conf, people), token=secretary_token)
    call(app, SINGLE, {**_body(conf, people), "member": people["self_member"].pk}, token=secretary_token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith("SELECT u.id") for s in prepared)
    assert any(s.startswith("WITH m AS") for s in prepared)
    assert len([s for s in prepared if s.startswith("WITH m AS")]) == 1  # re-used, not prepared again


def test_prepared_cursor_runs_statements(db):
    with prepared_cursor() as cursor:
        cursor.execute("SELECT 1 + %s", [1])
        assert cursor.fetchone()[0] == 2
