"""The daily digest of early warnings (django-q2 schedule "plans-daily-digest", created by migration 0002 and
by `ensure_schedule()`).

Each warning goes to the people responsible for it: the office staff and secretaries holding a role on the
unit concerned (the lead unit of the task, or the unit that owes a child plan), and the member responsible
for the task when they have an account. Each person gets one in-app notification a day listing their
warnings, and an e-mail after the transaction commits when their account has an address. A second run on
the same day sends nothing again (`DigestLog`).
"""
from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from quantriet.accounts.models import Role, RoleAssignment
from quantriet.units.models import Unit

from . import selectors
from .models import IN_FORCE, DigestLog, Notification, Plan

log = logging.getLogger(__name__)
SCHEDULE_NAME = "plans-daily-digest"
FUNCTION = "quantriet.plans.tasks.send_daily_digests"
RECIPIENT_ROLES = (Role.OFFICE, Role.SECRETARY)
MAX_LINES = 20


def ensure_schedule():
    """Create the daily schedule once (06:30 local time); an existing one is left as configured."""
    from django_q.models import Schedule

    first = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1),
                                                          datetime.time(6, 30)))
    schedule, _created = Schedule.objects.get_or_create(
        name=SCHEDULE_NAME, defaults={"func": FUNCTION, "schedule_type": Schedule.DAILY, "next_run": first, "repeats": -1},
    )
    return schedule


def _line(warning) -> str:
    what = {
        "overdue": _("%(days)d days overdue"), "due_soon": _("due in %(days)d days"),
        "no_report": _("no report for %(days)d days"), "off_track": _("indicator off track"),
        "plan_missing": _("child plan %(days)d days overdue"), "plan_due_soon": _("child plan due in %(days)d days"),
    }[warning.kind] % {"days": warning.days}
    number = warning.task.plan.canonical_number
    return f"- {warning.task.title[:120]} ({number}, {warning.unit.name}): {what}"


def collect(today: datetime.date) -> dict[int, list]:
    """user id → their warnings, over every tree that has plans in force."""
    roots = Unit.objects.filter(parent__isnull=True).order_by("path")
    if not Plan.objects.filter(status__in=IN_FORCE).exists():
        return {}
    by_user: dict[int, list] = defaultdict(list)
    role_users: dict[int, set[int]] = defaultdict(set)
    warnings = []
    for root in roots:
        found, _data = selectors.warnings_for_unit(root, today)
        warnings.extend(found)
    unit_ids = {w.unit.pk for w in warnings}
    for user_id, unit_id in RoleAssignment.objects.filter(unit_id__in=unit_ids, role__in=RECIPIENT_ROLES).values_list(
            "user_id", "unit_id"):
        role_users[unit_id].add(user_id)
    seen = set()
    for warning in warnings:
        users = set(role_users.get(warning.unit.pk, set()))
        responsible = warning.task.responsible
        if responsible is not None and responsible.user_id and warning.kind not in ("plan_missing", "plan_due_soon"):
            users.add(responsible.user_id)
        for user_id in users:
            key = (user_id, warning.kind, warning.task.pk, warning.assignment.pk if warning.assignment else None,
                   warning.indicator.pk if warning.indicator else None)
            if key not in seen:
                seen.add(key)
                by_user[user_id].append(warning)
    return by_user


def send_daily_digests(today: datetime.date | None = None) -> int:
    """Send today's digests; returns how many people got one."""
    today = today or timezone.localdate()
    sent = 0
    users = get_user_model().objects.in_bulk(list((by_user := collect(today)).keys()))
    link = reverse("plans:warnings")
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, warnings in by_user.items():
            user = users.get(user_id)
            if user is None or not user.is_active:
                continue
            lines = [_line(w) for w in warnings[:MAX_LINES]]
            if len(warnings) > MAX_LINES:
                lines.append(_("… and %(count)d more.") % {"count": len(warnings) - MAX_LINES})
            heading = _("Plans: %(count)d warnings on %(day)s") % {"count": len(warnings),
                                                                   "day": today.strftime("%d/%m/%Y")}
            try:
                with transaction.atomic():
                    DigestLog.objects.create(user=user, day=today, warnings=len(warnings))
                    Notification.objects.create(user=user, text=(heading + "\n" + "\n".join(lines))[:1000], link=link)
                    if user.email:
                        body = heading + "\n\n" + "\n".join(lines)
                        transaction.on_commit(lambda u=user, b=body, h=heading: _mail(u, h, b))
            except IntegrityError:
                continue  # already sent today
            sent += 1
    return sent


def _mail(user, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:  # one unreachable address must not stop the others; the in-app notice is there
        log.exception("plans digest: e-mail to user %s failed", user.pk)
