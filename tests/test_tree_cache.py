"""The cached tree pages and role scopes (quantriet/units/cache.py): never stale, never shared across scopes.

These tests run with the cache on (a per-process memory cache is correct inside one test
process) and in real transactions, so the version bumps run on commit as in production.
"""
import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quantriet.accounts import actions as account_actions
from quantriet.accounts.models import Role, RoleAssignment
from quantriet.members import lifecycle
from quantriet.members.models import TransferKind
from quantriet.units import cache as tree_cache
from quantriet.units import reorganize
from quantriet.units.models import Unit, UnitKind

from . import factories as f
from .conftest import USER_KINDS, login

COVERED_URLS = {"units:detail", "units:children"}

# No serialized_rollback: other transactional tests flush the database and post_migrate re-creates the
# content types, which a serialized restore would then duplicate. Unit kinds come back through the factories.
pytestmark = pytest.mark.django_db(transaction=True)

TODAY = datetime.date.today


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.TREE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def detail(client, unit, query=""):
    return client.get(reverse("units:detail", args=[unit.pk]) + query)


def normalized(response) -> str:
    """The page without its CSRF tokens (a fresh mask in every response, cached or not)."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="-"', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": "-"', html)


def total(response) -> str:
    return re.search(r'data-testid="subtree-total">([^<]*)<', response.content.decode()).group(1)


def row_count(response, name: str) -> str | None:
    """The member count shown in the subordinate-units table for the child called `name`."""
    match = re.search(re.escape(name) + r'</a></td>\s*<td[^>]*>[^<]*</td>\s*<td class="num"[^>]*>([^<]*)</td>',
                      response.content.decode())
    return match.group(1) if match else None


def children_names(response) -> list[str]:
    table = response.content.decode().split('data-testid="subordinate-units"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td data-label="[^"]*"><a href="[^"]*">([^<]*)</a></td>', table)


def queries(client, url) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured)


# --- the cached page is the page --------------------------------------------------------------

@pytest.mark.parametrize("kind", USER_KINDS)
def test_cached_pages_equal_uncached_pages_for_every_kind_of_user(kind, tree, users, settings):
    client = login(users[kind])
    for unit in tree.values():
        for query in ("", "?as_of=01/01/2020", "?as_of=nonsense"):
            settings.TREE_CACHE = False
            reference = detail(client, unit, query)
            settings.TREE_CACHE = True
            first, second = detail(client, unit, query), detail(client, unit, query)
            assert first.status_code == second.status_code == reference.status_code
            if reference.status_code == 200:
                assert normalized(first) == normalized(reference)
                assert normalized(second) == normalized(reference)
            for path in (reverse("units:children", args=[unit.pk]),):
                settings.TREE_CACHE = False
                reference = client.get(path + query)
                settings.TREE_CACHE = True
                again = [client.get(path + query) for _ in range(2)]
                assert [r.status_code for r in again] == [reference.status_code] * 2
                if reference.status_code == 200:
                    assert [r.content for r in again] == [reference.content] * 2
                client.cookies.pop("messages", None)  # a partial's message waits for the next page


def test_a_cached_page_costs_three_queries_and_carries_a_fresh_csrf_token(tree, people, users):
    client = login(users["ancestor_staff"])
    url = reverse("units:detail", args=[tree["son_duong"].pk])
    first, cold = queries(client, url)
    second, warm = queries(client, url)
    assert cold >= 8  # session, user, roles, successions, member link, unit, audit, children, counts …
    # The session, the user and the user's two-factor device (django-otp): the rest comes from the cache.
    assert warm == 3
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    first_tokens, second_tokens = token.findall(first.content.decode()), token.findall(second.content.decode())
    assert len(first_tokens) == len(second_tokens) == 2
    assert first_tokens[0] != second_tokens[0]  # masked anew for each response
    assert "qtcsrf" not in second.content.decode()
    # The token of the cached page is accepted by the CSRF check (logging out with it works).
    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": second_tokens[1]})
    assert response.status_code == 302


def test_messages_are_shown_every_time_and_never_cached(tree, users):
    client = login(users["ancestor_staff"])
    for _ in range(2):
        response = detail(client, tree["son_duong"], "?as_of=31/02/2020")
        assert response.status_code == 200
        assert len(list(response.context["messages"])) == 1
    # A message left for the next page (here by a form elsewhere) is shown on a cached page too.
    detail(client, tree["son_duong"])
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage

    storage = CookieStorage(None)
    storage.add(constants.SUCCESS, "Đã lưu.")
    client.cookies["messages"] = storage._encode(list(storage._queued_messages))
    response = detail(client, tree["son_duong"])
    assert "Đã lưu." in response.content.decode()
    assert "Đã lưu." not in detail(client, tree["son_duong"]).content.decode()


# --- never stale ---------------------------------------------------------------------------------

def test_member_added_transferred_and_removed_show_at_once(tree, people, users):
    office = login(users["ancestor_staff"])  # office on Huyện ủy Sơn Dương
    admin = users["admin"]
    province_client = login(admin)
    son_duong, son_nam = tree["son_duong"], tree["son_nam"]
    assert total(detail(office, son_duong)) == "3"
    assert total(detail(office, son_duong)) == "3"  # cached
    assert row_count(detail(province_client, tree["province"]), "Huyện ủy Yên Sơn") == "1"

    f.member(tree["cell_b"], "Đặng Thị Mới")  # added
    page = detail(office, son_duong)
    assert total(page) == "4" and row_count(page, "Đảng bộ xã Sơn Nam") == "4"
    assert row_count(detail(office, son_nam), "Chi bộ thôn B") == "2"
    partial = office.get(reverse("units:children", args=[son_duong.pk])).content.decode()
    assert "4 đảng viên" in partial

    transfer = lifecycle.issue_transfer(people["a2"], to_unit=tree["cell_c"], kind=TransferKind.OFFICIAL,
                                        issued_on=TODAY(), acting_user=admin)
    assert total(detail(office, son_duong)) == "4"  # issued, not yet confirmed: still here
    lifecycle.confirm_transfer(transfer, confirmed_on=TODAY(), acting_user=admin)
    page = detail(office, son_duong)
    assert total(page) == "3" and row_count(page, "Đảng bộ xã Sơn Nam") == "3"
    province = detail(province_client, tree["province"])
    assert row_count(province, "Huyện ủy Yên Sơn") == "2" and row_count(province, "Huyện ủy Sơn Dương") == "3"

    lifecycle.remove(people["b1"], effective_on=TODAY(), acting_user=admin)
    assert total(detail(office, son_duong)) == "2"
    assert row_count(detail(office, son_nam), "Chi bộ thôn B") == "1"
    assert total(detail(province_client, tree["province"])) == "4"


def test_unit_edits_and_reorganizations_show_at_once(tree, people, users):
    admin = users["admin"]
    client = login(admin)
    son_nam = tree["son_nam"]
    assert children_names(detail(client, son_nam)) == ["Chi bộ thôn A", "Chi bộ thôn B"]
    f.unit("TQ-SD-SN-D", "Chi bộ thôn D", parent=son_nam)  # create_unit
    assert children_names(detail(client, son_nam)) == ["Chi bộ thôn A", "Chi bộ thôn B", "Chi bộ thôn D"]

    reorganize.rename(tree["cell_b"], name="Chi bộ thôn Bình Minh", effective_on=TODAY(), acting_user=admin)
    assert children_names(detail(client, son_nam)) == ["Chi bộ thôn A", "Chi bộ thôn Bình Minh", "Chi bộ thôn D"]

    merged = reorganize.merge(
        [tree["cell_a"], Unit.objects.get(pk=tree["cell_b"].pk)],
        into=reorganize.NewUnit(code="TQ-SD-SN-AB", name="Chi bộ thôn Hợp Nhất", kind=UnitKind.objects.get(code="chi-bo")),
        parent=son_nam, effective_on=TODAY(), acting_user=admin,
    )
    page = detail(client, son_nam)
    assert children_names(page) == ["Chi bộ thôn D", "Chi bộ thôn Hợp Nhất"]
    assert row_count(page, "Chi bộ thôn Hợp Nhất") == "3" and total(page) == "3"
    assert total(detail(client, merged)) == "3"


def test_changes_inside_an_open_transaction_are_seen_by_that_transaction(tree, people, users):
    client = login(users["ancestor_staff"])
    assert total(detail(client, tree["son_duong"])) == "3"
    with transaction.atomic():
        f.member(tree["cell_a"])
        assert tree_cache.pending()
        assert total(detail(client, tree["son_duong"])) == "4"
    assert not tree_cache.pending()
    assert total(detail(client, tree["son_duong"])) == "4"


def test_a_lost_version_token_never_brings_old_pages_back(tree, people, users):
    client = login(users["ancestor_staff"])
    assert total(detail(client, tree["son_duong"])) == "3"
    cache.delete(tree_cache.TREE_KEY)  # evicted, or Redis restarted without its data
    Unit.objects.filter(pk=tree["cell_b"].pk).update(member_count=5)  # a write the cache was not told about
    assert total(detail(client, tree["son_duong"])) == "7"  # a new token: nothing old is trusted


# --- never shared across scopes -----------------------------------------------------------------

def test_users_with_different_scopes_never_see_each_others_pages(tree, people, users):
    son_nam = tree["son_nam"]
    own = f.member(son_nam, "Vi Văn Xã")  # a member of the commune itself, who sees only that unit
    villager = login(f.user("villager", member=own))
    inspector = login(f.user("inspector_sd", "inspector", tree["son_duong"]))
    office = login(users["ancestor_staff"])

    page = detail(office, son_nam)
    assert children_names(page) == ["Chi bộ thôn A", "Chi bộ thôn B"]
    assert reverse("units:edit", args=[son_nam.pk]) in page.content.decode()
    assert page.context["history"] is not None

    seen = detail(villager, son_nam)
    assert seen.status_code == 200
    assert children_names(seen) == []
    assert reverse("units:edit", args=[son_nam.pk]) not in seen.content.decode()
    assert "Vi Văn Xã" not in seen.content.decode() and "villager" in seen.content.decode()
    assert villager.get(reverse("units:children", args=[son_nam.pk])).content.decode().count("<li") == 1

    seen = detail(inspector, son_nam)  # same view scope as the office, but may not edit
    assert children_names(seen) == ["Chi bộ thôn A", "Chi bộ thôn B"]
    assert reverse("units:edit", args=[son_nam.pk]) not in seen.content.decode()
    assert "office_sd" not in seen.content.decode() and "inspector_sd" in seen.content.decode()

    # Out of scope is still 404 while others' pages of that unit are cached.
    assert detail(login(users["other_secretary"]), son_nam).status_code == 404
    assert login(users["other_secretary"]).get(reverse("units:children", args=[son_nam.pk])).status_code == 404
    assert detail(login(None), son_nam).status_code == 302


def test_granted_and_revoked_roles_take_effect_at_once(tree, people, users):
    admin = users["admin"]
    user = users["other_secretary"]  # secretary of Chi bộ thôn C only
    client = login(user)
    assert detail(client, tree["son_nam"]).status_code == 404
    assignment = account_actions.grant_role(user=user, role=Role.OFFICE, unit=tree["son_duong"], acting_user=admin)
    assert detail(client, tree["son_nam"]).status_code == 200
    assert detail(client, tree["son_nam"]).status_code == 200  # now from the cache
    account_actions.revoke_role(assignment, acting_user=admin)
    assert detail(client, tree["son_nam"]).status_code == 404
    assert not RoleAssignment.objects.filter(user=user, unit=tree["son_duong"]).exists()


def test_bumps_are_made_once_per_transaction_and_dropped_with_a_rollback(tree):
    before = cache.get(tree_cache.TREE_KEY)
    with transaction.atomic():
        tree_cache.bump_tree_version()
        tree_cache.bump_tree_version()
        hooks = [func for _sids, func, _robust in connection.run_on_commit if isinstance(func, tree_cache._Bump)]
        assert len(hooks) == 1
    after = cache.get(tree_cache.TREE_KEY)
    assert after is not None and after != before
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            tree_cache.bump_tree_version()
            raise RuntimeError
    assert cache.get(tree_cache.TREE_KEY) == after
    assert not tree_cache.pending()


def test_the_caches_are_off_without_a_shared_cache():
    import importlib

    import quantriet.settings as project_settings

    assert project_settings.TREE_CACHE is bool(project_settings.REDIS_URL) or "TREE_CACHE" in __import__("os").environ
    assert importlib.import_module("quantriet.settings").CACHES["default"]["BACKEND"] == (
        "quantriet.units.cache.RedisCache" if project_settings.REDIS_URL
        else "django.core.cache.backends.locmem.LocMemCache")
