"""Member registry pages: thin views over selectors and actions."""
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
from quantriet.units.models import Unit

from . import actions
from .forms import MemberFilterForm, MemberForm
from .models import Member, Membership

PAGE_SIZE = 50


def filtered_members(request, form: MemberFilterForm):
    """The members visible to the user, narrowed by the list filters (also used by the API)."""
    members = access.visible_members(request.user)
    unit = None
    if form.is_valid():
        data = form.cleaned_data
        if data.get("as_of"):
            # The members as they were on that day: periods covering it, in the (then) subtree.
            periods = Membership.objects.on(data["as_of"]).under_paths(access.scope_paths(request.user, access.VIEW))
            if data.get("unit"):
                unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=data["unit"])
                periods = periods.filter(unit__path__startswith=unit.path)
            members = Member.objects.filter(pk__in=periods.values("member_id"))
        elif data.get("unit"):
            unit = access.get_in_scope_or_404(request, access.visible_units(request.user), pk=data["unit"])
            members = members.filter(unit__path__startswith=unit.path)
        if data.get("status"):
            members = members.filter(status=data["status"])
        if data.get("q"):
            members = members.search(data["q"])
    return members, unit


@login_required
def member_list(request):
    form = MemberFilterForm(request.GET or None)
    members, unit = filtered_members(request, form)
    page = Paginator(
        members.select_related("unit").prefetch_related("positions").order_by("sort_key", "id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "members/list.html", {
        "form": form, "page": page, "unit": unit, "query": query.urlencode(),
        "can_create": access.has_any(request.user, access.EDIT_MEMBERS),
    })


@login_required
def member_detail(request, pk):
    member = access.get_in_scope_or_404(
        request, access.visible_members(request.user).select_related("unit", "unit__kind"), pk=pk
    )
    history = audit.entries_for(member)[:30] if access.can(request.user, access.VIEW_AUDIT, member.unit.path) else None
    can_edit = access.can(request.user, access.EDIT_MEMBERS, member.unit.path)
    return render(request, "members/detail.html", {
        "member": member, "history": history, "can_edit": can_edit,
        "periods": member.memberships.select_related("unit").order_by("start"),
        "events": member.events.select_related("from_unit", "to_unit").order_by("effective_on", "id"),
        "actions": available_actions(member) if can_edit else [],
    })


def available_actions(member: Member) -> list[tuple[str, str]]:
    """The lifecycle actions that make sense for the member's status, for the detail page."""
    from .models import Status
    from .views_lifecycle import ACTIONS

    by_status = {
        Status.CANDIDATE: ["admit"],
        Status.PROBATIONARY: ["recognize", "transfer", "exempt", "discipline", "remove", "death"],
        Status.OFFICIAL: ["transfer", "exempt", "discipline", "remove", "death"],
        Status.EXEMPTED: ["transfer", "discipline", "remove", "death"],
    }
    return [(kind, ACTIONS[kind][2]) for kind in by_status.get(member.status, [])]


def _editable_units(request):
    return Unit.objects.valid_on().under_paths(access.scope_paths(request.user, access.EDIT_MEMBERS)).select_related("kind")


@login_required
def member_create(request):
    if not access.has_any(request.user, access.EDIT_MEMBERS):
        record_and_404(request, "create member")
    initial = {"unit": request.GET["unit"]} if request.GET.get("unit", "").isdigit() else {}
    form = MemberForm(request.POST or None, initial=initial, unit_queryset=_editable_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.create_member(
                acting_user=request.user, positions=form.cleaned_data["positions"], **form.action_fields()
            )
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Member created."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": None})


@login_required
def member_edit(request, pk):
    member = access.get_in_scope_or_404(request, access.visible_members(request.user), pk=pk)
    access.require(request.user, access.EDIT_MEMBERS, member.unit.path, request, f"edit member {pk}")
    form = MemberForm(request.POST or None, instance=Member.objects.get(pk=pk), unit_queryset=_editable_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_member(
                member, acting_user=request.user, positions=form.cleaned_data["positions"], **form.action_fields()
            )
        except ActionDenied:
            raise Http404
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Member saved."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": member})


def record_and_404(request, what):
    audit.record_denied(request, what)
    raise Http404
