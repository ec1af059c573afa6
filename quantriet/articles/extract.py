"""Rule-based extraction of a conference from a Vietnamese news report.

`extract_article(text)` reads a report in the genre of the provincial press ("Sáng 22-7, Hội
nghị … do Bộ Chính trị …; Dự tại điểm cầu … có các đồng chí: …") and returns a `Draft`: the
conference's title, dates, place, organizer, documents, people with their positions and
roles, sites, the reach of the broadcast, photo credits and source. Every value carries
`span`, a ``[start, end]`` pair of offsets into the ORIGINAL text, so the review page can
highlight where it came from.

The extractor is pure and deterministic: regular expressions over an aligned normalized
view of the text (`AlignedText`), no model, no database, no network. Input checks (empty,
binary, too large, not Vietnamese) live in `validate_input`.
"""
from __future__ import annotations

import bisect
import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from quantriet.core.text import fold, nfc

from .text import AlignedText

try:  # the documents app owns the canonical form of a number and symbol
    from quantriet.documents.numbers import parse_document_number as _parse_number
except ImportError:  # pragma: no cover - only while the documents app is absent
    _parse_number = None

#: Default limit on the size of an article (bytes of UTF-8); settings.ARTICLES_MAX_BYTES overrides it.
DEFAULT_MAX_BYTES = 200_000


# --------------------------------------------------------------------------- input checks
class ArticleInputError(ValueError):
    """Input that cannot be read as a Vietnamese report; `code` says why, `str()` says it plainly."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


_VIETNAMESE_ONLY = set("ăâđơưĩũĂÂĐƠƯĨŨ")  # letters of Vietnamese absent from French, German…
_VIETNAMESE_WORDS = {
    "hoi", "nghi", "dong", "chi", "dang", "quyet", "tinh", "uy", "cac", "cua", "va", "nhung",
    "duoc", "trong", "voi", "tai", "nguoi", "cong", "tac", "thuc", "hien", "chinh", "tri", "xa",
}


def _is_vietnamese(text: str) -> bool:
    letters = 0
    specific = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if ch in _VIETNAMESE_ONLY or "\u1ea0" <= ch <= "\u1ef9" or ch in "\u00d0":
                specific += 1
    words = fold(text[:20000]).split()
    hits = sum(1 for w in words if w in _VIETNAMESE_WORDS)
    if letters == 0:
        return False
    if specific >= 3 and specific / letters >= 0.01:
        return True
    # Vietnamese typed without diacritics ("hoi nghi quan triet nghi quyet"): rely on common words.
    return len(words) >= 5 and hits / len(words) >= 0.25


def validate_input(raw: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decode and check an article; return its text or raise `ArticleInputError`.

    Refuses empty text, binary data (NUL bytes, bytes that are not UTF-8), more than
    `max_bytes` bytes, and text that is not Vietnamese.
    """
    if isinstance(raw, str):
        size = len(raw.encode("utf-8", errors="surrogatepass"))
        text = raw
        if "\x00" in text:
            raise ArticleInputError("binary", "The input contains NUL bytes: it looks like a binary file, not text.")
    else:
        size = len(raw)
        if b"\x00" in raw[: max_bytes + 1]:
            raise ArticleInputError("binary", "The input contains NUL bytes: it looks like a binary file, not text.")
        text = None
    if size > max_bytes:
        raise ArticleInputError(
            "too_large",
            f"The input is too large: {size} bytes, the limit is {max_bytes} bytes. Paste only the report itself.",
        )
    if text is None:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ArticleInputError(
                "binary", "The input is not UTF-8 text (it may be a binary file or a legacy encoding)."
            ) from None
    elif text.startswith("\ufeff"):
        text = text[1:]
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f\v")
    if controls > max(2, len(text) // 100):
        raise ArticleInputError("binary", "The input contains control characters: it looks like a binary file, not text.")
    if not text.strip():
        raise ArticleInputError("empty", "The input is empty: paste the text of a report.")
    if not _is_vietnamese(text):
        raise ArticleInputError(
            "not_vietnamese", "The input does not look like Vietnamese text: paste the report in Vietnamese."
        )
    return text


# --------------------------------------------------------------------------- the draft
@dataclass
class Draft:
    """What the extractor found. Spans are [start, end) offsets into the original text."""

    length: int = 0
    headline: dict | None = None
    title: dict | None = None
    dates: list = field(default_factory=list)
    place: dict | None = None
    organizer: dict | None = None
    mode: dict | None = None
    documents: list = field(default_factory=list)
    document_groups: list = field(default_factory=list)
    people: list = field(default_factory=list)
    attendee_groups: list = field(default_factory=list)
    sites: list = field(default_factory=list)
    reach: dict = field(default_factory=lambda: {"kinds": [], "counts": []})
    credits: list = field(default_factory=list)
    source: dict | None = None
    dropped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "length": self.length, "headline": self.headline, "title": self.title, "dates": self.dates,
            "place": self.place, "organizer": self.organizer, "mode": self.mode, "documents": self.documents,
            "document_groups": self.document_groups, "people": self.people,
            "attendee_groups": self.attendee_groups, "sites": self.sites, "reach": self.reach,
            "credits": self.credits, "source": self.source, "dropped": self.dropped, "warnings": self.warnings,
        }

    @property
    def conference_date(self) -> dict | None:
        """The first dated day of the conference, if any."""
        return next((d for d in self.dates if d.get("date")), None)


# --------------------------------------------------------------------------- lexicon
_VOWELS = "aăâeêioôơuưy"
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LOWER_SET = set(_LETTERS)
for _v in _VOWELS:
    for _t in ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323"):
        _LOWER_SET.add(unicodedata.normalize("NFC", _v + _t))
_LOWER_CHARS = "".join(sorted(_LOWER_SET))
_UPPER_CHARS = "".join(sorted(c.upper() for c in _LOWER_SET))
L = f"[{_LOWER_CHARS}]"
U = f"[{_UPPER_CHARS}]"
_NAME_WORD = rf"{U}(?:{L}+(?:['’]{U}?{L}+)?)?"
NAME_RE = re.compile(rf"{_NAME_WORD}(?:[ ]{_NAME_WORD}){{1,5}}(?![{_LOWER_CHARS}{_UPPER_CHARS}\d])")

