"""The checklist refreshes its rows without a reload: the 5-second poll of the live count carries a
cursor and gets back, out of band, only the rows whose record changed since (a QR check-in made on the
member's phone shows as present on the secretary's open checklist)."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils import timezone, translation

from quantriet.conferences import actions, views
from quantriet.conferences.models import Attendance, AttendanceStatus, Invitation, Method, UninvitedPolicy

from . import factories as f
from .conftest import login as _login
from .test_conferences import build_conference

COVERED_URLS: set[str] = set()  # the permission matrix lives in test_conferences_permissions.py


@pytest.fixture(autouse=True)
def fast_password_hashing_in_english(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("en"):
        yield


def login(user):
    client = _login(user)
    client.cookies["quantriet_language"] = "en"
    return client


@pytest.fixture
def conf(tree, people, users):
    return build_conference(tree, people, users)


def poll_url(page_html: str) -> str:
    """The URL the live count polls, as written in the page (or in the previous poll's answer)."""
    match = re.search(r'id="live-count"[^>]*hx-get="([^"]+)"', page_html)
    assert match, page_html[:500]
    return match.group(1).replace("&amp;", "&")


def oob_rows(html: str) -> dict[int, str]:
    """member id → the out-of-band row in a poll's answer."""
    rows = re.findall(r'(<tr id="row-(\d+)"[^>]*hx-swap-oob="outerHTML">.*?</tr>)', html, re.S)
    return {int(pk): row for row, pk in rows}


def status_of(row_html: str, member_id: int) -> str:
    match = re.search(rf'data-testid="status-{member_id}">(.*?)</td>', row_html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1))


def test_a_qr_checkin_after_page_load_comes_in_the_next_poll_as_a_present_row(conf, people, users):
    site, session, member, a2 = conf["cell_a"], conf["session"], people["self_member"], people["a2"]
    secretary = login(users["same_secretary"])
    page = secretary.get(reverse("conferences:checklist", args=[site.pk, session.pk])).content.decode()
    url = poll_url(page)
    assert "?since=" in url
    first = secretary.get(url).content.decode()
    assert oob_rows(first) == {}  # nothing changed yet: counts only
    assert 'data-testid="present-count">0<' in first

    # The member scans the site's QR on their phone.
    token = actions.site_session_token(site, session)
    assert login(users["member"]).post(reverse("conferences:checkin", args=[token])).status_code == 200

    answer = secretary.get(poll_url(first)).content.decode()
    rows = oob_rows(answer)
    assert set(rows) == {member.pk}  # only the changed row, not Lê Thị Kim Dung's
    assert "Present" in status_of(rows[member.pk], member.pk)
    assert escape(str(Method.QR_SELF.label)) in rows[member.pk]
    assert "<template>" in answer and 'data-testid="present-count">1<' in answer
    # the row keeps working: its mark form posts to the checklist
    assert reverse("conferences:mark", args=[site.pk, session.pk]) in rows[member.pk]

    # A later change of the same row (the secretary marks Dung excused) comes in the poll after.
    secretary.post(reverse("conferences:mark", args=[site.pk, session.pk]),
                   {"member": a2.pk, "status": "excused", "reason": "Ốm"}, HTTP_HX_REQUEST="true")
    rows = oob_rows(secretary.get(poll_url(answer)).content.decode())
    assert a2.pk in rows and "Excused" in status_of(rows[a2.pk], a2.pk) and "Ốm" in rows[a2.pk]


def test_rows_older_than_the_cursor_are_not_sent_again(conf, people, users):
    site, session = conf["cell_a"], conf["session"]
    actions.scan_member(session=session, site=site, code=people["a2"].card_number, acting_user=users["admin"])
    secretary = login(users["same_secretary"])
    url = reverse("conferences:live_count", args=[site.pk, session.pk])
    now_ms = int(timezone.now().timestamp() * 1000)
    assert set(oob_rows(secretary.get(f"{url}?since={now_ms - 60_000}").content.decode())) == {people["a2"].pk}
    # stamped a minute ago: a cursor taken after that does not send it
    Attendance.objects.update(recorded_at=timezone.now() - datetime.timedelta(minutes=1))
    answer = secretary.get(f"{url}?since={now_ms - 30_000}").content.decode()
    assert oob_rows(answer) == {}
    # the next cursor trails the clock by the overlap, no more
    cursor = int(re.search(r"since=(\d+)", poll_url(answer)).group(1))
    lag = timezone.now().timestamp() * 1000 - cursor
    assert views.POLL_OVERLAP.total_seconds() * 1000 <= lag < views.POLL_OVERLAP.total_seconds() * 1000 + 5000


