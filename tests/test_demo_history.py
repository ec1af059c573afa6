"""The demo's later history: the 2022 tree still reports against 2022 units; today's tree is the merged province."""
import datetime
import io

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from quantriet.accounts import access
from quantriet.members.models import ACTIVE_STATUSES, Member, Membership
from quantriet.units.history import subtree_member_counts_on
from quantriet.units.models import Unit

from .conftest import login

# Without a django_db mark pytest-django would not create the test database for a module
# whose tests use only the module fixture, and the fixture would touch the configured database.
pytestmark = pytest.mark.django_db

D2022 = datetime.date(2022, 7, 22)
TODAY = datetime.date.today()


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    from quantriet.demo import hooks, loader, reorganization

    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            loader.load_demo()
            hooks.run_demo_loaders(io.StringIO())
            assert reorganization.apply_history(io.StringIO(), acting_user=loader.demo_admin()) is True
            assert reorganization.apply_history(io.StringIO(), acting_user=loader.demo_admin()) is False
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_2022_tree_has_7_districts_and_138_communes(history):
    old = Unit.objects.get(code="TQ")
    in_2022 = Unit.objects.valid_on(D2022).filter(path__startswith=old.path)
    assert in_2022.filter(kind__code="huyen-uy").count() == 7
    assert in_2022.filter(kind__code="dang-bo-xa").count() == 138
    assert old.valid_to == datetime.date(2025, 7, 1)


def test_todays_tree_is_the_merged_province(history):
    new = Unit.objects.get(code="TQ2025")
    today = Unit.objects.valid_on().filter(path__startswith=new.path)
    assert today.filter(kind__code="huyen-uy").count() == 0
    assert today.filter(kind__code="dang-bo-xa", parent=new).count() == 124
    assert not Unit.objects.valid_on().filter(code__in=["TQ", "HG", "TQ-D1350"]).exists()
    # Hồng Sơn existed between its 2024 formation and the 2025 merger
    hong_son = Unit.objects.get(code="TQ-787782-HS")
    assert (hong_son.valid_from, hong_son.valid_to) == (datetime.date(2024, 9, 1), datetime.date(2025, 7, 1))


@pytest.mark.parametrize("day", [D2022, TODAY])
def test_counts_per_unit_agree_with_membership_periods(history, day):
    province = Unit.objects.get(code="TQ" if day == D2022 else "TQ2025")
    counts = subtree_member_counts_on(province, day)
    children = Unit.objects.valid_on(day).filter(parent=province)
    for child in children:
        expected = Membership.objects.on(day).filter(unit__path__startswith=child.path).count()
        assert counts.get(child.path, 0) == expected
    assert counts[province.path] == Membership.objects.on(day).filter(unit__path__startswith=province.path).count()
    if day == TODAY:
        # today's counters agree with the periods and with the members' current units
        per_unit = dict(Member.objects.filter(status__in=ACTIVE_STATUSES).values("unit").annotate(n=Count("id"))
                        .values_list("unit", "n"))
        for unit in Unit.objects.filter(path__startswith=province.path):
            assert unit.member_count == per_unit.get(unit.pk, 0)
        assert counts[province.path] == sum(per_unit.get(u.pk, 0) for u in Unit.objects.filter(path__startswith=province.path))
    # nobody was lost in the reorganization
    old_total = Membership.objects.on(D2022).filter(unit__path__startswith=Unit.objects.get(code="TQ").path).count()
    assert old_total > 3000


def test_secretary_followed_the_cell_and_office_sees_history(history):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="bithu.chibo")
    cells = list(access.visible_units(secretary).order_by("pk"))
    # the 2022 cell (history) and the cell re-created under the merged commune on 1/7/2025
    assert [(c.code, c.is_current) for c in cells] == [("TQ-1312070/01", False), ("TQ-1312070/01.2025", True)]
    assert set(access.visible_members(secretary)) == set(Member.objects.filter(unit=cells[1]))
    office = get_user_model().objects.get(username="vanphong.sonduong")
    client = login(office)
    page = client.get("/units/")
    assert page.context["as_of"] == datetime.date(2025, 6, 30)
    son_duong = Unit.objects.get(code="TQ-D1350")
    detail = client.get(f"/units/{son_duong.pk}/?as_of=22/07/2022")
    assert len(detail.context["children"]) == 31
    assert detail.context["total"] == Membership.objects.on(D2022).filter(unit__path__startswith=son_duong.path).count()
    yen_son = Unit.objects.get(code="TQ-D1606")
    assert client.get(f"/units/{yen_son.pk}/").status_code == 404
