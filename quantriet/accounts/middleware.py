"""System administrators must pass TOTP two-factor verification before anything else."""
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import access

ALLOWED_PREFIXES = ("/static/", "/i18n/", "/healthz", "/accounts/logout/", "/accounts/otp/")
TWO_FACTOR_REQUIRED = {"detail": "Two-factor verification required."}


def _token_user(request):
    """The user of an `Authorization: Token …` header (DRF authenticates it later, inside the view)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Token "):
        return None
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=header[6:].strip()[:40]).first()
    return token.user if token is not None else None


class RequireAdminOTPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and access.is_admin(user)
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(TWO_FACTOR_REQUIRED, status=403)
            return redirect(reverse("accounts:otp") + "?" + urlencode({"next": request.get_full_path()}))
        if request.path.startswith("/api/") and not (user is not None and user.is_authenticated):
            # A token cannot carry a second factor: administrators may not use the API with one.
            token_user = _token_user(request)
            if token_user is not None and access.is_admin(token_user):
                return JsonResponse(TWO_FACTOR_REQUIRED, status=403)
        return self.get_response(request)
