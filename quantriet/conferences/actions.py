"""Changes to conferences, sites, invitations and attendance.

Every check-in path (QR self check-in, the secretary's scan of a member's QR, the
checklist, a paper sheet, an offline batch) ends in `record_checkins`, which inserts with
INSERT … ON CONFLICT (session, member) DO NOTHING RETURNING member_id and moves the site's
counters by exactly the rows inserted, in the same transaction. Re-sending anything is a
no-op; counters cannot drift, and `recount` proves it. On PostgreSQL the insert and the counter
move are one statement (a data-modifying CTE), and a live single check-in also resolves the
member and their invitation in it (`_fast_single`), falling back to the full path whenever it
inserts nothing, so that every refusal keeps its exact reason.
"""
from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.db import prepared_cursor
from quantriet.core.text import fold, nfc
from quantriet.members.models import Member, Status

from . import selectors
from .models import (
    AgendaItem, Attendance, AttendanceStatus, AudienceKind, AudienceRule, Conference, Invitation, Kind, Method,
    Notification, Session, Site, SiteSessionCount, UninvitedPolicy,
)

#: Members invited by unit or position rules (exempted members are excluded from study targets).
INVITABLE_STATUSES = (Status.PROBATIONARY, Status.OFFICIAL)
#: A live scan is accepted from this long before the start until this long after the end.
CHECKIN_OPENS_BEFORE = datetime.timedelta(hours=2)
CHECKIN_CLOSES_AFTER = datetime.timedelta(hours=2)
#: Device clocks may run a little ahead of the server.
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_BATCH = 5000
QR_SALT = "quantriet.conferences.site-session"
MEMBER_SALT = "quantriet.conferences.member"
MEMBER_TOKEN_MAX_AGE = 400 * 24 * 3600


def _deny_unless(allowed: bool, target) -> None:
    if not allowed:
        raise ActionDenied(target=str(target))


# -- conferences, sessions, agenda, sites -----------------------------------------------

CONFERENCE_AUDITED = ["organizer", "title", "kind", "mode", "topic", "uninvited_policy", "late_grace_minutes"]


@transaction.atomic
def create_conference(*, acting_user, organizer, title, documents=(), **fields) -> Conference:
    _deny_unless(access.can(acting_user, selectors.MANAGE_CONFERENCE, organizer.path), organizer)
    conference = Conference(organizer=organizer, title=title, created_by=acting_user
                            if getattr(acting_user, "is_authenticated", False) else None, **fields)
    conference.title = nfc(conference.title)
    conference.full_clean()
    conference.save()
    if documents:
        conference.documents.set(documents)
    audit.record("conference.create", conference, actor=acting_user,
                 after=audit.snapshot(conference, CONFERENCE_AUDITED), scope_path=organizer.path)
    return conference


@transaction.atomic
def update_conference(conference: Conference, *, acting_user, documents=None, **changes) -> Conference:
    conference = Conference.objects.select_for_update().select_related("organizer").get(pk=conference.pk)
    _deny_unless(selectors.can_manage_conference(acting_user, conference), conference)
    before = audit.snapshot(conference, CONFERENCE_AUDITED)
    for name, value in changes.items():
        setattr(conference, name, value)
    if conference.organizer_id != before["organizer"]:
        _deny_unless(selectors.can_manage_conference(acting_user, conference), conference.organizer)
    conference.full_clean()
    conference.save()
    if documents is not None:
        conference.documents.set(documents)
    audit.record("conference.update", conference, actor=acting_user, before=before,
                 after=audit.snapshot(conference, CONFERENCE_AUDITED), scope_path=conference.organizer.path)
    return conference


