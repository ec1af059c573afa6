"""Changes to the member registry. Each checks permission, validates and writes the audit log.

Unit.member_count (active members directly in a unit) and the membership periods move in
the same transaction. Editing a member's unit or status here is a *correction* of the record;
real moves and status changes go through `members.lifecycle` (transfers, admission, …).
"""
import dataclasses
import os
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.text import nfc
from quantriet.units.cache import bump_tree_version
from quantriet.units.models import Unit

from .models import ACTIVE_STATUSES, Member, Membership, Position

AUDITED = [
    "full_name", "birth_date", "gender", "ethnicity", "religion", "card_number", "record_number",
    "admission_date", "official_date", "unit", "citizen_id", "phone", "email", "status", "user",
]
#: Reasons written on the periods opened by create_member and by a correction in update_member.
REGISTERED, CORRECTED = "registered", "corrected"


def _adjust_count(unit_id: int, delta: int) -> None:
    bump_tree_version()
    if delta:
        Unit.objects.filter(pk=unit_id).update(member_count=F("member_count") + delta)


def open_period(member: Member, unit_id: int, day, *, kind: str = "regular", reason: str = "") -> Membership:
    """Start the member's active period in a unit (the caller has closed any open one)."""
    bump_tree_version()
    return Membership.objects.create(member=member, unit_id=unit_id, start=day, kind=kind, reason=reason)


def close_period(member: Member, day) -> Membership | None:
    """End the member's open period on `day` (exclusive); a period that would be empty is dropped."""
    bump_tree_version()
    period = Membership.objects.filter(member=member, end__isnull=True).first()
    if period is None:
        return None
    if day <= period.start:
        period.delete()
        return None
    period.end = day
    period.save(update_fields=["end"])
    return period


def _clean_titles(titles) -> list[str]:
    """Position titles as stored: NFC, empty ones dropped, in the given order."""
    return [nfc(t) for t in titles if nfc(t)]


def _set_positions(member: Member, titles) -> None:
    cleaned = _clean_titles(titles)
    member.positions.all().delete()
    for order, title in enumerate(cleaned):
        Position(member=member, title=title, order=order).save()


def _snapshot(member: Member) -> dict:
    return _snapshot_with(member, [p.title for p in member.positions.all()])


def _snapshot_with(member: Member, titles: list[str]) -> dict:
    """The audited values of a member whose position titles are known."""
    data = audit.snapshot(member, AUDITED)
    data["positions"] = list(titles)
    return data


def _first_period_start(member: Member, today):
    """Start of the period a newly registered active member opens: the admission, never in the future."""
    return min(member.admission_date or today, today)


@transaction.atomic
def create_member(*, acting_user, positions=(), **fields) -> Member:
    bump_tree_version()
    member = Member(**fields)
    if not access.can(acting_user, access.EDIT_MEMBERS, member.unit.path):
        raise ActionDenied(target=str(member.unit))
    member.full_clean()
    member.save()
    _set_positions(member, positions)
    if member.is_active:
        _adjust_count(member.unit_id, 1)
        open_period(member, member.unit_id, _first_period_start(member, timezone.localdate()), reason=REGISTERED)
    audit.record("member.create", member, actor=acting_user, after=_snapshot(member), scope_path=member.unit.path)
    return member


def _correct_periods(member: Member, was_active: bool, old_unit_id: int) -> None:
    today = timezone.localdate()
    if was_active and not member.is_active:
        close_period(member, today)
    elif member.is_active and not was_active:
        open_period(member, member.unit_id, today, reason=CORRECTED)
    elif member.is_active and member.unit_id != old_unit_id:
        # A corrected unit rewrites the open period: the record was wrong, not the member moved.
        updated = Membership.objects.filter(member=member, end__isnull=True).update(unit_id=member.unit_id)
        if not updated:
            open_period(member, member.unit_id, today, reason=CORRECTED)


@transaction.atomic
def update_member(member: Member, *, acting_user, positions=None, **changes) -> Member:
    bump_tree_version()
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    if not access.can(acting_user, access.EDIT_MEMBERS, member.unit.path):
        raise ActionDenied(target=str(member))
    before = _snapshot(member)
    was_active, old_unit_id = member.is_active, member.unit_id
    for name, value in changes.items():
        setattr(member, name, value)
    if member.unit_id != old_unit_id and not access.can(acting_user, access.EDIT_MEMBERS, member.unit.path):
        raise ActionDenied(target=str(member.unit))
    member.full_clean()
    member.save()
    if positions is not None:
        _set_positions(member, positions)
    _adjust_count(old_unit_id, -1 if was_active else 0)
    _adjust_count(member.unit_id, 1 if member.status in ACTIVE_STATUSES else 0)
    _correct_periods(member, was_active, old_unit_id)
    after = _snapshot(member)
    if after != before:
        audit.record("member.update", member, actor=acting_user, before=before, after=after, scope_path=member.unit.path)
    return member


