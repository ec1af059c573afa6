"""Vietnamese text: NFC normalization, accent-insensitive search and name ordering (DOMAIN.md §7)."""
import unicodedata

import pytest
from django.urls import reverse
from django.utils.html import escape

from quantriet.core.text import fold, name_sort_key, nfc
from quantriet.members.models import Member

from . import factories as f

COVERED_URLS: set[str] = set()  # searches and lists here; their permissions are in test_permissions.py


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- the helpers themselves ----------------------------------------------------------------------------------

def test_nfc_normalizes_and_collapses_spaces():
    assert nfd("Chẩu Văn Lâm") != "Chẩu Văn Lâm"
    assert nfc("  " + nfd("Chẩu  Văn\tLâm") + " ") == "Chẩu Văn Lâm"
    assert nfc(None) == "" and nfc("") == ""


@pytest.mark.parametrize("text,folded", [
    ("Chẩu Văn Lâm", "chau van lam"),
    ("NGUYỄN VĂN SƠN", "nguyen van son"),
    ("Đặng Thị Đào", "dang thi dao"),
    ("Hầu A Lềnh", "hau a lenh"),
    ("Ksor H'Mai", "ksor h'mai"),
    ("Ưng Ơn Ấp", "ung on ap"),
])
def test_fold(text, folded):
    assert fold(text) == folded
    assert fold(nfd(text)) == folded  # NFD input folds the same


def given_order(names):
    return sorted(names, key=name_sort_key)


def test_sort_key_given_name_then_middle_then_family():
    assert given_order(["Nguyễn Văn Bình", "Trần Thị An", "Lê Văn Cường"]) == [
        "Trần Thị An", "Nguyễn Văn Bình", "Lê Văn Cường"]
    assert given_order(["Nguyễn Văn An", "Bùi An An", "Đỗ Văn An"]) == ["Bùi An An", "Đỗ Văn An", "Nguyễn Văn An"]


@pytest.mark.parametrize("earlier,later", [
    ("Trần Văn An", "Trần Văn Ăn"),     # Ă after A
    ("Trần Văn Ăn", "Trần Văn Ân"),     # Â after Ă
    ("Trần Văn Ân", "Trần Văn Bình"),
    ("Trần Văn Dũng", "Trần Văn Đức"),  # Đ after D, whatever follows
    ("Trần Văn Duy", "Trần Văn Đa"),
    ("Trần Văn Đức", "Trần Văn Em"),
    ("Trần Văn Uy", "Trần Văn Ưng"),    # Ư after U
    ("Trần Văn Ơn", "Trần Văn Phúc"),   # O < Ô < Ơ < P
    ("Trần Văn Oanh", "Trần Văn Ôn"),
    ("Trần Văn An", "Trần Văn Anh"),    # a prefix sorts first
    ("Trần Văn Anh", "Trần Văn Ảnh"),   # tones only break ties: ngang, huyền, hỏi, ngã, sắc, nặng
    ("Trần Văn Ành", "Trần Văn Ảnh"),
    ("Trần Văn Ảnh", "Trần Văn Ãnh"),
    ("Trần Văn Ãnh", "Trần Văn Ánh"),
    ("Trần Văn Ánh", "Trần Văn Ạnh"),
    ("Trần Văn Ạnh", "Trần Văn Bá"),    # ... but never beat a letter
    ("Nguyễn Thị Hải", "Ksor H'Mai"),   # the apostrophe of H'Mai does not sort: "hmai"
    ("Ksor H'Mai", "Lò Thị Hoa"),
    ("Giàng A Páo", "Giàng A Pháo"),
    ("Hầu A Lềnh", "Hầu Thị Lềnh"),     # same given name: middle decides
    ("Hà Văn Lâm", "Vi Văn Lâm"),  # same given and middle: family decides
])
def test_sort_key_vietnamese_alphabet(earlier, later):
    assert name_sort_key(earlier) < name_sort_key(later), (earlier, later)


def test_sort_key_ignores_case_and_normal_form_and_is_digits_only():
    key = name_sort_key("Chẩu Văn Lâm")
    assert key == name_sort_key(nfd("chẩu   văn LÂM"))
    assert key.isdigit()
    assert name_sort_key("") == ""
    assert name_sort_key("Lâm") < name_sort_key("Chẩu Văn Lâm")


TRICKY = [
    "Vũ Thị Ư", "Lý Văn Uy", "Giàng A Pháo", "Giàng A Páo", "Lò Thị Hoa", "Ksor H'Mai", "Nguyễn Thị Hải",
    "Hoàng Văn Đức", "Phạm Văn Dũng", "Lê Văn Ân", "Trần Thị Ăn", "Nguyễn Thị Ánh", "Nguyễn Thị Ảnh",
    "Nguyễn Thị Anh", "Nguyễn Văn An", "Đỗ Văn An", "Bùi An An",
]
TRICKY_SORTED = [
    "Bùi An An", "Đỗ Văn An", "Nguyễn Văn An", "Nguyễn Thị Anh", "Nguyễn Thị Ảnh", "Nguyễn Thị Ánh",
    "Trần Thị Ăn", "Lê Văn Ân", "Phạm Văn Dũng", "Hoàng Văn Đức", "Nguyễn Thị Hải", "Ksor H'Mai",
    "Lò Thị Hoa", "Giàng A Páo", "Giàng A Pháo", "Lý Văn Uy", "Vũ Thị Ư",
]


