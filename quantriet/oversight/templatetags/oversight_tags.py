"""Links to inspection and supervision from other apps' pages."""
from django import template

from quantriet.accounts import access

register = template.Library()


@register.inclusion_tag("oversight/_unit_link.html", takes_context=True)
def oversight_unit_link(context):
    """The link to the unit's inspection and supervision history, for users whose view scope covers the unit
    (the inspecting side and the unit itself; the history page is scoped the same way).

    The unit page may come from the cache without its `unit` in the context: the unit is then read from the
    URL. The decision depends only on the user's view scope, which is part of the unit page's cache key."""
    request = context.get("request")
    user = getattr(request, "user", None)
    unit = context.get("unit")
    pk = getattr(unit, "pk", None)
    if pk is None and request is not None and request.resolver_match is not None:
        pk = request.resolver_match.kwargs.get("pk")
    show = False
    if user is not None and pk is not None:
        scope = access.scope_paths(user, access.VIEW)
        if scope is None:
            show = True
        elif scope:
            path = getattr(unit, "path", None)
            if path is None:
                from quantriet.units.models import Unit

                path = Unit.objects.filter(pk=pk).values_list("path", flat=True).first()
            show = path is not None and access.can(user, access.VIEW, path)
    return {"show": show, "unit_pk": pk}
