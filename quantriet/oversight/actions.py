"""Changes to programmes, items, notes, conclusions and recommendations: permission, validation, audit.

Every audit entry carries the inspecting unit's path as scope. The follow-up of recommendations goes
through `quantriet.plans.actions` (plan, tasks, reports, review); those calls pass
`permission_checked=True` after this module has checked the oversight permission (an inspector is not a
plans manager), and `issue_plan(numbered=False)`: the follow-up plan is not a party document of its own
and takes no number of the unit's "KH" sequence (the conclusion has its own number).
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.actions import check_date as _check_date
from quantriet.core.text import nfc
from quantriet.documents import files as document_files

from . import selectors, snapshot
from .models import (
    Body, Conclusion, Item, ItemKind, ItemStatus, Note, NoteKind, Program, Recommendation, RecommendationStatus,
)

MAX_TEXT = 20000
ITEM_AUDITED = ["program", "kind", "subject_unit", "subject_member", "topic", "document", "plan", "period_from",
                "period_to", "starts_on", "ends_on", "team_head", "status", "self_report_due", "closed_on"]
CONCLUSION_AUDITED = ["strengths", "shortcomings", "causes", "type_code", "number", "issuer_symbol", "term",
                      "canonical_number", "issued_on", "place", "signing_authority", "signer_title", "signer_name",
                      "recipients"]
CONCLUSION_EDITABLE = {"strengths", "shortcomings", "causes", "place", "signing_authority", "signer_title",
                       "signer_name", "recipients"}
SIGNING = {Body.COMMITTEE: ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"), Body.COMMISSION: ("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM")}


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _record(action, obj, program: Program, *, actor, before=None, after=None, note=""):
    audit.record(action, obj, actor=actor, before=before, after=after, scope_path=program.unit.path, note=note)


def _require_manage(user, item_or_program):
    if not selectors.can_manage(user, item_or_program):
        raise ActionDenied(target=str(item_or_program))




def _text(value, field: str, errors: dict, *, required=False, limit=MAX_TEXT) -> str:
    value = nfc((value or "").strip())
    if required and not value:
        errors.setdefault(field, _("This field is required."))
    elif len(value) > limit:
        errors.setdefault(field, _("The text is too long."))
    return value


def _locked_item(item: Item) -> Item:
    return Item.objects.select_for_update(of=("self",)).select_related(
        "program", "program__unit", "subject_unit", "subject_member").get(pk=item.pk)


# --- programmes and items --------------------------------------------------------------------

PROGRAM_AUDITED = ["unit", "body", "year", "title"]
PROGRAM_EDITABLE = {"title", "year", "body"}
ITEM_EDITABLE = {"kind", "subject_unit", "subject_member", "topic", "document", "plan", "period_from", "period_to",
                 "starts_on", "ends_on", "team_head", "team_members"}


def _validate_program(program: Program, errors: dict):
    if program.body not in Body.values:
        errors["body"] = _("Choose the committee or its inspection commission.")
    if not isinstance(program.year, int) or isinstance(program.year, bool) or not 1930 <= program.year <= 2100:
        errors["year"] = _("Enter a year between 1930 and 2100.")
    program.title = _text(program.title, "title", errors, required=True, limit=500)
    if not errors and Program.objects.filter(unit=program.unit, body=program.body, year=program.year).exclude(
            pk=program.pk).exists():
        errors["year"] = _("This body already has a programme for that year.")


@transaction.atomic
def create_program(*, acting_user, unit, body: str, year: int, title: str) -> Program:
    if unit is None or not selectors.can_manage_unit(acting_user, unit):
        raise ActionDenied(target=str(unit))
    errors: dict = {}
    program = Program(unit=unit, body=body, year=year, title=title, created_by=_actor(acting_user))
    _validate_program(program, errors)
    if errors:
        raise ValidationError(errors)
    program.save()
    _record("oversight.program.create", program, program, actor=acting_user,
            after=audit.snapshot(program, PROGRAM_AUDITED))
    return program


def has_issued_conclusion(program_or_item) -> bool:
    field = "item__program" if isinstance(program_or_item, Program) else "item"
    return Conclusion.objects.filter(**{field: program_or_item}, issued_on__isnull=False).exists()


@transaction.atomic
def update_program(program: Program, *, acting_user, **changes) -> Program:
    """Change the title, year or body of a programme. Its year and body are cited by the conclusions (and the
    body decides their numbering): they no longer change once one of its conclusions is issued, and the year
    only while every item starts in it. The title can always be corrected."""
    unknown = set(changes) - PROGRAM_EDITABLE
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    program = Program.objects.select_for_update(of=("self",)).select_related("unit").get(pk=program.pk)
    _require_manage(acting_user, program)
    before = audit.snapshot(program, PROGRAM_AUDITED)
    old_body = program.body
    for name, value in changes.items():
        setattr(program, name, value)
    errors: dict = {}
    _validate_program(program, errors)
    moved = {name for name in ("year", "body") if name in changes and getattr(program, name) != before[name]}
    if moved and has_issued_conclusion(program):
        for name in moved:
            errors.setdefault(name, _("A conclusion of this programme is issued: its year and body can no longer "
                                      "change."))
    elif "year" in moved and "year" not in errors and program.items.exclude(starts_on__year=program.year).exists():
        errors["year"] = _("Some items of this programme start in another year: change their schedule first.")
    if errors:
        raise ValidationError(errors)
    program.save()
    note = ""
    if program.body != old_body:  # the drafts still signed with the old body's defaults take the new ones
        old_authority, old_title = SIGNING[old_body]
        authority, title = SIGNING[program.body]
        count = Conclusion.objects.filter(item__program=program, issued_on__isnull=True,
                                          signing_authority=old_authority, signer_title=old_title).update(
            signing_authority=authority, signer_title=title)
        if count:
            note = f"{count} draft conclusion(s) re-signed for the new body"
    after = audit.snapshot(program, PROGRAM_AUDITED)
    if after != before:
        _record("oversight.program.update", program, program, actor=acting_user, before=before, after=after,
                note=note)
    return program


def _fk(item: Item, name: str):
    return getattr(item, name) if getattr(item, f"{name}_id") is not None else None


def _validate_item(item: Item, program: Program, acting_user, errors: dict, *, team_members, old: Item | None = None,
                   old_team: set | None = None):
    """The rules of an item, on creation (`old` None) and on change (the values as they were in `old`)."""
    if item.kind not in ItemKind.values:
        errors["kind"] = _("Choose inspection, regular supervision or thematic supervision.")
    item.topic = _text(item.topic, "topic", errors, required=True, limit=500)
    period_from, period_to, starts_on, ends_on = item.period_from, item.period_to, item.starts_on, item.ends_on
    for field, day in (("period_from", period_from), ("period_to", period_to), ("starts_on", starts_on),
                       ("ends_on", ends_on)):
        _check_date(day, field, errors)
    if "period_from" not in errors and "period_to" not in errors and period_to < period_from:
        errors["period_to"] = _("The period under review cannot end before it starts.")
    if "starts_on" not in errors and "ends_on" not in errors:
        if ends_on < starts_on:
            errors["ends_on"] = _("The end cannot be before the start.")
        elif starts_on.year != program.year:
            errors["starts_on"] = _("An item of the %(year)s programme starts in %(year)s.") % {"year": program.year}
    if "period_from" not in errors and "starts_on" not in errors and period_from > starts_on:
        errors["period_from"] = _("The period under review cannot begin after the item starts.")
    subject_unit, subject_member = _fk(item, "subject_unit"), _fk(item, "subject_member")
    if subject_unit is None:
        errors["subject_unit"] = _("Choose the unit inspected or supervised.")
    elif not subject_unit.path.startswith(program.unit.path) or subject_unit.pk == program.unit_id:
        errors["subject_unit"] = _("The subject must be a unit under %(unit)s.") % {"unit": program.unit.name}
    elif "starts_on" not in errors and not subject_unit.is_valid_on(starts_on):
        errors["subject_unit"] = _("%(unit)s did not exist on the start date.") % {"unit": subject_unit.name}
    if subject_member is not None and subject_unit is not None and not subject_member.unit.path.startswith(
            subject_unit.path):
        errors["subject_member"] = _("The member must belong to the subject unit.")
    if old is not None and (old.status != ItemStatus.PLANNED or old.self_report_at) and (
            item.subject_unit_id != old.subject_unit_id or item.subject_member_id != old.subject_member_id):
        errors.setdefault("subject_unit", _("The subject has been asked for its self-report: it can no longer "
                                            "change."))
    # Only the people, document and plan newly chosen must be visible to the user who changes the item.
    people = {m.pk for m in [_fk(item, "team_head"), *team_members] if m is not None}
    if old is not None:
        people -= (old_team or set()) | {old.team_head_id}
    if people and access.visible_members(acting_user).filter(pk__in=people).count() != len(people):
        errors["team_members"] = _("Choose team members you can see.")
    if item.document is not None and (old is None or item.document_id != old.document_id):
        from quantriet.documents.selectors import visible_documents

        if not visible_documents(acting_user).filter(pk=item.document_id).exists():
            errors["document"] = _("Choose a document of the library that you can see.")
    if item.plan is not None and (old is None or item.plan_id != old.plan_id):
        from quantriet.plans.selectors import visible_plans

        if not visible_plans(acting_user).filter(pk=item.plan_id).exists():
            errors["plan"] = _("Choose a plan that you can see.")
    if old is not None and item.status == ItemStatus.SELF_REPORT and "period_to" not in errors and "ends_on" not in errors and \
            not period_to < item.self_report_due <= ends_on:
        errors.setdefault("ends_on", _("The self-report is due on %(day)s: the period under review must end before "
                                       "it and the item end on or after it.") % {
            "day": item.self_report_due.strftime("%d/%m/%Y")})
    if old is not None and "starts_on" not in errors:
        early = Recommendation.objects.filter(conclusion__item=item, deadline__lt=starts_on).order_by(
            "deadline").first()
        if early is not None:
            errors["starts_on"] = _("A recommendation of the draft conclusion is due on %(day)s, before this "
                                    "start.") % {"day": early.deadline.strftime("%d/%m/%Y")}


@transaction.atomic
def create_item(program: Program, *, acting_user, kind: str, subject_unit, topic: str, period_from, period_to,
                starts_on, ends_on, subject_member=None, document=None, plan=None, team_head=None,
                team_members=()) -> Item:
    program = Program.objects.select_related("unit").get(pk=program.pk)
    _require_manage(acting_user, program)
    errors: dict = {}
    item = Item(program=program, kind=kind, subject_unit=subject_unit, subject_member=subject_member, topic=topic,
                document=document, plan=plan, period_from=period_from, period_to=period_to, starts_on=starts_on,
                ends_on=ends_on, team_head=team_head)
    _validate_item(item, program, acting_user, errors, team_members=team_members)
    if errors:
        raise ValidationError(errors)
    item.save()
    if team_members:
        item.team_members.set(team_members)
    after = audit.snapshot(item, ITEM_AUDITED)
    after["team_member_ids"] = sorted(m.pk for m in team_members)
    _record("oversight.item.create", item, program, actor=acting_user, after=after)
    return item


def _require_open_item(item: Item):
    if item.status in (ItemStatus.CONCLUDED, ItemStatus.CLOSED) or has_issued_conclusion(item):
        raise ValidationError(_("The conclusion of this item is issued: the item can no longer be changed."))


def _item_snapshot(item: Item, team_ids) -> dict:
    data = audit.snapshot(item, ITEM_AUDITED)
    data["team_member_ids"] = sorted(team_ids)
    return data


@transaction.atomic
def update_item(item: Item, *, acting_user, **changes) -> Item:
    """Change an item (kind, subject, topic, document, plan, period, schedule, team) until its conclusion is
    issued; the rules are those of `create_item`."""
    unknown = set(changes) - ITEM_EDITABLE
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    item = _locked_item(item)
    _require_manage(acting_user, item)
    _require_open_item(item)
    program = item.program
    old = Item.objects.get(pk=item.pk)
    old_team = set(item.team_members.values_list("pk", flat=True))
    before = _item_snapshot(item, old_team)
    team_members = changes.pop("team_members", None)
    for name, value in changes.items():
        setattr(item, name, value)
    errors: dict = {}
    _validate_item(item, program, acting_user, errors, old=old, old_team=old_team,
                   team_members=list(team_members) if team_members is not None else [])
    if errors:
        raise ValidationError(errors)
    item.save()
    team_ids = old_team
    if team_members is not None:
        item.team_members.set(team_members)
        team_ids = {m.pk for m in team_members}
    after = _item_snapshot(item, team_ids)
    if after != before:
        _record("oversight.item.update", item, program, actor=acting_user, before=before, after=after)
    return item


def can_delete_item(item: Item) -> bool:
    return not (Conclusion.objects.filter(item=item).exists() or item.notes.exists() or item.self_report_at
                or item.self_report_file or item.self_report_text)


@transaction.atomic
def delete_item(item: Item, *, acting_user) -> Program:
    """Withdraw an item from its programme: only while it has no conclusion (even a draft), no working note and
    no self-report. Returns the programme."""
    item = _locked_item(item)
    _require_manage(acting_user, item)
    _require_open_item(item)
    if not can_delete_item(item):
        raise ValidationError(_("This item already has a self-report, working notes or a conclusion: it can no "
                                "longer be withdrawn from the programme."))
    program = item.program
    _record("oversight.item.delete", item, program, actor=acting_user,
            before=_item_snapshot(item, item.team_members.values_list("pk", flat=True)), note=f"programme {program.pk}")
    item.delete()
    return program


@transaction.atomic
def request_self_report(item: Item, *, acting_user, due_on) -> Item:
    item = _locked_item(item)
    _require_manage(acting_user, item)
    if item.status not in (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS):
        raise ValidationError(_("A self-report can be requested before the conclusion only."))
    errors: dict = {}
    _check_date(due_on, "due_on", errors)
    if not errors and not item.period_to < due_on <= item.ends_on:
        errors["due_on"] = _("The self-report is due after the period under review and by the end of the item.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(item, ITEM_AUDITED)
    item.status, item.self_report_due = ItemStatus.SELF_REPORT, due_on
    item.save(update_fields=["status", "self_report_due"])
    _record("oversight.item.request_self_report", item, item.program, actor=acting_user, before=before,
            after=audit.snapshot(item, ITEM_AUDITED))
    return item


def submit_self_report(item: Item, *, acting_user, text: str = "", file=None) -> Item:
    """The subject's report on itself: text and/or a PDF or DOCX file (checked by content and size)."""
    item = Item.objects.select_related("program__unit", "subject_unit").get(pk=item.pk)
    if not selectors.can_self_report(acting_user, item):
        raise ActionDenied(target=str(item))
    errors: dict = {}
    text = _text(text, "text", errors)
    checked = None
    if file is not None:
        try:
            checked = document_files.check_upload(file)
        except ValidationError as exc:
            errors["file"] = exc.message_dict.get("file", exc.messages)
    elif not text:
        errors["text"] = _("Write the self-report or attach it as a file.")
    if errors:
        raise ValidationError(errors)
    saved = None
    try:
        with transaction.atomic():
            locked = _locked_item(item)
            if locked.status != ItemStatus.SELF_REPORT:
                raise ValidationError(_("The self-report is not requested."))
            old_name, storage = locked.self_report_file.name, locked.self_report_file.storage
            if checked is not None:
                file.seek(0)
                locked.self_report_file.save(checked.name, file, save=False)
                saved = locked.self_report_file.name
                locked.self_report_name, locked.self_report_content_type = checked.name, checked.content_type
                locked.self_report_size, locked.self_report_sha256 = checked.size, checked.sha256
            locked.self_report_text = text
            locked.self_report_at, locked.self_report_by = timezone.now(), _actor(acting_user)
            locked.status = ItemStatus.IN_PROGRESS
            locked.save()
            _record("oversight.item.self_report", locked, locked.program, actor=acting_user,
                    after={"text": len(text), "file": checked.name if checked else None,
                           "sha256": checked.sha256 if checked else None})
            if checked is not None and old_name:
                transaction.on_commit(lambda: storage.delete(old_name))
    except Exception:
        if saved:
            item.self_report_file.storage.delete(saved)
        raise
    return locked


