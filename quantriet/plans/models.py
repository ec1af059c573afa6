"""Implementation plans (kế hoạch, chương trình hành động, đề án) and their tasks with the "5 rõ".

The cascade (DOMAIN.md §1 step 3, §5): a plan issued by a unit has tasks; a task may be assigned
to subordinate units (`Assignment`), each of which must issue its own plan concretizing it by a
due date (`Plan.assignment`). Tasks carry a materialized `path` across the whole cascade: the root
tasks of a child plan sit under the path of the task they concretize, so the subtree of any task,
including the plans cascaded from it at every level below, is one indexed prefix query.

Progress is computed on read (`rollup.py`): a task's progress is the weighted mean of its
children, the children being its subtasks and its assignments (an assignment's progress is that
of the child plan, 0 while the plan is missing); a leaf task takes its latest accepted report.

Units are never deleted; tasks and plans keep the units they were given (after a reorganization
they stay on the closed units, as history).
"""
import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc

SEGMENT_WIDTH = 10
MAX_PATH = 600


def path_segment(pk: int) -> str:
    return f"{pk:0{SEGMENT_WIDTH}d}."


class PlanKind(models.TextChoices):
    PLAN = "plan", _("Plan")  # kế hoạch
    PROGRAMME = "programme", _("Programme of action")  # chương trình hành động
    PROJECT = "project", _("Project")  # đề án


#: Type code of the number and symbol (DOMAIN.md §4), and the Vietnamese name, per kind.
KIND_TYPE_CODES = {PlanKind.PLAN: "KH", PlanKind.PROGRAMME: "CTr", PlanKind.PROJECT: "ĐA"}
KIND_NAMES_VI = {PlanKind.PLAN: "KẾ HOẠCH", PlanKind.PROGRAMME: "CHƯƠNG TRÌNH HÀNH ĐỘNG", PlanKind.PROJECT: "ĐỀ ÁN"}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (not issued)")
    ISSUED = "issued", _("Issued")
    AMENDED = "amended", _("Amended")
    CLOSED = "closed", _("Closed")


#: Statuses of a plan in force: its tasks are followed, warned about and reported on.
IN_FORCE = (PlanStatus.ISSUED, PlanStatus.AMENDED)


class IssuerSymbol(models.Model):
    """The symbol a unit signs its numbers with ("TU", "HU", "ĐU" …), when not the default of its kind."""

    unit = models.OneToOneField("units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE,
                                related_name="plan_issuer_symbol")
    symbol = models.CharField(_("issuer symbol"), max_length=20)

    class Meta:
        verbose_name = _("issuer symbol")
        verbose_name_plural = _("issuer symbols")

    def __str__(self) -> str:
        return f"{self.unit} · {self.symbol}"