@transaction.atomic
def add_session(conference: Conference, *, acting_user, title, starts_at, ends_at) -> Session:
    _deny_unless(selectors.can_manage_conference(acting_user, conference), conference)
    session = Session(conference=conference, title=title, starts_at=starts_at, ends_at=ends_at)
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    session.full_clean()
    session.save()
    SiteSessionCount.objects.bulk_create(
        [SiteSessionCount(site_id=pk, session=session) for pk in conference.sites.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    audit.record("conference.session.add", session, actor=acting_user,
                 after=audit.snapshot(session, ["title", "starts_at", "ends_at"]),
                 scope_path=conference.organizer.path)
    return session


def _clean_titles(titles) -> list[str]:
    if isinstance(titles, str):
        titles = [p for chunk in titles.splitlines() for p in chunk.split(";")]
    return [nfc(t)[:200] for t in (titles or []) if nfc(t)]


@transaction.atomic
def add_agenda_item(session: Session, *, acting_user, role, title="", member=None, person_name="",
                    person_titles=(), documents=(), order=None) -> AgendaItem:
    conference = session.conference
    _deny_unless(selectors.can_manage_conference(acting_user, conference), conference)
    person_name = nfc(person_name)
    if member is None and not person_name:
        raise ValidationError({"person_name": _("Choose a member or enter the name of an outside person.")})
    if member is not None and person_name:
        raise ValidationError({"person_name": _("Choose a member or an outside person, not both.")})
    if order is None:
        order = session.agenda.count() + 1
    item = AgendaItem(session=session, role=role, title=nfc(title), member=member, person_name=person_name,
                      person_titles=_clean_titles(person_titles), order=order)
    item.full_clean()
    item.save()
    if documents:
        item.documents.set(documents)
    audit.record("conference.agenda.add", item, actor=acting_user,
                 after={"role": role, "person": item.person_display, "documents": [d.pk for d in documents]},
                 scope_path=conference.organizer.path)
    return item


@transaction.atomic
def add_site(conference: Conference, *, acting_user, name, host_unit, parent=None, place="", chair_member=None,
             chair_name="", chair_titles=(), expected_count=0, stream_url="") -> Site:
    _deny_unless(selectors.can_manage_conference(acting_user, conference), conference)
    if parent is not None and parent.conference_id != conference.pk:
        raise ValidationError({"parent": _("The parent site belongs to another conference.")})
    site = Site(conference=conference, parent=parent, name=name, host_unit=host_unit, place=place,
                chair_member=chair_member, chair_name=nfc(chair_name), chair_titles=_clean_titles(chair_titles),
                expected_count=expected_count or 0, stream_url=stream_url or "", path="-")
    site.full_clean(exclude=["path"])
    site.save()
    site.path = site.compute_path()
    site.depth = 0 if parent is None else parent.depth + 1
    site.save(update_fields=["path", "depth"])
    SiteSessionCount.objects.bulk_create(
        [SiteSessionCount(site=site, session_id=pk) for pk in conference.sessions.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    audit.record("conference.site.add", site, actor=acting_user,
                 after=audit.snapshot(site, ["name", "host_unit", "parent", "place", "expected_count"]),
                 scope_path=host_unit.path)
    return site


@transaction.atomic
def add_audience_rule(site: Site, *, acting_user, kind, unit=None, include_subtree=True, position="",
                      member=None) -> AudienceRule:
    _deny_unless(selectors.can_manage_conference(acting_user, site.conference), site.conference)
    position = nfc(position)
    errors = {}
    if kind == AudienceKind.UNIT and unit is None:
        errors["unit"] = _("Choose the unit whose members are invited.")
    if kind == AudienceKind.POSITION and not position:
        errors["position"] = _("Enter the position (or part of its title).")
    if kind == AudienceKind.MEMBER and member is None:
        errors["member"] = _("Choose the member.")
    if errors:
        raise ValidationError(errors)
    rule = AudienceRule(site=site, kind=kind, unit=unit if kind != AudienceKind.MEMBER else None,
                        include_subtree=include_subtree, position=position if kind == AudienceKind.POSITION else "",
                        member=member if kind == AudienceKind.MEMBER else None)
    rule.full_clean()
    rule.save()
    audit.record("conference.audience.add", rule, actor=acting_user, after={"rule": str(rule)},
                 scope_path=site.host_unit.path)
    return rule


def _rule_members(rule: AudienceRule) -> list[int]:
    if rule.kind == AudienceKind.MEMBER:
        return [rule.member_id]
    members = Member.objects.filter(status__in=INVITABLE_STATUSES)
    if rule.unit_id:
        members = (members.filter(unit__path__startswith=rule.unit.path) if rule.include_subtree
                   else members.filter(unit_id=rule.unit_id))
    if rule.kind == AudienceKind.POSITION:
        members = members.filter(positions__title_folded__contains=fold(rule.position))
    return list(members.values_list("pk", flat=True).distinct())


@transaction.atomic
def build_invitations(conference: Conference, *, acting_user) -> dict:
    """Expand the sites' audience rules into invitations (one site per member).

    A named person beats a position, which beats a whole unit; between rules of one kind the
    more specific (deeper unit, then deeper site) wins. Returns what changed.
    """
    _deny_unless(selectors.can_manage_conference(acting_user, conference), conference)
    rules = list(AudienceRule.objects.filter(site__conference=conference).select_related("site", "unit"))
    priority = {AudienceKind.MEMBER: 0, AudienceKind.POSITION: 1, AudienceKind.UNIT: 2}
    rules.sort(key=lambda r: (priority[r.kind], -(r.unit.depth if r.unit_id else 99), -r.site.depth, r.pk))
    wanted: dict[int, int] = {}
    for rule in rules:
        for member_id in _rule_members(rule):
            wanted.setdefault(member_id, rule.site_id)
    existing = dict(Invitation.objects.filter(conference=conference).values_list("member_id", "site_id"))
    added = [Invitation(conference=conference, member_id=m, site_id=s) for m, s in wanted.items() if m not in existing]
    moved = {m: s for m, s in wanted.items() if m in existing and existing[m] != s}
    removed = [m for m in existing if m not in wanted]
    Invitation.objects.bulk_create(added, batch_size=2000)
    for member_id, site_id in moved.items():
        Invitation.objects.filter(conference=conference, member_id=member_id).update(site_id=site_id, notified_at=None)
    for start in range(0, len(removed), 2000):
        Invitation.objects.filter(conference=conference, member_id__in=removed[start:start + 2000]).delete()
    _recount_invited(conference)
    result = {"invited": len(wanted), "added": len(added), "moved": len(moved), "removed": len(removed)}
    audit.record("conference.invitations.build", conference, actor=acting_user, after=result,
                 scope_path=conference.organizer.path)
    return result


def _recount_invited(conference) -> int:
    counts = dict(Invitation.objects.filter(conference=conference).values("site_id").annotate(n=Count("id"))
                  .values_list("site_id", "n"))
    wrong = 0
    for site in conference.sites.only("id", "invited_count"):
        if site.invited_count != counts.get(site.pk, 0):
            Site.objects.filter(pk=site.pk).update(invited_count=counts.get(site.pk, 0))
            wrong += 1
    return wrong


# -- notifications -------------------------------------------------------------------------

def _notify(conference, invitations, text_for, subject) -> int:
    """In-app notifications for members with an account, e-mail for those with an address."""
    link = reverse("conferences:detail", args=[conference.pk])
    notes, mails = [], []
    from django.conf import settings

    for inv in invitations:
        member = inv.member
        text = text_for(inv)
        if member.user_id:
            notes.append(Notification(user_id=member.user_id, text=text[:500], link=link))
        if member.email:
            mails.append((subject, text, settings.DEFAULT_FROM_EMAIL, [member.email]))
    Notification.objects.bulk_create(notes, batch_size=2000)
    if mails:
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return len(notes) + len(mails)


def _first_session_text(conference) -> str:
    first = conference.sessions.order_by("starts_at").first()
    if first is None:
        return ""
    return timezone.localtime(first.starts_at).strftime("%H:%M %d/%m/%Y")


@transaction.atomic
def send_invitations(conference: Conference, *, acting_user, reminder: bool = False) -> int:
    """Invite (or remind) every invited member; invitations go once, reminders every time."""
    _deny_unless(selectors.can_manage_conference(acting_user, conference), conference)
    invitations = Invitation.objects.filter(conference=conference).select_related("member", "site")
    if not reminder:
        invitations = invitations.filter(notified_at__isnull=True)
    invitations = list(invitations)
    when = _first_session_text(conference)

    def text_for(inv):
        values = {"title": conference.title, "site": inv.site.name, "when": when}
        if reminder:
            return _("Reminder: %(title)s, at the site %(site)s, %(when)s.") % values
        return _("You are invited to %(title)s at the site %(site)s, %(when)s.") % values

    subject = (_("Reminder: %s") if reminder else _("Invitation: %s")) % conference.title
    sent = _notify(conference, invitations, text_for, subject[:200])
    now = timezone.now()
    if not reminder:
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(notified_at=now)
        Conference.objects.filter(pk=conference.pk).update(invitations_sent_at=now)
    audit.record("conference.remind" if reminder else "conference.invite", conference, actor=acting_user,
                 after={"invitations": len(invitations), "messages": sent}, scope_path=conference.organizer.path)
    return len(invitations)


def mark_notification_read(notification: Notification, *, acting_user) -> None:
    _deny_unless(notification.user_id == getattr(acting_user, "pk", None), "notification")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())


# -- QR tokens -------------------------------------------------------------------------------

def site_session_token(site: Site, session: Session) -> str:
    expires = int((session.ends_at + CHECKIN_CLOSES_AFTER).timestamp())
    return signing.dumps({"t": site.pk, "s": session.pk, "e": expires}, salt=QR_SALT, compress=True)


def read_site_session_token(token: str) -> tuple[Site, Session]:
    try:
        data = signing.loads(token, salt=QR_SALT)
        site_id, session_id, expires = int(data["t"]), int(data["s"]), int(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("This check-in code is not valid."), code="bad_token")
    if timezone.now().timestamp() > expires:
        raise ValidationError(_("This check-in code has expired: the session is over."), code="expired")
    site = Site.objects.select_related("conference", "host_unit").filter(pk=site_id).first()
    session = Session.objects.filter(pk=session_id, conference_id=getattr(site, "conference_id", None)).first()
    if site is None or session is None:
        raise ValidationError(_("This check-in code is not valid."), code="bad_token")
    return site, session


def member_token(member: Member) -> str:
    return signing.dumps({"m": member.pk}, salt=MEMBER_SALT)


def read_member_token(token: str) -> int:
    try:
        return int(signing.loads(token, salt=MEMBER_SALT, max_age=MEMBER_TOKEN_MAX_AGE)["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("This member code is not valid."), code="bad_token")


# -- check-in ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Entry:
    """One check-in to record: a member (by id or party card number) and, for batches, the
    time recorded on the device."""

    member_id: int | None = None
    card_number: str | None = None
    checked_in_at: datetime.datetime | None = None
    method: str = Method.QR_MEMBER
    late: bool | None = None  # explicit for checklist and paper marks


@dataclasses.dataclass
class RowResult:
    index: int
    result: str  # inserted | updated | duplicate | refused
    member_id: int | None = None
    code: str = ""
    detail: str = ""
    late: bool = False
    extra: bool = False

    def as_dict(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", None)}


@dataclasses.dataclass
class BatchResult:
    rows: list[RowResult]

    def count(self, result: str) -> int:
        return sum(1 for r in self.rows if r.result == result)

    @property
    def summary(self) -> dict:
        return {"inserted": self.count("inserted"), "updated": self.count("updated"),
                "duplicates": self.count("duplicate"), "refused": self.count("refused")}


_COLUMNS = ["session_id", "member_id", "site_id", "status", "reason", "method", "offline", "checked_in_at",
            "recorded_at", "recorded_by_id", "late", "extra"]


def _insert_returning(rows: list[tuple]) -> set[int]:
    """INSERT … ON CONFLICT (session, member) DO NOTHING RETURNING member_id.

    PostgreSQL gets one statement with one array per column (unnest), whatever the batch size;
    SQLite (≥ 3.35 has RETURNING) gets multi-row VALUES in chunks under its variable limit.
    """
    if not rows:
        return set()
    qn = connection.ops.quote_name
    table = qn(Attendance._meta.db_table)
    columns = ", ".join(qn(c) for c in _COLUMNS)
    conflict = f"ON CONFLICT ({qn('session_id')}, {qn('member_id')}) DO NOTHING RETURNING {qn('member_id')}"
    inserted: set[int] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ["bigint", "bigint", "bigint", "varchar", "varchar", "varchar", "boolean", "timestamptz",
                     "timestamptz", "integer", "boolean", "boolean"]
            unnest = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({unnest}) {conflict}",
                           [list(column) for column in zip(*rows)])
            inserted.update(r[0] for r in cursor.fetchall())
            return inserted
        one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} {conflict}",
                           [value for row in chunk for value in row])
            inserted.update(r[0] for r in cursor.fetchall())
    return inserted


def _adjust_counts(session_id: int, deltas: dict[int, dict[str, int]]) -> None:
    """One UPDATE per site; rows are created on demand; sites in id order (no deadlocks)."""
    for site_id in sorted(deltas):
        changes = {k: F(k) + v for k, v in deltas[site_id].items() if v}
        if not changes:
            continue
        if not SiteSessionCount.objects.filter(site_id=site_id, session_id=session_id).update(**changes):
            SiteSessionCount.objects.bulk_create([SiteSessionCount(site_id=site_id, session_id=session_id)],
                                                 ignore_conflicts=True)
            SiteSessionCount.objects.filter(site_id=site_id, session_id=session_id).update(**changes)


#: Statuses that may be recorded as extra attendees under the `record_extra` policy.
EXTRA_STATUSES = (Status.PROBATIONARY, Status.OFFICIAL, Status.EXEMPTED)

# One statement on PostgreSQL: insert the rows (ON CONFLICT DO NOTHING) and move the site's
# counter by exactly the rows inserted (an upsert, so a missing counter row cannot lose a
# count). Data-modifying CTEs run atomically as one statement, even in autocommit.
_COUNT_UPSERT = """
, delta AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE late) AS nl, count(*) FILTER (WHERE extra) AS ne FROM ins
), counted AS (
    INSERT INTO {counts} (site_id, session_id, present, late, extra, absent, excused)
    SELECT %s::bigint, %s::bigint, n, nl, ne, 0, 0 FROM delta WHERE n > 0
    ON CONFLICT (site_id, session_id) DO UPDATE SET present = {counts}.present + EXCLUDED.present,
        late = {counts}.late + EXCLUDED.late, extra = {counts}.extra + EXCLUDED.extra
    RETURNING 1
)
SELECT member_id, late, extra, (SELECT count(*) FROM counted) FROM ins
"""


def _pg_tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    return {"attendance": qn(Attendance._meta.db_table), "counts": qn(SiteSessionCount._meta.db_table),
            "member": qn(Member._meta.db_table), "invitation": qn(Invitation._meta.db_table)}


def _insert_and_count(rows: list[tuple], session_id: int, site_id: int) -> set[int]:
    """Insert presences at one site and move its counters by the rows inserted; returns their members.

    PostgreSQL: one statement (unnest → INSERT … ON CONFLICT DO NOTHING RETURNING → counter
    upsert). Elsewhere: `_insert_returning` then `_adjust_counts`, inside the caller's transaction.
    """
    if not rows:
        return set()
    if connection.vendor != "postgresql":
        inserted = _insert_returning(rows)
        late = sum(1 for r in rows if r[1] in inserted and r[10])
        extra = sum(1 for r in rows if r[1] in inserted and r[11])
        _adjust_counts(session_id, {site_id: {"present": len(inserted), "late": late, "extra": extra}})
        return inserted
    t = _pg_tables()
    types = ["bigint", "bigint", "bigint", "varchar", "varchar", "varchar", "boolean", "timestamptz",
             "timestamptz", "integer", "boolean", "boolean"]
    unnest = ", ".join(f"%s::{t_}[]" for t_ in types)
    sql = (f"WITH ins AS (INSERT INTO {t['attendance']} ({', '.join(_COLUMNS)}) SELECT * FROM unnest({unnest}) "
           f"ON CONFLICT (session_id, member_id) DO NOTHING RETURNING member_id, late, extra)"
           + _COUNT_UPSERT.format(counts=t["counts"]))
    with prepared_cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows)] + [site_id, session_id])
        return {r[0] for r in cursor.fetchall()}


