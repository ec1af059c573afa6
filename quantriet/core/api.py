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


class StrictFieldsMixin:
    """Reject unknown fields instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        return super().to_internal_value(data)
