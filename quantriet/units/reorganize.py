"""Reorganizations of the tree with an effective date: merge, split, move, rename, dissolve.

Units are never deleted and a unit's place in the tree (its `path`) never changes, so the tree
as of any past date is simply the units valid on that date. A reorganization therefore closes
the old units (`valid_to` = effective date) and opens new ones: merged or moved units get new
rows, their subordinate units are re-created under them, and the members' open membership
periods end at the old units and start at the new ones. `Succession` rows link old to new.
Renames keep the unit and remember the former name.
"""
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.accounts.models import RoleAssignment
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.text import nfc

from .cache import bump_tree_version
from .models import Succession, Unit, UnitKind, UnitName, path_segment


@dataclass
class NewUnit:
    code: str
    name: str
    kind: UnitKind


def _require(user, unit: Unit | None) -> None:
    if unit is None:
        if not access.is_admin(user):
            raise ActionDenied(_("Only a system administrator may reorganize top-level units."))
    elif not access.can(user, access.EDIT_UNITS, unit.path):
        raise ActionDenied(target=str(unit))


def _check_open(units, day: datetime.date) -> None:
    for unit in units:
        if not unit.is_valid_on(day):
            raise ValidationError(_("%(u)s does not exist on %(d)s.") % {"u": unit, "d": day.strftime("%d/%m/%Y")})
        if unit.valid_from and unit.valid_from >= day:
            raise ValidationError(_("%(u)s starts on the effective date; it cannot be reorganized on that day.") % {"u": unit})


def _check_target(unit: Unit | None, day: datetime.date) -> None:
    """A new parent or successor only needs to exist on the effective date."""
    if unit is not None and not unit.is_valid_on(day):
        raise ValidationError(_("%(u)s does not exist on %(d)s.") % {"u": unit, "d": day.strftime("%d/%m/%Y")})


def _free_code(code: str, day: datetime.date) -> str:
    """Codes are unique across history: a re-created unit gets the year of its creation appended."""
    candidate = code if not Unit.objects.filter(code=code).exists() else f"{code}.{day.year}"
    suffix = 2
    base = candidate
    while Unit.objects.filter(code=candidate).exists():
        candidate = f"{base}-{suffix}"
        suffix += 1
    return candidate


def _new_unit(*, code, name, kind, parent, day) -> Unit:
    unit = Unit(code=_free_code(nfc(code), day), name=name, kind=kind, parent=parent, valid_from=day, path="-",
                depth=0 if parent is None else parent.depth + 1)
    unit.full_clean(exclude=["path", "code"])
    unit.save()
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    unit.save(update_fields=["path"])
    return unit


def _close_subtree(unit: Unit, day: datetime.date) -> int:
    return Unit.objects.filter(path__startswith=unit.path).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day)).update(valid_to=day)


def _move_members(pairs: list[tuple[int, int]], day: datetime.date) -> int:
    """Move the open periods (and current members) of each old unit to its new unit."""
    from quantriet.members.models import ACTIVE_STATUSES, LifecycleEvent, Member, Membership, Status

    from quantriet.study.counters import units_moved  # records of open study campaigns follow the members

    units_moved(pairs, day=day)
    moved = 0
    for old_id, new_id in pairs:
        # Periods that would become empty (started on the effective date) are re-pointed.
        Membership.objects.filter(unit_id=old_id, end__isnull=True, start__gte=day).update(unit_id=new_id)
        closing = list(Membership.objects.filter(unit_id=old_id, end__isnull=True, start__lt=day))
        if closing:
            Membership.objects.filter(pk__in=[p.pk for p in closing]).update(end=day)
            Membership.objects.bulk_create([
                Membership(member_id=p.member_id, unit_id=new_id, start=day, kind=p.kind, reason="reorganized")
                for p in closing
            ])
            LifecycleEvent.objects.bulk_create([
                LifecycleEvent(member_id=p.member_id, kind=LifecycleEvent.Kind.REORGANIZED, effective_on=day,
                               from_unit_id=old_id, to_unit_id=new_id)
                for p in closing
            ])
        moved += Member.objects.filter(unit_id=old_id).filter(
            Q(status__in=ACTIVE_STATUSES) | Q(status=Status.CANDIDATE)
        ).update(unit_id=new_id)
    return moved


