"""The study demo: the 2022 5th-plenum campaign in Tuyên Quang, frozen through the 2024/2025 reorganizations,
and a current campaign on today's tree where an accepted reflection moves the numbers to the root at once."""
import io

import pytest
from django.db import transaction
from django.test import override_settings

from quantriet.demo import hooks, loader, reorganization
from quantriet.study import actions, counters, demo, selectors
from quantriet.study.models import Campaign, CoverageCounter, CoverageSnapshot, Question, StudyRecord
from quantriet.units.models import Unit

from . import factories as f

pytestmark = pytest.mark.django_db
COVERED_URLS: set[str] = set()


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            loader.load_demo()
            out = io.StringIO()
            hooks.run_demo_loaders(out)
            demo.load_demo(out)  # idempotent: a second run changes nothing
            reorganization.apply_history(io.StringIO(), acting_user=loader.demo_admin())
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def campaign_2022():
    return Campaign.objects.select_related("unit").get(title=demo.TITLE)


def test_campaign_loaded_once_and_closed(history):
    assert "already there; nothing changed" in history
    assert Campaign.objects.filter(title=demo.TITLE).count() == 1
    campaign = campaign_2022()
    assert campaign.is_closed and campaign.unit.code == "TQ"
    assert [d.canonical_number for d in campaign.documents.order_by("number")] == demo.NUMBERS
    assert Question.objects.filter(document__canonical_number="21-NQ/TW").count() == len(demo.QUESTIONS_21)


def test_root_and_commune_coverage_agree_with_recount_after_the_reorganizations(history):
    campaign = campaign_2022()
    assert counters.recount(campaign) == []
    total, _own, children = selectors.coverage(campaign, campaign.unit)
    assert total.targeted == StudyRecord.objects.filter(campaign=campaign, state="targeted").count() > 1000
    names = {c.unit.name for c in children}
    assert {"Huyện ủy Sơn Dương", "Huyện ủy Yên Sơn", "Thành ủy Tuyên Quang", "Huyện ủy Lâm Bình"} <= names
    assert 0.3 < total.completed / total.targeted < 0.95  # partial progress
    baseline = selectors.baseline_coverage(campaign, campaign.unit)
    assert baseline == dict(zip(["targeted", "attended", "submitted", "passed", "quiz_passed", "completed"],
                                total.cells and [getattr(total, n) for n in baseline]))
    commune = Unit.objects.filter(kind__code="dang-bo-xa", path__startswith=campaign.unit.path).exclude(
        valid_to__isnull=True).order_by("code").first()
    figures, _own, _children = selectors.coverage(campaign, commune)
    assert figures.targeted > 0
    assert selectors.baseline_coverage(campaign, commune) == {n: getattr(figures, n) for n in
                                                              ["targeted", "attended", "submitted", "passed",
                                                               "quiz_passed", "completed"]}
    # Frozen: every record still sits at a 2022 unit; no counter row for a unit created later.
    assert not StudyRecord.objects.filter(campaign=campaign, unit__valid_from__gt=demo.DEADLINE).exists()
    assert not CoverageCounter.objects.filter(campaign=campaign, unit__valid_from__gt=demo.DEADLINE).exists()


def test_districts_vary_and_snapshots_tell_the_story(history):
    campaign = campaign_2022()
    _total, _own, children = selectors.coverage(campaign, campaign.unit)
    rates = [c.pct("completed") for c in children if c.targeted]
    assert max(rates) - min(rates) > 20
    series = selectors.progress(campaign, campaign.unit)
    assert len(series) == (demo.DEADLINE - demo.START).days + 1
    assert series[0]["completed"] < series[-1]["completed"]
    assert CoverageSnapshot.objects.filter(campaign=campaign, day=demo.DEADLINE).count() > 100


def test_current_campaign_accepted_reflection_moves_to_the_root_at_once(history):
    campaign = demo.load_current_campaign(io.StringIO())
    assert campaign is not None and campaign.is_live
    assert counters.recount(campaign) == []
    record = StudyRecord.objects.filter(campaign=campaign).select_related("member", "unit").order_by("id").first()
    member = record.member
    user = member.user or f.user("demo-member-x", "member", record.unit, member=member)
    chain = counters.chain_ids(record.unit.path, campaign.unit.path)
    before = dict(CoverageCounter.objects.filter(campaign=campaign, unit_id__in=chain).values_list("unit_id", "passed"))
    actions.submit_reflection(record, reflection_text="Bài thu hoạch", plan_text="Kế hoạch", acting_user=user)
    actions.grade(record, result="passed", comment="Đạt", acting_user=loader.demo_admin())
    after = dict(CoverageCounter.objects.filter(campaign=campaign, unit_id__in=chain).values_list("unit_id", "passed"))
    assert len(chain) >= 3
    assert all(after[u] == before[u] + 1 for u in chain)
    assert counters.recount(campaign) == []
