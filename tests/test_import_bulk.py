"""The bulk member import (`members.actions.import_members`): the same results as the per-row actions,
permission once per unit, uniqueness in bulk, counters, audit, and a query count independent of the rows."""
import datetime
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry
from quantriet.members import actions
from quantriet.members.models import Member, Membership, Position
from quantriet.units.models import Unit

from . import factories as f

TODAY = timezone.localdate()
D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# -- a twin tree: the same scenario run through the per-row actions and through the bulk action ----------------

def twin(prefix):
    """A commune with three cells; codes and card numbers carry `prefix` so two twins never collide."""
    province = Unit.objects.filter(code="BK").first() or f.unit("BK", "Tỉnh ủy Thử", kind="tinh-uy")
    commune = f.unit(f"BK-{prefix}", f"Đảng bộ xã Thử {prefix}", kind="dang-bo-xa", parent=province)
    cells = {name: f.unit(f"BK-{prefix}-{name}", f"Chi bộ {name} {prefix}", parent=commune) for name in ("c1", "c2", "c3")}
    return {"commune": commune, **cells}


def card(prefix, n):
    return f"{prefix}{n:07d}"


def cid(prefix, n):
    return f"{prefix}{n:011d}"


def seed(prefix, units):
    """The registry before the import (written by the per-row actions on both twins)."""
    base = dict(birth_date=D(1975, 4, 2), gender="male", admission_date=D(2001, 5, 19), official_date=D(2002, 5, 19),
                status="official")
    specs = [
        (1, "c1", "Nguyễn Văn Một", dict(citizen_id=cid(prefix, 1), positions=["Bí thư"])),
        (2, "c1", "Trần Thị Hai", dict(gender="female", official_date=None, status="probationary",
                                       admission_date=TODAY - datetime.timedelta(days=400))),
        (3, "c2", "Lê Văn Ba", dict(positions=["Phó Bí thư", "Trưởng thôn"], phone="0912345678")),
        (4, "c2", "Hoàng Thị Bốn", dict(gender="female", status="candidate", admission_date=None, official_date=None)),
        (5, "c3", "Phạm Văn Năm", dict(religion="Phật giáo")),
        (6, "c3", "Vũ Thị Sáu", dict(gender="female", positions=["Đảng viên"], email="sau@example.vn")),
    ]
    for n, cell, name, extra in specs:
        values = {**base, **extra}
        positions = values.pop("positions", ())
        actions.create_member(acting_user=f.system_user(), positions=positions, full_name=name,
                              card_number=card(prefix, n), unit=units[cell], **values)


def rows(prefix, units):
    """A mixed file: new members, updates, a move between cells, status corrections, an unchanged row."""
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731  (pasted from a Mac)
    return [
        # new: NFD name, positions with an empty one, phone
        dict(full_name=nfd("Đỗ Thị Hằng"), birth_date=D(1990, 1, 2), gender="female", card_number=card(prefix, 11),
             admission_date=D(2015, 2, 3), official_date=D(2016, 2, 3), status="official", unit=units["c1"],
             citizen_id=cid(prefix, 11), phone="0987 654 321", positions=["Đảng viên", " ", nfd("Tổ trưởng")]),
        # new probationary member admitted recently, no positions
        dict(full_name="Chẩu Văn Lâm", birth_date=D(1995, 6, 7), gender="male", card_number=card(prefix, 12),
             admission_date=TODAY - datetime.timedelta(days=30), status="probationary", ethnicity="Tày",
             unit=units["c2"].pk),
        # new candidate: no period, not counted
        dict(full_name="Hầu A Lềnh", birth_date=D(1998, 3, 4), gender="male", card_number=card(prefix, 13),
             status="candidate", ethnicity="Mông", unit=units["c3"]),
        # 1: moves c1 → c2, new phone, one more position
        dict(full_name="Nguyễn Văn Một", card_number=card(prefix, 1), phone="0911222333", unit=units["c2"],
             positions=["Bí thư", "Trưởng thôn"]),
        # 2: recognized as official (the importer derives the status from the official date)
        dict(card_number=card(prefix, 2), official_date=TODAY, status="official", unit=units["c1"]),
        # 3: name corrected (typed in NFD), positions column empty: positions stay
        dict(card_number=card(prefix, 3), full_name=nfd("Lê Văn Bảy"), unit=units["c2"], positions=None),
        # 4: candidate corrected to probationary in c1: a period opens, c1 counts one more
        dict(card_number=card(prefix, 4), status="probationary", admission_date=D(2024, 1, 5), unit=units["c1"]),
        # 5: removed: the period closes today, c3 counts one less
        dict(card_number=card(prefix, 5), status="removed", unit=units["c3"]),
        # 6: the same values as registered: nothing changes
        dict(card_number=card(prefix, 6), full_name="Vũ Thị Sáu", email="sau@example.vn", unit=units["c3"],
             positions=["Đảng viên"]),
    ]


