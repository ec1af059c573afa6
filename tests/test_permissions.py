"""The permission matrix: every URL and API endpoint × every kind of user (tests/conftest.py USER_KINDS).

Rules checked everywhere:
- anonymous users are sent to the login page (UI) or get 401/403 (API);
- an object outside the caller's scope answers 404, never 403 or 500, and writes one
  `access_denied` audit entry; an allowed request writes none;
- editors can create and update, readers cannot, and a refused write changes nothing.
"""
import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from quantriet.accounts.models import RoleAssignment
from quantriet.core.models import AuditEntry
from quantriet.members.models import Member
from quantriet.units.models import Unit, UnitKind

from . import factories as f
from .conftest import USER_KINDS, login

COVERED_URLS = {
    "home-root", "healthz", "core:home",
    "accounts:login", "accounts:logout", "accounts:me", "accounts:otp", "accounts:roles", "accounts:revoke",
    "units:tree", "units:detail", "units:children", "units:create", "units:edit",
    "members:list", "members:detail", "members:create", "members:edit",
    "api-root", "api-me", "api-token", "unit-list", "unit-detail", "member-list", "member-detail",
    "api-schema", "api-docs",
}



@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The fixtures create seven users; PBKDF2 at full strength makes that take seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOGIN = "login"  # expected: redirect to the login page
ANON, MEMBER, SAME, OTHER, STAFF, ADMIN = USER_KINDS


def expect(default, **by_kind):
    """Expected outcome for every user kind: `default`, anonymous → login, with overrides."""
    table = {kind: default for kind in USER_KINDS}
    table[ANON] = LOGIN
    table.update(by_kind)
    assert set(table) == set(USER_KINDS)
    return table


def denied_count() -> int:
    return AuditEntry.objects.filter(action="access_denied").count()


def check(response, expected, *, before_denied, user=None):
    """Assert the status (or login redirect) and that exactly the 404s wrote an access_denied entry."""
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), response["Location"]
    else:
        assert response.status_code == expected, (response.status_code, getattr(response, "content", b"")[:300])
    added = denied_count() - before_denied
    if expected == 404:
        assert added == 1
        entry = AuditEntry.objects.filter(action="access_denied").first()
        assert entry.actor == user
    else:
        assert added == 0


def member_post(unit, **changes):
    data = {
        "full_name": "Hầu A Lềnh", "birth_date": "12/03/1985", "gender": "male", "ethnicity": "Mông",
        "religion": "Không", "card_number": "55500001", "record_number": "LL-1", "admission_date": "01/02/2010",
        "official_date": "01/02/2011", "unit": unit.pk, "status": "official", "citizen_id": "008085000123",
        "phone": "0912 345 678", "email": "lenh@example.vn", "positions": "Bí thư chi bộ\nTrưởng thôn",
    }
    data.update(changes)
    return data


def member_post_for(member, **changes):
    """The edit form as the browser would post it back, with changes."""
    data = member_post(member.unit)
    data.update({
        "full_name": member.full_name, "birth_date": member.birth_date.strftime("%d/%m/%Y"),
        "gender": member.gender, "ethnicity": member.ethnicity, "religion": member.religion,
        "card_number": member.card_number or "", "record_number": member.record_number,
        "admission_date": member.admission_date.strftime("%d/%m/%Y"),
        "official_date": member.official_date.strftime("%d/%m/%Y"), "unit": member.unit_id,
        "status": member.status, "citizen_id": member.citizen_id or "", "phone": member.phone,
        "email": member.email, "positions": "",
    })
    data.update(changes)
    return data


def unit_post(parent, **changes):
    data = {"code": "TQ-NEW", "name": "Chi bộ thôn Mới", "kind": UnitKind.objects.get(code="chi-bo").pk,
            "parent": parent.pk if parent else "", "valid_from": "", "valid_to": ""}
    data.update(changes)
    return data


