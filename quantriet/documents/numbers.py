"""Party document numbers and symbols (số và ký hiệu văn bản), DOMAIN.md §4.

The canonical form is ``<number>-<type>/<issuer>``, e.g. ``21-NQ/TW``, ``35-KH/TU``,
``24-BS/UBKTTU``. The press often writes the same document as ``21/NQ-TW`` or with the
Vietnamese spelling of the issuer ``21/NQ-TƯ``; both mean ``21-NQ/TW``.

This module is pure (no database, no Django models) so that any part of the product, such
as the article extractor, can import :func:`parse_document_number`::

    >>> parse_document_number("Nghị quyết số 21/NQ-TƯ").canonical
    '21-NQ/TW'

Numbers below 10 are written with a leading zero in party documents ("01-CT/TW"); the
canonical form keeps two digits at least, so ``1-CT/TW`` and ``01-CT/TW`` are the same
document number.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DocumentType:
    code: str  # as written in the symbol, e.g. "NQ", "QĐ", "CTr"
    name_vi: str  # Vietnamese name, used in search text and titles ("Nghị quyết")
    kinds: tuple[str, ...]  # document kinds (models.Kind values) this code may denote


#: Type codes of the symbol. The first twelve are those of DOMAIN.md §4; the rest are
#: other codes of the party's document rules (Hướng dẫn 36-HD/VPTW) and the "BS" code of
#: the DOMAIN example 24-BS/UBKTTU.
DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("NQ", "Nghị quyết", ("resolution",)),
    DocumentType("CT", "Chỉ thị", ("directive",)),
    DocumentType("KL", "Kết luận", ("conclusion",)),
    DocumentType("QĐ", "Quyết định", ("decision", "regulation")),
    DocumentType("QC", "Quy chế", ("rules",)),
    DocumentType("HD", "Hướng dẫn", ("guidance",)),
    DocumentType("KH", "Kế hoạch", ("plan",)),
    DocumentType("CTr", "Chương trình", ("programme",)),
    DocumentType("ĐA", "Đề án", ("project",)),
    DocumentType("BC", "Báo cáo", ("report",)),
    DocumentType("TB", "Thông báo", ("notice",)),
    DocumentType("CV", "Công văn", ("letter",)),
    DocumentType("QĐi", "Quy định", ("regulation",)),
    DocumentType("TT", "Thông tri", ("circular",)),
    DocumentType("TTr", "Tờ trình", ("submission",)),
    DocumentType("TC", "Thông cáo", ("communique",)),
    DocumentType("PA", "Phương án", ("project",)),
    DocumentType("BB", "Biên bản", ("minutes",)),
    DocumentType("BS", "Văn bản BS", ("other",)),
)
TYPES_BY_CODE: dict[str, DocumentType] = {t.code: t for t in DOCUMENT_TYPES}


def _key(code: str) -> str:
    """Case- and Đ-insensitive lookup key of a type code ("qđ", "QD" and "QĐ" → "QD")."""
    return _fold_ascii(code).upper()


def _fold_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


_TYPES_BY_KEY: dict[str, DocumentType] = {_key(t.code): t for t in DOCUMENT_TYPES}


@dataclass(frozen=True)
class DocumentNumber:
    number: int
    type_code: str
    issuer: str
    canonical: str

    def __str__(self) -> str:
        return self.canonical

    @property
    def press_form(self) -> str:
        """The variant the press often prints: ``21/NQ-TW``."""
        return f"{self.number:02d}/{self.type_code}-{self.issuer}"

    @property
    def document_type(self) -> DocumentType:
        return TYPES_BY_CODE[self.type_code]


class DocumentNumberError(ValidationError):
    """A number and symbol that cannot be read; ``message`` says why (translated)."""


_DASHES = re.compile(r"[\u2010-\u2015\u2212]")  # ‐ ‑ ‒ – — ― − → "-"
_SLASHES = re.compile(r"[\u2044\u2215\uff0f]")  # ⁄ ∕ ／ → "/"
_WORD = r"[^\W\d_]+"  # letters only, any script (Đ, Ư included)
_ISSUER = r"[^\W_][\w]*"  # letters and digits
# "21-NQ/TW" (canonical) and "21/NQ-TW" (press).
_CANONICAL = re.compile(rf"^(?P<number>\d+)\s*-\s*(?P<type>{_WORD})\s*/\s*(?P<issuer>{_ISSUER})$")
_PRESS = re.compile(rf"^(?P<number>\d+)\s*/\s*(?P<type>{_WORD})\s*-\s*(?P<issuer>{_ISSUER})$")
# An optional lead-in: "Nghị quyết số", "số", "Số:", "No.".
_LEAD_IN = re.compile(r"^(?P<words>\D*?)\s*(?:\b(?:số|so|no\.?)\s*:?\s*)?(?=\d)", re.IGNORECASE)
_ISSUER_MAX = 20
_NUMBER_MAX = 99999


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text))
    text = _DASHES.sub("-", text)
    text = _SLASHES.sub("/", text)
    return " ".join(text.split()).strip().rstrip(".;,")


def type_for_name(words: str) -> DocumentType | None:
    """The document type named by Vietnamese words such as "Nghị quyết" (accent-insensitive)."""
    key = _fold_ascii(" ".join(words.split())).lower()
    if not key:
        return None
    for doc_type in DOCUMENT_TYPES:
        if _fold_ascii(doc_type.name_vi).lower() == key:
            return doc_type
    return None


def normalize_issuer(issuer: str) -> str:
    """Upper-case issuer code with the Vietnamese spelling of Trung ương folded: "TƯ" → "TW"."""
    return unicodedata.normalize("NFC", issuer).upper().replace("TƯ", "TW")


def parse_document_number(text: str) -> DocumentNumber:
    """Read a party document number and symbol; raise :class:`DocumentNumberError` if invalid.

    Accepts ``21-NQ/TW``, ``21/NQ-TW``, ``21/NQ-TƯ``, ``21 - nq / tw``, ``Nghị quyết số
    21-NQ/TW``, ``Số: 21-NQ/TW``, NFD input and ``QD``/``DA`` typed without Đ. Rejects a missing
    type or issuer (``21-NQ``, ``NQ/TW``), unknown type codes, a number of zero, and a lead-in
    naming another type than the code ("Chỉ thị số 21-NQ/TW").
    """
    if text is None:
        raise DocumentNumberError(_("Enter a document number such as 21-NQ/TW."), code="required")
    value = _normalize(text)
    if not value:
        raise DocumentNumberError(_("Enter a document number such as 21-NQ/TW."), code="required")

    if re.match(r"^-\s*\d", value):
        raise DocumentNumberError(_("The document number must be 1 or more."), code="number_range")
    named_type = None
    lead = _LEAD_IN.match(value)
    if lead:
        words = lead.group("words").strip()
        if words:
            named_type = type_for_name(words)
            if named_type is None:
                raise DocumentNumberError(
                    _("“%(words)s” is not a known document type.") % {"words": words}, code="unknown_type_name"
                )
        value = value[lead.end():]

    match = _CANONICAL.match(value) or _PRESS.match(value)
    if match is None:
        if re.match(r"^\d+\s*[-/]\s*[^\W\d_]+$", value):
            raise DocumentNumberError(
                _("“%(value)s” has no issuer: write the number, the type and the issuer, as in 21-NQ/TW.")
                % {"value": value},
                code="missing_issuer",
            )
        if not value[:1].isdigit():
            raise DocumentNumberError(
                _("“%(value)s” has no number: write the number, the type and the issuer, as in 21-NQ/TW.")
                % {"value": value},
                code="missing_number",
            )
        raise DocumentNumberError(
            _("“%(value)s” is not a document number; write it as 21-NQ/TW.") % {"value": value}, code="malformed"
        )

    number = int(match.group("number"))
    if number <= 0:
        raise DocumentNumberError(_("The document number must be 1 or more."), code="number_range")
    if number > _NUMBER_MAX:
        raise DocumentNumberError(
            _("The document number must be at most %(max)d.") % {"max": _NUMBER_MAX}, code="number_range"
        )

    doc_type = _TYPES_BY_KEY.get(_key(match.group("type")))
    if doc_type is None:
        raise DocumentNumberError(
            _("“%(code)s” is not a known document type code (NQ, CT, KL, QĐ, QC, HD, KH, CTr, ĐA, BC, TB, CV …).")
            % {"code": match.group("type")},
            code="unknown_type",
        )
    if named_type is not None and named_type.code != doc_type.code and not set(named_type.kinds) & set(doc_type.kinds):
        raise DocumentNumberError(
            _("The words “%(name)s” do not match the type code %(code)s.")
            % {"name": named_type.name_vi, "code": doc_type.code},
            code="type_mismatch",
        )

    issuer = normalize_issuer(match.group("issuer"))
    if len(issuer) > _ISSUER_MAX or not re.fullmatch(r"[^\W\d_][^\W_]*", issuer):
        raise DocumentNumberError(
            _("“%(issuer)s” is not an issuer code (such as TW, TU, UBKTTU, BCSĐ).") % {"issuer": issuer},
            code="bad_issuer",
        )
    canonical = f"{number:02d}-{doc_type.code}/{issuer}"
    return DocumentNumber(number=number, type_code=doc_type.code, issuer=issuer, canonical=canonical)


def try_parse_document_number(text: str) -> DocumentNumber | None:
    """Like :func:`parse_document_number` but answers None for text that is not a number."""
    try:
        return parse_document_number(text)
    except DocumentNumberError:
        return None


def format_document_number(number: int, type_code: str, issuer: str) -> str:
    """The canonical form of already-validated parts."""
    return f"{number:02d}-{type_code}/{issuer}"


#: Finds candidate numbers inside running text (for extractors): both word orders.
NUMBER_IN_TEXT = re.compile(
    r"\b\d{1,5}\s*(?:-\s*[^\W\d_]{1,4}\s*/\s*[^\W_]{1,20}|/\s*[^\W\d_]{1,4}\s*-\s*[^\W_]{1,20})", re.UNICODE
)


def find_document_numbers(text: str) -> list[DocumentNumber]:
    """Every valid document number mentioned in a text, in order, without duplicates."""
    found: list[DocumentNumber] = []
    seen: set[str] = set()
    for match in NUMBER_IN_TEXT.finditer(unicodedata.normalize("NFC", text or "")):
        parsed = try_parse_document_number(match.group(0))
        if parsed is not None and parsed.canonical not in seen:
            seen.add(parsed.canonical)
            found.append(parsed)
    return found
