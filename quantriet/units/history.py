"""The tree as of a past date: units valid then, members counted from their membership periods."""
import datetime

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.dateparse import parse_date

from .models import SEGMENT_WIDTH, Unit


def parse_as_of(value: str | None) -> tuple[datetime.date | None, bool]:
    """(date, ok) from a query parameter written dd/mm/yyyy or yyyy-mm-dd; empty → (None, True)."""
    if not value:
        return None, True
    value = value.strip()[:20]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if datetime.date(1930, 2, 3) <= day <= timezone.localdate():
            return day, True
        return None, False
    return (parse_date(value), True) if parse_date(value) else (None, False)


def subtree_member_counts_on(unit: Unit, day: datetime.date) -> dict[str, int]:
    """Members active on `day` in each child's subtree (keyed by child path) and in the unit's whole subtree."""
    from quantriet.members.models import Membership

    child_len = len(unit.path) + SEGMENT_WIDTH + 1
    rows = (
        Membership.objects.on(day).filter(unit__path__startswith=unit.path)
        .annotate(prefix=Substr("unit__path", 1, child_len))
        .values("prefix").annotate(total=Count("id")).order_by()
    )
    counts = {row["prefix"]: row["total"] for row in rows}
    counts[unit.path] = sum(counts.values())  # the unit's own members have prefix == unit.path
    return counts


def default_as_of(unit: Unit) -> datetime.date | None:
    """A closed unit is shown as it was on its last day."""
    if unit.valid_to and unit.valid_to <= timezone.localdate():
        return unit.valid_to - datetime.timedelta(days=1)
    return None
