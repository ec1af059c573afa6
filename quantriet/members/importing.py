"""Import of party members from .xlsx, .xls and .csv files (DOMAIN.md §3, §6, §7).

Two steps: `MemberImporter.preview()` reads and checks every row and writes nothing;
`MemberImporter.commit()` does the same inside one transaction and writes each chunk of rows
through the bulk member action (`actions.MemberBulkWriter`, the engine of `import_members`: the
permission, validation, periods, unit counters and audit of `create_member` / `update_member`
in a few statements per chunk), so one bad row anywhere leaves the registry untouched. A row
whose party card number is already registered updates that member instead of creating a duplicate.

Cells are cleaned on the way in: NFC normalization, stray and invisible spaces, text typed in
the legacy TCVN3 (ABC) or VNI encodings (detected and converted, and reported per row), dates
in dd/mm/yyyy, d/m/yy, yyyy-mm-dd or as Excel serial numbers, numbers that lost their leading
zeros in Excel. Files are read row by row (python-calamine for spreadsheets, the csv module for
text), in chunks, so memory stays bounded whatever the file's length.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.accounts import access
from quantriet.core.actions import ActionDenied
from quantriet.core.text import fold, nfc
from quantriet.units.models import Unit

from . import actions
from .models import Member, Status

# --------------------------------------------------------------------------------------------
# The template's columns
# --------------------------------------------------------------------------------------------

#: (header, field) in the template's order. The header texts are the file format: not translated.
COLUMNS = [
    ("Họ và tên", "full_name"),
    ("Ngày sinh", "birth_date"),
    ("Giới tính", "gender"),
    ("Dân tộc", "ethnicity"),
    ("Tôn giáo", "religion"),
    ("Số thẻ đảng viên", "card_number"),
    ("Số lý lịch", "record_number"),
    ("Ngày vào Đảng", "admission_date"),
    ("Ngày chính thức", "official_date"),
    ("Chi bộ", "unit"),
    ("Số CCCD", "citizen_id"),
    ("Điện thoại", "phone"),
    ("Email", "email"),
    ("Chức vụ", "positions"),
]
HEADERS = [header for header, _field in COLUMNS]
HEADER_OF = {field: header for header, field in COLUMNS}
REQUIRED = ("full_name", "birth_date", "gender", "card_number", "admission_date", "unit")
#: Columns an export adds; an exported file imports back as it is.
UNIT_CODE_HEADER = "Mã chi bộ"
STATUS_HEADER = "Trạng thái"
EXTRA_COLUMNS = [(UNIT_CODE_HEADER, "unit_code"), (STATUS_HEADER, "status"), ("STT", "row_label")]
_FIELD_BY_FOLDED_HEADER = {fold(header): field for header, field in COLUMNS + EXTRA_COLUMNS}
TEXT_FIELDS_WITH_LEGACY = ("full_name", "ethnicity", "religion", "unit", "positions")
HEADER_SCAN_ROWS = 20
MAX_ISSUE_ROWS = 5000  # rows with errors or warnings kept for the preview; the counts cover all
CHUNK_ROWS = 500

# --------------------------------------------------------------------------------------------
# Legacy Vietnamese encodings: TCVN3 (ABC, ".VnTime" fonts) and VNI ("VNI-Times" fonts)
#
# Text typed with those fonts reaches a Unicode spreadsheet as the Windows-1252 characters of
# its bytes ("NguyÔn V¨n S¬n", "Nguyeãn Vaên Sôn"). The tables map those characters back.
# --------------------------------------------------------------------------------------------

# TCVN 5712:1993 VN3 (the "ABC" fonts): lower-case letters plus seven upper-case ones; upper-case
# toned letters came from separate ".VnTimeH" fonts that reuse the lower-case codes.
TCVN3_TO_UNICODE = {
    "\u00a1": "Ă", "\u00a2": "Â", "\u00a3": "Ê", "\u00a4": "Ô", "\u00a5": "Ơ", "\u00a6": "Ư", "\u00a7": "Đ",
    "\u00a8": "ă", "\u00a9": "â", "\u00aa": "ê", "\u00ab": "ô", "\u00ac": "ơ", "\u00ad": "ư", "\u00ae": "đ",
    "\u00b5": "à", "\u00b6": "ả", "\u00b7": "ã", "\u00b8": "á", "\u00b9": "ạ",
    "\u00bb": "ằ", "\u00bc": "ẳ", "\u00bd": "ẵ", "\u00be": "ắ", "\u00c6": "ặ",
    "\u00c7": "ầ", "\u00c8": "ẩ", "\u00c9": "ẫ", "\u00ca": "ấ", "\u00cb": "ậ",
    "\u00cc": "è", "\u00ce": "ẻ", "\u00cf": "ẽ", "\u00d0": "é", "\u00d1": "ẹ",
    "\u00d2": "ề", "\u00d3": "ể", "\u00d4": "ễ", "\u00d5": "ế", "\u00d6": "ệ",
    "\u00d7": "ì", "\u00d8": "ỉ", "\u00dc": "ĩ", "\u00dd": "í", "\u00de": "ị",
    "\u00df": "ò", "\u00e1": "ỏ", "\u00e2": "õ", "\u00e3": "ó", "\u00e4": "ọ",
    "\u00e5": "ồ", "\u00e6": "ổ", "\u00e7": "ỗ", "\u00e8": "ố", "\u00e9": "ộ",
    "\u00ea": "ờ", "\u00eb": "ở", "\u00ec": "ỡ", "\u00ed": "ớ", "\u00ee": "ợ",
    "\u00ef": "ù", "\u00f1": "ủ", "\u00f2": "ũ", "\u00f3": "ú", "\u00f4": "ụ",
    "\u00f5": "ừ", "\u00f6": "ử", "\u00f7": "ữ", "\u00f8": "ứ", "\u00f9": "ự",
    "\u00fa": "ỳ", "\u00fb": "ỷ", "\u00fc": "ỹ", "\u00fd": "ý", "\u00fe": "ỵ",
}
UNICODE_TO_TCVN3 = {v: k for k, v in TCVN3_TO_UNICODE.items()}
for _char, _code in list(UNICODE_TO_TCVN3.items()):
    # Upper-case toned letters were typed with the same codes in a capitals-only font.
    UNICODE_TO_TCVN3.setdefault(_char.upper(), _code)
_TCVN3_TABLE = str.maketrans(TCVN3_TO_UNICODE)
_TCVN3_INVERSE = str.maketrans(UNICODE_TO_TCVN3)
#: TCVN3 codes that are not letters in Unicode (¨ ¬ ­ ®, …): never part of ordinary Vietnamese text.
_TCVN3_SYMBOLS = frozenset(ch for ch in TCVN3_TO_UNICODE if not unicodedata.category(ch).startswith("L"))
_CAPITALS_WORD = re.compile(r"\S+")

_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"


def _build_vni() -> dict[str, str]:
    """VNI-Windows: a base letter followed by mark characters (per case), a few single characters."""
    table: dict[str, str] = {}
    tone_marks = {_ACUTE: ("ù", "Ù"), _GRAVE: ("ø", "Ø"), _HOOK: ("û", "Û"), _TILDE: ("õ", "Õ"), _DOT: ("ï", "Ï")}
    breve = {"": ("ê", "Ê"), _ACUTE: ("é", "É"), _GRAVE: ("è", "È"), _HOOK: ("ú", "Ú"), _TILDE: ("ü", "Ü"), _DOT: ("ë", "Ë")}
    circumflex = {"": ("â", "Â"), _ACUTE: ("á", "Á"), _GRAVE: ("à", "À"), _HOOK: ("å", "Å"), _TILDE: ("ã", "Ã"), _DOT: ("ä", "Ä")}

    def put(sequence: str, base: str, marks: str) -> None:
        table[sequence] = unicodedata.normalize("NFC", base + marks)

    for case, (a, e, o, u, y) in enumerate([("a", "e", "o", "u", "y"), ("A", "E", "O", "U", "Y")]):
        for letter in (a, e, o, u, y):
            for tone, marks in tone_marks.items():
                put(letter + marks[case], letter, tone)
        for tone, marks in breve.items():
            put(a + marks[case], a, _BREVE + tone)
        for letter in (a, e, o):
            for tone, marks in circumflex.items():
                put(letter + marks[case], letter, _CIRCUMFLEX + tone)
        horn_o, horn_u = ("ô", "ö") if case == 0 else ("Ô", "Ö")
        for horn, base in ((horn_o, o), (horn_u, u)):
            put(horn, base, _HORN)
            for tone, marks in tone_marks.items():
                put(horn + marks[case], base, _HORN + tone)
    # i and the dot-below y are single characters; đ too.
    for lower, upper, tone in (("í", "Í", _ACUTE), ("ì", "Ì", _GRAVE), ("æ", "Æ", _HOOK), ("ó", "Ó", _TILDE), ("ò", "Ò", _DOT)):
        put(lower, "i", tone)
        put(upper, "I", tone)
    put("î", "y", _DOT)
    put("Î", "Y", _DOT)
    table["ñ"] = "đ"
    table["Ñ"] = "Đ"
    # "yû"-style sequences stand; the plain "ý"/"Ý" never occur in VNI text.
    return table


VNI_TO_UNICODE = _build_vni()
UNICODE_TO_VNI = {}
for _seq, _char in sorted(VNI_TO_UNICODE.items(), key=lambda item: len(item[0])):
    UNICODE_TO_VNI.setdefault(_char, _seq)
_VNI_PATTERN = re.compile("|".join(re.escape(s) for s in sorted(VNI_TO_UNICODE, key=len, reverse=True)))
_VNI_INVERSE_PATTERN = re.compile("|".join(re.escape(c) for c in sorted(UNICODE_TO_VNI, key=len, reverse=True)))


def _capitals(original: str, converted: str) -> str:
    # A word typed in a capitals font ("NGUYÔN") has upper-case ASCII letters around lower-case codes.
    def fix(match):
        word = match.group(0)
        letters = [ch for ch in word if ch.isascii() and ch.isalpha()]
        return word.upper() if len(letters) >= 2 and all(ch.isupper() for ch in letters) else word
    return _CAPITALS_WORD.sub(fix, converted)


def from_tcvn3(text: str) -> str:
    return _capitals(text, unicodedata.normalize("NFC", text.translate(_TCVN3_TABLE)))


def to_tcvn3(text: str) -> str:
    """Unicode → TCVN3 characters (for tests and fixtures); upper-case toned letters stay as they are."""
    return unicodedata.normalize("NFC", text).translate(_TCVN3_INVERSE)


def from_vni(text: str) -> str:
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(lambda m: VNI_TO_UNICODE[m.group(0)], text))


def to_vni(text: str) -> str:
    return _VNI_INVERSE_PATTERN.sub(lambda m: UNICODE_TO_VNI[m.group(0)], unicodedata.normalize("NFC", text))


# A Vietnamese syllable: onset, a vowel nucleus (with its glides), a final consonant, one tone mark on
# the vowel that orthography puts it on. Used only to score text, so it errs on the side of accepting.
_ONSETS = "ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x".split()
#: Nuclei that may stand without a final consonant, those that may take one, and those that must.
_OPEN_ONLY = "ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ua ưa iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyu uơ".split()
_OPEN_OR_CLOSED = "a e ê i o ô ơ u ư y oa oe uê uy".split()
_CLOSED_ONLY = "ă â oă uâ iê yê uô ươ uyê oo".split()
_RARE_NUCLEI = {"oo", "uơ", "oao", "oeo", "uyu", "oă"}
_FINALS = "ng nh ch c m n p t".split()


def _alternatives(items):
    return "|".join(sorted(items, key=len, reverse=True))


_SYLLABLE = re.compile(
    "^(%s)?(%s)(%s)?$" % (
        _alternatives(_ONSETS), _alternatives(_OPEN_ONLY + _OPEN_OR_CLOSED + _CLOSED_ONLY), _alternatives(_FINALS)
    )
)
_OPEN_ONLY_SET, _CLOSED_ONLY_SET = set(_OPEN_ONLY), set(_CLOSED_ONLY)
_TONE_MARKS = {_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT}
_MARKED_VOWELS = set("ăâêôơư")
_WORD = re.compile(r"[^\W\d_]+")
_VIETNAMESE_LETTERS = set("abcdefghijklmnopqrstuvwxyzđ")


def _split_tone(word: str) -> tuple[str, int | None, int]:
    """(the word without tone marks, index of the toned letter or None, number of tone marks)."""
    letters, toned, count = [], None, 0
    for index, char in enumerate(word):
        parts = unicodedata.normalize("NFD", char)
        tones = [m for m in parts if m in _TONE_MARKS]
        if tones:
            toned, count = index, count + len(tones)
        letters.append(unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONE_MARKS)))
    return "".join(letters), toned, count


@functools.lru_cache(maxsize=65536)
def _word_cost(word: str) -> float:
    """0 for a possible Vietnamese (or plain Latin) word, 0.5 for a rare one, 1 for an impossible one."""
    if word.isascii():
        return 0  # plain letters: abbreviations (BCH, UBND), foreign and minority names
    if word.isupper() and word.replace("Đ", "D").isascii():
        return 0  # abbreviations with Đ (HĐND, QĐ)
    if len(word) == 1 and unicodedata.normalize("NFD", word.lower())[0] in _VIETNAMESE_LETTERS:
        return 0  # a letter on its own
    if word[1:] != word[1:].lower() and word != word.upper():
        return 1  # "NguyÔn": a capital in the middle of a word
    bare, toned, tones = _split_tone(word.lower())
    if tones > 1 or any(unicodedata.normalize("NFD", ch)[0] not in _VIETNAMESE_LETTERS for ch in bare):
        return 1
    match = _SYLLABLE.match(bare)
    if not match:
        return 1
    onset, nucleus, final = match.group(1) or "", match.group(2), match.group(3) or ""
    if (final and nucleus in _OPEN_ONLY_SET) or (not final and nucleus in _CLOSED_ONLY_SET):
        return 1
    if toned is not None:
        position = toned - len(onset)
        marked = [i for i, ch in enumerate(nucleus) if ch in _MARKED_VOWELS]
        if marked:
            allowed = {marked[-1]}
        elif final or len(nucleus) == 1:
            allowed = {len(nucleus) - 1}
        elif len(nucleus) == 2:
            allowed = {0, 1} if nucleus in ("oa", "oe", "uy") else {0}
        else:
            allowed = {1}
        if position not in allowed:
            return 1
    return 0.5 if nucleus in _RARE_NUCLEI else 0


def foreign_word_count(text: str) -> float:
    """How far `text` is from Vietnamese: impossible words count 1, rare ones ½ (the detector's score)."""
    score = 0.0
    for match in _WORD.finditer(text):
        score += _word_cost(match.group(0))
    # TCVN3 codes that are symbols rather than letters (¨ ¬ ­ ®, …) count too.
    score += sum(1 for ch in text if ch in _TCVN3_SYMBOLS)
    return score


LEGACY_CONVERTERS = {"TCVN3": from_tcvn3, "VNI": from_vni}
_LEGACY_CHARS = frozenset(TCVN3_TO_UNICODE) | frozenset(ch for seq in VNI_TO_UNICODE for ch in seq if not ch.isascii())
#: The non-ASCII characters each legacy encoding's text is made of.
LEGACY_ALPHABETS = {
    "TCVN3": frozenset(TCVN3_TO_UNICODE),
    "VNI": frozenset(ch for seq in VNI_TO_UNICODE for ch in seq if not ch.isascii()),
}


def is_clearly_unicode(text: str) -> bool:
    """Text with a character no legacy encoding produces (ễ, ư, ạ …) was typed in Unicode."""
    return any(not ch.isascii() and ch not in _LEGACY_CHARS for ch in text)


def dominant_legacy_encoding(texts) -> str | None:
    """The legacy encoding most non-ASCII texts of a sample are in, if they clearly are.

    A file typed with .VnTime or VNI-Times fonts is so throughout; some of its cells are
    ambiguous on their own ("Vò Minh Dòng" is TCVN3 for "Vũ Minh Dũng" and valid Unicode too).
    """
    counts = {"TCVN3": 0, "VNI": 0, None: 0}
    non_ascii = 0
    for text in texts:
        if not text or text.isascii():
            continue
        non_ascii += 1
        counts[repair_legacy(text)[1]] += 1
    best = max(("TCVN3", "VNI"), key=lambda name: counts[name])
    if counts[best] and counts[best] * 2 >= non_ascii:
        return best
    return None


def repair_legacy(text: str, dominant: str | None = None) -> tuple[str, str | None]:
    """Detect TCVN3 or VNI text and convert it: (text, "TCVN3" | "VNI" | None).

    A candidate conversion is kept only when it leaves fewer impossible words than the original
    and none that are impossible because of the conversion, so genuine Unicode text, including
    minority names and abbreviations, is left alone.
    """
    if text.isascii():
        return text, None
    original = foreign_word_count(text)
    best, best_score, best_name = text, original, None
    # On a tie the file's dominant encoding wins.
    order = sorted(LEGACY_CONVERTERS.items(), key=lambda item: item[0] != dominant)
    for name, convert in order:
        if original == 0:
            break
        candidate = convert(text)
        if candidate == text:
            continue
        score = foreign_word_count(candidate)
        if score < best_score:
            best, best_score, best_name = candidate, score, name
    if best_name is None and dominant and all(ch.isascii() or ch in LEGACY_ALPHABETS[dominant] for ch in text):
        candidate = LEGACY_CONVERTERS[dominant](text)
        if candidate != text and foreign_word_count(candidate) <= original:
            return candidate, dominant
    return best, best_name


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------

class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, corrupt, no header row)."""


XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_kind(head: bytes) -> str | None:
    """'xlsx', 'xls' or 'csv' from the first bytes of a file (not its name); None when none fits."""
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        return "xls"
    if not head:
        return None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return "csv"
    sample = head[:4096]
    if b"\x00" in sample:
        # UTF-16 without BOM: every other byte of ASCII text is zero.
        zeros = sample.count(b"\x00")
        return "csv" if zeros * 3 >= len(sample) else None
    # A text file: no control characters other than tab, CR, LF (and the legacy 0x80-0x9F range).
    if any(byte < 9 or 13 < byte < 32 and byte != 26 for byte in sample):
        return None
    return "csv"


def _detect_text_encoding(path: Path) -> tuple[str, str]:
    """(codec, note) for a CSV file: UTF-8 (with or without BOM), UTF-16, Windows-1258 or -1252."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le", "UTF-16"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be", "UTF-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    # A legacy 8-bit file. Windows-1258 (Vietnamese, with combining tone marks) or Windows-1252
    # (whose characters then carry TCVN3 or VNI text, converted cell by cell): keep the reading
    # that leaves fewer impossible words.
    with open(path, "rb") as handle:
        sample = handle.read(256 * 1024)
    candidates = []
    for codec, note in (("cp1258", "Windows-1258"), ("cp1252", "Windows-1252"), ("latin-1", "Windows-1252")):
        try:
            text = unicodedata.normalize("NFC", sample.decode(codec))
        except UnicodeDecodeError:
            continue
        if codec == "cp1258":
            score = foreign_word_count(text)
        else:
            score = sum(foreign_word_count(repair_legacy(line)[0]) for line in text.splitlines())
        candidates.append((score, codec, note))
    score, codec, note = min(candidates, key=lambda c: c[0])
    return codec, note


