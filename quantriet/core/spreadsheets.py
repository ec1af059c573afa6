"""Helpers shared by every spreadsheet export."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """Make a text cell inert for spreadsheets (CSV/formula injection): prefix a ' to = + - @ tab CR."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
