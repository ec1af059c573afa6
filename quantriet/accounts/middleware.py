"""System administrators must pass TOTP two-factor verification before anything else."""
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import access

ALLOWED_PREFIXES = ("/static/", "/i18n/", "/healthz", "/accounts/logout/", "/accounts/otp/")


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
                return JsonResponse({"detail": "Two-factor verification required."}, status=403)
            return redirect(reverse("accounts:otp") + f"?next={request.path}")
        return self.get_response(request)
