"""The audit log: who changed what, with values before and after, shown to those with VIEW_AUDIT in scope."""
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from quantriet.accounts.models import RoleAssignment
from quantriet.core.models import AuditEntry
from quantriet.members.models import Member
from quantriet.units.models import Unit, UnitKind

COVERED_URLS: set[str] = set()  # audit behaviour; permissions are in test_permissions.py


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def diff(entry) -> dict:
    """{field: (before, after)} for the fields an entry changed, from the stored JSON."""
    before, after = entry.before or {}, entry.after or {}
    return {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}


def entries(action, obj):
    return list(AuditEntry.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


def test_unit_create_and_update_are_audited(client_for, users, tree):
    client = client_for("ancestor_staff")
    kind = UnitKind.objects.get(code="chi-bo")
    response = client.post(reverse("units:create"), {"code": "TQ-SD-SN-D", "name": "Chi bộ thôn D",
                                                     "kind": kind.pk, "parent": tree["son_nam"].pk})
    assert response.status_code == 302
    unit = Unit.objects.get(code="TQ-SD-SN-D")
    [created] = entries("unit.create", unit)
    assert created.actor == users["ancestor_staff"] and created.before is None
    assert created.after == {"code": "TQ-SD-SN-D", "name": "Chi bộ thôn D", "kind": kind.pk,
                             "parent": tree["son_nam"].pk, "valid_from": None, "valid_to": None}
    assert created.scope_path == unit.path
    response = client.patch(reverse("unit-detail", args=[unit.pk]), {"name": "Chi bộ thôn Đông"},
                            content_type="application/json")
    assert response.status_code == 200
    [updated] = entries("unit.update", unit)
    assert updated.actor == users["ancestor_staff"]
    assert diff(updated) == {"name": ("Chi bộ thôn D", "Chi bộ thôn Đông")}
    assert [(str(label), old, new) for label, old, new in updated.changes()] == [
        (str(Unit._meta.get_field("name").verbose_name), "Chi bộ thôn D", "Chi bộ thôn Đông")]


def member_data(unit, **changes):
    data = {"full_name": "Hầu A Lềnh", "birth_date": "12/03/1985", "gender": "male", "ethnicity": "Mông",
            "religion": "Không", "card_number": "55500001", "admission_date": "01/02/2010",
            "official_date": "01/02/2011", "unit": unit.pk, "status": "official", "positions": "Bí thư chi đoàn"}
    data.update(changes)
    return data


def test_member_create_and_update_are_audited(client_for, users, tree):
    client = client_for("same_secretary")
    assert client.post(reverse("members:create"), member_data(tree["cell_a"])).status_code == 302
    member = Member.objects.get(card_number="55500001")
    [created] = entries("member.create", member)
    assert created.actor == users["same_secretary"] and created.before is None
    assert created.after["full_name"] == "Hầu A Lềnh" and created.after["unit"] == tree["cell_a"].pk
    assert created.after["positions"] == ["Bí thư chi đoàn"] and created.after["birth_date"] == "1985-03-12"
    response = client.post(reverse("members:edit", args=[member.pk]),
                           member_data(tree["cell_a"], phone="0912 345 678", positions="Bí thư chi đoàn\nTrưởng thôn"))
    assert response.status_code == 302
    [updated] = entries("member.update", member)
    assert updated.actor == users["same_secretary"]
    assert diff(updated) == {"phone": ("", "0912 345 678"),
                             "positions": (["Bí thư chi đoàn"], ["Bí thư chi đoàn", "Trưởng thôn"])}
    # Saving without a change writes no entry.
    response = client.post(reverse("members:edit", args=[member.pk]),
                           member_data(tree["cell_a"], phone="0912 345 678", positions="Bí thư chi đoàn\nTrưởng thôn"))
    assert response.status_code == 302 and len(entries("member.update", member)) == 1
    # Through the API, too.
    response = client.patch(reverse("member-detail", args=[member.pk]), {"status": "exempted"},
                            content_type="application/json")
    assert response.status_code == 200
    assert diff(entries("member.update", member)[-1]) == {"status": ("official", "exempted")}


def test_grant_and_revoke_are_audited(client_for, users, tree):
    client = client_for("ancestor_staff")
    target = get_user_model().objects.create_user("new_sec", password="x")
    response = client.post(reverse("accounts:roles"), {"username": "new_sec", "role": "secretary",
                                                       "unit": tree["cell_b"].pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    [granted] = entries("role.grant", assignment)
    assert granted.actor == users["ancestor_staff"]
    assert granted.after == {"user": "new_sec", "role": "secretary", "unit": "TQ-SD-SN-B"}
    assert client.post(reverse("accounts:revoke", args=[assignment.pk])).status_code == 302
    [revoked] = AuditEntry.objects.filter(action="role.revoke")
    assert revoked.actor == users["ancestor_staff"] and revoked.after is None
    assert revoked.before == {"user": "new_sec", "role": "secretary", "unit": "TQ-SD-SN-B"}
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_refused_changes_write_no_change_entry(client_for, people):
    before = AuditEntry.objects.exclude(action="access_denied").count()
    client = client_for("other_secretary")
    client.post(reverse("members:edit", args=[people["a2"].pk]), {"full_name": "X Y"})
    client.patch(reverse("member-detail", args=[people["a2"].pk]), {"full_name": "X Y"}, content_type="application/json")
    client_for("member").patch(reverse("member-detail", args=[people["self_member"].pk]), {"phone": "0912345678"},
                               content_type="application/json")
    assert AuditEntry.objects.exclude(action="access_denied").count() == before
    assert AuditEntry.objects.filter(action="access_denied").count() == 3


# Who sees the history: VIEW_AUDIT (admin, office, inspector, leader) in scope; not secretaries, not members.
with translation.override("vi"):
    HEADING = str(gettext_lazy("History of changes"))
HISTORY = {"member": False, "same_secretary": False, "ancestor_staff": True, "admin": True}


@pytest.mark.parametrize("kind,shown", sorted(HISTORY.items()))
def test_history_on_unit_and_member_pages(kind, shown, client_for, people, tree):
    member = people["self_member"]
    client = client_for(kind)
    response = client.get(reverse("units:detail", args=[tree["cell_a"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    heading = f"<h2>{HEADING}</h2>"
    if shown:
        assert [e.action for e in response.context["history"]] == ["unit.create"]
        assert heading in page and ">system<" in page  # the fixture's units were created by "system"
    else:
        assert response.context["history"] is None and heading not in page
    response = client.get(reverse("members:detail", args=[member.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    if shown:
        assert [e.action for e in response.context["history"]] == ["member.create"]
        assert heading in page and ">system<" in page
    else:
        assert response.context["history"] is None and heading not in page


def test_history_is_scoped(client_for, people, tree):
    """Office staff of Sơn Dương see the history of its units, and never reach another branch's."""
    client = client_for("ancestor_staff")
    assert client.get(reverse("units:detail", args=[tree["son_duong"].pk])).context["history"] is not None
    assert client.get(reverse("units:detail", args=[tree["cell_c"].pk])).status_code == 404
    # The province is above their scope: not even visible.
    assert client.get(reverse("units:detail", args=[tree["province"].pk])).status_code == 404
