"""Read-side queries over the tree."""
from django.db.models import Sum
from django.db.models.functions import Substr

from .models import SEGMENT_WIDTH, Unit


def subtree_member_counts(unit: Unit, units_qs=None) -> dict[str, int]:
    """Active members in each child's subtree, keyed by child path, plus the unit itself.

    One GROUP BY over the unit's subtree, using the per-unit counters, so the cost grows
    with the number of units below, not with the number of members.
    """
    qs = (units_qs if units_qs is not None else Unit.objects).filter(path__startswith=unit.path)
    child_len = len(unit.path) + SEGMENT_WIDTH + 1
    rows = (
        qs.filter(depth__gt=unit.depth)
        .annotate(prefix=Substr("path", 1, child_len))
        .values("prefix")
        .annotate(total=Sum("member_count"))
        .order_by()
    )
    counts = {row["prefix"]: row["total"] or 0 for row in rows}
    counts[unit.path] = sum(counts.values()) + unit.member_count
    return counts


def children_with_counts(unit: Unit, units_qs):
    children = list(
        units_qs.filter(parent=unit).select_related("kind").order_by("kind__rank", "name")
    )
    counts = subtree_member_counts(unit, units_qs)
    for child in children:
        child.subtree_count = counts.get(child.path, 0)
        child.has_children = None
    if children:
        with_children = set(
            units_qs.filter(parent__in=children).values_list("parent_id", flat=True).distinct()
        )
        for child in children:
            child.has_children = child.pk in with_children
    return children, counts[unit.path]
