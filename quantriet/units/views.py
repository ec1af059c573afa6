"""Tree pages: thin views over selectors and actions."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error
from quantriet.core.text import fold
from quantriet.core.views import _top_units

from . import actions
from .forms import UnitForm, UnitSearchForm
from .models import Unit
from .history import default_as_of, parse_as_of, subtree_member_counts_on
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


@login_required
def unit_detail(request, pk):
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user).select_related("kind", "parent"), pk=pk)
    day = _as_of(request) or default_as_of(unit)
    if day is not None and not unit.is_valid_on(day):
        messages.error(request, _("This unit did not exist on %(d)s.") % {"d": day.strftime("%d/%m/%Y")})
        day = default_as_of(unit)
    children, total = _children_on(unit, _visible(request, day), day)
    ancestors = [a for a in unit.ancestors() if access.can(request.user, access.VIEW, a.path)]
    history = None
    if access.can(request.user, access.VIEW_AUDIT, unit.path):
        history = audit.entries_for(unit)[:20]
    return render(request, "units/detail.html", {
        "unit": unit, "children": children, "total": total, "ancestors": ancestors, "history": history,
        "can_edit": access.can(request.user, access.EDIT_UNITS, unit.path) and unit.is_current, "as_of": day,
        "display_name": name_on(unit, day) if day else unit.name,
        "successions": unit.successions.select_related("successor"),
        "predecessions": unit.predecessions.select_related("predecessor"),
    })


@login_required
def unit_children(request, pk):
    """HTMX partial: the children of a unit, for expanding the tree in place."""
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=pk)
    day = _as_of(request) or default_as_of(unit)
    children, _total = _children_on(unit, _visible(request, day), day)
    return render(request, "units/_children.html", {"children": children, "as_of": day})


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
