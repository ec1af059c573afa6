"""Read-side queries over the tree."""
from django.db.models import Exists, OuterRef, Sum
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
        .values_list("prefix")
        .annotate(total=Sum("member_count"))
        .order_by()
    )
    counts = {prefix: total or 0 for prefix, total in rows}
    counts[unit.path] = sum(counts.values()) + unit.member_count
    return counts


def children_with_counts(unit: Unit, units_qs):
    """The unit's children (kind loaded), each with `subtree_count` and `has_children`, and the total.

    Two queries whatever the size of the subtree: the children with an EXISTS for their own
    children, and one GROUP BY for the counts (see `subtree_member_counts`).
    """
    children = list(
        units_qs.filter(parent=unit)
        .select_related("kind")
        .annotate(has_children=Exists(units_qs.filter(parent=OuterRef("pk"))))
        .order_by("kind__rank", "name")
    )
    counts = subtree_member_counts(unit, units_qs)
    for child in children:
        child.subtree_count = counts.get(child.path, 0)
    return children, counts[unit.path]
