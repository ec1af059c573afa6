"""The "Import from article" pages: paste a report, review the draft, save it as a conference."""
from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quantriet.accounts import access
from quantriet.conferences import selectors as conference_selectors
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error
from quantriet.core.text import fold
from quantriet.units.models import Unit

from . import actions
from .extract import extract_article
from .forms import ArticleForm, DateFormSet, PersonFormSet, ReviewForm, max_bytes
from .library import known_documents
from .matching import match_people
from .render import highlight_pieces

WARNING_MESSAGES = {
    "year_missing": lambda w: _("The year is not stated and cannot be inferred: give the full date below, or enter "
                                "the year and read the report again."),
    "date_missing": lambda w: _("No date of the conference was found: add it below."),
    "title_missing": lambda w: _("No title was found: type it below."),
    "people_missing": lambda w: _("No person was found in the report."),
}


def _require_importer(request) -> None:
    if not actions.can_import(request.user):
        audit.record_denied(request, "articles import")
        raise Http404


def _units(user):
    return Unit.objects.valid_on().under_paths(
        access.scope_paths(user, conference_selectors.MANAGE_CONFERENCE)).select_related("kind").order_by("path")


def _extract(request, text: str, year: int | None) -> tuple[dict, list]:
    """The draft of `text` (with the library's document dates) and its member candidates."""
    from quantriet.documents.selectors import visible_documents

    draft = extract_article(text, year=year)
    numbers = [d["number"] for d in draft.documents]
    known = known_documents(numbers, visible_documents(request.user))
    if known:
        draft = extract_article(text, known_documents=known, year=year)
    data = draft.to_dict()
    candidates = match_people(data, access.visible_members(request.user))
    return data, candidates


def _initial(draft: dict) -> tuple[dict, list, list]:
    title = (draft.get("title") or draft.get("headline") or {}).get("value", "")
    kind = "cell_meeting" if "sinh hoat chi bo" in fold(title) else "study"
    review = {
        "title": title[:300], "kind": kind, "mode": (draft.get("mode") or {}).get("value", "in_person"),
        "organizer_text": (draft.get("organizer") or {}).get("value", ""),
        "place": (draft.get("place") or {}).get("value", ""),
        "sites": "\n".join(s["name"] for s in draft["sites"]),
        "documents": "\n".join(d["number"] for d in draft["documents"]),
        "reach": "\n".join([k["text"] for k in draft["reach"]["kinds"]] + [c["text"] for c in draft["reach"]["counts"]]),
        "source": (draft.get("source") or {}).get("value", ""),
        "credits": ", ".join(c["name"] for c in draft["credits"]),
    }
    dates = [{"include": True, "date": datetime.date.fromisoformat(d["date"]) if d["date"] else None,
              "time_of_day": d["time_of_day"] or ""} for d in draft["dates"]]
    people = []
    for person in draft["people"]:
        people.append({
            "include": True, "name": person["name"], "positions": "\n".join(p["title"] for p in person["positions"]),
            "roles": [r["role"] for r in person["roles"]],
            "site": next((r["site"] for r in person["roles"] if r.get("site")), "") or "",
            "role_documents": ", ".join(n for r in person["roles"] for n in r.get("documents", [])),
            "match": "",
        })
    return review, dates, people


def _render_review(request, article_form, text, draft, candidates, review_form, date_formset, person_formset):
    people_rows = list(zip(person_formset.forms, draft["people"] + [None] * len(person_formset.forms)))
    return render(request, "articles/review.html", {
        "article_form": article_form, "draft": draft, "pieces": highlight_pieces(text, draft),
        "warnings": [WARNING_MESSAGES.get(w["code"], lambda w: w["message"])(w) for w in draft["warnings"]],
        "review_form": review_form, "date_formset": date_formset, "person_formset": person_formset,
        "people_rows": people_rows, "candidates": candidates,
    })


@login_required
def import_article(request):
    _require_importer(request)
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        text, year = form.cleaned_data["text"], form.cleaned_data["year"]
        draft, candidates = _extract(request, text, year)
        review, dates, people = _initial(draft)
        return _render_review(
            request, form, text, draft, candidates,
            ReviewForm(initial=review, units=_units(request.user)),
            DateFormSet(initial=dates, prefix="dates"),
            PersonFormSet(initial=people, prefix="people", candidates=candidates),
        )
    return render(request, "articles/import.html", {"form": form, "max_bytes": max_bytes()})


@login_required
@require_POST
def save_article(request):
    _require_importer(request)
    article_form = ArticleForm(request.POST)
    if not article_form.is_valid():
        return render(request, "articles/import.html", {"form": article_form, "max_bytes": max_bytes()})
    text, year = article_form.cleaned_data["text"], article_form.cleaned_data["year"]
    draft, candidates = _extract(request, text, year)
    review_form = ReviewForm(request.POST, units=_units(request.user))
    date_formset = DateFormSet(request.POST, prefix="dates")
    person_formset = PersonFormSet(request.POST, prefix="people", candidates=candidates)
    if review_form.is_valid() and date_formset.is_valid() and person_formset.is_valid():
        reviewed = _reviewed(request, review_form, date_formset, person_formset)
        if reviewed is not None:
            try:
                conference = actions.save_draft(reviewed, acting_user=request.user)
            except ActionDenied:
                raise Http404 from None
            except ValidationError as error:
                apply_validation_error(review_form, error)
            else:
                messages.success(request, _("Conference saved from the report."))
                return redirect("conferences:detail", pk=conference.pk)
    return _render_review(request, article_form, text, draft, candidates, review_form, date_formset, person_formset)


def _reviewed(request, review_form, date_formset, person_formset) -> dict | None:
    data = dict(review_form.cleaned_data)
    data["dates"] = [{"date": f.cleaned_data["date"], "time_of_day": f.cleaned_data["time_of_day"] or None}
                     for f in date_formset.forms if f.cleaned_data.get("include")]
    if not data["dates"]:
        review_form.add_error(None, _("Keep at least one date of the conference."))
        return None
    visible = access.visible_members(request.user)
    people = []
    for form in person_formset.forms:
        cd = form.cleaned_data
        if not cd.get("include"):
            continue
        member = None
        if cd["match"] != "new":
            allowed = {str(c["member_id"]) for c in form.candidates}
            member = visible.filter(pk=cd["match"]).first() if cd["match"] in allowed else None
            if member is None:
                form.add_error("match", _("Choose one of the members offered, or “new person”."))
                return None
        documents = [n.strip() for n in cd["role_documents"].split(",") if n.strip()]
        people.append({
            "name": cd["name"], "member": member,
            "positions": [p.strip() for p in cd["positions"].splitlines() if p.strip()],
            "roles": [{"role": role, "site": cd["site"] or None,
                       "documents": documents if role == "presenter" else []} for role in cd["roles"]],
        })
    data["people"] = people
    return data
