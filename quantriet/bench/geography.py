"""The real administrative map the generator builds on: the 34 provinces and 3,321 communes
in force since 1/7/2025, read from the `vietnam-provinces` data package (DOMAIN.md §2)."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from quantriet.core.text import nfc


@dataclass(frozen=True)
class Commune:
    code: int  # the official ward code (mã xã)
    name: str  # "Xã Sơn Dương", "Phường Hoàn Kiếm", "Đặc khu Phú Quốc"
    division_type: str  # "xã", "phường" or "đặc khu"

    @property
    def short_name(self) -> str:
        """The name without its division word: "Sơn Dương" for "Xã Sơn Dương"."""
        for prefix in ("Đặc khu ", "Phường ", "Xã "):
            if self.name.startswith(prefix):
                return self.name[len(prefix):]
        return self.name


@dataclass(frozen=True)
class Province:
    code: int  # the official province code (1 = Hà Nội … 96 = Cà Mau)
    name: str  # "Thành phố Hà Nội", "Tuyên Quang"
    division_type: str  # "tỉnh" or "thành phố trung ương"
    communes: tuple[Commune, ...]

    @property
    def party_name(self) -> str:
        """The provincial party organization: "Đảng bộ tỉnh Tuyên Quang", "Đảng bộ Thành phố Hà Nội"."""
        return f"Đảng bộ {self.name}" if self.name.startswith("Thành phố") else f"Đảng bộ tỉnh {self.name}"

    @property
    def short_name(self) -> str:
        return self.name.removeprefix("Thành phố ")


@functools.cache
def provinces() -> tuple[Province, ...]:
    """The current provinces in official code order, each with its communes in code order."""
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    with open(NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as handle:
        data = json.load(handle)
    result = []
    for item in sorted(data, key=lambda p: p["code"]):
        communes = tuple(
            Commune(code=w["code"], name=nfc(w["name"]), division_type=w["division_type"])
            for w in sorted(item["wards"], key=lambda w: w["code"])
        )
        result.append(Province(code=item["code"], name=nfc(item["name"]), division_type=item["division_type"],
                               communes=communes))
    return tuple(result)
