"""Bad input gets field errors, saves nothing (rows and audit unchanged) and never answers 500."""
import datetime
import random

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from quantriet.accounts.models import RoleAssignment
from quantriet.core.models import AuditEntry
from quantriet.members.models import Member, Position
from quantriet.units.counters import recount_member_counts
from quantriet.units.models import Unit, UnitKind, path_segment

COVERED_URLS: set[str] = set()  # bad input only; permissions are in test_permissions.py


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def state():
    """Row counts that a refused request must leave unchanged."""
    return (Member.objects.count(), Position.objects.count(), Unit.objects.count(), AuditEntry.objects.count(),
            RoleAssignment.objects.count(), sum(Unit.objects.values_list("member_count", flat=True)))


def d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


TODAY = timezone.localdate()


def member_form(unit, /, **changes):
    data = {
        "full_name": "Hầu A Lềnh", "birth_date": "12/03/1985", "gender": "male", "ethnicity": "Mông",
        "religion": "Không", "card_number": "55500001", "record_number": "", "admission_date": "01/02/2010",
        "official_date": "01/02/2011", "unit": unit.pk, "status": "official", "citizen_id": "008085000123",
        "phone": "", "email": "", "positions": "",
    }
    data.update(changes)
    return data


BAD_MEMBER_FORMS = [
    ("card_number", {"card_number": "1234567"}),
    ("card_number", {"card_number": "1234567a"}),
    ("card_number", {"card_number": "123456789"}),
    ("card_number", {"card_number": "١٢٣٤٥٦٧٨"}),  # Arabic-Indic digits are not a card number
    ("card_number", {"card_number": "DUPLICATE"}),
    ("citizen_id", {"citizen_id": "12345"}),
    ("citizen_id", {"citizen_id": "00808500012a"}),
    ("citizen_id", {"citizen_id": "0080850001234"}),
    ("citizen_id", {"citizen_id": "DUPLICATE"}),
    ("birth_date", {"birth_date": "30/02/1985"}),
    ("birth_date", {"birth_date": "1985-13-01"}),
    ("birth_date", {"birth_date": "hôm qua"}),
    ("birth_date", {"birth_date": d(TODAY + datetime.timedelta(days=1)), "admission_date": "", "official_date": "",
                    "status": "candidate"}),
    ("birth_date", {"birth_date": d(TODAY - relativedelta(years=16) + datetime.timedelta(days=1)),
                    "admission_date": "", "official_date": "", "status": "candidate"}),
    ("birth_date", {"birth_date": "31/12/1899"}),
    ("birth_date", {"birth_date": ""}),
    ("admission_date", {"admission_date": d(TODAY + datetime.timedelta(days=1)), "official_date": "",
                        "status": "probationary"}),
    ("admission_date", {"admission_date": "01/01/1995"}),  # born 1985: under 16 when admitted
    ("admission_date", {"admission_date": "", "official_date": ""}),  # an official member needs one
    ("official_date", {"official_date": "31/01/2011"}),  # one day short of the 12-month probation
    ("official_date", {"official_date": "01/02/2009"}),
    ("official_date", {"official_date": d(TODAY + datetime.timedelta(days=1)), "admission_date": "01/02/2020"}),
    ("official_date", {"official_date": ""}),
    ("full_name", {"full_name": "Lềnh"}),
    ("full_name", {"full_name": "   "}),
    ("full_name", {"full_name": "Nguyễn " + "A" * 120}),
    ("positions", {"positions": "Bí thư\n" + "x" * 201}),
    ("positions", {"positions": "x" * 2001}),
    ("phone", {"phone": "gọi tôi"}),
    ("email", {"email": "not-an-email"}),
    ("gender", {"gender": "other"}),
    ("status", {"status": "emperor"}),
    ("unit", {"unit": "999999"}),
    ("unit", {"unit": "abc"}),
    ("unit", {"unit": "OTHER_BRANCH"}),
    ("unit", {"unit": ""}),
    ("ethnicity", {"ethnicity": "x" * 41}),
]


def resolve(changes, people, tree):
    data = dict(changes)
    if data.get("card_number") == "DUPLICATE":
        data["card_number"] = people["a2"].card_number
    if data.get("citizen_id") == "DUPLICATE":
        Member.objects.filter(pk=people["b1"].pk).update(citizen_id="008085000999")
        data["citizen_id"] = "008085000999"
    if data.get("unit") == "OTHER_BRANCH":
        data["unit"] = tree["cell_c"].pk
    return data


