"""The daily study task (django-q2, scheduled in migration 0002 and by the demo; ORM broker, no extra server).

For every live campaign: refresh the targets, take attendance from the linked meetings, write
today's coverage snapshot (progress over time), and within `reminder_days` of the deadline remind
members not done and the secretaries of lagging cells (in-app notification and e-mail, sent after
commit). A person gets at most one reminder a day per campaign (checked against today's notifications).
"""
from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import actions, counters
from .models import FLAGS, Campaign, CoverageCounter, CoverageSnapshot, RecordState, StudyRecord

log = logging.getLogger(__name__)
TASK = "quantriet.study.tasks.daily"
SCHEDULE_NAME = "study-daily"


def ensure_schedule() -> None:
    """Create the daily schedule once (idempotent)."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(name=SCHEDULE_NAME, defaults={
        "func": TASK, "schedule_type": Schedule.DAILY,
        "next_run": timezone.now().replace(hour=23, minute=30, second=0, microsecond=0)})


@transaction.atomic
def snapshot(campaign: Campaign, day: datetime.date | None = None) -> int:
    """Copy the campaign's counter rows into the snapshot table for `day` (replacing that day's)."""
    day = day or timezone.localdate()
    CoverageSnapshot.objects.filter(campaign=campaign, day=day).delete()
    names = ", ".join(FLAGS)
    snap, counter = CoverageSnapshot._meta.db_table, CoverageCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {snap} (campaign_id, unit_id, day, {names}) "
            f"SELECT campaign_id, unit_id, %s, {names} FROM {counter} WHERE campaign_id = %s",
            [day, campaign.pk])
        return cursor.rowcount


def remind(campaign: Campaign, today: datetime.date | None = None) -> dict:
    """In-app and e-mail reminders within `reminder_days` of the deadline (once per day and campaign)."""
    from quantriet.accounts.models import Role, RoleAssignment
    from quantriet.conferences.models import Notification

    today = today or timezone.localdate()
    days_left = (campaign.deadline - today).days
    if days_left < 0 or days_left > campaign.reminder_days:
        return {"members": 0, "secretaries": 0}
    link = reverse("study:mine")
    deadline = campaign.deadline.strftime("%d/%m/%Y")
    since = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    already = set(Notification.objects.filter(created_at__gte=since, link__startswith=link,
                                              text__contains=f"#{campaign.pk}").values_list("user_id", flat=True))
    notes, mails = [], []
    behind = (StudyRecord.objects.filter(campaign=campaign, state=RecordState.TARGETED, completed=False)
              .select_related("member"))
    member_count = 0
    for record in behind.iterator(chunk_size=2000):
        member = record.member
        text = _("Study campaign #%(id)d “%(title)s”: the deadline is %(deadline)s and your study is not complete.") % {
            "id": campaign.pk, "title": campaign.title, "deadline": deadline}
        if member.user_id and member.user_id not in already:
            notes.append(Notification(user_id=member.user_id, text=text[:500], link=link))
            already.add(member.user_id)
            member_count += 1
        if member.email:
            mails.append((_("Study reminder: %s") % campaign.title[:150], text, settings.DEFAULT_FROM_EMAIL,
                          [member.email]))
    # Lagging cells: completion below the campaign's threshold.
    secretary_count = 0
    cells = CoverageCounter.objects.filter(campaign=campaign, unit__kind__is_cell=True, targeted__gt=0).select_related("unit")
    queue = reverse("study:grading")
    for row in cells:
        percent = 100 * row.completed / row.targeted
        if percent >= campaign.lagging_percent:
            continue
        text = _("Study campaign #%(id)d “%(title)s”: %(cell)s has completed %(pct)d%% (%(done)d of %(total)d); "
                 "the deadline is %(deadline)s.") % {
            "id": campaign.pk, "title": campaign.title, "cell": row.unit.name, "pct": percent, "done": row.completed,
            "total": row.targeted, "deadline": deadline}
        for assignment in RoleAssignment.objects.filter(role=Role.SECRETARY, unit=row.unit).select_related("user"):
            user = assignment.user
            if user.pk in already:
                continue
            notes.append(Notification(user=user, text=text[:500], link=queue))
            already.add(user.pk)
            secretary_count += 1
            if user.email:
                mails.append((_("Study reminder: %s") % campaign.title[:150], text, settings.DEFAULT_FROM_EMAIL,
                              [user.email]))
    Notification.objects.bulk_create(notes, batch_size=2000)
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return {"members": member_count, "secretaries": secretary_count, "emails": len(mails)}


def daily(today: datetime.date | None = None) -> dict:
    """The scheduled task: see the module docstring."""
    today = today or timezone.localdate()
    summary = {}
    with translation.override(settings.LANGUAGE_CODE):
        for campaign in counters.live_campaigns().filter(starts_on__lte=today):
            try:
                with transaction.atomic():
                    refreshed = actions.refresh_targets(campaign, acting_user=None, today=today)
                    attended = actions.sync_attendance(campaign, today=today)
                    reminded = remind(campaign, today)
                    rows = snapshot(campaign, today)
                summary[campaign.pk] = {"refresh": refreshed, "attendance": attended, "reminders": reminded,
                                        "snapshot_rows": rows}
            except Exception:  # one campaign's failure must not stop the others
                log.exception("study daily task failed for campaign %s", campaign.pk)
                summary[campaign.pk] = {"error": True}
    return summary