# --- core --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", USER_KINDS)
def test_home_root_and_healthz(kind, client_for, users):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("home-root"))
    if kind == ANON:
        check(response, LOGIN, before_denied=before)
    else:
        assert response.status_code == 302 and response["Location"] == reverse("core:home")
    check(client.get(reverse("core:home")), expect(200)[kind], before_denied=before, user=users[kind])
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
    assert client.post(reverse("healthz")).status_code == 405


# --- accounts ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", USER_KINDS)
def test_login_logout_me_otp(kind, client_for, users):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("accounts:login"))
    if kind == ANON:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"] == reverse("core:home")
    response = client.get(reverse("accounts:me"))
    check(response, expect(200)[kind], before_denied=before, user=users[kind])
    if kind != ANON:
        assert response.context["user"].username == users[kind].username
    check(client.get(reverse("accounts:otp")), expect(200)[kind], before_denied=before, user=users[kind])
    # Logging out is a POST (a GET must not log anyone out).
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    check(client.get(reverse("accounts:me")), LOGIN, before_denied=before)


ROLES_VIEW = expect(404, ancestor_staff=200, admin=200)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_roles_page_and_grant(kind, client_for, users, tree):
    client = client_for(kind)
    target = get_user_model().objects.create_user("new_sec", password="Mat-khau-2026!")
    before = denied_count()
    response = client.get(reverse("accounts:roles"))
    check(response, ROLES_VIEW[kind], before_denied=before, user=users[kind])
    if response.status_code == 200:
        listed = {(a.user.username, a.role) for a in response.context["page"]}
        expected = {("sec_a", "secretary"), ("member", "member"), ("office_sd", "office")}
        if kind == ADMIN:
            expected |= {("sec_c", "secretary"), ("admin", "admin")}
        assert listed == expected
    # Grant a secretary role on cell A: only the ancestor office and the admin may.
    before = denied_count()
    count = RoleAssignment.objects.count()
    response = client.post(reverse("accounts:roles"), {"username": "new_sec", "role": "secretary",
                                                       "unit": tree["cell_a"].pk})
    check(response, expect(404, ancestor_staff=302, admin=302)[kind], before_denied=before, user=users[kind])
    granted = RoleAssignment.objects.filter(user=target, role="secretary", unit=tree["cell_a"]).exists()
    assert granted == (kind in (STAFF, ADMIN))
    assert RoleAssignment.objects.count() == count + (1 if granted else 0)


@pytest.mark.parametrize("kind", [STAFF, ADMIN])  # the others never reach the form: test_roles_page_and_grant
def test_grant_outside_scope_or_above_office_is_refused(kind, client_for, users, tree):
    """Office staff cannot grant in another branch, nor grant the admin role."""
    client = client_for(kind)
    target = get_user_model().objects.create_user("new_sec", password="Mat-khau-2026!")
    count, audit = RoleAssignment.objects.count(), AuditEntry.objects.count()
    response = client.post(reverse("accounts:roles"), {"username": "new_sec", "role": "secretary",
                                                       "unit": tree["cell_c"].pk})
    if kind == STAFF:
        assert response.status_code == 200 and "unit" in response.context["form"].errors
        response = client.post(reverse("accounts:roles"), {"username": "new_sec", "role": "admin",
                                                           "unit": tree["cell_a"].pk})
        assert response.status_code == 200 and "role" in response.context["form"].errors
        assert RoleAssignment.objects.count() == count and AuditEntry.objects.count() == audit
    else:
        assert response.status_code == 302
        assert RoleAssignment.objects.filter(user=target, unit=tree["cell_c"]).exists()


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("where", ["cell_a", "cell_c"])
def test_revoke(kind, where, client_for, users, tree):
    holder = users[SAME] if where == "cell_a" else users[OTHER]
    assignment = RoleAssignment.objects.get(user=holder)
    client = client_for(kind)
    before = denied_count()
    url = reverse("accounts:revoke", args=[assignment.pk])
    assert client.get(url).status_code in (302, 405)  # POST only (anonymous → login first)
    allowed = kind == ADMIN or (kind == STAFF and where == "cell_a")
    response = client.post(url)
    check(response, expect(404, **({kind: 302} if allowed else {}))[kind], before_denied=before, user=users[kind])
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists() == (not allowed)


