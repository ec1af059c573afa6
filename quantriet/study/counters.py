"""Coverage counters: subtree totals per (campaign, unit), moved in the same transaction as the records.

Invariant (checked by `recount`): for every counter row of a campaign,

    row.<flag> = Σ record.flags()[flag] over the campaign's records whose unit lies in the row's
                 unit subtree (at or below it)

and every unit between the campaign's unit and a record's unit has a row. A single record
change is one UPDATE of depth+1 rows (its unit's chain up to the campaign's unit); the coverage
of any unit reads its row and its children's rows, whatever the number of members.

Moves (called explicitly, no signals):
- `members_moved(member_ids, from_unit_id, to_unit_id, day=…)`: a transfer or a split moved these
  members; their records in live campaigns follow them (or leave the target when the destination
  is outside the campaign's subtree; or join it when coming from outside).
- `units_moved(pairs, day=…)`: a reorganization moved every member of each old unit to its new
  unit; records follow, counter rows are created for the new units, and a campaign whose own
  unit was re-created moves to the new one.
Closed campaigns (archived, or past their deadline) are never touched: they stay frozen against
the units of their time.
"""
from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from quantriet.units.models import Unit

from .models import FLAGS, Campaign, CampaignStatus, CoverageCounter, RecordState, ReflectionStatus, StudyRecord

ZERO = (0,) * len(FLAGS)


def path_ids(path: str) -> list[int]:
    return [int(seg) for seg in path.split(".") if seg]


def chain_ids(unit_path: str, root_path: str) -> list[int]:
    """Ids of the units from the campaign's unit down to `unit_path`; [] when outside its subtree."""
    if not unit_path.startswith(root_path):
        return []
    ids = path_ids(unit_path)
    return ids[len(path_ids(root_path)) - 1:]


def _sub(a, b):
    return tuple(x - y for x, y in zip(a, b))


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def apply_vectors(campaign_id: int, per_unit: dict[int, tuple[int, ...]]) -> int:
    """Add each vector to the rows of `per_unit`'s units (already expanded to chains). One UPDATE per
    distinct vector: a single record change (one vector over one chain) is one statement."""
    by_vector: dict[tuple, list[int]] = defaultdict(list)
    for unit_id, vector in per_unit.items():
        if any(vector):
            by_vector[vector].append(unit_id)
    updated = 0
    for vector, unit_ids in by_vector.items():
        changes = {name: F(name) + value for name, value in zip(FLAGS, vector) if value}
        for start in range(0, len(unit_ids), 1000):
            updated += CoverageCounter.objects.filter(campaign_id=campaign_id, unit_id__in=unit_ids[start:start + 1000]
                                                      ).update(**changes)
    return updated


def roll_up(root_path: str, direct: dict[int, tuple[int, ...]], paths: dict[int, str]) -> dict[int, tuple]:
    """Expand per-unit direct vectors to every unit of their chains (subtree totals)."""
    totals: dict[int, tuple] = defaultdict(lambda: ZERO)
    for unit_id, vector in direct.items():
        if not any(vector):
            continue
        for chain_id in chain_ids(paths[unit_id], root_path):
            totals[chain_id] = _add(totals[chain_id], vector)
    return totals


def ensure_rows(campaign_id: int, unit_ids) -> None:
    unit_ids = set(unit_ids)
    if unit_ids:
        CoverageCounter.objects.bulk_create([CoverageCounter(campaign_id=campaign_id, unit_id=u) for u in unit_ids],
                                            ignore_conflicts=True, batch_size=2000)


def _unit_paths(unit_ids) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))


def record_changed(record: StudyRecord, before: tuple[int, ...]) -> None:
    """Move the counters by the difference of a record's flags (record saved by the caller, same transaction)."""
    delta = _sub(record.flags(), before)
    if not any(delta):
        return
    chain = chain_ids(record.unit.path, record.campaign.unit.path)
    apply_vectors(record.campaign_id, dict.fromkeys(chain, delta))


# -- direct sums from the records (recount, opening, refresh) ----------------------------------