class Table:
    """The rows of the first sheet (or CSV) that has the template's header row."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as handle:
            head = handle.read(8192)
        self.kind = sniff_kind(head)
        self.encoding_note = ""
        if self.kind is None:
            raise ImportFileError(_("This is not an .xlsx, .xls or .csv file."))
        self._sheet = None
        self._workbook = None
        if self.kind in ("xlsx", "xls"):
            from python_calamine import CalamineWorkbook

            try:
                self._workbook = CalamineWorkbook.from_path(str(self.path))
            except Exception as error:  # calamine raises its own errors for corrupt files
                raise ImportFileError(_("The spreadsheet cannot be read: %(error)s") % {"error": str(error)[:200]})
        else:
            self._codec, self.encoding_note = _detect_text_encoding(self.path)

    def _csv_rows(self):
        with open(self.path, "r", encoding=self._codec, newline="") as handle:
            first = ""
            while not first.strip():
                first = handle.readline()
                if not first:
                    return
            counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
            delimiter = max(counts, key=counts.get)
            handle.seek(0)
            if self._codec == "utf-8-sig":
                handle.read(0)
            yield from csv.reader(handle, delimiter=delimiter)

    def sheets(self):
        """Iterators over the rows of each sheet (one for a CSV file)."""
        if self._workbook is None:
            yield "csv", self._csv_rows, None
            return
        for index, meta in enumerate(self._workbook.sheets_metadata):
            if str(meta.typ).endswith("WorkSheet"):
                try:
                    sheet = self._workbook.get_sheet_by_index(index)
                except Exception as error:
                    raise ImportFileError(_("The spreadsheet cannot be read: %(error)s") % {"error": str(error)[:200]})
                yield meta.name, sheet.iter_rows, sheet.height


def _header_map(row) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        text = nfc(str(value)) if value not in (None, "") else ""
        field = _FIELD_BY_FOLDED_HEADER.get(fold(text))
        if field is None and text and not text.isascii():
            # Headers are a closed vocabulary: try each legacy reading ("Chi bé" is TCVN3 for "Chi bộ").
            for convert in LEGACY_CONVERTERS.values():
                field = _FIELD_BY_FOLDED_HEADER.get(fold(convert(text)))
                if field:
                    break
        if field and field not in found:
            found[field] = index
    if "full_name" in found and len(found) >= 3:
        return found
    return None


def count_data_rows(path: Path) -> int:
    """Rows under the header that are not empty (the total for the progress bar)."""
    table = Table(path)
    header, rows, _height = _find_header(table)
    return sum(1 for _number, row in rows if any(str(v).strip() for v in row if v is not None))


def _find_header(table: Table):
    """(column map, iterator of (row number, cells) after the header, rough total)."""
    for _name, make_rows, height in table.sheets():
        iterator = make_rows()
        for number, row in enumerate(iterator, start=1):
            header = _header_map(row)
            if header is not None:
                rows = ((n, r) for n, r in enumerate(iterator, start=number + 1))
                return header, rows, (height - number if height else None)
            if number >= HEADER_SCAN_ROWS:
                break
    raise ImportFileError(
        _("No header row found: the first rows must hold the column names of the template (%(headers)s).")
        % {"headers": ", ".join(HEADERS)}
    )


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.0+)?$")


def cell_text(value) -> str:
    """A cell as clean text: NFC, single spaces, no invisible characters, integral floats as integers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if not value.time() else value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    text = nfc(_INVISIBLE.sub("", str(value)))
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]  # a cell neutralized against formula injection by an export
    return text