def _recount(unit_ids) -> None:
    from quantriet.members.models import ACTIVE_STATUSES, Member

    unit_ids = list(set(unit_ids))
    counts = dict(
        Member.objects.filter(unit_id__in=unit_ids, status__in=ACTIVE_STATUSES)
        .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    for unit in Unit.objects.filter(pk__in=unit_ids):
        if unit.member_count != counts.get(unit.pk, 0):
            Unit.objects.filter(pk=unit.pk).update(member_count=counts.get(unit.pk, 0))


def _clone_subtree(root: Unit, new_parent: Unit, day: datetime.date, *, name=None, code=None, kind=None,
                   move_roles: bool = True, decision: str = "") -> tuple[Unit, list[tuple[int, int]]]:
    """Re-create `root` and its current subtree under `new_parent`; returns the new root and old→new pairs."""
    current = list(Unit.objects.valid_on(day).filter(path__startswith=root.path).order_by("depth", "path"))
    mapping: dict[int, Unit] = {}
    for old in current:
        parent = new_parent if old.pk == root.pk else mapping.get(old.parent_id)
        if parent is None:  # a unit whose parent is not current: skip its branch
            continue
        is_root = old.pk == root.pk
        mapping[old.pk] = _new_unit(
            code=(code if is_root and code else old.code), name=(name if is_root and name else old.name),
            kind=(kind if is_root and kind else old.kind), parent=parent, day=day,
        )
    pairs = [(old_id, new.pk) for old_id, new in mapping.items()]
    # Each re-created unit succeeds its original: history and roles' view of the past follow it.
    Succession.objects.bulk_create([
        Succession(predecessor_id=old_id, successor=new, kind=Succession.Kind.MOVE, effective_on=day, decision=decision)
        for old_id, new in mapping.items()
    ])
    if move_roles:
        for old_id, new in mapping.items():
            RoleAssignment.objects.filter(unit_id=old_id).update(unit=new)
    return mapping[root.pk], pairs


def _successions(olds, new, kind, day, decision):
    Succession.objects.bulk_create([
        Succession(predecessor=o, successor=new, kind=kind, effective_on=day, decision=decision) for o in olds
    ])


@transaction.atomic
def merge(units: list[Unit], *, into: NewUnit, parent: Unit | None, effective_on: datetime.date, decision: str = "",
          acting_user) -> Unit:
    """Merge units into a new one under `parent`: subordinate units and members move to it."""
    bump_tree_version()
    if len(units) < 1:
        raise ValidationError(_("Choose the units to merge."))
    units = list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in units]))
    for unit in units:
        _require(acting_user, unit.parent)
    _require(acting_user, parent)
    _check_open(units, effective_on)
    _check_target(parent, effective_on)
    if parent and any(parent.path.startswith(u.path) for u in units):
        raise ValidationError(_("The new parent cannot be inside a unit being merged."))
    new = _new_unit(code=into.code, name=into.name, kind=into.kind, parent=parent, day=effective_on)
    pairs = []
    for unit in units:
        for child in Unit.objects.valid_on(effective_on).filter(parent=unit):
            _clone, child_pairs = _clone_subtree(child, new, effective_on, decision=decision)
            pairs += child_pairs
        pairs.append((unit.pk, new.pk))
        _close_subtree(unit, effective_on)
    moved = _move_members(pairs, effective_on)
    _recount([p for pair in pairs for p in pair])
    _successions(units, new, Succession.Kind.MERGE, effective_on, decision)
    audit.record("unit.merge", new, actor=acting_user, before={"units": [u.code for u in units]},
                 after={"unit": new.code, "effective_on": effective_on.isoformat(), "members_moved": moved},
                 scope_path=new.path)
    return new


@dataclass
class SplitPart:
    new: NewUnit
    children: list[Unit]
    member_ids: list[int]


