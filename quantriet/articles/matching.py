"""Matching the people of a draft to existing members: suggestions only, never a silent merge.

A member whose folded name equals the person's and who holds a position overlapping one of
the person's positions is a "strong" candidate; a member with the same name only is a
"possible" candidate. The review page shows both and the user picks one or "new person".
"""
from __future__ import annotations

import re

from quantriet.core.text import fold

#: Abbreviations of the press expanded before positions are compared (folded forms).
_ABBREVIATIONS = {
    "bch": "ban chap hanh", "hdnd": "hoi dong nhan dan", "ubnd": "uy ban nhan dan", "tw": "trung uong",
    "mttq": "mat tran to quoc", "ubkt": "uy ban kiem tra", "dbqh": "dai bieu quoc hoi", "tp": "thanh pho",
}


def position_key(title: str) -> str:
    """A comparable form of a position: folded, abbreviations expanded, punctuation dropped."""
    words = re.sub(r"[^\w\s]", " ", fold(title)).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def positions_overlap(ours: list[str], theirs: list[str]) -> list[str]:
    """Our positions that one of theirs equals or contains (after normalization)."""
    keys = [position_key(t) for t in theirs]
    found = []
    for title in ours:
        key = position_key(title)
        if key and any(key == other or (len(key) >= 8 and (key in other or other in key)) for other in keys if other):
            found.append(title)
    return found


def match_people(draft: dict, queryset) -> list[list[dict]]:
    """Candidates for each person of `draft` (a `Draft.to_dict()`), in the same order.

    `queryset` is the members the user may see (`access.visible_members(user)`): nobody outside
    the user's scope is ever suggested. Candidates are sorted strong first, then by name and id.
    """
    people = draft.get("people") or []
    names = {fold(person["name"]) for person in people}
    by_name: dict[str, list] = {}
    if names:
        for member in queryset.filter(name_folded__in=names).select_related("unit").prefetch_related("positions"):
            by_name.setdefault(member.name_folded, []).append(member)
    result = []
    for person in people:
        ours = [p["title"] for p in person.get("positions", [])]
        candidates = []
        for member in by_name.get(fold(person["name"]), []):
            theirs = [p.title for p in member.positions.all()]
            overlap = positions_overlap(ours, theirs)
            candidates.append({
                "member_id": member.pk, "full_name": member.full_name, "unit": member.unit.name,
                "positions": theirs, "overlap": overlap, "strength": "strong" if overlap else "possible",
            })
        candidates.sort(key=lambda c: (c["strength"] != "strong", c["full_name"], c["member_id"]))
        result.append(candidates)
    return result