def per_row(prefix, units, user):
    """The old commit: create_member / update_member once per row."""
    for row in rows(prefix, units):
        row = dict(row)
        unit, positions = row.pop("unit"), row.pop("positions", ())
        unit = unit if isinstance(unit, Unit) else Unit.objects.get(pk=unit)
        existing = Member.objects.filter(card_number=row["card_number"]).first()
        if existing is None:
            actions.create_member(acting_user=user, positions=positions or (), unit=unit, **row)
        else:
            row.pop("card_number")
            actions.update_member(existing, acting_user=user, positions=positions, unit=unit, **row)


def state(prefix, units):
    """Everything the import writes, with ids, card numbers and citizen IDs made comparable across twins."""
    names = {u.pk: name for name, u in units.items()}
    paths = {u.path: name for name, u in units.items()}

    def unmap(data):
        if data is None:
            return None
        data = dict(data)
        data["unit"] = names.get(data.get("unit"), data.get("unit"))
        for key in ("card_number", "citizen_id"):
            if data.get(key):
                data[key] = data[key][1:]
        return data

    members = {}
    for m in Member.objects.filter(card_number__startswith=prefix).order_by("card_number"):
        fields = {field.name: getattr(m, field.attname) for field in Member._meta.concrete_fields
                  if field.name not in ("id", "created_at", "updated_at")}
        fields = unmap(fields)
        members[m.card_number[1:]] = {
            "fields": fields,
            "positions": list(Position.objects.filter(member=m).values_list("title", "title_folded", "order")),
            "periods": [(names[p.unit_id], p.start, p.end, p.kind, p.reason)
                        for p in Membership.objects.filter(member=m).order_by("start", "id")],
            "audit": [(e.action, unmap(e.before), unmap(e.after), paths.get(e.scope_path, e.scope_path), e.object_repr,
                       e.actor_id) for e in audit.entries_for(m).order_by("id")],
        }
    counters = {name: Unit.objects.get(pk=u.pk).member_count for name, u in units.items()}
    return members, counters


def recount(units):
    return {name: Member.objects.active().filter(unit=u).count() for name, u in units.items()}


def test_bulk_import_gives_the_same_results_as_the_per_row_actions(db, django_assert_max_num_queries):
    user = f.system_user()
    old, new = twin("1"), twin("2")
    seed("1", old)
    seed("2", new)
    assert state("1", old) == state("2", new)  # the twins start equal

    per_row("1", old, user)
    result = actions.import_members(rows("2", new), acting_user=user)

    assert (result.created, result.updated, result.unchanged, result.rows) == (3, 5, 1, 9)
    expected, got = state("1", old), state("2", new)
    assert got[0].keys() == expected[0].keys()
    for key in expected[0]:
        assert got[0][key] == expected[0][key], key
    assert got[1] == expected[1]
    assert got[1] == recount(new)
    # What the scenario is about, spelled out (so a shared mistake cannot hide).
    hang = got[0]["0000011"]
    assert hang["fields"]["full_name"] == unicodedata.normalize("NFC", "Đỗ Thị Hằng")
    assert hang["fields"]["name_folded"] == "do thi hang" and hang["fields"]["phone"] == "0987 654 321"
    assert [p[0] for p in hang["positions"]] == ["Đảng viên", "Tổ trưởng"]
    assert hang["periods"] == [("c1", D(2015, 2, 3), None, "regular", "registered")]
    assert got[0]["0000013"]["periods"] == [] and got[0]["0000013"]["fields"]["status"] == "candidate"
    assert got[0]["0000001"]["periods"] == [("c2", D(2001, 5, 19), None, "regular", "registered")]
    assert [p[0] for p in got[0]["0000003"]["positions"]] == ["Phó Bí thư", "Trưởng thôn"]
    assert got[0]["0000004"]["periods"] == [("c1", TODAY, None, "regular", "corrected")]
    assert got[0]["0000005"]["periods"] == [("c3", D(2001, 5, 19), TODAY, "regular", "registered")]
    assert [a[0] for a in got[0]["0000006"]["audit"]] == ["member.create"]  # unchanged: no entry
    assert got[1] == {"commune": 0, "c1": 3, "c2": 3, "c3": 1}
    summary = AuditEntry.objects.get(action="member.import")
    assert summary.after == {"created": 3, "updated": 5, "unchanged": 1, "rows": 9}
    assert summary.scope_path == new["commune"].path


