"""Every named URL is covered by a permission test: a new URL without one makes this fail.

Walks the URL resolver (namespaced names such as `units:detail`, DRF router names such as
`unit-list`), imports every tests/test_*.py module and unions their `COVERED_URLS`.
Excluded: Django admin's own URLs (`admin:*`), `set_language` and static files.
"""
import importlib
import pkgutil
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

COVERED_URLS: set[str] = set()  # this module covers no URL itself

EXCLUDED_NAMESPACES = {"admin"}
EXCLUDED_NAMES = {"set_language"}


def named_urls(patterns=None, namespace=None) -> set[str]:
    """Every URL name in the resolver, with its namespace prefix."""
    names: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            names |= named_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def uncovered(names: set[str], covered: set[str]) -> list[str]:
    return sorted(
        name for name in names
        if name not in covered
        and name not in EXCLUDED_NAMES
        and name.split(":")[0] not in EXCLUDED_NAMESPACES
        and not name.startswith(("static", "django.contrib.staticfiles"))
    )


def covered_urls() -> dict[str, set[str]]:
    """COVERED_URLS of every tests/test_*.py module, by module name."""
    found = {}
    tests_dir = Path(__file__).parent
    for info in pkgutil.iter_modules([str(tests_dir)]):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"tests.{info.name}")
            found[info.name] = set(getattr(module, "COVERED_URLS", set()))
    return found


def test_walker_sees_namespaced_and_router_names():
    names = named_urls()
    for name in ("units:detail", "members:edit", "accounts:revoke", "unit-list", "member-detail", "api-me",
                 "healthz", "admin:index", "set_language"):
        assert name in names, name


def test_every_named_url_has_permission_tests():
    by_module = covered_urls()
    assert "test_permissions" in by_module
    covered = set().union(*by_module.values())
    missing = uncovered(named_urls(), covered)
    assert not missing, (
        "These named URLs are in no test module's COVERED_URLS (add permission tests over USER_KINDS "
        "and list them): " + ", ".join(missing)
    )


def test_covered_names_exist():
    """A stale name in COVERED_URLS (a renamed or removed URL) is an error too."""
    names = named_urls()
    stale = {module: sorted(c - names) for module, c in covered_urls().items() if c - names}
    assert not stale, f"COVERED_URLS names that no URL has: {stale}"


def test_the_check_fails_for_an_uncovered_url():
    assert uncovered({"units:detail", "new:thing", "admin:index", "set_language"}, {"units:detail"}) == ["new:thing"]