def _year_for(two_digits: int, max_year: int) -> int:
    year = 2000 + two_digits
    return year if year <= max_year else 1900 + two_digits


def parse_date(value, *, max_year: int | None = None) -> tuple[datetime.date | None, str | None]:
    """(date, None) or (None, error). Accepts dates, Excel serial numbers and dd/mm/yyyy, d/m/yy, yyyy-mm-dd.

    Two-digit years take the century that keeps the year at or before `max_year` (this year by default):
    a date of birth or admission is in the past.
    """
    max_year = max_year or timezone.localdate().year
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    text = cell_text(value)
    if not text:
        return None, None
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year = _year_for(year, max_year)
        return _make_date(year, month, day, text)
    match = _YMD.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    if _SERIAL.match(text):
        return _from_serial(float(text))
    return None, _("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": text}


def _make_date(year, month, day, text):
    try:
        return datetime.date(year, month, day), None
    except ValueError:
        return None, _("“%(value)s” is not a valid date.") % {"value": text}


def _from_serial(number: float):
    if not 1 <= number < 2958466:
        return None, _("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": cell_text(number)}
    return _EXCEL_EPOCH + datetime.timedelta(days=int(number)), None


_GENDERS = {"nam": "male", "male": "male", "m": "male", "nu": "female", "female": "female", "f": "female"}


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class UnitRef:
    pk: int
    code: str
    name: str
    path: str