# --- units: pages ------------------------------------------------------------------------------------------

UNIT_VIEW = {  # who sees a unit's page
    "cell_a": expect(200, other_secretary=404),
    "cell_c": expect(404, other_secretary=200, admin=200),
    "son_nam": expect(200, member=404, same_secretary=404, other_secretary=404),
}
UNIT_EDIT = {
    "cell_a": expect(404, ancestor_staff=200, admin=200),
    "cell_c": expect(404, admin=200),
    "son_duong": expect(404, ancestor_staff=200, admin=200),
}


@pytest.mark.parametrize("kind", USER_KINDS)
def test_unit_tree(kind, client_for, users, tree):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("units:tree"))
    check(response, expect(200)[kind], before_denied=before, user=users[kind])
    if kind != ANON:
        roots = {u.code for u in response.context["roots"]}
        assert roots == {MEMBER: {"TQ-SD-SN-A"}, SAME: {"TQ-SD-SN-A"}, OTHER: {"TQ-YS-TS-C"},
                         STAFF: {"TQ-SD"}, ADMIN: {"TQ"}}[kind]
        response = client.get(reverse("units:tree"), {"q": "chi bo thon"})
        found = {u.code for u in response.context["results"]}
        assert found == {MEMBER: {"TQ-SD-SN-A"}, SAME: {"TQ-SD-SN-A"}, OTHER: {"TQ-YS-TS-C"},
                         STAFF: {"TQ-SD-SN-A", "TQ-SD-SN-B"},
                         ADMIN: {"TQ-SD-SN-A", "TQ-SD-SN-B", "TQ-YS-TS-C"}}[kind]


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("where", sorted(UNIT_VIEW))
@pytest.mark.parametrize("name", ["units:detail", "units:children"])
def test_unit_detail_and_children(kind, where, name, client_for, users, tree):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse(name, args=[tree[where].pk]))
    check(response, UNIT_VIEW[where][kind], before_denied=before, user=users[kind])
    if response.status_code == 200 and name == "units:detail":
        assert response.context["unit"] == tree[where]


@pytest.mark.parametrize("kind", USER_KINDS)
def test_unit_create(kind, client_for, users, tree):
    client = client_for(kind)
    before = denied_count()
    check(client.get(reverse("units:create")), expect(404, ancestor_staff=200, admin=200)[kind],
          before_denied=before, user=users[kind])
    count = Unit.objects.count()
    before = denied_count()
    response = client.post(reverse("units:create"), unit_post(tree["son_nam"]))
    check(response, expect(404, ancestor_staff=302, admin=302)[kind], before_denied=before, user=users[kind])
    created = Unit.objects.filter(code="TQ-NEW").first()
    if kind in (STAFF, ADMIN):
        assert created.parent == tree["son_nam"] and created.path.startswith(tree["son_nam"].path)
        assert created.depth == 3 and Unit.objects.count() == count + 1
        assert response["Location"] == reverse("units:detail", args=[created.pk])
    else:
        assert created is None and Unit.objects.count() == count


