"""`quantriet import-members`: the spelling of the issue; the command lives in import_members.py."""
from .import_members import Command  # noqa: F401
