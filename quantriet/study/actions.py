"""Changes to study campaigns and records. Each checks permission, validates, moves the coverage
counters in the same transaction (`counters.py`) and writes the audit log.

Who may do what:
- managing a campaign (create, open, archive, refresh the targets, exempt a member): office staff
  and administrators of the organizing unit or above (access.EDIT_UNITS);
- linking a conference or cell meeting (or a make-up session): the secretary or office of the
  organizing unit of that meeting, inside the campaign's subtree (access.EDIT_MEMBERS);
- grading a reflection, exempting from writing: the secretary of the record's cell or the office
  of a unit above (access.EDIT_MEMBERS on the record's unit), never on one's own record;
- submitting a reflection and taking the quiz: the member, on their own record.

Who is targeted: members of the campaign's subtree whose status is among the campaign's
statuses (probationary and/or official). Exempted members (miễn sinh hoạt) are never targeted;
a member exempted, removed, expelled or deceased while the campaign is open leaves the target at
the next `refresh_targets` (run daily by the scheduled task and on demand by the organizer);
their record is kept (state "left") with what they had done. Members admitted while the campaign
is open join at the next refresh; members transferred in join at once (`counters.members_moved`).

`today` (keyword, default: the real date) exists only to load historical data (the demo's 2022
campaign); views and the API never pass it.
"""
from __future__ import annotations

import datetime
import random

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.text import nfc
from quantriet.members.models import Member
from quantriet.units.models import Unit

from . import counters
from .models import (
    Campaign, CampaignSession, CampaignStatus, Option, Question, QuestionKind, QuizAttempt, RecordState,
    ReflectionStatus, StudyRecord,
)

MAX_TEXT = 20_000
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
MANAGE = access.EDIT_UNITS
GRADE = access.EDIT_MEMBERS