@pytest.mark.parametrize("field,changes", BAD_MEMBER_FORMS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_MEMBER_FORMS)])
def test_member_create_form_rejects(field, changes, client_for, people, tree):
    client = client_for("same_secretary")
    data = member_form(tree["cell_a"], **resolve(changes, people, tree))
    before = state()
    response = client.post(reverse("members:create"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field], response.context["form"].errors
    assert state() == before


@pytest.mark.parametrize("field,changes", BAD_MEMBER_FORMS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_MEMBER_FORMS)])
def test_member_edit_form_rejects(field, changes, client_for, people, tree):
    member = people["a2"]
    client = client_for("same_secretary")
    changes = resolve(changes, people, tree)
    if changes.get("card_number") == member.card_number:
        changes["card_number"] = people["self_member"].card_number
    data = member_form(tree["cell_a"], **changes)
    snapshot = Member.objects.filter(pk=member.pk).values().get()
    before = state()
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field], response.context["form"].errors
    assert state() == before
    assert Member.objects.filter(pk=member.pk).values().get() == snapshot


def test_a_good_member_form_saves(client_for, tree):
    """The baseline of the cases above is valid (so each case fails for its own reason)."""
    before = state()
    response = client_for("same_secretary").post(reverse("members:create"), member_form(tree["cell_a"]))
    assert response.status_code == 302
    assert state()[0] == before[0] + 1 and state()[3] == before[3] + 1


def unit_form(parent, /, **changes):
    data = {"code": "TQ-SD-SN-D", "name": "Chi bộ thôn D", "kind": UnitKind.objects.get(code="chi-bo").pk,
            "parent": parent.pk, "valid_from": "01/07/2025", "valid_to": ""}
    data.update(changes)
    return data


BAD_UNIT_FORMS = [
    ("code", {"code": "TQ-SD-SN-A"}),  # duplicate
    ("code", {"code": ""}),
    ("code", {"code": "C" * 41}),
    ("name", {"name": "N" * 256}),
    ("name", {"name": ""}),
    ("kind", {"kind": "999999"}),
    ("kind", {"kind": ""}),
    ("parent", {"parent": "999999"}),
    ("parent", {"parent": "OTHER_BRANCH"}),
    ("valid_from", {"valid_from": "30/02/2025"}),
    ("valid_to", {"valid_to": "01/07/2025"}),
    ("valid_to", {"valid_to": "30/06/2025"}),
]


@pytest.mark.parametrize("field,changes", BAD_UNIT_FORMS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_UNIT_FORMS)])
def test_unit_forms_reject(field, changes, client_for, tree):
    client = client_for("ancestor_staff")
    changes = dict(changes)
    if changes.get("parent") == "OTHER_BRANCH":
        changes["parent"] = tree["trung_son"].pk
    before = state()
    response = client.post(reverse("units:create"), unit_form(tree["son_nam"], **changes))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field], response.context["form"].errors
    assert state() == before
    # The same on the edit form of cell B (a duplicate code is cell A's).
    unit = tree["cell_b"]
    snapshot = Unit.objects.filter(pk=unit.pk).values().get()
    response = client.post(reverse("units:edit", args=[unit.pk]), unit_form(tree["son_nam"], **changes))
    if changes.get("code") is None:
        pass
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field], response.context["form"].errors
    assert state() == before and Unit.objects.filter(pk=unit.pk).values().get() == snapshot


def test_unit_cannot_move_under_itself(client_for, tree):
    client = client_for("ancestor_staff")
    unit = tree["son_nam"]
    before = state()
    for parent in (unit, tree["cell_a"]):
        data = unit_form(parent, code=unit.code, name=unit.name, kind=unit.kind_id, valid_from="")
        response = client.post(reverse("units:edit", args=[unit.pk]), data)
        assert response.status_code == 200 and list(response.context["form"].errors) == ["parent"]
    assert state() == before


# --- API ---------------------------------------------------------------------------------------------------

def api_member(unit, /, **changes):
    data = {
        "full_name": "Hầu A Lềnh", "birth_date": "1985-03-12", "gender": "male", "ethnicity": "Mông",
        "card_number": "55500001", "admission_date": "2010-02-01", "official_date": "2011-02-01",
        "unit": unit.pk, "status": "official", "citizen_id": "008085000123", "positions": ["Bí thư chi bộ"],
    }
    data.update(changes)
    return data


