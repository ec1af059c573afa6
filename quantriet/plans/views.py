"""Plan pages: thin views over selectors, the roll-up and actions."""
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
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

from . import actions, exports, gantt, rollup, selectors
from .forms import (
    AmendForm, AssignmentForm, DateForm, FileForm, IndicatorForm, MilestoneForm, MoveForm, PlanFilterForm, PlanForm,
    ReportForm, ReviewForm, TaskForm,
)
from .models import EvidenceFile, Indicator, Milestone, Notification, Plan, PlanStatus, Report, ReportStatus, Task

PAGE_SIZE = 30

#: How each audited action reads in the history of a plan.
ACTION_LABELS = {
    "plan.create": gettext_lazy("plan created"), "plan.update": gettext_lazy("plan changed"),
    "plan.issue": gettext_lazy("plan issued"), "plan.amend": gettext_lazy("plan amended"),
    "plan.close": gettext_lazy("plan closed"), "plan.signed_document": gettext_lazy("signed document attached"),
    "plan.task.create": gettext_lazy("task created"), "plan.task.update": gettext_lazy("task changed"),
    "plan.task.move": gettext_lazy("task moved"), "plan.task.delete": gettext_lazy("task deleted"),
    "plan.task.assign": gettext_lazy("task assigned to a unit"),
    "plan.task.unassign": gettext_lazy("assignment removed"),
    "plan.task.milestone.add": gettext_lazy("milestone added"),
    "plan.task.milestone.remove": gettext_lazy("milestone removed"),
    "plan.task.indicator.add": gettext_lazy("indicator added"),
    "plan.task.indicator.remove": gettext_lazy("indicator removed"),
    "plan.report.submit": gettext_lazy("progress reported"), "plan.report.accept": gettext_lazy("report accepted"),
    "plan.report.return": gettext_lazy("report returned"),
}


def _denied(request, what: str):
    audit.record_denied(request, what)
    raise Http404


def _plan_or_404(request, pk) -> Plan:
    plans = selectors.visible_plans(request.user).select_related("unit", "unit__kind", "assignment__task__plan")
    return access.get_in_scope_or_404(request, plans, pk=pk)


def _task_or_404(request, pk) -> Task:
    tasks = selectors.visible_tasks(request.user).select_related("plan", "plan__unit", "lead_unit", "responsible",
                                                                  "parent")
    return access.get_in_scope_or_404(request, tasks, pk=pk)


def _plan_day(plan: Plan) -> datetime.date:
    return plan.issued_on or timezone.localdate()


def _task_units(plan: Plan):
    """Units a task of the plan can be led by: the issuing unit and two levels below, as they stood then."""
    return Unit.objects.valid_on(_plan_day(plan)).filter(
        path__startswith=plan.unit.path, depth__lte=plan.unit.depth + 2
    ).select_related("kind").order_by("path")


def _assignable_units(plan: Plan):
    return _task_units(plan).exclude(pk=plan.unit_id)


# --- lists -----------------------------------------------------------------------------------

@login_required
def plan_list(request):
    form = PlanFilterForm(request.GET or None)
    plans = selectors.visible_plans(request.user).select_related("unit")
    if request.GET:
        if form.is_valid():
            data = form.cleaned_data
            if data.get("status"):
                plans = plans.filter(status=data["status"])
            if data.get("year"):
                plans = plans.filter(issued_on__year=data["year"])
            if data.get("q"):
                plans = plans.filter(Q(title__icontains=data["q"]) | Q(canonical_number__icontains=data["q"]))
        else:
            plans = plans.none()
    page = Paginator(plans.order_by("-issued_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "plans/list.html", {
        "form": form, "page": page, "query": query.urlencode(), "can_create": selectors.can_create_any(request.user),
    })


@login_required
def my_assignments(request):
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id:
        if not (unit_id.isascii() and unit_id.isdigit()) or len(unit_id) > 18:
            raise Http404
        unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=int(unit_id))
    tasks = list(selectors.my_tasks(request.user, unit).select_related("plan", "lead_unit").order_by("deadline", "pk")[:300])
    data = rollup.for_tasks(tasks)
    rows = [{"task": data.tasks[t.pk], "state": data.states[t.pk], "can_report": selectors.can_report(request.user, t)}
            for t in tasks]
    owed = list(selectors.my_assignments(request.user)[:200])
    return render(request, "plans/my.html", {"rows": rows, "owed": owed, "unit": unit, "today": data.today})


