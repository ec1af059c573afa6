"""Every UI string has a Vietnamese translation, and the compiled catalogs match the sources."""
import gettext
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent / "quantriet"
VI_CATALOGS = sorted(ROOT.glob("*/locale/vi/LC_MESSAGES/django.po"))


def test_every_app_with_templates_has_catalogs():
    apps_with_strings = {p.parents[2].name for p in ROOT.glob("*/templates/*/*.html")}
    apps_with_catalog = {p.parents[3].name for p in VI_CATALOGS}
    assert apps_with_strings - {"core"} <= apps_with_catalog


@pytest.mark.parametrize("po_path", VI_CATALOGS, ids=lambda p: p.parents[3].name)
def test_vietnamese_catalog_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == []
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run compilemessages"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural and entry.msgctxt:
            assert compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, f"{mo_path} is stale"
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, f"{mo_path} is stale: run compilemessages"


@pytest.mark.django_db
def test_vietnamese_by_default_and_english_switchable():
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page and "Log in" in page and "Đăng nhập" not in page


def test_dates_are_day_month_year():
    import datetime

    from django.utils import formats

    for language in ("vi", "en"):
        with translation.override(language):
            assert formats.date_format(datetime.date(2022, 7, 22), "SHORT_DATE_FORMAT") == "22/07/2022"


@pytest.mark.django_db
def test_vietnamese_even_when_the_browser_asks_for_english():
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/").content.decode()
    assert '<html lang="vi">' in page
