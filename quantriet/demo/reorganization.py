"""The demo's later history: the 2024 commune merger and the 1/7/2025 reorganization.

- 1/9/2024 (Nghị quyết 1106/NQ-UBTVQH15): xã Hồng Lạc and xã Vân Sơn (Sơn Dương) merge into
  xã Hồng Sơn.
- 1/7/2025 (Quy định 294-QĐ/TW; the 2025 arrangement of administrative units): the district level
  is abolished, communes are merged per the official old → new mapping of the
  `vietnam-address-converter` package, and Tuyên Quang and Hà Giang merge into the new province
  of Tuyên Quang. Hà Giang is represented summarily: its province committee and its communes
  (real names from the package), without cells or members. The provincial agencies' party
  organizations move under the new province as they are (a simplification: in reality the
  Khối cơ quan was re-formed into two new provincial đảng bộ).

Everything goes through `quantriet.units.reorganize`, so the 2022 tree and its figures stay
as they were while today's tree is the merged province. Idempotent: applied once.
"""
import datetime
from collections import OrderedDict

from django.db import transaction

from quantriet.accounts.models import RoleAssignment
from quantriet.units import reorganize
from quantriet.units.actions import create_unit
from quantriet.units.models import Succession, Unit, UnitKind

from .geography import HONG_SON_WARD

MERGER_2024 = datetime.date(2024, 9, 1)
REORGANIZATION_2025 = datetime.date(2025, 7, 1)
DECISION_2024 = "1106/NQ-UBTVQH15"
DECISION_2025 = "294-QĐ/TW; 1680/NQ-UBTVQH15"
NEW_PROVINCE_CODE = "TQ2025"
HA_GIANG_CODE = "HG"
HONG_SON_CODE = "TQ-787782-HS"
OLD_TQ_PROVINCE = "70"  # old province codes in the package
OLD_HG_PROVINCE = "35"


def _mapping():
    """old ward code → (new ward code, new ward name, old province code), first mapping row wins.

    An old commune split between several new ones is kept whole in the first (the package
    does not say which villages went where).
    """
    from vietnam_address_converter.data import DEFAULT_DATA

    result = OrderedDict()
    for row in DEFAULT_DATA["mapping"]["rows"]:
        old, new = row["old"], row["new"]
        if old["province_code"] in (OLD_TQ_PROVINCE, OLD_HG_PROVINCE) and old["ward_code"] not in result:
            result[old["ward_code"]] = (new["ward_code"], new["ward_name"], old["province_code"], old["ward_name"])
    return result


def _party_name(ward_name: str) -> str:
    """"Xã Minh Quang" → "Đảng bộ xã Minh Quang"."""
    kind, _, name = ward_name.partition(" ")
    return f"Đảng bộ {kind.lower()} {name}"


def applied() -> bool:
    return Succession.objects.filter(decision=DECISION_2025).exists()


@transaction.atomic
def apply_history(stdout, acting_user) -> bool:
    """Apply the 2024 and 2025 reorganizations to the loaded 2022 demo; False when already applied."""
    if applied():
        return False
    kinds = {k.code: k for k in UnitKind.objects.all()}
    root = Unit.objects.get(code="TW")
    old_province = Unit.objects.get(code="TQ")

    # 2024: Hồng Lạc + Vân Sơn → Hồng Sơn (Sơn Dương)
    hong_lac, van_son = Unit.objects.get(code=f"TQ-{HONG_SON_WARD}"), Unit.objects.get(code=f"TQ-{HONG_SON_WARD}-VS")
    hong_son = reorganize.merge(
        [hong_lac, van_son], parent=hong_lac.parent, effective_on=MERGER_2024, decision=DECISION_2024,
        into=reorganize.NewUnit(HONG_SON_CODE, "Đảng bộ xã Hồng Sơn", kinds["dang-bo-xa"]), acting_user=acting_user,
    )

    # Hà Giang, summarily: the province committee and its communes as of 2022 (no cells, no members).
    mapping = _mapping()
    ha_giang = create_unit(code=HA_GIANG_CODE, name="Đảng bộ tỉnh Hà Giang", kind=kinds["tinh-uy"], parent=root,
                           acting_user=acting_user)
    hg_communes = {}
    for old_code, (_new_code, _new_name, province, old_name) in mapping.items():
        if province == OLD_HG_PROVINCE:
            hg_communes[old_code] = create_unit(code=f"HG-{old_code}", name=_party_name(old_name),
                                                kind=kinds["dang-bo-xa"], parent=ha_giang, acting_user=acting_user)

    # 2025: the new province, the merged communes, the agencies, then close the old levels.
    new_province = create_unit(code=NEW_PROVINCE_CODE, name="Đảng bộ tỉnh Tuyên Quang", kind=kinds["tinh-uy"],
                               parent=root, valid_from=REORGANIZATION_2025, acting_user=acting_user)
    current = {u.code: u for u in Unit.objects.valid_on(REORGANIZATION_2025 - datetime.timedelta(days=1))
               .filter(kind__code="dang-bo-xa", path__startswith=old_province.path)}
    groups: "OrderedDict[str, tuple[str, list[Unit]]]" = OrderedDict()
    for old_code, (new_code, new_name, province, _old_name) in mapping.items():
        if province == OLD_TQ_PROVINCE:
            unit = current.get(HONG_SON_CODE if old_code == HONG_SON_WARD else f"TQ-{old_code}")
        else:
            unit = hg_communes.get(old_code)
        if unit is None:
            continue
        name, members = groups.setdefault(new_code, (new_name, []))
        if unit not in members:
            members.append(unit)
    for new_code, (new_name, olds) in groups.items():
        reorganize.merge(olds, parent=new_province, effective_on=REORGANIZATION_2025, decision=DECISION_2025,
                         into=reorganize.NewUnit(f"TQ25-{new_code}", _party_name(new_name), kinds["dang-bo-xa"]),
                         acting_user=acting_user)
    for code in ("TQ-KCQ", "TQ-QS", "TQ-CA"):
        reorganize.move(Unit.objects.get(code=code), new_parent=new_province, effective_on=REORGANIZATION_2025,
                        decision=DECISION_2025, acting_user=acting_user)
    for district in Unit.objects.valid_on(REORGANIZATION_2025 - datetime.timedelta(days=1)).filter(
            parent=old_province, kind__code="huyen-uy"):
        reorganize.dissolve(district, effective_on=REORGANIZATION_2025, successor=new_province,
                            decision=DECISION_2025, acting_user=acting_user)
    for province in (old_province, ha_giang):
        reorganize.dissolve(province, effective_on=REORGANIZATION_2025, successor=new_province,
                            decision=DECISION_2025, acting_user=acting_user)
    # The provincial office and leaders continue in the new province (a reassignment, not a clone).
    RoleAssignment.objects.filter(unit=old_province).update(unit=new_province)
    communes_now = Unit.objects.valid_on().filter(parent=new_province, kind__code="dang-bo-xa").count()
    stdout.write(f"History: Hồng Sơn formed 01/09/2024; 01/07/2025 reorganization applied "
                 f"({len(groups)} merged communes, now {communes_now} under the new province).")
    return True
