"""Pages and API lists run a bounded number of SQL queries whatever the number of rows.

Each check measures the same page over 5 rows and over 60 rows (more than a page of 50)
with CaptureQueriesContext, asserts equal counts, and holds the count to an explicit budget.
"""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quantriet.accounts.models import RoleAssignment

from . import factories as f
from .conftest import login

COVERED_URLS: set[str] = set()  # query counts only; permissions are in test_permissions.py

SIZES = (5, 60)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def branches(tree):
    """For n in SIZES: a commune committee with n cells; its first cell has n members with two positions each."""
    built = {}
    for n in SIZES:
        commune = f.unit(f"Q{n}", f"Đảng bộ xã Thử {n}", kind="dang-bo-xa", parent=tree["son_duong"])
        cells = [f.unit(f"Q{n}-{i}", f"Chi bộ thôn {n}-{i}", parent=commune) for i in range(n)]
        for i in range(n):
            f.member(cells[0], f"Nguyễn Văn Thử {n}-{i}", positions=["Đảng viên", f"Tổ trưởng tổ {i}"])
        built[n] = {"commune": commune, "cells": cells}
    return built


def count_queries(client, url, params=None, *, rows=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    if rows is not None:
        rows(response)
    return len(captured.captured_queries)


def measure(client, url_for, rows_for, budget):
    counts = {}
    for n in SIZES:
        url, params = url_for(n)
        count_queries(client, url, params)  # warm-up: content types, translations, sessions
        counts[n] = count_queries(client, url, params, rows=lambda r, n=n: rows_for(r, n))
    assert counts[SIZES[0]] == counts[SIZES[1]], counts
    assert counts[SIZES[1]] <= budget, counts
    return counts


def test_member_list_page(client_for, branches):
    def rows(response, n):
        assert len(response.context["page"]) == min(n, 50)
        assert "Tổ trưởng tổ 0" in response.content.decode()
    measure(client_for("ancestor_staff"),
            lambda n: (reverse("members:list"), {"unit": branches[n]["cells"][0].pk}), rows, budget=10)


def test_member_list_page_with_search(client_for, branches):
    def rows(response, n):
        assert len(response.context["page"]) == min(n, 50)
    measure(client_for("admin"),
            lambda n: (reverse("members:list"), {"q": f"thu {n}-"}), rows, budget=10)


def test_unit_detail_page(client_for, branches):
    def rows(response, n):
        assert len(response.context["children"]) == n
        assert response.context["total"] == n
        assert response.context["history"] is not None  # the audit history is on the page too
    measure(client_for("ancestor_staff"),
            lambda n: (reverse("units:detail", args=[branches[n]["commune"].pk]), {}), rows, budget=16)


def test_unit_children_partial(client_for, branches):
    def rows(response, n):
        assert len(response.context["children"]) == n
    measure(client_for("ancestor_staff"),
            lambda n: (reverse("units:children", args=[branches[n]["commune"].pk]), {}), rows, budget=10)


def test_tree_page_with_many_roots(branches):
    """A user with a role on each of n cells sees n roots (the page shows at most 20) with their counts."""
    clients = {}
    for n in SIZES:
        user = f.user(f"sec{n}")
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=user, role="secretary", unit=cell) for cell in branches[n]["cells"])
        clients[n] = login(user)
    counts = {}
    for n in SIZES:
        count_queries(clients[n], reverse("units:tree"))
        counts[n] = count_queries(clients[n], reverse("units:tree"), rows=lambda r, n=n: (
            len(r.context["roots"]) == min(n, 20) or pytest.fail("roots")))
    response = clients[5].get(reverse("units:tree"))
    assert sorted(root.subtree_count for root in response.context["roots"]) == [0, 0, 0, 0, 5]
    assert counts[5] == counts[60] and counts[60] <= 10, counts


def test_tree_page_and_search(client_for, branches):
    def rows(response, n):
        assert response.context["results"].paginator.count == n
    measure(client_for("admin"), lambda n: (reverse("units:tree"), {"q": f"thon {n}-"}), rows, budget=10)


def test_api_member_list(client_for, branches):
    def rows(response, n):
        results = response.json()["results"]
        assert len(results) == min(n, 50) and len(results[0]["positions"]) == 2
    measure(client_for("ancestor_staff"),
            lambda n: (reverse("member-list"), {"unit": branches[n]["cells"][0].pk}), rows, budget=10)


def test_api_unit_list(client_for, branches):
    def rows(response, n):
        assert len(response.json()["results"]) == min(n, 50)
    measure(client_for("ancestor_staff"),
            lambda n: (reverse("unit-list"), {"parent": branches[n]["commune"].pk}), rows, budget=9)
