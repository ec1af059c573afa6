"""Conference pages: thin views over selectors and actions."""
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quantriet.accounts import access
from quantriet.core.actions import ActionDenied
from quantriet.core.audit import record_denied
from quantriet.core.forms import apply_validation_error
from quantriet.members.models import Member
from quantriet.units.models import Unit

from . import actions, exports, selectors
from .forms import (
    AgendaItemForm, AudienceForm, CellMeetingForm, ConferenceForm, MarkForm, ScanForm, SessionForm, SheetImportForm,
    SiteForm, limit_documents,
)
from .models import Attendance, AttendanceStatus, Conference, Invitation, Notification, Session, Site


def _digits(value) -> bool:
    value = str(value or "")
    return value.isascii() and value.isdigit() and len(value) < 19


def _deny(request, what):
    record_denied(request, what)
    raise Http404


def _conference(request, pk) -> Conference:
    return access.get_in_scope_or_404(
        request, selectors.visible_conferences(request.user, Conference.objects.select_related("organizer")), pk=pk
    )


def _managed_conference(request, pk) -> Conference:
    conference = _conference(request, pk)
    if not selectors.can_manage_conference(request.user, conference):
        _deny(request, f"manage conference {pk}")
    return conference


def _site(request, pk) -> Site:
    site = Site.objects.select_related("conference", "conference__organizer", "host_unit", "parent").filter(pk=pk).first()
    if site is None:
        raise Http404
    visible = selectors.visible_conferences(request.user).filter(pk=site.conference_id).exists() and \
        selectors.visible_sites(request.user, site.conference).filter(pk=pk).exists()
    if not visible:
        _deny(request, f"conference site {pk}")
    return site


def _managed_site_session(request, site_pk, session_pk) -> tuple[Site, Session]:
    site = _site(request, site_pk)
    if not selectors.can_manage_site(request.user, site):
        _deny(request, f"manage conference site {site_pk}")
    session = Session.objects.filter(pk=session_pk, conference_id=site.conference_id).first()
    if session is None:
        raise Http404
    return site, session


def _unit_choices(request, action):
    return Unit.objects.valid_on().under_paths(access.scope_paths(request.user, action)).select_related("kind")


@login_required
def conference_list(request):
    conferences = selectors.visible_conferences(request.user).select_related("organizer").order_by("-created_at")[:200]
    return render(request, "conferences/list.html", {
        "conferences": conferences,
        "can_create": access.has_any(request.user, selectors.MANAGE_CONFERENCE),
        "can_create_meeting": access.has_any(request.user, selectors.MANAGE_SITE),
    })