@transaction.atomic
def add_note(item: Item, *, acting_user, text: str, kind: str = NoteKind.NOTE) -> Note:
    item = _locked_item(item)
    if not selectors.can_add_note(acting_user, item):
        raise ActionDenied(target=str(item))
    errors: dict = {}
    text = _text(text, "text", errors, required=True)
    if kind not in NoteKind.values:
        errors["kind"] = _("Choose a working note or a finding.")
    if errors:
        raise ValidationError(errors)
    note = Note.objects.create(item=item, kind=kind, text=text, author=_actor(acting_user))
    # The audit entry says that a note was written, not what it says: the log is read by more people.
    _record("oversight.note.add", item, item.program, actor=acting_user, after={"note": note.pk, "kind": kind})
    return note


# --- conclusions -----------------------------------------------------------------------------

def _require_draft(conclusion: Conclusion):
    if conclusion.is_issued:
        raise ValidationError(_("The conclusion is issued: it can no longer be changed."))


@transaction.atomic
def save_conclusion(item: Item, *, acting_user, **fields) -> Conclusion:
    """Create or change the draft conclusion of an item; refused once it is issued."""
    unknown = set(fields) - CONCLUSION_EDITABLE
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    item = _locked_item(item)
    _require_manage(acting_user, item)
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("The item is closed."))
    conclusion = Conclusion.objects.select_for_update().filter(item=item).first()
    if conclusion is None:
        authority, title = SIGNING[item.program.body]
        conclusion = Conclusion(item=item, signing_authority=authority, signer_title=title)
        before = None
    else:
        _require_draft(conclusion)
        before = audit.snapshot(conclusion, CONCLUSION_AUDITED)
    errors: dict = {}
    for name, value in fields.items():
        limit = 120 if name in ("place", "signing_authority", "signer_title", "signer_name") else MAX_TEXT
        setattr(conclusion, name, _text(value, name, errors, limit=limit))
    if errors:
        raise ValidationError(errors)
    authority, title = SIGNING[item.program.body]
    conclusion.signing_authority = conclusion.signing_authority or authority
    conclusion.signer_title = conclusion.signer_title or title
    conclusion.save()
    after = audit.snapshot(conclusion, CONCLUSION_AUDITED)
    if after != before:
        _record("oversight.conclusion.save", conclusion, item.program, actor=acting_user, before=before, after=after)
    return conclusion


