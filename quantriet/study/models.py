"""Study campaigns (học tập, quán triệt nghị quyết), per-member study records and live coverage.

A `Campaign` is organized by a unit and targets the active members of its subtree. Opening it
creates one `StudyRecord` per targeted member, at the member's unit at that moment. Each
record contributes a vector of six flags (targeted, attended, submitted, passed, quiz_passed,
completed) to `CoverageCounter` rows that hold SUBTREE totals: one row per (campaign, unit)
for every unit of the campaign's subtree. A record change moves the rows of its unit and of
every ancestor up to the campaign's unit, with F() increments in the same transaction
(`counters.py`). The coverage of any unit is then its own row plus its children's rows.

Records follow their member while the campaign is live (not archived, deadline not passed);
a closed campaign stays frozen against the units of its time.
"""
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc

#: The counters a record contributes to, in this order everywhere.
FLAGS = ("targeted", "attended", "submitted", "passed", "quiz_passed", "completed")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    ARCHIVED = "archived", _("Archived")


class Campaign(models.Model):
    title = models.CharField(_("title"), max_length=300)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("organizing unit"), on_delete=models.PROTECT, related_name="study_campaigns",
        help_text=_("The campaign targets the members of this unit's subtree."),
    )
    documents = models.ManyToManyField("documents.Document", verbose_name=_("documents to study"),
                                       related_name="study_campaigns")
    description = models.TextField(_("description"), blank=True, max_length=4000)
    include_probationary = models.BooleanField(_("probationary members"), default=True)
    include_official = models.BooleanField(_("official members"), default=True)
    starts_on = models.DateField(_("starts on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    # Quiz settings (the questions belong to the documents).
    quiz_required = models.BooleanField(_("the quiz is required"), default=False)
    quiz_questions = models.PositiveSmallIntegerField(_("questions per attempt"), default=10)
    quiz_pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    quiz_max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3)
    reminder_days = models.PositiveSmallIntegerField(_("remind this many days before the deadline"), default=7)
    lagging_percent = models.PositiveSmallIntegerField(
        _("a cell lags below this completion (%)"), default=80,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("study campaign")
        verbose_name_plural = _("study campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("starts_on")), name="campaign_deadline_after_start"),
            models.CheckConstraint(condition=Q(quiz_pass_percent__lte=100), name="campaign_pass_percent_max"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        self.description = nfc(self.description or "").strip()
        super().save(*args, **kwargs)

    def statuses(self) -> list[str]:
        out = []
        if self.include_probationary:
            out.append("probationary")
        if self.include_official:
            out.append("official")
        return out

    def is_live_on(self, day) -> bool:
        """Open and not past its deadline on `day`: records change and follow their members."""
        return self.status == CampaignStatus.OPEN and day <= self.deadline

    @property
    def is_live(self) -> bool:
        return self.is_live_on(timezone.localdate())

    @property
    def is_closed(self) -> bool:
        return self.status == CampaignStatus.ARCHIVED or (
            self.status == CampaignStatus.OPEN and timezone.localdate() > self.deadline)


class CampaignSession(models.Model):
    """A conference or cell meeting a unit of the campaign's subtree organizes for it (or a make-up session)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sessions")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    conference = models.ForeignKey("conferences.Conference", verbose_name=_("conference or meeting"),
                                   on_delete=models.CASCADE, related_name="study_links")
    makeup = models.BooleanField(_("make-up session (học bù)"), default=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "id"]
        verbose_name = _("campaign session")
        verbose_name_plural = _("campaign sessions")
        constraints = [models.UniqueConstraint(fields=["campaign", "conference"], name="campaign_conference_once")]


class RecordState(models.TextChoices):
    TARGETED = "targeted", _("Targeted")
    EXEMPTED = "exempted", _("Exempted from this campaign")
    LEFT = "left", _("No longer in the audience")


class ReflectionStatus(models.TextChoices):
    NONE = "none", _("Not submitted")
    SUBMITTED = "submitted", _("Submitted, awaiting grading")
    RETURNED = "returned", _("Returned for revision")
    PASSED = "passed", _("Passed (đạt)")
    FAILED = "failed", _("Not passed (chưa đạt)")


def reflection_path(instance: "StudyRecord", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"study/{instance.campaign_id}/{uuid.uuid4().hex}{suffix}"


class StudyRecord(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="records")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="study_records")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=RecordState.choices, default=RecordState.TARGETED)
    state_reason = models.CharField(_("reason"), max_length=300, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    attended_conference = models.ForeignKey("conferences.Conference", null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")
    writing_exempt = models.BooleanField(_("exempt from writing"), default=False)
    writing_exempt_reason = models.CharField(_("reason for the exemption from writing"), max_length=300, blank=True)
    reflection_status = models.CharField(_("reflection"), max_length=10, choices=ReflectionStatus.choices,
                                         default=ReflectionStatus.NONE)
    reflection_text = models.TextField(_("reflection (bài thu hoạch)"), blank=True)
    plan_text = models.TextField(_("personal action plan"), blank=True)
    reflection_file = models.FileField(_("file"), upload_to=reflection_path, max_length=255, blank=True)
    reflection_file_name = models.CharField(max_length=255, blank=True)
    reflection_file_type = models.CharField(max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    grade_comment = models.TextField(_("comments"), blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    quiz_passed = models.BooleanField(_("quiz passed"), default=False)
    completed = models.BooleanField(_("completed"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign_id", "unit_id", "id"]
        verbose_name = _("study record")
        verbose_name_plural = _("study records")
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="one_study_record_per_member")]
        indexes = [
            models.Index(fields=["campaign", "unit"], name="study_record_unit_idx"),
            models.Index(fields=["member"], name="study_record_member_idx"),
            models.Index(fields=["campaign", "reflection_status"], name="study_record_reflection_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.campaign}"

    def compute_completed(self, campaign: Campaign | None = None) -> bool:
        campaign = campaign or self.campaign
        return bool(
            self.state == RecordState.TARGETED and self.attended
            and (self.reflection_status == ReflectionStatus.PASSED or self.writing_exempt)
            and (self.quiz_passed or not campaign.quiz_required)
        )

    def flags(self) -> tuple[int, ...]:
        """This record's contribution to the counters (all zero unless targeted)."""
        if self.state != RecordState.TARGETED:
            return (0,) * len(FLAGS)
        return (
            1, int(self.attended),
            int(self.reflection_status in (ReflectionStatus.SUBMITTED, ReflectionStatus.PASSED, ReflectionStatus.FAILED)),
            int(self.reflection_status == ReflectionStatus.PASSED), int(self.quiz_passed), int(self.completed),
        )


class CoverageCounter(models.Model):
    """Subtree totals of one unit in one campaign (see the module docstring)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="counters")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    targeted = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    passed = models.IntegerField(default=0)
    quiz_passed = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("coverage counter")
        verbose_name_plural = _("coverage counters")
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="one_counter_per_campaign_unit")]

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in FLAGS)


class CoverageSnapshot(models.Model):
    """The counters of a unit at the end of a day (progress over time), written by the daily task."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    targeted = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    passed = models.IntegerField(default=0)
    quiz_passed = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit", "day"], name="one_snapshot_per_day")]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One correct answer")
    MULTIPLE = "multiple", _("Several correct answers")


class Question(models.Model):
    """A quiz question about a document, with its explanation shown after an attempt."""

    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="study_questions")
    text = models.TextField(_("question"), max_length=2000)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    explanation = models.TextField(_("explanation"), blank=True, max_length=4000)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "id"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")

    def __str__(self) -> str:
        return self.text[:80]


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("answer"), max_length=500)
    correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question_id", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    """One attempt: the questions drawn (stored server-side), the answers given and the score."""

    record = models.ForeignKey(StudyRecord, on_delete=models.CASCADE, related_name="attempts")
    drawn = models.JSONField(default=list)  # [question ids] in the order shown
    answers = models.JSONField(default=dict, blank=True)  # {question id: [option ids]}
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    correct = models.PositiveSmallIntegerField(default=0)
    score_percent = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
