"""Made-up but realistic people and places for the demo (deterministic given a `random.Random`).

Names follow the naming patterns of the ethnic groups of Tuyên Quang: Kinh (family, middle,
given), Tày and Nùng (Nông, Ma, Chẩu, Lộc … with Văn/Thị), Dao (Triệu, Bàn, Đặng … with
Văn/Thị or Dao middle names such as Tiến, Tài), H'Mông (Giàng, Sùng, Vàng … with "A" for men),
Cao Lan and Sán Dìu. Village names are generated from common elements of the area's place
names (Tày elements Nà, Khuổi, Pác … in the uplands); none of them claims to be a real village
except the few listed in `geography.REAL_VILLAGES`.
"""
from __future__ import annotations

import random

# --- people -----------------------------------------------------------------------------------

KINH_FAMILY = [
    ("Nguyễn", 30), ("Trần", 9), ("Lê", 8), ("Phạm", 6), ("Hoàng", 5), ("Vũ", 4), ("Đỗ", 4), ("Bùi", 4),
    ("Đặng", 3), ("Ngô", 3), ("Dương", 3), ("Đinh", 2), ("Phan", 2), ("Lương", 2), ("Hà", 2), ("Tạ", 1),
    ("Lưu", 1), ("Trịnh", 1), ("Đào", 1), ("Cao", 1), ("Mai", 1), ("Kiều", 1),
]
KINH_MIDDLE_MALE = ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Mạnh", "Thanh", "Ngọc", "Công",
                    "Duy", "Trọng", "Tiến", "Anh", "Đình", "Quốc"]
KINH_MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Kim", "Minh", "Hồng", "Phương",
                      "Thị Thu", "Thị Thanh", "Thị Kim", "Thị Minh"]
GIVEN_MALE = ["Sơn", "Hùng", "Dũng", "Tuấn", "Long", "Cường", "Hải", "Thắng", "Trung", "Quân", "Bình", "Đông",
              "Hưng", "Tiến", "Vinh", "Hiếu", "Khánh", "Nam", "Phong", "Thành", "Toàn", "Huy", "Đức", "Tùng",
              "Việt", "Hoàng", "Kiên", "Lâm", "Lợi", "Mạnh", "Nghĩa", "Phúc", "Quang", "Tâm", "Thái", "Thịnh",
              "Thuận", "Trường", "Tú", "Vượng", "An", "Bắc", "Chiến", "Định", "Giang", "Hào", "Khải", "Lực",
              "Ninh", "Quyết", "Sáng", "Tuyên", "Ước", "Yên"]
GIVEN_FEMALE = ["Lan", "Hoa", "Hương", "Mai", "Hằng", "Nga", "Huyền", "Thủy", "Thảo", "Linh", "Trang", "Yến",
                "Hạnh", "Nhung", "Phương", "Dung", "Hà", "Loan", "Oanh", "Vân", "Ánh", "Bích", "Chi", "Diệp",
                "Duyên", "Giang", "Hiền", "Hồng", "Liên", "Ly", "Ngọc", "Nhàn", "Quyên", "Sen", "Tâm", "Thắm",
                "Thơm", "Tuyết", "Uyên", "Xuân", "Lụa", "Thu"]

TAY_FAMILY = [
    ("Nông", 8), ("Ma", 8), ("Hoàng", 7), ("Nguyễn", 5), ("Lộc", 4), ("Quan", 3), ("Chẩu", 3), ("Mông", 2),
    ("Hà", 3), ("Đàm", 2), ("Âu", 2), ("Sầm", 1), ("La", 2), ("Lường", 1), ("Lục", 1), ("Bế", 2), ("Ngôn", 1),
    ("Hứa", 1), ("Triệu", 1), ("Vi", 1), ("Dương", 1), ("Lý", 1),
]
TAY_MIDDLE_MALE = ["Văn", "Văn", "Văn", "Văn", "Đình", "Quang", "Đức", "Xuân", "Thế", "Hồng"]
TAY_MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thị", "Thị Thu", "Thị Hồng", "Thị Kim"]

NUNG_FAMILY = [("Hoàng", 5), ("Nông", 4), ("Lương", 3), ("Vi", 2), ("Lục", 2), ("Mã", 2), ("Chu", 1), ("Lăng", 1)]

DAO_FAMILY = [("Triệu", 9), ("Bàn", 9), ("Đặng", 6), ("Lý", 5), ("Phùng", 3), ("Chảo", 2), ("Tẩn", 1)]
DAO_MIDDLE_MALE = ["Văn", "Văn", "Văn", "Tiến", "Tài", "Kim", "Phúc", "Quý"]
DAO_MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Mùi", "Thị Kim"]
DAO_GIVEN_MALE = ["Sinh", "Kiều", "Vần", "Quyên", "Nhất", "Phin", "Tá", "Quẩy", "Hin", "Tài", "Sơn", "Thắng",
                  "Vinh", "Chung", "Dương", "Lưu", "Phúc", "Trường", "Chiêu", "Hòa"]
