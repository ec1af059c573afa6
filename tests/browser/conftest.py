"""Browser harness: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

- Chromium is `/usr/bin/chromium` (Debian's package; `make test` installs it with apt when it can).
  Playwright's own browser downloads are never used. When the executable is missing every browser
  test is skipped with an explicit reason AND a warning banner in the terminal summary: a missing
  browser must never look like a pass.
- One browser per test module, a fresh context (cookies, storage, temporary profile) and page per test;
  all are closed at teardown.
- Screenshots go to `test-artifacts/browser/<database vendor>/` at the repository root (git-ignored).
- Playwright's sync API keeps an event loop running in the test thread. Two consequences for Django:
  its "async unsafe" guard would refuse ORM calls made by tests and fixtures (switched off below), and
  `django.db.connections` (an asgiref Local) would hand the test thread *new* connection objects while
  the loop runs, without the test database's serialized contents, so the migration-seeded rows
  (unit kinds) would not be restored between tests. `browser` therefore pins the thread's existing
  connection objects into the loop's storage: the test thread uses one connection before, during and
  after Playwright.
"""
import os
import re
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

try:  # the package comes with the `test` extra; a missing package skips just as loudly
    from playwright.sync_api import Page, sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    sync_playwright = None
    Page = None
    _PLAYWRIGHT_IMPORT_ERROR = str(exc)
else:
    _PLAYWRIGHT_IMPORT_ERROR = ""

#: Debian's Chromium. QUANTRIET_CHROMIUM overrides it (e.g. to check the loud skip with a missing path).
CHROMIUM = Path(os.environ.get("QUANTRIET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "Mat-khau-2026!"
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 10_000

#: Reasons the browser tests were skipped in this session, shown again in the terminal summary.
_SKIP_REASONS: list[str] = []


def _skip_loudly(reason: str):
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if message not in _SKIP_REASONS:
        _SKIP_REASONS.append(message)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _SKIP_REASONS:
        return
    skipped = sum(1 for report in terminalreporter.stats.get("skipped", []) if "BROWSER TESTS NOT RUN" in str(report.longrepr))
    terminalreporter.write_sep("!", "WARNING: browser tests were SKIPPED, the UI was NOT checked", red=True, bold=True)
    for reason in _SKIP_REASONS:
        terminalreporter.write_line(f"!! {reason}", red=True, bold=True)
    terminalreporter.write_line(
        f"!! {skipped} browser test(s) skipped. Install Debian's chromium (apt-get install chromium) and rerun.",
        red=True, bold=True,
    )


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        _skip_loudly(f"the playwright package cannot be imported ({_PLAYWRIGHT_IMPORT_ERROR}); pip install -e '.[test]'")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _skip_loudly(f"{CHROMIUM} is missing or not executable (Debian package 'chromium' is not installed)")
    from django.db import connections

    pinned = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in pinned.items():
            connections[alias] = connection
        # Playwright makes (and removes) a fresh temporary user-data-dir for each launch.
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The shared `users` fixture makes six accounts; PBKDF2 at Django's default cost takes ~0.5 s each
    (more on a loaded machine). Logging in through the form still checks the password, just hashed
    with a cheap algorithm, which is what Django recommends for tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class PageProblems:
    """JavaScript errors and failed sub-resources seen by a page; a test fails on any of them."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"JavaScript error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        # A 404 page is itself reported by Chromium as a failed resource load; that one is expected.
        if message.type == "error" and "status of 404" not in message.text:
            self.errors.append(f"console error: {message.text}")

    def _response(self, response):
        if response.request.resource_type != "document" and response.status >= 400:
            self.errors.append(f"{response.status} for {response.request.resource_type} {response.url}")


def _new_page(browser, live_server, viewport, locale):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.problems = PageProblems(page)
    return context, page


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page of a fresh context whose browser asks for Vietnamese (Accept-Language: vi-VN)."""
    context, page = _new_page(browser, live_server, DESKTOP, "vi-VN")
    yield page
    context.close()
    assert page.problems.errors == [], f"the page reported problems: {page.problems.errors}"


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (375×740), otherwise like `page`."""
    context, page = _new_page(browser, live_server, PHONE, "vi-VN")
    yield page
    context.close()
    assert page.problems.errors == [], f"the page reported problems: {page.problems.errors}"


@pytest.fixture
def shot(request):
    """`shot(page, "name")` saves a full-page screenshot under test-artifacts/browser/<vendor>/."""
    from django.db import connection

    folder = ARTIFACTS / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def log_in(page, username: str, password: str = PASSWORD):
    """Sign in through the real login form and wait for the home page."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/home/$"))
