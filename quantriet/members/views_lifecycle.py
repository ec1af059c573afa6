"""Lifecycle pages: one form per action, pending transfers, members due for recognition."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quantriet.accounts import access
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error
from quantriet.units.models import Unit

from . import forms_lifecycle as lf
from . import lifecycle
from .models import Transfer, TransferStatus

ACTIONS = {
    # kind: (form, action, title, success message)
    "admit": (lf.AdmitForm, lifecycle.admit, gettext_lazy("Admit as probationary member"), gettext_lazy("Member admitted.")),
    "recognize": (lf.RecognizeForm, lifecycle.recognize, gettext_lazy("Recognize as official member"),
                  gettext_lazy("Member recognized as official.")),
    "transfer": (lf.TransferForm, lifecycle.issue_transfer, gettext_lazy("Transfer party activities"),
                 gettext_lazy("Transfer issued; the receiving unit must confirm it.")),
    "exempt": (lf.ExemptForm, lifecycle.exempt, gettext_lazy("Exempt from party activities"), gettext_lazy("Member exempted.")),
    "discipline": (lf.DisciplineForm, lifecycle.discipline, gettext_lazy("Record a discipline"), gettext_lazy("Discipline recorded.")),
    "remove": (lf.RemoveForm, lifecycle.remove, gettext_lazy("Remove from the party (xóa tên)"), gettext_lazy("Member removed.")),
    "death": (lf.DeathForm, lifecycle.record_death, gettext_lazy("Record a death"), gettext_lazy("Death recorded.")),
}


def _transfer_destinations(request):
    # Any current unit may receive a member; the list shows what the user can see plus cells elsewhere by code.
    return Unit.objects.valid_on().select_related("kind").order_by("path")


@login_required
def member_action(request, pk, kind):
    if kind not in ACTIONS:
        raise Http404
    member = access.get_in_scope_or_404(request, access.visible_members(request.user).select_related("unit"), pk=pk)
    access.require(request.user, access.EDIT_MEMBERS, member.unit.path, request, f"{kind} member {pk}")
    form_class, action, title, done = ACTIONS[kind]
    extra = {"unit_queryset": _transfer_destinations(request)} if kind == "transfer" else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "effective_on" and v is None)}
        try:
            action(member, acting_user=request.user, **data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, done)
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/action.html", {"member": member, "form": form, "title": title, "kind": kind})


@login_required
def transfers(request):
    outgoing, incoming = lifecycle.pending_transfers(request.user)
    confirmable = [t for t in incoming if access.can(request.user, access.EDIT_MEMBERS, t.to_unit.path)]
    return render(request, "members/transfers.html", {
        "outgoing": outgoing, "incoming": incoming, "confirmable": {t.pk for t in confirmable},
        "confirm_form": lf.ConfirmTransferForm(),
    })


def _transfer_in_scope(request, pk):
    scope = access.scope_paths(request.user, access.VIEW)
    qs = Transfer.objects.select_related("member", "from_unit", "to_unit")
    if scope is not None:
        qs = qs.filter(from_unit__in=Unit.objects.under_paths(scope)) | qs.filter(to_unit__in=Unit.objects.under_paths(scope))
    return access.get_in_scope_or_404(request, qs, pk=pk)


@login_required
@require_POST
def confirm_transfer(request, pk):
    transfer = _transfer_in_scope(request, pk)
    form = lf.ConfirmTransferForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.confirm_transfer(transfer, acting_user=request.user, **form.cleaned_data)
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Transfer confirmed: the member now belongs to %(u)s.") % {"u": transfer.to_unit})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("members:transfers")


@login_required
@require_POST
def cancel_transfer(request, pk):
    transfer = _transfer_in_scope(request, pk)
    try:
        lifecycle.cancel_transfer(transfer, acting_user=request.user, note=request.POST.get("note", "")[:500])
    except ActionDenied:
        raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Transfer cancelled."))
    return redirect("members:transfers")


@login_required
def recognition(request):
    """Probationary members due for recognition within 30 working days, and overdue ones."""
    due_soon, overdue = lifecycle.due_for_recognition(access.visible_members(request.user))
    return render(request, "members/recognition.html", {"due_soon": due_soon, "overdue": overdue})