@transaction.atomic
def add_recommendation(item: Item, *, acting_user, text: str, deadline) -> Recommendation:
    item = _locked_item(item)
    _require_manage(acting_user, item)
    conclusion = Conclusion.objects.select_for_update().filter(item=item).first()
    if conclusion is None:
        conclusion = save_conclusion(item, acting_user=acting_user)
    _require_draft(conclusion)
    errors: dict = {}
    text = _text(text, "text", errors, required=True, limit=5000)
    _check_date(deadline, "deadline", errors)
    if not errors and deadline < item.starts_on:
        errors["deadline"] = _("The deadline cannot be before the item starts.")
    if errors:
        raise ValidationError(errors)
    order = (max(conclusion.recommendations.values_list("order", flat=True), default=0) or 0) + 1
    recommendation = Recommendation.objects.create(conclusion=conclusion, order=order, text=text, deadline=deadline)
    _record("oversight.recommendation.add", conclusion, item.program, actor=acting_user,
            after={"recommendation": recommendation.pk, "text": text[:200], "deadline": deadline.isoformat()})
    return recommendation


def _number(conclusion: Conclusion, item: Item, issued_on: datetime.date):
    from quantriet.plans import numbering

    unit = item.program.unit
    type_code = "KL" if item.is_inspection else "TB"
    symbol = numbering.issuer_symbol(unit)
    sequence_code = type_code
    if item.program.body == Body.COMMISSION:  # the commission numbers its own documents: "…/UBKTTU"
        symbol, sequence_code = f"UBKT{symbol}", f"{type_code}-UBKT"
    term = numbering.term_for(issued_on)
    number = numbering.next_number(unit, sequence_code, term)
    conclusion.type_code, conclusion.sequence_code, conclusion.issuing_unit = type_code, sequence_code, unit
    conclusion.number, conclusion.issuer_symbol, conclusion.term = number, symbol, term
    conclusion.canonical_number = numbering.canonical(number, type_code, symbol)


