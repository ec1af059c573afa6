"""Lifecycle actions of a party member, each with an effective date (DOMAIN.md §3).

Admission (kết nạp) → probation (dự bị, 12 months) → recognition (công nhận chính thức);
transfers (chuyển sinh hoạt, temporary or official: issued by the outgoing side, confirmed
by the receiving side); exemption (miễn sinh hoạt); discipline (khiển trách, cảnh cáo,
cách chức, khai trừ); removal (xóa tên); death (từ trần).

Every action checks permission, validates, records a LifecycleEvent, keeps the membership
periods and unit counters right, and writes the audit log, in one transaction.
"""
import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.units.models import Unit

from .actions import _adjust_count, close_period, open_period
from .models import (
    ACTIVE_STATUSES, DisciplineLevel, LifecycleEvent, Member, Membership, Status, Transfer, TransferKind,
    TransferStatus,
)

PROBATION = relativedelta(months=12)
RECOGNITION_WINDOW_WORKING_DAYS = 30


def _locked(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("unit").get(pk=member.pk)


def _require_edit(user, unit: Unit) -> None:
    if not access.can(user, access.EDIT_MEMBERS, unit.path):
        raise ActionDenied(target=str(unit))


def _check_date(day: datetime.date, field: str = "effective_on") -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The effective date cannot be in the future.")})


def _event(member, kind, day, *, acting_user, before, **extra) -> LifecycleEvent:
    event = LifecycleEvent.objects.create(member=member, kind=kind, effective_on=day, **extra)
    audit.record(f"member.{kind}", member, actor=acting_user, before=before,
                 after={"status": member.status, "unit": member.unit_id, "effective_on": day.isoformat(),
                        **{k: getattr(v, "pk", v) for k, v in extra.items()}},
                 scope_path=member.unit.path)
    return event


def _last_period_start(member: Member) -> datetime.date | None:
    period = Membership.objects.filter(member=member).order_by("-start").first()
    return period.start if period else None


def _check_after_open_period(member: Member, day: datetime.date) -> None:
    start = _last_period_start(member)
    if start and day < start:
        raise ValidationError({"effective_on": _("The effective date is before the member's current period began (%(d)s).")
                               % {"d": start.strftime("%d/%m/%Y")}})


@transaction.atomic
def admit(member: Member, *, effective_on: datetime.date, decision: str = "", acting_user) -> Member:
    """Admission decision: a candidate becomes a probationary member of their unit."""
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    if member.status != Status.CANDIDATE:
        raise ValidationError({"status": _("Only a candidate can be admitted.")})
    _check_date(effective_on)
    before = {"status": member.status}
    member.status, member.admission_date = Status.PROBATIONARY, effective_on
    member.full_clean()
    member.save()
    open_period(member, member.unit_id, effective_on, reason="admitted")
    _adjust_count(member.unit_id, 1)
    _event(member, LifecycleEvent.Kind.ADMITTED, effective_on, acting_user=acting_user, before=before, decision=decision)
    return member


@transaction.atomic
def recognize(member: Member, *, effective_on: datetime.date | None = None, decision: str = "", acting_user) -> Member:
    """Recognition as official member, counted from the 12-month mark (never earlier)."""
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    if member.status != Status.PROBATIONARY:
        raise ValidationError({"status": _("Only a probationary member can be recognized as official.")})
    due = member.admission_date + PROBATION
    effective_on = effective_on or due
    if effective_on < due:
        raise ValidationError({"effective_on": _("Recognition is possible only after 12 months of probation, from %(d)s.")
                               % {"d": due.strftime("%d/%m/%Y")}})
    if timezone.localdate() < due:
        raise ValidationError({"effective_on": _("The 12 months of probation end on %(d)s.") % {"d": due.strftime("%d/%m/%Y")}})
    before = {"status": member.status}
    member.status, member.official_date = Status.OFFICIAL, effective_on
    member.full_clean()
    member.save()
    _event(member, LifecycleEvent.Kind.RECOGNIZED, effective_on, acting_user=acting_user, before=before, decision=decision)
    return member


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """`count` working days (Monday–Friday) after `day`. Public holidays are not modelled."""
    current = day
    while count > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


def due_for_recognition(members_qs, today: datetime.date | None = None):
    """Probationary members whose 12 months end within 30 working days, or have ended (overdue).

    Returns (due_soon, overdue) lists of (member, due_date), oldest first.
    """
    today = today or timezone.localdate()
    horizon = add_working_days(today, RECOGNITION_WINDOW_WORKING_DAYS)
    latest_admission = horizon - PROBATION
    rows = members_qs.filter(status=Status.PROBATIONARY, admission_date__lte=latest_admission).select_related("unit")
    due_soon, overdue = [], []
    for member in rows.order_by("admission_date", "id"):
        due = member.admission_date + PROBATION
        (overdue if due <= today else due_soon).append((member, due))
    return due_soon, overdue


@transaction.atomic
def issue_transfer(member: Member, *, to_unit: Unit, kind: str, issued_on: datetime.date, until=None,
                   letter_number: str = "", note: str = "", acting_user) -> Transfer:
    """The outgoing side issues a transfer; the member stays where they are until it is confirmed."""
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    errors = {}
    if member.status not in ACTIVE_STATUSES:
        errors["member"] = _("Only an active party member can be transferred (this one is %(s)s).") % {
            "s": member.get_status_display()}
    if kind not in TransferKind.values:
        errors["kind"] = _("Unknown kind of transfer.")
    if to_unit.pk == member.unit_id:
        errors["to_unit"] = _("The destination is the member's current unit.")
    elif not to_unit.is_valid_on(issued_on) or not to_unit.is_current:
        errors["to_unit"] = _("The destination unit does not exist on that date.")
    if issued_on > timezone.localdate():
        errors["issued_on"] = _("The effective date cannot be in the future.")
    if kind == TransferKind.TEMPORARY and until and until <= issued_on:
        errors["until"] = _("The end of a temporary transfer must be after its start.")
    if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
        errors["member"] = _("This member already has a pending transfer.")
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        member=member, kind=kind, from_unit=member.unit, to_unit=to_unit, issued_on=issued_on, until=until,
        letter_number=letter_number, note=note,
    )
    _event(member, LifecycleEvent.Kind.TRANSFER_ISSUED, issued_on, acting_user=acting_user, before=None,
           from_unit=member.unit, to_unit=to_unit, decision=letter_number)
    return transfer