# --------------------------------------------------------------------------------------------
# Bulk import: the same effects as create_member / update_member per row, in a few statements
# per batch of rows.
# --------------------------------------------------------------------------------------------

#: Member fields an import row may carry, besides "unit", "positions" and "row".
IMPORT_FIELDS = frozenset(AUDITED) - {"unit", "user"}
#: Concrete columns compared to find what an update changes (timestamps follow the others).
_COMPARED = [f for f in Member._meta.concrete_fields if not f.primary_key and f.name not in ("created_at", "updated_at")]


class ImportRowsInvalid(ValidationError):
    """Rows of a bulk import fail validation. `rows` maps each row's label to {field or None: [messages]}."""

    def __init__(self, rows: dict):
        self.rows = rows
        messages = [
            _("Row %(row)s: %(message)s") % {"row": label, "message": f"{field}: {message}" if field else message}
            for label, errors in rows.items() for field, found in errors.items() for message in found
        ]
        super().__init__(messages)


@dataclasses.dataclass
class ImportResult:
    created: int = 0
    updated: int = 0  # existing members whose record, positions or periods changed
    unchanged: int = 0
    rows: int = 0
    created_ids: list = dataclasses.field(default_factory=list)
    updated_ids: list = dataclasses.field(default_factory=list)


class MemberBulkWriter:
    """Writes batches of import rows inside the caller's transaction; `finish()` closes the import.

    Each row is a mapping of member fields (IMPORT_FIELDS) plus "unit" (a Unit or its pk),
    optionally "positions" (titles; None or absent leaves an existing member's positions alone)
    and "row" (a label for error messages, by default the row's position in the import).
    A row whose card number is registered updates that member; any other row creates one.

    Per batch: permission once per unit (EDIT_MEMBERS, as create/update check it), the model's
    validation without its per-row unique queries, uniqueness in bulk (card numbers and citizen
    IDs against the registry and the rest of the import), then bulk writes of members,
    positions, membership periods and audit entries. The unit counters are summed and written
    once per unit by `finish()`, which also records the summary entry.
    """

    def __init__(self, *, acting_user, today=None):
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("MemberBulkWriter must run inside transaction.atomic (the import is all-or-nothing).")
        self.user = acting_user
        self.today = today or timezone.localdate()
        self.result = ImportResult()
        self._units: dict[int, Unit] = {}
        self._allowed: set[int] = set()
        self._cards: dict[str, object] = {}  # card number → row label, over the whole import
        self._ids: dict[str, object] = {}  # citizen ID → row label
        self._deltas: dict[int, int] = defaultdict(int)
        self._common: str | None = None
        self._bumped = False

    # -- one batch ----------------------------------------------------------------------------

    def write(self, rows) -> ImportResult:
        rows = [self._split(index, row) for index, row in enumerate(rows, start=self.result.rows + 1)]
        if not rows:
            return self.result
        if not self._bumped:
            bump_tree_version()  # once for the import: the connection now bypasses the tree caches
            self._bumped = True
        errors: dict = defaultdict(lambda: defaultdict(list))

        # Uniqueness inside the import.
        for item in rows:
            card, citizen_id = item["fields"].get("card_number"), item["fields"].get("citizen_id")
            if card:
                first = self._cards.setdefault(card, item["row"])
                if first != item["row"]:
                    errors[item["row"]]["card_number"].append(
                        _("The card number %(card)s already appears on row %(row)s of this file.") % {"card": card, "row": first})
            if citizen_id:
                first = self._ids.setdefault(citizen_id, item["row"])
                if first != item["row"]:
                    errors[item["row"]]["citizen_id"].append(
                        _("The citizen ID %(id)s already appears on row %(row)s of this file.") % {"id": citizen_id, "row": first})

        # The registry: existing members by card number (locked, as update_member locks), citizen IDs' owners.
        cards = [item["fields"]["card_number"] for item in rows if item["fields"].get("card_number")]
        existing = {m.card_number: m for m in Member.objects.select_for_update().filter(card_number__in=cards)} if cards else {}
        ids = [item["fields"]["citizen_id"] for item in rows if item["fields"].get("citizen_id")]
        owners = dict(Member.objects.filter(citizen_id__in=ids).values_list("citizen_id", "pk")) if ids else {}
        titles = defaultdict(list)
        if existing:
            for member_id, title in (Position.objects.filter(member_id__in=[m.pk for m in existing.values()])
                                     .order_by("member_id", "order", "id").values_list("member_id", "title")):
                titles[member_id].append(title)

        # Units: one query for those not seen yet, one permission check per unit.
        wanted = {item["unit"] for item in rows} | {m.unit_id for m in existing.values()}
        missing = wanted - self._units.keys()
        if missing:
            self._units.update(Unit.objects.in_bulk(missing))
        unit_field = Member._meta.get_field("unit")
        for item in rows:
            if item["unit"] not in self._units:
                errors[item["row"]]["unit"].append(unit_field.error_messages["invalid"] % {
                    "model": Unit._meta.verbose_name, "pk": item["unit"], "field": "id", "value": item["unit"]})
        for unit_id in sorted(wanted & self._units.keys() - self._allowed):
            unit = self._units[unit_id]
            if not access.can(self.user, access.EDIT_MEMBERS, unit.path):
                raise ActionDenied(target=str(unit))
            self._allowed.add(unit_id)

        # The model's validation, without the database.
        plans = []
        for item in rows:
            if item["row"] in errors:
                continue
            member = existing.get(item["fields"].get("card_number") or None)
            if member is None:
                plan = self._plan_create(item)
            else:
                plan = self._plan_update(item, member, titles[member.pk])
                owner = owners.get(item["fields"].get("citizen_id"))
                if owner is not None and owner != member.pk:
                    errors[item["row"]]["citizen_id"].append(_("This citizen ID belongs to another member."))
            if plan["kind"] == "create" and owners.get(item["fields"].get("citizen_id")) is not None:
                errors[item["row"]]["citizen_id"].append(_("This citizen ID belongs to another member."))
            try:
                plan["member"].full_clean(exclude=["unit"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[item["row"]][None if field == "__all__" else field].extend(messages)
            plans.append(plan)
        if errors:
            raise ImportRowsInvalid({label: dict(found) for label, found in errors.items()})

        self._write_creates([p for p in plans if p["kind"] == "create"])
        self._write_updates([p for p in plans if p["kind"] == "update"])
        self.result.rows += len(rows)
        return self.result

    def _split(self, index: int, row) -> dict:
        row = dict(row)
        label = row.pop("row", index)
        unit = row.pop("unit")
        positions = row.pop("positions", None)
        unknown = set(row) - IMPORT_FIELDS
        if unknown:
            raise TypeError(f"import rows cannot set {', '.join(sorted(unknown))}")
        if "card_number" in row:
            row["card_number"] = nfc(row["card_number"] or "") or None
        if "citizen_id" in row:
            row["citizen_id"] = nfc(row["citizen_id"] or "") or None
        return {"row": label, "unit": getattr(unit, "pk", unit), "positions": positions, "fields": row}

    def _plan_create(self, item) -> dict:
        member = Member(**item["fields"])
        member.unit = self._units[item["unit"]]
        return {"kind": "create", "member": member, "titles": _clean_titles(item["positions"] or ())}

    def _plan_update(self, item, member: Member, old_titles: list[str]) -> dict:
        before = _snapshot_with(member, old_titles)
        values = {f.attname: getattr(member, f.attname) for f in _COMPARED}
        was_active, old_unit_id = member.is_active, member.unit_id
        for name, value in item["fields"].items():
            setattr(member, name, value)
        member.unit = self._units[item["unit"]]
        new_titles = old_titles if item["positions"] is None else _clean_titles(item["positions"])
        return {"kind": "update", "member": member, "before": before, "values": values, "was_active": was_active,
                "old_unit_id": old_unit_id, "titles": new_titles, "positions_changed": new_titles != old_titles}

    # -- writing --------------------------------------------------------------------------------

    def _note_unit(self, unit: Unit) -> None:
        self._common = unit.path if self._common is None else os.path.commonprefix([self._common, unit.path])

    def _write_creates(self, plans) -> None:
        if not plans:
            return
        members = [p["member"] for p in plans]
        for member in members:
            member.normalize()  # what Member.save() does
        Member.objects.bulk_create(members)
        positions, periods, entries = [], [], []
        for plan in plans:
            member = plan["member"]
            for order, title in enumerate(plan["titles"]):
                position = Position(member=member, title=title, order=order)
                position.normalize()
                positions.append(position)
            if member.is_active:
                self._deltas[member.unit_id] += 1
                periods.append(Membership(member=member, unit_id=member.unit_id,
                                          start=_first_period_start(member, self.today), reason=REGISTERED))
            entries.append(audit.entry("member.create", member, actor=self.user,
                                       after=_snapshot_with(member, plan["titles"]), scope_path=member.unit.path))
            self._note_unit(member.unit)
        Position.objects.bulk_create(positions)
        Membership.objects.bulk_create(periods)
        audit.record_many(entries)
        self.result.created += len(members)
        self.result.created_ids.extend(m.pk for m in members)

    def _write_updates(self, plans) -> None:
        if not plans:
            return
        changed_fields: set[str] = set()
        now = timezone.now()
        touched = []
        for plan in plans:
            member = plan["member"]
            member.normalize()
            changed = {f.name for f in _COMPARED if getattr(member, f.attname) != plan["values"][f.attname]}
            plan["changed"] = changed
            if changed:
                member.updated_at = now
                changed_fields |= changed | {"updated_at"}
            if changed or plan["positions_changed"]:
                touched.append(plan)
            else:
                self.result.unchanged += 1
            self._note_unit(member.unit)
        if changed_fields:
            Member.objects.bulk_update([p["member"] for p in plans if p["changed"]], sorted(changed_fields))

        # Positions: replaced only where the titles differ.
        replaced = [p for p in plans if p["positions_changed"]]
        if replaced:
            Position.objects.filter(member_id__in=[p["member"].pk for p in replaced]).delete()
            positions = []
            for plan in replaced:
                for order, title in enumerate(plan["titles"]):
                    position = Position(member=plan["member"], title=title, order=order)
                    position.normalize()
                    positions.append(position)
            Position.objects.bulk_create(positions)

        # Counters and periods, as update_member and _correct_periods do them.
        period_work = []
        for plan in plans:
            member = plan["member"]
            if plan["was_active"]:
                self._deltas[plan["old_unit_id"]] -= 1
            if member.is_active:
                self._deltas[member.unit_id] += 1
            if plan["was_active"] != member.is_active or (member.is_active and member.unit_id != plan["old_unit_id"]):
                period_work.append(plan)
        if period_work:
            open_periods = {p.member_id: p for p in Membership.objects.filter(
                member_id__in=[plan["member"].pk for plan in period_work], end__isnull=True)}
            dropped, ended, moved, opened = [], [], [], []
            for plan in period_work:
                member = plan["member"]
                period = open_periods.get(member.pk)
                if plan["was_active"] and not member.is_active:
                    if period is None:
                        continue
                    if self.today <= period.start:
                        dropped.append(period.pk)
                    else:
                        period.end = self.today
                        ended.append(period)
                elif member.is_active and not plan["was_active"]:
                    opened.append(Membership(member=member, unit_id=member.unit_id, start=self.today, reason=CORRECTED))
                elif period is not None:  # a corrected unit rewrites the open period
                    period.unit_id = member.unit_id
                    moved.append(period)
                else:
                    opened.append(Membership(member=member, unit_id=member.unit_id, start=self.today, reason=CORRECTED))
            if dropped:
                Membership.objects.filter(pk__in=dropped).delete()
            if ended:
                Membership.objects.bulk_update(ended, ["end"])
            if moved:
                Membership.objects.bulk_update(moved, ["unit"])
            if opened:
                Membership.objects.bulk_create(opened)

        entries = []
        for plan in plans:
            member = plan["member"]
            after = _snapshot_with(member, plan["titles"])
            if after != plan["before"]:
                entries.append(audit.entry("member.update", member, actor=self.user, before=plan["before"],
                                           after=after, scope_path=member.unit.path))
        audit.record_many(entries)
        self.result.updated += len(touched)
        self.result.updated_ids.extend(p["member"].pk for p in touched)

    # -- the end ----------------------------------------------------------------------------------

    def scope_path(self) -> str:
        """The path of the deepest unit above every unit written (whole path segments)."""
        common = self._common or ""
        return common[: common.rfind(".") + 1]

    def finish(self, *, after: dict | None = None, note: str | None = None) -> ImportResult:
        """Apply the unit counters (one UPDATE per unit) and record the import's summary entry."""
        for unit_id, delta in sorted(self._deltas.items()):
            if delta:
                Unit.objects.filter(pk=unit_id).update(member_count=F("member_count") + delta)
        self._deltas.clear()
        if self._bumped or self.result.rows:
            bump_tree_version()  # no-op when already pending in this transaction
        result = self.result
        summary = after if after is not None else {
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged, "rows": result.rows,
        }
        audit.record("member.import", None, actor=self.user, scope_path=self.scope_path(), after=summary,
                     note=note if note is not None else f"{result.created} created, {result.updated} updated")
        return result


@transaction.atomic
def import_members(rows, *, acting_user, batch_size: int = 1000, after: dict | None = None,
                   note: str | None = None) -> ImportResult:
    """Create or update many members at once, all or nothing (see MemberBulkWriter for the rows).

    Same permission rule, validation, periods, counters and audit entries as create_member /
    update_member, with a number of queries that grows with the batches and units, not the rows.
    Raises ActionDenied (naming the unit) or ImportRowsInvalid; then nothing is written.
    """
    writer = MemberBulkWriter(acting_user=acting_user)
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            writer.write(batch)
            batch = []
    if batch:
        writer.write(batch)
    return writer.finish(after=after, note=note)
