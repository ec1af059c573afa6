"""Who sees and manages which conference and site; live counts rolled up the relay tree."""
from __future__ import annotations

import datetime

from django.apps import apps
from django.db import connection
from django.db.models import Q, Sum
from django.utils.dateparse import parse_datetime

from quantriet.accounts import access
from quantriet.core.db import prepared_cursor
from quantriet.units.models import Unit

from .models import Conference, Invitation, Session, Site, SiteSessionCount

#: Managing a conference: the organizing unit's office staff and administrators.
MANAGE_CONFERENCE = access.EDIT_UNITS
#: Managing a site's attendance: the host unit's secretary, office staff and administrators.
MANAGE_SITE = access.EDIT_MEMBERS


def _under(paths, field: str) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def visible_conferences(user, queryset=None):
    """Conferences organized in the user's scope, with a site hosted in it, or inviting the user."""
    queryset = Conference.objects.all() if queryset is None else queryset
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return queryset
    query = _under(scope, "organizer__path")
    if scope:
        query |= Q(pk__in=Site.objects.filter(_under(scope, "host_unit__path")).values("conference_id"))
    member = access.own_member(user)
    if member is not None:
        query |= Q(pk__in=Invitation.objects.filter(member=member).values("conference_id"))
    return queryset.filter(query)


def can_manage_conference(user, conference) -> bool:
    return access.can(user, MANAGE_CONFERENCE, conference.organizer.path)


def sees_whole_conference(user, conference) -> bool:
    return access.can(user, access.VIEW, conference.organizer.path)


def visible_sites(user, conference, queryset=None):
    """Sites of a conference the user may see: all of them for readers of the organizer,
    else those hosted in the user's scope and the site where the user is invited."""
    queryset = (conference.sites.all() if queryset is None else queryset.filter(conference=conference))
    if sees_whole_conference(user, conference):
        return queryset
    scope = access.scope_paths(user, access.VIEW) or []
    query = _under(scope, "host_unit__path")
    member = access.own_member(user)
    if member is not None:
        query |= Q(pk__in=Invitation.objects.filter(conference=conference, member=member).values("site_id"))
    return queryset.filter(query)


def reportable_sites(user, conference, queryset=None):
    """Sites whose report the user may read: readers in scope (not a plain member's own site)."""
    queryset = (conference.sites.all() if queryset is None else queryset.filter(conference=conference))
    if sees_whole_conference(user, conference):
        return queryset
    return queryset.filter(_under(access.scope_paths(user, access.VIEW) or [], "host_unit__path"))


def can_manage_site(user, site) -> bool:
    return access.can(user, MANAGE_SITE, site.host_unit.path) or can_manage_conference(user, site.conference)


def managed_sites(user, conference):
    if can_manage_conference(user, conference):
        return conference.sites.all()
    scope = access.scope_paths(user, MANAGE_SITE)
    if scope is None:
        return conference.sites.all()
    return conference.sites.filter(_under(scope, "host_unit__path"))


# -- check-in -----------------------------------------------------------------------------