@transaction.atomic
def confirm_transfer(transfer: Transfer, *, confirmed_on: datetime.date, acting_user) -> Transfer:
    """The receiving side confirms: the member's period at the source ends and one at the destination starts."""
    transfer = Transfer.objects.select_for_update().select_related("to_unit", "from_unit").get(pk=transfer.pk)
    _require_edit(acting_user, transfer.to_unit)
    member = _locked(transfer.member)
    errors = {}
    if transfer.status != TransferStatus.PENDING:
        errors["status"] = _("This transfer is not pending.")
    elif member.status not in ACTIVE_STATUSES:
        errors["member"] = _("The member is no longer active (%(s)s): the transfer cannot be confirmed.") % {
            "s": member.get_status_display()}
    elif member.unit_id != transfer.from_unit_id:
        errors["member"] = _("The member is no longer in the unit that issued the transfer.")
    elif confirmed_on < transfer.issued_on:
        errors["confirmed_on"] = _("Confirmation cannot precede the transfer.")
    elif confirmed_on > timezone.localdate():
        errors["confirmed_on"] = _("The effective date cannot be in the future.")
    elif not transfer.to_unit.is_current:
        errors["to_unit"] = _("The destination unit no longer exists.")
    if errors:
        raise ValidationError(errors)
    _check_after_open_period(member, confirmed_on)
    before = {"unit": member.unit_id}
    close_period(member, confirmed_on)
    open_period(member, transfer.to_unit_id, confirmed_on, kind=transfer.kind, reason="transfer")
    _adjust_count(member.unit_id, -1)
    _adjust_count(transfer.to_unit_id, 1)
    member.unit = transfer.to_unit
    member.save(update_fields=["unit", "updated_at"])
    from quantriet.study.counters import members_moved  # records of open study campaigns follow the member

    members_moved([member.pk], transfer.from_unit_id, transfer.to_unit_id, day=confirmed_on)
    transfer.status, transfer.confirmed_on = TransferStatus.CONFIRMED, confirmed_on
    transfer.save(update_fields=["status", "confirmed_on"])
    _event(member, LifecycleEvent.Kind.TRANSFER_CONFIRMED, confirmed_on, acting_user=acting_user, before=before,
           from_unit=transfer.from_unit, to_unit=transfer.to_unit)
    return transfer


