"""Changes to the organization tree. Each checks permission and writes the audit log."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied

from .cache import bump_tree_version
from .models import Unit

AUDITED = ["code", "name", "kind", "parent", "valid_from", "valid_to"]


def _check_parent(parent, *, acting_user):
    if parent is None:
        if access.scope_paths(acting_user, access.EDIT_UNITS) is not None:
            raise ActionDenied(_("Only a system administrator may create a top-level unit."))
    elif not access.can(acting_user, access.EDIT_UNITS, parent.path):
        raise ActionDenied(target=str(parent))


@transaction.atomic
def create_unit(*, code, name, kind, parent=None, valid_from=None, valid_to=None, acting_user) -> Unit:
    bump_tree_version()
    _check_parent(parent, acting_user=acting_user)
    unit = Unit(code=code, name=name, kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to, path="-")
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = unit.compute_path()
    unit.depth = 0 if parent is None else parent.depth + 1
    unit.save(update_fields=["path", "depth"])
    audit.record("unit.create", unit, actor=acting_user, after=audit.snapshot(unit, AUDITED), scope_path=unit.path)
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, acting_user, **changes) -> Unit:
    """Edit a unit's fields; a new parent moves the whole subtree (paths rewritten in SQL)."""
    bump_tree_version()
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not access.can(acting_user, access.EDIT_UNITS, unit.path):
        raise ActionDenied(target=str(unit))
    before = audit.snapshot(unit, AUDITED)
    new_parent = changes.pop("parent", unit.parent)
    for name, value in changes.items():
        setattr(unit, name, value)
    moved = (new_parent.pk if new_parent else None) != unit.parent_id
    if moved:
        if new_parent is not None and new_parent.path.startswith(unit.path):
            raise ValidationError({"parent": _("A unit cannot be moved under itself or its own subtree.")})
        _check_parent(new_parent, acting_user=acting_user)
        unit.parent = new_parent
    unit.full_clean(exclude=["path"])
    if moved:
        old_path, old_depth = unit.path, unit.depth
        unit.path = unit.compute_path()
        unit.depth = 0 if new_parent is None else new_parent.depth + 1
        _rewrite_subtree(old_path, unit.path, unit.depth - old_depth)
    unit.save()
    audit.record("unit.update", unit, actor=acting_user, before=before, after=audit.snapshot(unit, AUDITED),
                 scope_path=unit.path)
    return unit


def _rewrite_subtree(old_path: str, new_path: str, depth_change: int) -> None:
    from django.db.models.functions import Concat, Substr
    from django.db.models import Value

    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