@transaction.atomic
def issue_conclusion(item: Item, *, acting_user, issued_on) -> Conclusion:
    """Number the conclusion, store the figures it cites, turn its recommendations into the tasks of a
    follow-up plan of the inspecting unit led by the subject unit, and mark the item concluded."""
    from quantriet.plans import actions as plan_actions

    item = _locked_item(item)
    _require_manage(acting_user, item)
    conclusion = Conclusion.objects.select_for_update().filter(item=item).first()
    if conclusion is None:
        raise ValidationError(_("Write the conclusion first."))
    _require_draft(conclusion)
    errors: dict = {}
    _check_date(issued_on, "issued_on", errors, allow_future=False)
    if not errors and issued_on < item.starts_on:
        errors["issued_on"] = _("The conclusion cannot be dated before the item starts.")
    if not errors and not item.program.unit.is_valid_on(issued_on):
        errors["issued_on"] = _("%(unit)s did not exist on that date.") % {"unit": item.program.unit.name}
    if not (conclusion.strengths or conclusion.shortcomings):
        errors["shortcomings"] = _("State the strengths and shortcomings found.")
    recommendations = list(conclusion.recommendations.all())
    if not errors and any(r.deadline < issued_on for r in recommendations):
        errors["issued_on"] = _("A recommendation is due before this date: change its deadline or the date.")
    if item.status == ItemStatus.SELF_REPORT:
        errors.setdefault("__all__", _("The subject's self-report is still awaited."))
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(conclusion, CONCLUSION_AUDITED)
    _number(conclusion, item, issued_on)
    conclusion.issued_on = issued_on
    conclusion.snapshot = snapshot.take(item, issued_on)
    if not conclusion.place:
        from quantriet.core.partydoc import default_place

        conclusion.place = default_place(item.program.unit)
    if recommendations:
        label = "kết luận" if item.is_inspection else "thông báo kết luận"
        plan = plan_actions.create_plan(
            acting_user=acting_user, unit=item.program.unit, permission_checked=True,
            title=f"Theo dõi thực hiện {label} số {conclusion.canonical_number} đối với {item.subject_unit.name}",
            summary=item.topic[:500])
        for recommendation in recommendations:
            recommendation.task = plan_actions.create_task(
                plan, acting_user=acting_user, permission_checked=True, title=recommendation.text[:500],
                content=recommendation.text, lead_unit=item.subject_unit, start_on=issued_on,
                deadline=recommendation.deadline, order=recommendation.order)
            recommendation.save(update_fields=["task"])
        conclusion.follow_up_plan = plan_actions.issue_plan(plan, acting_user=acting_user, issued_on=issued_on,
                                                            numbered=False, permission_checked=True)
    try:
        with transaction.atomic():
            conclusion.save()
    except IntegrityError as exc:
        raise ValidationError({"issued_on": _("This number is already taken; issue the conclusion again.")}) from exc
    item.status = ItemStatus.CONCLUDED
    item.save(update_fields=["status"])
    _record("oversight.conclusion.issue", conclusion, item.program, actor=acting_user, before=before,
            after=audit.snapshot(conclusion, CONCLUSION_AUDITED))
    return conclusion


