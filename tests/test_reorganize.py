"""Reorganizations keep history: the tree and the counts as of a past date stay as they were."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quantriet.core.actions import ActionDenied
from quantriet.members import lifecycle
from quantriet.members.models import ACTIVE_STATUSES, Member, Membership
from quantriet.units import reorganize
from quantriet.units.models import Succession, Unit, UnitKind

from . import factories as f

D = datetime.date


def kind(code):
    return UnitKind.objects.get(code=code)


def tree_on(root, day):
    return sorted(Unit.objects.valid_on(day).filter(path__startswith=root.path).values_list("code", flat=True))


def test_merge_moves_cells_and_members_keeping_history(tree, people, users):
    admin = users["admin"]
    day = D(2025, 7, 1)
    new = reorganize.merge(
        [tree["son_nam"], tree["trung_son"]], parent=tree["province"], effective_on=day,
        into=reorganize.NewUnit(code="TQ-NEW", name="Đảng bộ xã Sơn Nam mới", kind=kind("dang-bo-xa")),
        acting_user=admin,
    )
    before = tree_on(tree["province"], D(2022, 7, 22))
    after = tree_on(tree["province"], day)
    assert before == ["TQ", "TQ-SD", "TQ-SD-SN", "TQ-SD-SN-A", "TQ-SD-SN-B", "TQ-YS", "TQ-YS-TS", "TQ-YS-TS-C"]
    assert after == ["TQ", "TQ-NEW", "TQ-SD", "TQ-SD-SN-A.2025", "TQ-SD-SN-B.2025", "TQ-YS", "TQ-YS-TS-C.2025"]
    # the old units still exist, closed
    assert Unit.objects.get(code="TQ-SD-SN-A").valid_to == day
    # members moved to the re-created cells; counts per date follow the periods
    cell_a_new = Unit.objects.get(code="TQ-SD-SN-A.2025")
    assert Member.objects.get(pk=people["a2"].pk).unit_id == cell_a_new.pk
    assert lifecycle.members_on(tree["son_nam"], D(2024, 1, 1)).count() == 3
    assert lifecycle.members_on(tree["son_nam"], day).count() == 0
    assert lifecycle.members_on(new, day).count() == 4
    assert lifecycle.members_on(tree["province"], D(2024, 1, 1)).count() == 4
    assert Unit.objects.get(pk=cell_a_new.pk).member_count == 2
    assert Unit.objects.get(pk=tree["cell_a"].pk).member_count == 0
    assert Succession.objects.filter(successor=new).count() == 2
    # the secretary's role followed the re-created cell
    from quantriet.accounts import access

    assert access.visible_members(users["same_secretary"]).filter(pk=people["a2"].pk).exists()


def test_split_requires_every_child_and_member_assigned(tree, people, users):
    admin = users["admin"]
    son_nam = tree["son_nam"]
    with pytest.raises(ValidationError):
        reorganize.split(son_nam, effective_on=D(2025, 7, 1), acting_user=admin, parts=[
            reorganize.SplitPart(reorganize.NewUnit("X1", "Xã X1", kind("dang-bo-xa")), [tree["cell_a"]], []),
            reorganize.SplitPart(reorganize.NewUnit("X2", "Xã X2", kind("dang-bo-xa")), [], []),
        ])
    parts = reorganize.split(son_nam, effective_on=D(2025, 7, 1), acting_user=admin, parts=[
        reorganize.SplitPart(reorganize.NewUnit("X1", "Xã X1", kind("dang-bo-xa")), [tree["cell_a"]], []),
        reorganize.SplitPart(reorganize.NewUnit("X2", "Xã X2", kind("dang-bo-xa")), [tree["cell_b"]], []),
    ])
    assert [lifecycle.members_on(p, D(2025, 7, 1)).count() for p in parts] == [2, 1]


def test_rename_remembers_former_name(tree, users):
    unit = reorganize.rename(tree["son_nam"], name="Đảng bộ xã Sơn Nam Mới", effective_on=D(2024, 1, 1),
                             acting_user=users["ancestor_staff"])
    assert reorganize.name_on(unit, D(2023, 12, 31)) == "Đảng bộ xã Sơn Nam"
    assert reorganize.name_on(unit, D(2024, 1, 1)) == "Đảng bộ xã Sơn Nam Mới"


def test_dissolve_needs_members_gone_or_a_successor(tree, people, users):
    with pytest.raises(ValidationError):
        reorganize.dissolve(tree["son_duong"], effective_on=D(2025, 7, 1), acting_user=users["admin"])
    reorganize.dissolve(tree["son_duong"], effective_on=D(2025, 7, 1), successor=tree["province"],
                        acting_user=users["admin"])
    assert tree_on(tree["province"], D(2025, 7, 1)) == sorted([
        "TQ", "TQ-SD-SN.2025", "TQ-SD-SN-A.2025", "TQ-SD-SN-B.2025", "TQ-YS", "TQ-YS-TS", "TQ-YS-TS-C"])


def test_reorganizing_outside_scope_is_refused(tree, users):
    with pytest.raises(ActionDenied):
        reorganize.move(tree["trung_son"], new_parent=tree["son_duong"], effective_on=D(2025, 7, 1),
                        acting_user=users["ancestor_staff"])


def test_move_under_own_subtree_refused(tree, users):
    with pytest.raises(ValidationError):
        reorganize.move(tree["son_duong"], new_parent=tree["cell_a"], effective_on=D(2025, 7, 1),
                        acting_user=users["admin"])


# --- property: no member is ever active in two units at once, or in none while active -----------------

def check_invariants():
    open_periods = dict(Membership.objects.filter(end__isnull=True).values_list("member_id", "unit_id"))
    for member in Member.objects.all():
        if member.status in ACTIVE_STATUSES:
            assert open_periods.get(member.pk) == member.unit_id, member
            assert member.unit.valid_to is None, member
        else:
            assert member.pk not in open_periods
    for member_id in Membership.objects.values_list("member_id", flat=True).distinct():
        spans = list(Membership.objects.filter(member_id=member_id).order_by("start").values_list("start", "end"))
        for (s1, e1), (s2, _e2) in zip(spans, spans[1:]):
            assert e1 is not None and e1 <= s2, spans
    recount = dict(Member.objects.filter(status__in=ACTIVE_STATUSES).values("unit_id").annotate(n=Count("id"))
                   .values_list("unit_id", "n"))
    for unit_id, stored in Unit.objects.values_list("pk", "member_count"):
        assert stored == recount.get(unit_id, 0)


operations = st.lists(
    st.tuples(st.sampled_from(["admit", "transfer", "merge", "split", "remove"]), st.integers(0, 1000),
              st.integers(0, 1000), st.integers(1, 60)),
    min_size=1, max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=operations)
def test_random_reorganizations_keep_one_active_unit_per_member(ops):
    with transaction.atomic():
        admin = f.system_user()
        root = f.unit("R", "Tỉnh", kind="tinh-uy")
        communes = [f.unit(f"C{i}", f"Xã {i}", kind="dang-bo-xa", parent=root) for i in range(2)]
        for i, commune in enumerate(communes):
            for j in range(2):
                cell = f.unit(f"C{i}-{j}", f"Chi bộ {i}-{j}", parent=commune)
                f.member(cell, admission_date=D(2010, 1, 1), official_date=D(2011, 1, 1))
        day = D(2020, 1, 1)
        serial = 0
        for op, a, b, step in ops:
            day += datetime.timedelta(days=step)
            current_cells = list(Unit.objects.valid_on(day).filter(kind__code="chi-bo").order_by("pk"))
            current_communes = list(Unit.objects.valid_on(day).filter(kind__code="dang-bo-xa").order_by("pk"))
            active = list(Member.objects.filter(status__in=ACTIVE_STATUSES).order_by("pk"))
            serial += 1
            try:
                if op == "admit" and current_cells:
                    cell = current_cells[a % len(current_cells)]
                    candidate = f.member(cell, status="candidate", admission_date=None, official_date=None, card_number=None)
                    lifecycle.admit(candidate, effective_on=day, acting_user=admin)
                elif op == "transfer" and active and len(current_cells) > 1:
                    member = active[a % len(active)]
                    target = current_cells[b % len(current_cells)]
                    transfer = lifecycle.issue_transfer(member, to_unit=target, kind="official", issued_on=day,
                                                        acting_user=admin)
                    lifecycle.confirm_transfer(transfer, confirmed_on=day, acting_user=admin)
                elif op == "merge" and len(current_communes) >= 2:
                    chosen = [current_communes[a % len(current_communes)], current_communes[b % len(current_communes)]]
                    reorganize.merge(list({u.pk: u for u in chosen}.values()), parent=root, effective_on=day,
                                     into=reorganize.NewUnit(f"M{serial}", f"Xã mới {serial}", kind("dang-bo-xa")),
                                     acting_user=admin)
                elif op == "split" and current_communes:
                    commune = current_communes[a % len(current_communes)]
                    cells = list(Unit.objects.valid_on(day).filter(parent=commune))
                    direct = list(Member.objects.filter(unit=commune, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
                    cut = b % (len(cells) + 1)
                    reorganize.split(commune, effective_on=day, acting_user=admin, parts=[
                        reorganize.SplitPart(reorganize.NewUnit(f"S{serial}a", f"Xã {serial}a", kind("dang-bo-xa")),
                                             cells[:cut], direct),
                        reorganize.SplitPart(reorganize.NewUnit(f"S{serial}b", f"Xã {serial}b", kind("dang-bo-xa")),
                                             cells[cut:], []),
                    ])
                elif op == "remove" and active:
                    lifecycle.remove(active[a % len(active)], effective_on=day, acting_user=admin)
            except ValidationError:
                pass  # refused operations must leave everything consistent too
            check_invariants()
        transaction.set_rollback(True)


def test_roles_on_a_successor_cover_its_history(tree, people, users):
    from quantriet.accounts import access
    from quantriet.accounts.models import RoleAssignment

    new = reorganize.merge(
        [tree["son_nam"]], parent=tree["province"], effective_on=D(2025, 7, 1),
        into=reorganize.NewUnit(code="TQ-NEW", name="Đảng bộ xã mới", kind=kind("dang-bo-xa")), acting_user=users["admin"],
    )
    office = f.user("office_new")
    RoleAssignment.objects.create(user=office, role="office", unit=new)
    visible = set(access.visible_units(office).values_list("code", flat=True))
    # the new commune, its re-created cells, and the commune and cells it succeeded
    assert visible == {"TQ-NEW", "TQ-SD-SN-A.2025", "TQ-SD-SN-B.2025", "TQ-SD-SN", "TQ-SD-SN-A", "TQ-SD-SN-B"}
    assert not access.visible_units(office).filter(code__in=["TQ-SD", "TQ-YS-TS"]).exists()
    # the secretary whose cell was re-created still sees the old cell's history
    assert access.visible_units(users["same_secretary"]).filter(code="TQ-SD-SN-A").exists()
