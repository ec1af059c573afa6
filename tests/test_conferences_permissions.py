"""Permission matrix of every conference URL and API endpoint × every kind of user.

The conference (tests/test_conferences.build_conference) is organized by the province: only
the administrator manages it. The cell A site is managed by cell A's secretary, the
Sơn Dương office (an ancestor) and the administrator; the member is invited there; the
other secretary (cell C) is invited nowhere and hosts no site, so the conference is out of
their scope: 404 and one access_denied entry, like every refusal.
"""
import pytest
from django.urls import reverse

from quantriet.conferences import actions
from quantriet.conferences.models import Attendance, Notification
from quantriet.core.models import AuditEntry

from .conftest import USER_KINDS, login
from .test_conferences import build_conference

COVERED_URLS = {
    "conferences:list", "conferences:create", "conferences:cell_meeting_create", "conferences:inbox",
    "conferences:notification_read", "conferences:mine", "conferences:my_qr", "conferences:checkin",
    "conferences:detail", "conferences:edit", "conferences:session_create", "conferences:site_create",
    "conferences:invitations", "conferences:report", "conferences:report_xlsx", "conferences:agenda_create",
    "conferences:site", "conferences:audience_create", "conferences:signin_sheet", "conferences:signin_sheet_pdf",
    "conferences:checklist",
    "conferences:mark", "conferences:scan", "conferences:live_count", "conferences:site_qr",
    "conferences:import_sheet",
    "conference-list", "conference-detail", "conference-report", "conference-session-list",
    "conference-session-detail", "conference-site-list", "conference-site-detail", "attendance-list",
    "attendance-detail", "api-checkin", "api-checkin-batch",
}

LOGIN = "login"
ANON, MEMBER, SAME, OTHER, STAFF, ADMIN = USER_KINDS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def expect(default, anon=LOGIN, **by_kind):
    table = {kind: default for kind in USER_KINDS}
    table[ANON] = anon
    table.update(by_kind)
    return table


ALL = expect(200)
ADMIN_ONLY = expect(404, admin=200)
SITE_MANAGERS = expect(404, same_secretary=200, ancestor_staff=200, admin=200)
VISIBLE = expect(200, other_secretary=404)
API = dict(anon="api_anon")

# name → (method, args builder, data builder, expected)
CASES = {
    "conferences:list": ("get", lambda c: [], None, ALL),
    "conferences:create": ("get", lambda c: [], None, expect(404, ancestor_staff=200, admin=200)),
    "conferences:cell_meeting_create": ("get", lambda c: [], None, expect(200, member=404)),
    "conferences:inbox": ("get", lambda c: [], None, ALL),
    "conferences:notification_read": ("post", lambda c: [c["note"].pk], {}, expect(404, member=302)),
    "conferences:mine": ("get", lambda c: [], None, ALL),
    "conferences:my_qr": ("get", lambda c: [], None, expect(404, member=200)),
    "conferences:checkin": ("get", lambda c: [c["token"]], None, ALL),
    "conferences:detail": ("get", lambda c: [c["conference"].pk], None, VISIBLE),
    "conferences:edit": ("get", lambda c: [c["conference"].pk], None, ADMIN_ONLY),
    "conferences:session_create": ("get", lambda c: [c["conference"].pk], None, ADMIN_ONLY),
    "conferences:site_create": ("get", lambda c: [c["conference"].pk], None, ADMIN_ONLY),
    "conferences:invitations": ("post", lambda c: [c["conference"].pk], {"do": "invite"}, expect(404, admin=302)),
    "conferences:report": ("get", lambda c: [c["conference"].pk], None, SITE_MANAGERS),
    "conferences:report_xlsx": ("get", lambda c: [c["conference"].pk], None, SITE_MANAGERS),
    "conferences:agenda_create": ("get", lambda c: [c["session"].pk], None, ADMIN_ONLY),
    "conferences:site": ("get", lambda c: [c["cell_a"].pk], None, VISIBLE),
    "conferences:audience_create": ("get", lambda c: [c["cell_a"].pk], None, ADMIN_ONLY),
    "conferences:signin_sheet": ("get", lambda c: [c["cell_a"].pk], None, SITE_MANAGERS),
    "conferences:signin_sheet_pdf": ("get", lambda c: [c["cell_a"].pk], None, SITE_MANAGERS),
    "conferences:checklist": ("get", lambda c: [c["cell_a"].pk, c["session"].pk], None, SITE_MANAGERS),
    "conferences:mark": ("post", lambda c: [c["cell_a"].pk, c["session"].pk],
                         lambda c: {"member": c["people"]["a2"].pk, "status": "present"},
                         expect(404, same_secretary=302, ancestor_staff=302, admin=302)),
    "conferences:scan": ("post", lambda c: [c["cell_a"].pk, c["session"].pk],
                         lambda c: {"code": c["people"]["a2"].card_number},
                         expect(404, same_secretary=302, ancestor_staff=302, admin=302)),
    "conferences:live_count": ("get", lambda c: [c["cell_a"].pk, c["session"].pk], None, SITE_MANAGERS),
    "conferences:site_qr": ("get", lambda c: [c["cell_a"].pk, c["session"].pk], None, SITE_MANAGERS),
    "conferences:import_sheet": ("get", lambda c: [c["cell_a"].pk, c["session"].pk], None, SITE_MANAGERS),
    "conference-list": ("get", lambda c: [], None, expect(200, **API)),
    "conference-detail": ("get", lambda c: [c["conference"].pk], None, expect(200, other_secretary=404, **API)),
    "conference-report": ("get", lambda c: [c["conference"].pk], None,
                          expect(404, same_secretary=200, ancestor_staff=200, admin=200, **API)),
    "conference-session-list": ("get", lambda c: [], None, expect(200, **API)),
    "conference-session-detail": ("get", lambda c: [c["session"].pk], None,
                                  expect(200, other_secretary=404, **API)),
    "conference-site-list": ("get", lambda c: [], None, expect(200, **API)),
    "conference-site-detail": ("get", lambda c: [c["cell_a"].pk], None, expect(200, other_secretary=404, **API)),
    "attendance-list": ("get", lambda c: [], None, expect(200, **API)),
    "attendance-detail": ("get", lambda c: [c["record"].pk], None,
                          expect(404, same_secretary=200, ancestor_staff=200, admin=200, **API)),
    "api-checkin": ("post", lambda c: [], lambda c: {"site": c["cell_a"].pk, "session": c["session"].pk,
                                                     "member": c["people"]["a2"].pk},
                    expect(404, same_secretary=201, ancestor_staff=201, admin=201, **API)),
    "api-checkin-batch": ("post", lambda c: [], lambda c: {"site": c["cell_a"].pk, "session": c["session"].pk,
                                                           "rows": [{"member": c["people"]["a2"].pk,
                                                                     "checked_in_at": c["session"].starts_at.isoformat()}]},
                          expect(404, same_secretary=200, ancestor_staff=200, admin=200, **API)),
}
QUERY = {"conference-site-list": "conference", "attendance-list": "session"}