# --- recommendations -------------------------------------------------------------------------

def report_on_recommendation(recommendation: Recommendation, *, acting_user, as_of, narrative: str = "",
                             progress=100, files=()):
    """The subject reports what it did, with evidence: a report on the recommendation's task (plans)."""
    from quantriet.plans import actions as plan_actions

    if not selectors.can_report_on(acting_user, recommendation):
        raise ActionDenied(target=str(recommendation))
    return plan_actions.submit_report(recommendation.task, acting_user=acting_user, as_of=as_of, progress=progress,
                                      narrative=narrative, files=files)


@transaction.atomic
def review_recommendation_report(report, *, acting_user, accept: bool, note: str = ""):
    """The inspecting body accepts or returns a report on a recommendation's task."""
    from quantriet.plans import actions as plan_actions

    recommendation = Recommendation.objects.select_related("conclusion__item__program__unit").filter(
        task_id=report.task_id).first()
    if recommendation is None:
        raise ActionDenied(target=str(report))
    _require_manage(acting_user, recommendation.conclusion.item)
    return plan_actions.review_report(report, acting_user=acting_user, accept=accept, note=note,
                                      permission_checked=True)


def has_accepted_evidence(recommendation: Recommendation) -> bool:
    from quantriet.plans.models import EvidenceFile, ReportStatus

    return recommendation.task_id is not None and EvidenceFile.objects.filter(
        report__task_id=recommendation.task_id, report__status=ReportStatus.ACCEPTED).exists()