@login_required
def warnings(request):
    unit_id = request.GET.get("unit", "")
    if unit_id:
        if not (unit_id.isascii() and unit_id.isdigit()) or len(unit_id) > 18:
            raise Http404
        unit = access.get_in_scope_or_404(request, access.visible_units(request.user).filter(
            pk__in=Unit.objects.under_paths(access.scope_paths(request.user, access.VIEW))), pk=int(unit_id))
    else:
        scope = access.scope_paths(request.user, access.VIEW)
        if scope is None:
            unit = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        elif scope:
            unit = Unit.objects.filter(path=scope[0]).first()
        else:
            unit = None
    found = []
    if unit is not None:
        found, _data = selectors.warnings_for_unit(unit)
    scope_units = access.visible_units(request.user).filter(
        pk__in=Unit.objects.under_paths(access.scope_paths(request.user, access.VIEW))
    ).valid_on().filter(kind__is_cell=False).order_by("path")[:300]
    return render(request, "plans/warnings.html", {"unit": unit, "warnings": found, "units": scope_units})


@login_required
def notifications(request):
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "plans/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request):
    actions.mark_notifications_read(acting_user=request.user)
    return redirect("plans:notifications")


# --- plans -----------------------------------------------------------------------------------

def _plan_form(request, plan=None):
    from quantriet.documents.selectors import visible_documents

    initial = {}
    assignment_id = request.GET.get("assignment", "")
    open_assignments = selectors.open_assignments_for(request.user)
    if plan is None and assignment_id.isascii() and assignment_id.isdigit() and len(assignment_id) <= 18:
        chosen = open_assignments.filter(pk=int(assignment_id)).first()
        if chosen is not None:
            initial = {"assignment": chosen.pk, "unit": chosen.unit_id,
                       "title": _("Plan implementing %(task)s") % {"task": chosen.task.title}[:400]}
    kwargs = {"initial": initial} if initial else {}
    return PlanForm(request.POST or None, plan=plan, units=selectors.manageable_units(request.user),
                    assignments=open_assignments, documents=visible_documents(request.user).order_by("-issued_on"),
                    **kwargs)


@login_required
def plan_create(request):
    if not selectors.can_create_any(request.user):
        _denied(request, "create plan")
    form = _plan_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            plan = actions.create_plan(acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, "create plan")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Plan saved as a draft."))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": None})


@login_required
def plan_detail(request, pk):
    plan = _plan_or_404(request, pk)
    data = rollup.for_plan(plan)
    roots = data.plan_roots.get(plan.pk, [])
    parent_state = None
    if plan.assignment_id:
        parent_state = rollup.child_plan_status(plan.assignment, plan, data.today)
    return render(request, "plans/detail.html", {
        "plan": plan, "rows": data.tree(roots), "progress": data.plan_progress(plan.pk),
        "done_on": data.plan_done_on(plan.pk), "today": data.today,
        "can_manage": selectors.can_manage(request.user, plan),
        "documents": plan.documents.all(), "parent_state": parent_state,
        "parent_visible": plan.assignment_id and selectors.can_view_plan(request.user, plan.assignment.task.plan),
        "status_labels": rollup.TaskStatus.LABELS,
    })


def _managed_plan(request, pk, what: str) -> Plan:
    plan = _plan_or_404(request, pk)
    if not selectors.can_manage(request.user, plan):
        _denied(request, f"{what} plan {pk}")
    return plan


@login_required
def plan_edit(request, pk):
    plan = _managed_plan(request, pk, "edit")
    form = _plan_form(request, plan)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_plan(plan, acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, f"edit plan {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": plan})


def _dated_action(request, pk, *, what, field, label, action, title, template="plans/confirm.html", form_class=None):
    plan = _managed_plan(request, pk, what)
    if form_class is not None:
        form = form_class(request.POST or None, initial={field: timezone.localdate()})
    else:
        form = DateForm(request.POST or None, field_name=field, label=label, initial={field: timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            action(plan, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            _denied(request, f"{what} plan {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Done."))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, template, {"form": form, "plan": plan, "title": title})


@login_required
def plan_issue(request, pk):
    return _dated_action(request, pk, what="issue", field="issued_on", label=_("Date issued"),
                         action=actions.issue_plan, title=_("Issue the plan (a number is assigned)"))


@login_required
def plan_amend(request, pk):
    return _dated_action(request, pk, what="amend", field="amended_on", label=_("Date amended"),
                         action=actions.amend_plan, title=_("Amend the plan"), form_class=AmendForm)


@login_required
def plan_close(request, pk):
    return _dated_action(request, pk, what="close", field="closed_on", label=_("Date closed"),
                         action=actions.close_plan, title=_("Close the plan"))


@login_required
def plan_signed(request, pk):
    plan = _managed_plan(request, pk, "attach signed document to")
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.attach_signed_document(plan, form.cleaned_data["file"], acting_user=request.user)
        except ActionDenied:
            _denied(request, f"attach to plan {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Signed document attached."))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/upload.html", {"form": form, "plan": plan, "title": _("Signed document")})


