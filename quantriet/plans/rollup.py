"""Progress roll-up over a cascade, computed on read from one fetch of the subtree.

Rules (exact, with fractions; shown rounded to 0.01):
- a leaf task (no subtask, no assignment) has the progress of its latest accepted report (0 without one);
- an assignment has the progress of the child plan that concretizes it (0 while it is missing);
- a plan has the weighted mean of its root tasks (0 without tasks);
- any other task has the weighted mean of its children: its subtasks (weights `Task.weight`) and its
  assignments (weights `Assignment.weight`).

`load(prefixes)` fetches every task whose path starts with one of the prefixes (one indexed query), the
assignments and child plans of those tasks and their reports: four queries whatever the depth. Dates of
completion (`done_on`) and of the latest report (`last_report_on`) are rolled up the same way, and give
each task its status on a given day.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Assignment, Plan, PlanStatus, Report, ReportStatus, Task

HUNDRED = Fraction(100)
CENT = Decimal("0.01")

DEFAULT_THRESHOLDS = {"due_soon_days": 14, "no_report_days": 30, "stalled_days": 60, "indicator_tolerance": "0.10"}


def thresholds() -> dict:
    values = dict(DEFAULT_THRESHOLDS)
    values.update(getattr(settings, "QUANTRIET_PLAN_WARNINGS", {}) or {})
    return values


class TaskStatus:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DONE_LATE = "done_late"
    OVERDUE = "overdue"
    STALLED = "stalled"

    LABELS = {
        NOT_STARTED: _("Not started"), IN_PROGRESS: _("In progress"), DONE: _("Done"), DONE_LATE: _("Done late"),
        OVERDUE: _("Overdue"), STALLED: _("Stalled"),
    }


class ChildPlanStatus:
    MISSING = "missing"  # not issued, not yet due
    OVERDUE = "overdue"  # not issued, past the due date
    ON_TIME = "on_time"
    LATE = "late"

    LABELS = {
        MISSING: _("Not issued yet"), OVERDUE: _("Not issued, overdue"), ON_TIME: _("Issued on time"),
        LATE: _("Issued late"),
    }


def to_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_mean(pairs) -> Fraction:
    """Σ w·p / Σ w over (weight, progress) pairs; 0 for none."""
    total_weight = Fraction(0)
    total = Fraction(0)
    for weight, progress in pairs:
        w = Fraction(weight)
        total_weight += w
        total += w * progress
    return total / total_weight if total_weight else Fraction(0)


def leaf_progress(accepted: list) -> tuple[Fraction, datetime.date | None]:
    """(progress, day completed) from a leaf's accepted reports sorted by (as_of, id).

    The progress is the latest report's; the task is complete since the first report of the
    final run of 100 % reports.
    """
    if not accepted:
        return Fraction(0), None
    progress = Fraction(accepted[-1].progress)
    done_on = None
    if progress == HUNDRED:
        for report in reversed(accepted):
            if Fraction(report.progress) != HUNDRED:
                break
            done_on = report.as_of
    return progress, done_on


@dataclass
class TaskState:
    exact: Fraction
    done_on: datetime.date | None
    last_report_on: datetime.date | None
    is_leaf: bool
    status: str = ""

    @property
    def progress(self) -> Decimal:
        return to_decimal(self.exact)

    @property
    def status_label(self):
        return TaskStatus.LABELS[self.status]


@dataclass
class AssignmentState:
    exact: Fraction
    done_on: datetime.date | None
    last_report_on: datetime.date | None
    plan: Plan | None
    plan_status: str

    @property
    def progress(self) -> Decimal:
        return to_decimal(self.exact)

    @property
    def plan_status_label(self):
        return ChildPlanStatus.LABELS[self.plan_status]


def task_status(task: Task, state: TaskState, today: datetime.date, stalled_days: int) -> str:
    if state.exact == HUNDRED:
        return TaskStatus.DONE if state.done_on and state.done_on <= task.deadline else TaskStatus.DONE_LATE
    if today > task.deadline:
        return TaskStatus.OVERDUE
    if today < task.start_on:
        return TaskStatus.NOT_STARTED
    reference = max(state.last_report_on, task.start_on) if state.last_report_on else task.start_on
    if (today - reference).days > stalled_days:
        return TaskStatus.STALLED
    if state.exact == 0 and state.last_report_on is None:
        return TaskStatus.NOT_STARTED
    return TaskStatus.IN_PROGRESS


def child_plan_status(assignment: Assignment, plan: Plan | None, today: datetime.date) -> str:
    issued = plan is not None and plan.status != PlanStatus.DRAFT and plan.issued_on is not None
    if not issued:
        return ChildPlanStatus.OVERDUE if today > assignment.due_on else ChildPlanStatus.MISSING
    return ChildPlanStatus.ON_TIME if plan.issued_on <= assignment.due_on else ChildPlanStatus.LATE


def _max_date(*days):
    present = [d for d in days if d is not None]
    return max(present) if present else None


@dataclass
class Rollup:
    today: datetime.date
    tasks: dict[int, Task] = field(default_factory=dict)
    states: dict[int, TaskState] = field(default_factory=dict)
    assignments: dict[int, list[Assignment]] = field(default_factory=dict)  # by task id
    assignment_states: dict[int, AssignmentState] = field(default_factory=dict)
    subtasks: dict[int, list[Task]] = field(default_factory=dict)
    plan_roots: dict[int, list[Task]] = field(default_factory=dict)
    reports: dict[int, list[Report]] = field(default_factory=dict)  # every report, by task id

    def state(self, task: Task) -> TaskState:
        return self.states[task.pk]

    def plan_exact(self, plan_id: int) -> Fraction:
        return weighted_mean((t.weight, self.states[t.pk].exact) for t in self.plan_roots.get(plan_id, []))

    def plan_progress(self, plan_id: int) -> Decimal:
        return to_decimal(self.plan_exact(plan_id))

    def plan_done_on(self, plan_id: int):
        roots = self.plan_roots.get(plan_id, [])
        if not roots or self.plan_exact(plan_id) != HUNDRED:
            return None
        return _max_date(*(self.states[t.pk].done_on for t in roots))

    def tree(self, roots: list[Task]) -> list[dict]:
        """Rows for a page: each task with its depth inside the plan, its state and its assignments."""
        rows = []

        def walk(task, level):
            rows.append({"task": task, "level": level, "state": self.states[task.pk],
                         "assignments": [(a, self.assignment_states[a.pk]) for a in self.assignments.get(task.pk, [])]})
            for child in self.subtasks.get(task.pk, []):
                walk(child, level + 1)

        for root in roots:
            walk(root, 0)
        return rows


def _prefix_query(field_name: str, prefixes: list[str]) -> Q:
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(**{f"{field_name}__startswith": prefix})
    return query


def minimal_prefixes(paths) -> list[str]:
    """Drop every path that lies under another one of the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def load(prefixes, today: datetime.date | None = None) -> Rollup:
    """Fetch the cascade subtrees under `prefixes` (task paths) and compute every state."""
    today = today or timezone.localdate()
    prefixes = minimal_prefixes(prefixes)
    result = Rollup(today=today)
    if not prefixes:
        return result
    tasks = list(
        Task.objects.filter(_prefix_query("path", prefixes))
        .select_related("lead_unit", "plan", "plan__unit", "responsible").order_by("path")
    )
    result.tasks = {t.pk: t for t in tasks}
    assignments = list(
        Assignment.objects.filter(_prefix_query("task__path", prefixes)).select_related("unit").order_by("task_id", "id")
    )
    plans = {p.assignment_id: p for p in Plan.objects.filter(assignment__in=[a.pk for a in assignments])
             .select_related("unit")} if assignments else {}
    reports = list(
        Report.objects.filter(_prefix_query("task__path", prefixes))
        .only("id", "task_id", "as_of", "progress", "status", "unit_id").order_by("as_of", "id")
    )
    for report in reports:
        result.reports.setdefault(report.task_id, []).append(report)
    for assignment in assignments:
        result.assignments.setdefault(assignment.task_id, []).append(assignment)
    subtasks = defaultdict(list)
    for task in tasks:
        if task.parent_id in result.tasks:
            subtasks[task.parent_id].append(task)
        if task.parent_id is None:
            result.plan_roots.setdefault(task.plan_id, []).append(task)
    for children in subtasks.values():
        children.sort(key=lambda t: (t.order, t.pk))
    for roots in result.plan_roots.values():
        roots.sort(key=lambda t: (t.order, t.pk))
    result.subtasks = dict(subtasks)

    stalled_days = int(thresholds()["stalled_days"])
    # Deepest first: every child (subtask or child plan's root task) is deeper than its parent.
    for task in sorted(tasks, key=lambda t: (-t.depth, t.pk)):
        own_reports = result.reports.get(task.pk, [])
        last_own = own_reports[-1].as_of if own_reports else None
        kids = subtasks.get(task.pk, [])
        task_assignments = result.assignments.get(task.pk, [])
        if not kids and not task_assignments:
            accepted = [r for r in own_reports if r.status == ReportStatus.ACCEPTED and r.progress is not None]
            exact, done_on = leaf_progress(accepted)
            state = TaskState(exact, done_on, last_own, True)
        else:
            pairs, done_days, last_days = [], [], [last_own]
            for kid in kids:
                kid_state = result.states[kid.pk]
                pairs.append((kid.weight, kid_state.exact))
                done_days.append(kid_state.done_on)
                last_days.append(kid_state.last_report_on)
            for assignment in task_assignments:
                plan = plans.get(assignment.pk)
                if plan is not None:
                    roots = result.plan_roots.get(plan.pk, [])
                    a_exact = result.plan_exact(plan.pk)
                    a_done = result.plan_done_on(plan.pk)
                    a_last = _max_date(*(result.states[t.pk].last_report_on for t in roots))
                else:
                    a_exact, a_done, a_last = Fraction(0), None, None
                result.assignment_states[assignment.pk] = AssignmentState(
                    a_exact, a_done, a_last, plan, child_plan_status(assignment, plan, today)
                )
                pairs.append((assignment.weight, a_exact))
                done_days.append(a_done)
                last_days.append(a_last)
            exact = weighted_mean(pairs)
            done_on = _max_date(*done_days) if exact == HUNDRED else None
            state = TaskState(exact, done_on, _max_date(*last_days), False)
        state.status = task_status(task, state, today, stalled_days)
        result.states[task.pk] = state
    return result


def for_plan(plan: Plan, today=None) -> Rollup:
    roots = list(plan.tasks.filter(parent__isnull=True).values_list("path", flat=True))
    rollup = load(roots, today)
    rollup.plan_roots.setdefault(plan.pk, [])
    return rollup


def for_tasks(tasks, today=None) -> Rollup:
    return load([t.path for t in tasks], today)