def max_upload_bytes() -> int:
    return int(getattr(settings, "QUANTRIET_STUDY_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))


def _today(today=None) -> datetime.date:
    return today or timezone.localdate()


def _deny_unless(allowed: bool, target) -> None:
    if not allowed:
        raise ActionDenied(target=str(target))


def can_manage(user, campaign: Campaign) -> bool:
    return access.can(user, MANAGE, campaign.unit.path)


def can_grade(user, record: StudyRecord) -> bool:
    own = access.own_member(user)
    if own is not None and own.pk == record.member_id:
        return False
    return access.can(user, GRADE, record.unit.path)


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


# -- campaigns --------------------------------------------------------------------------------------

def _validate_campaign(campaign: Campaign, documents, today) -> None:
    errors = {}
    if not campaign.title.strip():
        errors["title"] = _("Enter a title.")
    if campaign.deadline and campaign.starts_on and campaign.deadline < campaign.starts_on:
        errors["deadline"] = _("The deadline must not be before the start.")
    elif campaign.deadline and campaign.deadline < today:
        errors["deadline"] = _("The deadline is in the past.")
    if not (campaign.include_probationary or campaign.include_official):
        errors["include_official"] = _("Choose at least one kind of member to target.")
    if not documents:
        errors["documents"] = _("Choose at least one document to study.")
    if campaign.unit_id and not campaign.unit.is_valid_on(today):
        errors["unit"] = _("This unit does not exist on that date.")
    if campaign.quiz_pass_percent > 100:
        errors["quiz_pass_percent"] = _("The pass mark is a percentage (at most 100).")
    if campaign.quiz_questions < 1 or campaign.quiz_questions > 100:
        errors["quiz_questions"] = _("Draw between 1 and 100 questions per attempt.")
    if campaign.quiz_max_attempts < 1 or campaign.quiz_max_attempts > 20:
        errors["quiz_max_attempts"] = _("Allow between 1 and 20 attempts.")
    try:
        campaign.full_clean(exclude=["documents", "created_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_campaign(*, acting_user, unit: Unit, title: str, documents, starts_on, deadline, today=None,
                    **settings_) -> Campaign:
    _deny_unless(access.can(acting_user, MANAGE, unit.path), unit)
    allowed = {"description", "include_probationary", "include_official", "quiz_required", "quiz_questions",
               "quiz_pass_percent", "quiz_max_attempts", "reminder_days", "lagging_percent"}
    unknown = set(settings_) - allowed
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    campaign = Campaign(unit=unit, title=nfc(title or ""), starts_on=starts_on, deadline=deadline,
                        created_by=_user(acting_user), **settings_)
    documents = list(documents or [])
    _validate_campaign(campaign, documents, _today(today))
    campaign.save()
    campaign.documents.set(documents)
    audit.record("study.campaign.create", campaign, actor=acting_user,
                 after={**audit.snapshot(campaign, ["title", "unit", "starts_on", "deadline"]),
                        "documents": [d.pk for d in documents]}, scope_path=unit.path)
    return campaign


def _eligible_members(campaign: Campaign):
    return Member.objects.filter(unit__path__startswith=campaign.unit.path, status__in=campaign.statuses())


@transaction.atomic
def open_campaign(campaign: Campaign, *, acting_user, today=None) -> int:
    """Open the campaign: one record per targeted member, at the member's unit now; counters built."""
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    _deny_unless(can_manage(acting_user, campaign), campaign)
    today = _today(today)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft campaign can be opened.")})
    if campaign.deadline < today:
        raise ValidationError({"deadline": _("The deadline is in the past.")})
    targeted = _insert_records(campaign)
    units = Unit.objects.filter(path__startswith=campaign.unit.path).valid_on(today).values_list("pk", flat=True)
    counters.build(campaign, set(units))
    campaign.status, campaign.opened_at = CampaignStatus.OPEN, timezone.now()
    campaign.save(update_fields=["status", "opened_at"])
    audit.record("study.campaign.open", campaign, actor=acting_user, after={"targeted": targeted},
                 scope_path=campaign.unit.path)
    return targeted


def _insert_records(campaign: Campaign) -> int:
    """One record per targeted member at the member's unit, in one INSERT … SELECT (a national campaign
    opens with a million rows; building them in Python would take minutes)."""
    records, members, units = StudyRecord._meta.db_table, Member._meta.db_table, Unit._meta.db_table
    statuses = campaign.statuses()
    placeholders = ", ".join(["%s"] * len(statuses))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {records} (campaign_id, member_id, unit_id, state, state_reason, attended, writing_exempt,
                    writing_exempt_reason, reflection_status, reflection_text, plan_text, reflection_file,
                    reflection_file_name, reflection_file_type, grade_comment, quiz_passed, completed, updated_at)
                SELECT %s, m.id, m.unit_id, %s, '', %s, %s, '', %s, '', '', '', '', '', '', %s, %s, %s
                FROM {members} m JOIN {units} u ON u.id = m.unit_id
                WHERE u.path LIKE %s AND m.status IN ({placeholders})""",
            [campaign.pk, RecordState.TARGETED.value, False, False, ReflectionStatus.NONE.value, False, False, now,
             campaign.unit.path + "%", *statuses])
        return cursor.rowcount


@transaction.atomic
def archive_campaign(campaign: Campaign, *, acting_user) -> Campaign:
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    _deny_unless(can_manage(acting_user, campaign), campaign)
    if campaign.status == CampaignStatus.ARCHIVED:
        raise ValidationError({"status": _("The campaign is already archived.")})
    campaign.status = CampaignStatus.ARCHIVED
    campaign.save(update_fields=["status"])
    audit.record("study.campaign.archive", campaign, actor=acting_user, scope_path=campaign.unit.path)
    return campaign


def _require_live(campaign: Campaign, today=None) -> None:
    if not campaign.is_live_on(_today(today)):
        if campaign.status == CampaignStatus.DRAFT:
            raise ValidationError(_("The campaign is not open yet."))
        raise ValidationError(_("The campaign is closed (past its deadline or archived)."))


@transaction.atomic
def refresh_targets(campaign: Campaign, *, acting_user=None, today=None) -> dict:
    """Bring the targets in line with the members now: newcomers join, those no longer eligible leave,
    records follow members whose unit changed without a recorded move. Set-based; counters adjusted.
    `acting_user` None is the scheduled task."""
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    if acting_user is not None:
        _deny_unless(can_manage(acting_user, campaign), campaign)
    _require_live(campaign, today)
    root = campaign.unit.path
    eligible = dict(_eligible_members(campaign).values_list("pk", "unit_id"))
    records = {r.member_id: r for r in StudyRecord.objects.select_for_update().filter(campaign=campaign)
               .only("id", "member_id", "unit_id", "state", "state_reason", "attended", "reflection_status",
                     "quiz_passed", "completed", "writing_exempt")}
    joined, left, moved = [], 0, 0
    need_paths = set(eligible.values()) | {r.unit_id for r in records.values()}
    paths = counters._unit_paths(need_paths)
    net = {}
    need_rows = set()

    def shift(unit_id, vector, sign):
        for chain_id in counters.chain_ids(paths[unit_id], root):
            net[chain_id] = tuple(a + sign * b for a, b in zip(net.get(chain_id, counters.ZERO), vector))

    changed = []
    for member_id, unit_id in eligible.items():
        record = records.get(member_id)
        if record is None:
            joined.append(StudyRecord(campaign=campaign, member_id=member_id, unit_id=unit_id))
            shift(unit_id, (1, 0, 0, 0, 0, 0), 1)
            need_rows.update(counters.chain_ids(paths[unit_id], root))
            continue
        if record.state == RecordState.EXEMPTED:
            if record.unit_id != unit_id:
                record.unit_id = unit_id
                changed.append(record)
            continue
        if record.state == RecordState.TARGETED and record.unit_id == unit_id:
            continue
        before = record.flags()
        shift(record.unit_id, before, -1)
        record.state, record.state_reason, record.unit_id = RecordState.TARGETED, "", unit_id
        record.completed = record.compute_completed(campaign)
        shift(unit_id, record.flags(), 1)
        need_rows.update(counters.chain_ids(paths[unit_id], root))
        changed.append(record)
        moved += 1
    for member_id, record in records.items():
        if member_id in eligible or record.state != RecordState.TARGETED:
            continue
        shift(record.unit_id, record.flags(), -1)
        record.state, record.state_reason, record.completed = RecordState.LEFT, "not_eligible", False
        changed.append(record)
        left += 1
    StudyRecord.objects.bulk_create(joined, batch_size=5000)
    StudyRecord.objects.bulk_update(changed, ["state", "state_reason", "unit", "completed"], batch_size=2000)
    counters.ensure_rows(campaign.pk, need_rows)
    counters.apply_vectors(campaign.pk, net)
    result = {"joined": len(joined), "left": left, "rejoined_or_moved": moved}
    if any(result.values()):
        audit.record("study.campaign.refresh", campaign, actor=acting_user, after=result, scope_path=root)
    return result


# -- records -------------------------------------------------------------------------------------------

def _locked(record: StudyRecord) -> StudyRecord:
    return (StudyRecord.objects.select_for_update(of=("self",)).select_related("campaign__unit", "unit", "member")
            .get(pk=record.pk))


def _save(record: StudyRecord, before: tuple, fields: list[str]) -> None:
    record.completed = record.compute_completed()
    record.save(update_fields=fields + ["completed", "updated_at"])
    counters.record_changed(record, before)


@transaction.atomic
def exempt_from_campaign(record: StudyRecord, *, reason: str, acting_user, today=None) -> StudyRecord:
    """An individual exemption from the campaign, with a reason (the record stops counting)."""
    record = _locked(record)
    _deny_unless(access.can(acting_user, GRADE, record.unit.path), record)
    _require_live(record.campaign, today)
    reason = nfc(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the exemption.")})
    if record.state != RecordState.TARGETED:
        raise ValidationError({"reason": _("This member is not targeted by the campaign.")})
    before = record.flags()
    record.state, record.state_reason = RecordState.EXEMPTED, reason[:300]
    _save(record, before, ["state", "state_reason"])
    audit.record("study.record.exempt", record, actor=acting_user, after={"reason": reason[:300]},
                 scope_path=record.unit.path)
    return record


@transaction.atomic
def set_writing_exemption(record: StudyRecord, *, exempt: bool, reason: str = "", acting_user, today=None) -> StudyRecord:
    """Exemption from writing the reflection (the elderly or ill): completion no longer needs it."""
    record = _locked(record)
    _deny_unless(access.can(acting_user, GRADE, record.unit.path), record)
    _require_live(record.campaign, today)
    reason = nfc(reason or "").strip()
    if exempt and not reason:
        raise ValidationError({"reason": _("Give the reason for the exemption from writing.")})
    before = record.flags()
    record.writing_exempt, record.writing_exempt_reason = bool(exempt), reason[:300] if exempt else ""
    _save(record, before, ["writing_exempt", "writing_exempt_reason"])
    audit.record("study.record.writing_exemption", record, actor=acting_user,
                 after={"exempt": bool(exempt), "reason": record.writing_exempt_reason}, scope_path=record.unit.path)
    return record


def _check_file(upload):
    from quantriet.documents import files

    size = getattr(upload, "size", None)
    if size is not None and size > max_upload_bytes():
        raise ValidationError({"file": ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_upload_bytes())}, code="too_large")})
    return files.check_upload(upload)


def _clean_text(value: str, field: str, errors: dict) -> str:
    lines = [nfc(line).rstrip() for line in (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip()
    if len(text) > MAX_TEXT:
        errors[field] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return text


def submit_reflection(record: StudyRecord, *, reflection_text: str = "", plan_text: str = "", upload=None,
                      acting_user, today=None) -> StudyRecord:
    """The member submits (or resubmits after a return) their reflection and personal plan, as text or a file."""
    own = access.own_member(acting_user)
    _deny_unless(own is not None and own.pk == record.member_id, record)
    errors = {}
    reflection_text = _clean_text(reflection_text, "reflection_text", errors)
    plan_text = _clean_text(plan_text, "plan_text", errors)
    checked = None
    if upload is not None:
        try:
            checked = _check_file(upload)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not reflection_text and upload is None:
        errors.setdefault("reflection_text", _("Write your reflection or attach it as a PDF or DOCX file."))
    if not plan_text and upload is None:
        errors.setdefault("plan_text", _("Write your personal action plan (or include it in the attached file)."))
    if errors:
        raise ValidationError(errors)
    stored_name = ""
    try:
        with transaction.atomic():
            record = _locked(record)
            _require_live(record.campaign, today)
            if record.state != RecordState.TARGETED:
                raise ValidationError(_("You are not targeted by this campaign."))
            if record.reflection_status in (ReflectionStatus.SUBMITTED, ReflectionStatus.PASSED):
                raise ValidationError(_("Your reflection was already submitted; it can be changed only when returned."))
            before = record.flags()
            old_file = record.reflection_file.name if record.reflection_file else ""
            record.reflection_text, record.plan_text = reflection_text, plan_text
            if checked is not None:
                upload.seek(0)
                record.reflection_file.save(checked.name, upload, save=False)
                stored_name = record.reflection_file.name
                record.reflection_file_name, record.reflection_file_type = checked.name, checked.content_type
            elif old_file:
                record.reflection_file, record.reflection_file_name, record.reflection_file_type = None, "", ""
            record.reflection_status, record.submitted_at = ReflectionStatus.SUBMITTED, timezone.now()
            _save(record, before, ["reflection_text", "plan_text", "reflection_file", "reflection_file_name",
                                   "reflection_file_type", "reflection_status", "submitted_at"])
            audit.record("study.record.submit", record, actor=acting_user,
                         after={"text_length": len(reflection_text), "plan_length": len(plan_text),
                                "file": checked.name if checked else "", "sha256": checked.sha256 if checked else ""},
                         scope_path=record.unit.path)
            if old_file and old_file != stored_name:
                storage = record.reflection_file.storage
                transaction.on_commit(lambda: storage.delete(old_file))
    except Exception:
        if stored_name:
            record.reflection_file.storage.delete(stored_name)
        raise
    return record


GRADE_RESULTS = (ReflectionStatus.PASSED, ReflectionStatus.FAILED, ReflectionStatus.RETURNED)


@transaction.atomic
def grade(record: StudyRecord, *, result: str, comment: str = "", acting_user, today=None) -> StudyRecord:
    """Đạt / chưa đạt with comments, or returned for revision (the member may then resubmit)."""
    record = _locked(record)
    _deny_unless(can_grade(acting_user, record), record)
    _require_live(record.campaign, today)
    if result not in GRADE_RESULTS:
        raise ValidationError({"result": _("Choose passed, not passed or returned for revision.")})
    comment = nfc(comment or "").strip()
    if len(comment) > 4000:
        raise ValidationError({"comment": _("At most %(n)d characters.") % {"n": 4000}})
    if result in (ReflectionStatus.RETURNED, ReflectionStatus.FAILED) and not comment:
        raise ValidationError({"comment": _("Say what should be improved.")})
    if record.reflection_status != ReflectionStatus.SUBMITTED:
        raise ValidationError({"result": _("There is no submitted reflection awaiting grading.")})
    before = record.flags()
    record.reflection_status, record.grade_comment = result, comment
    record.graded_by, record.graded_at = _user(acting_user), timezone.now()
    _save(record, before, ["reflection_status", "grade_comment", "graded_by", "graded_at"])
    audit.record("study.record.grade", record, actor=acting_user, after={"result": result, "comment": comment[:200]},
                 scope_path=record.unit.path)
    return record


# -- attendance (from the conferences app) ------------------------------------------------------------

@transaction.atomic
def link_session(campaign: Campaign, *, conference, makeup: bool = False, acting_user, today=None) -> CampaignSession:
    """A unit of the campaign's subtree links its own conference or cell meeting (or a make-up session)."""
    campaign = Campaign.objects.select_related("unit").get(pk=campaign.pk)
    organizer = conference.organizer
    _deny_unless(access.can(acting_user, GRADE, organizer.path), conference)
    _require_live(campaign, today)
    if not (organizer.path.startswith(campaign.unit.path) or campaign.unit.path.startswith(organizer.path)):
        raise ValidationError({"conference": _("The meeting's organizing unit is outside the campaign's units.")})
    if CampaignSession.objects.filter(campaign=campaign, conference=conference).exists():
        raise ValidationError({"conference": _("This meeting is already linked to the campaign.")})
    link = CampaignSession.objects.create(campaign=campaign, conference=conference, unit=organizer,
                                          makeup=bool(makeup), linked_by=_user(acting_user))
    audit.record("study.campaign.link", campaign, actor=acting_user,
                 after={"conference": conference.pk, "makeup": bool(makeup)}, scope_path=organizer.path)
    sync_attendance(campaign, today=today)
    return link


def sync_attendance(campaign: Campaign, member_ids=None, *, today=None) -> int:
    """Set `attended` from the attendance of the linked conferences: present at any of their sessions.
    Returns how many records changed. Idempotent."""
    from quantriet.conferences.models import Attendance, AttendanceStatus

    if not campaign.is_live_on(_today(today)):
        return 0
    with transaction.atomic():
        conferences = list(CampaignSession.objects.filter(campaign=campaign).values_list("conference_id", flat=True))
        present = (Attendance.objects.filter(session__conference_id__in=conferences, status=AttendanceStatus.PRESENT)
                   .values_list("member_id", "session__conference_id"))
        if member_ids is not None:
            present = present.filter(member_id__in=list(member_ids))
        where = dict(present)
        records = StudyRecord.objects.select_for_update(of=("self",)).select_related("campaign__unit", "unit").filter(
            campaign=campaign)
        if member_ids is not None:
            records = records.filter(member_id__in=list(member_ids))
        records = records.filter(attended=True) | records.filter(member_id__in=list(where))
        changed = 0
        for record in records:
            want = record.member_id in where
            if record.attended == want:
                continue
            before = record.flags()
            record.attended, record.attended_conference_id = want, where.get(record.member_id)
            _save(record, before, ["attended", "attended_conference"])
            changed += 1
        return changed


def attendance_changed(session_id: int, member_ids, *, conference_id: int | None = None) -> int:
    """To be called by the conferences app after attendance of these members changed in this session:
    the live campaigns linked to its conference update their records at once."""
    from quantriet.conferences.models import Session

    if conference_id is None:
        conference_id = Session.objects.filter(pk=session_id).values_list("conference_id", flat=True).first()
    changed = 0
    for link in CampaignSession.objects.filter(conference_id=conference_id).select_related("campaign__unit"):
        changed += sync_attendance(link.campaign, member_ids)
    return changed


# -- quiz ------------------------------------------------------------------------------------------------

def can_edit_questions(user, document) -> bool:
    from quantriet.documents import selectors as doc_selectors

    if doc_selectors.can_manage(user, document):
        return True
    scope = access.scope_paths(user, MANAGE)
    if scope is None:
        return True
    return any(Campaign.objects.filter(documents=document, unit__path__startswith=p).exists() for p in scope)


@transaction.atomic
def add_question(document, *, text: str, kind: str, options: list[tuple[str, bool]], explanation: str = "",
                 acting_user) -> Question:
    _deny_unless(can_edit_questions(acting_user, document), document)
    errors = {}
    text = nfc(text or "").strip()
    if not text:
        errors["text"] = _("Enter the question.")
    elif len(text) > 2000:
        errors["text"] = _("At most %(n)d characters.") % {"n": 2000}
    if kind not in QuestionKind.values:
        errors["kind"] = _("Choose the kind of question.")
    options = [(nfc(t or "").strip(), bool(c)) for t, c in options if nfc(t or "").strip()]
    correct = sum(1 for _t, c in options if c)
    if len(options) < 2:
        errors["options"] = _("Give at least two answers.")
    elif any(len(t) > 500 for t, _c in options):
        errors["options"] = _("An answer has at most 500 characters.")
    elif correct == 0:
        errors["options"] = _("Mark the correct answer.")
    elif kind == QuestionKind.SINGLE and correct != 1:
        errors["options"] = _("A single-answer question has exactly one correct answer.")
    if errors:
        raise ValidationError(errors)
    question = Question.objects.create(document=document, text=text, kind=kind, explanation=nfc(explanation or "").strip())
    Option.objects.bulk_create([Option(question=question, text=t, correct=c) for t, c in options])
    audit.record("study.question.add", question, actor=acting_user, after={"document": document.pk, "options": len(options)})
    return question


def question_pool(campaign: Campaign):
    return Question.objects.filter(document__in=campaign.documents.all(), active=True)


@transaction.atomic
def start_quiz(record: StudyRecord, *, acting_user, today=None, rng: random.Random | None = None) -> QuizAttempt:
    """Draw the questions of a new attempt (kept server-side); an unfinished attempt is returned as it is."""
    record = _locked(record)
    own = access.own_member(acting_user)
    _deny_unless(own is not None and own.pk == record.member_id, record)
    _require_live(record.campaign, today)
    if record.state != RecordState.TARGETED:
        raise ValidationError(_("You are not targeted by this campaign."))
    if record.quiz_passed:
        raise ValidationError(_("You have already passed the quiz."))
    pending = record.attempts.filter(submitted_at__isnull=True).first()
    if pending is not None:
        return pending
    campaign = record.campaign
    if record.attempts.count() >= campaign.quiz_max_attempts:
        raise ValidationError(_("You have used all %(n)d attempts.") % {"n": campaign.quiz_max_attempts})
    pool = list(question_pool(campaign).values_list("pk", flat=True))
    if not pool:
        raise ValidationError(_("This campaign has no quiz questions yet."))
    drawn = (rng or random.SystemRandom()).sample(pool, min(campaign.quiz_questions, len(pool)))
    attempt = QuizAttempt.objects.create(record=record, drawn=drawn)
    audit.record("study.quiz.start", attempt, actor=acting_user, after={"questions": len(drawn)},
                 scope_path=record.unit.path)
    return attempt


def _parse_answers(attempt: QuizAttempt, answers) -> dict[int, set[int]]:
    """Answers as {question id: [option ids]}, checked against the stored draw: a question not drawn,
    an option of another question, or a malformed value is refused."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("The answers are malformed.")})
    drawn = set(attempt.drawn)
    parsed: dict[int, set[int]] = {}
    for key, value in answers.items():
        try:
            qid = int(str(key)) if str(key).isascii() and str(key).isdigit() else None
        except ValueError:
            qid = None
        if qid is None or qid not in drawn:
            raise ValidationError({"answers": _("An answer refers to a question that is not in this attempt.")})
        values = value if isinstance(value, (list, tuple)) else [value]
        options = set()
        for item in values:
            if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.isascii()
                                                                         and item.isdigit())):
                raise ValidationError({"answers": _("The answers are malformed.")})
            options.add(int(item))
        parsed[qid] = options
    valid = {}
    for qid, oid in Option.objects.filter(question_id__in=drawn).values_list("question_id", "pk"):
        valid.setdefault(qid, set()).add(oid)
    kinds = dict(Question.objects.filter(pk__in=drawn).values_list("pk", "kind"))
    for qid, options in parsed.items():
        if not options <= valid.get(qid, set()):
            raise ValidationError({"answers": _("An answer is not one of the question's options.")})
        if kinds.get(qid) == QuestionKind.SINGLE and len(options) > 1:
            raise ValidationError({"answers": _("A single-answer question takes one answer.")})
    return parsed


@transaction.atomic
def submit_quiz(attempt: QuizAttempt, *, answers, acting_user, today=None) -> QuizAttempt:
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    record = _locked(attempt.record)
    own = access.own_member(acting_user)
    _deny_unless(own is not None and own.pk == record.member_id, attempt)
    _require_live(record.campaign, today)
    if attempt.submitted_at is not None:
        raise ValidationError({"answers": _("This attempt was already submitted.")})
    parsed = _parse_answers(attempt, answers)
    correct_sets: dict[int, set[int]] = {}
    for qid, oid in Option.objects.filter(question_id__in=attempt.drawn, correct=True).values_list("question_id", "pk"):
        correct_sets.setdefault(qid, set()).add(oid)
    right = sum(1 for qid in attempt.drawn if parsed.get(qid, set()) == correct_sets.get(qid, set()))
    total = len(attempt.drawn)
    attempt.answers = {str(q): sorted(o) for q, o in parsed.items()}
    attempt.correct, attempt.score_percent = right, (right * 100) // total if total else 0
    attempt.passed = attempt.score_percent >= record.campaign.quiz_pass_percent
    attempt.submitted_at = timezone.now()
    attempt.save()
    if attempt.passed and not record.quiz_passed:
        before = record.flags()
        record.quiz_passed = True
        _save(record, before, ["quiz_passed"])
    audit.record("study.quiz.submit", attempt, actor=acting_user,
                 after={"correct": right, "total": total, "passed": attempt.passed}, scope_path=record.unit.path)
    return attempt
