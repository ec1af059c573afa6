"""The demo data (quantriet/demo): loaded once for the module inside a transaction rolled back at the end."""
import hashlib
import importlib.machinery
import io
import random
import re
import sys
import types
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from vietnam_address_converter.data import DEFAULT_DATA

from quantriet.accounts import access
from quantriet.accounts.models import RoleAssignment
from quantriet.core.models import AuditEntry
from quantriet.core.text import fold, name_sort_key
from quantriet.demo import hooks, loader
from quantriet.demo.geography import DISTRICT_COMMITTEES, communes_2022
from quantriet.members.models import ACTIVE_STATUSES, Member, Membership, Position, Status
from quantriet.units.counters import recount_member_counts
from quantriet.units.models import Unit, path_segment

from .conftest import login

pytestmark = pytest.mark.django_db

DISTRICTS = ["Thành ủy Tuyên Quang", "Huyện ủy Lâm Bình", "Huyện ủy Na Hang", "Huyện ủy Chiêm Hóa",
             "Huyện ủy Hàm Yên", "Huyện ủy Yên Sơn", "Huyện ủy Sơn Dương"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once; everything the module does is rolled back afterwards."""
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            result = loader.load_demo()
            hooks.run_demo_loaders(io.StringIO())
            yield result
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def unit(code) -> Unit:
    return Unit.objects.get(code=code)


def user(username):
    return get_user_model().objects.get(username=username)


def snapshot_database() -> dict:
    """Row count and a digest of every row of every model."""
    state = {}
    for model in apps.get_models():
        rows = list(model._base_manager.order_by("pk").values_list())
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def test_first_load_summary(demo):
    assert demo.created is True
    summary = demo.summary
    assert summary["communes"] == 138
    assert summary["district_committees"] == 7
    assert summary["units"] == Unit.objects.count()
    assert summary["members"] == Member.objects.count()
    assert summary["positions"] == Position.objects.count()
    assert 3500 <= summary["members"] <= 4500
    entries = AuditEntry.objects.filter(action=loader.MARKER_ACTION)
    assert entries.count() == 1
    assert entries.get().after == summary


def base64_key(username):
    import base64

    return base64.b32encode(TOTPDevice.objects.get(user__username=username).bin_key).decode()


def test_command_refuses_outside_the_demo(demo, settings):
    settings.DEMO = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="QUANTRIET_DEMO=1"):
        call_command("demo", "--no-serve", stdout=io.StringIO())
    with pytest.raises(CommandError, match="demo"):
        call_command("demo-otp", stdout=io.StringIO())


def test_tree_of_tuyen_quang(demo):
    root = unit("TW")
    assert (root.kind.code, root.parent_id, root.depth, root.path) == ("trung-uong", None, 0, path_segment(root.pk))
    province = unit("TQ")
    assert (province.name, province.kind.code, province.parent_id) == ("Đảng bộ tỉnh Tuyên Quang", "tinh-uy", root.pk)
    districts = province.children.filter(kind__code="huyen-uy").order_by("path")
    assert [d.name for d in districts] == DISTRICTS
    communes = Unit.objects.subtree(province).filter(kind__code="dang-bo-xa")
    assert communes.count() == 138
    assert communes.filter(name__startswith="Đảng bộ xã ").count() == 122
    assert communes.filter(name__startswith="Đảng bộ phường ").count() == 10
    assert communes.filter(name__startswith="Đảng bộ thị trấn ").count() == 6
    per_district = {d.name: d.children.filter(kind__code="dang-bo-xa").count() for d in districts}
    assert per_district == {
        "Thành ủy Tuyên Quang": 15, "Huyện ủy Lâm Bình": 10, "Huyện ủy Na Hang": 12, "Huyện ủy Chiêm Hóa": 24,
        "Huyện ủy Hàm Yên": 18, "Huyện ủy Yên Sơn": 28, "Huyện ủy Sơn Dương": 31,
    }
    son_duong = unit("TQ-D1350")
    names = set(son_duong.children.values_list("name", flat=True))
    assert {"Đảng bộ xã Sơn Nam", "Đảng bộ thị trấn Sơn Dương", "Đảng bộ xã Hồng Lạc", "Đảng bộ xã Vân Sơn"} <= names
    assert "Đảng bộ xã Hồng Sơn" not in names  # formed on 1/9/2024 from Hồng Lạc and Vân Sơn
    assert unit("TQ-262470").name == "Đảng bộ phường Phan Thiết"
    # Every commune carries the package's ward code; only Vân Sơn (merged in 2024) is not in the package.
    tq_wards = {code for code, ward in DEFAULT_DATA["oldWards"].items()
                if DEFAULT_DATA["oldDistricts"][ward["parent_code"]]["parent_code"] == "70"}
    codes = set(communes.values_list("code", flat=True))
    assert {f"TQ-{code}" for code in tq_wards} == codes - {"TQ-787782-VS"}
    assert unit("TQ-787782").name == "Đảng bộ xã Hồng Lạc"
    # agencies
    bloc = unit("TQ-KCQ")
    assert (bloc.name, bloc.kind.code, bloc.parent_id) == (
        "Đảng bộ Khối cơ quan và doanh nghiệp tỉnh", "dang-bo-truc-thuoc", province.pk)
    assert set(Unit.objects.subtree(bloc).values_list("name", flat=True)) >= {
        "Chi bộ Văn phòng Tỉnh ủy", "Đảng bộ Sở Giáo dục và Đào tạo"}
    assert unit("TQ-QS").name == "Đảng bộ Quân sự tỉnh" and unit("TQ-CA").name == "Đảng bộ Công an tỉnh"
    # cells in every commune, named after their village
    cells = Unit.objects.filter(kind__code="chi-bo", parent__kind__code="dang-bo-xa")
    assert cells.values("parent").distinct().count() == 138
    assert cells.filter(Q(name__startswith="Chi bộ thôn ") | Q(name__startswith="Chi bộ bản ")
                        | Q(name__startswith="Chi bộ tổ dân phố ")).count() >= 3 * 138
    assert set(unit("TQ-787782-VS").children.filter(code__regex=r"/\d\d$").values_list("name", flat=True)) == {
        "Chi bộ thôn An Mỹ", "Chi bộ thôn Dộc Vầu", "Chi bộ thôn Đồn Hang", "Chi bộ thôn Mãn Sơn",
        "Chi bộ thôn Tân Sơn"}


def test_paths_depths_and_folded_names(demo):
    by_id = {u.pk: u for u in Unit.objects.all()}
    for u in by_id.values():
        parent = by_id.get(u.parent_id)
        assert u.path == (parent.path if parent else "") + path_segment(u.pk)
        assert u.depth == (parent.depth + 1 if parent else 0)
        assert u.name_folded == fold(u.name)
    assert max(u.depth for u in by_id.values()) == 4  # TW → TQ → huyện ủy → xã → chi bộ


def test_geography_is_the_2022_state():
    communes = [c for group in communes_2022().values() for c in group]
    assert len(communes) == 138 and len({c.code for c in communes}) == 138
    assert [code for code, _ in DISTRICT_COMMITTEES] == list(communes_2022())


def test_generation_is_deterministic():
    first = [(n.code, n.name, n.size) for n in loader.build_tree(random.Random(loader.SEED)).walk()]
    second = [(n.code, n.name, n.size) for n in loader.build_tree(random.Random(loader.SEED)).walk()]
    assert first == second


def test_members_are_valid_and_varied(demo):
    members = list(Member.objects.all())
    for member in members:
        member.full_clean(exclude=["unit", "user"], validate_unique=False)
    statuses = {m.status for m in members}
    assert statuses == {Status.OFFICIAL, Status.PROBATIONARY, Status.EXEMPTED, Status.CANDIDATE,
                        Status.TRANSFERRED_OUT, Status.REMOVED, Status.DECEASED}
    official = sum(m.status == Status.OFFICIAL for m in members)
    assert official / len(members) > 0.8
    cards = [m.card_number for m in members if m.card_number]
    assert len(cards) == len(set(cards)) and all(re.fullmatch(r"\d{8}", c) for c in cards)
    assert all(m.card_number for m in members if m.official_date)
    ids = [m.citizen_id for m in members if m.citizen_id]
    assert len(ids) == len(set(ids)) > len(members) // 2 and all(re.fullmatch(r"\d{12}", c) for c in ids)
    phones = [m.phone for m in members if m.phone]
    assert len(phones) == len(set(phones)) > len(members) // 2
    ethnicities = {m.ethnicity for m in members}
    assert {"Kinh", "Tày", "Dao", "H'Mông", "Nùng", "Cao Lan", "Sán Dìu"} <= ethnicities
    assert sum(m.religion == "Không" for m in members) / len(members) > 0.95
    families = {m.full_name.split(" ")[0] for m in members}
    assert {"Nguyễn", "Hoàng", "Nông", "Ma", "Triệu", "Bàn", "Giàng", "Sùng", "Vàng", "Lý"} <= families
    # the H'Mông naming pattern: men with the middle name "A"
    assert any(m.ethnicity == "H'Mông" and m.full_name.split(" ")[1] == "A" for m in members)
    # each cell has a secretary and at least three official members; communes have their leaders
    cells = Unit.objects.filter(kind__is_cell=True)
    with_secretary = Position.objects.filter(title="Bí thư chi bộ").values_list("member__unit", flat=True)
    assert set(cells.values_list("pk", flat=True)) == set(with_secretary)
    officials = Counter(Member.objects.filter(status=Status.OFFICIAL).values_list("unit", flat=True))
    assert min(officials[pk] for pk in cells.values_list("pk", flat=True)) >= 3
    assert Position.objects.filter(title="Bí thư Đảng ủy xã").count() == 122
    assert Position.objects.filter(title="Chủ tịch UBND phường").count() == 10
    assert Position.objects.filter(title="Bí thư Đảng ủy thị trấn").count() == 6
    # each active member has one open membership period, in their unit, from the admission
    periods = {p.member_id: p for p in Membership.objects.filter(end__isnull=True)}
    active = [m for m in members if m.status in ACTIVE_STATUSES]
    assert len(periods) == len(active) == Membership.objects.count()
    assert all(periods[m.pk].unit_id == m.unit_id and periods[m.pk].start == m.admission_date for m in active)


def test_leaders_and_their_positions(demo):
    expected = {
        "Chẩu Văn Lâm": (["Ủy viên BCH Trung ương Đảng", "Bí thư Tỉnh ủy", "Trưởng Đoàn Đại biểu Quốc hội tỉnh"],
                         "TQ-KCQ/VPTU"),
        "Lê Thị Kim Dung": (["Phó Bí thư Thường trực Tỉnh ủy", "Chủ tịch HĐND tỉnh"], "TQ-KCQ/VPTU"),
        "Nguyễn Văn Sơn": (["Phó Bí thư Tỉnh ủy", "Chủ tịch UBND tỉnh"], "TQ-KCQ/VPTU"),
        "Trương Thị Mai": (["Ủy viên Bộ Chính trị", "Bí thư Trung ương Đảng", "Trưởng Ban Tổ chức Trung ương"],
                           "TW-KCQ/VP"),
        "Võ Văn Thưởng": (["Ủy viên Bộ Chính trị", "Thường trực Ban Bí thư"], "TW-KCQ/VP"),
    }
    for name, (titles, cell_code) in expected.items():
        leader = Member.objects.get(full_name=name, unit__code=cell_code)
        assert leader.status == Status.OFFICIAL
        assert list(leader.positions.values_list("title", flat=True)) == titles
        assert list(leader.positions.values_list("order", flat=True)) == list(range(len(titles)))
        assert all(p.title_folded == fold(p.title) for p in leader.positions.all())
    assert unit("TQ-KCQ/VPTU").path.startswith(unit("TQ").path)
    assert unit("TW-KCQ/VP").path.startswith(unit("TW").path) and not unit("TW-KCQ/VP").path.startswith(unit("TQ").path)
    assert Member.objects.get(full_name="Chẩu Văn Lâm").ethnicity == "Tày"


def test_member_counts_match_a_recount(demo):
    expected = dict(Member.objects.filter(status__in=ACTIVE_STATUSES).values("unit").annotate(n=Count("id"))
                    .values_list("unit", "n"))
    assert {u.pk: u.member_count for u in Unit.objects.all()} == {u.pk: expected.get(u.pk, 0) for u in Unit.objects.all()}
    assert recount_member_counts() == 0


def test_names_sort_by_given_name(demo):
    members = list(Member.objects.all())
    assert all(m.sort_key == name_sort_key(m.full_name) and m.name_folded == fold(m.full_name) for m in members)
    ordered = list(Member.objects.order_by("sort_key", "id").values_list("full_name", flat=True))
    assert ordered == [m.full_name for m in sorted(members, key=lambda m: (name_sort_key(m.full_name), m.pk))]
    given = [name.split(" ")[-1] for name in ordered]
    assert given[0].startswith(("A", "Á", "Ả", "Â", "Ă")) and given[-1].startswith(("X", "Y"))


def test_demo_users_and_roles(demo):
    for username, role, unit_code in loader.DEMO_USERS:
        account = user(username)
        assert account.check_password(loader.DEMO_PASSWORD)
        assert list(RoleAssignment.objects.filter(user=account).values_list("role", "unit__code")) == [(role, unit_code)]
    assert [login.username for login in demo.logins] == [u for u, _, _ in loader.DEMO_USERS]
    device = TOTPDevice.objects.get(user=user("admin"))
    assert device.confirmed and demo.totp_key == base64_key("admin")
    assert Member.objects.get(user=user("dangvien")).unit.code == loader.MEMBER_CELL_CODE
    assert access.visible_members(user("dangvien")).count() == 1


def test_demo_otp_prints_a_valid_code(demo, settings):
    settings.DEMO = True
    out = io.StringIO()
    call_command("demo-otp", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert TOTPDevice.objects.get(user__username="admin").verify_token(code)
    with pytest.raises(CommandError, match="nobody"):
        call_command("demo-otp", "nobody", stdout=io.StringIO())


def test_son_duong_office_sees_son_duong_not_yen_son(demo):
    office = user("vanphong.sonduong")
    son_duong, yen_son = unit("TQ-D1350"), unit("TQ-D1606")
    visible = access.visible_units(office)
    sd_communes = set(son_duong.children.filter(kind__code="dang-bo-xa").values_list("pk", flat=True))
    ys_communes = set(yen_son.children.filter(kind__code="dang-bo-xa").values_list("pk", flat=True))
    assert len(sd_communes) == 31 and len(ys_communes) == 28
    assert set(visible.filter(kind__code="dang-bo-xa").values_list("pk", flat=True)) == sd_communes
    assert not set(visible.values_list("pk", flat=True)) & ys_communes

    client = login(office)
    response = client.get("/members/")
    assert response.status_code == 200
    under_sd = Member.objects.filter(unit__path__startswith=son_duong.path)
    assert response.context["page"].paginator.count == under_sd.count() > 0
    son_nam = unit("TQ-1312070")
    response = client.get(f"/members/?unit={son_nam.pk}")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == Member.objects.filter(unit__path__startswith=son_nam.path).count()
    assert all(m.unit.path.startswith(son_nam.path) for m in page)
    assert client.get(f"/members/?unit={unit('TQ-1640006').pk}").status_code == 404  # xã Trung Sơn, Yên Sơn
    ys_member = Member.objects.filter(unit__path__startswith=yen_son.path).order_by("pk").first()
    response = client.get("/members/", {"q": ys_member.full_name})
    assert response.status_code == 200
    assert not [m for m in response.context["page"] if m.unit.path.startswith(yen_son.path)]


def test_cell_secretary_sees_exactly_the_cell(demo):
    secretary = user("bithu.chibo")
    cell = unit(loader.SECRETARY_CELL_CODE)
    assert cell.parent.name == "Đảng bộ xã Sơn Nam" and cell.name.startswith("Chi bộ thôn ")
    linked = Member.objects.get(user=secretary)
    assert linked.unit == cell
    assert "Bí thư chi bộ" in linked.positions.values_list("title", flat=True)
    assert set(access.visible_members(secretary)) == set(Member.objects.filter(unit=cell))
    assert set(access.visible_units(secretary)) == {cell}
    response = login(secretary).get("/members/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == Member.objects.filter(unit=cell).count()


def test_extension_hook_calls_each_apps_demo_loader(monkeypatch):
    def package(name):
        module = types.ModuleType(name)
        module.__path__ = []
        monkeypatch.setitem(sys.modules, name, module)
        return module

    with_hook, without_hook = package("qt_fake_app"), package("qt_plain_app")
    hook = types.ModuleType("qt_fake_app.demo")
    hook.__spec__ = importlib.machinery.ModuleSpec("qt_fake_app.demo", None)
    calls = []
    hook.load_demo = lambda stdout: (calls.append(stdout), stdout.write("fake demo loaded"))
    monkeypatch.setitem(sys.modules, "qt_fake_app.demo", hook)
    configs = [
        types.SimpleNamespace(name="qt_plain_app", label="plain", module=without_hook),
        types.SimpleNamespace(name="qt_fake_app", label="fake", module=with_hook),
        apps.get_app_config("demo"),
    ]
    monkeypatch.setattr(apps, "get_app_configs", lambda: configs)
    out = io.StringIO()
    assert hooks.run_demo_loaders(out) == ["fake"]  # neither the app without a hook nor the demo app itself
    assert calls == [out] and out.getvalue() == "fake demo loaded"


# Runs last: the command also applies the later history, which changes the module's shared data.
def test_second_run_of_the_command_changes_nothing(demo, settings):
    settings.DEMO = True
    # The first run over the base data adds its later history (2024 merger, 2025 reorganization) ...
    call_command("demo", "--no-serve", "--port", "8123", stdout=io.StringIO())
    # ... and a run after that changes nothing at all.
    before = snapshot_database()
    audit_before = AuditEntry.objects.count()
    out = io.StringIO()
    call_command("demo", "--no-serve", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert "already loaded" in text
    assert snapshot_database() == before
    assert AuditEntry.objects.count() == audit_before
    assert "http://127.0.0.1:8123/" in text
    for username, _, _ in loader.DEMO_USERS:
        assert re.search(rf"^  {re.escape(username)} +{re.escape(loader.DEMO_PASSWORD)} ", text, re.M), username
    key = base64_key("admin")
    assert f"TOTP key {key}" in text
    again = loader.load_demo()
    assert again.created is False and again.summary == demo.summary
