"""Automatic conference reminders (django-q2 schedule "conferences-reminders", every 5 minutes, created by
migration 0002 and by `ensure_schedule()`; `quantriet send-conference-reminders [--dry-run]` for cron).

Before each session, each reminder of the setting CONFERENCE_REMINDERS (name → minutes before the start;
by default the day before and one hour before) goes once to every invited member whose invitation has
been sent and who has no attendance record for the session yet (neither checked in nor marked excused or
absent), through the in-app notification and e-mail of the reminder button (`actions._notify`).

- A reminder is due from `minutes` before the start until the session starts; a session that has started
  (or is over) gets none. When a run finds several due for the same person and session (the server was
  down, or the session was added late), only the nearest one is sent and all are logged.
- A reminder is not sent when an earlier session of the same conference starts within its lead time (the
  person is expected there already): two sessions on one day get one day-before reminder, not two.
- `ReminderLog` (unique per invitation, session and kind) makes every run idempotent, also when the
  schedule and a cron job run at the same time: the losing run rolls its session back and sends nothing.
- Nothing goes before the organizer has sent the invitations (`Invitation.notified_at`).
"""
from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from quantriet.core import audit

from .models import Attendance, Invitation, ReminderLog, Session

log = logging.getLogger(__name__)
SCHEDULE_NAME = "conferences-reminders"
FUNCTION = "quantriet.conferences.tasks.send_due_reminders"
EVERY_MINUTES = 5
DEFAULT_REMINDERS = {"day_before": 24 * 60, "hour_before": 60}


def ensure_schedule():
    """Create the schedule once (every EVERY_MINUTES minutes); an existing one is left as configured."""
    from django_q.models import Schedule

    first = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    schedule, _created = Schedule.objects.get_or_create(name=SCHEDULE_NAME, defaults={
        "func": FUNCTION, "schedule_type": Schedule.MINUTES, "minutes": EVERY_MINUTES, "repeats": -1,
        "next_run": first})
    return schedule


def reminder_offsets() -> list[tuple[str, datetime.timedelta]]:
    """The configured reminders, the earliest first: [(kind, lead time)]."""
    configured = getattr(settings, "CONFERENCE_REMINDERS", None)
    configured = DEFAULT_REMINDERS if configured is None else configured
    offsets = []
    for kind, minutes in dict(configured).items():
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0 or not str(kind) \
                or len(str(kind)) > 40:
            raise ValueError(f"CONFERENCE_REMINDERS: {kind!r} needs a positive whole number of minutes "
                             "and a name of at most 40 characters")
        offsets.append((str(kind), datetime.timedelta(minutes=minutes)))
    return sorted(offsets, key=lambda item: -item[1])


def _due_kinds(session, starts: list[datetime.datetime], offsets, now) -> list[tuple[str, datetime.timedelta]]:
    """The reminders due for this session now, nearest last (see the module docstring)."""
    due = []
    for kind, lead in offsets:
        if not (session.starts_at - lead <= now < session.starts_at):
            continue
        if any(session.starts_at - lead <= other < session.starts_at for other in starts):
            continue  # an earlier session of the conference falls within the lead time
        due.append((kind, lead))
    return due


def _text(conference, session, invitation) -> str:
    return _("Reminder: %(session)s of %(title)s starts at %(when)s, at the site %(site)s.") % {
        "session": session.title, "title": conference.title, "site": invitation.site.name,
        "when": timezone.localtime(session.starts_at).strftime("%H:%M %d/%m/%Y")}


def send_due_reminders(now: datetime.datetime | None = None, *, dry_run: bool = False) -> dict:
    """The scheduled task: send the reminders due now. Returns {"sessions", "reminded", "messages", "due"},
    `due` listing (session id, kind, people) for every session with a reminder due; a dry run writes
    and sends nothing and tells what would be sent."""
    from . import actions

    now = now or timezone.now()
    offsets = reminder_offsets()
    summary = {"sessions": 0, "reminded": 0, "messages": 0, "due": []}
    if not offsets:
        return summary
    sessions = list(Session.objects.filter(starts_at__gt=now, starts_at__lte=now + offsets[0][1])
                    .select_related("conference", "conference__organizer").order_by("starts_at", "id"))
    starts: dict[int, list] = defaultdict(list)
    for conference_id, starts_at in Session.objects.filter(
            conference_id__in={s.conference_id for s in sessions}).values_list("conference_id", "starts_at"):
        starts[conference_id].append(starts_at)
    with translation.override(settings.LANGUAGE_CODE):
        for session in sessions:
            due = _due_kinds(session, starts[session.conference_id], offsets, now)
            if not due:
                continue
            try:
                with transaction.atomic():
                    reminded, messages, people = _remind(session, due, now, dry_run, actions)
            except IntegrityError:  # another run is sending the same reminders right now
                log.info("conference reminders of session %s already being sent", session.pk)
                continue
            except Exception:  # one session's failure must not stop the others
                log.exception("conference reminders failed for session %s", session.pk)
                continue
            summary["due"].append((session.pk, due[-1][0], people))
            if reminded:
                summary["sessions"] += 1
                summary["reminded"] += reminded
                summary["messages"] += messages
    return summary


def _remind(session, due, now, dry_run, actions) -> tuple[int, int, int]:
    """Log and send the reminders of one session; returns (people reminded, messages, people to remind)."""
    conference = session.conference
    kinds = [kind for kind, _lead in due]
    done = defaultdict(set)
    for invitation_id, kind in ReminderLog.objects.filter(session=session, kind__in=kinds).values_list(
            "invitation_id", "kind"):
        done[invitation_id].add(kind)
    invitations = (Invitation.objects.filter(conference_id=conference.pk, notified_at__isnull=False)
                   .exclude(member_id__in=Attendance.objects.filter(session=session).values("member_id"))
                   .select_related("member", "site").order_by("id"))
    pending = [(invitation, [k for k in kinds if k not in done[invitation.pk]]) for invitation in invitations]
    pending = [(invitation, todo) for invitation, todo in pending if todo]
    nearest = kinds[-1]
    # Only people for whom the nearest reminder is new get a message (a superseded one is never sent late).
    targets = [invitation for invitation, todo in pending if nearest in todo]
    if dry_run or not pending:
        return 0, 0, len(targets)
    ReminderLog.objects.bulk_create(
        [ReminderLog(invitation=invitation, session=session, kind=kind, sent_at=now, sent=(kind == nearest))
         for invitation, todo in pending for kind in todo], batch_size=2000)
    messages = actions._notify(conference, targets, lambda inv: _text(conference, session, inv),
                               (_("Reminder: %s") % conference.title)[:200])
    audit.record("conference.remind.auto", conference, actor=None,
                 after={"session": session.pk, "reminder": nearest, "invitations": len(targets),
                        "messages": messages}, scope_path=conference.organizer.path)
    return len(targets), messages, len(pending)
