"""The organization tree (hệ thống tổ chức đảng): units of configurable kinds at any depth.

Each unit stores a materialized `path` (its ancestors' segments and its own), so a
subtree is one indexed prefix query: `path LIKE '<unit.path>%'`. Units are never
deleted: a reorganization closes them with `valid_to` and opens new ones.
"""
import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import fold, nfc

SEGMENT_WIDTH = 8  # digits of a unit id inside the path; 10^8 units is ample


def path_segment(pk: int) -> str:
    return f"{pk:0{SEGMENT_WIDTH}d}."


class UnitKind(models.Model):
    """A kind of unit (trung ương, tỉnh ủy, huyện ủy, đảng ủy cơ sở, chi bộ, tổ đảng, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=50, help_text=_("Lower ranks sit higher in the tree; used for ordering only.")
    )
    is_grassroots = models.BooleanField(_("grassroots organization"), default=False)
    is_cell = models.BooleanField(_("party cell"), default=False)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("unit kind")
        verbose_name_plural = _("unit kinds")

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date | None = None):
        day = day or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )

    def subtree(self, unit: "Unit", include_self: bool = True):
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def under_paths(self, paths):
        """Units inside any of the given subtrees (an access scope)."""
        if paths is None:  # unrestricted
            return self
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(path__startswith=path)
        return self.filter(query)


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.ForeignKey(UnitKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("First day the unit no longer exists."))
    # Active members directly in this unit (not its subtree); kept by the member actions.
    member_count = models.PositiveIntegerField(default=0, editable=False)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            # LIKE 'prefix%' needs a pattern index on PostgreSQL whatever the collation.
            models.Index(fields=["path"], name="unit_path_pattern_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="unit_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.code = nfc(self.code)
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return prefix + path_segment(self.pk)

    def ancestors(self):
        ids = [int(seg) for seg in self.path.split(".") if seg][:-1]
        return Unit.objects.filter(pk__in=ids).order_by("depth")

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to > day)

    @property
    def is_current(self) -> bool:
        return self.is_valid_on(timezone.localdate())


class Succession(models.Model):
    """How units replaced each other in a reorganization (sáp nhập, chia tách, giải thể, …)."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged into")
        SPLIT = "split", _("Split into")
        MOVE = "move", _("Moved (new parent)")
        DISSOLVE = "dissolve", _("Dissolved into")

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessions", null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    effective_on = models.DateField(_("effective date"))
    decision = models.CharField(_("decision"), max_length=80, blank=True)

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("succession")
        verbose_name_plural = _("successions")


class UnitName(models.Model):
    """A former name of a unit, valid until a rename."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(_("name"), max_length=255)
    valid_to = models.DateField(_("valid to"))

    class Meta:
        ordering = ["valid_to"]