class UnitResolver:
    """Finds a row's unit by code or by its name as shown in the tree (accent-insensitive).

    Only current units the importing user may edit members of are candidates.
    """

    def __init__(self, user):
        scope = access.scope_paths(user, access.EDIT_MEMBERS)
        units = Unit.objects.valid_on().under_paths(scope).values_list("pk", "code", "name", "name_folded", "path")
        self.by_code: dict[str, UnitRef] = {}
        self.by_name: dict[str, list[UnitRef]] = defaultdict(list)
        for pk, code, name, folded, path in units.iterator(chunk_size=5000):
            ref = UnitRef(pk, code, name, path)
            self.by_code[code.casefold()] = ref
            self.by_name[folded].append(ref)
        self._cache: dict[str, tuple[UnitRef | None, str | None]] = {}

    def resolve(self, text: str) -> tuple[UnitRef | None, str | None]:
        if text not in self._cache:
            self._cache[text] = self._resolve(text)
        return self._cache[text]

    def _resolve(self, text: str):
        ref = self.by_code.get(text.casefold())
        if ref:
            return ref, None
        matches = self.by_name.get(fold(text), [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            codes = ", ".join(sorted(m.code for m in matches)[:5])
            return None, _("“%(value)s” names several units (codes %(codes)s): write the unit's code.") % {
                "value": text, "codes": codes,
            }
        folded = fold(text)
        keys = {name: refs[0] for name, refs in self.by_name.items()}
        keys.update({code: ref for code, ref in self.by_code.items()})
        close = difflib.get_close_matches(folded, list(keys), n=6, cutoff=0.5)
        close.sort(key=lambda key: (-difflib.SequenceMatcher(None, folded, key).ratio(), key))
        refs = list(dict.fromkeys(keys[key] for key in close))[:3]
        if refs:
            names = "; ".join(f"{ref.name} ({ref.code})" for ref in refs)
            return None, _("Unknown unit “%(value)s” (or not one you may edit). Closest: %(names)s.") % {
                "value": text, "names": names,
            }
        return None, _("Unknown unit “%(value)s” (or not one you may edit).") % {"value": text}


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class RowResult:
    row: int
    name: str = ""
    card: str = ""
    citizen_id: str = ""
    action: str = ""  # "create" or "update" once the row is valid
    errors: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    converted: dict = dataclasses.field(default_factory=dict)  # header → "TCVN3" | "VNI"
    fields: dict = dataclasses.field(default_factory=dict)
    positions: list | None = None
    unit: UnitRef | None = None
    member: Member | None = None

    def error(self, field: str | None, message: str) -> None:
        self.errors.append(f"{HEADER_OF.get(field, field)}: {message}" if field else message)

    def warn(self, field: str | None, message: str) -> None:
        self.warnings.append(f"{HEADER_OF.get(field, field)}: {message}" if field else message)

    def as_issue(self) -> dict:
        return {
            "row": self.row, "name": self.name, "card": self.card, "action": self.action,
            "errors": self.errors, "warnings": self.warnings,
        }


@dataclasses.dataclass
class ImportReport:
    total_rows: int = 0
    create_count: int = 0
    update_count: int = 0
    error_rows: int = 0
    warning_rows: int = 0
    converted_rows: int = 0
    file_errors: list = dataclasses.field(default_factory=list)
    issues: list = dataclasses.field(default_factory=list)
    issues_omitted: int = 0
    encoding_note: str = ""
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.error_rows

    def as_json(self) -> dict:
        return {"file": self.file_errors, "rows": self.issues, "rows_omitted": self.issues_omitted}

    def add(self, result: RowResult) -> None:
        self.total_rows += 1
        if result.errors:
            self.error_rows += 1
        elif result.action == "create":
            self.create_count += 1
        elif result.action == "update":
            self.update_count += 1
        if result.warnings:
            self.warning_rows += 1
        if result.converted:
            self.converted_rows += 1
        if result.errors or result.warnings:
            if len(self.issues) < MAX_ISSUE_ROWS:
                self.issues.append(result.as_issue())
            else:
                self.issues_omitted += 1


class _Rollback(Exception):
    pass


class MemberImporter:
    """Reads one member file and previews or commits it for `user`.

    `default_unit` (a Unit) is used for rows whose unit cells are empty. `progress(done, total)`
    is called after each chunk of rows.
    """

    def __init__(self, path, *, user, default_unit: Unit | None = None, progress=None, chunk_size: int = CHUNK_ROWS):
        self.path = Path(path)
        self.user = user
        self.progress = progress
        self.chunk_size = chunk_size
        self.default_unit = None
        if default_unit is not None:
            self.default_unit = UnitRef(default_unit.pk, default_unit.code, default_unit.name, default_unit.path)
        self.today = timezone.localdate()

    # -- public -------------------------------------------------------------------------------

    def preview(self) -> ImportReport:
        """Check every row; write nothing."""
        report = ImportReport()
        self._run(report, write=False)
        return report

    def commit(self) -> ImportReport:
        """Check and write every row in one transaction; any error leaves the registry untouched."""
        report = ImportReport()
        try:
            with transaction.atomic():
                self._writer = actions.MemberBulkWriter(acting_user=self.user, today=self.today)
                self._run(report, write=True)
                if not report.ok:
                    raise _Rollback
                self._record_summary(report)
        except _Rollback:
            report.committed = False
            return report
        report.committed = True
        return report

    # -- the pass over the file ---------------------------------------------------------------

    def _run(self, report: ImportReport, *, write: bool) -> None:
        try:
            table = Table(self.path)
            report.encoding_note = table.encoding_note
            header, rows, total = _find_header(table)
        except ImportFileError as error:
            report.file_errors.append(str(error))
            return
        missing = [HEADER_OF[f] for f in REQUIRED if f not in header and not (f == "unit" and self._unit_optional(header))]
        if missing:
            report.file_errors.append(_("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)})
            return
        self.header = header
        self.resolver = UnitResolver(self.user)
        self.seen_cards: dict[str, int] = {}
        self.seen_ids: dict[str, int] = {}
        self.dominant: str | None | bool = False
        if total is None and self.progress:
            total = count_data_rows(self.path)
        total = total or 0
        chunk: list[tuple[int, list]] = []
        done = 0
        for number, cells in rows:
            if not any(cell_text(v) for v in cells):
                continue
            chunk.append((number, cells))
            if len(chunk) >= self.chunk_size:
                done += self._process_chunk(chunk, report, write=write)
                chunk = []
                self._report_progress(done, max(total, done))
        if chunk:
            done += self._process_chunk(chunk, report, write=write)
        self._report_progress(done, done)

    def _unit_optional(self, header) -> bool:
        return self.default_unit is not None or "unit_code" in header

    def _report_progress(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)

    def _process_chunk(self, chunk, report: ImportReport, *, write: bool) -> int:
        if self.dominant is False:  # decided on the first chunk of the file
            self.dominant = dominant_legacy_encoding(
                cell_text(self._cell(cells, field)) for _n, cells in chunk for field in TEXT_FIELDS_WITH_LEGACY
            )
        results = [self._parse(number, cells) for number, cells in chunk]
        self._check_against_registry(results)
        if write and report.ok and not any(result.errors for result in results):
            self._write(results)
        for result in results:
            report.add(result)
        return len(results)

    # -- one row ------------------------------------------------------------------------------

    def _cell(self, cells, field):
        index = self.header.get(field)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def _text(self, result: RowResult, cells, field, dominant=None) -> str:
        text = cell_text(self._cell(cells, field))
        if text and field in TEXT_FIELDS_WITH_LEGACY:
            repaired, encoding = repair_legacy(text, dominant)
            if encoding:
                result.converted[HEADER_OF[field]] = encoding
                text = nfc(repaired)
        return text

    def _parse(self, number: int, cells) -> RowResult:
        result = RowResult(row=number)
        values = {}
        # The file's dominant legacy encoding settles ambiguous cells, except in rows typed in Unicode.
        dominant = self.dominant or None
        if dominant and any(is_clearly_unicode(cell_text(self._cell(cells, f))) for f in TEXT_FIELDS_WITH_LEGACY):
            dominant = None
        for field in ("full_name", "gender", "ethnicity", "religion", "record_number", "unit", "email", "positions", "unit_code"):
            values[field] = self._text(result, cells, field, dominant)
        result.name = values["full_name"]
        for field in REQUIRED:
            if field == "unit":
                continue
            if field in self.header and not cell_text(self._cell(cells, field)):
                result.error(field, _("This column is required."))

        fields = result.fields
        if values["full_name"]:
            if len(values["full_name"].split(" ")) < 2:
                result.error("full_name", _("Enter the full name: family name and given name."))
            fields["full_name"] = values["full_name"]
        if values["gender"]:
            gender = _GENDERS.get(fold(values["gender"]))
            if gender is None:
                result.error("gender", _("“%(value)s” is not a gender: write Nam or Nữ.") % {"value": values["gender"]})
            else:
                fields["gender"] = gender
        for field in ("ethnicity", "religion", "record_number", "email"):
            if values[field]:
                fields[field] = values[field]

        # Dates
        for field, max_year in (("birth_date", self.today.year - 16), ("admission_date", self.today.year),
                                ("official_date", self.today.year)):
            raw = self._cell(cells, field)
            if cell_text(raw):
                day, error = parse_date(raw, max_year=max_year)
                if error:
                    result.error(field, error)
                elif day:
                    fields[field] = day

        # Numbers that Excel may have stored as numbers (and so lost their leading zeros)
        result.card = self._digits(result, cells, "card_number", 8)
        if result.card:
            fields["card_number"] = result.card
        result.citizen_id = self._digits(result, cells, "citizen_id", 12)
        if result.citizen_id:
            fields["citizen_id"] = result.citizen_id
        phone_raw = self._cell(cells, "phone")
        phone = cell_text(phone_raw)
        if phone:
            if isinstance(phone_raw, (int, float)) and not phone.startswith("0") and len(phone) == 9:
                phone = "0" + phone
                result.warn("phone", _("The leading zero lost by the spreadsheet was restored."))
            fields["phone"] = phone

        if values["positions"]:
            titles = [nfc(t) for chunk in values["positions"].splitlines() for t in chunk.split(";")]
            result.positions = [t for t in titles if t]
            for title in result.positions:
                if len(title) > 200:
                    result.error("positions", _("A position may have at most 200 characters."))
                    break

        # Unit: the code column of an export, else the unit column (code or name), else the default.
        if values["unit_code"] or values["unit"]:
            ref, error = self.resolver.resolve(values["unit_code"] or values["unit"])
            if error:
                result.error("unit", error)
            result.unit = ref
        elif self.default_unit is not None:
            result.unit = self.default_unit
        else:
            result.error("unit", _("This column is required."))

        for header, encoding in result.converted.items():
            result.warnings.append(_("%(column)s: converted from %(encoding)s.") % {"column": header, "encoding": encoding})
        return result

    def _digits(self, result: RowResult, cells, field: str, length: int) -> str:
        raw = self._cell(cells, field)
        text = cell_text(raw).replace(" ", "")
        if not text:
            return ""
        if isinstance(raw, (int, float)) and text.isdigit() and len(text) < length:
            text = text.zfill(length)
            result.warn(field, _("The leading zeros lost by the spreadsheet were restored."))
        if not (text.isdigit() and len(text) == length):
            if field == "card_number":
                result.error(field, _("The party card number must be exactly 8 digits."))
            else:
                result.error(field, _("The citizen ID (CCCD) must be exactly 12 digits."))
            return ""
        return text

    # -- against the registry and the rest of the file -----------------------------------------

    def _check_against_registry(self, results: list[RowResult]) -> None:
        cards = [r.card for r in results if r.card]
        ids = [r.citizen_id for r in results if r.citizen_id]
        existing = {m.card_number: m for m in Member.objects.filter(card_number__in=cards).select_related("unit")}
        id_owner = dict(Member.objects.filter(citizen_id__in=ids).values_list("citizen_id", "card_number")) if ids else {}
        for result in results:
            if result.card:
                first = self.seen_cards.setdefault(result.card, result.row)
                if first != result.row:
                    result.error("card_number", _("The card number %(card)s already appears on row %(row)s of this file.")
                                 % {"card": result.card, "row": first})
                    continue
            if result.citizen_id:
                first = self.seen_ids.setdefault(result.citizen_id, result.row)
                if first != result.row:
                    result.error("citizen_id", _("The citizen ID %(id)s already appears on row %(row)s of this file.")
                                 % {"id": result.citizen_id, "row": first})
                owner = id_owner.get(result.citizen_id, result.card)
                if owner != result.card:
                    result.error("citizen_id", _("This citizen ID belongs to another member."))
            if result.errors:
                continue
            member = existing.get(result.card)
            if member is not None:
                if not access.can(self.user, access.EDIT_MEMBERS, member.unit.path):
                    result.error("card_number", _("This card number belongs to a member you may not edit."))
                    continue
                self._validate_update(result, member)
            else:
                self._validate_create(result)

    def _status_for(self, official_date) -> str:
        return Status.OFFICIAL if official_date else Status.PROBATIONARY

    def _validate_create(self, result: RowResult) -> None:
        fields = dict(result.fields)
        fields["status"] = self._status_for(fields.get("official_date"))
        candidate = Member(unit_id=result.unit.pk, **fields)
        result.fields = fields
        if self._model_errors(result, candidate):
            result.action = "create"

    def _validate_update(self, result: RowResult, member: Member) -> None:
        changes = dict(result.fields)
        changes.pop("card_number", None)
        if member.status in (Status.PROBATIONARY, Status.OFFICIAL):
            official = changes.get("official_date", member.official_date)
            status = self._status_for(official)
            if status != member.status:
                changes["status"] = status
                result.warn(None, _("Status changes from “%(old)s” to “%(new)s”.") % {
                    "old": member.get_status_display(), "new": Status(status).label,
                })
        for name, value in changes.items():
            setattr(member, name, value)
        if member.unit_id != result.unit.pk:
            result.warn("unit", _("The member moves from “%(old)s” to “%(new)s”.") % {
                "old": member.unit.name, "new": result.unit.name,
            })
        member.unit_id = result.unit.pk
        result.fields = changes
        result.member = member
        if self._model_errors(result, member):
            result.action = "update"

    def _model_errors(self, result: RowResult, member: Member) -> bool:
        """Run the model's own checks (field validators and Member.clean) without the database."""
        try:
            member.clean_fields(exclude=["unit", "user", "name_folded", "sort_key"])
            member.clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    result.error(field if field in HEADER_OF else None, message)
            return False
        return True

    # -- writing --------------------------------------------------------------------------------

    def _write(self, results: list[RowResult]) -> None:
        """Write one chunk of valid rows through the bulk member action."""
        rows = []
        for result in results:
            row = dict(result.fields)
            row.update(card_number=result.card or None, unit=result.unit.pk, row=result.row,
                       positions=result.positions if result.action == "update" else (result.positions or ()))
            rows.append(row)
        try:
            self._writer.write(rows)
        except actions.ImportRowsInvalid as error:
            by_row = {result.row: result for result in results}
            for label, errors in error.rows.items():
                for field, messages in errors.items():
                    for message in messages:
                        by_row[label].error(field if field in HEADER_OF else None, message)
        except ValidationError as error:
            for field, messages in getattr(error, "message_dict", {None: error.messages}).items():
                for message in messages:
                    results[0].error(field if field in HEADER_OF else None, message)
        except ActionDenied as denied:
            named = [r for r in results if r.unit.name == denied.target] or results
            for result in named:
                result.error("unit", _("You may not edit members of this unit."))

    def _record_summary(self, report: ImportReport) -> None:
        self._writer.finish(
            after={"file": self.path.name, "created": report.create_count, "updated": report.update_count,
                   "rows": report.total_rows},
            note=f"{self.path.name}: {report.create_count} created, {report.update_count} updated",
        )


def file_head(fileobj, size: int = 8192) -> bytes:
    """The first bytes of an uploaded file, leaving its position at the start."""
    position = fileobj.tell() if hasattr(fileobj, "tell") else 0
    head = fileobj.read(size)
    fileobj.seek(position)
    return head if isinstance(head, bytes) else head.encode()




def estimate_rows(path) -> int:
    """A quick upper bound of the data rows (to choose between inline and background work)."""
    table = Table(path)
    if table.kind == "csv":
        with open(path, "rb") as handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    for _name, _rows, height in table.sheets():
        return height or 0
    return 0