def test_unchanged_rows_are_not_written(db):
    units = twin("3")
    seed("3", units)
    six = Member.objects.get(card_number=card("3", 6))
    before = (six.updated_at, list(six.positions.values_list("pk", flat=True)))
    result = actions.import_members([r for r in rows("3", units) if r["card_number"] == card("3", 6)],
                                    acting_user=f.system_user())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    six.refresh_from_db()
    assert (six.updated_at, list(six.positions.values_list("pk", flat=True))) == before
    assert not AuditEntry.objects.filter(action="member.update").exists()


def test_audit_entries_one_per_member_and_a_summary(db):
    units = twin("4")
    seed("4", units)
    entries = AuditEntry.objects.count()
    result = actions.import_members(rows("4", units), acting_user=f.system_user(), note="test file")
    assert AuditEntry.objects.count() == entries + result.created + result.updated + 1
    created = AuditEntry.objects.filter(action="member.create", object_id__in=[str(pk) for pk in result.created_ids])
    assert created.count() == 3
    entry = created.get(object_id=str(Member.objects.get(card_number=card("4", 11)).pk))
    assert entry.after["positions"] == ["Đảng viên", "Tổ trưởng"] and entry.scope_path == units["c1"].path
    moved = AuditEntry.objects.get(action="member.update", object_id=str(Member.objects.get(card_number=card("4", 1)).pk))
    assert (moved.before["unit"], moved.after["unit"]) == (units["c1"].pk, units["c2"].pk)
    assert moved.scope_path == units["c2"].path and moved.actor == f.system_user()
    summary = AuditEntry.objects.get(action="member.import")
    assert summary.note == "test file" and summary.actor == f.system_user()


# -- refusals: nothing is written ------------------------------------------------------------------------

def _registry():
    return (Member.objects.count(), Position.objects.count(), Membership.objects.count(), AuditEntry.objects.count(),
            list(Unit.objects.order_by("pk").values_list("member_count", flat=True)))


def test_a_denied_unit_is_named_and_nothing_is_written(tree, people):
    secretary = f.user("sec_a_bulk", "secretary", tree["cell_a"])
    before = _registry()
    good = dict(full_name="Ma Văn Kháng", birth_date=D(1980, 1, 1), gender="male", admission_date=D(2005, 1, 1),
                official_date=D(2006, 1, 1), status="official")
    with pytest.raises(ActionDenied) as denied:
        actions.import_members([
            dict(good, card_number="50000001", unit=tree["cell_a"]),
            dict(good, card_number="50000002", unit=tree["cell_b"]),
        ], acting_user=secretary)
    assert denied.value.target == str(tree["cell_b"])
    assert _registry() == before
    # An update moving a member *into* the secretary's cell from outside is refused too (old unit).
    with pytest.raises(ActionDenied) as denied:
        actions.import_members([dict(card_number=people["c1"].card_number, unit=tree["cell_a"])], acting_user=secretary)
    assert denied.value.target == str(tree["cell_c"])
    assert _registry() == before
    # Within the scope it goes through.
    result = actions.import_members([dict(good, card_number="50000001", unit=tree["cell_a"])], acting_user=secretary)
    assert result.created == 1