def test_without_a_cursor_or_for_readers_the_poll_sends_counts_only(conf, people, users, tree):
    site, session = conf["cell_a"], conf["session"]
    actions.scan_member(session=session, site=site, code=people["a2"].card_number, acting_user=users["admin"])
    url = reverse("conferences:live_count", args=[site.pk, session.pk])
    plain = login(users["same_secretary"]).get(url).content.decode()
    assert oob_rows(plain) == {} and "?since=" not in poll_url(plain)
    # a read-only leader may watch the counts but not the rows of the checklist
    leader = f.user("leader_sd", "leader", tree["son_duong"])
    response = login(leader).get(f"{url}?since=0")
    assert response.status_code == 200 and oob_rows(response.content.decode()) == {}
    assert "?since=" not in poll_url(response.content.decode())
    for bad in ("abc", "-5", "99999999999999999999999", "1e9", "%C2%B2"):
        response = login(users["same_secretary"]).get(f"{url}?since={bad}")
        assert response.status_code == 200 and oob_rows(response.content.decode()) == {}


def test_an_uninvited_arrival_comes_as_a_row_to_append(tree, people, users):
    conf = build_conference(tree, people, users, policy=UninvitedPolicy.RECORD_EXTRA)
    site, session = conf["cell_a"], conf["session"]
    guest = people["c1"]
    Invitation.objects.filter(member=guest).delete()
    secretary = login(users["same_secretary"])
    page = secretary.get(reverse("conferences:checklist", args=[site.pk, session.pk])).content.decode()
    assert f'id="row-{guest.pk}"' not in page
    assert "htmx:oobErrorNoTarget" in page  # the page appends a row it does not have yet
    actions.scan_member(session=session, site=site, code=guest.card_number, acting_user=users["same_secretary"])
    rows = oob_rows(secretary.get(poll_url(page)).content.decode())
    assert set(rows) == {guest.pk} and "not invited" in rows[guest.pk]


def test_poll_queries_do_not_grow_with_the_rows(conf, tree, users, django_assert_max_num_queries):
    site, session = conf["cell_a"], conf["session"]
    secretary = login(users["same_secretary"])
    url = reverse("conferences:live_count", args=[site.pk, session.pk])
    since = int((timezone.now() - datetime.timedelta(minutes=1)).timestamp() * 1000)
    secretary.get(f"{url}?since={since}")  # warm the session and role caches

    def poll_with(n_rows):
        extra = [f.member(tree["cell_a"], f"Đinh Thị Thu {i:03d}") for i in range(n_rows)]
        actions.build_invitations(conf["conference"], acting_user=users["admin"])
        for member in extra:
            actions.scan_member(session=session, site=site, code=member.card_number, acting_user=users["admin"])
        with django_assert_max_num_queries(13) as captured:
            response = secretary.get(f"{url}?since={since}")
        assert len(oob_rows(response.content.decode())) == Attendance.objects.filter(site=site).count()
        return len(captured)

    few = poll_with(3)
    many = poll_with(60)
    assert many == few


def test_too_many_changes_reload_the_page(conf, tree, users, monkeypatch):
    monkeypatch.setattr(views, "POLL_MAX_ROWS", 2)
    site, session = conf["cell_a"], conf["session"]
    for member in [f.member(tree["cell_a"], f"Hà Văn {i}") for i in range(3)]:
        Attendance.objects.create(session=session, site=site, member=member, status=AttendanceStatus.PRESENT,
                                  method=Method.PAPER, checked_in_at=timezone.now(), recorded_at=timezone.now())
    url = reverse("conferences:live_count", args=[site.pk, session.pk])
    response = login(users["same_secretary"]).get(f"{url}?since=0")
    assert response["HX-Refresh"] == "true" and oob_rows(response.content.decode()) == {}
