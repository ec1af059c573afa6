"""Reading campaigns and coverage, scoped by `quantriet.accounts.access`."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from quantriet.accounts import access
from quantriet.core.text import fold
from quantriet.units.models import Unit

from . import counters
from .models import FLAGS, Campaign, CampaignStatus, CoverageCounter, CoverageSnapshot, RecordState, StudyRecord


def _prefixes(path: str) -> list[str]:
    segments = [s for s in path.split(".") if s]
    return [".".join(segments[: i + 1]) + "." for i in range(len(segments))]


def visible_campaigns(user, queryset=None):
    """Campaigns organized in the user's scope or above it (every unit below sees a campaign), and
    the campaigns of the user's own member record."""
    queryset = Campaign.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return queryset
    query = Q(pk__in=[])
    above = set()
    for path in scope:
        query |= Q(unit__path__startswith=path)
        above.update(_prefixes(path))
    if above:
        query |= Q(unit__path__in=sorted(above)) & ~Q(status=CampaignStatus.DRAFT)
    member = access.own_member(user)
    if member is not None:
        query |= Q(pk__in=StudyRecord.objects.filter(member=member).values("campaign_id"))
    return queryset.filter(query)


def can_view_unit(user, unit: Unit) -> bool:
    return access.can(user, access.VIEW, unit.path)


def reference_day(campaign: Campaign) -> datetime.date:
    """The day whose tree a campaign's coverage is shown on: today while live, else its deadline."""
    today = timezone.localdate()
    return min(today, campaign.deadline)


def visible_records(user, campaign: Campaign | None = None):
    qs = StudyRecord.objects.all() if campaign is None else StudyRecord.objects.filter(campaign=campaign)
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return qs
    query = Q(pk__in=[])
    for path in scope:
        query |= Q(unit__path__startswith=path)
    member = access.own_member(user)
    if member is not None:
        query |= Q(member=member)
    return qs.filter(query)


def grading_queue(user, campaign: Campaign | None = None):
    """Reflections awaiting grading in the units the user may grade (not their own)."""
    scope = access.scope_paths(user, access.EDIT_MEMBERS)
    qs = StudyRecord.objects.filter(reflection_status="submitted", state=RecordState.TARGETED,
                                    campaign__status=CampaignStatus.OPEN, campaign__deadline__gte=timezone.localdate())
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if scope is not None:
        query = Q(pk__in=[])
        for path in scope:
            query |= Q(unit__path__startswith=path)
        qs = qs.filter(query)
    member = access.own_member(user)
    if member is not None:
        qs = qs.exclude(member=member)
    return qs.select_related("member", "unit", "campaign").order_by("submitted_at", "id")


@dataclass
class Figures:
    unit: Unit | None
    targeted: int = 0
    attended: int = 0
    submitted: int = 0
    passed: int = 0
    quiz_passed: int = 0
    completed: int = 0

    @classmethod
    def of(cls, unit, values):
        return cls(unit, *values)

    def pct(self, name: str) -> float:
        return round(100.0 * getattr(self, name) / self.targeted, 1) if self.targeted else 0.0

    @property
    def percents(self) -> dict[str, float]:
        return {name: self.pct(name) for name in FLAGS[1:]}

    @property
    def cells(self) -> list[tuple[str, int, float | None]]:
        """(flag, count, percent of targeted — None for "targeted" itself), for templates."""
        return [(name, getattr(self, name), None if name == "targeted" else self.pct(name)) for name in FLAGS]

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in FLAGS}
        data["percent"] = self.percents
        if self.unit is not None:
            data["unit"] = {"id": self.unit.pk, "code": self.unit.code, "name": self.unit.name}
        return data


@dataclass(frozen=True)
class UnitRef:
    """The few fields of a unit the coverage needs (no model instances on the hot path)."""

    pk: int
    code: str
    name: str
    path: str

    def __str__(self) -> str:
        return self.name


_UNIT_FIELDS = ("pk", "code", "name", "path", "valid_from", "valid_to")


def coverage(campaign: Campaign, unit: Unit) -> tuple[Figures, Figures, list[Figures]]:
    """(subtree totals, the unit's own records, children's subtree totals) from the counter rows:
    two indexed queries (the children's ids, then their rows and the unit's), O(children), whatever the
    number of members. Children are the units valid on the reference day, plus any other child still
    holding counts (a unit closed while the campaign was live keeps nothing, but a frozen campaign's
    units may have closed after its deadline)."""
    day = reference_day(campaign)
    kids = {}
    for pk, code, name, path, valid_from, valid_to in Unit.objects.filter(parent_id=unit.pk).values_list(*_UNIT_FIELDS):
        valid = (valid_from is None or valid_from <= day) and (valid_to is None or valid_to > day)
        kids[pk] = (UnitRef(pk, code, name, path), valid)
    rows = {row[0]: row[1:] for row in CoverageCounter.objects.filter(
        campaign_id=campaign.pk, unit_id__in=[unit.pk, *kids]).values_list("unit_id", *FLAGS)}
    ref = UnitRef(unit.pk, unit.code, unit.name, unit.path)
    total = Figures.of(ref, rows.get(unit.pk, counters.ZERO))
    children = [Figures.of(kid, rows[pk]) for pk, (kid, valid) in kids.items()
                if pk in rows and (valid or rows[pk][0])]
    children.sort(key=lambda f: fold(f.unit.name))
    own = Figures.of(ref, tuple(getattr(total, n) - sum(getattr(c, n) for c in children) for n in FLAGS))
    return total, own, children


def baseline_coverage(campaign: Campaign, unit: Unit) -> dict:
    """The straightforward query: a GROUP BY over the records joined to the units of the subtree
    (for the benchmark and the recount check)."""
    records = StudyRecord.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    aggregates = counters._flag_aggregates()
    return records.aggregate(**aggregates)


def members_behind(campaign: Campaign, unit: Unit, flag: str, *, missing: bool = True):
    """Targeted records of the subtree with (or, by default, without) a flag: the people behind a number."""
    qs = StudyRecord.objects.filter(campaign=campaign, unit__path__startswith=unit.path, state=RecordState.TARGETED)
    conditions = {
        "targeted": Q(), "attended": Q(attended=True), "submitted": Q(reflection_status__in=["submitted", "passed", "failed"]),
        "passed": Q(reflection_status="passed"), "quiz_passed": Q(quiz_passed=True), "completed": Q(completed=True),
    }
    condition = conditions[flag]
    if flag != "targeted":
        qs = qs.exclude(condition) if missing else qs.filter(condition)
    return qs.select_related("member", "unit").order_by("unit__path", "member__sort_key", "id")


def progress(campaign: Campaign, unit: Unit) -> list[dict]:
    rows = CoverageSnapshot.objects.filter(campaign=campaign, unit=unit).order_by("day")
    return [{"day": r.day.isoformat(), **{n: getattr(r, n) for n in FLAGS}} for r in rows]