BAD_API_MEMBERS = [
    ("card_number", {"card_number": "1234567"}),
    ("card_number", {"card_number": "١٢٣٤٥٦٧٨"}),
    ("card_number", {"card_number": 12345678.5}),
    ("card_number", {"card_number": "DUPLICATE"}),
    ("citizen_id", {"citizen_id": "12345"}),
    ("citizen_id", {"citizen_id": "DUPLICATE"}),
    ("birth_date", {"birth_date": "1985-02-30"}),
    ("birth_date", {"birth_date": "30/02/1985"}),
    ("birth_date", {"birth_date": 19850312}),
    ("birth_date", {"birth_date": ["1985-03-12"]}),
    ("birth_date", {"birth_date": None}),
    ("birth_date", {"birth_date": (TODAY + datetime.timedelta(days=1)).isoformat(), "status": "candidate",
                    "admission_date": None, "official_date": None}),
    ("birth_date", {"birth_date": (TODAY - relativedelta(years=15)).isoformat(), "status": "candidate",
                    "admission_date": None, "official_date": None}),
    ("admission_date", {"admission_date": (TODAY + datetime.timedelta(days=3)).isoformat(), "official_date": None,
                        "status": "probationary"}),
    ("official_date", {"official_date": "2011-01-31"}),
    ("official_date", {"official_date": None}),
    ("full_name", {"full_name": ["Hầu", "A", "Lềnh"]}),
    ("full_name", {"full_name": {"family": "Hầu"}}),
    ("full_name", {"full_name": "N" * 121}),
    ("full_name", {"full_name": True}),
    ("positions", {"positions": "Bí thư chi bộ"}),
    ("positions", {"positions": ["x" * 201]}),
    ("positions", {"positions": ["Bí thư"] * 21}),
    ("positions", {"positions": [["nested"]]}),
    ("gender", {"gender": "other"}),
    ("status", {"status": 3}),
    ("email", {"email": "nope"}),
    ("unit", {"unit": 999999}),
    ("unit", {"unit": "abc"}),
    ("unit", {"unit": 2 ** 70}),
    ("unit", {"unit": -1}),
    ("unit", {"unit": None}),
    ("unit", {"unit": [1]}),
    ("unit", {"unit": "OTHER_BRANCH"}),
    ("shoe_size", {"shoe_size": 42}),  # unknown field
    ("id", {"id": 5, "member_count": 3}),  # read-only id is ignored, unknown member_count refused
]


def resolve_api(changes, people, tree):
    data = dict(changes)
    if data.get("card_number") == "DUPLICATE":
        data["card_number"] = people["c1"].card_number  # even one outside the caller's scope
    if data.get("citizen_id") == "DUPLICATE":
        Member.objects.filter(pk=people["c1"].pk).update(citizen_id="008085000999")
        data["citizen_id"] = "008085000999"
    if data.get("unit") == "OTHER_BRANCH":
        data["unit"] = tree["cell_c"].pk
    return data


@pytest.mark.parametrize("field,changes", BAD_API_MEMBERS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_API_MEMBERS)])
def test_api_member_create_rejects(field, changes, client_for, people, tree):
    client = client_for("same_secretary")
    before = state()
    response = client.post(reverse("member-list"), api_member(tree["cell_a"], **resolve_api(changes, people, tree)),
                           content_type="application/json")
    assert response.status_code == 400, response.content
    expected = {"member_count"} if field == "id" else {field}
    assert set(response.json()) == expected, response.json()
    assert state() == before