def _flag_aggregates():
    targeted = Q(state=RecordState.TARGETED)
    submitted = (ReflectionStatus.SUBMITTED, ReflectionStatus.PASSED, ReflectionStatus.FAILED)
    return {
        "targeted": Count("id", filter=targeted),
        "attended": Count("id", filter=targeted & Q(attended=True)),
        "submitted": Count("id", filter=targeted & Q(reflection_status__in=submitted)),
        "passed": Count("id", filter=targeted & Q(reflection_status=ReflectionStatus.PASSED)),
        "quiz_passed": Count("id", filter=targeted & Q(quiz_passed=True)),
        "completed": Count("id", filter=targeted & Q(completed=True)),
    }


def direct_sums(campaign_id: int, records=None) -> dict[int, tuple[int, ...]]:
    """Per unit, the sum of the flags of the records directly at that unit (one GROUP BY)."""
    qs = StudyRecord.objects.filter(campaign_id=campaign_id) if records is None else records
    rows = qs.filter(state=RecordState.TARGETED).values("unit_id").annotate(**_flag_aggregates()).order_by()
    return {row["unit_id"]: tuple(row[name] for name in FLAGS) for row in rows}


def expected_totals(campaign: Campaign) -> dict[int, tuple[int, ...]]:
    direct = direct_sums(campaign.pk)
    return roll_up(campaign.unit.path, direct, _unit_paths(direct))


@transaction.atomic
def recount(campaign: Campaign, *, fix: bool = False) -> list[dict]:
    """Compare the counter rows with a recount from the records; return the differences (and fix them)."""
    expected = expected_totals(campaign)
    rows = {c.unit_id: c for c in CoverageCounter.objects.select_for_update().filter(campaign=campaign)}
    differences = []
    for unit_id in sorted(set(rows) | set(expected)):
        want = expected.get(unit_id, ZERO)
        row = rows.get(unit_id)
        have = row.values() if row else None
        if have != want and not (have is None and want == ZERO):
            differences.append({"campaign": campaign.pk, "unit": unit_id, "counted": have, "recounted": want})
            if fix:
                values = dict(zip(FLAGS, want))
                if row is None:
                    CoverageCounter.objects.create(campaign=campaign, unit_id=unit_id, **values)
                else:
                    CoverageCounter.objects.filter(pk=row.pk).update(**values)
    return differences


def build(campaign: Campaign, unit_ids) -> int:
    """Create the campaign's rows (at opening): `unit_ids` and every unit holding records, with the totals
    recounted from the records (one GROUP BY, rolled up by path in Python, one bulk insert)."""
    expected = expected_totals(campaign)
    CoverageCounter.objects.filter(campaign=campaign).delete()
    ids = set(unit_ids) | set(expected)
    CoverageCounter.objects.bulk_create(
        [CoverageCounter(campaign=campaign, unit_id=u, **dict(zip(FLAGS, expected.get(u, ZERO)))) for u in ids],
        batch_size=5000)
    return len(ids)


# -- moves --------------------------------------------------------------------------------------

def live_campaigns(day: datetime.date | None = None):
    """Campaigns whose records follow their members: open, deadline not passed, and the move takes
    effect on or before the deadline."""
    today = timezone.localdate()
    qs = Campaign.objects.filter(status=CampaignStatus.OPEN, deadline__gte=today)
    if day is not None:
        qs = qs.filter(deadline__gte=day)
    return qs.select_related("unit")


def members_moved(member_ids, from_unit_id: int, to_unit_id: int, *, day: datetime.date | None = None) -> int:
    """Members moved from one unit to another (transfer, split): their live records follow them."""
    return moves([(m, from_unit_id, to_unit_id) for m in member_ids], day=day)


def units_moved(pairs, *, day: datetime.date | None = None) -> int:
    """A reorganization moved every member of each old unit to its new unit (see the module docstring)."""
    pairs = [(int(old), int(new)) for old, new in pairs]
    if not pairs:
        return 0
    mapping = dict(pairs)
    campaigns = list(live_campaigns(day))
    if not campaigns:
        return 0
    paths = _unit_paths(list(mapping) + list(mapping.values()))
    moved = 0
    for campaign in campaigns:
        old_root = campaign.unit.path
        new_root_id = mapping.get(campaign.unit_id)
        if new_root_id is not None:
            Campaign.objects.filter(pk=campaign.pk).update(unit_id=new_root_id)
            campaign.unit = Unit.objects.get(pk=new_root_id)
        new_root = campaign.unit.path
        # New units inside the campaign's subtree get their rows (with their chains).
        ensure_rows(campaign.pk, {u for new in mapping.values() if new in paths
                                  for u in chain_ids(paths[new], new_root)})
        records = StudyRecord.objects.filter(campaign=campaign, unit_id__in=list(mapping)).exclude(state=RecordState.LEFT)
        moved += _move_records(campaign, records, lambda r: mapping[r.unit_id], old_root, new_root, paths)
    return moved