def _fast_single(session, site, conference, entry: Entry, acting_user, now) -> RowResult | None:
    """The common case of a live scan, in one statement on PostgreSQL: resolve the member and
    their invitation, insert the presence if they are invited here (or may be recorded as an
    extra), move the counter. Returns None when nothing was inserted, for whatever reason
    (unknown, wrong site, not invited, already recorded, marked absent earlier, outside the
    session): the full path then finds out which and answers it, in its own transaction."""
    if connection.vendor != "postgresql" or not (entry.member_id or entry.card_number):
        return None
    when = now
    if entry.method in (Method.QR_SELF, Method.QR_MEMBER):
        if not (session.starts_at - CHECKIN_OPENS_BEFORE <= when <= session.ends_at + CHECKIN_CLOSES_AFTER):
            return None
    if entry.late is not None:
        late = bool(entry.late)
    elif entry.method in (Method.CHECKLIST, Method.PAPER):
        late = False
    else:
        late = when > session.starts_at + datetime.timedelta(minutes=conference.late_grace_minutes)
    allow_extra = conference.uninvited_policy == UninvitedPolicy.RECORD_EXTRA
    user_id = acting_user.pk if getattr(acting_user, "is_authenticated", False) else None
    t = _pg_tables()
    lookup = "m.id = %s::bigint" if entry.member_id else "m.card_number = %s::varchar"
    # Typed parameters: the statement runs prepared (core.db.prepared_cursor).
    sql = (f"WITH m AS (SELECT m.id, m.status, i.site_id AS invited FROM {t['member']} m "
           f"LEFT JOIN {t['invitation']} i ON i.conference_id = %s::bigint AND i.member_id = m.id WHERE {lookup}), "
           f"ins AS (INSERT INTO {t['attendance']} ({', '.join(_COLUMNS)}) "
           f"SELECT %s::bigint, m.id, %s::bigint, %s::varchar, '', %s::varchar, false, %s::timestamptz, "
           f"%s::timestamptz, %s::integer, %s::boolean, m.invited IS NULL FROM m "
           f"WHERE m.invited = %s::bigint OR (m.invited IS NULL AND %s::boolean AND m.status = ANY(%s::varchar[])) "
           f"ON CONFLICT (session_id, member_id) DO NOTHING RETURNING member_id, late, extra)"
           + _COUNT_UPSERT.format(counts=t["counts"]))
    params = [conference.pk, entry.member_id or entry.card_number,
              session.pk, site.pk, AttendanceStatus.PRESENT.value, str(entry.method), now, now, user_id, late,
              site.pk, allow_extra, [str(s) for s in EXTRA_STATUSES], site.pk, session.pk]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return RowResult(0, "inserted", row[0], late=row[1], extra=row[2])


