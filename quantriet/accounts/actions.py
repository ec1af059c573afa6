"""Granting and revoking roles. Each checks permission and writes the audit log."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.units.cache import bump_roles_version

from . import access
from .models import Role, RoleAssignment


def _may_grant(acting_user, role: str, unit) -> bool:
    if access.is_admin(acting_user) and access.scope_paths(acting_user, access.MANAGE_ROLES) is None:
        return True
    if not access.can(acting_user, access.MANAGE_ROLES, unit.path):
        return False
    return role in access.GRANTABLE_BY_OFFICE


@transaction.atomic
def grant_role(*, user, role: str, unit, acting_user) -> RoleAssignment:
    bump_roles_version()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not _may_grant(acting_user, role, unit):
        raise ActionDenied(target=f"{role}@{unit}")
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    if created:
        audit.record("role.grant", assignment, actor=acting_user,
                     after={"user": user.username, "role": role, "unit": unit.code}, scope_path=unit.path)
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, acting_user) -> None:
    bump_roles_version()
    if not _may_grant(acting_user, assignment.role, assignment.unit):
        raise ActionDenied(target=str(assignment))
    before = {"user": assignment.user.username, "role": assignment.role, "unit": assignment.unit.code}
    audit.record("role.revoke", assignment, actor=acting_user, before=before, scope_path=assignment.unit.path)
    assignment.delete()
