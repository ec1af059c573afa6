"""Pages for the lifecycle, transfers, recognition, the tree as of a date and reorganizations."""
import datetime

import pytest
from django.urls import reverse

from quantriet.core.models import AuditEntry
from quantriet.members.models import Member, Membership, Transfer
from quantriet.units.models import Unit

from .conftest import USER_KINDS, login

COVERED_URLS = {
    "members:action", "members:transfers", "members:transfer-confirm", "members:transfer-cancel",
    "members:recognition", "units:reorganize",
}
D = datetime.date

# Who may open the lifecycle form for a member of cell A (a Sơn Dương cell).
ACTION_EXPECTED = {"anonymous": 302, "member": 404, "same_secretary": 200, "other_secretary": 404,
                   "ancestor_staff": 200, "admin": 200}


@pytest.mark.parametrize("kind", USER_KINDS)
def test_member_action_page_scoped(kind, client_for, people):
    url = reverse("members:action", args=[people["a2"].pk, "transfer"])
    assert client_for(kind).get(url).status_code == ACTION_EXPECTED[kind]


@pytest.mark.parametrize("kind", USER_KINDS)
def test_member_action_post_scoped(kind, client_for, people, tree):
    url = reverse("members:action", args=[people["a2"].pk, "exempt"])
    response = client_for(kind).post(url, {"effective_on": "01/02/2026", "reason": "Tuổi cao"})
    member = Member.objects.get(pk=people["a2"].pk)
    if ACTION_EXPECTED[kind] == 200:
        assert response.status_code == 302 and member.status == "exempted"
    else:
        assert response.status_code in (302, 404) and member.status == "official"
        if kind == "anonymous":
            assert "/accounts/login/" in response["Location"]


def test_unknown_action_is_404(client_for, people):
    assert client_for("admin").get(f"/members/{people['a2'].pk}/action/promote/").status_code == 404


