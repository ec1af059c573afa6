"""Changes to the member registry. Each checks permission, validates and writes the audit log.

Unit.member_count (active members directly in a unit) and the membership periods move in
the same transaction. Editing a member's unit or status here is a *correction* of the record;
real moves and status changes go through `members.lifecycle` (transfers, admission, …).
"""
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.text import nfc
from quantriet.units.cache import bump_tree_version
from quantriet.units.models import Unit

from .models import ACTIVE_STATUSES, Member, Membership, Position

AUDITED = [
    "full_name", "birth_date", "gender", "ethnicity", "religion", "card_number", "record_number",
    "admission_date", "official_date", "unit", "citizen_id", "phone", "email", "status", "user",
]


def _adjust_count(unit_id: int, delta: int) -> None:
    bump_tree_version()
    if delta:
        Unit.objects.filter(pk=unit_id).update(member_count=F("member_count") + delta)


def open_period(member: Member, unit_id: int, day, *, kind: str = "regular", reason: str = "") -> Membership:
    """Start the member's active period in a unit (the caller has closed any open one)."""
    bump_tree_version()
    return Membership.objects.create(member=member, unit_id=unit_id, start=day, kind=kind, reason=reason)


def close_period(member: Member, day) -> Membership | None:
    """End the member's open period on `day` (exclusive); a period that would be empty is dropped."""
    bump_tree_version()
    period = Membership.objects.filter(member=member, end__isnull=True).first()
    if period is None:
        return None
    if day <= period.start:
        period.delete()
        return None
    period.end = day
    period.save(update_fields=["end"])
    return period


def _set_positions(member: Member, titles) -> None:
    cleaned = [nfc(t) for t in titles if nfc(t)]
    member.positions.all().delete()
    for order, title in enumerate(cleaned):
        Position(member=member, title=title, order=order).save()


def _snapshot(member: Member) -> dict:
    data = audit.snapshot(member, AUDITED)
    data["positions"] = [p.title for p in member.positions.all()]
    return data


@transaction.atomic
def create_member(*, acting_user, positions=(), **fields) -> Member:
    bump_tree_version()
    member = Member(**fields)
    if not access.can(acting_user, access.EDIT_MEMBERS, member.unit.path):
        raise ActionDenied(target=str(member.unit))
    member.full_clean()
    member.save()
    _set_positions(member, positions)
    if member.is_active:
        _adjust_count(member.unit_id, 1)
        start = member.admission_date or timezone.localdate()
        open_period(member, member.unit_id, min(start, timezone.localdate()), reason="registered")
    audit.record("member.create", member, actor=acting_user, after=_snapshot(member), scope_path=member.unit.path)
    return member


def _correct_periods(member: Member, was_active: bool, old_unit_id: int) -> None:
    today = timezone.localdate()
    if was_active and not member.is_active:
        close_period(member, today)
    elif member.is_active and not was_active:
        open_period(member, member.unit_id, today, reason="corrected")
    elif member.is_active and member.unit_id != old_unit_id:
        # A corrected unit rewrites the open period: the record was wrong, not the member moved.
        updated = Membership.objects.filter(member=member, end__isnull=True).update(unit_id=member.unit_id)
        if not updated:
            open_period(member, member.unit_id, today, reason="corrected")


@transaction.atomic
def update_member(member: Member, *, acting_user, positions=None, **changes) -> Member:
    bump_tree_version()
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    if not access.can(acting_user, access.EDIT_MEMBERS, member.unit.path):
        raise ActionDenied(target=str(member))
    before = _snapshot(member)
    was_active, old_unit_id = member.is_active, member.unit_id
    for name, value in changes.items():
        setattr(member, name, value)
    if member.unit_id != old_unit_id and not access.can(acting_user, access.EDIT_MEMBERS, member.unit.path):
        raise ActionDenied(target=str(member.unit))
    member.full_clean()
    member.save()
    if positions is not None:
        _set_positions(member, positions)
    _adjust_count(old_unit_id, -1 if was_active else 0)
    _adjust_count(member.unit_id, 1 if member.status in ACTIVE_STATUSES else 0)
    _correct_periods(member, was_active, old_unit_id)
    after = _snapshot(member)
    if after != before:
        audit.record("member.update", member, actor=acting_user, before=before, after=after, scope_path=member.unit.path)
    return member