DAO_GIVEN_FEMALE = ["Chàn", "Mẩy", "Chòi", "Nái", "Pham", "Xiêm", "Mai", "Hoa", "Liên", "Thu", "Hằng", "Nhất",
                    "Sâm", "Tá"]

HMONG_FAMILY = [("Giàng", 6), ("Sùng", 5), ("Vàng", 5), ("Lý", 4), ("Thào", 4), ("Hầu", 3), ("Mua", 2),
                ("Vừ", 2), ("Ly", 1), ("Sình", 1), ("Hoàng", 1)]
HMONG_MIDDLE_MALE = ["A", "A", "A", "Seo", "Mí", "Văn"]
HMONG_MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thị Mỷ"]
HMONG_GIVEN_MALE = ["Páo", "Lử", "Chứ", "Dế", "Sình", "Tùng", "Chính", "Sào", "Lềnh", "Pó", "Chư", "Sử", "Già",
                    "Thề", "Vư", "Phềnh", "Chớ"]
HMONG_GIVEN_FEMALE = ["Mỷ", "Súa", "Dính", "Mai", "Chá", "Say", "Của", "Dua", "Pàng", "Sinh", "Chở", "Xia"]

CAO_LAN_FAMILY = [("Hoàng", 5), ("Lục", 3), ("La", 3), ("Trần", 3), ("Đàm", 2), ("Chu", 2), ("Hà", 2),
                  ("Lâm", 2), ("Nịnh", 1), ("Tiêu", 1), ("Lương", 1)]
SAN_DIU_FAMILY = [("Diệp", 4), ("Lam", 3), ("La", 2), ("Trương", 2), ("Lưu", 2), ("Tạ", 1), ("Dương", 1),
                  ("Đặng", 1)]

_FAMILIES = {
    "Kinh": KINH_FAMILY, "Tày": TAY_FAMILY, "Nùng": NUNG_FAMILY, "Dao": DAO_FAMILY, "H'Mông": HMONG_FAMILY,
    "Cao Lan": CAO_LAN_FAMILY, "Sán Dìu": SAN_DIU_FAMILY,
}


def _weighted(rng: random.Random, pairs):
    items = [item for item, _ in pairs]
    weights = [weight for _, weight in pairs]
    return rng.choices(items, weights=weights, k=1)[0]


def person_name(rng: random.Random, ethnicity: str, female: bool) -> str:
    """A full name (family, middle, given) typical of the ethnic group."""
    family = _weighted(rng, _FAMILIES.get(ethnicity, KINH_FAMILY))
    if ethnicity == "H'Mông":
        middle = rng.choice(HMONG_MIDDLE_FEMALE if female else HMONG_MIDDLE_MALE)
        given = rng.choice(HMONG_GIVEN_FEMALE if female else HMONG_GIVEN_MALE)
    elif ethnicity == "Dao":
        middle = rng.choice(DAO_MIDDLE_FEMALE if female else DAO_MIDDLE_MALE)
        if rng.random() < 0.6:
            given = rng.choice(DAO_GIVEN_FEMALE if female else DAO_GIVEN_MALE)
        else:
            given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    elif ethnicity in ("Tày", "Nùng", "Cao Lan", "Sán Dìu"):
        middle = rng.choice(TAY_MIDDLE_FEMALE if female else TAY_MIDDLE_MALE)
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    else:
        middle = rng.choice(KINH_MIDDLE_FEMALE if female else KINH_MIDDLE_MALE)
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    return f"{family} {middle} {given}"


