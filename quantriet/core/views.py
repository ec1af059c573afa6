from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from quantriet.accounts import access


@login_required
def home(request):
    if request.path == "/":
        return redirect("core:home")
    units = access.visible_units(request.user).filter(depth__lte=99)
    roots = _top_units(units)
    member = access.own_member(request.user)
    return render(request, "core/home.html", {"roots": roots, "own_member": member})


def _top_units(units, limit: int = 20):
    """Units of a scoped queryset that have no ancestor inside it."""
    top = []
    for unit in units.order_by("depth", "path").only("id", "path", "name", "depth")[:500]:
        if not any(unit.path.startswith(t.path) for t in top):
            top.append(unit)
        if len(top) >= limit:
            break
    return top


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the point of this endpoint is to report, not raise
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
