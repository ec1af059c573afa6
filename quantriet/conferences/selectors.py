"""Who sees and manages which conference and site; live counts rolled up the relay tree."""
from __future__ import annotations

from django.db.models import Q, Sum

from quantriet.accounts import access

from .models import Conference, Invitation, Site, SiteSessionCount

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