def _status_counter(status: str) -> str:
    return {AttendanceStatus.PRESENT: "present", AttendanceStatus.ABSENT: "absent",
            AttendanceStatus.EXCUSED: "excused"}[status]


def record_checkins(*, session: Session, site: Site, entries: list[Entry], acting_user, offline: bool = False,
                    self_service: bool = False) -> BatchResult:
    """Record check-ins at one site for one session; see the module docstring.

    Refusals (unknown member, wrong site, not invited under the `refuse` policy, a time
    outside the session) are per row and never abort the others. `self_service` is set by
    `self_check_in` after it has checked that the only entry is the acting user's own.
    """
    if len(entries) == 1 and not offline:
        if session.conference_id != site.conference_id:
            raise ValidationError({"session": _("The session and the site belong to different conferences.")})
        if not self_service:
            _deny_unless(selectors.can_manage_site(acting_user, site), site)
        fast = _fast_single(session, site, site.conference, entries[0], acting_user, timezone.now())
        if fast is not None:
            batch = BatchResult([fast])
            _study_follows(session, batch)
            return batch
    with transaction.atomic():
        batch = _record_checkins(session, site, entries, acting_user, offline, self_service)
        _study_follows(session, batch)
        return batch


def _study_follows(session: Session, batch: BatchResult) -> None:
    """Study campaigns linked to this conference take the new attendance at once (explicit call, no signal)."""
    if getattr(session.conference, "study_linked", True) is False:
        return  # known from the check-in's site query: no campaign follows this conference
    changed = [r.member_id for r in batch.rows if r.result in ("inserted", "updated") and r.member_id]
    if changed:
        from quantriet.study.actions import attendance_changed

        attendance_changed(session.pk, changed, conference_id=session.conference_id)


