import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from quantriet.core.actions import ActionDenied
from quantriet.core.audit import record_denied
from quantriet.core.forms import apply_validation_error
from quantriet.units.models import Unit

from . import access, actions
from .forms import GrantRoleForm, OTPForm
from .models import RoleAssignment


@login_required
def me(request):
    assignments = RoleAssignment.objects.filter(user=request.user).select_related("unit")
    return render(request, "accounts/me.html", {"assignments": assignments, "own_member": access.own_member(request.user)})


@login_required
def otp_verify(request):
    """Verify (and, the first time, enroll) the TOTP device of a system administrator."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
            user=request.user, name="default", confirmed=False
        )
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/home/"
            return redirect(target)
        form.add_error("token", _("The code is wrong or has expired."))
    qr_svg = None
    if enrolling:
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buffer = io.BytesIO()
        image.save(buffer)
        qr_svg = base64.b64encode(buffer.getvalue()).decode()
    return render(request, "accounts/otp.html", {"form": form, "enrolling": enrolling, "qr_svg": qr_svg,
                                                 "secret": base64.b32encode(device.bin_key).decode() if enrolling else None})


def _role_units(request):
    return Unit.objects.valid_on().under_paths(access.scope_paths(request.user, access.MANAGE_ROLES)).select_related("kind")


@login_required
def roles(request):
    if not access.has_any(request.user, access.MANAGE_ROLES):
        record_denied(request, "roles page")
        raise Http404
    scope = access.scope_paths(request.user, access.MANAGE_ROLES)
    assignments = RoleAssignment.objects.select_related("user", "unit").order_by("unit__path", "user__username")
    if scope is not None:
        assignments = assignments.filter(unit__in=Unit.objects.under_paths(scope))
    form = GrantRoleForm(request.POST or None, unit_queryset=_role_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            actions.grant_role(acting_user=request.user, user=data["username"], role=data["role"], unit=data["unit"])
        except ActionDenied:
            form.add_error("role", _("You may not grant this role on this unit."))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Role granted."))
            return redirect("accounts:roles")
    page = Paginator(assignments, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/roles.html", {"page": page, "form": form})


@login_required
@require_POST
def revoke(request, pk):
    scope = access.scope_paths(request.user, access.MANAGE_ROLES)
    qs = RoleAssignment.objects.select_related("unit", "user")
    if scope is not None:
        qs = qs.filter(unit__in=Unit.objects.under_paths(scope))
    assignment = access.get_in_scope_or_404(request, qs, pk=pk)
    try:
        actions.revoke_role(assignment, acting_user=request.user)
    except ActionDenied:
        raise Http404
    messages.success(request, _("Role revoked."))
    return redirect("accounts:roles")
