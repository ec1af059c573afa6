"""API behaviour: filters, shapes, writes through the actions, counters and the schema."""
import datetime

import pytest
from django.urls import reverse

from quantriet.members.models import Member
from quantriet.units.models import Unit

from . import factories as f

COVERED_URLS = {"unit-list", "unit-detail", "member-list", "member-detail", "api-me", "api-schema"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_unit_filters(client_for, tree):
    client = client_for("admin")
    assert [u["code"] for u in results(client.get(reverse("unit-list"), {"parent": tree["son_nam"].pk}))] == [
        "TQ-SD-SN-A", "TQ-SD-SN-B"]
    assert results(client.get(reverse("unit-list"), {"parent": "abc"})) != []  # a bad filter is ignored
    assert results(client.get(reverse("unit-list"), {"parent": "9" * 40})) == []  # an impossible id matches nothing
    closed = f.unit("TQ-OLD", "Chi bộ cũ", parent=tree["son_nam"], valid_to=datetime.date(2025, 7, 1),
                    valid_from=datetime.date(2000, 1, 1))
    codes = {u["code"] for u in results(client.get(reverse("unit-list"), {"current": "1", "limit": 100}))}
    assert "TQ-OLD" not in codes and "TQ-SD-SN-A" in codes
    assert closed.code in {u["code"] for u in results(client.get(reverse("unit-list"), {"limit": 100}))}


def test_unit_shape(client_for, tree, people):
    data = client_for("admin").get(reverse("unit-detail", args=[tree["cell_a"].pk])).json()
    assert data == {"id": tree["cell_a"].pk, "code": "TQ-SD-SN-A", "name": "Chi bộ thôn A", "kind": "chi-bo",
                    "parent": tree["son_nam"].pk, "depth": 3, "valid_from": None, "valid_to": None,
                    "member_count": 2}


def test_member_filters(client_for, tree, people):
    client = client_for("admin")
    names = lambda params: [m["full_name"] for m in results(client.get(reverse("member-list"), params))]  # noqa: E731
    assert names({"unit": tree["son_nam"].pk}) == ["Hoàng Văn Bình", "Lê Thị Kim Dung", "Chẩu Văn Lâm"]
    assert names({"unit": tree["cell_c"].pk}) == ["Nguyễn Văn Sơn"]
    assert names({"unit": 999999}) == []
    Member.objects.filter(pk=people["b1"].pk).update(status="deceased")
    assert names({"unit": tree["son_nam"].pk, "status": "official"}) == ["Lê Thị Kim Dung", "Chẩu Văn Lâm"]
    # A unit outside the caller's scope gives nothing (not the whole list).
    response = client_for("other_secretary").get(reverse("member-list"), {"unit": tree["cell_a"].pk})
    assert results(response) == []


def test_member_shape_and_positions_round_trip(client_for, tree):
    client = client_for("same_secretary")
    response = client.post(reverse("member-list"), {
        "full_name": "  Hầu   A Lềnh ", "birth_date": "1985-03-12", "gender": "male", "ethnicity": "Mông",
        "card_number": "55500001", "admission_date": "2010-02-01", "official_date": "2011-02-01",
        "unit": tree["cell_a"].pk, "status": "official", "positions": ["Bí thư chi bộ", " Trưởng thôn "],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["full_name"] == "Hầu A Lềnh" and data["positions"] == ["Bí thư chi bộ", "Trưởng thôn"]
    assert data["citizen_id"] is None and data["religion"] == "Không"
    assert Unit.objects.get(pk=tree["cell_a"].pk).member_count == 3
    # PATCH without positions keeps them; with a list replaces them.
    url = reverse("member-detail", args=[data["id"]])
    assert client.patch(url, {"phone": "0912 345 678"}, content_type="application/json").json()["positions"] == [
        "Bí thư chi bộ", "Trưởng thôn"]
    assert client.patch(url, {"positions": []}, content_type="application/json").json()["positions"] == []
    # Leaving the party (removed) moves the counter down.
    assert client.patch(url, {"status": "removed"}, content_type="application/json").status_code == 200
    assert Unit.objects.get(pk=tree["cell_a"].pk).member_count == 2


def test_me(client_for, users, people):
    data = client_for("member").get(reverse("api-me")).json()
    assert data == {"username": "member", "full_name": "", "member": people["self_member"].pk,
                    "roles": [{"role": "member", "unit": people["self_member"].unit_id, "unit_name": "Chi bộ thôn A"}]}


def test_schema_describes_the_endpoints(client_for):
    response = client_for("same_secretary").get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    for path in ("/api/v1/units/", "/api/v1/units/{id}/", "/api/v1/members/", "/api/v1/members/{id}/", "/api/v1/me/"):
        assert path in schema["paths"], path
    member = schema["components"]["schemas"]["Member"]["properties"]
    assert member["positions"]["type"] == "array"