@pytest.fixture
def world(tree, people, users):
    conf = build_conference(tree, people, users)
    actions.scan_member(session=conf["session"], site=conf["cell_a"], code=people["self_member"].card_number,
                        acting_user=users["admin"])
    conf["record"] = Attendance.objects.get()
    conf["note"] = Notification.objects.create(user=users["member"], text="Giấy mời",
                                               link=f"/conferences/{conf['conference'].pk}/")
    conf["token"] = actions.site_session_token(conf["cell_a"], conf["session"])
    conf["people"] = people
    return conf


def test_every_conference_url_is_in_the_matrix():
    from quantriet.conferences import api_urls, urls

    names = {f"conferences:{p.name}" for p in urls.urlpatterns}
    names |= {p.name for p in api_urls.urlpatterns if getattr(p, "name", None)}
    names |= {name for name in ("conference-list", "conference-detail", "conference-report",
                                "conference-session-list", "conference-session-detail", "conference-site-list",
                                "conference-site-detail", "attendance-list", "attendance-detail")}
    assert names == set(CASES) == COVERED_URLS


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_permission_matrix(name, kind, world, users):
    method, args, data, expected = CASES[name]
    url = reverse(name, args=args(world))
    if name in QUERY:
        value = world["conference"].pk if QUERY[name] == "conference" else world["session"].pk
        url += f"?{QUERY[name]}={value}"
    client = login(users[kind])
    before = AuditEntry.objects.filter(action="access_denied").count()
    payload = data(world) if callable(data) else data
    if method == "get":
        response = client.get(url)
    elif name.startswith("api-"):
        response = client.post(url, payload, content_type="application/json")
    else:
        response = client.post(url, payload or {})
    want = expected[kind]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif want == "api_anon":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == want, (response.status_code, response.content[:300])
    added = AuditEntry.objects.filter(action="access_denied").count() - before
    assert added == (1 if want == 404 else 0)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_signin_sheet_pdf_answers_post_like_get(kind, world, users):
    """The PDF sheet changes nothing: a POST is answered exactly as the GET of the matrix (404 out of scope)."""
    url = reverse("conferences:signin_sheet_pdf", args=[world["cell_a"].pk])
    before = AuditEntry.objects.filter(action="access_denied").count()
    response = login(users[kind]).post(url, {"session": world["session"].pk})
    want = SITE_MANAGERS[kind]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login") + "?next=")
    else:
        assert response.status_code == want
        assert (response.content.startswith(b"%PDF")) == (want == 200)
    assert AuditEntry.objects.filter(action="access_denied").count() - before == (1 if want == 404 else 0)


def test_refused_writes_change_nothing(world, users):
    for kind in (MEMBER, OTHER):
        client = login(users[kind])
        client.post(reverse("api-checkin"), {"site": world["cell_a"].pk, "session": world["session"].pk,
                                             "member": world["people"]["a2"].pk}, content_type="application/json")
        client.post(reverse("conferences:mark", args=[world["cell_a"].pk, world["session"].pk]),
                    {"member": world["people"]["a2"].pk, "status": "absent"})
        client.post(reverse("conferences:invitations", args=[world["conference"].pk]), {"do": "invite"})
    assert Attendance.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("url", [
    "/conferences/99999999999999999999999/", "/conferences/sites/99999999999999999999999/",
    "/conferences/sites/1/sessions/99999999999999999999999/", "/api/v1/conferences/99999999999999999999999/",
    "/api/v1/attendance/?session=99999999999999999999999", "/api/v1/conference-sites/?conference=%C2%B2",
])
def test_out_of_range_ids_are_not_errors(url, world, users):
    response = login(users["admin"]).get(url)
    assert response.status_code in (200, 400, 404)