def _resolve_members(conference_id: int, ids: set[int], cards: set[str]) -> list[tuple]:
    """(id, card number, status, site where invited or None) of the members given by id or card."""
    if connection.vendor == "postgresql":
        t = _pg_tables()
        with prepared_cursor() as cursor:
            cursor.execute(
                f"SELECT m.id, m.card_number, m.status, i.site_id FROM {t['member']} m "
                f"LEFT JOIN {t['invitation']} i ON i.conference_id = %s::bigint AND i.member_id = m.id "
                f"WHERE m.id = ANY(%s::bigint[]) OR m.card_number = ANY(%s::varchar[])",
                [conference_id, sorted(ids), sorted(cards)])
            return cursor.fetchall()
    invited_site = Invitation.objects.filter(conference_id=conference_id, member_id=OuterRef("pk")).values("site_id")
    return list(Member.objects.filter(Q(pk__in=ids) | Q(card_number__in=cards))
                .annotate(invited_site=Subquery(invited_site[:1]))
                .values_list("pk", "card_number", "status", "invited_site"))


def _record_checkins(session, site, entries, acting_user, offline, self_service) -> BatchResult:
    conference = site.conference
    if session.conference_id != site.conference_id:
        raise ValidationError({"session": _("The session and the site belong to different conferences.")})
    if not self_service:
        _deny_unless(selectors.can_manage_site(acting_user, site), site)
    if len(entries) > MAX_BATCH:
        raise ValidationError({"rows": _("At most %(n)d rows at a time.") % {"n": MAX_BATCH}})
    now = timezone.now()
    results: list[RowResult | None] = [None] * len(entries)

    # 1. Resolve members and where they are invited: one query for ids and card numbers together.
    ids = {e.member_id for e in entries if e.member_id}
    cards = {e.card_number for e in entries if e.card_number and not e.member_id}
    known: dict[int, str] = {}
    by_card: dict[str, int] = {}
    invited_at: dict[int, int] = {}
    if ids or cards:
        for pk, card, status, site_id in _resolve_members(conference.pk, ids, cards):
            known[pk] = status
            if card:
                by_card[card] = pk
            if site_id is not None:
                invited_at[pk] = site_id
    opens, closes = session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at + CHECKIN_CLOSES_AFTER
    late_after = session.starts_at + datetime.timedelta(minutes=conference.late_grace_minutes)
    wrong_site_names: dict[int, str] = {}

    accepted: dict[int, tuple[int, Entry, datetime.datetime, bool, bool]] = {}
    for index, e in enumerate(entries):
        mid = e.member_id if e.member_id else by_card.get(e.card_number or "")
        if mid is None or mid not in known:
            results[index] = RowResult(index, "refused", e.member_id, "unknown_member",
                                       _("No member with this party card number.") if e.card_number and not e.member_id
                                       else _("No such member."))
            continue
        when = e.checked_in_at if (offline and e.checked_in_at) else now
        if e.checked_in_at and offline:
            if e.checked_in_at > now + CLOCK_SKEW:
                results[index] = RowResult(index, "refused", mid, "future_time",
                                           _("The recorded time is in the future; check the device's clock."))
                continue
        if e.method in (Method.QR_SELF, Method.QR_MEMBER) or offline:
            if not (opens <= when <= closes):
                results[index] = RowResult(index, "refused", mid, "outside_session", _(
                    "Check-in for this session is open from %(opens)s to %(closes)s.") % {
                    "opens": timezone.localtime(opens).strftime("%H:%M %d/%m/%Y"),
                    "closes": timezone.localtime(closes).strftime("%H:%M %d/%m/%Y")})
                continue
        invited_site = invited_at.get(mid)
        extra = False
        if invited_site is not None and invited_site != site.pk:
            if invited_site not in wrong_site_names:
                wrong_site_names[invited_site] = Site.objects.filter(pk=invited_site).values_list(
                    "name", flat=True).first() or ""
            results[index] = RowResult(index, "refused", mid, "wrong_site", _(
                "Wrong site: this member is invited at the site “%(site)s”, not at “%(here)s”.") % {
                "site": wrong_site_names[invited_site], "here": site.name})
            continue
        if invited_site is None:
            if conference.uninvited_policy == UninvitedPolicy.REFUSE or known[mid] not in EXTRA_STATUSES:
                results[index] = RowResult(index, "refused", mid, "not_invited",
                                           _("This member is not invited to this conference."))
                continue
            extra = True
        if mid in accepted:
            results[index] = RowResult(index, "duplicate", mid, "duplicate_in_batch",
                                       _("The same member appears earlier in this batch."))
            continue
        if e.late is not None:
            late = bool(e.late)
        elif e.method in (Method.CHECKLIST, Method.PAPER) and not offline:
            late = False  # a mark made after the fact says nothing about the arrival time
        else:
            late = when > late_after
        accepted[mid] = (index, e, when, late, extra)

    # 3. Insert; whatever conflicts already had a record for this session.
    user_id = acting_user.pk if getattr(acting_user, "is_authenticated", False) else None
    adapt = connection.ops.adapt_datetimefield_value
    recorded = adapt(now)
    rows = [(session.pk, mid, site.pk, AttendanceStatus.PRESENT.value, "", str(e.method), offline, adapt(when),
             recorded, user_id, late, extra) for mid, (_i, e, when, late, extra) in accepted.items()]
    inserted = _insert_and_count(rows, session.pk, site.pk)  # counters of the inserted rows moved too
    deltas: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for mid in inserted:
        index, _e, _when, late, extra = accepted[mid]
        results[index] = RowResult(index, "inserted", mid, late=late, extra=extra)
    conflicted = [mid for mid in accepted if mid not in inserted]
    if conflicted:
        existing = {a.member_id: a for a in Attendance.objects.select_for_update().filter(
            session=session, member_id__in=conflicted).select_related("site")}
        for mid in conflicted:
            index, e, when, late, extra = accepted[mid]
            record = existing.get(mid)
            if record is None:  # deleted in between: cannot happen (records are never deleted)
                results[index] = RowResult(index, "refused", mid, "conflict", _("Try again."))
                continue
            if record.status == AttendanceStatus.PRESENT:
                detail = _("Already checked in at %(time)s") % {
                    "time": timezone.localtime(record.checked_in_at).strftime("%H:%M %d/%m/%Y")}
                if record.site_id != site.pk:
                    detail += " " + _("at the site “%(site)s”.") % {"site": record.site.name}
                results[index] = RowResult(index, "duplicate", mid, "already_present", detail,
                                           late=record.late, extra=record.extra)
                continue
            # Marked absent or excused earlier, now here: the record becomes a presence.
            old = deltas[record.site_id]
            old[_status_counter(record.status)] -= 1
            Attendance.objects.filter(pk=record.pk).update(
                status=AttendanceStatus.PRESENT, reason="", site=site, method=e.method, offline=offline,
                checked_in_at=when, recorded_at=now, recorded_by_id=user_id, late=late, extra=extra)
            deltas[site.pk]["present"] += 1
            deltas[site.pk]["late"] += int(late)
            deltas[site.pk]["extra"] += int(extra)
            results[index] = RowResult(index, "updated", mid, late=late, extra=extra)
    _adjust_counts(session.pk, deltas)
    batch = BatchResult([r for r in results if r is not None])
    # A single check-in is its own evidence (who, when, how, recorded by whom); batches are audited.
    if len(entries) > 1:
        audit.record("conference.checkin", site, actor=acting_user,
                     after={"session": session.pk, "offline": offline, **batch.summary},
                     scope_path=site.host_unit.path)
    return batch


