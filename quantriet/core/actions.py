"""Shared pieces of action functions (changes of state)."""
from django.utils.translation import gettext_lazy as _


class ActionDenied(Exception):
    """The acting user may not perform this action here. Views answer 404 and log it."""

    def __init__(self, message=None, *, target: str = ""):
        super().__init__(message or _("You may not do this here."))
        self.target = target
