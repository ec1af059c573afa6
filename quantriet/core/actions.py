"""Shared pieces of action functions (changes of state)."""
import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: No party document, meeting or decision predates the party's founding (3/2/1930).
EARLIEST = datetime.date(1930, 2, 3)


class ActionDenied(Exception):
    """The acting user may not perform this action here. Views answer 404 and log it."""

    def __init__(self, message=None, *, target: str = ""):
        super().__init__(message or _("You may not do this here."))
        self.target = target


def check_date(day, field: str, errors: dict, *, allow_future: bool = True) -> None:
    """Add a field error to `errors` unless `day` is a date between the party's founding and 2100 (and not
    after today when `allow_future` is false)."""
    if day is None:
        errors.setdefault(field, _("This field is required."))
    elif not isinstance(day, datetime.date):
        errors.setdefault(field, _("Enter a valid date."))
    elif day < EARLIEST or day.year > 2100:
        errors.setdefault(field, _("Enter a date between 03/02/1930 and 2100."))
    elif not allow_future and day > timezone.localdate():
        errors.setdefault(field, _("The date cannot be in the future."))