#: First words of positions and ranks (never the family name of a person).
_POSITION_STARTERS = {
    "ủy", "uỷ", "bí", "phó", "chủ", "trưởng", "giám", "tổng", "thường", "nguyên", "thứ", "chánh", "cục",
    "viện", "bộ", "ban", "hiệu", "đại", "thượng", "trung", "thiếu", "chính", "hội", "đảng", "tỉnh",
    "huyện", "thành", "xã", "phường", "chi", "mặt", "sở", "tư", "kế", "thư", "trợ", "quyền", "các",
    "đồng", "báo", "tòa", "kiểm", "người", "ông", "bà", "anh", "chị",
}
#: Capitalized words that, after a name, can only begin a position ("Nguyễn Văn Sơn Phó Bí thư").
_GLUED_POSITION = {"phó", "bí", "ủy", "uỷ", "chủ", "trưởng", "giám", "tổng", "nguyên", "chánh"}
#: Words (accented, lower-case) that end a run of positions: the verbs that follow the person.
_STOP_WORDS = [
    "đã", "đang", "sẽ", "vừa", "cũng", "đồng thời", "truyền đạt", "phát biểu", "chủ trì", "đồng chủ trì",
    "nhấn mạnh", "cho biết", "khẳng định", "đề nghị", "yêu cầu", "trình bày", "báo cáo", "quán triệt",
    "giới thiệu", "chỉ đạo", "kết luận", "tham dự", "cùng", "nêu", "thông tin", "tới", "tại", "có", "được",
    "là", "trao", "khai mạc", "bế mạc", "điều hành", "thay mặt", "làm", "nói", "đánh giá", "đề cập",
    "lưu ý", "biểu dương", "ghi nhận", "nhận định", "chia sẻ", "thông báo", "đến", "với", "khi", "và đồng chí",
    "và các", "và đ/c", "trực tiếp", "dự", "để", "nhằm", "gửi", "tặng", "cảm ơn", "mong", "tin tưởng",
]
_STOP_RE = re.compile(
    r"(?<![\w/])(?:" + "|".join(sorted((re.escape(w) for w in _STOP_WORDS), key=len, reverse=True)) + r")(?![\w/])"
)
_DOC_KINDS = {
    "nghi quyet": "NQ", "chi thi": "CT", "ket luan": "KL", "quy dinh": "QĐi", "quyet dinh": "QĐ",
    "huong dan": "HD", "ke hoach": "KH", "chuong trinh": "CTr", "thong bao": "TB", "quy che": "QC",
    "de an": "ĐA", "bao cao": "BC", "cong van": "CV", "thong tri": "TT",
}
_ORDINALS = {
    "nhat": 1, "mot": 1, "hai": 2, "ba": 3, "tu": 4, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
    "chin": 9, "muoi": 10, "muoi mot": 11, "muoi hai": 12, "muoi ba": 13, "muoi bon": 14, "muoi lam": 15,
    "muoi sau": 16, "muoi bay": 17, "muoi tam": 18, "muoi chin": 19,
}
_COUNT_WORDS = {"hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10}
#: Kinds of units and of people counted in the reach of a broadcast (folded, longest first).
_COUNT_UNITS = sorted([
    "to chuc co so dang", "dang bo co so", "chi bo co so", "chi bo truc thuoc", "dang bo", "chi bo", "diem cau",
    "can bo", "dang vien", "dai bieu", "hoi vien", "doan vien", "cong chuc", "vien chuc", "nguoi lao dong",
    "nguoi", "hoc vien", "xa", "phuong", "thi tran", "thi xa", "dac khu", "huyen", "quan", "thanh pho", "tinh",
    "thon", "ban", "to dan pho", "co quan", "don vi", "huyen uy", "thanh uy", "thi uy", "dang uy",
    "quan chung", "to dang",
], key=len, reverse=True)
_UNIT_ALT = "|".join(re.escape(u) for u in _COUNT_UNITS)
_NUMBER = r"\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?"
COUNT_RE = re.compile(
    rf"(?<![\w.,/])(?:(?P<qual>hon|tren|gan|khoang|xap xi|chung|gan nhu|hang)\s+)?"
    rf"(?P<num>{_NUMBER})(?:/(?P<total>\d[\d.]*))?\s*(?P<mult>trieu|nghin|ngan)?\s+"
    rf"(?P<units>(?:{_UNIT_ALT})(?:\s*(?:,|va)\s*(?:{_UNIT_ALT}))*)(?!\w)"
)
_REACH_CUES = re.compile(r"diem cau|truc tuyen|truyen hinh|(?<!\w)(?:tham )?du(?!\w)|tham gia|co mat|ket noi")

_SECTION_HEADS = {
    "tin cung chuyen muc", "tin lien quan", "bai viet lien quan", "bai lien quan", "tin khac", "cac tin khac",
    "xem them", "doc them", "tin moi", "tin moi nhat", "tin doc nhieu", "doc nhieu nhat", "tin bai lien quan",
    "cac tin da dua", "tin da dua",
}
_BUTTON_WORDS = {
    "chia", "se", "share", "facebook", "zalo", "twitter", "tweet", "email", "in", "bai", "binh", "luan",
    "like", "print", "gui", "luu", "trang", "quay", "lai", "len", "dau", "ve", "y", "kien", "ban", "doc",
    "copy", "link", "theo", "doi", "thich",
}
_NOT_SOURCES = (
    "do ", "bao cao", "ke hoach", "thong bao", "nghi quyet", "tinh than", "quy dinh", "huong dan", "chi thi",
    "ket luan", "chuong trinh", "de an",
)
_BOILERPLATE_PREFIXES = ("tags:", "tag:", "tu khoa:", "tu khoa :", "tags :")


# --------------------------------------------------------------------------- helpers
def _span(at: AlignedText, start: int, end: int) -> list[int]:
    return at.to_original(start, end)


def _trim(norm: str, start: int, end: int, chars: str = " \t\r\n,;:.") -> tuple[int, int]:
    while start < end and norm[start] in chars:
        start += 1
    while end > start and norm[end - 1] in chars:
        end -= 1
    return start, end


def _value(norm: str, start: int, end: int) -> str:
    return nfc(norm[start:end])


_ABBREVIATIONS = {"tp", "tx", "tt", "ths", "ts", "pgs", "gs", "bs", "q", "p", "th.s", "st", "ncs", "ks"}


class _Sentences:
    """Sentence boundaries of the normalized text (newlines and . ! ? … before a capital)."""

    def __init__(self, norm: str):
        ends = []
        for m in re.finditer(r"\n|[.!?…]+(?=[\s”\"»)]*(?:$|\s))", norm):
            if m.group(0) == ".":
                before = re.search(r"([\w.]+)$", norm[max(0, m.start() - 6):m.start()])
                if before and before.group(1).lower() in _ABBREVIATIONS:
                    continue
            ends.append(m.end() if m.group(0) != "\n" else m.start())
        self.ends = ends
        self.length = len(norm)

    def bounds(self, index: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.ends, index)
        start = self.ends[k - 1] if k > 0 else 0
        end = self.ends[k] if k < len(self.ends) else self.length
        return start, end


def _overlapping(pattern: re.Pattern, text: str):
    """Matches of `pattern` starting at every position (finditer skips overlapping ones)."""
    position = 0
    while True:
        m = pattern.search(text, position)
        if m is None:
            return
        yield m
        position = m.start() + 1


# --------------------------------------------------------------------------- the extractor
_TOD = {"sang": "morning", "trua": "noon", "chieu": "afternoon", "toi": "evening", "dem": "night"}
_TOD_RE = r"(?:(?P<tod>sang|trua|chieu|toi|dem)\s+(?:(?:hom|ngay)\s+)?)"
DATE_FULL_RE = re.compile(
    rf"(?<![\w/.-])(?:{_TOD_RE}|ngay\s+)?(?P<d>\d{{1,2}})\s*(?P<sep>[-/.])\s*(?P<m>\d{{1,2}})\s*(?P=sep)\s*(?P<y>\d{{4}})(?![\w/])"
)
DATE_LONG_RE = re.compile(
    rf"(?<![\w/.-])(?:{_TOD_RE})?ngay\s+(?P<d>\d{{1,2}})\s+thang\s+(?P<m>\d{{1,2}})(?:\s*,?\s*nam\s+(?P<y>\d{{4}}))?(?!\w)"
)
DATE_SHORT_RE = re.compile(
    rf"(?<![\w/.-])(?:{_TOD_RE}(?:ngay\s+)?|ngay\s+)(?P<d>\d{{1,2}})\s*[-/]\s*(?P<m>\d{{1,2}})(?!\s*[-/.]\s*\d|[\w/])"
)
_DEADLINE_WORDS = {"den", "truoc", "tu", "sau", "han", "het", "toi", "trong"}

DOCNUM_RE = re.compile(
    r"(?<![\w/.-])\d{1,5}\s?(?:-\s?[A-ZĐ][A-Za-zĐđ]{0,3}\s?/\s?[A-ZĐƯ][A-ZĐƯ0-9]{0,19}"
    r"|/\s?[A-ZĐ][A-Za-zĐđ]{0,3}\s?-\s?[A-ZĐƯ][A-ZĐƯ0-9]{0,19})(?![\w/])"
)
_PLENUM = (
    r"(?:hoi nghi\s+)?(?:lan thu\s+(?P<o1>muoi \w+|\w+)\s+(?:ban chap hanh|bch)\s+trung uong"
    r"|(?:ban chap hanh\s+|bch\s+)?(?:trung uong|tw)\s+(?:lan thu\s+)?(?P<o2>\d{1,2}|muoi \w+|\w+))"
    r"(?:\s+dang)?(?:\s*,?\s*khoa\s+(?P<term>[ivxlc]+)(?!\w))?"
)
_CONGRESS = (
    r"dai hoi\s+(?:dai bieu\s+toan quoc\s+|dang\s+toan quoc\s+|toan quoc\s+)?(?:lan thu\s+)?(?P<cong>[ivxlc]+)(?!\w)"
    r"(?:\s+cua dang)?"
)
GROUP_RE = re.compile(
    rf"(?<!\w)(?:(?P<count>\d{{1,2}}|hai|ba|bon|nam|sau|bay|tam|chin|muoi|cac)\s+)?"
    rf"(?P<kind>nghi quyet|ket luan|chi thi|quy dinh|van ban)\s+(?:cua\s+)?(?:{_PLENUM}|{_CONGRESS})"
)
_TITLE_START = re.compile(
    r"(?<!\w)(?:hoi nghi|hoi thao|dai hoi|buoi sinh hoat|sinh hoat chi bo|sinh hoat chuyen de|buoi hoc tap"
    r"|lop hoc tap|lop boi duong|buoi quan triet|le ky niem|hoi nghi truc tuyen)(?!\w)"
)
_TITLE_NOT = re.compile(
    r"\s*(?:lan thu|trung uong|tw\b|ban chap hanh|bch|[ivxlc]+\b|nay\b|[,.;:]|co\b|la\b|da\b|duoc\b|tai\b"
    r"|dai bieu toan quoc|dang toan quoc|\n|$)"
)
_TITLE_END = re.compile(
    r"\.(?=\s|$)|[;\n(]|\s(?:do|tai|duoc|da|tiep tuc|dien ra|vao|nham|theo hinh thuc|bang hinh thuc"
    r"|co su tham du|bat dau|ket thuc|khai mac|be mac|lam viec|voi su tham du|voi chuyen de|voi)(?!\w)"
    r"|,\s(?:dong chi|cac dai bieu|hoi nghi|voi|dien ra|nhu)(?!\w)"
)
_ORG_VERB = r"(?:tiep tuc lam viec|to chuc|chu tri to chuc|trieu tap|phoi hop to chuc|da to chuc|dang to chuc)"
_VENUE = (
    r"(?:hoi truong|trung tam hoi nghi|nha van hoa|tru so|phong hop|nha hat|cung van hoa|hoi truong lon"
    r"|trung tam chinh tri|truong chinh tri|nha quoc hoi)"
)
_SITE_LOWER_PREFIX = re.compile(
    r"(?:huyen|xa|phuong|thi tran|thi xa|thanh pho|tinh|quan|trung tam|hoi truong|nha van hoa|tru so|dac khu)(?!\w)"
)
_SITE_STOP = re.compile(
    r"\s(?:co|voi|do|da|duoc|tham|va|la|gom|cung|de|noi|cua|tai|anh|trong|khi|thi|nhu|theo)(?!\w)|[.,;:()\n\"“”]"
)


class _Extractor:
    def __init__(self, text: str, known_documents: Mapping | None, year: int | None):
        self.at = AlignedText(text)
        self.norm = self.at.norm
        self.known = {self._canonical(k) or k: v for k, v in (known_documents or {}).items()}
        self.user_year = year
        self.draft = Draft(length=len(text))
        n = len(self.norm)
        self.blank = [False] * n  # boilerplate, credits and source: not mined
        self.caption_lines: list[tuple[int, int]] = []

    # -- plumbing
    def out(self, start: int, end: int) -> list[int]:
        return _span(self.at, start, end)

    @staticmethod
    def _canonical(text: str) -> str | None:
        if _parse_number is not None:
            try:
                return _parse_number(text).canonical
            except Exception:  # DocumentNumberError and anything unreadable
                return None
        match = re.fullmatch(  # pragma: no cover - fallback while documents.numbers is absent
            r"(\d+)\s*(?:-\s*([^\W\d_]+)\s*/\s*(\w+)|/\s*([^\W\d_]+)\s*-\s*(\w+))", nfc(text)
        )
        if not match:  # pragma: no cover
            return None
        kind = match.group(2) or match.group(4)  # pragma: no cover
        issuer = (match.group(3) or match.group(5)).upper().replace("TƯ", "TW")  # pragma: no cover
        return f"{int(match.group(1)):02d}-{kind}/{issuer}"  # pragma: no cover

    def _mask(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.blank[i] = True

    def _build_mining_views(self) -> None:
        norm_chars = list(self.norm)
        fold_chars = list(self.at.fold)
        for i, blank in enumerate(self.blank):
            if blank and norm_chars[i] != "\n":
                norm_chars[i] = " "
                fold_chars[i] = " "
        self.mn = "".join(norm_chars)  # normalized, with boilerplate blanked
        self.mf = "".join(fold_chars)  # folded, with boilerplate blanked
        self.sentences = _Sentences(self.mn)

    def _lines(self):
        for m in re.finditer(r"[^\n]+", self.norm):
            yield m.start(), m.end()

    # -- boilerplate, credits, source
    def boilerplate(self) -> None:
        fold_text = self.at.fold
        cut = None
        for start, end in self._lines():
            s, e = _trim(self.norm, start, end, " \t\r:")
            if s >= e:
                continue
            line = re.sub(r"\s+", " ", fold_text[s:e]).strip(" .:-|»›>")
            words = line.split()
            if line in _SECTION_HEADS:
                cut = s
                break
            if line.startswith(_BOILERPLATE_PREFIXES) or (
                words and len(words) <= 6 and all(w.strip("|·•/") in _BUTTON_WORDS for w in words)
                and any(w in {"chia", "share", "binh", "facebook", "zalo", "tweet", "print", "in"} for w in words)
            ):
                self.draft.dropped.append({"text": _value(self.norm, s, e), "span": self.out(s, e)})
                self._mask(s, e)
        if cut is not None:
            s, e = _trim(self.norm, cut, len(self.norm), " \t\r\n")
            self.draft.dropped.append({"text": _value(self.norm, s, e), "span": self.out(s, e)})
            self._mask(cut, len(self.norm))

    def credits_and_source(self) -> None:
        fold_text = self.at.fold
        credit_re = re.compile(
            r"(?:^|(?<=[\s(.–-]))(?:(?:bai|tin|bai va|tin va)\s*(?:,|va)\s*)?anh\s*:\s*"
            r"(?P<name>[^\n()]{2,60}?)\s*\)?\s*$"
        )
        source_re = re.compile(r"^(?:theo|nguon)\s*:?\s+(?P<src>.{2,80})$")
        credits: dict[str, dict] = {}
        for start, end in self._lines():
            if self.blank[start]:
                continue
            s, e = _trim(self.norm, start, end, " \t\r")
            line_fold = fold_text[s:e]
            m = credit_re.search(line_fold)
            if m:
                ns, ne = _trim(self.norm, s + m.start("name"), s + m.end("name"), " .,;")
                name = _value(self.norm, ns, ne)
                if ns < ne and re.match(U, self.norm[ns]) and len(name.split()) <= 6:
                    key = fold(name)
                    kind = "text_and_photo" if m.group(0).lstrip(" (.").startswith(("bai", "tin")) else "photo"
                    item = credits.setdefault(
                        key, {"name": name, "kind": kind, "span": self.out(ns, ne), "mentions": []}
                    )
                    item["mentions"].append(self.out(ns, ne))
                    self._mask(s + m.start(), e)
                    self.caption_lines.append((s, e))
                    continue
            m = source_re.match(line_fold)
            if m and self.draft.source is None:
                ns, ne = _trim(self.norm, s + m.start("src"), s + m.end("src"), " .")
                value = _value(self.norm, ns, ne)
                folded_value = fold(value)
                if (value and "," not in value and len(value.split()) <= 8
                        and not folded_value.startswith(_NOT_SOURCES)
                        and (re.match(U, self.norm[ns]) or "." in value)):
                    self.draft.source = {"value": value, "span": self.out(ns, ne)}
                    self._mask(s, e)
        # A byline: the last line of the report is only a name ("Lê Hoàn").
        last = [(s, e) for s, e in self._lines() if not self.blank[s] and self.norm[s:e].strip()]
        if last:
            s, e = _trim(self.norm, *last[-1], " \t\r.")
            m = NAME_RE.fullmatch(self.norm, s, e)
            if m and 2 <= len(m.group(0).split()) <= 4 and m.group(0).split()[0].lower() not in _POSITION_STARTERS:
                name = _value(self.norm, s, e)
                credits.setdefault(fold(name), {"name": name, "kind": "author", "span": self.out(s, e), "mentions": []})
                credits[fold(name)]["mentions"].append(self.out(s, e))
                self._mask(s, e)
        self.draft.credits = list(credits.values())

    # -- headline and title
    def headline_and_title(self) -> None:
        first = next(((s, e) for s, e in self._lines() if self.mn[s:e].strip()), None)
        body_start = 0
        if first is not None:
            s, e = _trim(self.mn, *first, " \t\r")
            text = self.mn[s:e]
            if len(text) <= 250 and not text.rstrip().endswith((".", ":", ";")) and not DATE_SHORT_RE.match(self.mf[s:e]):
                self.draft.headline = {"value": _value(self.mn, s, e), "span": self.out(s, e)}
                body_start = e
        # The conference's own name: the first "Hội nghị …" of the first paragraphs, else the headline's.
        paragraphs = [(s, e) for s, e in self._lines() if s >= body_start and self.mn[s:e].strip()][:3]
        regions = paragraphs + ([_trim(self.mn, *first, " \t\r")] if self.draft.headline else [])
        for region_start, region_end in regions:
            for m in _TITLE_START.finditer(self.mf, region_start, region_end):
                if _TITLE_NOT.match(self.mf, m.end()):
                    continue
                before = self.mf[max(region_start, m.start() - 12):m.start()]
                if re.search(r"(?:nghi quyet|ket luan|chi thi)\s+$", before):
                    continue
                end_match = _TITLE_END.search(self.mf, m.end(), min(region_end, m.end() + 300))
                end = end_match.start() if end_match else min(region_end, m.end() + 300)
                s, e = _trim(self.mn, m.start(), end, " ,;:")
                if len(self.mn[s:e].split()) < 3:
                    continue
                self.draft.title = {"value": _value(self.mn, s, e), "span": self.out(s, e)}
                self.title_span = (s, e)
                return

    # -- dates
    def find_dates(self) -> None:
        found: list[tuple[int, int, re.Match]] = []

        def free(s, e):
            return all(e <= fs or s >= fe for fs, fe, _ in found)

        for pattern in (DATE_FULL_RE, DATE_LONG_RE, DATE_SHORT_RE):
            for m in pattern.finditer(self.mf):
                if free(m.start(), m.end()):
                    found.append((m.start(), m.end(), m))
        found.sort(key=lambda item: item[0])
        self.date_mentions = []
        for s, e, m in found:
            day, month = int(m.group("d")), int(m.group("m"))
            year = int(m.group("y")) if "y" in m.re.groupindex and m.group("y") else None
            try:
                datetime.date(year or 2000, month, day)
            except ValueError:
                continue
            tod = m.group("tod")
            s, e = _trim(self.mn, s, e, " ")
            self.date_mentions.append({
                "start": s, "end": e, "day": day, "month": month, "year": year,
                "time_of_day": _TOD.get(tod) if tod else None,
            })

    def _is_deadline(self, mention) -> bool:
        before = self.mf[max(0, mention["start"] - 25):mention["start"]].split()
        return bool(before) and (before[-1] in _DEADLINE_WORDS or " ".join(before[-2:]) in {"ke tu", "cho den"})

    def resolve_dates(self) -> None:
        doc_dates = [d["date_obj"] for d in self.draft.documents if d.get("date_obj")]
        conference = [m for m in self.date_mentions if not m.get("document") and not self._is_deadline(m)]
        explicit = [datetime.date(m["year"], m["month"], m["day"]) for m in conference if m["year"]]
        seen = set()
        for m in conference:
            source = None
            value = None
            if m["year"]:
                value, source = datetime.date(m["year"], m["month"], m["day"]), "text"
            elif self.user_year:
                value, source = self._make(self.user_year, m), "user"
            elif explicit:
                value, source = self._closest(m, explicit[0]), "text"
            elif doc_dates:  # a conference studies documents issued before it
                value, source = self._on_or_after(m, max(doc_dates)), "documents"
            key = (value or (m["day"], m["month"]), m["time_of_day"])
            if key in seen:
                continue
            seen.add(key)
            self.draft.dates.append({
                "date": value.isoformat() if value else None, "day": m["day"], "month": m["month"],
                "year": value.year if value else None, "year_source": source, "time_of_day": m["time_of_day"],
                "text": _value(self.mn, m["start"], m["end"]), "span": self.out(m["start"], m["end"]),
            })
        undated = [d for d in self.draft.dates if d["date"] is None]
        if undated:
            self.draft.warnings.append({
                "code": "year_missing",
                "message": "The year of the conference is not stated in the text and cannot be inferred "
                           "from the documents it cites.",
                "question": f"In which year was the conference of {undated[0]['day']}/{undated[0]['month']} held?",
                "span": undated[0]["span"],
            })
        if not self.draft.dates:
            self.draft.warnings.append({"code": "date_missing", "message": "No date of the conference was found."})

    @staticmethod
    def _make(year, m):
        try:
            return datetime.date(year, m["month"], m["day"])
        except ValueError:
            return None

    def _closest(self, m, reference: datetime.date):
        options = [d for d in (self._make(reference.year + k, m) for k in (-1, 0, 1)) if d]
        return min(options, key=lambda d: abs((d - reference).days)) if options else None

    def _on_or_after(self, m, reference: datetime.date):
        for year in (reference.year, reference.year + 1):
            value = self._make(year, m)
            if value and value >= reference:
                return value
        return None

    # -- documents
    def find_documents(self) -> None:
        by_number: dict[str, dict] = {}
        mention_starts = {m["start"]: m for m in self.date_mentions}
        for m in DOCNUM_RE.finditer(self.mn):
            canonical = self._canonical(m.group(0))
            if canonical is None:
                continue
            s, e = m.start(), m.end()
            item = by_number.get(canonical)
            if item is None:
                type_code = canonical.split("-", 1)[1].split("/", 1)[0]
                item = by_number[canonical] = {
                    "number": canonical, "as_written": _value(self.mn, s, e), "type_code": type_code,
                    "span": self.out(s, e), "mentions": [], "title": None, "title_span": None,
                    "date": None, "date_span": None, "known": canonical in self.known,
                    "_spans": [],
                }
            item["mentions"].append(self.out(s, e))
            item["_spans"].append((s, e))
            after = e
            # "… 21-NQ/TW ngày 16/6/2022 …": the document's date, not the conference's.
            gap = re.match(r"[ \t]*,?[ \t]*(?:ban hanh[ \t]+)?", self.mf[after:after + 20])
            date = mention_starts.get(after + gap.end())
            if date is not None and date["year"] and not date["time_of_day"]:
                date["document"] = canonical
                if item["date"] is None:
                    item["date"] = datetime.date(date["year"], date["month"], date["day"]).isoformat()
                    item["date_span"] = self.out(date["start"], date["end"])
                    item["date_obj"] = datetime.date(date["year"], date["month"], date["day"])
                after = date["end"]
            if item["title"] is None:
                self._document_title(item, after)
        for canonical, item in by_number.items():
            if item.get("date_obj") is None and canonical in self.known and self.known[canonical]:
                known = self.known[canonical]
                item["date_obj"] = known if isinstance(known, datetime.date) else datetime.date.fromisoformat(str(known))
                item["date"] = item["date_obj"].isoformat()
                item["date_source"] = "library"
            elif item.get("date_obj") is not None:
                item["date_source"] = "text"
        self.draft.documents = list(by_number.values())

    def _document_title(self, item: dict, after: int) -> None:
        lead = re.compile(r"\s*,?\s*(?:cua\s+[^,.;“\"”\n]{1,60}?\s+)?ve\s+(?:viec\s+)?").match(self.mf, after)
        if not lead:
            return
        start = lead.end()
        if start < len(self.mn) and self.mn[start] in "“\"«‘'":
            close = {"“": "”", "\"": "\"", "«": "»", "‘": "’", "'": "'"}[self.mn[start]]
            end = self.mn.find(close, start + 1, start + 500)
            if close == "”" and end < 0:
                end = self.mn.find("\"", start + 1, start + 500)
            if end < 0:
                return
            s, e = _trim(self.mn, start + 1, end, " ")
        else:
            stop = re.compile(r"[.;\n(]|,\s(?:nghi quyet|ket luan|chi thi|quy dinh)|\s(?:va|cua|do)\s(?:nghi quyet|ket luan|chi thi)").search(
                self.mf, start, start + 250)
            s, e = _trim(self.mn, start, stop.start() if stop else start, " ,")
        if e - s >= 3:
            item["title"] = _value(self.mn, s, e)
            item["title_span"] = self.out(s, e)
            item["_title"] = (s, e)

    def find_groups(self) -> None:
        groups: dict[tuple, dict] = {}
        for m in GROUP_RE.finditer(self.mf):
            if m.group("cong"):
                if not self.mn[m.start("cong"):m.end("cong")].isupper():
                    continue
                key = ("congress", m.group("cong").upper())
                event_start = m.start("kind") + len(m.group("kind")) + 1
            else:
                ordinal = m.group("o1") or m.group("o2")
                number = int(ordinal) if ordinal.isdigit() else _ORDINALS.get(ordinal)
                if number is None:
                    continue
                key = ("plenum", number)
                event_start = m.start("kind") + len(m.group("kind")) + 1
            of_start = re.compile(r"\s*(?:cua\s+)?").match(self.mf, event_start).end()
            s, e = m.start(), m.end()
            count_word = m.group("count")
            count = None
            if count_word and count_word != "cac":
                count = int(count_word) if count_word.isdigit() else _COUNT_WORDS.get(count_word)
            item = groups.get(key)
            if item is None:
                item = groups[key] = {
                    "text": _value(self.mn, s, e), "span": self.out(s, e), "count": count,
                    "kind": _value(self.mn, m.start("kind"), m.end("kind")).lower(),
                    "of": _value(self.mn, of_start, e),
                    "plenum": key[1] if key[0] == "plenum" else None,
                    "congress": key[1] if key[0] == "congress" else None,
                    "term": None, "mentions": [], "_spans": [],
                }
            elif count is not None and item["count"] is None:
                item.update(text=_value(self.mn, s, e), span=self.out(s, e), count=count,
                            of=_value(self.mn, of_start, e))
            if "term" in m.re.groupindex and m.group("term") and not item["term"]:
                item["term"] = m.group("term").upper()
            item["mentions"].append(self.out(s, e))
            item["_spans"].append((s, e))
        self.draft.document_groups = list(groups.values())

    # -- organizer, place, mode
    def find_organizer(self) -> None:
        candidates = []
        patterns = [
            re.compile(rf"(?<!\w)do\s+(?P<org>[^.;\n]{{3,90}}?)\s+(?:{_ORG_VERB})(?!\w)"),
            re.compile(rf"(?:^|(?<=[.\n,]))[ \t]*(?P<org>[^.;\n,]{{3,90}}?(?:,\s[^.;\n,]{{3,40}}?)?)\s+(?:da\s+)?(?:{_ORG_VERB})\s+"
                       r"(?:hoi nghi|buoi|le|sinh hoat|lop|hoi thao|dai hoi)"),
        ]
        for pattern in patterns:
            for m in _overlapping(pattern, self.mf):
                s, e = _trim(self.mn, m.start("org"), m.end("org"), " ,")
                for mention in self.date_mentions:  # "Sáng 7-2, Bộ Chính trị tổ chức …"
                    if mention["start"] == s:
                        s, e = _trim(self.mn, mention["end"], e, " ,")
                if s >= e or not re.match(U, self.mn[s]):
                    continue
                value = self.mn[s:e]
                if fold(value).startswith(("dong chi", "d/c", "hoi nghi", "chieu", "sang", "ngay", "toi ")):
                    continue
                candidates.append((s, e))
                break
            if candidates:
                break
        if candidates:
            s, e = min(candidates)
            self.draft.organizer = {"value": _value(self.mn, s, e), "span": self.out(s, e)}

    def find_place(self) -> None:
        m = re.compile(
            rf"(?<!\w)tai\s+(?P<place>{_VENUE}(?!\w)[^.;\n]{{0,80}}?)(?=\s*(?:[,.;(\n]|$)|\s(?:voi|do|duoc|da|ket noi|truc tuyen|va|co)(?!\w))"
        ).search(self.mf)
        if m:
            s, e = _trim(self.mn, m.start("place"), m.end("place"), " ,")
            self.draft.place = {"value": _value(self.mn, s, e), "span": self.out(s, e), "basis": "venue"}

    def find_mode(self) -> None:
        hybrid = re.compile(
            r"truc tiep(?:[^.;\n]{0,80}?\s|\s*,\s*|\s+)(?:ket hop|va)\s+(?:voi\s+)?(?:hinh thuc\s+)?truc tuyen"
            r"|truc tiep\s*,\s*truc tuyen"
        ).search(self.mf)
        online = re.compile(r"(?<!\w)truc tuyen(?!\w)").search(self.mf)
        if hybrid:
            self.draft.mode = {"value": "hybrid", "span": self.out(hybrid.start(), hybrid.end())}
        elif online:
            self.draft.mode = {"value": "online", "span": self.out(online.start(), online.end())}

    # -- sites
    def find_sites(self) -> None:
        sites: dict[str, dict] = {}
        self.site_at: dict[int, str] = {}  # position of "điểm cầu" → site key
        for m in re.finditer(r"(?<!\w)diem cau\s+", self.mf):
            s = m.end()
            if s >= len(self.mn):
                continue
            if not (re.match(U, self.mn[s]) or _SITE_LOWER_PREFIX.match(self.mf, s)):
                continue
            stop = _SITE_STOP.search(self.mf, s + 1, s + 120)
            e = stop.start() if stop else min(len(self.mn), s + 120)
            s, e = _trim(self.mn, s, e, " ")
            words = self.mn[s:e].split()
            if not words or len(words) > 8:
                continue
            key = fold(self.mn[s:e])
            in_caption = any(cs <= s < ce for cs, ce in self.caption_lines)
            item = sites.get(key)
            if item is None:
                item = sites[key] = {"name": _value(self.mn, s, e), "span": self.out(s, e), "mentions": [],
                                     "_caption": in_caption}
            elif item["_caption"] and not in_caption:  # the body's spelling beats a caption's
                item.update(name=_value(self.mn, s, e), span=self.out(s, e), _caption=False)
            item["mentions"].append(self.out(s, e))
            self.site_at[m.start()] = key
        self.sites_by_key = sites
        self.draft.sites = list(sites.values())

    def _site_in(self, start: int, end: int) -> str | None:
        for position, key in self.site_at.items():
            if start <= position < end:
                return self.sites_by_key[key]["name"]
        return None

    # -- reach
    def find_reach(self) -> None:
        reach = self.draft.reach
        covered: list[tuple[int, int]] = []
        for m in re.finditer(
            r"(?:truyen hinh|ket noi|phat song|truc tuyen)(?:\s+truc tuyen)?\s+(?:den|toi|voi)\s+(?:cac\s+)?", self.mf
        ):
            _, sentence_end = self.sentences.bounds(m.start())
            region_start, region_end = m.end(), sentence_end
            covered.append((region_start, region_end))
            for group_start, group_end in self._groups_of(region_start, region_end):
                counts = list(COUNT_RE.finditer(self.mf, group_start, group_end))
                for count in counts:
                    self._add_count(count)
                kind_end = counts[0].start() if counts else group_end
                s, e = _trim(self.mn, group_start, kind_end, " ,.;")
                while s < e:  # connectors around a kind: "các …", "… và", "gồm …"
                    changed = False
                    lead = re.match(r"(?:cac|den|toi|gom|va|voi|cung|tai)\s+", self.mf[s:e])
                    if lead:
                        s, changed = s + lead.end(), True
                    tail = re.search(r"[\s,]+(?:va|voi|gom|cung)$", self.mf[s:e])
                    if tail:
                        e, changed = s + tail.start(), True
                    s, e = _trim(self.mn, s, e, " ,.;")
                    if not changed:
                        break
                if s < e:
                    reach["kinds"].append({
                        "text": _value(self.mn, s, e), "span": self.out(s, e),
                        "units": [nfc(u) for u in self.mn[s:e].split(",") if u.strip()],
                    })
        for m in COUNT_RE.finditer(self.mf):
            if any(cs <= m.start() < ce for cs, ce in covered):
                continue
            sentence_start, sentence_end = self.sentences.bounds(m.start())
            if "%" in self.mn[m.end():m.end() + 2] or not _REACH_CUES.search(self.mf, sentence_start, sentence_end):
                continue
            self._add_count(m)
        reach["counts"].sort(key=lambda c: c["span"][0])

    def _groups_of(self, start: int, end: int):
        """The ';'-separated groups of a reach list."""
        cursor = start
        for m in re.finditer(r";", self.mf[start:end]):
            yield cursor, start + m.start()
            cursor = start + m.end()
        yield cursor, end

    def _add_count(self, m: re.Match) -> None:
        raw = m.group("num")
        if "," in raw:
            value = float(raw.replace(".", "").replace(",", "."))
        else:
            value = int(raw.replace(".", ""))
        multiplier = {"trieu": 1_000_000, "nghin": 1_000, "ngan": 1_000}.get(m.group("mult") or "", 1)
        value = int(round(value * multiplier))
        s, e = m.start(), m.end()
        unit_s, unit_e = m.start("units"), m.end("units")
        qualifier = _value(self.mn, m.start("qual"), m.end("qual")).lower() if m.group("qual") else None
        units = [nfc(u) for u in re.split(r",|\svà\s", self.mn[unit_s:unit_e]) if u.strip()]
        total = int(m.group("total").replace(".", "")) if m.group("total") else None
        self.draft.reach["counts"].append({
            "count": value, "qualifier": qualifier, "total": total, "units": units,
            "unit_text": _value(self.mn, unit_s, unit_e), "text": _value(self.mn, s, e), "span": self.out(s, e),
        })

    # -- people
    def find_people(self) -> None:
        self.persons: dict[str, dict] = {}
        consumed_until = -1
        for m in re.finditer(r"(?<![\w/])(?:cac\s+)?(?:dong chi|d/c)(?![\w/])\s*:?\s*", self.mf):
            if m.start() < consumed_until:
                continue
            sentence_start, sentence_end = self.sentences.bounds(m.start())
            prefix = self.mf[sentence_start:m.start()]
            if re.search(r"(?<!\w)(?:co|gom|la|gom co)\s*:?\s*$", prefix) and (
                re.search(r"(?:^|\s)(?:tham\s+)?du|chu tri|dong chu tri|(?<!\w)cung\s", prefix) or ":" in self.mf[m.start():m.end()]
            ):
                consumed_until = self._parse_list(m, sentence_start, sentence_end)
                continue
            if self.mf[m.start():m.start() + 3] == "cac":
                continue  # "các đồng chí Ủy viên Ban Thường vụ": a group, not a person
            self._parse_single(m, sentence_start, sentence_end)
        self.draft.people = []
        for person in self.persons.values():
            person.pop("_keys", None)
            self.draft.people.append(person)

    def _name_at(self, start: int, limit: int):
        m = NAME_RE.match(self.mn, start, limit)
        if not m:
            return None
        words = m.group(0).split(" ")
        # A capitalized position glued to the name ("Nguyễn Văn Sơn Phó Bí thư"): stop before it.
        if words[0].lower() in _POSITION_STARTERS:
            return None
        for i, word in enumerate(words[1:], start=1):
            if word.lower() in _GLUED_POSITION:
                words = words[:i]
                break
        if len(words) < 2 or len(words) > 5:
            return None
        end = start + len(" ".join(words))
        return start, end

    def _positions(self, start: int, limit: int, *, in_list: bool):
        """Comma-separated positions from `start`; returns (positions, end of the run)."""
        positions = []
        cursor = start
        while cursor < limit:
            seg_start = cursor
            while seg_start < limit and self.mn[seg_start] in " ,":
                seg_start += 1
            if seg_start >= limit:
                break
            comma = self.mn.find(",", seg_start, limit)
            seg_end = comma if comma >= 0 else limit
            hard = re.compile(r"[.;:()\n]").search(self.mn, seg_start, seg_end)
            stop = _STOP_RE.search(self.mn.lower(), seg_start, seg_end) if not in_list else None
            if stop is not None and self.mn[stop.start()].isupper():
                stop = None
            if stop is not None and self.mn.lower().startswith("dự khuyết", stop.start()):
                stop = None
            ends = [x for x in (hard.start() if hard else None, stop.start() if stop else None) if x is not None]
            run_ends = bool(ends)
            seg_end = min(ends) if ends else seg_end
            s, e = _trim(self.mn, seg_start, seg_end, " ,")
            text = self.mn[s:e]
            valid = s < e and (re.match(U, text) or text.lower().startswith("nguyên ")) and len(text.split()) <= 16
            if valid and self._name_at(s, e) and self._name_at(s, e)[1] == e:
                valid = False  # another person's bare name, not a position
            if not valid:
                return positions, seg_start
            positions.append((s, e))
            cursor = seg_end
            if run_ends:
                return positions, seg_end
            cursor = seg_end + 1 if comma >= 0 and seg_end == comma else seg_end
        return positions, cursor

    def _person(self, name_span, position_spans, role):
        s, e = name_span
        name = _value(self.mn, s, e)
        key = fold(name)
        person = self.persons.get(key)
        if person is None:
            person = self.persons[key] = {
                "name": name, "span": self.out(s, e), "mentions": [], "positions": [], "roles": [], "_keys": set(),
            }
        person["mentions"].append(self.out(s, e))
        for ps, pe in position_spans:
            title = _value(self.mn, ps, pe)
            if fold(title) not in person["_keys"]:
                person["_keys"].add(fold(title))
                person["positions"].append({"title": title, "span": self.out(ps, pe)})
        if role:
            key = (role["role"], role.get("site"), tuple(role.get("documents") or ()), tuple(role.get("groups") or ()))
            same = next((r for r in person["roles"] if (r["role"], r.get("site"), tuple(r["documents"]),
                                                        tuple(r["groups"])) == key), None)
            if same is None:
                role["mentions"] = [role["span"]]
                person["roles"].append(role)
            elif role["span"] not in same["mentions"]:
                same["mentions"].append(role["span"])

    _ROLE_CUES = [
        ("closing_speech", r"(?:phat bieu\s+)?be mac"),
        ("opening_speech", r"(?:phat bieu\s+)?khai mac"),
        ("chair", r"(?:dong\s+)?chu tri"),
        ("presenter", r"truyen dat|quan triet|trinh bay|gioi thieu|bao cao chuyen de|thong tin chuyen de"),
        ("speaker", r"phat bieu(?:\s+chi dao)?|chi dao|ket luan|nhan manh|de nghi|yeu cau|khang dinh|cho biet"),
        ("attending", r"(?:tham\s+)?du(?!\w)"),
    ]

    def _role_from(self, start: int, end: int, *, anchored: bool):
        """The first role cue in [start, end); when anchored, only at the start (after auxiliaries)."""
        if anchored:
            aux = re.compile(r"\s*,?\s*(?:(?:da|dang|cung|dong thoi|vua|truc tiep|se)\s+)*").match(self.mf, start, end)
            start = aux.end()
            for role, cue in self._ROLE_CUES:
                m = re.compile(rf"(?:{cue})(?!\w)").match(self.mf, start, end)
                if m:
                    return role, m
            return None
        best = None
        for role, cue in self._ROLE_CUES:
            m = re.compile(rf"(?<!\w)(?:{cue})(?!\w)").search(self.mf, start, end)
            if m and (best is None or self._ROLE_CUES.index((role, cue)) < self._ROLE_CUES.index(best[2])):
                best = (role, m, (role, cue))
        return (best[0], best[1]) if best else None

    def _role_dict(self, role: str, cue: re.Match, region: tuple[int, int]):
        item = {"role": role, "span": self.out(cue.start(), cue.end()), "documents": [], "groups": [], "site": None}
        if role == "presenter":
            for document in self.draft.documents:
                if any(region[0] <= s < region[1] for s, _ in document["_spans"]):
                    item["documents"].append(document["number"])
            for group in self.draft.document_groups:
                if any(region[0] <= s < region[1] for s, _ in group["_spans"]):
                    item["groups"].append(group["text"])
        item["site"] = self._site_in(*region)
        return item

    def _parse_single(self, m: re.Match, sentence_start: int, sentence_end: int) -> None:
        name = self._name_at(m.end(), sentence_end)
        if name is None:
            return
        after = name[1]
        positions = []
        if after < sentence_end and self.mn[after] == ",":
            positions, after = self._positions(after + 1, sentence_end, in_list=False)
        elif self.mn.startswith(" (", after):
            close = self.mn.find(")", after, sentence_end)
            if close > 0:
                positions, _ = self._positions(after + 2, close, in_list=True)
                after = close + 1
        role = None
        found = self._role_from(sentence_start, m.start(), anchored=False)
        if found:
            role = self._role_dict(found[0], found[1], (sentence_start, sentence_end))
        else:
            found = self._role_from(after, sentence_end, anchored=True)
            if found:
                role = self._role_dict(found[0], found[1], (found[1].start(), sentence_end))
        self._person(name, positions, role)

    def _parse_list(self, m: re.Match, sentence_start: int, sentence_end: int) -> int:
        prefix_role = self._role_from(sentence_start, m.start(), anchored=False)
        role_name, cue = prefix_role if prefix_role else ("attending", None)
        site = self._site_in(sentence_start, m.start())
        items = []
        cursor = m.end()
        for part in re.finditer(r"[^;]+", self.mn[cursor:sentence_end]):
            items.append((cursor + part.start(), cursor + part.end()))
        for item_start, item_end in items:
            s, e = _trim(self.mn, item_start, item_end, " ,.:")
            lead = re.match(r"(?:va|cung|dong chi|d/c)\s+", self.mf[s:e])
            while lead:
                s += lead.end()
                lead = re.match(r"(?:va|cung|dong chi|d/c)\s+", self.mf[s:e])
            if s >= e:
                continue
            name = self._name_at(s, e)
            if name is None:
                self.draft.attendee_groups.append({
                    "text": _value(self.mn, s, e), "span": self.out(s, e), "site": site, "role": role_name,
                })
                continue
            # Several people in one item ("A, Bí thư; B" or "A, B, C" without positions).
            cursor2 = name[1]
            current = name
            while True:
                positions, run_end = [], cursor2
                if cursor2 < e and self.mn[cursor2] == ",":
                    positions, run_end = self._positions(cursor2 + 1, e, in_list=True)
                role = {"role": role_name, "span": self.out(cue.start(), cue.end()) if cue else self.out(m.start(), m.end()),
                        "documents": [], "groups": [], "site": site}
                self._person(current, positions, role)
                rest = re.match(r"[\s,]*(?:va\s+|cung\s+)?", self.mf[run_end:e])
                next_start = run_end + (rest.end() if rest else 0)
                if next_start >= e:
                    break
                nxt = self._name_at(next_start, e)
                if nxt is None:
                    break
                current, cursor2 = nxt, nxt[1]
        return sentence_end

    # -- run
    def run(self) -> Draft:
        self.boilerplate()
        self.credits_and_source()
        self._build_mining_views()
        self.headline_and_title()
        self.find_dates()
        self.find_documents()
        self.find_groups()
        self.resolve_dates()
        self.find_organizer()
        self.find_place()
        self.find_mode()
        self.find_sites()
        self.find_reach()
        self.find_people()
        if self.draft.place is None:
            for person in self.draft.people:
                site = next((r["site"] for r in person["roles"] if r.get("site")), None)
                if site:
                    key = fold(site)
                    item = self.sites_by_key[key]
                    self.draft.place = {"value": item["name"], "span": item["span"], "basis": "site"}
                    break
        if self.draft.title is None:
            self.draft.warnings.append({"code": "title_missing", "message": "No conference title was found."})
        if not self.draft.people:
            self.draft.warnings.append({"code": "people_missing", "message": "No person was found."})
        for collection in (self.draft.documents, self.draft.document_groups, self.draft.sites):
            for item in collection:
                for private in [k for k in item if k.startswith("_") or k == "date_obj"]:
                    item.pop(private)
        return self.draft


def extract_article(text: str, *, known_documents: Mapping | None = None, year: int | None = None) -> Draft:
    """Extract a conference draft from the text of a report.

    `known_documents` maps canonical numbers ("21-NQ/TW") to their issue dates (date or ISO
    string); they let the year of "Sáng 22-7" be inferred. `year` answers the `year_missing`
    question for dates written without a year.
    """
    return _Extractor(text or "", known_documents, year).run()
