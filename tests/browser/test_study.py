"""Study in a real browser: a member submits a reflection from their study page, the cell secretary grades
it in the grading queue, and the cell's coverage (and the district's, via the counters) moves."""
import datetime
import re

import pytest
from django.utils import timezone

from quantriet.documents.models import Document
from quantriet.study import actions
from quantriet.study.models import CoverageCounter, StudyRecord

from .conftest import TIMEOUT_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_member_submits_secretary_grades_cell_coverage_moves(page, browser, live_server, shot, tree, people, users):
    today = timezone.localdate()
    doc = Document.objects.create(number=21, type_code="NQ", issuer="TW", kind="resolution",
                                  issuing_body="Ban Chấp hành Trung ương", issued_on=datetime.date(2022, 6, 16),
                                  title="về tổ chức cơ sở đảng")
    campaign = actions.create_campaign(acting_user=users["admin"], unit=tree["son_duong"],
                                       title="Học tập Nghị quyết 21-NQ/TW", documents=[doc], starts_on=today,
                                       deadline=today + datetime.timedelta(days=20))
    actions.open_campaign(campaign, acting_user=users["admin"])
    record = StudyRecord.objects.get(campaign=campaign, member=people["self_member"])
    cell_a = tree["cell_a"]

    # The secretary first sees nothing submitted in the cell.
    log_in(page, "sec_a")
    page.goto(f"/study/{campaign.pk}/coverage/{cell_a.pk}/")
    submitted = page.locator("[data-testid=coverage-total] td[data-flag=submitted] .count")
    passed = page.locator("[data-testid=coverage-total] td[data-flag=passed] .count")
    assert page.locator("[data-testid=coverage-total] td[data-flag=targeted] .count").inner_text() == "2"
    assert (submitted.inner_text(), passed.inner_text()) == ("0", "0")
    shot(page, "study-01-cell-coverage-before")

    # The member writes the reflection and personal plan on a phone.
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 375, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    try:
        log_in(phone, "member")
        phone.goto("/study/mine/")
        phone.locator(f"a[href='/study/records/{record.pk}/']").click()
        phone.wait_for_url(re.compile(rf"/study/records/{record.pk}/$"))
        phone.locator("#id_reflection_text").fill("Nhận thức rõ vai trò hạt nhân chính trị của chi bộ thôn.")
        phone.locator("#id_plan_text").fill("Tham gia đầy đủ sinh hoạt chi bộ; vận động 2 quần chúng ưu tú.")
        phone.get_by_test_id("submit-reflection").click()
        phone.wait_for_url(re.compile(rf"/study/records/{record.pk}/$"))
        assert "Nhận thức rõ vai trò" in phone.get_by_test_id("reflection-text").inner_text()
        shot(phone, "study-02-member-submitted")
    finally:
        context.close()

    # The secretary grades it from the queue: passed (đạt).
    page.goto("/study/grading/")
    item = page.get_by_test_id("queue-item")
    assert item.count() == 1 and "Chẩu Văn Lâm" in item.inner_text()
    item.locator("select[name=result]").select_option("passed")
    item.locator("textarea[name=comment]").fill("Bài viết tốt, kế hoạch cụ thể.")
    item.get_by_test_id("grade-submit").click()
    page.wait_for_url(re.compile(r"/study/grading/$"))
    assert page.get_by_test_id("queue-item").count() == 0

    # The cell's coverage moved, and the district's through the counters.
    page.goto(f"/study/{campaign.pk}/coverage/{cell_a.pk}/")
    assert (submitted.inner_text(), passed.inner_text()) == ("1", "1")
    shot(page, "study-03-cell-coverage-after")
    district = CoverageCounter.objects.get(campaign=campaign, unit=tree["son_duong"])
    assert (district.targeted, district.submitted, district.passed) == (3, 1, 1)