@pytest.mark.parametrize("kind", [STAFF, ADMIN])
def test_unit_create_outside_scope_or_top_level(kind, client_for, tree):
    """An editor cannot create under another branch; only an admin on a root creates a top-level unit."""
    client = client_for(kind)
    count, audit = Unit.objects.count(), AuditEntry.objects.count()
    response = client.post(reverse("units:create"), unit_post(tree["cell_c"]))
    if kind == STAFF:
        assert response.status_code == 200 and "parent" in response.context["form"].errors
        response = client.post(reverse("units:create"), unit_post(None))
        assert response.status_code == 200 and "parent" in response.context["form"].errors
        assert Unit.objects.count() == count and AuditEntry.objects.count() == audit
    else:
        assert response.status_code == 302
        response = client.post(reverse("units:create"), unit_post(None, code="HG", name="Tỉnh ủy Hà Giang",
                                                                  kind=UnitKind.objects.get(code="tinh-uy").pk))
        assert response.status_code == 302
        new_root = Unit.objects.get(code="HG")
        assert new_root.parent is None and new_root.depth == 0
        # The admin (a role on a root) sees and edits the root it just created.
        assert client.get(reverse("units:detail", args=[new_root.pk])).status_code == 200
        assert client.get(reverse("units:edit", args=[new_root.pk])).status_code == 200


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("where", sorted(UNIT_EDIT))
def test_unit_edit(kind, where, client_for, users, tree):
    unit = tree[where]
    client = client_for(kind)
    before = denied_count()
    check(client.get(reverse("units:edit", args=[unit.pk])), UNIT_EDIT[where][kind],
          before_denied=before, user=users[kind])
    allowed = UNIT_EDIT[where][kind] == 200
    data = unit_post(unit.parent, code=unit.code, name=unit.name + " (sửa)", kind=unit.kind_id)
    before = denied_count()
    response = client.post(reverse("units:edit", args=[unit.pk]), data)
    check(response, 302 if allowed else UNIT_EDIT[where][kind], before_denied=before, user=users[kind])
    unit.refresh_from_db()
    assert unit.name.endswith("(sửa)") == allowed


def test_office_cannot_move_a_unit_out_of_its_branch(client_for, tree):
    client = client_for(STAFF)
    unit = tree["son_nam"]
    path, audit = unit.path, AuditEntry.objects.count()
    for parent in (tree["yen_son"], tree["province"], None):
        data = unit_post(parent, code=unit.code, name=unit.name, kind=unit.kind_id)
        response = client.post(reverse("units:edit", args=[unit.pk]), data)
        assert response.status_code == 200 and "parent" in response.context["form"].errors
    unit.refresh_from_db()
    assert unit.path == path and unit.parent == tree["son_duong"]
    assert AuditEntry.objects.count() == audit


# --- members: pages ----------------------------------------------------------------------------------------

VISIBLE_MEMBERS = {
    MEMBER: {"Chẩu Văn Lâm"},
    SAME: {"Chẩu Văn Lâm", "Lê Thị Kim Dung"},
    OTHER: {"Nguyễn Văn Sơn"},
    STAFF: {"Chẩu Văn Lâm", "Lê Thị Kim Dung", "Hoàng Văn Bình"},
    ADMIN: {"Chẩu Văn Lâm", "Lê Thị Kim Dung", "Hoàng Văn Bình", "Nguyễn Văn Sơn"},
}
MEMBER_VIEW = {
    "self_member": expect(200, other_secretary=404),
    "a2": expect(200, member=404, other_secretary=404),
    "b1": expect(404, ancestor_staff=200, admin=200),
    "c1": expect(404, other_secretary=200, admin=200),
}
MEMBER_EDIT = {
    "self_member": expect(200, member=404, other_secretary=404),
    "a2": expect(200, member=404, other_secretary=404),
    "b1": expect(404, ancestor_staff=200, admin=200),
    "c1": expect(404, other_secretary=200, admin=200),
}