def self_check_in(*, token: str, acting_user) -> tuple[Site, Session, RowResult]:
    """A logged-in member opens the site's session QR link: check the member in there."""
    site, session = read_site_session_token(token)
    member = access.own_member(acting_user)
    if member is None:
        raise ValidationError(_("Your account is not linked to a member record; ask the site secretary."),
                              code="no_member")
    batch = record_checkins(session=session, site=site, entries=[Entry(member_id=member.pk, method=Method.QR_SELF)],
                            acting_user=acting_user, self_service=True)
    return site, session, batch.rows[0]


def scan_member(*, session: Session, site: Site, code: str, acting_user) -> RowResult:
    """The site secretary scans a member's personal QR (a signed token) or types a card number."""
    code = (code or "").strip()
    if (code.isascii() and code.isdigit()):
        if len(code) != 8:
            raise ValidationError({"code": _("A party card number has exactly 8 digits.")})
        entry = Entry(card_number=code, method=Method.QR_MEMBER)
    else:
        try:
            entry = Entry(member_id=read_member_token(code), method=Method.QR_MEMBER)
        except ValidationError as error:
            raise ValidationError({"code": error.messages})
    return record_checkins(session=session, site=site, entries=[entry], acting_user=acting_user).rows[0]


@transaction.atomic
def mark_attendance(*, session: Session, site: Site, member: Member, status: str, reason: str = "",
                    acting_user) -> Attendance:
    """The site secretary marks one invited member on the checklist: present, absent or excused."""
    _deny_unless(selectors.can_manage_site(acting_user, site), site)
    if session.conference_id != site.conference_id:
        raise ValidationError({"session": _("The session and the site belong to different conferences.")})
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": _("Choose present, absent or excused.")})
    reason = nfc(reason)[:300]
    if status == AttendanceStatus.EXCUSED and not reason:
        raise ValidationError({"reason": _("An excused absence needs a reason.")})
    invitation = Invitation.objects.filter(conference_id=site.conference_id, member=member).first()
    record = Attendance.objects.select_for_update().filter(session=session, member=member).first()
    if invitation is None and not (record and record.site_id == site.pk):
        raise ValidationError({"member": _("This member is not invited to this conference.")})
    if invitation is not None and invitation.site_id != site.pk:
        raise ValidationError({"member": _("Wrong site: this member is invited at the site “%(site)s”.") % {
            "site": invitation.site.name}})
    if status == AttendanceStatus.PRESENT and (record is None or record.status != AttendanceStatus.PRESENT):
        record_checkins(session=session, site=site, entries=[Entry(member_id=member.pk, method=Method.CHECKLIST)],
                        acting_user=acting_user)
        return Attendance.objects.get(session=session, member=member)
    now = timezone.now()
    if record is None:
        inserted = _insert_returning([(session.pk, member.pk, site.pk, status, reason, Method.CHECKLIST.value, False,
                                       connection.ops.adapt_datetimefield_value(now),
                                       connection.ops.adapt_datetimefield_value(now), acting_user.pk, False, False)])
        if inserted:
            _adjust_counts(session.pk, {site.pk: {_status_counter(status): 1}})
            _study_follows(session, BatchResult([RowResult(0, "inserted", member.pk)]))
        return Attendance.objects.get(session=session, member=member)
    if record.status == status and record.reason == reason:
        return record
    before = audit.snapshot(record, ["status", "reason", "late", "extra"])
    delta = defaultdict(int)
    delta[_status_counter(record.status)] -= 1
    delta[_status_counter(status)] += 1
    if record.status == AttendanceStatus.PRESENT:
        delta["late"] -= int(record.late)
        delta["extra"] -= int(record.extra)
    record.status, record.reason, record.late, record.extra = status, reason, False, False
    record.method, record.recorded_at, record.recorded_by = Method.CHECKLIST, now, acting_user
    record.save()
    _adjust_counts(session.pk, {site.pk: delta})
    _study_follows(session, BatchResult([RowResult(0, "updated", member.pk)]))
    audit.record("conference.attendance.mark", record, actor=acting_user, before=before,
                 after=audit.snapshot(record, ["status", "reason", "late", "extra"]), scope_path=site.host_unit.path)
    return record


