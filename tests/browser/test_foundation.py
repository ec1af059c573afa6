"""The foundation issue's walk through the UI, in a real browser (see conftest.py for the harness).

Users and data come from tests/conftest.py (`tree`, `people`, `users`). The browser asks for
Vietnamese; expected UI strings other than the nav label are taken from the same gettext catalogs
the pages use, so the assertions hold before and after the Vietnamese catalog is complete.
"""
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def vi(msgid: str, **params) -> str:
    """The Vietnamese UI text for `msgid`, as the pages render it."""
    with translation.override("vi"):
        text = gettext(msgid)
    return text % params if params else text


def members_text(n: int) -> str:
    return vi("%(n)s members", n=n)


def test_log_in_through_the_form(page, shot, live_server, users):
    page.goto("/units/")  # anonymous visitors are sent to the login form
    assert re.search(r"/accounts/login/\?next=/units/$", page.url), page.url
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.locator("#id_username").fill("member")
    page.locator("#id_password").fill("Mat-khau-2026!")
    shot(page, "01-login-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/home/$"))
    assert page.url == f"{live_server.url}/home/"
    heading = page.locator("main h1")
    assert heading.inner_text() == vi("Welcome, %(name)s", name="member")
    # The member's own cell is their only unit, and their member record is linked.
    assert page.locator("main .card").first.locator("li").all_inner_texts() == ["Chi bộ thôn A"]
    assert page.get_by_role("link", name="Chẩu Văn Lâm", exact=True).count() == 1
    assert page.locator(".mainnav").get_by_role("link", name="member", exact=True).count() == 1
    shot(page, "01-home-after-login")


def test_wrong_password_stays_on_the_form(page, shot, users):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("member")
    page.locator("#id_password").fill("not-the-password")
    with page.expect_navigation():  # the form posts and the server answers with the form again
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/accounts/login/")
    assert page.locator("main .errorlist li").count() == 1
    assert page.locator("#id_username").input_value() == "member"
    assert page.locator("#id_password").input_value() == ""
    assert page.locator(".mainnav a[href='/units/']").count() == 0
    shot(page, "01-login-wrong-password")


def test_browse_the_tree(page, shot, users, tree):
    log_in(page, "office_sd")  # office staff of Huyện ủy Sơn Dương: sees that subtree only
    page.goto("/units/")
    roots = page.locator("#tree > ul > li")
    assert roots.count() == 1
    assert roots.locator("> a").inner_text() == "Huyện ủy Sơn Dương"
    assert roots.locator("> .count").inner_text() == members_text(3)
    body = page.locator("body").inner_text()
    assert "Tỉnh ủy Tuyên Quang" not in body and "Yên Sơn" not in body
    shot(page, "02-tree")

    son_duong, son_nam = tree["son_duong"], tree["son_nam"]
    roots.locator("> button").click()  # HTMX: GET /units/<pk>/children/ into #children-<pk>
    level1 = page.locator(f"#children-{son_duong.pk} > ul > li")
    level1.first.wait_for()
    assert level1.count() == 1
    assert level1.locator("> a").inner_text() == "Đảng bộ xã Sơn Nam"
    assert level1.locator("> .count").inner_text() == f"{son_nam.kind.name} · {members_text(3)}"

    level1.locator("> button").click()
    level2 = page.locator(f"#children-{son_nam.pk} > ul > li")
    level2.first.wait_for()
    assert level2.locator("> a").all_inner_texts() == ["Chi bộ thôn A", "Chi bộ thôn B"]
    cell_kind = tree["cell_a"].kind.name
    assert level2.locator("> .count").all_inner_texts() == [
        f"{cell_kind} · {members_text(2)}", f"{cell_kind} · {members_text(1)}",
    ]
    assert level2.locator("> button").count() == 0  # cells have nothing to expand
    shot(page, "02-tree-expanded")

    level1.locator("> a").click()
    page.wait_for_url(re.compile(rf"/units/{son_nam.pk}/$"))
    assert page.locator("main h1").inner_text().strip() == "Đảng bộ xã Sơn Nam"
    subordinates = page.locator("main h2", has_text=vi("Subordinate units")).locator(
        "xpath=following-sibling::div[1]//table"
    )
    rows = subordinates.locator("tbody tr")
    assert [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())] == [
        ["Chi bộ thôn A", cell_kind, "2"],
        ["Chi bộ thôn B", cell_kind, "1"],
    ]
    assert page.locator("[data-testid=subtree-total]").inner_text() == "3"
    shot(page, "02-unit-page")