@login_required
def conference_create(request):
    if not access.has_any(request.user, selectors.MANAGE_CONFERENCE):
        _deny(request, "create conference")
    form = ConferenceForm(request.POST or None, organizer_queryset=_unit_choices(request, selectors.MANAGE_CONFERENCE))
    limit_documents(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        documents = data.pop("documents")
        try:
            conference = actions.create_conference(acting_user=request.user, documents=documents, **data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Conference created."))
            return redirect("conferences:detail", pk=conference.pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("New conference")})


@login_required
def conference_edit(request, pk):
    conference = _managed_conference(request, pk)
    form = ConferenceForm(request.POST or None, instance=Conference.objects.get(pk=pk),
                          organizer_queryset=_unit_choices(request, selectors.MANAGE_CONFERENCE))
    limit_documents(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        documents = data.pop("documents")
        try:
            actions.update_conference(conference, acting_user=request.user, documents=documents, **data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Conference saved."))
            return redirect("conferences:detail", pk=pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("Edit conference"),
                                                      "conference": conference})


@login_required
def cell_meeting_create(request):
    if not access.has_any(request.user, selectors.MANAGE_SITE):
        _deny(request, "create cell meeting")
    units = _unit_choices(request, selectors.MANAGE_SITE).filter(kind__is_cell=True)
    form = CellMeetingForm(request.POST or None, unit_queryset=units)
    limit_documents(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            conference = actions.create_cell_meeting(acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Cell meeting announced to its members."))
            return redirect("conferences:detail", pk=conference.pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("New cell meeting")})


@login_required
def conference_detail(request, pk):
    conference = _conference(request, pk)
    sessions = list(conference.sessions.prefetch_related("agenda__documents", "agenda__member__positions"))
    sites = list(selectors.visible_sites(request.user, conference).select_related("host_unit"))
    current = _pick_session(request, sessions)
    counts = selectors.tree_counts(current, sites) if current else {}
    for site in sites:
        site.live = counts.get(site.pk)
    manageable = set(selectors.managed_sites(request.user, conference).values_list("pk", flat=True))
    member = access.own_member(request.user)
    invitation = (Invitation.objects.filter(conference=conference, member=member).select_related("site").first()
                  if member else None)
    own_records = {a.session_id: a for a in Attendance.objects.filter(session__conference=conference, member=member)} \
        if member else {}
    for session in sessions:
        session.own_record = own_records.get(session.pk)
    return render(request, "conferences/detail.html", {
        "conference": conference, "sessions": sessions, "current": current, "sites": sites,
        "manageable": manageable, "invitation": invitation,
        "documents": conference.documents.all(),
        "can_manage": selectors.can_manage_conference(request.user, conference),
        "can_report": selectors.reportable_sites(request.user, conference).exists(),
    })


def _pick_session(request, sessions):
    wanted = request.GET.get("session", "")
    for session in sessions:
        if wanted.isascii() and wanted.isdigit() and len(wanted) < 19 and session.pk == int(wanted):
            return session
    return sessions[-1] if sessions else None


@login_required
def session_create(request, pk):
    conference = _managed_conference(request, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_session(conference, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Session added."))
            return redirect("conferences:detail", pk=pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("New session"), "conference": conference})


@login_required
def agenda_create(request, pk):
    session = Session.objects.filter(pk=pk).first()
    if session is None:
        raise Http404
    conference = _managed_conference(request, session.conference_id)
    form = AgendaItemForm(request.POST or None)
    limit_documents(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_agenda_item(session, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Agenda item added."))
            return redirect("conferences:detail", pk=conference.pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("New agenda item"),
                                                      "conference": conference})


@login_required
def site_create(request, pk):
    conference = _managed_conference(request, pk)
    form = SiteForm(request.POST or None, conference=conference, unit_queryset=Unit.objects.valid_on())
    if request.method == "POST" and form.is_valid():
        try:
            site = actions.add_site(conference, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Site added."))
            return redirect("conferences:site", pk=site.pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("New site"), "conference": conference})


@login_required
def site_detail(request, pk):
    site = _site(request, pk)
    conference = site.conference
    can_manage = selectors.can_manage_site(request.user, site)
    invited = None
    if can_manage or selectors.reportable_sites(request.user, conference).filter(pk=pk).exists():
        invited = (Member.objects.filter(conference_invitations__site=site).select_related("unit")
                   .prefetch_related("positions").order_by("sort_key", "id")[:500])
    return render(request, "conferences/site.html", {
        "site": site, "conference": conference, "rules": site.audience.select_related("unit", "member"),
        "sessions": conference.sessions.all(), "invited": invited, "can_manage": can_manage,
        "children": site.children.select_related("host_unit"),
        "can_manage_conference": selectors.can_manage_conference(request.user, conference),
    })


@login_required
def audience_create(request, pk):
    site = _site(request, pk)
    if not selectors.can_manage_conference(request.user, site.conference):
        _deny(request, f"audience of site {pk}")
    form = AudienceForm(request.POST or None, unit_queryset=Unit.objects.valid_on())
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_audience_rule(site, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Audience added. Rebuild the invitations to apply it."))
            return redirect("conferences:site", pk=pk)
    return render(request, "conferences/form.html", {"form": form, "title": _("Invite an audience"),
                                                      "conference": site.conference})


@login_required
@require_POST
def invitations(request, pk):
    conference = _managed_conference(request, pk)
    try:
        if request.POST.get("do") == "remind":
            sent = actions.send_invitations(conference, acting_user=request.user, reminder=True)
            messages.success(request, _("Reminders sent to %(n)d invited members.") % {"n": sent})
        else:
            result = actions.build_invitations(conference, acting_user=request.user)
            sent = actions.send_invitations(conference, acting_user=request.user)
            messages.success(request, _("%(invited)d members invited (%(added)d new); %(sent)d invitations sent.") % {
                **result, "sent": sent})
    except ActionDenied:
        raise Http404
    return redirect("conferences:detail", pk=pk)


# -- attendance at a site ------------------------------------------------------------------------

def _checklist_rows(site, session):
    invited = list(Member.objects.filter(conference_invitations__site=site).select_related("unit")
                   .order_by("sort_key", "id"))
    records = {a.member_id: a for a in Attendance.objects.filter(session=session, site=site)}
    extra = Member.objects.filter(pk__in=[m for m, a in records.items() if a.extra]).order_by("sort_key", "id")
    rows = [(m, records.get(m.pk)) for m in invited] + [(m, records.get(m.pk)) for m in extra]
    return rows


@login_required
def checklist(request, site_pk, session_pk):
    site, session = _managed_site_session(request, site_pk, session_pk)
    cursor = _poll_cursor()  # before the rows are read: the first poll sends what changed after
    token = actions.site_session_token(site, session)
    checkin_url = request.build_absolute_uri(reverse("conferences:checkin", args=[token]))
    return render(request, "conferences/checklist.html", {
        "site": site, "session": session, "conference": site.conference, "rows": _checklist_rows(site, session),
        "counts": selectors.rolled_up(session, site), "checkin_url": checkin_url,
        "scan_form": ScanForm(), "statuses": AttendanceStatus, "cursor": cursor,
    })


@login_required
@require_POST
def mark(request, site_pk, session_pk):
    site, session = _managed_site_session(request, site_pk, session_pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Invalid mark."), status=400)
    member = Member.objects.filter(pk=form.cleaned_data["member"]).first()
    if member is None:
        raise Http404
    error = ""
    try:
        actions.mark_attendance(session=session, site=site, member=member, status=form.cleaned_data["status"],
                                reason=form.cleaned_data["reason"], acting_user=request.user)
    except ActionDenied:
        raise Http404
    except ValidationError as exc:
        error = " ".join(exc.messages)
    record = Attendance.objects.filter(session=session, member=member).first()
    if request.htmx:
        return render(request, "conferences/_checklist_row.html", {
            "member": member, "record": record, "site": site, "session": session, "error": error,
            "statuses": AttendanceStatus,
        }, status=200 if not error else 422)
    if error:
        messages.error(request, error)
    return redirect("conferences:checklist", site_pk=site.pk, session_pk=session.pk)


@login_required
@require_POST
def scan(request, site_pk, session_pk):
    site, session = _managed_site_session(request, site_pk, session_pk)
    form = ScanForm(request.POST)
    if form.is_valid():
        try:
            row = actions.scan_member(session=session, site=site, code=form.cleaned_data["code"],
                                      acting_user=request.user)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            _message_for(request, row)
    else:
        messages.error(request, _("Enter the member's QR code or party card number."))
    return redirect("conferences:checklist", site_pk=site.pk, session_pk=session.pk)


def _message_for(request, row):
    name = Member.objects.filter(pk=row.member_id).values_list("full_name", flat=True).first() or ""
    if row.result in ("inserted", "updated"):
        text = _("%(name)s checked in.") % {"name": name}
        if row.late:
            text += " " + _("Late arrival.")
        messages.success(request, text)
    elif row.result == "duplicate":
        messages.info(request, _("%(name)s was already checked in. %(detail)s") % {"name": name, "detail": row.detail})
    else:
        messages.error(request, row.detail)


#: The checklist polls the counts every 5 s with a cursor (`since`, milliseconds since the epoch) and
#: gets back, swapped out of band, the rows whose record changed since then. The cursor handed out lags
#: the clock by POLL_OVERLAP, so that a record stamped just before a poll but committed just after it is
#: still sent by the next one (a row may come twice; it is the same row).
POLL_OVERLAP = datetime.timedelta(seconds=10)
#: More changed rows than this in one poll (a paper sheet imported elsewhere): the page reloads instead.
POLL_MAX_ROWS = 300


def _poll_cursor() -> str:
    return str(int((timezone.now() - POLL_OVERLAP).timestamp() * 1000))


def _read_cursor(value):
    if not _digits(value):
        return None
    try:
        return datetime.datetime.fromtimestamp(int(value) / 1000, tz=datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


@login_required
def live_count(request, site_pk, session_pk):
    site = _site(request, site_pk)
    can_manage = selectors.can_manage_site(request.user, site)
    if not (can_manage or selectors.reportable_sites(request.user, site.conference).filter(pk=site.pk).exists()):
        _deny(request, f"counts of site {site_pk}")
    session = Session.objects.filter(pk=session_pk, conference_id=site.conference_id).first()
    if session is None:
        raise Http404
    since = _read_cursor(request.GET.get("since")) if can_manage else None
    context = {"site": site, "session": session, "counts": selectors.rolled_up(session, site)}
    if since is None:
        return render(request, "conferences/_live_count.html", context)
    context["cursor"] = _poll_cursor()  # taken before reading the rows
    changed = list(Attendance.objects.filter(session=session, site=site, recorded_at__gt=since)
                   .select_related("member__unit").order_by("recorded_at", "id")[:POLL_MAX_ROWS + 1])
    if len(changed) > POLL_MAX_ROWS:
        response = render(request, "conferences/_live_count.html", context)
        response["HX-Refresh"] = "true"
        return response
    context["changed_rows"] = [(record.member, record) for record in changed]
    return render(request, "conferences/_live_count.html", context)


@login_required
def site_qr(request, site_pk, session_pk):
    site, session = _managed_site_session(request, site_pk, session_pk)
    token = actions.site_session_token(site, session)
    url = request.build_absolute_uri(reverse("conferences:checkin", args=[token]))
    return HttpResponse(exports.qr_svg(url), content_type="image/svg+xml")


@login_required
def import_sheet(request, site_pk, session_pk):
    site, session = _managed_site_session(request, site_pk, session_pk)
    form = SheetImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.import_sheet(session=session, site=site, rows=form.cleaned_data["file"],
                                          acting_user=request.user)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
    return render(request, "conferences/import.html", {
        "form": form, "site": site, "session": session, "conference": site.conference, "result": result,
    }, status=400 if request.method == "POST" and form.errors else 200)


def _signin_site_session(request, pk) -> tuple[Site, Session | None]:
    site = _site(request, pk)
    if not selectors.can_manage_site(request.user, site):
        _deny(request, f"sign-in sheet of site {pk}")
    session = None
    if _digits(request.GET.get("session")):
        session = Session.objects.filter(pk=int(request.GET["session"]), conference_id=site.conference_id).first()
    return site, session


@login_required
def signin_sheet(request, pk):
    site, session = _signin_site_session(request, pk)
    data = exports.signin_sheet_docx(site, session)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="sign-in-site-{site.pk}.docx"'
    return response


@login_required
def signin_sheet_pdf(request, pk):
    site, session = _signin_site_session(request, pk)
    try:
        data = exports.signin_sheet_pdf(site, session)
    except exports.PdfFontMissing as missing:
        return render(request, "conferences/pdf_unavailable.html", {
            "site": site, "conference": site.conference, "session": session, "font_path": missing.path,
        }, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sign-in-site-{site.pk}.pdf"'
    return response


# -- check-in by the member ------------------------------------------------------------------------

@login_required
def checkin(request, token):
    try:
        site, session = actions.read_site_session_token(token)
    except ValidationError as error:
        return render(request, "conferences/checkin.html", {"error": " ".join(error.messages)}, status=400)
    result = None
    if request.method == "POST":
        try:
            site, session, result = actions.self_check_in(token=token, acting_user=request.user)
        except ValidationError as error:
            return render(request, "conferences/checkin.html", {"error": " ".join(error.messages), "site": site,
                                                                "session": session}, status=400)
    return render(request, "conferences/checkin.html", {
        "site": site, "session": session, "conference": site.conference, "result": result,
        "member": access.own_member(request.user),
    }, status=400 if result is not None and result.result == "refused" else 200)


@login_required
def mine(request):
    member = access.own_member(request.user)
    invitations = (Invitation.objects.filter(member=member).select_related("conference", "site")
                   .order_by("-conference__created_at")[:100] if member else [])
    return render(request, "conferences/mine.html", {"member": member, "invitations": invitations})


@login_required
def my_qr(request):
    member = access.own_member(request.user)
    if member is None:
        _deny(request, "personal QR of a user without a member record")
    return HttpResponse(exports.qr_svg(actions.member_token(member)), content_type="image/svg+xml")


@login_required
def inbox(request):
    notes = Notification.objects.filter(user=request.user)[:100]
    return render(request, "conferences/inbox.html", {"notes": notes})


@login_required
@require_POST
def notification_read(request, pk):
    note = Notification.objects.filter(pk=pk, user=request.user).first()
    if note is None:
        _deny(request, f"notification {pk}")
    actions.mark_notification_read(note, acting_user=request.user)
    return redirect(note.link or "conferences:inbox")


# -- reports ----------------------------------------------------------------------------------------

REPORT_ROWS = 2000


def _report_conference(request, pk):
    conference = _conference(request, pk)
    sites = list(selectors.reportable_sites(request.user, conference).select_related("host_unit", "parent"))
    if not sites:
        _deny(request, f"report of conference {pk}")
    return conference, sites


@login_required
def report(request, pk):
    conference, sites = _report_conference(request, pk)
    tables = exports.report_tables(conference, sites)
    records = (Attendance.objects.filter(session__conference=conference, site__in=sites)
               .select_related("member", "site", "session")
               .order_by("session__starts_at", "session_id", "site__path", "status", "member__sort_key")[:REPORT_ROWS])
    return render(request, "conferences/report.html", {"conference": conference, "tables": tables,
                                                        "records": records, "max_rows": REPORT_ROWS})


@login_required
def report_xlsx(request, pk):
    conference, sites = _report_conference(request, pk)
    data = exports.report_xlsx(conference, sites)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="conference-{conference.pk}-report.xlsx"'
    return response