@transaction.atomic
def import_sheet(*, session: Session, site: Site, rows: list[dict], acting_user) -> BatchResult:
    """Record a paper sign-in sheet already parsed and validated (see forms.SheetImportForm):
    rows of {card_number, status, reason}; presences go through `record_checkins`."""
    _deny_unless(selectors.can_manage_site(acting_user, site), site)
    present = [Entry(card_number=r["card_number"], method=Method.PAPER) for r in rows
               if r["status"] == AttendanceStatus.PRESENT]
    batch = record_checkins(session=session, site=site, entries=present, acting_user=acting_user)
    absent = [r for r in rows if r["status"] != AttendanceStatus.PRESENT]
    members = dict(Member.objects.filter(card_number__in=[r["card_number"] for r in absent])
                   .values_list("card_number", "pk"))
    extra_rows = []
    for offset, row in enumerate(absent, start=len(present)):
        member_id = members.get(row["card_number"])
        if member_id is None:
            extra_rows.append(RowResult(offset, "refused", None, "unknown_member",
                                        _("No member with this party card number.")))
            continue
        try:
            mark_attendance(session=session, site=site, member=Member(pk=member_id), status=row["status"],
                            reason=row.get("reason", ""), acting_user=acting_user)
        except ValidationError as error:
            extra_rows.append(RowResult(offset, "refused", member_id, "refused", " ".join(error.messages)))
        else:
            extra_rows.append(RowResult(offset, "updated", member_id))
    return BatchResult(batch.rows + extra_rows)