def _aware(value):
    """A timestamp read with a raw cursor: aware on PostgreSQL, an ISO string in UTC on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def site_for_checkin(site_id: int, session_id: int) -> tuple[Site, Session | None] | None:
    """The site with its conference, host unit and organizer, and the session if it belongs to the
    site's conference, in one query (None: no such site; the session None: not of this conference).

    The hot path of every check-in: a static SQL statement, no ORM compilation. The objects
    carry only what check-in and its permission check read; any other field is deferred (loaded
    on access, never wrong).
    """
    qn = connection.ops.quote_name
    campaign_links = apps.get_model("study", "CampaignSession")._meta.db_table
    bigint = "::bigint" if connection.vendor == "postgresql" else ""  # typed: prepared on PostgreSQL
    sql = (
        "SELECT s.id, s.name, s.path, s.depth, s.conference_id, s.host_unit_id, h.path, "
        "c.organizer_id, c.title, c.uninvited_policy, c.late_grace_minutes, o.path, se.id, se.starts_at, se.ends_at, "
        f"EXISTS (SELECT 1 FROM {qn(campaign_links)} cl WHERE cl.conference_id = c.id) "
        f"FROM {qn(Site._meta.db_table)} s "
        f"JOIN {qn(Conference._meta.db_table)} c ON c.id = s.conference_id "
        f"JOIN {qn(Unit._meta.db_table)} h ON h.id = s.host_unit_id "
        f"JOIN {qn(Unit._meta.db_table)} o ON o.id = c.organizer_id "
        f"LEFT JOIN {qn(Session._meta.db_table)} se ON se.id = %s{bigint} AND se.conference_id = s.conference_id "
        f"WHERE s.id = %s{bigint}"
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [session_id, site_id])
        row = cursor.fetchone()
    if row is None:
        return None
    (pk, name, path, depth, conference_id, host_unit_id, host_path, organizer_id, title, policy, grace,
     organizer_path, session_pk, starts_at, ends_at, study_linked) = row
    site = _partial(Site, id=pk, name=name, path=path, depth=depth, conference_id=conference_id,
                    host_unit_id=host_unit_id)
    conference = _partial(Conference, id=conference_id, organizer_id=organizer_id, title=title,
                          uninvited_policy=policy, late_grace_minutes=grace)
    # Whether a study campaign follows this conference's attendance (study.actions.attendance_changed).
    conference.study_linked = bool(study_linked)
    conference.organizer = _partial(Unit, id=organizer_id, path=organizer_path)
    site.conference = conference
    site.host_unit = _partial(Unit, id=host_unit_id, path=host_path)
    session = None
    if session_pk is not None:
        session = _partial(Session, id=session_pk, conference_id=conference_id, starts_at=_aware(starts_at),
                           ends_at=_aware(ends_at))
        session.conference = conference
    return site, session


def _partial(model, **values):
    """An instance as loaded from the database with only these fields (the others deferred)."""
    fields = [f for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, [f.attname for f in fields], [values[f.attname] for f in fields])


# -- counts ------------------------------------------------------------------------------

def rolled_up(session, site) -> dict:
    """Counters of a site and every site relayed below it (one indexed prefix query)."""
    totals = SiteSessionCount.objects.filter(session=session, site__path__startswith=site.path).aggregate(
        **{name: Sum(name) for name in SiteSessionCount.COUNTERS}
    )
    invited = Site.objects.filter(conference_id=site.conference_id, path__startswith=site.path).aggregate(
        n=Sum("invited_count")
    )["n"]
    data = {name: totals[name] or 0 for name in SiteSessionCount.COUNTERS}
    data["invited"] = invited or 0
    return _derive(data)


def _derive(data: dict) -> dict:
    data["present_invited"] = data["present"] - data["extra"]
    data["not_recorded"] = max(data["invited"] - data["present_invited"] - data["absent"] - data["excused"], 0)
    return data


def tree_counts(session, sites) -> dict[int, dict]:
    """Own and rolled-up counters for each of `sites` (any subset of one conference's sites).

    Reads each site's own counter once and adds it to every ancestor's total by walking its
    path: no per-site query, no recursion in the database.
    """
    sites = list(sites)
    if not sites:
        return {}
    conference_id = sites[0].conference_id
    all_sites = {s.pk: (s.path, s.invited_count) for s in Site.objects.filter(conference_id=conference_id)
                 .only("id", "path", "invited_count")}
    own = {pk: dict.fromkeys(SiteSessionCount.COUNTERS, 0) | {"invited": inv} for pk, (_p, inv) in all_sites.items()}
    for row in SiteSessionCount.objects.filter(session=session).values("site_id", *SiteSessionCount.COUNTERS):
        if row["site_id"] in own:
            own[row["site_id"]].update({k: row[k] for k in SiteSessionCount.COUNTERS})
    total = {pk: dict.fromkeys((*SiteSessionCount.COUNTERS, "invited"), 0) for pk in all_sites}
    for pk, (path, _inv) in all_sites.items():
        for segment in path.split(".")[:-1]:
            ancestor = int(segment)
            if ancestor in total:
                for key, value in own[pk].items():
                    total[ancestor][key] += value
    return {s.pk: {"own": _derive(dict(own[s.pk])), "total": _derive(dict(total[s.pk]))} for s in sites}