@transaction.atomic
def close_recommendation(recommendation: Recommendation, *, acting_user, closed_on) -> Recommendation:
    """Close a recommendation; refused unless the body has accepted a report on its task carrying evidence."""
    recommendation = Recommendation.objects.select_for_update(of=("self",)).select_related(
        "conclusion", "conclusion__item", "conclusion__item__program__unit").get(pk=recommendation.pk)
    item = recommendation.conclusion.item
    _require_manage(acting_user, item)
    if recommendation.status != RecommendationStatus.OPEN:
        raise ValidationError(_("This recommendation is already closed."))
    errors: dict = {}
    _check_date(closed_on, "closed_on", errors, allow_future=False)
    if not errors and closed_on < recommendation.conclusion.issued_on:
        errors["closed_on"] = _("A recommendation cannot be closed before the conclusion was issued.")
    if not has_accepted_evidence(recommendation):
        errors["__all__"] = _("A recommendation closes only once a report on it, with evidence, has been accepted.")
    if errors:
        raise ValidationError(errors)
    recommendation.status, recommendation.closed_on = RecommendationStatus.CLOSED, closed_on
    recommendation.closed_by = _actor(acting_user)
    recommendation.save(update_fields=["status", "closed_on", "closed_by"])
    _record("oversight.recommendation.close", recommendation.conclusion, item.program, actor=acting_user,
            after={"recommendation": recommendation.pk, "closed_on": closed_on.isoformat()})
    return recommendation


