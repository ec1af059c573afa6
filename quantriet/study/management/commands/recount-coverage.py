"""`quantriet recount-coverage`: the spelling of the issue; the command lives in recount_coverage.py."""
from .recount_coverage import Command  # noqa: F401
