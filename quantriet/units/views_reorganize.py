"""The reorganization page of a unit: rename, move, merge, split, dissolve with an effective date."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error

from . import forms_reorganize as rf
from . import reorganize
from .models import Unit

OPERATIONS = ["rename", "move", "merge", "split", "dissolve"]


def _run(operation, unit, data, user):
    if operation == "rename":
        return reorganize.rename(unit, acting_user=user, **data)
    if operation == "move":
        return reorganize.move(unit, acting_user=user, **data)
    if operation == "dissolve":
        reorganize.dissolve(unit, acting_user=user, **data)
        return unit.parent or unit
    if operation == "merge":
        into = reorganize.NewUnit(code=data.pop("code"), name=data.pop("name"), kind=data.pop("kind"))
        units = [unit] + [u for u in data.pop("others") if u.pk != unit.pk]
        return reorganize.merge(units, into=into, parent=unit.parent, acting_user=user, **data)
    if operation == "split":
        from quantriet.members.models import ACTIVE_STATUSES, Member

        children_b = list(data.pop("children_b"))
        members_b = [m.pk for m in data.pop("members_b")]
        children_a = [c for c in Unit.objects.valid_on(data["effective_on"]).filter(parent=unit) if c not in children_b]
        members_a = [pk for pk in Member.objects.filter(unit=unit, status__in=ACTIVE_STATUSES).values_list("pk", flat=True)
                     if pk not in members_b]
        kind = data.pop("kind")
        parts = [
            reorganize.SplitPart(reorganize.NewUnit(data.pop("code_a"), data.pop("name_a"), kind), children_a, members_a),
            reorganize.SplitPart(reorganize.NewUnit(data.pop("code_b"), data.pop("name_b"), kind), children_b, members_b),
        ]
        return reorganize.split(unit, parts=parts, acting_user=user, **data)[0]
    raise Http404


FORMS = {"rename": rf.RenameForm, "move": rf.MoveForm, "merge": rf.MergeForm, "split": rf.SplitForm,
         "dissolve": rf.DissolveForm}


@login_required
def reorganize_unit(request, pk, operation):
    if operation not in OPERATIONS:
        raise Http404
    unit = access.get_in_scope_or_404(request, access.visible_units(request.user).select_related("parent", "kind"), pk=pk)
    # Renames need edit rights on the unit; the others reshape the parent's subtree.
    target = unit if operation == "rename" else unit.parent
    allowed = access.is_admin(request.user) if target is None else access.can(request.user, access.EDIT_UNITS, target.path)
    if not allowed:
        audit.record_denied(request, f"{operation} unit {pk}")
        raise Http404
    if not unit.is_current:
        messages.error(request, _("This unit is closed: it cannot be reorganized."))
        return redirect("units:detail", pk=unit.pk)
    extra = {"unit": unit} if operation == "split" else {}
    form = FORMS[operation](request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            result = _run(operation, unit, dict(form.cleaned_data), request.user)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Reorganization recorded."))
            return redirect("units:detail", pk=result.pk)
    return render(request, "units/reorganize.html", {"unit": unit, "form": form, "operation": operation,
                                                     "operations": OPERATIONS})
