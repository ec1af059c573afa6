"""Loading the demo data: the Tuyên Quang party organization as of 22/7/2022.

`load_demo()` writes everything in one transaction, or nothing; a database that already
holds the demo (the `demo.load` audit entry) is left untouched. Rows are bulk-inserted for
speed, so the derived columns that `save()` would compute (`Unit.name_folded`, `Unit.path`,
`Member.name_folded`, `Member.sort_key`, `Position.title_folded`) are filled here with the same
helpers, every member passes `Member.clean()`, and the unit counters are recounted at the end.

Each active member gets one open membership period in their unit from the admission date, as
`members.actions.create_member` opens one.

The people are made up (fixed seed), except the five leaders named in the fixture article
(/work/shared/fixtures/articles/000_f67d8bf9e908cdd6.txt) with the positions it gives them;
their other fields (dates of birth, admission, card numbers) are generated placeholders, not facts.
"""
from __future__ import annotations

import base64
import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from quantriet.accounts.models import Role, RoleAssignment
from quantriet.core import audit
from quantriet.core.models import AuditEntry
from quantriet.core.text import fold, name_sort_key, nfc
from quantriet.members.models import ACTIVE_STATUSES, Gender, Member, Membership, Position, Status
from quantriet.units.counters import recount_member_counts
from quantriet.units.models import Unit, UnitKind, path_segment

from . import names
from .geography import DISTRICT_COMMITTEES, REAL_VILLAGES, communes_2022

MARKER_ACTION = "demo.load"
REFERENCE_DATE = datetime.date(2022, 7, 22)  # the day of the fixture article
SEED = 20220722
#: One password for every demo account (passes the validators in settings).
DEMO_PASSWORD = "Quan-Triet-2022"

ROOT_CODE = "TW"
PROVINCE_CODE = "TQ"
CENTRAL_CELL_CODE = "TW-KCQ/VP"
PROVINCIAL_OFFICE_CELL_CODE = "TQ-KCQ/VPTU"
SECRETARY_CELL_CODE = "TQ-1312070/01"  # first village cell of Đảng bộ xã Sơn Nam (Sơn Dương)
MEMBER_CELL_CODE = "TQ-262470/01"  # first residential cell of Đảng bộ phường Phan Thiết

#: (name, gender, ethnicity, positions in order, cell code)
LEADERS = [
    ("Chẩu Văn Lâm", Gender.MALE, "Tày",
     ["Ủy viên BCH Trung ương Đảng", "Bí thư Tỉnh ủy", "Trưởng Đoàn Đại biểu Quốc hội tỉnh"], PROVINCIAL_OFFICE_CELL_CODE),
    ("Lê Thị Kim Dung", Gender.FEMALE, "Kinh",
     ["Phó Bí thư Thường trực Tỉnh ủy", "Chủ tịch HĐND tỉnh"], PROVINCIAL_OFFICE_CELL_CODE),
    ("Nguyễn Văn Sơn", Gender.MALE, "Kinh",
     ["Phó Bí thư Tỉnh ủy", "Chủ tịch UBND tỉnh"], PROVINCIAL_OFFICE_CELL_CODE),
    ("Trương Thị Mai", Gender.FEMALE, "Kinh",
     ["Ủy viên Bộ Chính trị", "Bí thư Trung ương Đảng", "Trưởng Ban Tổ chức Trung ương"], CENTRAL_CELL_CODE),
    ("Võ Văn Thưởng", Gender.MALE, "Kinh",
     ["Ủy viên Bộ Chính trị", "Thường trực Ban Bí thư"], CENTRAL_CELL_CODE),
]

