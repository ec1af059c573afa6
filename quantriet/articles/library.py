"""Issue dates of cited documents from the document library, to infer the year of a conference."""
from __future__ import annotations

import datetime


def known_documents(numbers, queryset=None) -> dict[str, datetime.date]:
    """{canonical number: issue date} for the given numbers found in the library.

    A number issued more than once (numbers restart each term) keeps its latest date. Returns
    {} when the documents app is not installed.
    """
    numbers = sorted(set(numbers))
    if not numbers:
        return {}
    try:
        from quantriet.documents.models import Document
    except ImportError:  # pragma: no cover - the documents app is part of the product
        return {}
    queryset = Document.objects.all() if queryset is None else queryset
    found: dict[str, datetime.date] = {}
    for number, issued_on in queryset.filter(canonical_number__in=numbers).values_list("canonical_number", "issued_on"):
        if issued_on and (number not in found or issued_on > found[number]):
            found[number] = issued_on
    return found
