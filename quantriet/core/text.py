"""Vietnamese text helpers: NFC normalization, accent folding and name ordering (DOMAIN.md §7)."""
import re
import unicodedata

# Combining marks that make a different letter of the alphabet (ă, â, ê, ô, ơ, ư) ...
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
# ... and the five tone marks, in dictionary order after the level tone (ngang).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]
_LETTER_CODE = {letter: f"{index + 10:02d}" for index, letter in enumerate(_ALPHABET)}
_SPACES = re.compile(r"\s+")


def nfc(value: str | None) -> str:
    """NFC-normalize and trim, collapsing runs of whitespace to one space."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: str | None) -> str:
    """Lower-case, tone-less, đ→d form used for accent-insensitive search.

    "Chẩu Văn Lâm" and "chau van lam" fold to the same string, as does NFD input.
    """
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", str(value).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d")
    return _SPACES.sub(" ", stripped).strip()


def _word_key(word: str) -> tuple[str, str]:
    letters: list[str] = []
    tones: list[str] = []
    for base_char in unicodedata.normalize("NFC", word.lower()):
        parts = unicodedata.normalize("NFD", base_char)
        base, marks = parts[0], parts[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = max([_TONES.get(m, 0) for m in marks] or [0])
        if letter in _LETTER_CODE:
            letters.append(_LETTER_CODE[letter])
            tones.append(str(tone))
        elif base.isdigit():
            letters.append(f"0{max(int(base), 1)}")  # after the word separator "00"
            tones.append("0")
        # punctuation such as the apostrophe of H'Mông names does not sort
    return "".join(letters), "".join(tones)


def name_sort_key(full_name: str) -> str:
    """A digits-only key that sorts names the Vietnamese way.

    Given name (last word) first, then middle names, then family name, each by the
    Vietnamese alphabet (a ă â b c d đ e ê …); tone marks only break ties. Digits only,
    so every database collation orders it the same.
    """
    words = nfc(full_name).split(" ")
    if not words or words == [""]:
        return ""
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    keys = [_word_key(word) for word in ordered]
    letters = "00".join(key[0] for key in keys)
    tones = "".join(key[1] for key in keys)
    return f"{letters}00{tones}"[:250]
