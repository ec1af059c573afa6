"""The shared pieces of the party document layout (quantriet/core/partydoc.py)."""
import datetime
from types import SimpleNamespace

import pytest

from quantriet.core.partydoc import default_place, issuing_body, vietnamese_date

COVERED_URLS: set[str] = set()


def unit(name, kind=""):
    return SimpleNamespace(name=name, kind=SimpleNamespace(code=kind))


@pytest.mark.parametrize("name, kind, place", [
    ("Tỉnh ủy Tuyên Quang", "tinh-uy", "Tuyên Quang"),
    ("Đảng bộ xã Sơn Nam", "dang-bo-xa", "Sơn Nam"),
    ("Đảng bộ tỉnh Tuyên Quang", "tinh-uy", "Tuyên Quang"),
    ("Huyện ủy Sơn Dương", "huyen-uy", "Sơn Dương"),
    ("Ban Chấp hành Trung ương Đảng", "trung-uong", "Hà Nội"),
    ("Ban Chấp hành Trung ương Đảng", "", "Hà Nội"),
    ("Bộ Chính trị", "", "Hà Nội"),
    ("Chi bộ thôn Cầu Đa", "chi-bo", "thôn Cầu Đa"),
])
def test_default_place(name, kind, place):
    assert default_place(unit(name, kind)) == place


def test_vietnamese_date_follows_huong_dan_36():
    assert vietnamese_date(datetime.date(2024, 2, 5)) == "ngày 05 tháng 02 năm 2024"
    assert vietnamese_date(datetime.date(2022, 7, 22)) == "ngày 22 tháng 7 năm 2022"
    assert vietnamese_date(datetime.date(2023, 11, 20)) == "ngày 20 tháng 11 năm 2023"


def test_issuing_body():
    assert issuing_body(unit("Đảng bộ tỉnh Tuyên Quang")) == "TỈNH ỦY TUYÊN QUANG"
    assert issuing_body(unit("Đảng bộ xã Sơn Nam")) == "ĐẢNG ỦY XÃ SƠN NAM"
