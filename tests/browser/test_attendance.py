"""Attendance in a real browser: a site secretary opens a session and marks the checklist, a member
checks in through the site's QR link, the live count and the member's checklist row (HTMX polling every
5 s, rows swapped out of band) update without a reload, and the report shows both. Data: tests/test_conferences.build_conference over the conftest tree."""
import re

import pytest

from quantriet.conferences.models import Attendance, Method

from ..test_conferences import build_conference
from .conftest import TIMEOUT_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_checklist_qr_live_count_and_report(page, browser, live_server, shot, tree, people, users):
    conf = build_conference(tree, people, users)
    site, session = conf["cell_a"], conf["session"]
    a2, member = people["a2"], people["self_member"]

    # The cell secretary opens the session from the conference page.
    log_in(page, "sec_a")
    page.goto(f"/conferences/{conf['conference'].pk}/")
    page.locator(f"a[href='/conferences/sites/{site.pk}/sessions/{session.pk}/']").click()
    page.wait_for_url(re.compile(rf"/conferences/sites/{site.pk}/sessions/{session.pk}/$"))
    count = page.get_by_test_id("present-count")
    assert count.inner_text() == "0"
    assert page.locator("#checklist tbody tr").count() == 2

    # Marks Lê Thị Kim Dung present on the checklist (HTMX swaps the row in place).
    page.get_by_test_id(f"present-{a2.pk}").click()
    page.wait_for_function(
        f"document.querySelector('[data-testid=status-{a2.pk}]').innerText.includes('{_present_label(page)}')",
        timeout=TIMEOUT_MS)
    assert page.url.endswith(f"/sessions/{session.pk}/")  # no navigation: the row was swapped
    page.wait_for_function("document.querySelector('[data-testid=present-count]').innerText === '1'",
                           timeout=TIMEOUT_MS)
    shot(page, "attendance-01-checklist-marked")
    checkin_url = page.get_by_test_id("checkin-link").get_attribute("href")
    assert "/conferences/checkin/" in checkin_url

    # The member opens the QR link on their own phone and checks in.
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 375, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    try:
        log_in(phone, "member")
        phone.goto(checkin_url)
        phone.get_by_test_id("checkin-button").click()
        phone.get_by_test_id("checkin-result").wait_for()
        shot(phone, "attendance-02-member-checked-in")
        phone.goto(checkin_url)  # scanning again changes nothing
        phone.get_by_test_id("checkin-button").click()
        phone.get_by_test_id("checkin-result").wait_for()
    finally:
        context.close()

    # The secretary's open page picks the new arrival up by polling, without a reload: the count, and the
    # member's row in the list turns present (swapped out of band by the same poll).
    page.evaluate("window.__notReloaded = true")
    page.wait_for_function("document.querySelector('[data-testid=present-count]').innerText === '2'",
                           timeout=12_000)
    page.wait_for_function(
        f"document.querySelector('[data-testid=status-{member.pk}]').innerText.includes('{_present_label(page)}')",
        timeout=12_000)
    assert page.evaluate("window.__notReloaded === true")  # same document: no reload happened
    assert page.locator("#checklist tbody tr").count() == 2  # the row was replaced, not added
    assert page.locator(f"#row-{member.pk} form[hx-post]").count() == 1  # and its mark buttons still work
    shot(page, "attendance-03-live-count")
    records = {a.member_id: a.method for a in Attendance.objects.filter(session=session)}
    assert records == {a2.pk: Method.CHECKLIST, member.pk: Method.QR_SELF}

    # The report shows both.
    page.goto(f"/conferences/{conf['conference'].pk}/report/")
    assert page.get_by_test_id(f"present-{site.pk}").inner_text() == "2"
    assert page.get_by_test_id("total-present").inner_text() == "2"
    names = page.locator("#records tbody tr td:nth-child(3)").all_inner_texts()
    assert sorted(names) == ["Chẩu Văn Lâm", "Lê Thị Kim Dung"]
    shot(page, "attendance-04-report")


def _present_label(page) -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("vi"):
        return gettext("Present")
