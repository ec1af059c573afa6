"""Plans in a real browser: a commune reports progress with an evidence file, the district accepts it, and the
province's plan page moves. Data: a province plan whose task is concretized by Sơn Dương's plan, whose task
"Chỉ đạo xã Sơn Nam" is led by the commune (the conftest tree)."""
import datetime
import re

import pytest

from quantriet.plans import actions
from quantriet.plans.models import Report, ReportStatus

from .. import factories as f
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def build(tree, users):
    admin = users["admin"]
    province = actions.create_plan(acting_user=admin, unit=tree["province"], title="Kế hoạch thực hiện 21-NQ/TW")
    province = actions.issue_plan(province, acting_user=admin, issued_on=D(2022, 8, 1))
    t1 = actions.create_task(province, acting_user=admin, title="Củng cố tổ chức cơ sở đảng", lead_unit=tree["province"],
                             start_on=D(2022, 8, 1), deadline=D(2030, 12, 31))
    actions.create_task(province, acting_user=admin, title="Sơ kết", lead_unit=tree["province"],
                        start_on=D(2022, 8, 1), deadline=D(2030, 12, 31))
    assignment = actions.add_assignment(t1, acting_user=admin, unit=tree["son_duong"], due_on=D(2022, 9, 30))
    district = actions.create_plan(acting_user=admin, unit=tree["son_duong"], title="Kế hoạch của Huyện ủy Sơn Dương",
                                   assignment=assignment)
    district = actions.issue_plan(district, acting_user=admin, issued_on=D(2022, 9, 20))
    task = actions.create_task(district, acting_user=admin, title="Chỉ đạo xã Sơn Nam", lead_unit=tree["son_nam"],
                               start_on=D(2022, 9, 20), deadline=D(2030, 12, 31))
    actions.create_task(district, acting_user=admin, title="Học tập chuyên đề", lead_unit=tree["son_duong"],
                        start_on=D(2022, 9, 20), deadline=D(2030, 12, 31))
    return province, district, task


def test_commune_reports_district_accepts_province_moves(page, browser, live_server, shot, tree, users, settings,
                                                         tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    province, district, task = build(tree, users)
    f.user("vp_sonnam", "secretary", tree["son_nam"])
    f.user("vp_tinh", "office", tree["province"])

    # The province's page before: nothing reported.
    log_in(page, "vp_tinh")
    page.goto(f"/plans/{province.pk}/")
    assert page.get_by_test_id("plan-progress").get_by_test_id("progress").inner_text() == "0,00%"
    assert page.get_by_test_id("child-plan-TQ-SD").inner_text() == "Ban hành đúng hạn"

    # The commune reports 60 % with an evidence file.
    commune = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        c = commune.new_page()
        log_in(c, "vp_sonnam")
        c.goto(f"/plans/tasks/{task.pk}/")
        c.get_by_test_id("report-link").click()
        c.wait_for_url(re.compile(rf"/plans/tasks/{task.pk}/reports/new/$"))
        c.locator("#id_progress").fill("60")
        c.locator("#id_narrative").fill("Đã kiện toàn 3 chi bộ thôn; 100% chi bộ sinh hoạt chuyên đề.")
        c.locator("#id_files").set_input_files([{"name": "bien-ban-kiem-tra.pdf", "mimeType": "application/pdf",
                                                 "buffer": PDF}])
        c.get_by_test_id("submit-report").click()
        c.wait_for_url(re.compile(rf"/plans/tasks/{task.pk}/$"))
        assert c.locator("#reports tbody tr").count() == 1
        assert "bien-ban-kiem-tra.pdf" in c.locator("#reports").inner_text()
        assert c.get_by_test_id("review-link").count() == 0  # the commune does not review its own report
        shot(c, "plans-01-commune-reported")
    finally:
        commune.close()
    report = Report.objects.get()
    assert (report.status, report.progress, report.files.count()) == (ReportStatus.SUBMITTED, 60, 1)

    # Not accepted yet: the province's page has not moved.
    page.reload()
    assert page.get_by_test_id("plan-progress").get_by_test_id("progress").inner_text() == "0,00%"

    # The district accepts the report.
    district_ctx = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        d = district_ctx.new_page()
        log_in(d, "office_sd")
        d.goto(f"/plans/tasks/{task.pk}/")
        d.get_by_test_id("review-link").click()
        d.wait_for_url(re.compile(rf"/plans/reports/{report.pk}/review/$"))
        d.locator("#id_decision_0").check()
        d.get_by_test_id("review-submit").click()
        d.wait_for_url(re.compile(rf"/plans/tasks/{task.pk}/$"))
        assert "Đã chấp nhận" in d.locator("#reports").inner_text()
        shot(d, "plans-02-district-accepted")
    finally:
        district_ctx.close()

    # The province's page moved: Sơn Dương's plan (60 + 0) / 2 = 30 → task 30 → plan (30 + 0) / 2 = 15.
    page.reload()
    assert page.get_by_test_id("plan-progress").get_by_test_id("progress").inner_text() == "15,00%"
    row = page.locator(f"#task-tree tr[data-task]").first
    assert "30,00%" in row.inner_text()
    shot(page, "plans-03-province-moved")