# -- cell meetings ----------------------------------------------------------------------------

@transaction.atomic
def create_cell_meeting(*, acting_user, unit, title, starts_at, ends_at, topic="", place="", documents=(),
                        notify: bool = True) -> Conference:
    """The monthly cell meeting: one session, one site at the cell, all its members invited."""
    _deny_unless(access.can(acting_user, selectors.MANAGE_SITE, unit.path), unit)
    conference = Conference(organizer=unit, title=title, kind=Kind.CELL_MEETING, topic=topic,
                            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
    conference.full_clean()
    conference.save()
    conference.documents.set(documents)
    session = Session(conference=conference, title=title, starts_at=starts_at, ends_at=ends_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    session.full_clean()
    session.save()
    site = Site(conference=conference, name=unit.name, host_unit=unit, place=nfc(place), path="-")
    site.save()
    site.path, site.depth = site.compute_path(), 0
    site.save(update_fields=["path", "depth"])
    SiteSessionCount.objects.create(site=site, session=session)
    AudienceRule.objects.create(site=site, kind=AudienceKind.UNIT, unit=unit, include_subtree=True)
    members = list(Member.objects.filter(unit__path__startswith=unit.path, status__in=INVITABLE_STATUSES)
                   .values_list("pk", flat=True))
    Invitation.objects.bulk_create([Invitation(conference=conference, site=site, member_id=m) for m in members])
    Site.objects.filter(pk=site.pk).update(invited_count=len(members))
    audit.record("conference.cell_meeting.create", conference, actor=acting_user,
                 after={"title": title, "starts_at": starts_at.isoformat(), "invited": len(members)},
                 scope_path=unit.path)
    if notify:
        invitations = list(conference.invitations.select_related("member", "site"))
        when = timezone.localtime(starts_at).strftime("%H:%M %d/%m/%Y")
        _notify(conference, invitations,
                lambda inv: _("Cell meeting %(when)s: %(topic)s") % {"when": when, "topic": topic or title},
                (_("Cell meeting: %s") % title)[:200])
        Invitation.objects.filter(conference=conference).update(notified_at=timezone.now())
    return conference


# -- consistency -------------------------------------------------------------------------------

@transaction.atomic
def recount(conference: Conference) -> int:
    """Recompute every counter of a conference from the records; returns how many were wrong."""
    wrong = _recount_invited(conference)
    expected: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(SiteSessionCount.COUNTERS, 0))
    rows = (Attendance.objects.filter(session__conference=conference)
            .values("site_id", "session_id", "status", "late", "extra").annotate(n=Count("id")))
    for row in rows:
        counts = expected[(row["site_id"], row["session_id"])]
        counts[_status_counter(row["status"])] += row["n"]
        if row["status"] == AttendanceStatus.PRESENT:
            counts["late"] += row["n"] if row["late"] else 0
            counts["extra"] += row["n"] if row["extra"] else 0
    site_ids = list(conference.sites.values_list("pk", flat=True))
    session_ids = list(conference.sessions.values_list("pk", flat=True))
    SiteSessionCount.objects.bulk_create(
        [SiteSessionCount(site_id=s, session_id=t) for s in site_ids for t in session_ids], ignore_conflicts=True)
    for count in SiteSessionCount.objects.filter(session__conference=conference).select_for_update():
        want = expected.get((count.site_id, count.session_id), dict.fromkeys(SiteSessionCount.COUNTERS, 0))
        if any(getattr(count, k) != v for k, v in want.items()):
            SiteSessionCount.objects.filter(pk=count.pk).update(**want)
            wrong += 1
    return wrong