@transaction.atomic
def close_item(item: Item, *, acting_user, closed_on) -> Item:
    """Close an item once its conclusion is issued and every recommendation is closed (the follow-up plan too)."""
    from quantriet.plans import actions as plan_actions

    item = _locked_item(item)
    _require_manage(acting_user, item)
    conclusion = Conclusion.objects.filter(item=item).first()
    if item.status != ItemStatus.CONCLUDED or conclusion is None:
        raise ValidationError(_("Only an item whose conclusion is issued can be closed."))
    errors: dict = {}
    _check_date(closed_on, "closed_on", errors, allow_future=False)
    if not errors and closed_on < conclusion.issued_on:
        errors["closed_on"] = _("The item cannot be closed before its conclusion was issued.")
    if conclusion.recommendations.filter(status=RecommendationStatus.OPEN).exists():
        errors["__all__"] = _("Some recommendations are still open.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(item, ITEM_AUDITED)
    if conclusion.follow_up_plan_id:
        plan_actions.close_plan(conclusion.follow_up_plan, acting_user=acting_user, closed_on=closed_on,
                                permission_checked=True)
    item.status, item.closed_on = ItemStatus.CLOSED, closed_on
    item.save(update_fields=["status", "closed_on"])
    _record("oversight.item.close", item, item.program, actor=acting_user, before=before,
            after=audit.snapshot(item, ITEM_AUDITED))
    return item
