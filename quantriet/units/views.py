"""Tree pages: thin views over selectors and actions."""
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache as django_cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.context_processors import site as site_context
from quantriet.core.forms import apply_validation_error
from quantriet.core.text import fold
from quantriet.core.views import _top_units

from . import actions
from . import cache as tree_cache
from .forms import UnitForm, UnitSearchForm
from .history import default_as_of, parse_as_of, subtree_member_counts_on
from .models import Unit
from .reorganize import name_on
from .selectors import children_with_counts


TOP_LEVEL_REFUSED = gettext_lazy("Choose a parent unit: only a system administrator may create a top-level unit.")


def _visible(request, day=None):
    return access.visible_units(request.user, Unit.objects.valid_on(day))


def _as_of(request):
    """The date asked for with ?as_of=dd/mm/yyyy (None for today); a bad date is reported and ignored."""
    day, ok = parse_as_of(request.GET.get("as_of"))
    if not ok:
        messages.error(request, _("The date must be written dd/mm/yyyy and not be in the future; showing today."))
    return day


def _children_on(unit, units, day):
    if day is None:
        return children_with_counts(unit, units)
    children = list(units.filter(parent=unit).select_related("kind").prefetch_related("former_names").order_by("kind__rank", "name"))
    counts = subtree_member_counts_on(unit, day)
    with_children = set(units.filter(parent__in=children).values_list("parent_id", flat=True).distinct())
    for child in children:
        child.subtree_count = counts.get(child.path, 0)
        child.has_children = child.pk in with_children
        child.name = name_on(child, day)
    return children, counts[unit.path]


def _root_counts(roots, units) -> dict[int, int]:
    """Active members in each root's visible subtree, in one query (a filtered SUM per root, at most 20)."""
    if not roots:
        return {}
    sums = units.order_by().aggregate(**{
        f"r{index}": Sum("member_count", filter=Q(path__startswith=root.path)) for index, root in enumerate(roots)
    })
    return {root.pk: sums[f"r{index}"] or 0 for index, root in enumerate(roots)}


@login_required
def tree(request):
    day = _as_of(request)
    units = _visible(request, day)
    roots = _top_units(units)
    if not roots and day is None:
        # Everything the user may see was closed by a reorganization: show it as it last was.
        closed = access.visible_units(request.user).filter(valid_to__isnull=False).order_by("-valid_to").first()
        if closed is not None:
            day = default_as_of(closed)
            units = _visible(request, day)
            roots = _top_units(units)
    form = UnitSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        q = fold(form.cleaned_data["q"])
        results = Paginator(
            (units.filter(name_folded__contains=q) | units.filter(code__iexact=form.cleaned_data["q"].strip()))
            .select_related("kind", "parent").order_by("depth", "name"),
            50,
        ).get_page(request.GET.get("page"))
    if day is None:
        counts = _root_counts(roots, units)
        for root in roots:
            root.subtree_count = counts[root.pk]
    else:
        for root in roots:
            root.subtree_count = subtree_member_counts_on(root, day)[root.path]
    return render(request, "units/tree.html", {"roots": roots, "form": form, "results": results, "as_of": day})


_URL_PLACEHOLDER = 987654321


def _with_urls(children):
    """Each child's detail URL, reversed once for all (a `{% url %}` per row costs more than the row)."""
    pattern = reverse("units:detail", args=[_URL_PLACEHOLDER])
    for child in children:
        child.url = pattern.replace(str(_URL_PLACEHOLDER), str(child.pk))
    return children


def _page_key(request, what: str, pk: int, version: str) -> str:
    """Cache key of what `what` shows of unit `pk` to this user for this request.

    It holds everything the page depends on besides the rows covered by the tree version
    (units, counters, membership periods, successions and the unit's own audit history, all
    changed only by actions that bump it): the unit, the date asked for, today's date (units
    open and close at midnight), the language, and the user's scopes — where they may view
    (which children and ancestors are shown, and whether the unit is visible at all), edit
    units (the buttons) and read the audit (the history) — and own member's unit. Users with
    the same scopes share entries; users with different scopes never do. An entry is only
    stored after the unit was found in the user's scope, so a hit is never a leak.
    """
    user = request.user
    view = access.scope_paths(user, access.VIEW)
    member_unit = access.own_member_unit_id(user) if view is not None else None
    signature = tree_cache.digest(
        view, member_unit, access.scope_paths(user, access.EDIT_UNITS), access.scope_paths(user, access.VIEW_AUDIT),
        parse_as_of(request.GET.get("as_of")),  # the date it means, not its spelling: one entry per date
    )
    return ":".join(["qt:unit", what, str(pk), version, get_language() or "", timezone.localdate().isoformat(),
                     signature])


class _Messages:
    """Collects the messages a page adds, so a cached page adds them again."""

    def __init__(self, request):
        self.request, self.added = request, []

    def error(self, text) -> None:
        self.added.append((messages.ERROR, str(text)))
        messages.error(self.request, text)


def _replay(request, added) -> None:
    for level, text in added:
        messages.add_message(request, level, text)


def _as_of_day(request, unit, notes: _Messages):
    day, ok = parse_as_of(request.GET.get("as_of"))
    if not ok:
        notes.error(_("The date must be written dd/mm/yyyy and not be in the future; showing today."))
    day = day or default_as_of(unit)
    return day


@functools.cache
def _csrf_placeholder() -> str:
    """Stands for the CSRF token in a cached page; unguessable (derived from SECRET_KEY)."""
    return "qtcsrf" + salted_hmac("quantriet.units.views.page", "csrf-placeholder").hexdigest()[:40]


