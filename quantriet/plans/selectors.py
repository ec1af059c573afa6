"""Who sees and who manages plans, and the read-side lists (my assignments, early warnings).

Visibility: a plan is visible to those whose view scope covers its issuing unit, or covers the
lead unit of one of its tasks or a unit one of its tasks is assigned to (an assigned unit sees the
plan that assigns it work), and to the person responsible for one of its tasks.

Management (create, edit, issue, amend, close, tasks, accept or return reports): committee office
staff and administrators whose scope covers the issuing unit (`access.EDIT_UNITS`). Reporting on a
task: office staff, secretaries and administrators whose scope covers the task's lead unit
(`access.EDIT_MEMBERS`). Issuing the plan that concretizes an assignment: office staff and
administrators whose scope covers the assigned unit.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.accounts import access
from quantriet.core.models import AuditEntry
from quantriet.units.models import Unit

from . import rollup
from .models import IN_FORCE, Assignment, Direction, Indicator, IndicatorValue, Plan, ReportStatus, Task

MANAGE = access.EDIT_UNITS
REPORT = access.EDIT_MEMBERS


def _paths_query(field_name: str, paths) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field_name}__startswith": path})
    return query


def visible_plans(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Plan.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return queryset
    task_query = _paths_query("lead_unit__path", scope) | _paths_query("assignments__unit__path", scope)
    member = access.own_member(user)
    if member is not None:
        task_query |= Q(responsible=member)
    via_tasks = Task.objects.filter(task_query).values("plan_id")
    return queryset.filter(_paths_query("unit__path", scope) | Q(pk__in=via_tasks))


def visible_tasks(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Task.objects.all() if queryset is None else queryset
    return queryset.filter(plan__in=visible_plans(user).values("pk"))


def can_view_plan(user, plan: Plan) -> bool:
    return visible_plans(user, Plan.objects.filter(pk=plan.pk)).exists()


def can_manage_unit(user, unit: Unit) -> bool:
    return access.can(user, MANAGE, unit.path)


def can_manage(user, plan: Plan) -> bool:
    return can_manage_unit(user, plan.unit)


def can_report(user, task: Task) -> bool:
    return access.can(user, REPORT, task.lead_unit.path)


def can_create_any(user) -> bool:
    return access.has_any(user, MANAGE)


def manageable_units(user, day: datetime.date | None = None) -> QuerySet:
    return Unit.objects.valid_on(day).under_paths(access.scope_paths(user, MANAGE)).select_related("kind")


def open_assignments_for(user) -> QuerySet:
    """Assignments the user may concretize with a plan (their unit is in the user's management scope)."""
    return Assignment.objects.filter(plan__isnull=True).filter(
        unit__in=Unit.objects.under_paths(access.scope_paths(user, MANAGE))
    ).select_related("unit", "task", "task__plan")


def plan_history(plan: Plan):
    """Every audit entry of the plan and of its tasks (also deleted ones), newest first."""
    from django.contrib.contenttypes.models import ContentType

    plan_type = ContentType.objects.get_for_model(Plan)
    task_type = ContentType.objects.get_for_model(Task)
    task_ids = [str(pk) for pk in plan.tasks.values_list("pk", flat=True)]
    return AuditEntry.objects.filter(
        Q(content_type=plan_type, object_id=str(plan.pk))
        | Q(content_type=task_type, object_id__in=task_ids)
        | Q(content_type=task_type, action="plan.task.delete", note=f"plan {plan.pk}")
    ).select_related("actor", "content_type")


# --- my assignments ----------------------------------------------------------------------------

def my_tasks(user, unit: Unit | None = None) -> QuerySet:
    """Tasks of plans in force that the user must act on: tasks of their member record, and tasks led
    by a unit where they report (or by `unit` when given, inside their scope)."""
    tasks = Task.objects.filter(plan__status__in=IN_FORCE)
    if unit is not None:
        return tasks.filter(lead_unit=unit)
    query = Q(pk__in=[])
    member = access.own_member(user)
    if member is not None:
        query |= Q(responsible=member)
    scope = access.scope_paths(user, REPORT)
    if scope is None:
        return tasks.none() if member is None else tasks.filter(responsible=member)
    query |= _paths_query("lead_unit__path", scope)
    return tasks.filter(query)


def my_assignments(user) -> QuerySet:
    """Assignments of units the user manages whose plan is not issued yet."""
    scope = access.scope_paths(user, MANAGE)
    qs = Assignment.objects.filter(task__plan__status__in=IN_FORCE).exclude(plan__status__in=IN_FORCE).exclude(
        plan__status="closed")
    if scope is None:
        return qs.none()
    return qs.filter(_paths_query("unit__path", scope)).select_related("unit", "task", "task__plan")


# --- early warnings ----------------------------------------------------------------------------

class WarningKind:
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NO_REPORT = "no_report"
    OFF_TRACK = "off_track"
    PLAN_MISSING = "plan_missing"
    PLAN_DUE_SOON = "plan_due_soon"

    LABELS = {
        DUE_SOON: _("Due soon"), OVERDUE: _("Overdue"), NO_REPORT: _("No recent report"),
        OFF_TRACK: _("Indicator off track"), PLAN_MISSING: _("Child plan missing"),
        PLAN_DUE_SOON: _("Child plan due soon"),
    }


@dataclass
class PlanWarning:
    kind: str
    task: Task
    unit: Unit
    days: int
    detail: str = ""
    assignment: Assignment | None = None
    indicator: Indicator | None = None

    @property
    def label(self):
        return WarningKind.LABELS[self.kind]


def expected_value(indicator: Indicator, task: Task, today: datetime.date) -> Decimal:
    """Where the indicator should be today on a straight line from its baseline at the start to its target."""
    span = (task.deadline - task.start_on).days
    elapsed = (today - task.start_on).days
    fraction = Decimal(1) if span <= 0 else min(Decimal(1), max(Decimal(0), Decimal(elapsed) / Decimal(span)))
    return indicator.baseline + (indicator.target - indicator.baseline) * fraction


def is_off_track(indicator: Indicator, task: Task, actual: Decimal, today: datetime.date,
                 tolerance: Decimal) -> bool:
    expected = expected_value(indicator, task, today)
    slack = abs(indicator.target - indicator.baseline) * tolerance
    if indicator.direction == Direction.AT_MOST:
        return actual > expected + slack
    return actual < expected - slack


def latest_indicator_values(indicator_ids) -> dict[int, Decimal]:
    """The latest accepted actual value of each indicator."""
    values = {}
    rows = IndicatorValue.objects.filter(indicator_id__in=indicator_ids, report__status=ReportStatus.ACCEPTED).order_by(
        "report__as_of", "report_id").values_list("indicator_id", "value")
    for indicator_id, value in rows:
        values[indicator_id] = value
    return values


def warnings_for_unit(unit: Unit, today: datetime.date | None = None) -> tuple[list[PlanWarning], rollup.Rollup]:
    """Warnings about tasks of plans in force led by a unit of `unit`'s subtree or issued inside it, and
    about child plans owed by units of the subtree (or to plans issued inside it)."""
    today = today or timezone.localdate()
    limits = rollup.thresholds()
    due_soon, no_report = int(limits["due_soon_days"]), int(limits["no_report_days"])
    tolerance = Decimal(str(limits["indicator_tolerance"]))
    candidates = list(
        Task.objects.filter(plan__status__in=IN_FORCE)
        .filter(Q(lead_unit__path__startswith=unit.path) | Q(plan__unit__path__startswith=unit.path))
        .only("id", "path")
    )
    data = rollup.for_tasks(candidates, today)
    candidate_ids = {t.pk for t in candidates}
    found: list[PlanWarning] = []
    for task_id in candidate_ids:
        task = data.tasks[task_id]
        state = data.states[task_id]
        if state.exact == rollup.HUNDRED:
            continue
        if task.deadline < today:
            found.append(PlanWarning(WarningKind.OVERDUE, task, task.lead_unit, (today - task.deadline).days))
        elif (task.deadline - today).days <= due_soon:
            found.append(PlanWarning(WarningKind.DUE_SOON, task, task.lead_unit, (task.deadline - today).days))
        if state.is_leaf and today >= task.start_on:
            reference = max(state.last_report_on, task.start_on) if state.last_report_on else task.start_on
            if (today - reference).days > no_report:
                found.append(PlanWarning(WarningKind.NO_REPORT, task, task.lead_unit, (today - reference).days))
        for assignment, a_state in [(a, data.assignment_states[a.pk]) for a in data.assignments.get(task_id, [])]:
            if not (assignment.unit.path.startswith(unit.path) or task.plan.unit.path.startswith(unit.path)):
                continue
            if a_state.plan_status == rollup.ChildPlanStatus.OVERDUE:
                found.append(PlanWarning(WarningKind.PLAN_MISSING, task, assignment.unit,
                                         (today - assignment.due_on).days, assignment=assignment))
            elif a_state.plan_status == rollup.ChildPlanStatus.MISSING and (assignment.due_on - today).days <= due_soon:
                found.append(PlanWarning(WarningKind.PLAN_DUE_SOON, task, assignment.unit,
                                         (assignment.due_on - today).days, assignment=assignment))
    indicators = list(Indicator.objects.filter(task_id__in=candidate_ids))
    actuals = latest_indicator_values([i.pk for i in indicators])
    for indicator in indicators:
        task = data.tasks[indicator.task_id]
        if indicator.pk in actuals and data.states[task.pk].exact != rollup.HUNDRED and is_off_track(
            indicator, task, actuals[indicator.pk], today, tolerance
        ):
            expected = expected_value(indicator, task, today).quantize(Decimal("0.01"))
            found.append(PlanWarning(
                WarningKind.OFF_TRACK, task, task.lead_unit, 0, indicator=indicator,
                detail=f"{indicator.name}: {actuals[indicator.pk]} / {expected} {indicator.unit_of_measure}",
            ))
    order = list(WarningKind.LABELS)
    found.sort(key=lambda w: (order.index(w.kind), -w.days, w.task.path))
    return found, data
