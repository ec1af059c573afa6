"""API plumbing shared by every app."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from .actions import ActionDenied


def exception_handler(exc, context):
    """Action errors become API errors: model validation → 400 with field errors; denied → 404."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ActionDenied):
        request = context.get("request")
        if request is not None:
            from .audit import record_denied

            record_denied(request, exc.target or "api action")
        exc = Http404()
    return drf_exception_handler(exc, context)


def id_param(value) -> int | None:
    """An id from a query parameter: None unless it is ASCII digits; ids too big to exist become 0 (no match)."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    return int(value) if len(value) <= 18 else 0


class ScopedObjectMixin:
    """Viewset mixin: a single object outside the caller's scope answers 404 and is logged, as in the UI."""

    def get_object(self):
        from quantriet.accounts import access

        queryset = self.filter_queryset(self.get_queryset())
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            obj = access.get_in_scope_or_404(self.request, queryset, **{self.lookup_field: value})
        except (TypeError, ValueError, DjangoValidationError):
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj


class StrictFieldsMixin:
    """Reject unknown fields instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        return super().to_internal_value(data)
