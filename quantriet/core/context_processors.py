from django.conf import settings

from quantriet.accounts import access


def site(request):
    user = getattr(request, "user", None)
    return {
        "DEMO": settings.DEMO,
        "can_edit_members": bool(user and access.has_any(user, access.EDIT_MEMBERS)),
        "can_manage_roles": bool(user and access.has_any(user, access.MANAGE_ROLES)),
        "is_admin": bool(user and access.is_admin(user)),
        "can_import_article": bool(user and user.is_authenticated and access.has_any(user, access.EDIT_UNITS)),
    }