@pytest.mark.parametrize("field,changes", BAD_API_MEMBERS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_API_MEMBERS)])
def test_api_member_patch_rejects(field, changes, client_for, people, tree):
    member = people["a2"]
    changes = resolve_api(changes, people, tree)
    if "birth_date" in changes or field in ("admission_date", "official_date"):
        changes = {k: v for k, v in changes.items() if k != "status"}
        if field == "birth_date" and "admission_date" in changes:
            changes = {"birth_date": changes["birth_date"]}  # too young for the admission date on record
    if changes.get("official_date") == "2011-01-31":
        changes = {"official_date": "2006-02-28"}  # a2 was admitted on 01/03/2005
    if field == "official_date" and changes.get("official_date") is None:
        changes = {"official_date": None}
    before = state()
    snapshot = Member.objects.filter(pk=member.pk).values().get()
    response = client_for("same_secretary").patch(reverse("member-detail", args=[member.pk]), changes,
                                                  content_type="application/json")
    assert response.status_code == 400, response.content
    if field != "id":
        assert field in response.json(), response.json()
    assert state() == before
    assert Member.objects.filter(pk=member.pk).values().get() == snapshot


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", "{", "42", '{"full_name": "\\ud800"}'])
def test_api_rejects_non_objects_and_broken_json(body, client_for, people, tree):
    client = client_for("admin")
    before = state()
    for url in (reverse("member-list"), reverse("unit-list"), reverse("member-detail", args=[people["a2"].pk])):
        method = client.patch if "members/" in url and url.rstrip("/").split("/")[-1].isdigit() else client.post
        response = method(url, body, content_type="application/json")
        assert response.status_code == 400, (url, body, response.content)
    assert state() == before


BAD_API_UNITS = [
    ("code", {"code": "TQ-SD-SN-A"}),
    ("code", {"code": ["x"]}),
    ("name", {"name": "N" * 256}),
    ("kind", {"kind": "no-such-kind"}),
    ("kind", {"kind": 5}),
    ("parent", {"parent": 999999}),
    ("parent", {"parent": "OTHER_BRANCH"}),
    ("parent", {"parent": 2 ** 70}),
    ("valid_from", {"valid_from": "2025-02-30"}),
    ("valid_to", {"valid_from": "2025-07-01", "valid_to": "2025-07-01"}),
    ("depth", {"depth": 0, "path": "x"}),  # read-only depth ignored, unknown path refused
]


@pytest.mark.parametrize("field,changes", BAD_API_UNITS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_API_UNITS)])
def test_api_unit_create_rejects(field, changes, client_for, tree):
    changes = dict(changes)
    if changes.get("parent") == "OTHER_BRANCH":
        changes["parent"] = tree["trung_son"].pk
    data = {"code": "TQ-SD-SN-D", "name": "Chi bộ thôn D", "kind": "chi-bo", "parent": tree["son_nam"].pk}
    data.update(changes)
    before = state()
    response = client_for("ancestor_staff").post(reverse("unit-list"), data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == ({"path"} if field == "depth" else {field}), response.json()
    assert state() == before


# --- a fuzz loop: random junk everywhere, never a 500, never a partial write ------------------------------------

JUNK = ["", " ", "0", "-1", "1e309", "9" * 30, "NaN", "null", "true", "[]", "{}", "<script>alert(1)</script>",
        "'; DROP TABLE members_member; --", "\x00", "\u202e", "😀" * 50, "Ắ" * 300, "30/02/2020", "2020-02-30",
        "../../etc/passwd", "%s%s%n", "²", "١٢٣", "x" * 5000]
JSON_JUNK = JUNK + [None, 0, -1, 2 ** 80, 1.5, True, [], {}, ["a"], {"a": 1}, [None]]


def test_fuzz_forms_and_api_never_500(client_for, people, tree):
    rng = random.Random(20260207)
    client = client_for("admin")
    member = people["a2"]
    unit = tree["cell_b"]
    form_targets = [
        (reverse("members:create"), list(member_form(tree["cell_a"]))),
        (reverse("members:edit", args=[member.pk]), list(member_form(tree["cell_a"]))),
        (reverse("units:create"), list(unit_form(tree["son_nam"]))),
        (reverse("units:edit", args=[unit.pk]), list(unit_form(tree["son_nam"]))),
        (reverse("accounts:roles"), ["username", "role", "unit"]),
        (reverse("accounts:otp"), ["token"]),
    ]
    api_targets = [
        ("post", reverse("member-list"), list(api_member(tree["cell_a"]))),
        ("patch", reverse("member-detail", args=[member.pk]), list(api_member(tree["cell_a"]))),
        ("post", reverse("unit-list"), ["code", "name", "kind", "parent", "valid_from", "valid_to"]),
        ("patch", reverse("unit-detail", args=[unit.pk]), ["code", "name", "kind", "parent", "valid_from"]),
    ]
    get_targets = [
        (reverse("members:list"), ["q", "unit", "status", "page"]),
        (reverse("units:tree"), ["q", "page"]),
        (reverse("units:create"), ["parent"]),
        (reverse("members:create"), ["unit"]),
        (reverse("member-list"), ["q", "unit", "status", "limit", "offset"]),
        (reverse("unit-list"), ["q", "parent", "current", "limit", "offset"]),
    ]
    before = state()
    for _ in range(40):
        for url, fields in form_targets:
            data = {name: rng.choice(JUNK) for name in rng.sample(fields, rng.randint(1, len(fields)))}
            data = {k: v.replace("\x00", "") for k, v in data.items()}  # the test client cannot send NUL in forms
            response = client.post(url, data)
            assert response.status_code in (200, 302, 404), (url, data, response.status_code)
        for method, url, fields in api_targets:
            data = {name: rng.choice(JSON_JUNK) for name in rng.sample(fields, rng.randint(1, len(fields)))}
            response = getattr(client, method)(url, data, content_type="application/json")
            assert response.status_code in (200, 201, 400, 404), (url, data, response.status_code)
        for url, fields in get_targets:
            params = {name: rng.choice(JUNK).replace("\x00", "") for name in rng.sample(fields, rng.randint(1, len(fields)))}
            response = client.get(url, params)
            assert response.status_code in (200, 404), (url, params, response.status_code)
    # Some junk is valid (a unit code "[]" is a code): what was written must still be consistent.
    assert recount_member_counts() == 0  # the per-unit counters match the member table
    for unit in Unit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "") + path_segment(unit.pk)
        assert unit.path == expected and unit.depth == expected.count(".") - 1
    assert AuditEntry.objects.count() - before[3] == (
        Member.objects.count() - before[0] + Unit.objects.count() - before[2]
        + AuditEntry.objects.filter(action__in=["member.update", "unit.update"]).count()
    )
