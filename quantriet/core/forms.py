"""Helpers shared by forms and views."""
from django.core.exceptions import ValidationError
from django.forms import Form


def apply_validation_error(form: Form, error: ValidationError) -> None:
    """Attach a model ValidationError raised by an action to the form's fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