@transaction.atomic
def split(unit: Unit, *, parts: list[SplitPart], effective_on: datetime.date, decision: str = "", acting_user) -> list[Unit]:
    """Split a unit into new ones under the same parent; every subordinate unit and member goes to one part."""
    bump_tree_version()
    from quantriet.members.models import ACTIVE_STATUSES, Member

    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require(acting_user, unit.parent)
    _check_open([unit], effective_on)
    if len(parts) < 2:
        raise ValidationError(_("A split needs at least two new units."))
    children = set(Unit.objects.valid_on(effective_on).filter(parent=unit).values_list("pk", flat=True))
    members = set(Member.objects.filter(unit=unit, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
    given_children = [c.pk for part in parts for c in part.children]
    given_members = [m for part in parts for m in part.member_ids]
    if sorted(given_children) != sorted(children) or len(set(given_children)) != len(given_children):
        raise ValidationError(_("Each subordinate unit must go to exactly one of the new units."))
    if sorted(given_members) != sorted(members) or len(set(given_members)) != len(given_members):
        raise ValidationError(_("Each member of the unit must go to exactly one of the new units."))
    created, pairs = [], []
    for part in parts:
        new = _new_unit(code=part.new.code, name=part.new.name, kind=part.new.kind, parent=unit.parent, day=effective_on)
        created.append(new)
        for child in part.children:
            _clone, child_pairs = _clone_subtree(child, new, effective_on, decision=decision)
            pairs += child_pairs
        if part.member_ids:
            _move_member_ids(part.member_ids, unit.pk, new.pk, effective_on)
    _close_subtree(unit, effective_on)
    _move_members(pairs, effective_on)
    _recount([unit.pk] + [c.pk for c in created] + [p for pair in pairs for p in pair])
    Succession.objects.bulk_create([
        Succession(predecessor=unit, successor=c, kind=Succession.Kind.SPLIT, effective_on=effective_on, decision=decision)
        for c in created
    ])
    audit.record("unit.split", unit, actor=acting_user, before={"unit": unit.code},
                 after={"units": [c.code for c in created], "effective_on": effective_on.isoformat()},
                 scope_path=unit.path)
    return created


def _move_member_ids(member_ids, old_id, new_id, day):
    """Move specific members of one unit (a split) — their periods end at the old unit."""
    from quantriet.members.models import Membership

    Membership.objects.filter(member_id__in=member_ids, unit_id=old_id, end__isnull=True, start__gte=day).update(unit_id=new_id)
    periods = list(Membership.objects.filter(member_id__in=member_ids, unit_id=old_id, end__isnull=True, start__lt=day))
    Membership.objects.filter(pk__in=[p.pk for p in periods]).update(end=day)
    Membership.objects.bulk_create([
        Membership(member_id=p.member_id, unit_id=new_id, start=day, kind=p.kind, reason="reorganized") for p in periods
    ])
    from quantriet.members.models import Member

    Member.objects.filter(pk__in=member_ids).update(unit_id=new_id)
    from quantriet.study.counters import members_moved  # records of open study campaigns follow the members

    members_moved(member_ids, old_id, new_id, day=day)


@transaction.atomic
def move(unit: Unit, *, new_parent: Unit | None, effective_on: datetime.date, decision: str = "", acting_user) -> Unit:
    """Put a unit under a new parent from a date: it is re-created there with its subtree and members."""
    bump_tree_version()
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require(acting_user, unit.parent)
    _require(acting_user, new_parent)
    _check_open([unit], effective_on)
    _check_target(new_parent, effective_on)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot be moved under itself or its own subtree."))
    if new_parent is not None and new_parent.pk == unit.parent_id:
        raise ValidationError(_("The unit is already under this parent."))
    new, pairs = _clone_subtree(unit, new_parent, effective_on, decision=decision)
    _close_subtree(unit, effective_on)
    _move_members(pairs, effective_on)
    _recount([p for pair in pairs for p in pair])
    audit.record("unit.move", new, actor=acting_user, before={"unit": unit.code, "parent": unit.parent_id},
                 after={"unit": new.code, "parent": getattr(new_parent, "pk", None)}, scope_path=new.path)
    return new


@transaction.atomic
def rename(unit: Unit, *, name: str, effective_on: datetime.date, acting_user) -> Unit:
    bump_tree_version()
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require(acting_user, unit)
    name = nfc(name)
    if not name or len(name) > 255:
        raise ValidationError({"name": _("Enter a name of at most 255 characters.")})
    if name == unit.name:
        raise ValidationError({"name": _("The new name is the current one.")})
    _check_open([unit], effective_on)
    UnitName.objects.create(unit=unit, name=unit.name, valid_to=effective_on)
    before = {"name": unit.name}
    unit.name = name
    unit.save()
    audit.record("unit.rename", unit, actor=acting_user, before=before,
                 after={"name": name, "effective_on": effective_on.isoformat()}, scope_path=unit.path)
    return unit


@transaction.atomic
def dissolve(unit: Unit, *, effective_on: datetime.date, successor: Unit | None = None, decision: str = "",
             acting_user) -> None:
    """Close a unit and its subtree. With a successor, subordinate units and members move there;
    without one, the unit must have no active members left."""
    bump_tree_version()
    from quantriet.members.models import ACTIVE_STATUSES, Member

    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require(acting_user, unit.parent)
    _check_open([unit], effective_on)
    if successor is not None:
        _require(acting_user, successor)
        _check_target(successor, effective_on)
        if successor.path.startswith(unit.path):
            raise ValidationError(_("The successor cannot be inside the dissolved unit."))
        pairs = []
        for child in Unit.objects.valid_on(effective_on).filter(parent=unit):
            _clone, child_pairs = _clone_subtree(child, successor, effective_on, decision=decision)
            pairs += child_pairs
        pairs.append((unit.pk, successor.pk))
        _close_subtree(unit, effective_on)
        _move_members(pairs, effective_on)
        _recount([p for pair in pairs for p in pair])
    else:
        remaining = Member.objects.filter(unit__path__startswith=unit.path, status__in=ACTIVE_STATUSES).count()
        if remaining:
            raise ValidationError(_("%(n)s active members are still in this unit or below: transfer them or name a successor.")
                                  % {"n": remaining})
        _close_subtree(unit, effective_on)
    _successions([unit], successor, Succession.Kind.DISSOLVE, effective_on, decision)
    audit.record("unit.dissolve", unit, actor=acting_user, before={"unit": unit.code},
                 after={"effective_on": effective_on.isoformat(), "successor": getattr(successor, "code", None)},
                 scope_path=unit.path)


def name_on(unit: Unit, day: datetime.date) -> str:
    """The unit's name as it was on `day`."""
    for former in unit.former_names.all():
        if day < former.valid_to:
            return former.name
    return unit.name