#: username, role, code of the unit the role is granted on
DEMO_USERS = [
    ("admin", Role.ADMIN, ROOT_CODE),
    ("vanphong.tinh", Role.OFFICE, PROVINCE_CODE),
    ("vanphong.sonduong", Role.OFFICE, "TQ-D1350"),
    ("bithu.chibo", Role.SECRETARY, SECRETARY_CELL_CODE),
    ("kiemtra.yenson", Role.INSPECTOR, "TQ-D1606"),
    ("lanhdao.tinh", Role.LEADER, PROVINCE_CODE),
    ("dangvien", Role.MEMBER, MEMBER_CELL_CODE),
]


class DemoConflict(Exception):
    """The database holds units with the demo's codes but was not loaded by the demo."""


@dataclass
class Node:
    code: str
    name: str
    kind: str
    children: list["Node"] = field(default_factory=list)
    #: None for units without members of their own; else "village", "office", "school", "agency", "central"
    cell: str | None = None
    mix: str = "province"  # names.ETHNIC_MIX key
    village_word: str = ""  # thôn / bản / tổ dân phố (village cells)
    commune_word: str = ""  # xã / phường / thị trấn (commune cells)
    size: int = 0
    unit: Unit | None = None

    def add(self, child: "Node") -> "Node":
        self.children.append(child)
        return child

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Login:
    username: str
    password: str
    role: str
    unit: str
    member: str = ""


@dataclass
class DemoResult:
    created: bool
    loaded_at: datetime.datetime | None
    summary: dict
    logins: list[Login]
    totp_key: str = ""


# --- the tree ---------------------------------------------------------------------------------

def _agency_cell(parent: Node, code: str, name: str, kind: str, rng: random.Random, mix="province", low=5, high=10):
    return parent.add(Node(code, name, kind, cell="agency", mix=mix, size=rng.randint(low, high)))