def test_sort_key_tricky_list():
    assert given_order(TRICKY) == TRICKY_SORTED
    assert given_order([nfd(n) for n in reversed(TRICKY)]) == [nfd(n) for n in TRICKY_SORTED]


# --- through the HTTP list and the API -----------------------------------------------------------------------

@pytest.fixture
def tricky_cell(tree):
    cell = f.unit("TQ-SD-SN-T", "Chi bộ thôn Tày", parent=tree["son_nam"])
    for index, name in enumerate(TRICKY):
        # Half of them typed in NFD, as pasted from macOS or Word.
        f.member(cell, nfd(name) if index % 2 else name)
    return cell


def test_member_list_sorts_the_vietnamese_way(client_for, tricky_cell):
    response = client_for("ancestor_staff").get(reverse("members:list"), {"unit": tricky_cell.pk})
    assert response.status_code == 200
    assert [m.full_name for m in response.context["page"]] == TRICKY_SORTED
    html = response.content.decode()
    positions = [html.index(f">{escape(name)}</a>") for name in TRICKY_SORTED]
    assert positions == sorted(positions)


def test_api_member_list_sorts_the_vietnamese_way(client_for, tricky_cell):
    response = client_for("ancestor_staff").get(reverse("member-list"), {"unit": tricky_cell.pk, "limit": 100})
    assert [m["full_name"] for m in response.json()["results"]] == TRICKY_SORTED


def test_names_are_stored_nfc(tricky_cell):
    names = list(Member.objects.filter(unit=tricky_cell).values_list("full_name", flat=True))
    assert len(names) == len(TRICKY)
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


SEARCHES = [
    ("chau van lam", ["Chẩu Văn Lâm"]),
    ("CHAU VAN LAM", ["Chẩu Văn Lâm"]),
    ("Chẩu Văn Lâm", ["Chẩu Văn Lâm"]),
    (nfd("Chẩu Văn Lâm"), ["Chẩu Văn Lâm"]),
    ("lam chau", ["Chẩu Văn Lâm"]),  # every word, any order
    ("  chau   lam ", ["Chẩu Văn Lâm"]),
    ("dung", ["Lê Thị Kim Dung"]),
    ("đung", ["Lê Thị Kim Dung"]),   # đ/d both ways
    ("van", ["Hoàng Văn Bình", "Chẩu Văn Lâm"]),
    ("son", []),                      # Nguyễn Văn Sơn is in another branch
    ("xyz", []),
]


@pytest.mark.parametrize("query,expected", SEARCHES)
def test_member_search_http(query, expected, client_for, people):
    response = client_for("ancestor_staff").get(reverse("members:list"), {"q": query})
    assert response.status_code == 200
    assert [m.full_name for m in response.context["page"]] == expected


@pytest.mark.parametrize("query,expected", SEARCHES)
def test_member_search_api(query, expected, client_for, people):
    response = client_for("ancestor_staff").get(reverse("member-list"), {"q": query})
    assert response.status_code == 200
    assert [m["full_name"] for m in response.json()["results"]] == expected


def test_admin_search_finds_other_branch_and_card_numbers(client_for, people):
    client = client_for("admin")
    response = client.get(reverse("members:list"), {"q": "nguyen van son"})
    assert [m.full_name for m in response.context["page"]] == ["Nguyễn Văn Sơn"]
    card = people["b1"].card_number
    response = client.get(reverse("members:list"), {"q": card})
    assert [m.full_name for m in response.context["page"]] == ["Hoàng Văn Bình"]
    response = client.get(reverse("member-list"), {"q": card[:6]})
    assert {m["full_name"] for m in response.json()["results"]} == {
        m.full_name for m in Member.objects.filter(card_number__startswith=card[:6])}


@pytest.mark.parametrize("query", ["son nam", nfd("Sơn Nam"), "SƠN NAM", "xa son nam"])
def test_unit_search_is_accent_insensitive(query, client_for, tree):
    response = client_for("admin").get(reverse("units:tree"), {"q": query})
    assert [u.code for u in response.context["results"]] == ["TQ-SD-SN"]
    response = client_for("admin").get(reverse("unit-list"), {"q": query})
    assert [u["code"] for u in response.json()["results"]] == ["TQ-SD-SN"]


def test_nfd_input_through_the_form_is_stored_nfc(client_for, tree):
    client = client_for("same_secretary")
    response = client.post(reverse("members:create"), {
        "full_name": nfd("Hầu A Lềnh"), "birth_date": "12/03/1985", "gender": "male",
        "ethnicity": nfd("Mông"), "religion": "Không", "card_number": "55500001", "admission_date": "01/02/2010",
        "official_date": "01/02/2011", "unit": tree["cell_a"].pk, "status": "official",
        "positions": nfd("Bí thư chi đoàn"),
    })
    assert response.status_code == 302
    member = Member.objects.get(card_number="55500001")
    assert member.full_name == "Hầu A Lềnh" and member.ethnicity == "Mông"
    assert [p.title for p in member.positions.all()] == ["Bí thư chi đoàn"]
    assert member.name_folded == "hau a lenh"