def test_denial_in_a_later_batch_leaves_nothing_either(tree):
    secretary = f.user("sec_a_batches", "secretary", tree["cell_a"])
    before = _registry()
    base = dict(birth_date=D(1980, 1, 1), gender="male", admission_date=D(2005, 1, 1), official_date=D(2006, 1, 1))
    batch = [dict(base, full_name=f"Lò Văn Số {i}", card_number=f"5100{i:04d}", unit=tree["cell_a"]) for i in range(5)]
    batch.append(dict(base, full_name="Lò Văn Cuối", card_number="51009999", unit=tree["cell_c"]))
    with pytest.raises(ActionDenied):
        actions.import_members(batch, acting_user=secretary, batch_size=2)
    assert _registry() == before


def test_duplicates_inside_the_file_are_refused(tree, people):
    user = f.system_user()
    before = _registry()
    base = dict(birth_date=D(1980, 1, 1), gender="male", admission_date=D(2005, 1, 1), official_date=D(2006, 1, 1),
                unit=tree["cell_a"])
    rows_ = [
        dict(base, full_name="Nguyễn Văn A", card_number="60000001", citizen_id="001080000001", row=2),
        dict(base, full_name="Nguyễn Văn B", card_number="60000002", citizen_id="001080000001", row=3),
        dict(base, full_name="Nguyễn Văn C", card_number="60000001", row=4),
        dict(base, full_name="Nguyễn Văn D", card_number="60000004", row=5),
    ]
    with pytest.raises(actions.ImportRowsInvalid) as error:
        actions.import_members(rows_, acting_user=user)
    assert error.value.rows == {
        3: {"citizen_id": ["The citizen ID 001080000001 already appears on row 2 of this file."]},
        4: {"card_number": ["The card number 60000001 already appears on row 2 of this file."]},
    }
    assert _registry() == before
    # Across batches as well.
    with pytest.raises(actions.ImportRowsInvalid) as error:
        actions.import_members(rows_[::2], acting_user=user, batch_size=1)
    assert list(error.value.rows) == [4]
    assert _registry() == before


def test_citizen_id_of_another_member_and_model_validation(tree, people):
    user = f.system_user()
    actions.update_member(people["a2"], acting_user=user, citizen_id="001080000009")
    actions.update_member(people["self_member"], acting_user=user, citizen_id="001080000008")
    before = _registry()
    base = dict(birth_date=D(1980, 1, 1), gender="male", admission_date=D(2005, 1, 1), official_date=D(2006, 1, 1),
                unit=tree["cell_a"])
    with pytest.raises(actions.ImportRowsInvalid) as error:
        actions.import_members([
            dict(base, full_name="Nguyễn Văn A", card_number="61000001", citizen_id="001080000009"),  # a2's
            dict(base, full_name="Nguyễn Văn B", card_number="61000002", official_date=D(2005, 6, 1)),  # < 12 months
            dict(card_number=people["b1"].card_number, citizen_id="001080000008", unit=tree["cell_b"]),  # another's
            dict(card_number=people["c1"].card_number, email="not an email", unit=tree["cell_c"]),
        ], acting_user=user)
    found = error.value.rows
    assert set(found) == {1, 2, 3, 4}
    assert found[1] == found[3] == {"citizen_id": ["This citizen ID belongs to another member."]}
    assert list(found[2]) == ["official_date"] and list(found[4]) == ["email"]
    assert "Row 2: official_date: " in " ".join(error.value.messages)
    assert _registry() == before
    # A member's own citizen ID is no conflict.
    result = actions.import_members([dict(card_number=people["a2"].card_number, citizen_id="001080000009",
                                          phone="0912000111", unit=tree["cell_a"])], acting_user=user)
    assert result.updated == 1 and Member.objects.get(pk=people["a2"].pk).phone == "0912000111"


def test_rows_cannot_set_other_fields(tree):
    with pytest.raises(TypeError):
        actions.import_members([dict(card_number="62000001", unit=tree["cell_a"], user=f.system_user())],
                               acting_user=f.system_user())


def test_must_run_in_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        actions.MemberBulkWriter(acting_user=None)


# -- queries: a bound that does not grow with the rows -------------------------------------------------------