@pytest.mark.parametrize("kind", USER_KINDS)
def test_member_list(kind, client_for, users, tree):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("members:list"))
    check(response, expect(200)[kind], before_denied=before, user=users[kind])
    if kind == ANON:
        return
    assert {m.full_name for m in response.context["page"]} == VISIBLE_MEMBERS[kind]
    # Filtering by a unit outside the scope answers 404 (and is logged).
    before = denied_count()
    response = client.get(reverse("members:list"), {"unit": tree["cell_c"].pk})
    check(response, 200 if kind in (OTHER, ADMIN) else 404, before_denied=before, user=users[kind])


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("who", sorted(MEMBER_VIEW))
def test_member_detail(kind, who, client_for, users, people):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("members:detail", args=[people[who].pk]))
    check(response, MEMBER_VIEW[who][kind], before_denied=before, user=users[kind])
    if response.status_code == 200:
        assert response.context["member"] == people[who]
        assert response.context["can_edit"] == (MEMBER_EDIT[who][kind] == 200)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_member_create(kind, client_for, users, tree):
    client = client_for(kind)
    before = denied_count()
    check(client.get(reverse("members:create")), expect(200, member=404)[kind], before_denied=before,
          user=users[kind])
    count = Member.objects.count()
    before = denied_count()
    response = client.post(reverse("members:create"), member_post(tree["cell_a"]))
    allowed = kind in (SAME, STAFF, ADMIN)
    if kind == OTHER:  # cell A is not a choice for the secretary of cell C
        assert response.status_code == 200 and "unit" in response.context["form"].errors
        assert denied_count() == before
    else:
        check(response, expect(404, same_secretary=302, ancestor_staff=302, admin=302)[kind],
              before_denied=before, user=users[kind])
    created = Member.objects.filter(card_number="55500001").first()
    assert (created is not None) == allowed
    assert Member.objects.count() == count + (1 if allowed else 0)
    if allowed:
        assert created.unit == tree["cell_a"]
        assert [p.title for p in created.positions.all()] == ["Bí thư chi bộ", "Trưởng thôn"]


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("who", sorted(MEMBER_EDIT))
def test_member_edit(kind, who, client_for, users, people):
    member = people[who]
    client = client_for(kind)
    url = reverse("members:edit", args=[member.pk])
    before = denied_count()
    check(client.get(url), MEMBER_EDIT[who][kind], before_denied=before, user=users[kind])
    allowed = MEMBER_EDIT[who][kind] == 200
    before = denied_count()
    response = client.post(url, member_post_for(member, phone="0988 000 111"))
    check(response, 302 if allowed else MEMBER_EDIT[who][kind], before_denied=before, user=users[kind])
    member.refresh_from_db()
    assert (member.phone == "0988 000 111") == allowed


@pytest.mark.parametrize("target", ["cell_b", "cell_c"])
def test_secretary_cannot_move_a_member_out_of_scope(target, client_for, users, people, tree):
    """Form and API: the secretary of cell A cannot move a member to cell B (sibling) or C (other branch)."""
    client = client_for(SAME)
    member = people["a2"]
    counts = {u: Unit.objects.get(pk=tree[u].pk).member_count for u in ("cell_a", "cell_b", "cell_c")}
    audit = AuditEntry.objects.count()
    response = client.post(reverse("members:edit", args=[member.pk]), member_post_for(member, unit=tree[target].pk))
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    response = client.patch(reverse("member-detail", args=[member.pk]), {"unit": tree[target].pk},
                            content_type="application/json")
    assert response.status_code == 400 and set(response.json()) == {"unit"}
    member.refresh_from_db()
    assert member.unit == tree["cell_a"] and AuditEntry.objects.count() == audit
    assert counts == {u: Unit.objects.get(pk=tree[u].pk).member_count for u in counts}


def test_secretary_cannot_edit_another_cells_member_via_form_or_api(client_for, users, people):
    client = client_for(SAME)
    member = people["c1"]
    before = denied_count()
    response = client.post(reverse("members:edit", args=[member.pk]), member_post_for(member, full_name="Bị Sửa Tên"))
    check(response, 404, before_denied=before, user=users[SAME])
    before = denied_count()
    response = client.patch(reverse("member-detail", args=[member.pk]), {"full_name": "Bị Sửa Tên"},
                            content_type="application/json")
    check(response, 404, before_denied=before, user=users[SAME])
    member.refresh_from_db()
    assert member.full_name == "Nguyễn Văn Sơn"


def test_ancestor_staff_moves_member_within_branch(client_for, people, tree):
    """A move inside the editor's scope works and moves the per-unit counters."""
    client = client_for(STAFF)
    member = people["a2"]
    response = client.post(reverse("members:edit", args=[member.pk]), member_post_for(member, unit=tree["cell_b"].pk))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.unit == tree["cell_b"]
    assert Unit.objects.get(pk=tree["cell_a"].pk).member_count == 1
    assert Unit.objects.get(pk=tree["cell_b"].pk).member_count == 2