def build_tree(rng: random.Random) -> Node:
    root = Node(ROOT_CODE, "Ban Chấp hành Trung ương Đảng", "trung-uong")
    central = root.add(Node("TW-KCQ", "Đảng bộ Khối các cơ quan Trung ương", "dang-bo-truc-thuoc-tw"))
    central.add(Node(CENTRAL_CELL_CODE, "Chi bộ Văn phòng Trung ương Đảng", "chi-bo-co-so", cell="central",
                     mix="central", size=4))

    province = root.add(Node(PROVINCE_CODE, "Đảng bộ tỉnh Tuyên Quang", "tinh-uy"))
    communes = communes_2022()
    for district_code, committee_name in DISTRICT_COMMITTEES:
        district = province.add(Node(f"TQ-D{district_code}", committee_name, "huyen-uy"))
        for commune in communes[district_code]:
            node = district.add(Node(commune.code, commune.party_name, "dang-bo-xa"))
            node.add(Node(f"{commune.code}/CQ", f"Chi bộ Cơ quan {commune.type_word} {commune.name}", "chi-bo",
                          cell="office", mix=district_code, commune_word=commune.type_word,
                          size=rng.randint(5, 9)))
            if commune.code in REAL_VILLAGES:
                villages = [("thôn", v) for v in REAL_VILLAGES[commune.code]]
            else:
                villages = names.village_names(rng, rng.randint(3, 5), district_code=district_code,
                                               urban=commune.is_urban)
            for index, (word, village) in enumerate(villages, start=1):
                node.add(Node(f"{commune.code}/{index:02d}", f"Chi bộ {word} {village}", "chi-bo", cell="village",
                              mix=district_code, village_word=word, size=rng.randint(3, 7)))
            if rng.random() < 0.5:
                school = rng.choice(["Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở"])
                node.add(Node(f"{commune.code}/TH", f"Chi bộ {school} {commune.name}", "chi-bo", cell="agency",
                              mix=district_code, size=rng.randint(3, 6)))

    bloc = province.add(Node("TQ-KCQ", "Đảng bộ Khối cơ quan và doanh nghiệp tỉnh", "dang-bo-truc-thuoc"))
    bloc.add(Node(PROVINCIAL_OFFICE_CELL_CODE, "Chi bộ Văn phòng Tỉnh ủy", "chi-bo-co-so", cell="agency",
                  size=rng.randint(8, 12)))
    education = bloc.add(Node("TQ-KCQ-SGDDT", "Đảng bộ Sở Giáo dục và Đào tạo", "dang-bo-co-so"))
    for index, name in enumerate(["Chi bộ Văn phòng Sở", "Chi bộ Phòng Giáo dục Trung học",
                                  "Chi bộ Phòng Giáo dục Mầm non - Tiểu học"], start=1):
        _agency_cell(education, f"TQ-KCQ-SGDDT/{index:02d}", name, "chi-bo", rng)
    agriculture = bloc.add(Node("TQ-KCQ-SNN", "Đảng bộ Sở Nông nghiệp và Phát triển nông thôn", "dang-bo-co-so"))
    for index, name in enumerate(["Chi bộ Văn phòng Sở", "Chi bộ Chi cục Kiểm lâm", "Chi bộ Chi cục Thủy lợi"],
                                 start=1):
        _agency_cell(agriculture, f"TQ-KCQ-SNN/{index:02d}", name, "chi-bo", rng)
    _agency_cell(bloc, "TQ-KCQ-STC", "Chi bộ Sở Tài chính", "chi-bo-co-so", rng)
    _agency_cell(bloc, "TQ-KCQ-STP", "Chi bộ Sở Tư pháp", "chi-bo-co-so", rng)

    military = province.add(Node("TQ-QS", "Đảng bộ Quân sự tỉnh", "dang-bo-truc-thuoc"))
    command = military.add(Node("TQ-QS-CQ", "Đảng bộ Cơ quan Bộ Chỉ huy Quân sự tỉnh", "dang-bo-co-so"))
    for index, name in enumerate(["Chi bộ Phòng Tham mưu", "Chi bộ Phòng Chính trị",
                                  "Chi bộ Phòng Hậu cần - Kỹ thuật"], start=1):
        _agency_cell(command, f"TQ-QS-CQ/{index:02d}", name, "chi-bo", rng)
    police = province.add(Node("TQ-CA", "Đảng bộ Công an tỉnh", "dang-bo-truc-thuoc"))
    for index, name in enumerate(["Chi bộ Phòng Tham mưu", "Chi bộ Phòng Cảnh sát giao thông",
                                  "Chi bộ Phòng An ninh chính trị nội bộ"], start=1):
        _agency_cell(police, f"TQ-CA/{index:02d}", name, "chi-bo-co-so", rng)
    return root


def _create_units(root: Node) -> list[Unit]:
    """Insert the tree level by level; each unit's path is its parent's plus its own id."""
    kinds = {kind.code: kind for kind in UnitKind.objects.all()}
    missing = {node.kind for node in root.walk()} - set(kinds)
    if missing:
        raise RuntimeError(f"Unit kinds missing (run migrate): {', '.join(sorted(missing))}")
    created: list[Unit] = []
    level: list[tuple[Node, Node | None]] = [(root, None)]
    while level:
        units = []
        for node, parent in level:
            name = nfc(node.name)
            node.unit = Unit(
                code=nfc(node.code), name=name, name_folded=fold(name), kind=kinds[node.kind],
                parent=parent.unit if parent else None, path="", depth=parent.unit.depth + 1 if parent else 0,
            )
            units.append(node.unit)
        Unit.objects.bulk_create(units, batch_size=500)
        for node, parent in level:
            node.unit.path = (parent.unit.path if parent else "") + path_segment(node.unit.pk)
        Unit.objects.bulk_update(units, ["path"], batch_size=500)
        created.extend(units)
        level = [(child, node) for node, _ in level for child in node.children]
    return created


# --- the people -------------------------------------------------------------------------------