@transaction.atomic
def cancel_transfer(transfer: Transfer, *, acting_user, note: str = "") -> Transfer:
    transfer = Transfer.objects.select_for_update().select_related("from_unit", "to_unit", "member__unit").get(pk=transfer.pk)
    if not (access.can(acting_user, access.EDIT_MEMBERS, transfer.from_unit.path)
            or access.can(acting_user, access.EDIT_MEMBERS, transfer.to_unit.path)):
        raise ActionDenied(target=str(transfer))
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError({"status": _("This transfer is not pending.")})
    transfer.status, transfer.note = TransferStatus.CANCELLED, note[:500]
    transfer.save(update_fields=["status", "note"])
    _event(transfer.member, LifecycleEvent.Kind.TRANSFER_CANCELLED, timezone.localdate(), acting_user=acting_user,
           before=None, from_unit=transfer.from_unit, to_unit=transfer.to_unit, note=note[:500])
    return transfer


def pending_transfers(user):
    """Pending transfers visible to the user: outgoing (from their scope) and incoming (to it). For a user
    whose scope is everywhere every transfer is both (they may confirm any of them as the receiving side)."""
    scope = access.scope_paths(user, access.VIEW)
    qs = Transfer.objects.filter(status=TransferStatus.PENDING).select_related("member", "from_unit", "to_unit")
    if scope is None:
        return qs, qs
    outgoing = qs.filter(from_unit__in=Unit.objects.under_paths(scope))
    incoming = qs.filter(to_unit__in=Unit.objects.under_paths(scope))
    return outgoing, incoming


@transaction.atomic
def exempt(member: Member, *, effective_on: datetime.date, reason: str = "", acting_user) -> Member:
    """Exemption from party work and activities (miễn công tác và sinh hoạt đảng): still a member."""
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    if member.status not in (Status.OFFICIAL, Status.PROBATIONARY):
        raise ValidationError({"status": _("Only an active member can be exempted.")})
    _check_date(effective_on)
    before = {"status": member.status}
    member.status = Status.EXEMPTED
    member.save(update_fields=["status", "updated_at"])
    _event(member, LifecycleEvent.Kind.EXEMPTED, effective_on, acting_user=acting_user, before=before, note=reason[:500])
    return member


def _leave_party(member: Member, status: str, kind: str, day, *, acting_user, **extra) -> Member:
    if member.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("This person is not an active party member (%(s)s).") % {
            "s": member.get_status_display()}})
    _check_date(day)
    _check_after_open_period(member, day)
    before = {"status": member.status}
    Transfer.objects.filter(member=member, status=TransferStatus.PENDING).update(status=TransferStatus.CANCELLED)
    close_period(member, day)
    _adjust_count(member.unit_id, -1)
    member.status = status
    member.save(update_fields=["status", "updated_at"])
    _event(member, kind, day, acting_user=acting_user, before=before, **extra)
    return member


@transaction.atomic
def discipline(member: Member, *, level: str, effective_on: datetime.date, decision: str = "", note: str = "",
               acting_user) -> Member:
    """Khiển trách, cảnh cáo, cách chức are recorded; khai trừ also ends party membership."""
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    if level not in DisciplineLevel.values:
        raise ValidationError({"level": _("Unknown discipline level.")})
    if level == DisciplineLevel.EXPULSION:
        return _leave_party(member, Status.EXPELLED, LifecycleEvent.Kind.DISCIPLINED, effective_on,
                            acting_user=acting_user, discipline_level=level, decision=decision, note=note[:500])
    if member.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("This person is not an active party member (%(s)s).") % {
            "s": member.get_status_display()}})
    _check_date(effective_on)
    _event(member, LifecycleEvent.Kind.DISCIPLINED, effective_on, acting_user=acting_user, before=None,
           discipline_level=level, decision=decision, note=note[:500])
    return member


@transaction.atomic
def remove(member: Member, *, effective_on: datetime.date, decision: str = "", note: str = "", acting_user) -> Member:
    """Xóa tên: the person leaves the party and the unit."""
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    return _leave_party(member, Status.REMOVED, LifecycleEvent.Kind.REMOVED, effective_on, acting_user=acting_user,
                        decision=decision, note=note[:500])


@transaction.atomic
def record_death(member: Member, *, effective_on: datetime.date, note: str = "", acting_user) -> Member:
    member = _locked(member)
    _require_edit(acting_user, member.unit)
    return _leave_party(member, Status.DECEASED, LifecycleEvent.Kind.DECEASED, effective_on, acting_user=acting_user,
                        note=note[:500])


def members_on(unit: Unit, day: datetime.date):
    """Periods of the members active in `unit`'s subtree on `day` (its tree as of that day)."""
    return Membership.objects.on(day).filter(unit__path__startswith=unit.path)