# --- API ---------------------------------------------------------------------------------------------------

API_ANON = 403  # session authentication first: DRF answers 403 without a WWW-Authenticate challenge


def api_expect(default, **by_kind):
    table = expect(default, **by_kind)
    table[ANON] = API_ANON
    return table


def check_api(response, expected, *, before_denied, user=None):
    if expected == API_ANON:
        assert response.status_code in (401, 403), response.status_code
        assert denied_count() == before_denied
        return
    check(response, expected, before_denied=before_denied, user=user)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_api_root_and_me(kind, client_for, users):
    client = client_for(kind)
    before = denied_count()
    check_api(client.get(reverse("api-root")), api_expect(200)[kind], before_denied=before)
    response = client.get(reverse("api-me"))
    check_api(response, api_expect(200)[kind], before_denied=before)
    if kind != ANON:
        data = response.json()
        assert data["username"] == users[kind].username
        assert data["member"] == (users[kind].member.pk if kind == MEMBER else None)
        assert [r["role"] for r in data["roles"]] == [RoleAssignment.objects.get(user=users[kind]).role]
    assert client.post(reverse("api-me"), {}).status_code in ((401, 403) if kind == ANON else (405,))


@pytest.mark.parametrize("kind", USER_KINDS)
def test_api_token(kind, users):
    """Token issue needs the right password; the token then authenticates API calls."""
    client = login(None)
    username = users[kind].username if users[kind] else "nobody"
    response = client.post(reverse("api-token"), {"username": username, "password": "wrong-password"})
    assert response.status_code == 400 and "token" not in response.json()
    assert client.get(reverse("api-token")).status_code == 405
    if kind in (ANON, ADMIN):
        return  # administrators: see test_accounts.py (two-factor)
    response = client.post(reverse("api-token"), {"username": username, "password": "Mat-khau-2026!"})
    assert response.status_code == 200
    token = response.json()["token"]
    response = login(None).get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["username"] == username
    assert login(None).get(reverse("api-me"), HTTP_AUTHORIZATION="Token not-a-token").status_code in (401, 403)


VISIBLE_UNITS = {
    MEMBER: {"TQ-SD-SN-A"},
    SAME: {"TQ-SD-SN-A"},
    OTHER: {"TQ-YS-TS-C"},
    STAFF: {"TQ-SD", "TQ-SD-SN", "TQ-SD-SN-A", "TQ-SD-SN-B"},
    ADMIN: {"TQ", "TQ-SD", "TQ-YS", "TQ-SD-SN", "TQ-YS-TS", "TQ-SD-SN-A", "TQ-SD-SN-B", "TQ-YS-TS-C"},
}


@pytest.mark.parametrize("kind", USER_KINDS)
def test_api_unit_list_and_detail(kind, client_for, users, tree):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("unit-list"))
    check_api(response, api_expect(200)[kind], before_denied=before)
    if kind != ANON:
        assert {u["code"] for u in response.json()["results"]} == VISIBLE_UNITS[kind]
        assert response.json()["count"] == len(VISIBLE_UNITS[kind])
    for where, table in UNIT_VIEW.items():
        before = denied_count()
        response = client.get(reverse("unit-detail", args=[tree[where].pk]))
        check_api(response, api_expect(0, **{k: v for k, v in table.items() if k != ANON})[kind],
                  before_denied=before, user=users[kind])
        if response.status_code == 200:
            assert response.json()["code"] == tree[where].code


