"""Text plumbing for the extractor: an aligned normalized/folded view of the original text.

The extractor matches on a normalized copy of the article (NFC, "Ð" U+00D0 read as "Đ",
no-break spaces as spaces) and on an accent-folded copy of the same length (so "Uỷ" and
"Ủy" match alike), but every span it reports points into the ORIGINAL text, which may be
NFD or contain the look-alike letters. `AlignedText` keeps the two index maps.
"""
from __future__ import annotations

import unicodedata

# Characters read differently for matching (same length: one character for one).
_CHAR_MAP = {
    "\u00d0": "\u0110",  # Ð (Icelandic eth, used by some Vietnamese fonts) → Đ
    "\u00f0": "\u0111",  # ð → đ
    "\u0189": "\u0110",  # Ɖ (African D) → Đ
    "\u00a0": " ",  # no-break space
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2044": "/", "\u2215": "/", "\uff0f": "/",
    "\t": " ",
}
# Characters dropped from the normalized view (zero width).
_DROPPED = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}


def fold_char(ch: str) -> str:
    """Lower-case, tone-less, đ→d form of one character; always exactly one character."""
    lower = ch.lower()
    if len(lower) != 1:
        return ch
    decomposed = unicodedata.normalize("NFD", lower)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)) or lower
    base = base.replace("đ", "d")
    return base if len(base) == 1 else lower


class AlignedText:
    """The original text, its normalized view `norm` and folded view `fold` (same length as `norm`)."""

    def __init__(self, original: str):
        self.original = original
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        n = len(original)
        i = 0
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(original[j]):
                j += 1
            cluster = unicodedata.normalize("NFC", original[i:j])
            for ch in cluster:
                if ch in _DROPPED:
                    continue
                chars.append(_CHAR_MAP.get(ch, ch))
                starts.append(i)
                ends.append(j)
            i = j
        self.norm = "".join(chars)
        self.fold = "".join(fold_char(c) for c in self.norm)
        self._starts = starts
        self._ends = ends
        assert len(self.fold) == len(self.norm)

    def __len__(self) -> int:
        return len(self.norm)

    def to_original(self, start: int, end: int) -> list[int]:
        """Map a [start, end) span of the normalized view to the original text."""
        if end <= start:
            position = self._starts[start] if start < len(self._starts) else len(self.original)
            return [position, position]
        return [self._starts[start], self._ends[end - 1]]