def test_bad_input_gets_field_errors(client_for, people):
    client = client_for("same_secretary")
    url = reverse("members:action", args=[people["a2"].pk, "transfer"])
    response = client.post(url, {"to_unit": "NO-SUCH", "kind": "official", "issued_on": "30/02/2026"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"to_unit", "issued_on"}
    assert Transfer.objects.count() == 0
    response = client.post(reverse("members:action", args=[people["a2"].pk, "recognize"]), {"effective_on": ""})
    assert response.status_code == 200 and "status" in str(response.context["form"].errors) or response.context["form"].errors


def test_transfer_flow_through_pages(client_for, people, tree):
    source, target = client_for("same_secretary"), client_for("other_secretary")
    response = source.post(reverse("members:action", args=[people["a2"].pk, "transfer"]),
                           {"to_unit": "TQ-YS-TS-C", "kind": "official", "issued_on": "01/03/2026"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert people["a2"].full_name in target.get(reverse("members:transfers")).content.decode()
    # the source cannot confirm; an unrelated secretary cannot even see it
    assert source.post(reverse("members:transfer-confirm", args=[transfer.pk]), {"confirmed_on": "05/03/2026"}).status_code == 404
    assert Transfer.objects.get().status == "pending"
    assert login(None).post(reverse("members:transfer-confirm", args=[transfer.pk])).status_code == 302
    response = target.post(reverse("members:transfer-confirm", args=[transfer.pk]), {"confirmed_on": "05/03/2026"})
    assert response.status_code == 302
    assert Transfer.objects.get().status == "confirmed"
    assert Member.objects.get(pk=people["a2"].pk).unit_id == tree["cell_c"].pk
    page = target.get(reverse("members:detail", args=[people["a2"].pk])).content.decode()
    assert "Chi bộ thôn A" in page and "Chi bộ thôn C" in page  # both periods in the history


@pytest.mark.parametrize("kind", USER_KINDS)
def test_transfer_cancel_scoped(kind, client_for, people, tree, users):
    from quantriet.members import lifecycle

    transfer = lifecycle.issue_transfer(people["b1"], to_unit=tree["cell_a"], kind="temporary",
                                        issued_on=D(2026, 3, 1), acting_user=users["ancestor_staff"])
    response = client_for(kind).post(reverse("members:transfer-cancel", args=[transfer.pk]))
    status = Transfer.objects.get(pk=transfer.pk).status
    if kind in ("same_secretary", "ancestor_staff", "admin"):
        assert response.status_code == 302 and status == "cancelled"
    else:
        assert status == "pending"
        assert response.status_code == (302 if kind == "anonymous" else 404)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_transfers_and_recognition_pages(kind, client_for, people):
    for name in ("members:transfers", "members:recognition"):
        response = client_for(kind).get(reverse(name))
        assert response.status_code == (302 if kind == "anonymous" else 200)


def test_recognition_page_lists_only_scope(client_for, tree):
    from . import factories as f

    f.member(tree["cell_a"], "Nông Thị Dự", status="probationary", admission_date=D(2025, 1, 1), official_date=None)
    f.member(tree["cell_c"], "Nông Văn Khác", status="probationary", admission_date=D(2025, 1, 1), official_date=None)
    page = client_for("same_secretary").get(reverse("members:recognition")).content.decode()
    assert "Nông Thị Dự" in page and "Nông Văn Khác" not in page


REORG_EXPECTED = {"anonymous": 302, "member": 404, "same_secretary": 404, "other_secretary": 404,
                  "ancestor_staff": 200, "admin": 200}


@pytest.mark.parametrize("kind", USER_KINDS)
def test_reorganize_page_scoped(kind, client_for, tree):
    for op in ("rename", "move", "merge", "split", "dissolve"):
        response = client_for(kind).get(reverse("units:reorganize", args=[tree["son_nam"].pk, op]))
        assert response.status_code == REORG_EXPECTED[kind], op


def test_merge_through_the_page_and_tree_as_of(client_for, tree, people):
    client = client_for("admin")
    response = client.post(reverse("units:reorganize", args=[tree["son_nam"].pk, "merge"]), {
        "effective_on": "01/07/2025", "others": "TQ-YS-TS", "code": "TQ-M1", "name": "Đảng bộ xã Hợp Nhất",
        "kind": Unit.objects.get(code="TQ-SD-SN").kind_id,
    })
    assert response.status_code == 302, response.context["form"].errors
    new = Unit.objects.get(code="TQ-M1")
    assert new.parent_id == tree["son_duong"].pk
    old_page = client.get(f"/units/{tree['province'].pk}/?as_of=22/07/2022")
    assert old_page.context["total"] == 4
    assert [c.name for c in old_page.context["children"]] == ["Huyện ủy Sơn Dương", "Huyện ủy Yên Sơn"]
    son_duong_2022 = client.get(f"/units/{tree['son_duong'].pk}/?as_of=22/07/2022")
    assert [(c.name, c.subtree_count) for c in son_duong_2022.context["children"]] == [("Đảng bộ xã Sơn Nam", 3)]
    son_duong_now = client.get(f"/units/{tree['son_duong'].pk}/")
    assert [(c.name, c.subtree_count) for c in son_duong_now.context["children"]] == [("Đảng bộ xã Hợp Nhất", 4)]
    # members as of a date
    listed = client.get(f"/members/?unit={tree['son_nam'].pk}&as_of=22/07/2022")
    assert listed.context["page"].paginator.count == 3
    # a closed unit opens as it was on its last day
    closed = client.get(f"/units/{tree['son_nam'].pk}/")
    assert closed.context["as_of"] == D(2025, 6, 30) and closed.context["total"] == 3


def test_bad_as_of_is_reported_not_500(client_for, tree):
    response = client_for("admin").get(f"/units/{tree['province'].pk}/?as_of=31/02/2022", follow=True)
    assert response.status_code == 200 and response.context["as_of"] is None
    response = client_for("admin").get("/members/?as_of=notadate")
    assert response.status_code == 200 and "as_of" in response.context["form"].errors


def test_split_page_requires_assignment(client_for, tree, people):
    client = client_for("ancestor_staff")
    kind_id = Unit.objects.get(code="TQ-SD-SN").kind_id
    response = client.post(reverse("units:reorganize", args=[tree["son_nam"].pk, "split"]), {
        "effective_on": "01/07/2025", "code_a": "S-A", "name_a": "Xã A", "code_b": "S-B", "name_b": "Xã B",
        "kind": kind_id, "children_b": [tree["cell_b"].pk],
    })
    assert response.status_code == 302
    assert Member.objects.get(pk=people["b1"].pk).unit.parent.code == "S-B"
    assert Membership.objects.filter(end__isnull=True, unit__parent__code="S-A").count() == 2
    assert AuditEntry.objects.filter(action="unit.split").count() == 1
