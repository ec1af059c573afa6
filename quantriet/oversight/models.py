"""Inspection and supervision (kiểm tra, giám sát) of how units and members carry out resolutions and plans.

A committee (its standing committee) or its inspection commission (ủy ban kiểm tra) adopts a yearly
`Program`; its `Item`s inspect or supervise (regularly or on a theme) a unit or a member on a topic (a
document of the library and/or a plan), over a period under review, by a team, on a schedule. The
subject reports on itself (`Item.self_report_*`), the team keeps working notes and findings (`Note`,
private: never shown to the subject), and the body issues a `Conclusion` numbered as a party document
("KL" after an inspection, "TB" — thông báo kết luận — after a supervision). Its `Recommendation`s are
followed through the plans machinery: at issuance they become the tasks of one follow-up `plans.Plan`
of the inspecting unit, led by the subject unit; a recommendation closes only once the body has accepted
a report on its task carrying evidence.

An issued conclusion is immutable; the figures it cites are stored at issuance in `Conclusion.snapshot`.
"""
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc


class Body(models.TextChoices):
    COMMITTEE = "committee", _("Committee / standing committee")
    COMMISSION = "commission", _("Inspection commission")


class ItemKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    SUPERVISION_REGULAR = "supervision_regular", _("Regular supervision")
    SUPERVISION_THEMATIC = "supervision_thematic", _("Thematic supervision")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SELF_REPORT = "self_report", _("Self-report requested")
    IN_PROGRESS = "in_progress", _("In progress")
    CONCLUDED = "concluded", _("Conclusion issued")
    CLOSED = "closed", _("Closed")


class Program(models.Model):
    """The yearly programme of inspection and supervision of a committee or of its inspection commission."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("issuing unit"), on_delete=models.PROTECT,
                             related_name="oversight_programs")
    body = models.CharField(_("body"), max_length=12, choices=Body.choices, default=Body.COMMISSION)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "unit__path", "body"]
        verbose_name = _("inspection and supervision programme")
        verbose_name_plural = _("inspection and supervision programmes")
        constraints = [models.UniqueConstraint(fields=["unit", "body", "year"], name="oversight_program_unique")]

    def __str__(self) -> str:
        return f"{self.year} · {self.title}"[:255]

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        super().save(*args, **kwargs)


def self_report_path(instance: "Item", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"oversight/{instance.pk or 'new'}/self-report-{uuid.uuid4().hex}{suffix}"


class Item(models.Model):
    program = models.ForeignKey(Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("kind"), max_length=24, choices=ItemKind.choices)
    subject_unit = models.ForeignKey("units.Unit", verbose_name=_("subject unit"), on_delete=models.PROTECT,
                                     related_name="oversight_items")
    subject_member = models.ForeignKey("members.Member", verbose_name=_("subject member"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="oversight_items")
    topic = models.CharField(_("topic"), max_length=500)
    document = models.ForeignKey("documents.Document", verbose_name=_("document implemented"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="oversight_items")
    plan = models.ForeignKey("plans.Plan", verbose_name=_("plan implemented"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="oversight_items")
    period_from = models.DateField(_("period under review from"))
    period_to = models.DateField(_("period under review to"))
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    team_head = models.ForeignKey("members.Member", verbose_name=_("head of the team"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    team_members = models.ManyToManyField("members.Member", verbose_name=_("team members"), blank=True,
                                          related_name="oversight_teams")
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED,
                              db_index=True)
    self_report_due = models.DateField(_("self-report due"), null=True, blank=True)
    self_report_text = models.TextField(_("self-report"), blank=True)
    self_report_file = models.FileField(_("self-report file"), upload_to=self_report_path, max_length=255,
                                        blank=True)
    self_report_name = models.CharField(max_length=255, blank=True)
    self_report_content_type = models.CharField(max_length=100, blank=True)
    self_report_size = models.PositiveBigIntegerField(null=True, blank=True)
    self_report_sha256 = models.CharField(max_length=64, blank=True)
    self_report_at = models.DateTimeField(null=True, blank=True)
    self_report_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    closed_on = models.DateField(_("date closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("inspection or supervision")
        verbose_name_plural = _("inspections and supervisions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="oversight_item_dates"),
            models.CheckConstraint(condition=Q(period_to__gte=models.F("period_from")), name="oversight_item_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_unit.name if self.subject_unit_id else ''}"[:255]

    def save(self, *args, **kwargs):
        self.topic = nfc(self.topic)
        super().save(*args, **kwargs)

    @property
    def is_inspection(self) -> bool:
        return self.kind == ItemKind.INSPECTION


class NoteKind(models.TextChoices):
    NOTE = "note", _("Working note")
    FINDING = "finding", _("Finding (draft)")


class Note(models.Model):
    """A working note or draft finding of the team: private to the inspecting body and the team."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=10, choices=NoteKind.choices, default=NoteKind.NOTE)
    text = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("working note")
        verbose_name_plural = _("working notes")

    def __str__(self) -> str:
        return self.text[:80]


class Conclusion(models.Model):
    """The conclusion of an inspection (KL) or the notice of the conclusions of a supervision (TB)."""

    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="conclusion")
    strengths = models.TextField(_("strengths"), blank=True)
    shortcomings = models.TextField(_("shortcomings"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    type_code = models.CharField(_("type code"), max_length=8, blank=True, editable=False)
    # The key of the number sequence: the type code, plus "-UBKT" for the inspection commission's own numbers.
    sequence_code = models.CharField(max_length=8, blank=True, editable=False)
    issuing_unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", editable=False)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, editable=False)
    issuer_symbol = models.CharField(_("issuer symbol"), max_length=20, blank=True, editable=False)
    term = models.CharField(_("committee term"), max_length=20, blank=True, editable=False)
    canonical_number = models.CharField(_("number and symbol"), max_length=40, blank=True, editable=False,
                                        db_index=True)
    issued_on = models.DateField(_("date issued"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    signing_authority = models.CharField(_("signing authority"), max_length=120, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=120, blank=True)
    signer_name = models.CharField(_("signer"), max_length=120, blank=True)
    recipients = models.TextField(_("recipients (Nơi nhận)"), blank=True)
    snapshot = models.JSONField(_("figures at issuance"), default=dict, blank=True, editable=False)
    follow_up_plan = models.OneToOneField("plans.Plan", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="oversight_conclusion", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        constraints = [
            models.UniqueConstraint(fields=["issuing_unit", "sequence_code", "term", "number"],
                                    condition=Q(number__isnull=False), name="oversight_conclusion_unique_number"),
        ]

    def __str__(self) -> str:
        return self.canonical_number or str(_("draft conclusion"))

    @property
    def is_issued(self) -> bool:
        return self.issued_on is not None


class RecommendationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Recommendation(models.Model):
    conclusion = models.ForeignKey(Conclusion, on_delete=models.CASCADE, related_name="recommendations")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("recommendation"))
    deadline = models.DateField(_("deadline"))
    task = models.OneToOneField("plans.Task", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="oversight_recommendation", editable=False)
    status = models.CharField(_("status"), max_length=8, choices=RecommendationStatus.choices,
                              default=RecommendationStatus.OPEN, db_index=True)
    closed_on = models.DateField(_("date closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["conclusion", "order", "id"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return self.text[:80]