@pytest.mark.parametrize("kind", USER_KINDS)
def test_api_unit_create(kind, client_for, users, tree):
    client = client_for(kind)
    data = {"code": "TQ-NEW", "name": "Chi bộ thôn Mới", "kind": "chi-bo", "parent": tree["son_nam"].pk}
    count = Unit.objects.count()
    before = denied_count()
    response = client.post(reverse("unit-list"), data, content_type="application/json")
    allowed = kind in (STAFF, ADMIN)
    if kind in (SAME, OTHER, MEMBER):  # Sơn Nam is not even visible to them: a field error
        assert response.status_code == 400 and set(response.json()) == {"parent"}
        assert denied_count() == before
    else:
        check_api(response, api_expect(0, ancestor_staff=201, admin=201)[kind], before_denied=before)
    assert Unit.objects.count() == count + (1 if allowed else 0)
    if allowed:
        created = Unit.objects.get(code="TQ-NEW")
        assert response.json()["id"] == created.pk and created.parent == tree["son_nam"]
        assert AuditEntry.objects.filter(action="unit.create", object_id=str(created.pk), actor=users[kind]).count() == 1
    # A reader who can see the parent (its own cell) is refused: 404, logged, nothing created.
    if kind in (MEMBER, SAME):
        before = denied_count()
        response = client.post(reverse("unit-list"), dict(data, parent=tree["cell_a"].pk), content_type="application/json")
        check_api(response, 404, before_denied=before, user=users[kind])
        assert Unit.objects.count() == count


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("where", sorted(UNIT_EDIT))
@pytest.mark.parametrize("method", ["patch", "put"])
def test_api_unit_update(kind, where, method, client_for, users, tree):
    unit = tree[where]
    client = client_for(kind)
    data = {"name": unit.name + " (sửa)"}
    if method == "put":
        data.update(code=unit.code, kind=unit.kind.code, parent=unit.parent_id)
    before = denied_count()
    response = getattr(client, method)(reverse("unit-detail", args=[unit.pk]), data, content_type="application/json")
    allowed = UNIT_EDIT[where][kind] == 200
    check_api(response, api_expect(200 if allowed else 404)[kind], before_denied=before, user=users[kind])
    unit.refresh_from_db()
    assert unit.name.endswith("(sửa)") == allowed


@pytest.mark.parametrize("kind", USER_KINDS)
def test_api_member_list_and_detail(kind, client_for, users, people):
    client = client_for(kind)
    before = denied_count()
    response = client.get(reverse("member-list"))
    check_api(response, api_expect(200)[kind], before_denied=before)
    if kind != ANON:
        assert {m["full_name"] for m in response.json()["results"]} == VISIBLE_MEMBERS[kind]
    for who, table in MEMBER_VIEW.items():
        before = denied_count()
        response = client.get(reverse("member-detail", args=[people[who].pk]))
        check_api(response, api_expect(0, **{k: v for k, v in table.items() if k != ANON})[kind],
                  before_denied=before, user=users[kind])
        if response.status_code == 200:
            assert response.json()["full_name"] == people[who].full_name