def _shell_key(request, page_key: str) -> str:
    """Cache key of the whole page (layout included) for this user: the page key plus what the
    layout shows of the user and the request (name, menu entries, the path in the language form)."""
    user = request.user
    return "qt:unit-shell:" + tree_cache.digest(
        page_key, user.pk, user.get_username(), user.get_full_name(), request.get_full_path(),
        sorted(site_context(request).items()),
    )


def _serve_page(request, html: str) -> HttpResponse:
    # A fresh mask of the user's CSRF secret for each response, as when the page is rendered.
    return HttpResponse(html.replace(_csrf_placeholder(), get_token(request)))


@login_required
def unit_detail(request, pk):
    # The version is read before any row: what is cached under it is never older than the rows
    # committed when it was drawn (see quantriet/units/cache.py).
    version = tree_cache.tree_version(request.user)
    key = shell_key = None
    cached = shell = None
    # The whole page is cached only when it shows no message (messages are shown once), and only
    # for the page's own parameter (the path is part of the key: no entry per made-up query string).
    quiet = not len(messages.get_messages(request)) and set(request.GET) <= {"as_of"}
    if version:
        key = _page_key(request, "detail", pk, version)
        if quiet:
            shell_key = _shell_key(request, key)
            found = django_cache.get_many([key, shell_key])
            cached, shell = found.get(key), found.get(shell_key)
        else:
            cached = django_cache.get(key)
    if shell is not None:
        return _serve_page(request, shell)
    if cached is not None:
        display_name, body, added = cached
        _replay(request, added)
        return _render_page(request, shell_key if not added else None,
                            {"display_name": display_name, "body": body})
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user).select_related("kind", "parent"), pk=pk)
    notes = _Messages(request)
    day = _as_of_day(request, unit, notes)
    if day is not None and not unit.is_valid_on(day):
        notes.error(_("This unit did not exist on %(d)s.") % {"d": day.strftime("%d/%m/%Y")})
        day = default_as_of(unit)
    can_edit = access.can(request.user, access.EDIT_UNITS, unit.path) and unit.is_current
    history = None
    if access.can(request.user, access.VIEW_AUDIT, unit.path):
        history = list(audit.entries_for(unit)[:20])
    display_name = name_on(unit, day) if day else unit.name
    children, total = _children_on(unit, _visible(request, day), day)
    context = {
        "unit": unit, "children": _with_urls(children), "total": total, "as_of": day,
        "as_of_query": f"?as_of={day:%d/%m/%Y}" if day else "",
        "ancestors": [a for a in unit.ancestors() if access.can(request.user, access.VIEW, a.path)],
        "can_edit": can_edit, "display_name": display_name, "history": history,
        "successions": unit.successions.select_related("successor"),
        "predecessions": unit.predecessions.select_related("predecessor"),
    }
    body = render_to_string("units/_detail_body.html", context)
    if key:
        django_cache.set(key, (display_name, body, notes.added), tree_cache.FRAGMENT_TIMEOUT)
    return _render_page(request, shell_key if not notes.added else None, {**context, "body": body})


def _render_page(request, shell_key, context) -> HttpResponse:
    """Render the unit page in the layout; with `shell_key`, also keep the whole page in the cache."""
    if shell_key is None:
        return render(request, "units/detail.html", context)
    html = render_to_string("units/detail.html", {**context, "csrf_token": _csrf_placeholder()}, request)
    django_cache.set(shell_key, html, tree_cache.FRAGMENT_TIMEOUT)
    return _serve_page(request, html)


@login_required
def unit_children(request, pk):
    """HTMX partial: the children of a unit, for expanding the tree in place."""
    version = tree_cache.tree_version(request.user)
    key = _page_key(request, "children", pk, version) if version else None
    cached = django_cache.get(key) if key else None
    if cached is not None:
        body, added = cached
        _replay(request, added)
        return HttpResponse(body)
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=pk)
    notes = _Messages(request)
    day = _as_of_day(request, unit, notes)
    children, _total = _children_on(unit, _visible(request, day), day)
    context = {"children": _with_urls(children), "as_of": day, "as_of_query": f"?as_of={day:%d/%m/%Y}" if day else ""}
    body = render_to_string("units/_children.html", context)
    if key:
        django_cache.set(key, (body, notes.added), tree_cache.FRAGMENT_TIMEOUT)
    return HttpResponse(body)


def _editable_parents(request):
    return access.visible_units(request.user, Unit.objects.valid_on()).under_paths(
        access.scope_paths(request.user, access.EDIT_UNITS)
    )


@login_required
def unit_create(request):
    if not access.has_any(request.user, access.EDIT_UNITS):
        audit.record_denied(request, "create unit")
        raise Http404
    initial = {}
    if request.GET.get("parent", "").isdigit():
        initial["parent"] = request.GET["parent"]
    form = UnitForm(request.POST or None, initial=initial, parent_queryset=_editable_parents(request))
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.create_unit(acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            # The parent choices are the editable units, so only "no parent" can be refused.
            form.add_error("parent", TOP_LEVEL_REFUSED)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Unit created."))
            return redirect("units:detail", pk=unit.pk)
    return render(request, "units/form.html", {"form": form, "unit": None})


@login_required
def unit_edit(request, pk):
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=pk)
    access.require(request.user, access.EDIT_UNITS, unit.path, request, f"edit unit {pk}")
    # Keeping the current parent is always allowed, even when it lies above the editor's scope.
    parents = _editable_parents(request) | Unit.objects.filter(pk=unit.parent_id)
    form = UnitForm(request.POST or None, instance=Unit.objects.get(pk=pk), parent_queryset=parents)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_unit(unit, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            form.add_error("parent", TOP_LEVEL_REFUSED)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Unit saved."))
            return redirect("units:detail", pk=unit.pk)
    return render(request, "units/form.html", {"form": form, "unit": unit})