def moves(triples, *, day: datetime.date | None = None) -> int:
    """Batched form: (member_id, from_unit_id, to_unit_id) triples."""
    triples = [(int(m), int(a), int(b)) for m, a, b in triples]
    if not triples:
        return 0
    target = {m: b for m, _a, b in triples}
    campaigns = list(live_campaigns(day))
    if not campaigns:
        return 0
    paths = _unit_paths({u for _m, a, b in triples for u in (a, b)})
    moved = 0
    for campaign in campaigns:
        root = campaign.unit.path
        records = StudyRecord.objects.filter(campaign=campaign, member_id__in=list(target))
        moved += _move_records(campaign, records, lambda r: target[r.member_id], root, root, paths)
        # Members arriving from outside the audience without a record join the target.
        has_record = set(records.values_list("member_id", flat=True))
        arriving = [(m, b) for m, _a, b in triples if m not in has_record and paths.get(b, "").startswith(root)]
        if arriving:
            from quantriet.members.models import Member

            eligible = set(Member.objects.filter(pk__in=[m for m, _b in arriving], status__in=campaign.statuses())
                           .values_list("pk", flat=True))
            new = [StudyRecord(campaign=campaign, member_id=m, unit_id=b) for m, b in arriving if m in eligible]
            if new:
                StudyRecord.objects.bulk_create(new, ignore_conflicts=True)
                direct = defaultdict(lambda: ZERO)
                for record in new:
                    direct[record.unit_id] = _add(direct[record.unit_id], (1, 0, 0, 0, 0, 0))
                ensure_rows(campaign.pk, {u for r in new for u in chain_ids(paths[r.unit_id], root)})
                apply_vectors(campaign.pk, roll_up(root, direct, paths))
                moved += len(new)
    return moved


def _move_records(campaign, records, destination, old_root: str, new_root: str, paths: dict[int, str]) -> int:
    """Move records to `destination(record)`; those landing outside the campaign's subtree leave the
    target (state "left", reason "moved_out"), and such records coming back inside rejoin it."""
    net: dict[int, tuple] = defaultdict(lambda: ZERO)
    groups: dict[tuple[int, str, str, bool], list[int]] = defaultdict(list)
    need_rows: set[int] = set()
    rows = list(records.select_for_update())
    missing = {destination(r) for r in rows} | {r.unit_id for r in rows}
    missing -= set(paths)
    if missing:
        paths.update(_unit_paths(missing))
    for record in rows:
        old_unit, new_unit = record.unit_id, destination(record)
        if new_unit == old_unit:
            continue
        before = record.flags()
        inside = paths[new_unit].startswith(new_root)
        if not inside and record.state == RecordState.TARGETED:
            record.state, record.state_reason = RecordState.LEFT, "moved_out"
        elif inside and record.state == RecordState.LEFT and record.state_reason == "moved_out":
            record.state, record.state_reason = RecordState.TARGETED, ""
        record.unit_id = new_unit
        record.completed = record.compute_completed(campaign)
        after = record.flags()
        for chain_id in chain_ids(paths[old_unit], old_root):
            net[chain_id] = _sub(net[chain_id], before)
        if inside:
            chain = chain_ids(paths[new_unit], new_root)
            need_rows.update(chain)
            for chain_id in chain:
                net[chain_id] = _add(net[chain_id], after)
        groups[(new_unit, record.state, record.state_reason, record.completed)].append(record.pk)
    for (unit_id, state, reason, completed), ids in groups.items():
        for start in range(0, len(ids), 1000):
            StudyRecord.objects.filter(pk__in=ids[start:start + 1000]).update(
                unit_id=unit_id, state=state, state_reason=reason, completed=completed, updated_at=timezone.now())
    ensure_rows(campaign.pk, need_rows)
    apply_vectors(campaign.pk, net)
    return sum(len(ids) for ids in groups.values())
