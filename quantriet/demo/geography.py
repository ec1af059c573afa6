"""The district and commune-level units of old Tuyên Quang as they stood on 22/7/2022.

Source: the installed package `vietnam_address_converter` (the divisions just before
1/7/2025: 7 districts, 137 communes), corrected back to 2022 with the one arrangement made
between 2022 and 2025:

    Nghị quyết 1106/NQ-UBTVQH15 (23/7/2024, in force 1/9/2024) of the Standing Committee of
    the National Assembly merged xã Hồng Lạc (9 thôn) and xã Vân Sơn (5 thôn) of huyện Sơn
    Dương into the new xã Hồng Sơn, leaving the province 137 commune-level units.

So in 2022 there was no xã Hồng Sơn but xã Hồng Lạc and xã Vân Sơn: 138 communes
(122 xã, 10 phường, 6 thị trấn; the 124/10/4 split often quoted is that of 1/1/2020, before
Nghị quyết 1262/NQ-UBTVQH14 of 27/4/2021 made thị trấn Lăng Can and thị trấn Yên Sơn).

Each commune carries the package's ward code (`ward_code`), which the 2025 reorganization
uses to map old units to new ones. Hồng Lạc and Vân Sơn carry the code of their successor
Hồng Sơn (787782); their unit codes are `TQ-787782` (Hồng Lạc) and `TQ-787782-VS` (Vân Sơn).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PROVINCE_CODE = "70"  # Tuyên Quang in vietnam_address_converter's old numbering

#: The seven district-level committees, in the order the province lists them, with the
#: package's district code.
DISTRICT_COMMITTEES = [
    ("326", "Thành ủy Tuyên Quang"),
    ("1862", "Huyện ủy Lâm Bình"),
    ("1094", "Huyện ủy Na Hang"),
    ("582", "Huyện ủy Chiêm Hóa"),
    ("838", "Huyện ủy Hàm Yên"),
    ("1606", "Huyện ủy Yên Sơn"),
    ("1350", "Huyện ủy Sơn Dương"),
]

HONG_SON_WARD = "787782"

#: Villages known from the source of the 2024 merger (thôn of Hồng Lạc and of Vân Sơn).
REAL_VILLAGES = {
    "TQ-787782": ["Kim Xuyên", "Đình Lộng", "Khổng", "Cây Vạng", "Gò Đình", "Cây Châm", "Xóm Hồ", "Vạn Long",
                  "Kho 9"],
    "TQ-787782-VS": ["An Mỹ", "Dộc Vầu", "Đồn Hang", "Mãn Sơn", "Tân Sơn"],
}

_TYPE_WORD = {"xa": "xã", "phuong": "phường", "thi-tran": "thị trấn"}


@dataclass(frozen=True)
class Commune:
    code: str  # unit code, "TQ-<ward_code>"
    ward_code: str  # vietnam_address_converter oldWards code (of the successor for merged communes)
    district_code: str
    type: str  # "xa", "phuong", "thi-tran"
    name: str  # "Sơn Nam"
    notes: str = field(default="", compare=False)

    @property
    def type_word(self) -> str:
        return _TYPE_WORD[self.type]

    @property
    def party_name(self) -> str:
        """"Đảng bộ xã Sơn Nam", "Đảng bộ phường Phan Thiết", "Đảng bộ thị trấn Sơn Dương"."""
        return f"Đảng bộ {self.type_word} {self.name}"

    @property
    def is_urban(self) -> bool:
        return self.type in ("phuong", "thi-tran")


def communes_2022() -> dict[str, list[Commune]]:
    """District code → its communes on 22/7/2022, in the package's order."""
    from vietnam_address_converter.data import DEFAULT_DATA

    districts = {code for code, _ in DISTRICT_COMMITTEES}
    package_districts = {
        code for code, d in DEFAULT_DATA["oldDistricts"].items() if d["parent_code"] == PROVINCE_CODE
    }
    if package_districts != districts:
        raise RuntimeError(f"vietnam_address_converter lists other districts for Tuyên Quang: {package_districts}")
    result: dict[str, list[Commune]] = {code: [] for code, _ in DISTRICT_COMMITTEES}
    for code, ward in DEFAULT_DATA["oldWards"].items():
        if ward["parent_code"] not in districts:
            continue
        district = ward["parent_code"]
        if code == HONG_SON_WARD:
            # Before 1/9/2024 (Nghị quyết 1106/NQ-UBTVQH15): xã Hồng Lạc and xã Vân Sơn.
            result[district].append(Commune(f"TQ-{code}", code, district, "xa", "Hồng Lạc",
                                            notes="merged with Vân Sơn into xã Hồng Sơn on 1/9/2024"))
            result[district].append(Commune(f"TQ-{code}-VS", code, district, "xa", "Vân Sơn",
                                            notes="merged with Hồng Lạc into xã Hồng Sơn on 1/9/2024"))
            continue
        result[district].append(Commune(f"TQ-{code}", code, district, ward["type"], ward["name"]))
    return result
