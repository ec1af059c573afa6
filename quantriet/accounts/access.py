"""Who may do what where.

A role is granted on a unit and covers its subtree (the Wagtail model). A user's scope
for an action is the list of subtree paths granted by roles allowing that action, or
None for "everywhere" (superusers, and admins on a root). Every list, detail, form,
file and API endpoint filters through these functions.
"""
from __future__ import annotations

from django.http import Http404

from quantriet.core.audit import record_denied

from .models import Role, RoleAssignment

VIEW = "view"
EDIT_MEMBERS = "edit_members"
EDIT_UNITS = "edit_units"
MANAGE_ROLES = "manage_roles"
VIEW_AUDIT = "view_audit"

ALLOWED = {
    VIEW: {Role.ADMIN, Role.OFFICE, Role.SECRETARY, Role.INSPECTOR, Role.LEADER},
    EDIT_MEMBERS: {Role.ADMIN, Role.OFFICE, Role.SECRETARY},
    EDIT_UNITS: {Role.ADMIN, Role.OFFICE},
    MANAGE_ROLES: {Role.ADMIN, Role.OFFICE},
    VIEW_AUDIT: {Role.ADMIN, Role.OFFICE, Role.INSPECTOR, Role.LEADER},
}
#: Roles an office may grant inside its subtree; only administrators grant these and admin.
GRANTABLE_BY_OFFICE = {Role.OFFICE, Role.SECRETARY, Role.INSPECTOR, Role.LEADER, Role.MEMBER}


def _assignments(user) -> list[tuple[str, str]]:
    cached = getattr(user, "_quantriet_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).values_list("role", "unit__path"))
        user._quantriet_roles = cached
    return cached


def is_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(role == Role.ADMIN for role, _ in _assignments(user))


def scope_paths(user, action: str = VIEW) -> list[str] | None:
    """Paths of the subtrees where `user` may do `action`; None means everywhere; [] nowhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    paths = sorted({path for role, path in _assignments(user) if role in ALLOWED[action]})
    # Keep only the top-most paths: a subtree inside another adds nothing.
    top: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in top):
            top.append(path)
    return top


def can(user, action: str, path: str) -> bool:
    scope = scope_paths(user, action)
    return scope is None or any(path.startswith(p) for p in scope)


def has_any(user, action: str) -> bool:
    scope = scope_paths(user, action)
    return scope is None or bool(scope)


def own_member(user):
    """The member record linked to the user, if any (for the self-only role)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.member
    except Exception:  # RelatedObjectDoesNotExist
        return None


def visible_units(user, queryset=None):
    from quantriet.units.models import Unit

    queryset = Unit.objects.all() if queryset is None else queryset
    scope = scope_paths(user, VIEW)
    if scope is None:
        return queryset
    member = own_member(user)
    query = queryset.under_paths(scope)
    if member is not None:
        query = query | queryset.filter(pk=member.unit_id)
    return query


def visible_members(user, queryset=None):
    from quantriet.members.models import Member

    queryset = Member.objects.all() if queryset is None else queryset
    scope = scope_paths(user, VIEW)
    if scope is None:
        return queryset
    member = own_member(user)
    query = queryset.under_paths(scope)
    if member is not None:
        query = query | queryset.filter(pk=member.pk)
    return query


def get_in_scope_or_404(request, queryset, **lookup):
    """Fetch an object from a scoped queryset; out of scope answers 404 and is logged."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        if queryset.model._default_manager.filter(**lookup).exists():
            record_denied(request, f"{queryset.model._meta.label} {lookup}")
        raise Http404
    return obj


def require(user, action: str, path: str, request=None, what: str = "") -> None:
    """Raise 404 (and log it) unless `user` may do `action` at `path`."""
    if not can(user, action, path):
        if request is not None:
            record_denied(request, what or path)
        raise Http404