def test_find_a_member_by_an_unaccented_name(page, shot, users, people):
    log_in(page, "office_sd")
    page.goto("/members/")
    table = page.locator("#member-table tbody tr")
    assert table.count() == 3  # Chẩu Văn Lâm, Lê Thị Kim Dung (cell A), Hoàng Văn Bình (cell B)
    page.locator("[data-testid=member-search]").fill("chau van lam")
    shot(page, "03-member-search-typed")
    page.locator("[data-testid=member-search]").press("Enter")
    page.wait_for_url(re.compile(r"/members/\?q=chau\+van\+lam"))
    assert table.count() == 1
    assert table.first.locator("td").first.inner_text() == "Chẩu Văn Lâm"
    assert table.first.locator("td").nth(4).inner_text() == "Chi bộ thôn A"
    assert page.locator("[data-testid=member-search]").input_value() == "chau van lam"
    shot(page, "03-member-search-result")


def test_refused_outside_ones_branch(page, shot, users, tree, people):
    log_in(page, "sec_c")  # secretary of Chi bộ thôn C, in Huyện ủy Yên Sơn
    stranger = people["self_member"]  # Chẩu Văn Lâm, Chi bộ thôn A, Huyện ủy Sơn Dương
    not_found = vi("Not found")

    response = page.goto(f"/units/{tree['son_duong'].pk}/")
    assert response.status == 404
    assert page.locator("main h1").inner_text() == not_found
    body = page.locator("body").inner_text()
    assert "Sơn Dương" not in body and "Sơn Nam" not in body
    shot(page, "04-refused-unit")

    response = page.goto(f"/members/{stranger.pk}/")
    assert response.status == 404
    assert page.locator("main h1").inner_text() == not_found
    html = page.content()
    for secret in (stranger.full_name, stranger.card_number, "17/05/1980", "Tày", "Chi bộ thôn A", "Sơn Dương"):
        assert secret not in html, secret
    shot(page, "04-refused-member")

    # The HTMX partial of the same unit is refused the same way.
    assert page.request.get(f"/units/{tree['son_duong'].pk}/children/").status == 404
    # Their own branch still works.
    page.goto("/units/")
    assert page.locator("#tree > ul > li > a").all_inner_texts() == ["Chi bộ thôn C"]


def test_switch_language(page, shot, users):
    log_in(page, "member")
    html = page.locator("html")
    tree_link = page.locator(".mainnav a[href='/units/']")
    assert html.get_attribute("lang") == "vi"
    assert page.locator("[data-testid=lang-vi]").get_attribute("class") == "link current"
    shot(page, "05-language-vi")
    assert tree_link.inner_text() == "Cây tổ chức"

    page.locator("[data-testid=lang-en]").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/home/")  # set_language sends the user back to the same page
    assert tree_link.inner_text() == "Organization tree"
    assert page.locator("[data-testid=lang-en]").get_attribute("class") == "link current"
    assert {c["name"]: c["value"] for c in page.context.cookies()}["quantriet_language"] == "en"
    shot(page, "05-language-en")

    page.goto("/members/")  # the choice sticks across pages
    assert html.get_attribute("lang") == "en"
    page.locator("[data-testid=lang-vi]").click()
    page.wait_for_function("document.documentElement.lang === 'vi'")
    assert page.url.endswith("/members/")
    assert tree_link.inner_text() == "Cây tổ chức"
    shot(page, "05-language-back-to-vi")


def test_phone_sized_member_list(phone_page, shot, users, people):
    page = phone_page
    log_in(page, "office_sd")
    page.goto("/members/")
    assert page.locator("#member-table tbody tr").count() == 3
    assert page.evaluate("window.innerWidth") == 375
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"horizontal overflow: scrollWidth {overflow[0]} > innerWidth {overflow[1]}"
    # Table headers give way to per-cell labels.
    assert page.locator("#member-table thead").is_hidden()
    nav_link = page.locator(".mainnav a[href='/units/']")
    assert nav_link.is_hidden()
    shot(page, "06-phone-member-list")

    page.locator(".nav-toggle-label").click()
    nav_link.wait_for(state="visible")
    assert page.locator("[data-testid=lang-en]").is_visible()
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"horizontal overflow with the menu open: {overflow}"
    shot(page, "06-phone-menu-open")

    nav_link.click()
    page.wait_for_url(re.compile(r"/units/$"))
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"horizontal overflow on the tree: {overflow}"
    shot(page, "06-phone-tree")