def _mixed_rows(prefix, count, units):
    """count rows: new members spread over three cells, and updates (half of them moves) of members
    registered by a first import."""
    base = dict(birth_date=D(1980, 1, 1), gender="male", admission_date=D(2005, 1, 1), official_date=D(2006, 1, 1))
    cells = [units["c1"], units["c2"], units["c3"]]
    existing = [dict(base, full_name=f"Nguyễn Văn Cũ {i}", card_number=f"{prefix}{i:06d}", unit=cells[i % 3],
                     positions=["Đảng viên"]) for i in range(count // 2)]
    actions.import_members(existing, acting_user=f.system_user())
    mixed = [dict(card_number=row["card_number"], phone=f"09{i:08d}", unit=cells[(i + i % 2) % 3],
                  positions=["Đảng viên", "Tổ trưởng"] if i % 3 == 0 else None) for i, row in enumerate(existing)]
    mixed += [dict(base, full_name=f"Trần Thị Mới {i}", gender="female", card_number=f"{prefix}{500000 + i:06d}",
                   citizen_id=f"{prefix}{i:010d}", unit=cells[i % 3], positions=["Đảng viên"])
              for i in range(count - len(existing))]
    return mixed


@pytest.fixture
def one_statement_per_bulk(monkeypatch):
    """Django splits bulk statements on SQLite to keep under 999 parameters (the limit of old SQLite
    builds; 3.32+ allows 32,766): lift that split so the count shows the import's own statements,
    as on PostgreSQL, where Django does not split them."""
    if connection.vendor == "sqlite":
        monkeypatch.setattr(connection.features, "max_query_params", 32766)


@pytest.mark.parametrize("count", [50, 500])
def test_queries_do_not_grow_with_the_rows(db, count, django_assert_max_num_queries, one_statement_per_bulk):
    units = twin(f"Q{count}")
    office = f.user(f"office_{count}", "office", units["commune"])
    mixed = _mixed_rows("63" if count == 50 else "64", count, units)
    with django_assert_max_num_queries(30):
        result = actions.import_members(mixed, acting_user=office)
    assert result.created + result.updated == count
    assert {n: Unit.objects.get(pk=u.pk).member_count for n, u in units.items()} == recount(units)


def test_query_count_is_the_same_for_50_and_500_rows(db, one_statement_per_bulk):
    counts = []
    for count, prefix in ((50, "65"), (500, "66")):
        units = twin(f"R{count}")
        office = f.user(f"office_r{count}", "office", units["commune"])
        mixed = _mixed_rows(prefix, count, units)
        with CaptureQueriesContext(connection) as queries:
            actions.import_members(mixed, acting_user=office)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- the importer and the background task use the bulk path -------------------------------------------------

def test_the_importer_no_longer_writes_row_by_row(tmp_path, tree, people, monkeypatch):
    from tests.test_import import row, write_xlsx

    from quantriet.members.importing import MemberImporter

    def refuse(*args, **kwargs):
        raise AssertionError("the per-row action was called")

    monkeypatch.setattr(actions, "create_member", refuse)
    monkeypatch.setattr(actions, "update_member", refuse)
    file = write_xlsx(tmp_path / "m.xlsx", [
        row("Nguyễn Văn An", card="30000001", positions="Bí thư Chi bộ; Trưởng thôn"),
        row(people["b1"].full_name, card=people["b1"].card_number, unit="TQ-SD-SN-A", phone="0987654321"),
    ])
    report = MemberImporter(file, user=f.system_user()).commit()
    assert report.committed and (report.create_count, report.update_count) == (1, 1)
    b1 = Member.objects.get(pk=people["b1"].pk)
    assert (b1.unit_id, b1.phone) == (tree["cell_a"].pk, "0987654321")
    assert list(Membership.objects.filter(member=b1).values_list("unit_id", "end")) == [(tree["cell_a"].pk, None)]
    assert {u: Unit.objects.get(pk=tree[u].pk).member_count for u in ("cell_a", "cell_b")} == {
        u: Member.objects.active().filter(unit=tree[u]).count() for u in ("cell_a", "cell_b")}
    assert AuditEntry.objects.filter(action="member.import").count() == 1