#: Rough ethnic make-up of party members per old district (weights), after the province's
#: published population shares: Kinh in the city and the south, Tày, Dao and H'Mông in the north.
ETHNIC_MIX = {
    "326": [("Kinh", 80), ("Tày", 13), ("Dao", 3), ("Cao Lan", 2), ("Nùng", 1), ("Sán Dìu", 1)],  # TP Tuyên Quang
    "1862": [("Tày", 55), ("Dao", 22), ("H'Mông", 12), ("Kinh", 9), ("Nùng", 2)],  # Lâm Bình
    "1094": [("Tày", 48), ("Dao", 25), ("H'Mông", 9), ("Kinh", 15), ("Nùng", 3)],  # Na Hang
    "582": [("Tày", 55), ("Kinh", 20), ("Dao", 13), ("Cao Lan", 5), ("Nùng", 4), ("H'Mông", 3)],  # Chiêm Hóa
    "838": [("Kinh", 45), ("Tày", 28), ("Dao", 15), ("Cao Lan", 6), ("Nùng", 3), ("H'Mông", 3)],  # Hàm Yên
    "1606": [("Kinh", 50), ("Tày", 25), ("Dao", 10), ("Cao Lan", 10), ("Sán Dìu", 4), ("Nùng", 1)],  # Yên Sơn
    "1350": [("Kinh", 60), ("Cao Lan", 14), ("Tày", 10), ("Sán Dìu", 8), ("Dao", 7), ("Nùng", 1)],  # Sơn Dương
    "province": [("Kinh", 62), ("Tày", 25), ("Dao", 6), ("Cao Lan", 4), ("Nùng", 2), ("Sán Dìu", 1)],
    "central": [("Kinh", 90), ("Tày", 6), ("Nùng", 2), ("Dao", 2)],
}


def ethnicity(rng: random.Random, mix_key: str) -> str:
    return _weighted(rng, ETHNIC_MIX[mix_key])


def religion(rng: random.Random, ethnic: str) -> str:
    roll = rng.random()
    if ethnic == "Kinh" and roll < 0.012:
        return "Phật giáo"
    if ethnic == "Kinh" and roll < 0.016:
        return "Công giáo"
    return "Không"


MOBILE_PREFIXES = ["096", "097", "098", "086", "032", "033", "034", "035", "036", "037", "038", "039",
                   "091", "094", "088", "083", "084", "085", "090", "093", "089", "070", "079", "077"]


# --- places -----------------------------------------------------------------------------------

_LOWLAND_FIRST = ["Đồng", "Tân", "Cầu", "Gò", "Làng", "Hợp", "Trung", "An", "Phúc", "Hòa", "Thọ", "Quyết",
                  "Kim", "Yên", "Xuân", "Vĩnh", "Minh", "Cây", "Đầm", "Soi", "Bình", "Thượng", "Hạ", "Lập"]
_LOWLAND_SECOND = ["Lợi", "Thành", "Bình", "Tiến", "Sơn", "Phú", "Thịnh", "Hòa", "Tâm", "Lập", "Khang", "Xuyên",
                   "Long", "Quang", "Hưng", "An", "Mỹ", "Cường", "Trúc", "Vải", "Đa", "Lạc", "Kiện", "Mới"]
_UPLAND_FIRST = ["Nà", "Khuổi", "Pác", "Phiêng", "Khau", "Lũng", "Cốc", "Nặm", "Búng", "Bản", "Thẳm", "Tát",
                 "Nà", "Khuổi", "Pù"]
_UPLAND_SECOND = ["Lầu", "Coóc", "Liềm", "Mạ", "Va", "Tông", "Thuôn", "Quang", "Củng", "Ngàm", "Chang", "Kẹ",
                  "Pồng", "Hán", "Khà", "Vài", "Luông", "Mường", "Nưa", "Bó", "Cuổng", "Phìn", "Đon", "Tấu"]
_STREET_NAMES = ["Tân Bắc", "Tân Thịnh", "Quyết Tiến", "Đồng Tiến", "Trung Tâm", "Tân Kỳ", "Xuân Hòa",
                 "Bắc Trung", "Nam Trung", "Cầu Trắng", "Phúc Lộc", "Hưng Thịnh", "Tân Phú", "Minh Khai",
                 "Đoàn Kết", "Thống Nhất", "Hồng Thái", "Kim Bình"]

#: Old districts whose villages are mostly called "bản" and carry Tày place names.
UPLAND_DISTRICTS = {"1862", "1094", "582"}


def village_names(rng: random.Random, count: int, *, district_code: str, urban: bool) -> list[tuple[str, str]]:
    """`count` distinct (kind, name) pairs: kind is "thôn", "bản" or "tổ dân phố"."""
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(result) < count:
        if urban:
            if rng.random() < 0.5:
                name = str(rng.randint(1, 18))
            else:
                name = rng.choice(_STREET_NAMES)
            kind = "tổ dân phố"
        elif district_code in UPLAND_DISTRICTS:
            name = f"{rng.choice(_UPLAND_FIRST)} {rng.choice(_UPLAND_SECOND)}"
            kind = "bản" if rng.random() < 0.4 else "thôn"
        else:
            roll = rng.random()
            if roll < 0.15:
                name = str(rng.randint(1, 15))
            else:
                name = f"{rng.choice(_LOWLAND_FIRST)} {rng.choice(_LOWLAND_SECOND)}"
            kind = "thôn"
        if name in seen:
            continue
        seen.add(name)
        result.append((kind, name))
    return result
