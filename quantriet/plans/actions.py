"""Changes to plans, tasks, assignments, reports. Each checks permission, validates and writes the audit log.

Every entry about a task (its milestones, indicators, assignments and reports included) is recorded
on the task, every entry about the plan on the plan, with the issuing unit's path as scope: the plan's
history page shows who changed what and when.
"""
from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.actions import check_date as _check_date
from quantriet.core.text import nfc
from quantriet.documents import files as document_files

from . import numbering, selectors
from .models import (
    IN_FORCE, MAX_PATH, Assignment, EvidenceFile, Indicator, IndicatorValue, IssuerSymbol, Milestone, Notification,
    Plan, PlanKind, PlanStatus, Report, ReportStatus, Task, path_segment,
)

PLAN_AUDITED = ["unit", "kind", "title", "summary", "assignment", "status", "number", "canonical_number", "term",
                "issued_on", "amended_on", "closed_on", "place", "signing_authority", "signer_title", "signer_name",
                "recipients"]
PLAN_EDITABLE = {"kind", "title", "summary", "documents", "place", "signing_authority", "signer_title", "signer_name",
                 "recipients"}
TASK_AUDITED = ["plan", "parent", "order", "title", "content", "responsible", "lead_unit", "start_on", "deadline",
                "expected_output", "weight", "path"]
TASK_EDITABLE = {"title", "content", "responsible", "lead_unit", "supporting_units", "start_on", "deadline",
                 "expected_output", "weight", "order"}


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _plan_snapshot(plan: Plan) -> dict:
    data = audit.snapshot(plan, PLAN_AUDITED)
    data["document_ids"] = sorted(plan.documents.values_list("pk", flat=True)) if plan.pk else []
    return data


def _task_snapshot(task: Task) -> dict:
    data = audit.snapshot(task, TASK_AUDITED)
    data["supporting_unit_ids"] = sorted(task.supporting_units.values_list("pk", flat=True)) if task.pk else []
    return data


def _record_plan(action, plan, *, actor, before=None, after=None, note=""):
    audit.record(action, plan, actor=actor, before=before, after=after, scope_path=plan.unit.path, note=note)


def _record_task(action, task, *, actor, before=None, after=None, note=""):
    audit.record(action, task, actor=actor, before=before, after=after, scope_path=task.plan.unit.path, note=note)


def _require_manage(user, plan: Plan):
    if not selectors.can_manage(user, plan):
        raise ActionDenied(target=str(plan))


def _require_editable(plan: Plan):
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError(_("The plan is closed: it can no longer be changed."))


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a number.")
        return None
    if not number.is_finite():
        errors[field] = _("Enter a number.")
        return None
    return number




# --- plans -----------------------------------------------------------------------------------