def _file_response(field_file, name: str, content_type: str):
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def plan_signed_download(request, pk):
    plan = _plan_or_404(request, pk)
    if not plan.signed_file:
        raise Http404
    return _file_response(plan.signed_file, plan.signed_name, plan.signed_content_type)


@login_required
def plan_gantt(request, pk):
    plan = _plan_or_404(request, pk)
    data = rollup.for_plan(plan)
    rows = data.tree(data.plan_roots.get(plan.pk, []))
    milestones = {}
    for milestone in Milestone.objects.filter(task__plan=plan):
        milestones.setdefault(milestone.task_id, []).append(milestone)
    return render(request, "plans/gantt.html", {
        "plan": plan, "chart": gantt.render(rows, milestones, data.today), "rows": rows,
    })


@login_required
def plan_history(request, pk):
    plan = _plan_or_404(request, pk)
    entries = list(selectors.plan_history(plan)[:500])
    for entry in entries:
        entry.label = ACTION_LABELS.get(entry.action, entry.action)
    return render(request, "plans/history.html", {"plan": plan, "entries": entries})


@login_required
def plan_export_xlsx(request, pk):
    plan = _plan_or_404(request, pk)
    content = exports.plan_xlsx(plan, rollup.for_plan(plan))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{exports.file_stem(plan)}.xlsx"'
    return response


@login_required
def plan_report_docx(request, pk):
    plan = _plan_or_404(request, pk)
    content = exports.progress_report_docx(plan, rollup.for_plan(plan))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{exports.file_stem(plan)}.docx"'
    return response


# --- tasks -----------------------------------------------------------------------------------

@login_required
def task_create(request, pk):
    plan = _managed_plan(request, pk, "add task to")
    initial = {"start_on": plan.issued_on or timezone.localdate(), "weight": 1}
    parent_id = request.GET.get("parent", "")
    if parent_id.isascii() and parent_id.isdigit() and len(parent_id) <= 18:
        initial["parent"] = int(parent_id)
    form = TaskForm(request.POST or None, plan=plan, units=_task_units(plan),
                    tasks=plan.tasks.order_by("path"), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = actions.create_task(plan, acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, f"add task to plan {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Task added."))
            return redirect("plans:task-detail", pk=task.pk)
    return render(request, "plans/task_form.html", {"form": form, "plan": plan, "task": None})


@login_required
def task_detail(request, pk):
    task = _task_or_404(request, pk)
    data = rollup.for_tasks([task])
    can_manage = selectors.can_manage(request.user, task.plan)
    reports = list(task.reports.select_related("submitted_by", "reviewed_by").prefetch_related("files", "values__indicator"))
    indicators = list(task.indicators.all())
    actuals = selectors.latest_indicator_values([i.pk for i in indicators])
    for indicator in indicators:
        indicator.actual = actuals.get(indicator.pk)
    subtasks = [(t, data.states[t.pk]) for t in data.subtasks.get(task.pk, [])]
    return render(request, "plans/task_detail.html", {
        "task": task, "plan": task.plan, "state": data.states[task.pk], "subtasks": subtasks,
        "assignments": [(a, data.assignment_states[a.pk]) for a in data.assignments.get(task.pk, [])],
        "milestones": task.milestones.all(), "indicators": indicators, "reports": reports,
        "supporting": task.supporting_units.all(), "can_manage": can_manage and task.plan.is_editable,
        "can_review": can_manage, "can_report": selectors.can_report(request.user, task) and task.plan.is_in_force,
        "is_leaf": data.states[task.pk].is_leaf,
    })


def _managed_task(request, pk, what: str) -> Task:
    task = _task_or_404(request, pk)
    if not selectors.can_manage(request.user, task.plan):
        _denied(request, f"{what} task {pk}")
    return task


@login_required
def task_edit(request, pk):
    task = _managed_task(request, pk, "edit")
    form = TaskForm(request.POST or None, plan=task.plan, units=_task_units(task.plan), tasks=None, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_task(task, acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, f"edit task {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Task saved."))
            return redirect("plans:task-detail", pk=task.pk)
    return render(request, "plans/task_form.html", {"form": form, "plan": task.plan, "task": task})


@login_required
def task_move(request, pk):
    task = _managed_task(request, pk, "move")
    form = MoveForm(request.POST or None, tasks=task.plan.tasks.order_by("path"), plan=task.plan,
                    initial={"parent": task.parent_id})
    if request.method == "POST" and form.is_valid():
        try:
            actions.move_task(task, acting_user=request.user, parent=form.cleaned_data["parent"])
        except ActionDenied:
            _denied(request, f"move task {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Task moved."))
            return redirect("plans:detail", pk=task.plan_id)
    return render(request, "plans/small_form.html", {"form": form, "plan": task.plan, "task": task,
                                                      "title": _("Move the task")})


