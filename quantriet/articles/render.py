"""Presenting a draft: the highlighted original text (for the review page) and a plain-text summary."""
from __future__ import annotations

ROLE_LABELS = {
    "chair": "chair", "presenter": "presenter", "opening_speech": "opening speech",
    "closing_speech": "closing speech", "speaker": "speaker", "attending": "attending",
}


def field_spans(draft: dict) -> list[tuple[int, int, str]]:
    """Every (start, end, field name) of a draft, for highlighting."""
    spans: list[tuple[int, int, str]] = []

    def add(span, name):
        if span and span[1] > span[0]:
            spans.append((span[0], span[1], name))

    for name in ("headline", "title", "place", "organizer", "mode", "source"):
        if draft.get(name):
            add(draft[name]["span"], name)
    for item in draft.get("dates", []):
        add(item["span"], "date")
    for item in draft.get("documents", []):
        for span in item["mentions"]:
            add(span, "document")
        add(item.get("title_span"), "document-title")
        add(item.get("date_span"), "document-date")
    for item in draft.get("document_groups", []):
        for span in item["mentions"]:
            add(span, "document-group")
    for item in draft.get("people", []):
        for span in item["mentions"]:
            add(span, "person")
        for position in item["positions"]:
            add(position["span"], "position")
        for role in item["roles"]:
            for span in role.get("mentions", [role["span"]]):
                add(span, "role")
    for item in draft.get("attendee_groups", []):
        add(item["span"], "attendee-group")
    for item in draft.get("sites", []):
        for span in item["mentions"]:
            add(span, "site")
    for item in draft.get("reach", {}).get("kinds", []):
        add(item["span"], "reach-kind")
    for item in draft.get("reach", {}).get("counts", []):
        add(item["span"], "reach-count")
    for item in draft.get("credits", []):
        for span in item["mentions"]:
            add(span, "credit")
    for item in draft.get("dropped", []):
        add(item["span"], "dropped")
    return spans


def highlight_pieces(text: str, draft: dict) -> list[dict]:
    """The text cut at every span boundary: [{"text": …, "fields": "person position"}, …].

    Pieces never overlap, so the template renders each as one (auto-escaped) <mark> or plain
    text; nothing is marked safe.
    """
    spans = [(max(0, s), min(len(text), e), name) for s, e, name in field_spans(draft)]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        if end <= start:
            continue
        names = sorted({name for s, e, name in spans if s <= start and end <= e})
        pieces.append({"text": text[start:end], "fields": " ".join(names), "start": start})
    return pieces


def draft_as_text(draft: dict) -> str:
    """A human-readable summary of a draft (the CLI's --format text)."""
    lines = []

    def value(item):
        return item["value"] if item else "—"

    lines.append(f"Title: {value(draft.get('title'))}")
    if draft.get("headline"):
        lines.append(f"Headline: {draft['headline']['value']}")
    for item in draft.get("dates", []):
        when = item["date"] or f"{item['day']}/{item['month']}/????"
        tod = f" ({item['time_of_day']})" if item["time_of_day"] else ""
        lines.append(f"Date: {when}{tod}  [{item['text']}]")
    lines.append(f"Place: {value(draft.get('place'))}")
    lines.append(f"Organizer: {value(draft.get('organizer'))}")
    if draft.get("mode"):
        lines.append(f"Mode: {draft['mode']['value']}")
    for item in draft.get("documents", []):
        title = f" “{item['title']}”" if item.get("title") else ""
        date = f" of {item['date']}" if item.get("date") else ""
        lines.append(f"Document: {item['number']}{date}{title}")
    for item in draft.get("document_groups", []):
        lines.append(f"Document group: {item['text']}")
    for item in draft.get("people", []):
        roles = "; ".join(
            ROLE_LABELS.get(r["role"], r["role"])
            + (f" of {', '.join(r['documents'])}" if r.get("documents") else "")
            + (f" at {r['site']}" if r.get("site") else "")
            for r in item["roles"]
        )
        positions = " | ".join(p["title"] for p in item["positions"])
        lines.append(f"Person: {item['name']} — {positions or '—'}" + (f" [{roles}]" if roles else ""))
    for item in draft.get("attendee_groups", []):
        lines.append(f"Attending group: {item['text']}" + (f" at {item['site']}" if item.get("site") else ""))
    for item in draft.get("sites", []):
        lines.append(f"Site: {item['name']}")
    for item in draft.get("reach", {}).get("kinds", []):
        lines.append(f"Reach (kinds): {item['text']}")
    for item in draft.get("reach", {}).get("counts", []):
        lines.append(f"Reach (count): {item['count']} {item['unit_text']}  [{item['text']}]")
    for item in draft.get("credits", []):
        lines.append(f"Credit ({item['kind']}): {item['name']}")
    if draft.get("source"):
        lines.append(f"Source: {draft['source']['value']}")
    for item in draft.get("dropped", []):
        lines.append(f"Dropped: {item['text'][:60]}")
    for item in draft.get("warnings", []):
        lines.append(f"Warning [{item['code']}]: {item['message']}" + (f" {item['question']}" if item.get("question") else ""))
    return "\n".join(lines)
