"""Who sees which programme, item, note, conclusion and recommendation (see `permissions`), and the lists."""
from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from quantriet.accounts import access
from quantriet.units.models import Unit

from .models import Conclusion, Item, ItemStatus, Note, Program, Recommendation, RecommendationStatus
from .permissions import INSPECTING, MANAGE, SUBJECT, TEAM

#: Who may submit the subject's self-report and report on a recommendation (as in plans: `EDIT_MEMBERS`).
REPORT = access.EDIT_MEMBERS


def _paths(field: str, paths) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def _team_query(user, prefix: str = "") -> Q:
    member = access.own_member(user)
    if member is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}team_head": member}) | Q(**{f"{prefix}team_members": member})


def inspecting_items(user, queryset: QuerySet | None = None) -> QuerySet:
    """Items of programmes whose issuing unit the user's view scope covers."""
    queryset = Item.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return queryset
    return queryset.filter(_paths("program__unit__path", scope))


def private_items(user) -> QuerySet:
    """Items whose working notes the user may read: the inspecting body's and the team's."""
    if not _active(user):
        return Item.objects.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return Item.objects.all()
    ids = Item.objects.filter(_paths("program__unit__path", scope) | _team_query(user)).values("pk")
    return Item.objects.filter(pk__in=ids)


def visible_items(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Item.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return queryset
    query = _paths("program__unit__path", scope) | _paths("subject_unit__path", scope) | _team_query(user)
    member = access.own_member(user)
    if member is not None:
        query |= Q(subject_member=member)
    return queryset.filter(pk__in=Item.objects.filter(query).values("pk"))


def relation(user, item: Item) -> str | None:
    if not _active(user):
        return None
    if access.can(user, access.VIEW, item.program.unit.path):
        return INSPECTING
    member = access.own_member(user)
    if member is not None and (item.team_head_id == member.pk or item.team_members.filter(pk=member.pk).exists()):
        return TEAM
    if access.can(user, access.VIEW, item.subject_unit.path) or (
            member is not None and item.subject_member_id == member.pk):
        return SUBJECT
    return None


def can_read_private(user, item: Item) -> bool:
    return relation(user, item) in (INSPECTING, TEAM)


def can_manage_unit(user, unit: Unit) -> bool:
    return access.can(user, MANAGE, unit.path)


def can_manage(user, item_or_program) -> bool:
    program = item_or_program if isinstance(item_or_program, Program) else item_or_program.program
    return can_manage_unit(user, program.unit)


def can_create_any(user) -> bool:
    return access.has_any(user, MANAGE)


def can_add_note(user, item: Item) -> bool:
    return item.status != ItemStatus.CLOSED and (can_manage(user, item) or relation(user, item) == TEAM)


def can_self_report(user, item: Item) -> bool:
    """The subject (reporting staff of the subject unit, or the subject member) or the body on its behalf."""
    if item.status != ItemStatus.SELF_REPORT:
        return False
    if can_manage(user, item):
        return True
    member = access.own_member(user)
    return access.can(user, REPORT, item.subject_unit.path) or (
        member is not None and item.subject_member_id == member.pk)


def can_report_on(user, recommendation: Recommendation) -> bool:
    task = recommendation.task
    return (task is not None and recommendation.status == RecommendationStatus.OPEN
            and access.can(user, REPORT, task.lead_unit.path))


def visible_conclusions(user) -> QuerySet:
    """Conclusions of private items (drafts included), and issued conclusions of items the user sees."""
    return Conclusion.objects.filter(
        Q(item__in=private_items(user)) | Q(item__in=visible_items(user), issued_on__isnull=False))


def visible_recommendations(user) -> QuerySet:
    return Recommendation.objects.filter(conclusion__in=visible_conclusions(user))


def visible_notes(user) -> QuerySet:
    return Note.objects.filter(item__in=private_items(user))


def visible_programs(user) -> QuerySet:
    if not _active(user):
        return Program.objects.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return Program.objects.all()
    return Program.objects.filter(
        _paths("unit__path", scope) | Q(pk__in=visible_items(user).values("program_id")))


def manageable_units(user, day: datetime.date | None = None) -> QuerySet:
    return Unit.objects.valid_on(day).under_paths(access.scope_paths(user, MANAGE)).select_related("kind")


def open_recommendations(user, unit: Unit | None = None) -> QuerySet:
    qs = visible_recommendations(user).filter(status=RecommendationStatus.OPEN, conclusion__issued_on__isnull=False)
    if unit is not None:
        qs = qs.filter(conclusion__item__subject_unit__path__startswith=unit.path)
    return qs.select_related("conclusion", "conclusion__item", "conclusion__item__subject_unit",
                             "conclusion__item__program__unit", "task").order_by("deadline", "pk")


def age(recommendation: Recommendation, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    issued = recommendation.conclusion.issued_on
    return {"days": (today - issued).days if issued else 0,
            "overdue": recommendation.status == RecommendationStatus.OPEN and recommendation.deadline < today}


def unit_history(user, unit: Unit) -> QuerySet:
    """Items on the unit or its subtree (members included), as the user may see them, oldest programme first."""
    return visible_items(user).filter(subject_unit__path__startswith=unit.path).select_related(
        "program", "program__unit", "subject_unit", "subject_member").order_by("starts_on", "pk")


def team_candidates(user, program: Program) -> QuerySet:
    """Active members of the inspecting unit's subtree that the user sees: who the item form's picker offers
    (card numbers of other members the user sees are still accepted)."""
    return access.visible_members(user).filter(unit__path__startswith=program.unit.path).active()
