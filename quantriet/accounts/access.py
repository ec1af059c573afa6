"""Who may do what where.

A role is granted on a unit and covers its subtree (the Wagtail model). A user's scope
for an action is the list of subtree paths granted by roles allowing that action, or
None for "everywhere" (superusers, and admins on a root). Every list, detail, form,
file and API endpoint filters through these functions.
"""
from __future__ import annotations

from django.http import Http404

from quantriet.core.audit import record_denied

from quantriet.units import cache as tree_cache

from .models import Role, RoleAssignment

VIEW = "view"
EDIT_MEMBERS = "edit_members"
EDIT_UNITS = "edit_units"
MANAGE_ROLES = "manage_roles"
VIEW_AUDIT = "view_audit"
MANAGE_OVERSIGHT = "manage_oversight"  # inspection and supervision (quantriet/oversight)

ALLOWED = {
    VIEW: {Role.ADMIN, Role.OFFICE, Role.SECRETARY, Role.INSPECTOR, Role.LEADER},
    EDIT_MEMBERS: {Role.ADMIN, Role.OFFICE, Role.SECRETARY},
    EDIT_UNITS: {Role.ADMIN, Role.OFFICE},
    MANAGE_ROLES: {Role.ADMIN, Role.OFFICE},
    VIEW_AUDIT: {Role.ADMIN, Role.OFFICE, Role.INSPECTOR, Role.LEADER},
    MANAGE_OVERSIGHT: {Role.ADMIN, Role.OFFICE, Role.INSPECTOR},
}
#: Roles an office may grant inside its subtree; only administrators grant these and admin.
GRANTABLE_BY_OFFICE = {Role.OFFICE, Role.SECRETARY, Role.INSPECTOR, Role.LEADER, Role.MEMBER}


def _assignments(user) -> list[tuple[str, str]]:
    """(role, path) pairs of the user's roles, cached on the user object for the request.

    A role also covers the history of its unit: the units it succeeded in a reorganization
    (merged into it, dissolved into it, re-created as it), transitively. A new provincial
    office thus sees the 2022 districts and communes that became its province.

    With the shared cache on (`quantriet.units.cache`), the pairs are also kept across
    requests under the user's id and the roles and tree versions: granting or revoking a role
    bumps the first, a reorganization (which moves roles and successions) the second.
    """
    cached = getattr(user, "_quantriet_roles", None)
    if cached is None:
        if tree_cache.enabled() and user.pk is not None:
            cached = _shared_entry(user)["roles"]
        else:
            cached = _load_assignments(user)
        user._quantriet_roles = cached
    return cached


def _load_assignments(user) -> list[tuple[str, str]]:
    rows = list(RoleAssignment.objects.filter(user=user).values_list("role", "unit_id", "unit__path"))
    found = [(role, path) for role, _unit, path in rows]
    found += _predecessor_scopes([(role, unit) for role, unit, _path in rows])
    return found


#: Entries of `_shared_entry` this process has seen, by their versioned key (bounded; cleared when full).
_LOCAL_ENTRIES: dict[str, dict] = {}
_LOCAL_MAX = 20_000


def _shared_entry(user) -> dict:
    """The user's roles and own member (pk, unit id), from the shared cache or loaded (and stored there)."""
    entry = getattr(user, "_quantriet_access", None)
    if entry is None:
        from django.core.cache import cache

        found = tree_cache.versions(user)  # None: changes pending in this transaction, read the rows
        key = f"qt:access:{user.pk}:{found[1]}:{found[0]}" if found else None
        # The key carries the roles and tree versions, so an entry under it never goes stale: this
        # process keeps the ones it has seen and saves the round trip to the shared cache.
        entry = _LOCAL_ENTRIES.get(key) if key else None
        if entry is None and key:
            entry = cache.get(key)
        if entry is None:
            member = own_member(user)
            entry = {"roles": _load_assignments(user),
                     "member": (member.pk, member.unit_id) if member is not None else None}
            if key:
                cache.set(key, entry, tree_cache.FRAGMENT_TIMEOUT)
        if key:
            if len(_LOCAL_ENTRIES) >= _LOCAL_MAX:
                _LOCAL_ENTRIES.clear()
            _LOCAL_ENTRIES[key] = entry
        user._quantriet_access = entry
    return entry


def _predecessor_scopes(role_units: list[tuple[str, int]]) -> list[tuple[str, str]]:
    from quantriet.units.models import Succession

    found: list[tuple[str, str]] = []
    frontier = {unit for _role, unit in role_units}
    roles_of: dict[int, set[str]] = {}
    for role, unit in role_units:
        roles_of.setdefault(unit, set()).add(role)
    seen = set(frontier)
    while frontier:
        rows = list(Succession.objects.filter(successor_id__in=frontier)
                    .values_list("successor_id", "predecessor_id", "predecessor__path"))
        frontier = set()
        for successor, predecessor, path in rows:
            for role in roles_of.get(successor, ()):
                found.append((role, path))
                roles_of.setdefault(predecessor, set()).add(role)
            if predecessor not in seen:
                seen.add(predecessor)
                frontier.add(predecessor)
    return found


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
    assignments = _assignments(user)
    if any(role == Role.ADMIN and path.count(".") == 1 for role, path in assignments):
        return None  # an administrator on a root unit: everywhere, including roots created later
    paths = sorted({path for role, path in assignments if role in ALLOWED[action]})
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


def own_member_ids(user) -> tuple[int, int] | None:
    """(pk, unit id) of the member record linked to the user, or None (from the shared cache when on)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if tree_cache.enabled() and user.pk is not None:
        return _shared_entry(user)["member"]
    member = own_member(user)
    return (member.pk, member.unit_id) if member is not None else None


def own_member_unit_id(user) -> int | None:
    ids = own_member_ids(user)
    return ids[1] if ids is not None else None


def visible_units(user, queryset=None):
    from quantriet.units.models import Unit

    queryset = Unit.objects.all() if queryset is None else queryset
    scope = scope_paths(user, VIEW)
    if scope is None:
        return queryset
    member = own_member_ids(user)
    query = queryset.under_paths(scope)
    if member is not None:
        query = query | queryset.filter(pk=member[1])
    return query


def visible_members(user, queryset=None):
    from quantriet.members.models import Member

    queryset = Member.objects.all() if queryset is None else queryset
    scope = scope_paths(user, VIEW)
    if scope is None:
        return queryset
    member = own_member_ids(user)
    query = queryset.under_paths(scope)
    if member is not None:
        query = query | queryset.filter(pk=member[0])
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
