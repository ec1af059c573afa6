"""Pages of inspection and supervision: thin views over selectors and actions.

Every object is fetched through a scoped queryset (`access.get_in_scope_or_404`): out of scope answers 404
and is logged. Working notes are only ever read through `selectors.visible_notes` / `private_items`."""
import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error
from quantriet.core.text import nfc
from quantriet.plans.models import Report, ReportStatus
from quantriet.units.models import Unit

from . import actions, exports, selectors
from .forms import (
    MEMBER_FIELDS, ConclusionForm, DateForm, DueForm, ItemForm, NoteForm, ProgramEditForm, ProgramForm,
    RecommendationForm, RecommendationReportForm, ReviewForm, SelfReportForm,
)
from .models import Conclusion, Item, ItemStatus, Program, Recommendation
from .permissions import INSPECTING, SUBJECT, TEAM


def _denied(request, what: str):
    audit.record_denied(request, what)
    raise Http404


def _id(value: str):
    if not value or not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Http404
    return int(value)


def _program_or_404(request, pk) -> Program:
    return access.get_in_scope_or_404(request, selectors.visible_programs(request.user).select_related("unit"), pk=pk)


def _item_or_404(request, pk) -> Item:
    items = selectors.visible_items(request.user).select_related(
        "program", "program__unit", "subject_unit", "subject_member", "document", "plan", "team_head")
    return access.get_in_scope_or_404(request, items, pk=pk)


def _managed_item(request, pk, what: str) -> Item:
    item = _item_or_404(request, pk)
    if not selectors.can_manage(request.user, item):
        _denied(request, f"{what} oversight item {pk}")
    return item


def _conclusion_or_404(request, item: Item) -> Conclusion:
    conclusion = selectors.visible_conclusions(request.user).filter(item=item).first()
    if conclusion is None:
        if Conclusion.objects.filter(item=item).exists():
            audit.record_denied(request, f"conclusion of oversight item {item.pk}")
        raise Http404
    return conclusion


def _form_page(request, form, *, title, item=None, program=None, multipart=False):
    return render(request, "oversight/form.html", {"form": form, "title": title, "item": item,
                                                   "program": program or (item.program if item else None),
                                                   "multipart": multipart})


def _run(request, form, call, *, what):
    """Call an action with the form's data; on refusal 404, on validation errors attach them to the form."""
    try:
        return call(), True
    except ActionDenied:
        _denied(request, what)
    except ValidationError as error:
        apply_validation_error(form, error)
    return None, False


def _submit(request, form, call, *, what, success, then):
    """On a valid POST, run the action (`call`); on success flash `success` and answer `then` (a redirect).
    Otherwise None: the form carries the errors and the caller renders it again."""
    if request.method != "POST" or not form.is_valid():
        return None
    _result, ok = _run(request, form, call, what=what)
    if not ok:
        return None
    messages.success(request, success)
    return then


# --- programmes ------------------------------------------------------------------------------

@login_required
def program_list(request):
    programs = selectors.visible_programs(request.user).select_related("unit").order_by("-year", "unit__path", "body")
    return render(request, "oversight/program_list.html", {
        "programs": programs[:200], "can_create": selectors.can_create_any(request.user)})