class NumberSequence(models.Model):
    """The last number a unit gave to a type of document within one committee term.

    Locked with SELECT … FOR UPDATE inside the issuing transaction, so numbers are never shared.
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="plan_number_sequences")
    type_code = models.CharField(max_length=8)
    term = models.CharField(max_length=20)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "type_code", "term"], name="plan_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.type_code} {self.term}: {self.last}"


def signed_path(instance: "Plan", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"plans/{instance.pk or 'new'}/signed-{uuid.uuid4().hex}{suffix}"


class Plan(models.Model):
    unit = models.ForeignKey("units.Unit", verbose_name=_("issuing unit"), on_delete=models.PROTECT,
                             related_name="plans")
    kind = models.CharField(_("kind"), max_length=12, choices=PlanKind.choices, default=PlanKind.PLAN)
    type_code = models.CharField(_("type code"), max_length=8, editable=False)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    documents = models.ManyToManyField("documents.Document", verbose_name=_("documents implemented"), blank=True,
                                       related_name="implementing_plans")
    assignment = models.OneToOneField(
        "Assignment", verbose_name=_("assignment concretized"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="plan",
        help_text=_("The task of a higher plan, assigned to this unit, that this plan concretizes."),
    )
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT,
                              db_index=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, editable=False)
    issuer_symbol = models.CharField(_("issuer symbol"), max_length=20, blank=True, editable=False)
    term = models.CharField(_("committee term"), max_length=20, blank=True, editable=False)
    canonical_number = models.CharField(_("number and symbol"), max_length=40, blank=True, editable=False,
                                        db_index=True)
    issued_on = models.DateField(_("date issued"), null=True, blank=True)
    amended_on = models.DateField(_("date amended"), null=True, blank=True)
    closed_on = models.DateField(_("date closed"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True, help_text=_("As in “Tuyên Quang, ngày …”."))
    signing_authority = models.CharField(_("signing authority"), max_length=120, default="T/M BAN THƯỜNG VỤ")
    signer_title = models.CharField(_("signer's title"), max_length=120, default="BÍ THƯ")
    signer_name = models.CharField(_("signer"), max_length=120, blank=True)
    recipients = models.TextField(_("recipients (Nơi nhận)"), blank=True)
    signed_file = models.FileField(_("signed document"), upload_to=signed_path, max_length=255, blank=True)
    signed_name = models.CharField(max_length=255, blank=True)
    signed_content_type = models.CharField(max_length=100, blank=True)
    signed_size = models.PositiveBigIntegerField(null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-created_at", "-id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["unit", "type_code", "term", "number"], condition=Q(number__isnull=False),
                                    name="plan_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.canonical_number or _('draft')} {self.title}"[:255]

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        self.place = nfc(self.place)
        self.signer_name = nfc(self.signer_name)
        self.type_code = KIND_TYPE_CODES.get(self.kind, "KH")
        super().save(*args, **kwargs)

    @property
    def kind_name_vi(self) -> str:
        return KIND_NAMES_VI.get(self.kind, "KẾ HOẠCH")

    @property
    def number_label(self) -> str:
        """The number and symbol; "(draft)" before issue; "(no number)" for a plan in force without one
        (the follow-up of an inspection conclusion carries the conclusion's number, not its own)."""
        if self.canonical_number:
            return self.canonical_number
        return str(_("(draft)")) if self.status == PlanStatus.DRAFT else str(_("(no number)"))

    @property
    def is_in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def is_editable(self) -> bool:
        return self.status != PlanStatus.CLOSED


class Task(models.Model):
    """A task with the 5 rõ: what (title, content), who (responsible), when (start, deadline, milestones),
    result (expected output, indicators) and responsibility (lead and supporting units)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey("self", verbose_name=_("parent task"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="subtasks")
    path = models.CharField(max_length=MAX_PATH, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("task"), max_length=500)
    content = models.TextField(_("content"), blank=True)
    responsible = models.ForeignKey("members.Member", verbose_name=_("responsible person"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="plan_tasks")
    lead_unit = models.ForeignKey("units.Unit", verbose_name=_("lead unit"), on_delete=models.PROTECT,
                                  related_name="led_plan_tasks")
    supporting_units = models.ManyToManyField("units.Unit", verbose_name=_("supporting units"), blank=True,
                                              related_name="supported_plan_tasks")
    start_on = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    expected_output = models.TextField(_("expected output"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal("1"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["path"], name="plantask_path_pattern_idx", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="plantask_weight_positive"),
            models.CheckConstraint(condition=Q(deadline__gte=models.F("start_on")), name="plantask_deadline_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        super().save(*args, **kwargs)


class Assignment(models.Model):
    """A task assigned to a subordinate unit, which must issue its own concretizing plan by `due_on`."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("units.Unit", verbose_name=_("assigned unit"), on_delete=models.PROTECT,
                             related_name="plan_assignments")
    due_on = models.DateField(_("plan due by"))
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=Decimal("1"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="plan_assignment_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="plan_assignment_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.task} → {self.unit}"


class Milestone(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=300)
    due_on = models.DateField(_("date"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least the target")
    AT_MOST = "at_most", _("At most the target")


class Indicator(models.Model):
    """A measurable result of a task: target value and unit of measure (e.g. > 90 %)."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=300)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=40)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, default=Decimal("0"))
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST)

    class Meta:
        ordering = ["id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class Report(models.Model):
    """A progress report of the assigned unit on a task, accepted or returned by the assigning unit."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey("units.Unit", verbose_name=_("reporting unit"), on_delete=models.PROTECT,
                             related_name="plan_reports")
    as_of = models.DateField(_("as of"))
    # Required on a leaf task; empty on a task whose progress rolls up from subtasks and child plans.
    progress = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    narrative = models.TextField(_("narrative"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices,
                              default=ReportStatus.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                                   name="plan_report_progress_range"),
        ]

    def __str__(self) -> str:
        return f"{self.task} · {self.as_of} · {self.progress}%"


class IndicatorValue(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(_("actual value"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="plan_indicator_value_unique")]


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"plans/evidence/{instance.report_id or 'new'}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Notification(models.Model):
    """An in-app notice of the plans app (digest of warnings, a report accepted or returned)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_notifications")
    text = models.CharField(_("text"), max_length=1000)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="plan_notification_user_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.text[:80]


class DigestLog(models.Model):
    """One digest per user and day: the scheduled task can run twice without sending twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    warnings = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="plan_digest_once_a_day")]
