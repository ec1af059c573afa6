"""Study pages: thin views over the selectors and actions. Out of scope answers 404."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error
from quantriet.units.models import Unit

from . import actions, exports, selectors
from .forms import CampaignForm, GradeForm, LinkSessionForm, QuestionForm, ReasonForm, ReflectionForm, WritingExemptionForm
from .models import FLAGS, Campaign, CampaignSession, Option, Question, QuizAttempt, StudyRecord

PAGE_SIZE = 50
FLAG_LABELS = {
    "targeted": gettext_lazy("Targeted"), "attended": gettext_lazy("Attended"),
    "submitted": gettext_lazy("Reflection submitted"), "passed": gettext_lazy("Reflection passed"),
    "quiz_passed": gettext_lazy("Quiz passed"), "completed": gettext_lazy("Completed"),
}


def _denied(request, what: str):
    audit.record_denied(request, what)
    raise Http404


def _campaign_or_404(request, pk) -> Campaign:
    return access.get_in_scope_or_404(request, selectors.visible_campaigns(request.user).select_related("unit"), pk=pk)


def _record_or_404(request, pk) -> StudyRecord:
    qs = selectors.visible_records(request.user).select_related("campaign__unit", "unit", "member")
    return access.get_in_scope_or_404(request, qs, pk=pk)


def _unit_for_coverage(request, campaign: Campaign, unit_pk) -> Unit:
    """A unit of the campaign's subtree (as counted) that the user may view."""
    unit = Unit.objects.filter(pk=unit_pk).first()
    if unit is None:
        raise Http404
    in_campaign = unit.path.startswith(campaign.unit.path) and campaign.counters.filter(unit=unit).exists()
    if not in_campaign or not selectors.can_view_unit(request.user, unit):
        _denied(request, f"study coverage {campaign.pk} unit {unit_pk}")
    return unit


def _default_unit(user, campaign: Campaign) -> Unit | None:
    """The highest unit of the campaign the user may view: the campaign's unit, or their scope inside it."""
    if selectors.can_view_unit(user, campaign.unit):
        return campaign.unit
    scope = access.scope_paths(user, access.VIEW) or []
    for path in scope:
        if path.startswith(campaign.unit.path):
            unit = Unit.objects.filter(path=path).first()
            if unit and campaign.counters.filter(unit=unit).exists():
                return unit
    return None


# -- campaigns -------------------------------------------------------------------------------------

@login_required
def campaign_list(request):
    campaigns = selectors.visible_campaigns(request.user).select_related("unit").order_by("-starts_on", "-id")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "study/list.html", {
        "page": page, "can_create": access.has_any(request.user, actions.MANAGE),
        "today": timezone.localdate(),
    })


def _manageable_units(user):
    return Unit.objects.valid_on().under_paths(access.scope_paths(user, actions.MANAGE)).order_by("path")