@login_required
def program_create(request):
    if not selectors.can_create_any(request.user):
        _denied(request, "create oversight programme")
    form = ProgramForm(request.POST or None, units=selectors.manageable_units(request.user).filter(
        kind__is_cell=False).order_by("path"), initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        program, ok = _run(request, form, lambda: actions.create_program(acting_user=request.user,
                                                                         **form.cleaned_data),
                           what="create oversight programme")
        if ok:
            messages.success(request, _("Programme created."))
            return redirect("oversight:program-detail", pk=program.pk)
    return _form_page(request, form, title=_("New inspection and supervision programme"))


@login_required
def program_edit(request, pk):
    program = _program_or_404(request, pk)
    if not selectors.can_manage(request.user, program):
        _denied(request, f"edit oversight programme {pk}")
    form = ProgramEditForm(request.POST or None, initial={"title": program.title, "year": program.year,
                                                          "body": program.body})
    done = _submit(
        request, form, lambda: actions.update_program(program, acting_user=request.user, **form.cleaned_data),
        what=f"edit oversight programme {pk}", success=_("Programme saved."),
        then=redirect("oversight:program-detail", pk=program.pk))
    return done or _form_page(request, form, title=_("Edit the programme"), program=program)


def _items_of(request, program):
    items = list(selectors.visible_items(request.user, program.items.all()).select_related(
        "subject_unit", "subject_member", "team_head", "program", "program__unit").prefetch_related("team_members"))
    conclusions = {c.item_id: c for c in selectors.visible_conclusions(request.user).filter(item__in=items)}
    for item in items:
        item.visible_conclusion = conclusions.get(item.pk)
    return items


@login_required
def program_detail(request, pk):
    program = _program_or_404(request, pk)
    return render(request, "oversight/program_detail.html", {
        "program": program, "items": _items_of(request, program),
        "can_manage": selectors.can_manage(request.user, program)})


@login_required
def program_calendar(request, pk):
    program = _program_or_404(request, pk)
    items = _items_of(request, program)
    months = []
    for month in range(1, 13):
        first = datetime.date(program.year, month, 1)
        last = datetime.date(program.year, month, calendar.monthrange(program.year, month)[1])
        months.append({"month": month, "first": first,
                       "items": [i for i in items if i.starts_on <= last and i.ends_on >= first]})
    return render(request, "oversight/calendar.html", {"program": program, "months": months})


@login_required
def program_export(request, pk):
    program = _program_or_404(request, pk)
    response = HttpResponse(exports.program_xlsx(program, _items_of(request, program)), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="chuong-trinh-kiem-tra-giam-sat-{program.year}.xlsx"'
    return response


# --- items -----------------------------------------------------------------------------------

def _item_form(request, program: Program, item: Item | None = None) -> ItemForm:
    from quantriet.documents.selectors import visible_documents
    from quantriet.plans.selectors import visible_plans

    units = Unit.objects.filter(path__startswith=program.unit.path).exclude(pk=program.unit_id).filter(
        depth__lte=program.unit.depth + 2).select_related("kind").order_by("path")
    return ItemForm(request.POST or None, units=units,
                    documents=visible_documents(request.user).order_by("-issued_on"),
                    plans=visible_plans(request.user).filter(status__in=["issued", "amended", "closed"]).order_by(
                        "-issued_on"), members=access.visible_members(request.user), item=item)


def _item_form_page(request, form, *, title, program, item=None):
    return render(request, "oversight/item_form.html", {"form": form, "title": title, "program": program,
                                                        "item": item, "member_fields": MEMBER_FIELDS})


@login_required
def item_create(request, pk):
    program = _program_or_404(request, pk)
    if not selectors.can_manage(request.user, program):
        _denied(request, f"add item to oversight programme {pk}")
    form = _item_form(request, program)
    if request.method == "POST" and form.is_valid():
        item, ok = _run(request, form, lambda: actions.create_item(program, acting_user=request.user,
                                                                   **form.cleaned_data),
                        what=f"add item to oversight programme {pk}")
        if ok:
            messages.success(request, _("Item added to the programme."))
            return redirect("oversight:item-detail", pk=item.pk)
    return _item_form_page(request, form, title=_("New inspection or supervision"), program=program)


def _refuse_if_concluded(request, item: Item):
    """Issued conclusions and their items are immutable (closing aside): a clear message instead of a form."""
    if item.status in (ItemStatus.CONCLUDED, ItemStatus.CLOSED) or actions.has_issued_conclusion(item):
        messages.error(request, _("The conclusion of this item is issued: the item can no longer be changed."))
        return redirect("oversight:item-detail", pk=item.pk)
    return None


@login_required
def item_edit(request, pk):
    item = _managed_item(request, pk, "edit")
    refused = _refuse_if_concluded(request, item)
    if refused:
        return refused
    form = _item_form(request, item.program, item)
    done = _submit(
        request, form, lambda: actions.update_item(item, acting_user=request.user, **form.cleaned_data),
        what=f"edit oversight item {pk}", success=_("Item saved."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _item_form_page(request, form, title=_("Edit the inspection or supervision"),
                                   program=item.program, item=item)


@login_required
@require_POST
def item_delete(request, pk):
    item = _managed_item(request, pk, "delete")
    refused = _refuse_if_concluded(request, item)
    if refused:
        return refused
    try:
        program = actions.delete_item(item, acting_user=request.user)
    except ActionDenied:
        _denied(request, f"delete oversight item {pk}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("oversight:item-detail", pk=item.pk)
    messages.success(request, _("Item withdrawn from the programme."))
    return redirect("oversight:program-detail", pk=program.pk)


SEARCH_LIMIT = 20


@login_required
@require_GET
def member_search(request, pk):
    """HTMX partial for the item form: members of the inspecting unit's subtree whose name (accents ignored) or
    card number matches ?q=, to put their card number in the field ?field= of the form."""
    program = _program_or_404(request, pk)
    if not selectors.can_manage(request.user, program):
        _denied(request, f"search members for oversight programme {pk}")
    field = request.GET.get("field", "")
    if field not in MEMBER_FIELDS:
        field = "team_cards"
    query = nfc(request.GET.get("q", "")).strip()[:100]
    members = []
    if len(query) >= 2:
        members = list(selectors.team_candidates(request.user, program).search(query).select_related(
            "unit").order_by("sort_key", "pk")[:SEARCH_LIMIT + 1])
    return render(request, "oversight/_member_results.html", {
        "members": members[:SEARCH_LIMIT], "more": len(members) > SEARCH_LIMIT, "query": query, "field": field,
        "short": 0 < len(query) < 2})


@login_required
def item_detail(request, pk):
    item = _item_or_404(request, pk)
    relation = selectors.relation(request.user, item)
    private = relation in (INSPECTING, TEAM)
    can_manage = selectors.can_manage(request.user, item)
    conclusion = Conclusion.objects.filter(item=item).first()
    if conclusion is not None and not (private or conclusion.is_issued):
        conclusion = None
    recommendations = []
    if conclusion is not None:
        today = timezone.localdate()
        for recommendation in conclusion.recommendations.select_related("task", "conclusion"):
            reports = list(Report.objects.filter(task_id=recommendation.task_id).prefetch_related("files")
                           ) if recommendation.task_id else []
            recommendations.append({"recommendation": recommendation, "reports": reports,
                                    "can_report": selectors.can_report_on(request.user, recommendation),
                                    **selectors.age(recommendation, today)})
    return render(request, "oversight/item_detail.html", {
        "item": item, "program": item.program, "relation": relation, "private": private,
        "notes": selectors.visible_notes(request.user).filter(item=item).select_related("author") if private else [],
        "conclusion": conclusion, "recommendations": recommendations,
        "can_manage": can_manage,
        "can_edit": can_manage and item.status not in (ItemStatus.CONCLUDED, ItemStatus.CLOSED) and not (
            conclusion is not None and conclusion.is_issued),
        "can_delete": can_manage and item.status in (ItemStatus.PLANNED, ItemStatus.SELF_REPORT)
        and actions.can_delete_item(item),
        "awaiting_review": sum(1 for row in recommendations for rep in row["reports"]
                               if rep.status == ReportStatus.SUBMITTED),
        "can_add_note": selectors.can_add_note(request.user, item),
        "can_self_report": selectors.can_self_report(request.user, item),
        "show_self_report": relation in (INSPECTING, TEAM, SUBJECT),
        "team": list(item.team_members.all()), "ItemStatus": ItemStatus,
        "note_form": NoteForm() if selectors.can_add_note(request.user, item) else None,
    })


@login_required
def item_request_self_report(request, pk):
    item = _managed_item(request, pk, "request self-report of")
    form = DueForm(request.POST or None)
    done = _submit(
        request, form, lambda: actions.request_self_report(item, acting_user=request.user, **form.cleaned_data),
        what=f"request self-report {pk}", success=_("The subject is asked for its self-report."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _form_page(request, form, title=_("Ask for the self-report"), item=item)


@login_required
def item_self_report(request, pk):
    item = _item_or_404(request, pk)
    if not selectors.can_self_report(request.user, item):
        _denied(request, f"self-report of oversight item {pk}")
    form = SelfReportForm(request.POST or None, request.FILES or None)
    done = _submit(
        request, form, lambda: actions.submit_self_report(
            item, acting_user=request.user, text=form.cleaned_data["text"], file=form.cleaned_data["file"]),
        what=f"self-report of oversight item {pk}", success=_("Self-report submitted."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _form_page(request, form, title=_("Self-report"), item=item, multipart=True)


@login_required
def item_self_report_download(request, pk):
    item = _item_or_404(request, pk)
    if not item.self_report_file:
        raise Http404
    try:
        handle = item.self_report_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404
    response = FileResponse(handle, as_attachment=True, filename=item.self_report_name,
                            content_type=item.self_report_content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def note_create(request, pk):
    item = access.get_in_scope_or_404(request, selectors.private_items(request.user).select_related(
        "program", "program__unit"), pk=pk)
    if not selectors.can_add_note(request.user, item):
        _denied(request, f"note on oversight item {pk}")
    form = NoteForm(request.POST)
    done = _submit(
        request, form, lambda: actions.add_note(item, acting_user=request.user, **form.cleaned_data),
        what=f"note on oversight item {pk}", success=_("Note saved."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _form_page(request, form, title=_("Working note"), item=item)


@login_required
def item_close(request, pk):
    item = _managed_item(request, pk, "close")
    form = DateForm(request.POST or None, field_name="closed_on", label=_("Date closed"),
                    initial={"closed_on": timezone.localdate()})
    done = _submit(
        request, form, lambda: actions.close_item(item, acting_user=request.user, **form.cleaned_data),
        what=f"close oversight item {pk}", success=_("Item closed."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _form_page(request, form, title=_("Close the item"), item=item)


# --- conclusions -----------------------------------------------------------------------------

@login_required
def conclusion_detail(request, pk):
    item = _item_or_404(request, pk)
    conclusion = _conclusion_or_404(request, item)
    return render(request, "oversight/conclusion.html", {
        "item": item, "program": item.program, "conclusion": conclusion, "figures": conclusion.snapshot or {},
        "recommendations": list(conclusion.recommendations.all()),
        "can_manage": selectors.can_manage(request.user, item)})


@login_required
def conclusion_edit(request, pk):
    item = _managed_item(request, pk, "edit conclusion of")
    conclusion = Conclusion.objects.filter(item=item).first()
    if conclusion is not None and conclusion.is_issued:
        messages.error(request, _("The conclusion is issued: it can no longer be changed."))
        return redirect("oversight:conclusion", pk=item.pk)
    initial = {name: getattr(conclusion, name) for name in actions.CONCLUSION_EDITABLE} if conclusion else {}
    form = ConclusionForm(request.POST or None, initial=initial)
    done = _submit(
        request, form, lambda: actions.save_conclusion(item, acting_user=request.user, **form.cleaned_data),
        what=f"edit conclusion {pk}", success=_("Draft conclusion saved."),
        then=redirect("oversight:conclusion", pk=item.pk))
    return done or _form_page(request, form, title=_("Draft conclusion"), item=item)


@login_required
def conclusion_issue(request, pk):
    item = _managed_item(request, pk, "issue conclusion of")
    form = DateForm(request.POST or None, field_name="issued_on", label=_("Date issued"),
                    initial={"issued_on": timezone.localdate()})
    done = _submit(
        request, form, lambda: actions.issue_conclusion(item, acting_user=request.user, **form.cleaned_data),
        what=f"issue conclusion {pk}", success=_("Conclusion issued; its recommendations are followed as tasks."),
        then=redirect("oversight:conclusion", pk=item.pk))
    return done or _form_page(request, form, title=_("Issue the conclusion (a number is assigned)"), item=item)


@login_required
def conclusion_docx(request, pk):
    item = _item_or_404(request, pk)
    conclusion = _conclusion_or_404(request, item)
    response = HttpResponse(exports.conclusion_docx(conclusion), content_type=exports.DOCX)
    stem = exports.file_stem(conclusion.canonical_number, f"du-thao-ket-luan-{item.pk}")
    response["Content-Disposition"] = f'attachment; filename="{stem}.docx"'
    return response


@login_required
def recommendation_create(request, pk):
    item = _managed_item(request, pk, "add recommendation to")
    form = RecommendationForm(request.POST or None)
    done = _submit(
        request, form, lambda: actions.add_recommendation(item, acting_user=request.user, **form.cleaned_data),
        what=f"add recommendation {pk}", success=_("Recommendation added."),
        then=redirect("oversight:conclusion", pk=item.pk))
    return done or _form_page(request, form, title=_("New recommendation"), item=item)


# --- recommendations -------------------------------------------------------------------------

def _recommendation_or_404(request, pk) -> Recommendation:
    return access.get_in_scope_or_404(request, selectors.visible_recommendations(request.user).filter(
        conclusion__issued_on__isnull=False).select_related(
        "conclusion", "conclusion__item", "conclusion__item__program__unit", "task", "task__lead_unit"), pk=pk)


@login_required
def recommendation_report(request, pk):
    recommendation = _recommendation_or_404(request, pk)
    if not selectors.can_report_on(request.user, recommendation):
        _denied(request, f"report on recommendation {pk}")
    form = RecommendationReportForm(request.POST or None, request.FILES or None,
                                    initial={"as_of": timezone.localdate()})
    item = recommendation.conclusion.item
    done = _submit(
        request, form, lambda: actions.report_on_recommendation(
            recommendation, acting_user=request.user, **form.cleaned_data),
        what=f"report on recommendation {pk}", success=_("Report submitted; the inspecting body will review it."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _form_page(request, form, title=_("Report on the recommendation"), item=item, multipart=True)


@login_required
def recommendation_review(request, pk):
    """Review a report (by its id) on a recommendation's task."""
    visible = selectors.visible_recommendations(request.user).filter(task__isnull=False)
    report = access.get_in_scope_or_404(request, Report.objects.filter(
        task__in=visible.values("task_id")).select_related("task"), pk=pk)
    recommendation = Recommendation.objects.select_related("conclusion__item__program__unit").get(task=report.task)
    item = recommendation.conclusion.item
    if not selectors.can_manage(request.user, item):
        _denied(request, f"review report {pk}")
    form = ReviewForm(request.POST or None)
    done = _submit(
        request, form, lambda: actions.review_recommendation_report(
            report, acting_user=request.user, accept=form.cleaned_data["decision"] == "accept",
            note=form.cleaned_data["note"]),
        what=f"review report {pk}", success=_("Report reviewed."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or render(request, "oversight/review.html", {
        "form": form, "report": report, "item": item, "program": item.program, "recommendation": recommendation,
        "pending": report.status == ReportStatus.SUBMITTED})


@login_required
def recommendation_close(request, pk):
    recommendation = _recommendation_or_404(request, pk)
    item = recommendation.conclusion.item
    if not selectors.can_manage(request.user, item):
        _denied(request, f"close recommendation {pk}")
    form = DateForm(request.POST or None, field_name="closed_on", label=_("Date closed"),
                    initial={"closed_on": timezone.localdate()})
    done = _submit(
        request, form, lambda: actions.close_recommendation(
            recommendation, acting_user=request.user, **form.cleaned_data),
        what=f"close recommendation {pk}", success=_("Recommendation closed."),
        then=redirect("oversight:item-detail", pk=item.pk))
    return done or _form_page(request, form, title=_("Close the recommendation"), item=item)


def _open_rows(request):
    unit = None
    if request.GET.get("unit"):
        unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=_id(request.GET["unit"]))
    today = timezone.localdate()
    recommendations = list(selectors.open_recommendations(request.user, unit)[:1000])
    pending: dict = {}
    for report in Report.objects.filter(task_id__in=[r.task_id for r in recommendations if r.task_id],
                                        status=ReportStatus.SUBMITTED).order_by("as_of", "pk"):
        pending.setdefault(report.task_id, []).append(report)
    managed: dict = {}
    rows = []
    for r in recommendations:
        program_unit = r.conclusion.item.program.unit
        if program_unit.pk not in managed:
            managed[program_unit.pk] = selectors.can_manage_unit(request.user, program_unit)
        rows.append({"recommendation": r, "pending": pending.get(r.task_id, []), "can_review": managed[program_unit.pk],
                     **selectors.age(r, today)})
    return unit, rows


@login_required
def recommendations(request):
    unit, rows = _open_rows(request)
    return render(request, "oversight/recommendations.html", {"rows": rows, "unit": unit})


@login_required
def recommendations_export(request):
    _unit, rows = _open_rows(request)
    response = HttpResponse(exports.recommendations_xlsx(rows), content_type=exports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="kien-nghi-chua-hoan-thanh.xlsx"'
    return response


@login_required
def unit_history(request, pk):
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=pk)
    items = list(selectors.unit_history(request.user, unit))
    conclusions = {c.item_id: c for c in selectors.visible_conclusions(request.user).filter(item__in=items)}
    for item in items:
        item.visible_conclusion = conclusions.get(item.pk)
    return render(request, "oversight/unit_history.html", {"unit": unit, "items": items})
