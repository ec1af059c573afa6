"""Numbers of plans: "<number>-<type>/<issuer symbol>", restarting at 01 per type within a committee term.

- The committee term containing a date comes from `settings.QUANTRIET_COMMITTEE_TERM_STARTS`
  (ISO dates of the congresses; default every five years from 2005-10-01): "2020-2025".
- The issuer symbol is the unit's `IssuerSymbol` when configured, otherwise the default of its
  kind (tỉnh ủy "TU", huyện ủy "HU", đảng bộ "ĐU", chi bộ "CB", Trung ương "TW").
- `next_number` locks the (unit, type, term) sequence row with SELECT … FOR UPDATE inside the
  caller's transaction; the unique constraint (unit, type, term, number) is the backstop.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from quantriet.documents.numbers import format_document_number, parse_document_number

from .models import IssuerSymbol, NumberSequence

DEFAULT_TERM_STARTS = ["2005-10-01", "2010-10-01", "2015-10-01", "2020-10-01", "2025-10-01", "2030-10-01"]
KIND_SYMBOLS = {
    "trung-uong": "TW", "tinh-uy": "TU", "huyen-uy": "HU", "dang-bo-truc-thuoc-tw": "ĐU", "dang-bo-truc-thuoc": "ĐU",
    "dang-bo-xa": "ĐU", "dang-bo-co-so": "ĐU", "dang-bo-bo-phan": "ĐU", "chi-bo-co-so": "CB", "chi-bo": "CB",
    "to-dang": "TĐ",
}


def term_starts() -> list[datetime.date]:
    values = getattr(settings, "QUANTRIET_COMMITTEE_TERM_STARTS", DEFAULT_TERM_STARTS)
    return sorted(datetime.date.fromisoformat(str(v)) for v in values)


def term_for(day: datetime.date) -> str:
    """The committee term containing `day`, as "2020-2025" (before the first configured start: "…-2005")."""
    starts = term_starts()
    current = None
    for start in starts:
        if start <= day:
            current = start
    if current is None:
        return f"-{starts[0].year}"
    later = [s for s in starts if s > current]
    end = later[0].year if later else current.year + 5
    return f"{current.year}-{end}"


def issuer_symbol(unit) -> str:
    configured = IssuerSymbol.objects.filter(unit=unit).values_list("symbol", flat=True).first()
    if configured:
        return configured
    return KIND_SYMBOLS.get(unit.kind.code, "ĐU")


def validate_symbol(symbol: str) -> str:
    """The normalized symbol, or a ValidationError if "1-KH/<symbol>" is not a readable number."""
    return parse_document_number(f"1-KH/{symbol}").issuer


def next_number(unit, type_code: str, term: str) -> int:
    """Reserve the next number of `type_code` for `unit` in `term`; call inside the issuing transaction."""
    assert transaction.get_connection().in_atomic_block, "next_number must run inside the issuing transaction"
    sequence = NumberSequence.objects.select_for_update().filter(unit=unit, type_code=type_code, term=term).first()
    if sequence is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent first issue may create the row first
                NumberSequence.objects.create(unit=unit, type_code=type_code, term=term, last=0)
        except IntegrityError:
            pass
        sequence = NumberSequence.objects.select_for_update().get(unit=unit, type_code=type_code, term=term)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def canonical(number: int, type_code: str, symbol: str) -> str:
    return format_document_number(number, type_code, symbol)