def _validate_plan_fields(plan: Plan, documents, acting_user, errors: dict):
    plan.title = nfc(plan.title)
    if not plan.title:
        errors["title"] = _("Enter the plan's title.")
    if plan.kind not in PlanKind.values:
        errors["kind"] = _("Choose plan, programme of action or project.")
    for name in ("signing_authority", "signer_title"):
        setattr(plan, name, nfc(getattr(plan, name)))
    if documents is not None:
        from quantriet.documents.selectors import visible_documents

        ids = {d.pk for d in documents}
        if len(ids) != visible_documents(acting_user).filter(pk__in=ids).count():
            errors["documents"] = _("Choose documents from the library that you can see.")
    try:
        plan.full_clean(exclude=["unit", "assignment", "documents", "type_code"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)


@transaction.atomic
def create_plan(*, acting_user, unit, title: str, kind: str = PlanKind.PLAN, summary: str = "", documents=(),
                assignment: Assignment | None = None, place: str = "", signing_authority: str = "T/M BAN THƯỜNG VỤ",
                signer_title: str = "BÍ THƯ", signer_name: str = "", recipients: str = "",
                permission_checked: bool = False) -> Plan:
    """`permission_checked`: another app's action (oversight) has already checked a permission that covers
    the change (e.g. an inspection commission's follow-up plan); the audit entry still names the actor."""
    if unit is None or (not permission_checked and not selectors.can_manage_unit(acting_user, unit)):
        raise ActionDenied(target=str(unit))
    errors: dict = {}
    if assignment is not None:
        assignment = Assignment.objects.select_for_update().select_related("unit", "task__plan").get(pk=assignment.pk)
        if assignment.unit_id != unit.pk:
            errors["assignment"] = _("This assignment is for %(unit)s: only that unit issues the plan concretizing it.") % {
                "unit": assignment.unit.name}
        elif Plan.objects.filter(assignment=assignment).exists():
            errors["assignment"] = _("A plan concretizing this assignment already exists.")
        elif assignment.task.plan.status not in IN_FORCE:
            errors["assignment"] = _("The assigning plan is not in force.")
    plan = Plan(unit=unit, kind=kind, title=title, summary=summary or "", assignment=assignment, place=place or "",
                signing_authority=signing_authority, signer_title=signer_title, signer_name=signer_name or "",
                recipients=recipients or "", created_by=_actor(acting_user))
    _validate_plan_fields(plan, documents, acting_user, errors)
    if errors:
        raise ValidationError(errors)
    plan.save()
    if documents:
        plan.documents.set(documents)
    _record_plan("plan.create", plan, actor=acting_user, after=_plan_snapshot(plan))
    return plan


def _locked_plan(plan: Plan) -> Plan:
    return Plan.objects.select_for_update(of=("self",)).select_related("unit", "unit__kind").get(pk=plan.pk)


@transaction.atomic
def update_plan(plan: Plan, *, acting_user, **changes) -> Plan:
    unknown = set(changes) - PLAN_EDITABLE
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    plan = _locked_plan(plan)
    _require_manage(acting_user, plan)
    _require_editable(plan)
    before = _plan_snapshot(plan)
    errors: dict = {}
    if "kind" in changes and changes["kind"] != plan.kind and plan.number is not None:
        errors["kind"] = _("The kind of an issued plan cannot change: its number depends on it.")
    documents = changes.pop("documents", None)
    for name, value in changes.items():
        setattr(plan, name, value if value is not None else "")
    _validate_plan_fields(plan, documents, acting_user, errors)
    if errors:
        raise ValidationError(errors)
    plan.save()
    if documents is not None:
        plan.documents.set(documents)
    after = _plan_snapshot(plan)
    if after != before:
        _record_plan("plan.update", plan, actor=acting_user, before=before, after=after)
    return plan


@transaction.atomic
def issue_plan(plan: Plan, *, acting_user, issued_on: datetime.date, numbered: bool = True,
               permission_checked: bool = False) -> Plan:
    """Give the plan its number (atomically, per type within the committee term) and put it in force.

    `numbered=False` puts it in force without taking a number of the unit's sequence: a plan that is not a
    party document of its own (the follow-up of an inspection conclusion, which has the conclusion's number)."""
    plan = _locked_plan(plan)
    if not permission_checked:
        _require_manage(acting_user, plan)
    errors: dict = {}
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be issued."))
    _check_date(issued_on, "issued_on", errors, allow_future=False)
    if not errors and not plan.unit.is_valid_on(issued_on):
        errors["issued_on"] = _("%(unit)s did not exist on that date.") % {"unit": plan.unit.name}
    if errors:
        raise ValidationError(errors)
    before = _plan_snapshot(plan)
    if numbered:
        symbol = numbering.issuer_symbol(plan.unit)
        term = numbering.term_for(issued_on)
        number = numbering.next_number(plan.unit, plan.type_code, term)
        plan.number, plan.issuer_symbol, plan.term = number, symbol, term
        plan.canonical_number = numbering.canonical(number, plan.type_code, symbol)
    plan.issued_on, plan.status = issued_on, PlanStatus.ISSUED
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:  # the unique constraint: never two plans with one number
        raise ValidationError({"number": _("This number is already taken; issue the plan again.")}) from exc
    _record_plan("plan.issue", plan, actor=acting_user, before=before, after=_plan_snapshot(plan))
    return plan


@transaction.atomic
def amend_plan(plan: Plan, *, acting_user, amended_on: datetime.date, reason: str) -> Plan:
    plan = _locked_plan(plan)
    _require_manage(acting_user, plan)
    if plan.status not in IN_FORCE:
        raise ValidationError(_("Only an issued plan can be amended."))
    errors: dict = {}
    _check_date(amended_on, "amended_on", errors, allow_future=False)
    if not errors and amended_on < plan.issued_on:
        errors["amended_on"] = _("The amendment cannot be dated before the plan was issued.")
    reason = nfc(reason)
    if not reason:
        errors["reason"] = _("Say what the amendment changes.")
    if errors:
        raise ValidationError(errors)
    before = _plan_snapshot(plan)
    plan.status, plan.amended_on = PlanStatus.AMENDED, amended_on
    plan.save()
    _record_plan("plan.amend", plan, actor=acting_user, before=before, after=_plan_snapshot(plan), note=reason)
    return plan


@transaction.atomic
def close_plan(plan: Plan, *, acting_user, closed_on: datetime.date, permission_checked: bool = False) -> Plan:
    plan = _locked_plan(plan)
    if not permission_checked:
        _require_manage(acting_user, plan)
    if plan.status not in IN_FORCE:
        raise ValidationError(_("Only an issued plan can be closed."))
    errors: dict = {}
    _check_date(closed_on, "closed_on", errors, allow_future=False)
    if not errors and closed_on < plan.issued_on:
        errors["closed_on"] = _("The plan cannot be closed before it was issued.")
    if errors:
        raise ValidationError(errors)
    before = _plan_snapshot(plan)
    plan.status, plan.closed_on = PlanStatus.CLOSED, closed_on
    plan.save()
    _record_plan("plan.close", plan, actor=acting_user, before=before, after=_plan_snapshot(plan))
    return plan


def attach_signed_document(plan: Plan, upload, *, acting_user) -> Plan:
    """Store the signed plan (PDF or DOCX, checked by content); the previous file is removed after commit."""
    if not selectors.can_manage(acting_user, plan):
        raise ActionDenied(target=str(plan))
    _require_editable(plan)
    checked = document_files.check_upload(upload)
    upload.seek(0)
    saved_name = None
    try:
        with transaction.atomic():
            locked = _locked_plan(plan)
            old_name, storage = locked.signed_file.name, locked.signed_file.storage
            locked.signed_file.save(checked.name, upload, save=False)
            saved_name = locked.signed_file.name
            locked.signed_name, locked.signed_content_type = checked.name, checked.content_type
            locked.signed_size, locked.signed_sha256 = checked.size, checked.sha256
            locked.save(update_fields=["signed_file", "signed_name", "signed_content_type", "signed_size",
                                       "signed_sha256", "updated_at"])
            _record_plan("plan.signed_document", locked, actor=acting_user,
                         after={"name": checked.name, "size": checked.size, "sha256": checked.sha256})
            if old_name:
                transaction.on_commit(lambda: storage.delete(old_name))
    except Exception:
        if saved_name:
            plan.signed_file.storage.delete(saved_name)
        raise
    return locked


@transaction.atomic
def set_issuer_symbol(unit, symbol: str, *, acting_user) -> IssuerSymbol:
    if not selectors.can_manage_unit(acting_user, unit):
        raise ActionDenied(target=str(unit))
    try:
        symbol = numbering.validate_symbol(nfc(symbol))
    except ValidationError as exc:
        raise ValidationError({"symbol": exc.messages}) from exc
    row, _created = IssuerSymbol.objects.update_or_create(unit=unit, defaults={"symbol": symbol})
    audit.record("plan.issuer_symbol", row, actor=acting_user, after={"unit": unit.pk, "symbol": symbol},
                 scope_path=unit.path)
    return row


# --- tasks -----------------------------------------------------------------------------------

def _root_prefix(plan: Plan) -> str:
    return plan.assignment.task.path if plan.assignment_id else ""


def _validate_task(task: Task, supporting_units, acting_user, errors: dict, *, lead_changed: bool):
    plan = task.plan
    task.title = nfc(task.title)
    if not task.title:
        errors["title"] = _("Say what is to be done.")
    weight = _decimal(task.weight, "weight", errors)
    if "weight" not in errors:
        if weight is None or weight <= 0:
            errors["weight"] = _("The weight must be greater than 0.")
        elif weight > Decimal("99999.99"):
            errors["weight"] = _("The weight is too large.")
        else:
            task.weight = weight
    _check_date(task.start_on, "start_on", errors)
    _check_date(task.deadline, "deadline", errors)
    if "start_on" not in errors and "deadline" not in errors and task.deadline < task.start_on:
        errors["deadline"] = _("The deadline cannot be before the start.")
    if task.lead_unit_id is None:
        errors["lead_unit"] = _("Choose the lead unit.")
    else:
        lead = task.lead_unit
        if not lead.path.startswith(plan.unit.path):
            errors["lead_unit"] = _("The lead unit must be %(unit)s or one of its subordinate units.") % {
                "unit": plan.unit.name}
        elif lead_changed and "start_on" not in errors and not lead.is_valid_on(task.start_on):
            errors["lead_unit"] = _("%(unit)s did not exist on the start date.") % {"unit": lead.name}
    if task.responsible_id is not None and not task.responsible.unit.path.startswith(plan.unit.path):
        errors["responsible"] = _("The responsible person must be a member of %(unit)s.") % {"unit": plan.unit.name}
    if supporting_units is not None:
        for unit in supporting_units:
            if not access.can(acting_user, access.VIEW, unit.path) and not unit.path.startswith(plan.unit.path):
                errors["supporting_units"] = _("Choose supporting units you can see.")
                break
            if task.lead_unit_id and unit.pk == task.lead_unit_id:
                errors["supporting_units"] = _("The lead unit cannot also be a supporting unit.")
                break
    for name in ("content", "expected_output"):
        setattr(task, name, (getattr(task, name) or "").strip())


@transaction.atomic
def create_task(plan: Plan, *, acting_user, title: str, lead_unit, start_on, deadline, parent: Task | None = None,
                content: str = "", responsible=None, supporting_units=(), expected_output: str = "",
                weight=Decimal("1"), order: int | None = None, permission_checked: bool = False) -> Task:
    plan = _locked_plan(plan)
    if not permission_checked:
        _require_manage(acting_user, plan)
    _require_editable(plan)
    errors: dict = {}
    if parent is not None:
        parent = Task.objects.select_for_update().get(pk=parent.pk)
        if parent.plan_id != plan.pk:
            errors["parent"] = _("The parent task must belong to the same plan.")
    if order is None:
        siblings = plan.tasks.filter(parent=parent) if parent is not None else plan.tasks.filter(parent__isnull=True)
        order = (max(siblings.values_list("order", flat=True), default=0) or 0) + 1
    task = Task(plan=plan, parent=parent, title=title, content=content or "", responsible=responsible,
                lead_unit=lead_unit, start_on=start_on, deadline=deadline, expected_output=expected_output or "",
                weight=weight, order=order)
    _validate_task(task, supporting_units, acting_user, errors, lead_changed=True)
    prefix = parent.path if parent is not None and "parent" not in errors else _root_prefix(plan)
    if len(prefix) + 2 * len(path_segment(0)) > MAX_PATH:
        errors["parent"] = _("Tasks cannot be nested this deep.")
    if errors:
        raise ValidationError(errors)
    task.path = "~"  # set from the id just below
    task.save()
    task.path = prefix + path_segment(task.pk)
    task.depth = task.path.count(".") - 1
    task.save(update_fields=["path", "depth"])
    if supporting_units:
        task.supporting_units.set(supporting_units)
    _record_task("plan.task.create", task, actor=acting_user, after=_task_snapshot(task))
    return task


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update(of=("self",)).select_related("plan", "plan__unit", "lead_unit").get(pk=task.pk)


@transaction.atomic
def update_task(task: Task, *, acting_user, **changes) -> Task:
    unknown = set(changes) - TASK_EDITABLE
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    task = _locked_task(task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    before = _task_snapshot(task)
    supporting = changes.pop("supporting_units", None)
    lead_changed = "lead_unit" in changes and getattr(changes["lead_unit"], "pk", None) != task.lead_unit_id
    for name, value in changes.items():
        if name in ("content", "expected_output") and value is None:
            value = ""
        setattr(task, name, value)
    errors: dict = {}
    _validate_task(task, supporting, acting_user, errors, lead_changed=lead_changed)
    if errors:
        raise ValidationError(errors)
    task.save()
    if supporting is not None:
        task.supporting_units.set(supporting)
    after = _task_snapshot(task)
    if after != before:
        _record_task("plan.task.update", task, actor=acting_user, before=before, after=after)
    return task


@transaction.atomic
def move_task(task: Task, *, acting_user, parent: Task | None) -> Task:
    """Give the task a new parent inside its plan (None: a root task); its whole subtree moves with it."""
    task = _locked_task(task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    if parent is not None:
        parent = Task.objects.select_for_update().get(pk=parent.pk)
        if parent.plan_id != task.plan_id:
            raise ValidationError({"parent": _("The parent task must belong to the same plan.")})
        if parent.path.startswith(task.path):
            raise ValidationError({"parent": _("A task cannot be moved under itself or one of its subtasks.")})
    if (parent.pk if parent else None) == task.parent_id:
        return task
    before = _task_snapshot(task)
    old_path = task.path
    new_path = (parent.path if parent is not None else _root_prefix(task.plan)) + path_segment(task.pk)
    deepest = Task.objects.filter(path__startswith=old_path).order_by("-depth").values_list("path", flat=True).first()
    if len(deepest) - len(old_path) + len(new_path) > MAX_PATH:
        raise ValidationError({"parent": _("Tasks cannot be nested this deep.")})
    depth_change = (new_path.count(".") - 1) - task.depth
    Task.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + depth_change,
    )
    siblings = Task.objects.filter(plan=task.plan, parent=parent).exclude(pk=task.pk)
    task.refresh_from_db(fields=["path", "depth"])
    task.parent = parent
    task.order = (max(siblings.values_list("order", flat=True), default=0) or 0) + 1
    task.save(update_fields=["parent", "order", "updated_at"])
    _record_task("plan.task.move", task, actor=acting_user, before=before, after=_task_snapshot(task))
    return task


@transaction.atomic
def delete_task(task: Task, *, acting_user) -> None:
    """Delete a task and its subtasks; refused while a child plan concretizes one of them."""
    task = _locked_task(task)
    plan = task.plan
    _require_manage(acting_user, plan)
    _require_editable(plan)
    subtree = Task.objects.filter(path__startswith=task.path, plan=plan)
    if Plan.objects.filter(assignment__task__in=subtree).exists():
        raise ValidationError(_("A child plan concretizes this task or one of its subtasks: close that plan instead."))
    names = list(EvidenceFile.objects.filter(report__task__in=subtree).values_list("file", flat=True))
    before = _task_snapshot(task)
    count = subtree.count()
    _record_task("plan.task.delete", task, actor=acting_user, before=before, note=f"plan {plan.pk}")
    from django.core.files.storage import default_storage

    task.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return count


# --- assignments, milestones, indicators -----------------------------------------------------

@transaction.atomic
def add_assignment(task: Task, *, acting_user, unit, due_on, weight=Decimal("1")) -> Assignment:
    task = _locked_task(task)
    plan = task.plan
    _require_manage(acting_user, plan)
    _require_editable(plan)
    errors: dict = {}
    if unit is None:
        errors["unit"] = _("Choose the unit.")
    elif not unit.path.startswith(plan.unit.path) or unit.pk == plan.unit_id:
        errors["unit"] = _("Tasks are assigned to units subordinate to %(unit)s.") % {"unit": plan.unit.name}
    elif Assignment.objects.filter(task=task, unit=unit).exists():
        errors["unit"] = _("This task is already assigned to %(unit)s.") % {"unit": unit.name}
    _check_date(due_on, "due_on", errors)
    if "due_on" not in errors:
        if due_on > task.deadline:
            errors["due_on"] = _("The plan must be due before the task's deadline.")
        elif "unit" not in errors and not unit.is_valid_on(due_on):
            errors["unit"] = _("%(unit)s does not exist on the due date.") % {"unit": unit.name}
    value = _decimal(weight, "weight", errors)
    if "weight" not in errors and (value is None or value <= 0 or value > Decimal("99999.99")):
        errors["weight"] = _("The weight must be greater than 0.")
    if errors:
        raise ValidationError(errors)
    assignment = Assignment.objects.create(task=task, unit=unit, due_on=due_on, weight=value)
    _record_task("plan.task.assign", task, actor=acting_user,
                 after={"assignment": assignment.pk, "unit": unit.pk, "unit_name": unit.name,
                        "due_on": due_on.isoformat(), "weight": str(value)})
    return assignment


@transaction.atomic
def remove_assignment(assignment: Assignment, *, acting_user) -> None:
    task = _locked_task(assignment.task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    if Plan.objects.filter(assignment=assignment).exists():
        raise ValidationError(_("The assigned unit has already made its plan; close that plan instead."))
    _record_task("plan.task.unassign", task, actor=acting_user,
                 before={"assignment": assignment.pk, "unit": assignment.unit_id, "unit_name": assignment.unit.name})
    assignment.delete()


@transaction.atomic
def add_milestone(task: Task, *, acting_user, title: str, due_on) -> Milestone:
    task = _locked_task(task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    errors: dict = {}
    title = nfc(title)
    if not title:
        errors["title"] = _("Name the milestone.")
    _check_date(due_on, "due_on", errors)
    if "due_on" not in errors and not task.start_on <= due_on <= task.deadline:
        errors["due_on"] = _("A milestone falls between the task's start and deadline.")
    if errors:
        raise ValidationError(errors)
    milestone = Milestone.objects.create(task=task, title=title[:300], due_on=due_on)
    _record_task("plan.task.milestone.add", task, actor=acting_user,
                 after={"milestone": milestone.pk, "title": milestone.title, "due_on": due_on.isoformat()})
    return milestone


@transaction.atomic
def remove_milestone(milestone: Milestone, *, acting_user) -> None:
    task = _locked_task(milestone.task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    _record_task("plan.task.milestone.remove", task, actor=acting_user,
                 before={"milestone": milestone.pk, "title": milestone.title, "due_on": milestone.due_on.isoformat()})
    milestone.delete()


@transaction.atomic
def add_indicator(task: Task, *, acting_user, name: str, unit_of_measure: str, target, baseline=Decimal("0"),
                  direction: str = "at_least") -> Indicator:
    task = _locked_task(task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    errors: dict = {}
    indicator = Indicator(task=task, name=nfc(name), unit_of_measure=nfc(unit_of_measure), direction=direction)
    indicator.target = _decimal(target, "target", errors)
    indicator.baseline = _decimal(baseline, "baseline", errors) if baseline not in (None, "") else Decimal("0")
    if indicator.target is None and "target" not in errors:
        errors["target"] = _("Enter the target value.")
    if not errors and indicator.target == indicator.baseline:
        errors["target"] = _("The target must differ from the baseline.")
    try:
        indicator.full_clean(exclude=["task"] + list(errors))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    indicator.save()
    _record_task("plan.task.indicator.add", task, actor=acting_user,
                 after={"indicator": indicator.pk, "name": indicator.name, "unit_of_measure": indicator.unit_of_measure,
                        "baseline": str(indicator.baseline), "target": str(indicator.target),
                        "direction": indicator.direction})
    return indicator


@transaction.atomic
def remove_indicator(indicator: Indicator, *, acting_user) -> None:
    task = _locked_task(indicator.task)
    _require_manage(acting_user, task.plan)
    _require_editable(task.plan)
    _record_task("plan.task.indicator.remove", task, actor=acting_user,
                 before={"indicator": indicator.pk, "name": indicator.name})
    indicator.delete()


# --- reports ---------------------------------------------------------------------------------

def is_leaf(task: Task) -> bool:
    return not task.subtasks.exists() and not task.assignments.exists()


def submit_report(task: Task, *, acting_user, as_of, progress=None, narrative: str = "", values=None,
                  files=()) -> Report:
    """A progress report of the task's lead unit. A leaf task needs a progress (0–100 %); a task whose
    progress rolls up from subtasks or child plans takes none. Evidence files are PDF or DOCX, checked."""
    task = Task.objects.select_related("plan", "plan__unit", "lead_unit").get(pk=task.pk)
    if not selectors.can_report(acting_user, task):
        raise ActionDenied(target=str(task))
    errors: dict = {}
    if task.plan.status not in IN_FORCE:
        errors["__all__"] = _("Reports are made on tasks of plans in force.")
    _check_date(as_of, "as_of", errors, allow_future=False)
    if "as_of" not in errors and as_of < task.start_on:
        errors["as_of"] = _("The report cannot be dated before the task starts.")
    leaf = is_leaf(task)
    value = _decimal(progress, "progress", errors)
    if "progress" not in errors:
        if leaf and value is None:
            errors["progress"] = _("Enter the progress in percent (0 to 100).")
        elif not leaf and value is not None:
            errors["progress"] = _("This task's progress rolls up from its subtasks and child plans; leave it empty.")
        elif value is not None and not Decimal(0) <= value <= Decimal(100):
            errors["progress"] = _("The progress is a percentage from 0 to 100.")
        elif value is not None and value != value.quantize(Decimal("0.01")):
            errors["progress"] = _("Use at most two decimals.")
    indicator_values = {}
    own = {i.pk: i for i in task.indicators.all()}
    for key, raw in (values or {}).items():
        indicator_id = getattr(key, "pk", key)
        if indicator_id not in own:
            errors["values"] = _("An indicator value is for an indicator of another task.")
            break
        number = _decimal(raw, "values", errors)
        if number is not None:
            if abs(number) >= Decimal("1e12"):
                errors["values"] = _("The value is too large.")
                break
            indicator_values[indicator_id] = number
    checked = []
    for upload in files or ():
        try:
            checked.append((upload, document_files.check_upload(upload)))
        except ValidationError as exc:
            errors["files"] = exc.message_dict.get("file", exc.messages)
            break
    if errors:
        raise ValidationError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            report = Report.objects.create(task=task, unit=task.lead_unit, as_of=as_of, progress=value,
                                           narrative=(narrative or "").strip(), submitted_by=_actor(acting_user))
            for indicator_id, number in indicator_values.items():
                IndicatorValue.objects.create(report=report, indicator_id=indicator_id, value=number)
            for upload, info in checked:
                evidence = EvidenceFile(report=report, original_name=info.name, content_type=info.content_type,
                                        size=info.size, sha256=info.sha256)
                upload.seek(0)
                evidence.file.save(info.name, upload, save=False)
                stored.append(evidence.file.name)
                evidence.save()
            _record_task("plan.report.submit", task, actor=acting_user, after={
                "report": report.pk, "as_of": as_of.isoformat(), "progress": str(value) if value is not None else None,
                "values": {str(k): str(v) for k, v in indicator_values.items()},
                "files": [info.name for _upload, info in checked],
            })
    except Exception:
        from django.core.files.storage import default_storage

        for name in stored:
            default_storage.delete(name)
        raise
    return report


@transaction.atomic
def review_report(report: Report, *, acting_user, accept: bool, note: str = "",
                  permission_checked: bool = False) -> Report:
    """The assigning unit accepts the report (it then counts in the roll-up) or returns it with a reason."""
    report = Report.objects.select_for_update(of=("self",)).select_related("task", "task__plan", "task__plan__unit").get(
        pk=report.pk)
    plan = report.task.plan
    if not permission_checked:
        _require_manage(acting_user, plan)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("This report was already reviewed."))
    note = nfc(note)
    if not accept and not note:
        raise ValidationError({"note": _("Say why the report is returned.")})
    report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    report.reviewed_by, report.reviewed_at, report.review_note = _actor(acting_user), timezone.now(), note[:1000]
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    _record_task("plan.report.accept" if accept else "plan.report.return", report.task, actor=acting_user,
                 after={"report": report.pk, "status": report.status, "note": note[:200]})
    if report.submitted_by_id:
        from django.urls import reverse

        text = (_("Your report on “%(task)s” was accepted.") if accept
                else _("Your report on “%(task)s” was returned: %(note)s")) % {"task": report.task.title[:200],
                                                                                "note": note[:300]}
        Notification.objects.create(user_id=report.submitted_by_id, text=text[:1000],
                                    link=reverse("plans:task-detail", kwargs={"pk": report.task_id}))
    return report


@transaction.atomic
def assign_units(task: Task, *, acting_user, units, due_on, weight=Decimal("1")) -> list[Assignment]:
    """Assign the task to several units at once: all or none."""
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    return [add_assignment(task, acting_user=acting_user, unit=unit, due_on=due_on, weight=weight) for unit in units]


@transaction.atomic
def mark_notifications_read(*, acting_user) -> int:
    if not getattr(acting_user, "is_authenticated", False):
        raise ActionDenied(target="notifications")
    return Notification.objects.filter(user=acting_user, read_at__isnull=True).update(read_at=timezone.now())
