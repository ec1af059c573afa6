"""Saving a reviewed draft as a conference, through the conferences app's actions.

`save_draft` takes what the user confirmed on the review page (never the raw extraction:
every person is either a member the user chose or an outside person) and creates, in one
transaction, the conference with its documents, one session per date, the sites, the agenda
(chair, presenters, opening and closing speeches) and the attendance of the members named as
attending at a site. Any refusal or validation error rolls everything back.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.conferences import actions as conference_actions
from quantriet.conferences import selectors as conference_selectors
from quantriet.conferences.models import AgendaRole, AudienceKind, Method
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.text import fold, nfc

#: Hours of a session by time of day (sáng, trưa, chiều, tối); a date without one gets the morning.
SESSION_HOURS = {
    None: ((7, 30), (11, 30)), "morning": ((7, 30), (11, 30)), "noon": ((11, 0), (13, 30)),
    "afternoon": ((13, 30), (17, 0)), "evening": ((19, 0), (21, 30)), "night": ((20, 0), (22, 30)),
}
_SESSION_LABEL = {None: "", "morning": "Sáng", "noon": "Trưa", "afternoon": "Chiều", "evening": "Tối", "night": "Đêm"}
AGENDA_ROLES = {
    "chair": AgendaRole.CHAIR, "presenter": AgendaRole.PRESENTER, "opening_speech": AgendaRole.OPENING,
    "closing_speech": AgendaRole.CLOSING, "speaker": AgendaRole.OTHER,
}


def can_import(user) -> bool:
    """Office staff and administrators (those who may create conferences somewhere)."""
    return access.has_any(user, conference_selectors.MANAGE_CONFERENCE)


def _aware(day: datetime.date, hour_minute) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(*hour_minute)))


@transaction.atomic
def save_draft(draft: dict, *, acting_user):
    """Create a conference from a reviewed draft; return it.

    `draft` keys: organizer_unit (Unit), title, kind, mode, place, organizer_text, topic,
    dates [{date, time_of_day}], documents [canonical numbers], sites [names],
    people [{name, positions [str], member (Member|None), roles [{role, site, documents}]}],
    reach [lines], source, credits, article_text.
    """
    from quantriet.documents.selectors import visible_documents

    unit = draft["organizer_unit"]
    if unit is None or not access.can(acting_user, conference_selectors.MANAGE_CONFERENCE, unit.path):
        raise ActionDenied(target=str(unit))
    dates = sorted({(d["date"], d.get("time_of_day")) for d in draft.get("dates", []) if d.get("date")},
                   key=lambda d: (d[0], list(SESSION_HOURS).index(d[1])))
    if not dates:
        raise ValidationError({"dates": _("Give at least one date of the conference.")})
    visible_people = access.visible_members(acting_user)
    for person in draft.get("people", []):
        member = person.get("member")
        if member is not None and not visible_people.filter(pk=member.pk).exists():
            raise ActionDenied(target=f"member {member.pk}")

    # Documents: those of the library the user can see; the others are named in the topic.
    numbers = list(dict.fromkeys(draft.get("documents", [])))
    library = {}
    for document in visible_documents(acting_user).filter(canonical_number__in=numbers).order_by("issued_on", "pk"):
        library[document.canonical_number] = document  # the latest issue of a reused number wins
    missing = [n for n in numbers if n not in library]

    outside_attendees = []
    for person in draft.get("people", []):
        if person.get("member") is None and any(r["role"] == "attending" for r in person.get("roles", [])):
            outside_attendees.append(", ".join([person["name"], *person.get("positions", [])]))
    topic_lines = [nfc(draft.get("topic", ""))] if draft.get("topic") else []
    if draft.get("organizer_text"):
        topic_lines.append(_("Organized by: %(value)s") % {"value": nfc(draft["organizer_text"])})
    if draft.get("place"):
        topic_lines.append(_("Place: %(value)s") % {"value": nfc(draft["place"])})
    if missing:
        topic_lines.append(_("Documents not in the library: %(value)s") % {"value": ", ".join(missing)})
    for line in draft.get("reach", []):
        topic_lines.append(_("Reach: %(value)s") % {"value": nfc(line)})
    if outside_attendees:
        topic_lines.append(_("Also attending: %(value)s") % {"value": "; ".join(outside_attendees)})
    if draft.get("source") or draft.get("credits"):
        topic_lines.append(_("Source: %(value)s") % {"value": " · ".join(
            v for v in (nfc(draft.get("source", "")), nfc(draft.get("credits", ""))) if v)})

    conference = conference_actions.create_conference(
        acting_user=acting_user, organizer=unit, title=draft["title"], kind=draft["kind"], mode=draft["mode"],
        topic="\n".join(topic_lines)[:4000], documents=list(library.values()),
    )
    sessions = []
    for day, time_of_day in dates:
        starts, ends = SESSION_HOURS.get(time_of_day, SESSION_HOURS[None])
        label = f"{_SESSION_LABEL.get(time_of_day, '')} {day:%d/%m/%Y}".strip()
        sessions.append(conference_actions.add_session(
            conference, acting_user=acting_user, title=label, starts_at=_aware(day, starts), ends_at=_aware(day, ends),
        ))
    first = sessions[0]

    # Sites, with the chair named at each.
    chairs = {}
    for person in draft.get("people", []):
        for role in person.get("roles", []):
            if role["role"] == "chair" and role.get("site"):
                chairs.setdefault(fold(role["site"]), person)
    sites = {}
    place_key = fold(draft.get("place", ""))
    for name in dict.fromkeys(nfc(n) for n in draft.get("sites", []) if nfc(n)):
        chair = chairs.get(fold(name))
        sites[fold(name)] = conference_actions.add_site(
            conference, acting_user=acting_user, name=name, host_unit=unit,
            place=nfc(draft.get("place", "")) if fold(name) == place_key else "",
            chair_member=chair.get("member") if chair else None,
            chair_name=chair["name"] if chair and chair.get("member") is None else "",
            chair_titles=chair.get("positions", []) if chair and chair.get("member") is None else (),
        )

    # Agenda of the first session, then the attendance of members at their sites.
    attending: dict[str, list] = {}
    for person in draft.get("people", []):
        member = person.get("member")
        for role in person.get("roles", []):
            if role["role"] in AGENDA_ROLES:
                conference_actions.add_agenda_item(
                    first, acting_user=acting_user, role=AGENDA_ROLES[role["role"]],
                    title=_("Speech") if role["role"] == "speaker" else "",
                    member=member, person_name="" if member else person["name"],
                    person_titles=() if member else person.get("positions", []),
                    documents=[library[n] for n in role.get("documents", []) if n in library],
                )
            elif role["role"] == "attending" and member is not None:
                site = sites.get(fold(role.get("site") or ""))
                if site is None:
                    raise ValidationError({"people": _("%(name)s attends at a site that is not in the list of sites.")
                                           % {"name": person["name"]}})
                attending.setdefault(fold(site.name), []).append(member)
    if attending:
        for key, members in attending.items():
            for member in members:
                conference_actions.add_audience_rule(sites[key], acting_user=acting_user, kind=AudienceKind.MEMBER,
                                                     member=member)
        conference_actions.build_invitations(conference, acting_user=acting_user)
        for key, members in attending.items():
            result = conference_actions.record_checkins(
                session=first, site=sites[key], acting_user=acting_user,
                entries=[conference_actions.Entry(member_id=m.pk, method=Method.PAPER, checked_in_at=first.starts_at,
                                                  late=False) for m in members],
            )
            refused = [r for r in result.rows if r.result == "refused"]
            if refused:
                raise ValidationError({"people": refused[0].detail})
    audit.record("articles.import", conference, actor=acting_user, scope_path=unit.path,
                 after={"people": len(draft.get("people", [])), "sites": len(sites), "sessions": len(sessions),
                        "documents": sorted(library)},
                 note=_("Imported from a news report"))
    return conference
