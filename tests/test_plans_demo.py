"""The plans demo: Tuyên Quang's 35-KH/TU implementing 21-NQ/TW, cascaded to districts and communes, read after
the 2024/2025 reorganizations."""
import datetime
import io

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from quantriet.plans import rollup
from quantriet.plans.models import Assignment, Plan, Report, ReportStatus, Task
from quantriet.units.models import Unit

from .conftest import login
from .test_plans import naive_plan

COVERED_URLS: set[str] = set()
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from quantriet.demo import loader, reorganization
    from quantriet.documents import demo as documents_demo
    from quantriet.plans import demo as plans_demo

    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            loader.load_demo()
            documents_demo.load_demo(io.StringIO())
            out = io.StringIO()
            plans_demo.load_demo(out)
            assert reorganization.apply_history(io.StringIO(), acting_user=loader.demo_admin()) is True
            again = io.StringIO()
            plans_demo.load_demo(again)
            yield {"output": out.getvalue(), "again": again.getvalue()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def province_plan():
    return Plan.objects.get(unit__code="TQ", canonical_number="35-KH/TU")


def test_loaded_once(demo):
    assert demo["output"] == "Plans: 16 plans (7 child plans missing), 42 tasks, 34 reports loaded"
    assert demo["again"] == "Plans: already loaded"
    assert Plan.objects.count() == 16 and Task.objects.count() == 42 and Report.objects.count() == 34


def test_cascade_of_the_2022_tree_survives_the_reorganization(demo):
    plan = province_plan()
    assert plan.documents.get().canonical_number == "21-NQ/TW"
    assert not plan.unit.is_current  # the old province closed on 1/7/2025 …
    today = datetime.date(2026, 1, 15)
    data = rollup.for_plan(plan, today=today)
    t1 = plan.tasks.get(title__startswith="Nâng cao năng lực")
    states = {a.unit.code: data.assignment_states[a.pk].plan_status for a in data.assignments[t1.pk]}
    assert states == {"TQ-D326": "on_time", "TQ-D1862": "overdue", "TQ-D1094": "overdue", "TQ-D582": "on_time",
                      "TQ-D838": "late", "TQ-D1606": "on_time", "TQ-D1350": "late"}
    # … and the roll-up still equals a recomputation from scratch.
    assert data.plan_exact(plan.pk) == naive_plan(plan)
    assert Plan.objects.filter(assignment__unit__kind__code="dang-bo-xa").count() == 10
    son_nam = Plan.objects.get(unit__code="TQ-1312070")
    assert son_nam.tasks.filter(lead_unit__code="TQ-1312070/01").count() == 1
    assert Report.objects.filter(status=ReportStatus.RETURNED).count() == 1
    assert Report.objects.filter(status=ReportStatus.SUBMITTED).count() == 1
    assert not Assignment.objects.filter(unit__valid_to__isnull=True).exists()  # every assigned unit is of 2022


def test_pages_read_after_the_reorganization(demo):
    from django.contrib.auth import get_user_model

    plan = province_plan()
    for username, status in (("vanphong.tinh", 200), ("admin", 200), ("lanhdao.tinh", 200), ("dangvien", 404)):
        client = login(get_user_model().objects.get(username=username))
        response = client.get(reverse("plans:detail", kwargs={"pk": plan.pk}))
        assert response.status_code == status, username
        if status == 200:
            assert len(response.context["rows"]) == 7
    secretary = login(get_user_model().objects.get(username="bithu.chibo"))
    son_nam = Plan.objects.get(unit__code="TQ-1312070")
    assert secretary.get(reverse("plans:detail", kwargs={"pk": son_nam.pk})).status_code == 200
    office = login(get_user_model().objects.get(username="vanphong.tinh"))
    warnings = office.get(reverse("plans:warnings") + f"?unit={Unit.objects.get(code='TQ').pk}")
    kinds = {w.kind for w in warnings.context["warnings"]}
    assert {"overdue", "plan_missing"} <= kinds
    for name in ("plans:gantt", "plans:history", "plans:export-xlsx", "plans:report-docx"):
        assert office.get(reverse(name, kwargs={"pk": plan.pk})).status_code == 200, name