@login_required
@require_POST
def task_delete(request, pk):
    task = _managed_task(request, pk, "delete")
    plan_id = task.plan_id
    try:
        actions.delete_task(task, acting_user=request.user)
    except ActionDenied:
        _denied(request, f"delete task {pk}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("plans:task-detail", pk=pk)
    messages.success(request, _("Task deleted."))
    return redirect("plans:detail", pk=plan_id)


def _task_subform(request, pk, *, what, form, action, title):
    task = _managed_task(request, pk, what)
    bound = form(request.POST or None, **({"units": _assignable_units(task.plan)} if form is AssignmentForm else {}))
    if request.method == "POST" and bound.is_valid():
        try:
            action(task, acting_user=request.user, **bound.cleaned_data)
        except ActionDenied:
            _denied(request, f"{what} task {pk}")
        except ValidationError as error:
            apply_validation_error(bound, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("plans:task-detail", pk=task.pk)
    return render(request, "plans/small_form.html", {"form": bound, "plan": task.plan, "task": task, "title": title})


@login_required
def assignment_add(request, pk):
    return _task_subform(request, pk, what="assign", form=AssignmentForm, action=actions.assign_units,
                         title=_("Assign to subordinate units"))


@login_required
def milestone_add(request, pk):
    return _task_subform(request, pk, what="add milestone to", form=MilestoneForm, action=actions.add_milestone,
                         title=_("Add a milestone"))


@login_required
def indicator_add(request, pk):
    return _task_subform(request, pk, what="add indicator to", form=IndicatorForm, action=actions.add_indicator,
                         title=_("Add an indicator"))


def _remove(request, pk, model, action, what):
    visible = selectors.visible_tasks(request.user)
    obj = access.get_in_scope_or_404(request, model.objects.filter(task__in=visible).select_related(
        "task", "task__plan", "task__plan__unit"), pk=pk)
    task_id = obj.task_id
    if not selectors.can_manage(request.user, obj.task.plan):
        _denied(request, f"remove {what} {pk}")
    try:
        action(obj, acting_user=request.user)
    except ActionDenied:
        _denied(request, f"remove {what} {pk}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Removed."))
    return redirect("plans:task-detail", pk=task_id)


@login_required
@require_POST
def assignment_delete(request, pk):
    from .models import Assignment

    return _remove(request, pk, Assignment, actions.remove_assignment, "assignment")


@login_required
@require_POST
def milestone_delete(request, pk):
    return _remove(request, pk, Milestone, actions.remove_milestone, "milestone")


@login_required
@require_POST
def indicator_delete(request, pk):
    return _remove(request, pk, Indicator, actions.remove_indicator, "indicator")


# --- reports ---------------------------------------------------------------------------------

@login_required
def report_create(request, pk):
    task = _task_or_404(request, pk)
    if not selectors.can_report(request.user, task):
        _denied(request, f"report on task {pk}")
    leaf = actions.is_leaf(task)
    form = ReportForm(request.POST or None, request.FILES or None, indicators=task.indicators.all(), leaf=leaf,
                      initial={"as_of": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.submit_report(task, acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, f"report on task {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Report submitted; the assigning unit will review it."))
            return redirect("plans:task-detail", pk=task.pk)
    return render(request, "plans/report_form.html", {"form": form, "task": task, "plan": task.plan, "leaf": leaf})


def _report_or_404(request, pk) -> Report:
    visible = selectors.visible_tasks(request.user)
    return access.get_in_scope_or_404(request, Report.objects.filter(task__in=visible).select_related(
        "task", "task__plan", "task__plan__unit", "unit", "submitted_by"), pk=pk)


@login_required
def report_review(request, pk):
    report = _report_or_404(request, pk)
    if not selectors.can_manage(request.user, report.task.plan):
        _denied(request, f"review report {pk}")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.review_report(report, acting_user=request.user, accept=form.cleaned_data["decision"] == "accept",
                                  note=form.cleaned_data["note"])
        except ActionDenied:
            _denied(request, f"review report {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Report reviewed."))
            return redirect("plans:task-detail", pk=report.task_id)
    return render(request, "plans/review.html", {"form": form, "report": report, "task": report.task,
                                                  "plan": report.task.plan,
                                                  "pending": report.status == ReportStatus.SUBMITTED})


@login_required
def evidence_download(request, pk):
    visible = selectors.visible_tasks(request.user)
    evidence = access.get_in_scope_or_404(
        request, EvidenceFile.objects.filter(report__task__in=visible), pk=pk)
    return _file_response(evidence.file, evidence.original_name, evidence.content_type)


__all__ = ["PlanStatus"]