class _People:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cards: set[str] = set()
        self.citizen_ids: set[str] = set()
        self.phones: set[str] = set()
        self.members: list[Member] = []
        self.positions: list[list[str]] = []

    def _unique(self, pool: set[str], make) -> str:
        while True:
            value = make()
            if value not in pool:
                pool.add(value)
                return value

    def _day(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def _birth(self, min_age: int, max_age: int, on: datetime.date = REFERENCE_DATE) -> datetime.date:
        return self._day(on - relativedelta(years=max_age + 1) + datetime.timedelta(days=1),
                         on - relativedelta(years=min_age))

    def _status(self, cell: str) -> str:
        weights = {
            Status.OFFICIAL: 855, Status.PROBATIONARY: 60, Status.EXEMPTED: 30, Status.CANDIDATE: 25,
            Status.TRANSFERRED_OUT: 12, Status.REMOVED: 6, Status.DECEASED: 7,
        }
        if cell != "village":  # retirees, the exempted and the deceased are recorded where they live
            for status in (Status.EXEMPTED, Status.DECEASED):
                weights[Status.OFFICIAL] += weights.pop(status)
        statuses = list(weights)
        return self.rng.choices(statuses, weights=[weights[s] for s in statuses], k=1)[0]

    def add(self, unit: Unit, *, mix: str, cell: str, status: str | None = None, positions=(),
            full_name: str | None = None, gender: str | None = None, ethnicity: str | None = None,
            min_age: int | None = None, max_age: int | None = None) -> Member:
        rng = self.rng
        status = status or self._status(cell)
        ethnic = ethnicity or names.ethnicity(rng, mix)
        if gender is None:
            female_share = {"agency": 0.45, "office": 0.3, "central": 0.3}.get(cell, 0.33)
            if unit.code.startswith(("TQ-QS", "TQ-CA")):
                female_share = 0.1
            gender = Gender.FEMALE if rng.random() < female_share else Gender.MALE
        full_name = nfc(full_name or names.person_name(rng, ethnic, gender == Gender.FEMALE))

        admission = official = None
        if status == Status.CANDIDATE:
            birth = self._birth(min_age or 18, max_age or 35)
        elif status == Status.PROBATIONARY:
            admission = self._day(REFERENCE_DATE - datetime.timedelta(days=330), REFERENCE_DATE - datetime.timedelta(days=7))
            birth = self._birth(18, 40, on=admission)
        elif status == Status.REMOVED:
            admission = self._day(REFERENCE_DATE - relativedelta(years=4), REFERENCE_DATE - relativedelta(months=13))
            birth = self._birth(18, 40, on=admission)
        else:  # official, exempted, transferred out, deceased: recognized as official in the past
            low, high = {Status.EXEMPTED: (68, 92), Status.DECEASED: (70, 95)}.get(status, (23, 75))
            birth = self._birth(min_age or low, max_age or high)
            latest = REFERENCE_DATE - relativedelta(months=13)
            earliest = birth + relativedelta(years=18)
            admission = self._day(earliest, min(latest, birth + relativedelta(years=rng.choice([25, 30, 35, 45]))))
            admission = min(admission, latest)
            official = admission + relativedelta(months=12) + datetime.timedelta(days=rng.randint(0, 25))

        card = None
        if official is not None:
            card = self._unique(self.cards, lambda: f"{rng.randint(10_000_000, 99_999_999)}")
        citizen_id = phone = None
        if status != Status.DECEASED:
            if rng.random() < 0.75:
                century = 0 if birth.year < 2000 else 2
                sex = 1 if gender == Gender.FEMALE else 0
                citizen_id = self._unique(
                    self.citizen_ids, lambda: f"008{century + sex}{birth.year % 100:02d}{rng.randint(0, 999_999):06d}"
                )
            if rng.random() < 0.7:
                phone = self._unique(self.phones, lambda: f"{rng.choice(names.MOBILE_PREFIXES)}{rng.randint(0, 9_999_999):07d}")
        member = Member(
            full_name=full_name, name_folded=fold(full_name), sort_key=name_sort_key(full_name),
            birth_date=birth, gender=gender, ethnicity=ethnic, religion=names.religion(rng, ethnic),
            card_number=card, admission_date=admission, official_date=official, unit=unit,
            citizen_id=citizen_id, phone=phone or "", status=status,
        )
        member.clean()  # the model's own validation (dates, ages, probation); raises if the generator is wrong
        self.members.append(member)
        self.positions.append([nfc(p) for p in positions])
        return member


def _populate(root: Node, rng: random.Random) -> _People:
    people = _People(rng)
    leaders_by_cell: dict[str, list] = {}
    for leader in LEADERS:
        leaders_by_cell.setdefault(leader[4], []).append(leader)

    for node in root.walk():
        if node.cell is None:
            continue
        unit = node.unit
        for name, gender, ethnic, positions, _ in leaders_by_cell.get(node.code, []):
            people.add(unit, mix=node.mix, cell=node.cell, status=Status.OFFICIAL, positions=positions,
                       full_name=name, gender=gender, ethnicity=ethnic, min_age=50, max_age=64)
        for index in range(node.size):
            positions: list[str] = []
            official = index < 3  # a cell keeps at least three official members
            if node.cell == "office":
                word = node.commune_word
                positions = [
                    [f"Bí thư Đảng ủy {word}", f"Chủ tịch HĐND {word}"],
                    [f"Phó Bí thư Thường trực Đảng ủy {word}", "Bí thư chi bộ"],
                    [f"Phó Bí thư Đảng ủy {word}", f"Chủ tịch UBND {word}"],
                    [f"Phó Chủ tịch UBND {word}"],
                    [f"Chủ tịch Ủy ban MTTQ Việt Nam {word}"],
                ][index] if index < 5 else []
                official = official or bool(positions)
            elif node.cell == "village":
                head = {"thôn": "Trưởng thôn", "bản": "Trưởng bản", "tổ dân phố": "Tổ trưởng tổ dân phố"}[node.village_word]
                if index == 0:
                    positions = ["Bí thư chi bộ"]
                elif index == 1:
                    positions = ["Phó Bí thư chi bộ", head] if node.size >= 6 else [head]
                elif index == 2 and node.size >= 7:
                    positions = ["Chi ủy viên"]
            elif node.code == PROVINCIAL_OFFICE_CELL_CODE:
                positions = [["Chánh Văn phòng Tỉnh ủy", "Bí thư chi bộ"],
                             ["Phó Chánh Văn phòng Tỉnh ủy", "Phó Bí thư chi bộ"]][index] if index < 2 else []
            else:  # agency and central cells
                if index == 0:
                    positions = ["Bí thư chi bộ"]
                elif index == 1 and node.size >= 6:
                    positions = ["Phó Bí thư chi bộ"]
            official = official or bool(positions)
            people.add(unit, mix=node.mix, cell=node.cell, status=Status.OFFICIAL if official else None,
                       positions=positions, min_age=30 if positions else None, max_age=60 if positions else None)
    return people


# --- accounts ---------------------------------------------------------------------------------

def _create_users(units_by_code: dict[str, Unit], people: _People) -> None:
    User = get_user_model()
    by_unit: dict[int, list[tuple[Member, list[str]]]] = {}
    for member, titles in zip(people.members, people.positions):
        by_unit.setdefault(member.unit_id, []).append((member, titles))
    # The password is public (printed), so one hash serves every demo account: hashing is slow on purpose.
    encoded = make_password(DEMO_PASSWORD)
    for username, role, unit_code in DEMO_USERS:
        unit = units_by_code[unit_code]
        user = User(username=username, password=encoded)
        validate_password(DEMO_PASSWORD, user)
        user.save()
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
        linked = None
        if role == Role.SECRETARY:
            linked = next(m for m, titles in by_unit[unit.pk] if "Bí thư chi bộ" in titles)
        elif role == Role.MEMBER:
            linked = next(m for m, titles in by_unit[unit.pk] if not titles and m.status == Status.OFFICIAL)
        if linked is not None:
            linked.user = user
            linked.save(update_fields=["user"])
        if role == Role.ADMIN:
            TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def _logins() -> list[Login]:
    User = get_user_model()
    logins = []
    for username, role, unit_code in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        unit = Unit.objects.filter(code=unit_code).first()
        member = Member.objects.filter(user=user).first()
        logins.append(Login(username, DEMO_PASSWORD, str(role), unit.name if unit else "",
                            member.full_name if member else ""))
    return logins


def _totp_key() -> str:
    device = TOTPDevice.objects.filter(user__username="admin", confirmed=True).first()
    return base64.b32encode(device.bin_key).decode() if device else ""


def _summary(units: list[Unit], people: _People) -> dict:
    by_kind = Counter(unit.kind.code for unit in units)
    by_status = Counter(str(m.status) for m in people.members)
    return {
        "reference_date": REFERENCE_DATE.isoformat(),
        "seed": SEED,
        "units": len(units),
        "units_by_kind": dict(sorted(by_kind.items())),
        "district_committees": by_kind["huyen-uy"],
        "communes": by_kind["dang-bo-xa"],
        "members": len(people.members),
        "active_members": sum(by_status[str(s)] for s in ACTIVE_STATUSES),
        "members_by_status": dict(sorted(by_status.items())),
        "positions": sum(len(p) for p in people.positions),
        "membership_periods": sum(by_status[str(s)] for s in ACTIVE_STATUSES),
        "users": [username for username, _, _ in DEMO_USERS],
    }


# --- entry points -----------------------------------------------------------------------------

def loaded_entry() -> AuditEntry | None:
    return AuditEntry.objects.filter(action=MARKER_ACTION).order_by("at", "id").first()


def load_demo() -> DemoResult:
    """Load the base demo data once; later calls change nothing and report the first load."""
    with transaction.atomic():
        entry = loaded_entry()
        if entry is not None:
            return DemoResult(False, entry.at, entry.after or {}, _logins(), _totp_key())
        rng = random.Random(SEED)
        root = build_tree(rng)
        codes = [node.code for node in root.walk()]
        clash = list(Unit.objects.filter(code__in=codes).values_list("code", flat=True)[:5])
        if clash or get_user_model().objects.filter(username__in=[u for u, _, _ in DEMO_USERS]).exists():
            raise DemoConflict(
                "The database already holds units or users with the demo's codes and names "
                f"({', '.join(clash) or 'users'}) that the demo did not load; use an empty database."
            )
        units = _create_units(root)
        units_by_code = {unit.code: unit for unit in units}
        people = _populate(root, rng)
        Member.objects.bulk_create(people.members, batch_size=1000)
        Position.objects.bulk_create(
            [
                Position(member=member, title=title, title_folded=fold(title), order=order)
                for member, titles in zip(people.members, people.positions)
                for order, title in enumerate(titles)
            ],
            batch_size=1000,
        )
        # As `members.actions.create_member` does: each active member has one open membership
        # period in their unit from the admission (the reorganizations move these periods).
        Membership.objects.bulk_create(
            [
                Membership(member=member, unit_id=member.unit_id, start=member.admission_date, reason="registered")
                for member in people.members
                if member.status in ACTIVE_STATUSES
            ],
            batch_size=1000,
        )
        recount_member_counts()
        _create_users(units_by_code, people)
        summary = _summary(units, people)
        root_unit = units_by_code[ROOT_CODE]
        entry = audit.record(
            MARKER_ACTION, root_unit, actor=None, after=summary, scope_path=root_unit.path,
            note=f"Demo data: Tuyên Quang party organization as of {REFERENCE_DATE:%d/%m/%Y} "
                 f"({summary['units']} units, {summary['members']} members)",
        )
        return DemoResult(True, entry.at, summary, _logins(), _totp_key())


def demo_admin():
    """The demo's system administrator (admin role on the central root), who records the demo's history."""
    return get_user_model().objects.get(username="admin")