def api_member(unit, **changes):
    data = {
        "full_name": "Hầu A Lềnh", "birth_date": "1985-03-12", "gender": "male", "ethnicity": "Mông",
        "card_number": "55500001", "admission_date": "2010-02-01", "official_date": "2011-02-01",
        "unit": unit.pk, "status": "official", "citizen_id": "008085000123", "positions": ["Bí thư chi bộ"],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("kind", USER_KINDS)
def test_api_member_create(kind, client_for, users, tree):
    client = client_for(kind)
    count = Member.objects.count()
    before = denied_count()
    response = client.post(reverse("member-list"), api_member(tree["cell_a"]), content_type="application/json")
    allowed = kind in (SAME, STAFF, ADMIN)
    if kind == OTHER:
        assert response.status_code == 400 and set(response.json()) == {"unit"}
        assert denied_count() == before
    else:
        check_api(response, api_expect(404, same_secretary=201, ancestor_staff=201, admin=201)[kind],
                  before_denied=before, user=users[kind])
    assert Member.objects.count() == count + (1 if allowed else 0)
    if allowed:
        assert response.json()["positions"] == ["Bí thư chi bộ"]
        assert Member.objects.get(card_number="55500001").unit == tree["cell_a"]


@pytest.mark.parametrize("kind", USER_KINDS)
@pytest.mark.parametrize("who", sorted(MEMBER_EDIT))
@pytest.mark.parametrize("method", ["patch", "put"])
def test_api_member_update(kind, who, method, client_for, users, people):
    member = people[who]
    client = client_for(kind)
    data = {"phone": "0988 000 111"}
    if method == "put":
        data = api_member(member.unit, full_name=member.full_name, card_number=member.card_number,
                          citizen_id=None, phone="0988 000 111", positions=[])
    before = denied_count()
    response = getattr(client, method)(reverse("member-detail", args=[member.pk]), data,
                                       content_type="application/json")
    allowed = MEMBER_EDIT[who][kind] == 200
    visible = MEMBER_VIEW[who][kind] == 200
    expected = 200 if allowed else 404
    if kind == MEMBER and who == "self_member" and method == "put":
        # The member may see their own unit, so PUT validates, then the edit is refused.
        expected = 404
    check_api(response, api_expect(expected)[kind], before_denied=before, user=users[kind])
    member.refresh_from_db()
    assert (member.phone == "0988 000 111") == allowed
    assert visible or not allowed


@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_api_schema_and_docs_anonymous(name, client):
    assert client.get(reverse(name)).status_code in (401, 403)


@pytest.mark.parametrize("kind", [k for k in USER_KINDS if k != ANON])
@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_api_schema_and_docs(kind, name, client_for):
    response = client_for(kind).get(reverse(name))
    assert response.status_code == 200
    if name == "api-schema":
        paths = response.content.decode()
        for path in ("/api/v1/units/", "/api/v1/members/{id}/", "/api/v1/me/"):
            assert path in paths


@pytest.mark.parametrize("kind", USER_KINDS)
def test_django_admin_needs_staff(kind, client_for):
    response = client_for(kind).get("/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith("/django-admin/login/")


def test_django_admin_for_staff(db):
    staff = get_user_model().objects.create_user("staff", password="Mat-khau-2026!", is_staff=True, is_superuser=True)
    assert login(staff).get("/django-admin/").status_code == 200
    # A superuser is an administrator: without two-factor, even the admin site sends them to /accounts/otp/.
    client = login(None)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))


def test_object_ids_that_do_not_exist_answer_404_without_logging(client_for):
    client = client_for(ADMIN)
    before = denied_count()
    for url in ("/units/99999/", "/units/99999/edit/", "/units/99999/children/", "/members/99999/",
                "/members/99999/edit/", "/api/v1/units/99999/", "/api/v1/members/99999/",
                "/api/v1/units/abc/", "/api/v1/members/1.5/", "/units/99999999999999999999999/",
                "/api/v1/members/99999999999999999999999/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/accounts/roles/99999/revoke/").status_code == 404
    assert denied_count() == before


def test_api_office_cannot_create_top_level_or_move_out_of_branch(client_for, tree):
    client = client_for(STAFF)
    count, audit = Unit.objects.count(), AuditEntry.objects.count()
    for data in ({"code": "X1", "name": "Tỉnh ủy X", "kind": "tinh-uy"},
                 {"code": "X1", "name": "Tỉnh ủy X", "kind": "tinh-uy", "parent": None}):
        response = client.post(reverse("unit-list"), data, content_type="application/json")
        assert response.status_code == 400 and set(response.json()) == {"parent"}
    son_nam = tree["son_nam"]
    for parent in (tree["yen_son"].pk, tree["province"].pk, None):
        response = client.patch(reverse("unit-detail", args=[son_nam.pk]), {"parent": parent},
                                content_type="application/json")
        assert response.status_code == 400 and set(response.json()) == {"parent"}, parent
    assert Unit.objects.count() == count and AuditEntry.objects.count() == audit
    son_nam.refresh_from_db()
    assert son_nam.parent == tree["son_duong"]
    # Keeping the current parent (above the office's scope) is fine.
    son_duong = tree["son_duong"]
    response = client.put(reverse("unit-detail", args=[son_duong.pk]),
                          {"code": "TQ-SD", "name": "Huyện ủy Sơn Dương", "kind": "huyen-uy",
                           "parent": tree["province"].pk}, content_type="application/json")
    assert response.status_code == 200
