"""Tree pages: thin views over selectors and actions."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error
from quantriet.core.text import fold
from quantriet.core.views import _top_units

from . import actions
from .forms import UnitForm, UnitSearchForm
from .models import Unit
from .selectors import children_with_counts, subtree_member_counts


def _visible(request):
    return access.visible_units(request.user, Unit.objects.valid_on())


@login_required
def tree(request):
    units = _visible(request)
    form = UnitSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        q = fold(form.cleaned_data["q"])
        results = Paginator(
            (units.filter(name_folded__contains=q) | units.filter(code__iexact=form.cleaned_data["q"].strip()))
            .select_related("kind", "parent").order_by("depth", "name"),
            50,
        ).get_page(request.GET.get("page"))
    roots = _top_units(units)
    for root in roots:
        root.subtree_count = subtree_member_counts(root, units)[root.path]
    return render(request, "units/tree.html", {"roots": roots, "form": form, "results": results})


@login_required
def unit_detail(request, pk):
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user).select_related("kind", "parent"), pk=pk)
    visible = _visible(request)
    children, total = children_with_counts(unit, visible)
    ancestors = [a for a in unit.ancestors() if access.can(request.user, access.VIEW, a.path)]
    history = None
    if access.can(request.user, access.VIEW_AUDIT, unit.path):
        history = audit.entries_for(unit)[:20]
    return render(request, "units/detail.html", {
        "unit": unit, "children": children, "total": total, "ancestors": ancestors, "history": history,
        "can_edit": access.can(request.user, access.EDIT_UNITS, unit.path),
    })


@login_required
def unit_children(request, pk):
    """HTMX partial: the children of a unit, for expanding the tree in place."""
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=pk)
    children, _total = children_with_counts(unit, _visible(request))
    return render(request, "units/_children.html", {"children": children})


def _editable_parents(request):
    return access.visible_units(request.user, Unit.objects.valid_on()).under_paths(
        access.scope_paths(request.user, access.EDIT_UNITS)
    )


@login_required
def unit_create(request):
    if not access.has_any(request.user, access.EDIT_UNITS):
        raise Http404
    initial = {}
    if request.GET.get("parent", "").isdigit():
        initial["parent"] = request.GET["parent"]
    form = UnitForm(request.POST or None, initial=initial, parent_queryset=_editable_parents(request))
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.create_unit(acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
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
    form = UnitForm(request.POST or None, instance=Unit.objects.get(pk=pk), parent_queryset=_editable_parents(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_unit(unit, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Unit saved."))
            return redirect("units:detail", pk=unit.pk)
    return render(request, "units/form.html", {"form": form, "unit": unit})