@login_required
def campaign_create(request):
    if not access.has_any(request.user, actions.MANAGE):
        _denied(request, "study campaign create")
    units = _manageable_units(request.user)
    form = CampaignForm(request.POST or None, user=request.user, units=units)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            campaign = actions.create_campaign(acting_user=request.user, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        except ActionDenied:
            _denied(request, "study campaign create")
        else:
            messages.success(request, _("The campaign was created as a draft; open it to target the members."))
            return redirect("study:detail", pk=campaign.pk)
    return render(request, "study/form.html", {"form": form})


@login_required
def campaign_detail(request, pk):
    campaign = _campaign_or_404(request, pk)
    user = request.user
    links = CampaignSession.objects.filter(campaign=campaign).select_related("conference", "unit")
    own = access.own_member(user)
    my_record = StudyRecord.objects.filter(campaign=campaign, member=own).first() if own else None
    conferences = _linkable_conferences(user, campaign)
    context = {
        "campaign": campaign, "links": links, "my_record": my_record,
        "can_manage": actions.can_manage(user, campaign),
        "link_form": LinkSessionForm(conferences=conferences) if conferences.exists() else None,
        "coverage_unit": _default_unit(user, campaign),
        "question_count": actions.question_pool(campaign).count(),
        "can_edit_questions": any(actions.can_edit_questions(user, d) for d in campaign.documents.all()),
    }
    return render(request, "study/detail.html", context)


def _linkable_conferences(user, campaign):
    from quantriet.conferences.models import Conference

    scope = access.scope_paths(user, actions.GRADE)
    qs = Conference.objects.filter(organizer__path__startswith=campaign.unit.path).exclude(
        study_links__campaign=campaign)
    if scope is not None:
        qs = qs.filter(pk__in=Conference.objects.filter(
            organizer__in=Unit.objects.under_paths(scope)).values("pk"))
    return qs.order_by("-created_at")


def _post_action(request, pk, run, success):
    campaign = _campaign_or_404(request, pk)
    try:
        run(campaign)
    except ActionDenied:
        _denied(request, f"study campaign {pk}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("study:detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_open(request, pk):
    return _post_action(request, pk, lambda c: actions.open_campaign(c, acting_user=request.user),
                        _("The campaign is open: every targeted member has a study record."))


@login_required
@require_POST
def campaign_archive(request, pk):
    return _post_action(request, pk, lambda c: actions.archive_campaign(c, acting_user=request.user),
                        _("The campaign was archived."))


@login_required
@require_POST
def campaign_refresh(request, pk):
    return _post_action(request, pk, lambda c: actions.refresh_targets(c, acting_user=request.user),
                        _("The targets were refreshed."))


@login_required
@require_POST
def campaign_link(request, pk):
    campaign = _campaign_or_404(request, pk)
    linkable = _linkable_conferences(request.user, campaign)
    if not access.has_any(request.user, actions.GRADE) or not linkable.exists():
        _denied(request, f"study campaign {pk} link")
    form = LinkSessionForm(request.POST, conferences=linkable)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("study:detail", pk=campaign.pk)
    try:
        actions.link_session(campaign, conference=form.cleaned_data["conference"], makeup=form.cleaned_data["makeup"],
                             acting_user=request.user)
    except ActionDenied:
        _denied(request, f"study campaign {pk} link")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The meeting was linked; its attendance now counts for the campaign."))
    return redirect("study:detail", pk=campaign.pk)


@login_required
def question_add(request, pk):
    campaign = _campaign_or_404(request, pk)
    documents = campaign.documents.all()
    allowed = [d.pk for d in documents if actions.can_edit_questions(request.user, d)]
    if not allowed:
        _denied(request, f"study campaign {pk} questions")
    form = QuestionForm(request.POST or None, documents=documents.filter(pk__in=allowed))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_question(data["document"], text=data["text"], kind=data["kind"], options=data["options"],
                                 explanation=data["explanation"], acting_user=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        except ActionDenied:
            _denied(request, f"study campaign {pk} questions")
        else:
            messages.success(request, _("The question was added."))
            return redirect("study:question_add", pk=campaign.pk)
    questions = Question.objects.filter(document__in=documents).prefetch_related("options").select_related("document")
    return render(request, "study/questions.html", {"campaign": campaign, "form": form, "questions": questions})


# -- the member's own study ---------------------------------------------------------------------------

@login_required
def my_study(request):
    member = access.own_member(request.user)
    records = []
    if member is not None:
        records = list(StudyRecord.objects.filter(member=member).select_related("campaign", "unit")
                       .order_by("-campaign__starts_on"))
    return render(request, "study/mine.html", {"records": records, "member": member})


def _documents_read(record) -> list[tuple]:
    from quantriet.documents.models import ReadReceipt

    user_id = record.member.user_id
    read = set(ReadReceipt.objects.filter(user_id=user_id, document__in=record.campaign.documents.all())
               .values_list("document_id", flat=True)) if user_id else set()
    return [(d, d.pk in read) for d in record.campaign.documents.all()]


@login_required
def record_detail(request, pk):
    record = _record_or_404(request, pk)
    user = request.user
    own = access.own_member(user)
    is_mine = own is not None and own.pk == record.member_id
    campaign = record.campaign
    context = {
        "record": record, "campaign": campaign, "is_mine": is_mine, "documents": _documents_read(record),
        "can_grade": actions.can_grade(user, record),
        "attempts": record.attempts.order_by("started_at"),
        "question_count": actions.question_pool(campaign).count(),
    }
    if is_mine and record.reflection_status in ("none", "returned", "failed") and campaign.is_live:
        context["reflection_form"] = ReflectionForm(initial={"reflection_text": record.reflection_text,
                                                             "plan_text": record.plan_text})
    if context["can_grade"] and campaign.is_live:
        context["grade_form"] = GradeForm()
        context["writing_form"] = WritingExemptionForm(initial={"exempt": record.writing_exempt,
                                                                "reason": record.writing_exempt_reason})
        context["exempt_form"] = ReasonForm()
    return render(request, "study/record.html", context)


@login_required
@require_POST
def record_submit(request, pk):
    record = _record_or_404(request, pk)
    form = ReflectionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.submit_reflection(record, reflection_text=form.cleaned_data["reflection_text"],
                                      plan_text=form.cleaned_data["plan_text"], upload=form.cleaned_data["file"],
                                      acting_user=request.user)
        except ActionDenied:
            _denied(request, f"study record {pk} submit")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your reflection was submitted."))
            return redirect("study:record", pk=record.pk)
    return render(request, "study/record.html", {
        "record": record, "campaign": record.campaign, "is_mine": True, "reflection_form": form,
        "documents": _documents_read(record), "attempts": record.attempts.all(),
        "question_count": actions.question_pool(record.campaign).count(),
    }, status=400)


@login_required
@require_POST
def record_grade(request, pk):
    record = _record_or_404(request, pk)
    form = GradeForm(request.POST)
    if not actions.can_grade(request.user, record):
        _denied(request, f"study record {pk} grade")
    if form.is_valid():
        try:
            actions.grade(record, result=form.cleaned_data["result"], comment=form.cleaned_data["comment"],
                          acting_user=request.user)
        except ActionDenied:
            _denied(request, f"study record {pk} grade")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The reflection was graded."))
            nxt = request.POST.get("next", "")
            return redirect("study:grading" if nxt == "queue" else "study:record", **({} if nxt == "queue" else {"pk": pk}))
    return render(request, "study/record.html", {
        "record": record, "campaign": record.campaign, "is_mine": False, "can_grade": True, "grade_form": form,
        "documents": _documents_read(record), "attempts": record.attempts.all(),
    }, status=400)


def _record_post(request, pk, form_class, run, success):
    record = _record_or_404(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("study:record", pk=pk)
    try:
        run(record, form.cleaned_data)
    except ActionDenied:
        _denied(request, f"study record {pk}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("study:record", pk=pk)


@login_required
@require_POST
def record_writing_exemption(request, pk):
    return _record_post(request, pk, WritingExemptionForm, lambda r, d: actions.set_writing_exemption(
        r, exempt=d["exempt"], reason=d["reason"], acting_user=request.user), _("Saved."))


@login_required
@require_POST
def record_exempt(request, pk):
    return _record_post(request, pk, ReasonForm, lambda r, d: actions.exempt_from_campaign(
        r, reason=d["reason"], acting_user=request.user), _("The member is exempted from this campaign."))


@login_required
def record_file(request, pk):
    """The reflection file: to the member, the grader's scope and above (the record's visibility)."""
    record = _record_or_404(request, pk)
    if not record.reflection_file:
        raise Http404
    try:
        handle = record.reflection_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(handle, as_attachment=True, filename=record.reflection_file_name or "bai-thu-hoach",
                            content_type=record.reflection_file_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def grading_queue(request):
    if not access.has_any(request.user, actions.GRADE):
        _denied(request, "study grading")
    records = selectors.grading_queue(request.user)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "study/grading.html", {"page": page, "form": GradeForm()})


# -- quiz --------------------------------------------------------------------------------------------------

@login_required
@require_POST
def quiz_start(request, pk):
    record = _record_or_404(request, pk)
    try:
        attempt = actions.start_quiz(record, acting_user=request.user)
    except ActionDenied:
        _denied(request, f"study record {pk} quiz")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("study:record", pk=pk)
    return redirect("study:quiz", pk=attempt.pk)


def _attempt_or_404(request, pk) -> QuizAttempt:
    own = access.own_member(request.user)
    qs = QuizAttempt.objects.filter(record__member=own) if own else QuizAttempt.objects.none()
    return access.get_in_scope_or_404(request, qs.select_related("record__campaign", "record__unit"), pk=pk)


@login_required
def quiz(request, pk):
    attempt = _attempt_or_404(request, pk)
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.drawn).prefetch_related("options")}
    ordered = [questions[q] for q in attempt.drawn if q in questions]
    error = ""
    if request.method == "POST" and attempt.submitted_at is None:
        answers = {str(q.pk): request.POST.getlist(f"q{q.pk}") for q in ordered}
        extra = [k for k in request.POST if k.startswith("q") and k[1:] not in answers]
        if extra:  # a question id that was not drawn: tampered form
            answers.update({k[1:]: request.POST.getlist(k) for k in extra})
        try:
            actions.submit_quiz(attempt, answers=answers, acting_user=request.user)
        except ActionDenied:
            _denied(request, f"quiz attempt {pk}")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("study:quiz", pk=attempt.pk)
    chosen = {int(q): set(o) for q, o in (attempt.answers or {}).items()}
    return render(request, "study/quiz.html", {
        "attempt": attempt, "questions": ordered, "chosen": chosen, "error": error,
        "correct": set(Option.objects.filter(question_id__in=attempt.drawn, correct=True).values_list("pk", flat=True))
        if attempt.submitted_at else set(),
    }, status=400 if error else 200)


# -- coverage ---------------------------------------------------------------------------------------------

@login_required
def coverage_home(request, pk):
    campaign = _campaign_or_404(request, pk)
    unit = _default_unit(request.user, campaign)
    if unit is None:
        _denied(request, f"study coverage {pk}")
    return redirect("study:coverage", pk=campaign.pk, unit_pk=unit.pk)


@login_required
def coverage(request, pk, unit_pk):
    campaign = _campaign_or_404(request, pk)
    unit = _unit_for_coverage(request, campaign, unit_pk)
    total, own, children = selectors.coverage(campaign, unit)
    breadcrumbs = [u for u in unit.ancestors() if u.path.startswith(campaign.unit.path)
                   and selectors.can_view_unit(request.user, u)]
    context = {"campaign": campaign, "unit": unit, "total": total, "own": own, "children": children,
               "flags": [(n, FLAG_LABELS[n]) for n in FLAGS], "breadcrumbs": breadcrumbs,
               "progress": selectors.progress(campaign, unit), "chart_height": 40 + 24 * len(children),
               "children_chart": {"labels": [c.unit.name for c in children], "datasets": [
                   {"label": f"{FLAG_LABELS['attended']} %", "data": [c.pct("attended") for c in children]},
                   {"label": f"{FLAG_LABELS['completed']} %", "data": [c.pct("completed") for c in children]}]}}
    if request.headers.get("HX-Request"):
        return render(request, "study/_coverage_table.html", context)
    return render(request, "study/coverage.html", context)


@login_required
def coverage_members(request, pk, unit_pk):
    campaign = _campaign_or_404(request, pk)
    unit = _unit_for_coverage(request, campaign, unit_pk)
    flag = request.GET.get("flag", "completed")
    if flag not in FLAGS:
        flag = "completed"
    missing = request.GET.get("have") != "1"
    records = selectors.members_behind(campaign, unit, flag, missing=missing)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "study/members.html", {"campaign": campaign, "unit": unit, "page": page, "flag": flag,
                                                  "flag_label": FLAG_LABELS[flag], "missing": missing,
                                                  "flags": [(n, FLAG_LABELS[n]) for n in FLAGS]})


@login_required
def coverage_xlsx(request, pk, unit_pk):
    campaign = _campaign_or_404(request, pk)
    unit = _unit_for_coverage(request, campaign, unit_pk)
    response = HttpResponse(exports.coverage_xlsx(campaign, unit),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(campaign, unit, "xlsx")}"'
    return response


@login_required
def coverage_report(request, pk, unit_pk):
    campaign = _campaign_or_404(request, pk)
    unit = _unit_for_coverage(request, campaign, unit_pk)
    place = (request.GET.get("place") or "")[:60]
    response = HttpResponse(exports.report_docx(campaign, unit, place=place),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(campaign, unit, "docx")}"'
    return response
