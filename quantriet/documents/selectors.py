"""Reading the document library: who sees which documents, who manages them, and search.

Visibility (the rule every page, file and API endpoint applies):
- a public document (no owner unit) is visible to every signed-in, active user;
- an internal document (owner unit set) is visible to the people inside the owner unit's
  subtree (their member record or any role is on a unit under it) and to those whose view
  scope covers the owner unit (staff of an ancestor, administrators).

Management: office staff of the owner unit or above, administrators everywhere; public
documents only by administrators or office staff on a root unit.
"""
from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from quantriet.accounts import access
from quantriet.accounts.models import RoleAssignment
from quantriet.units.models import Unit

from .models import Bookmark, Document, search_words
from .numbers import find_document_numbers, try_parse_document_number

#: The access action that manages documents: administrators and committee office staff.
#: (The roles of access.EDIT_UNITS; a dedicated access.MANAGE_DOCUMENTS would read better.)
MANAGE = getattr(access, "MANAGE_DOCUMENTS", access.EDIT_UNITS)


def own_paths(user) -> list[str]:
    """Paths of the units the user belongs to: their member's unit and every unit they hold a role on."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_quantriet_document_paths", None)
    if cached is None:
        paths = set(RoleAssignment.objects.filter(user=user).values_list("unit__path", flat=True))
        member = access.own_member(user)
        if member is not None:
            paths.add(member.unit.path)
        cached = sorted(paths)
        user._quantriet_document_paths = cached
    return cached


def _ancestor_paths(path: str) -> list[str]:
    segments = [s for s in path.split(".") if s]
    return [".".join(segments[: i + 1]) + "." for i in range(len(segments))]


def visible_documents(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Document.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    scope = access.scope_paths(user, access.VIEW)
    if scope is None:
        return queryset
    query = Q(unit__isnull=True)
    for path in scope:
        query |= Q(unit__path__startswith=path)
    ancestors = sorted({a for path in own_paths(user) for a in _ancestor_paths(path)})
    if ancestors:
        query |= Q(unit__path__in=ancestors)
    return queryset.filter(query)


def can_view(user, document: Document) -> bool:
    return visible_documents(user, Document.objects.filter(pk=document.pk)).exists()


def manage_scope(user) -> list[str] | None:
    return access.scope_paths(user, MANAGE)


def can_manage_public(user) -> bool:
    scope = manage_scope(user)
    return scope is None or any(path.count(".") == 1 for path in scope)


def can_manage_unit(user, unit: Unit | None) -> bool:
    """May `user` manage documents owned by `unit` (None: public documents)?"""
    if unit is None:
        return can_manage_public(user)
    return access.can(user, MANAGE, unit.path)


def can_manage(user, document: Document) -> bool:
    return can_manage_unit(user, document.unit)


def can_create_any(user) -> bool:
    return access.has_any(user, MANAGE)


def manageable_units(user) -> QuerySet:
    """Units that may own documents the user manages (for the owner field)."""
    return Unit.objects.valid_on().under_paths(manage_scope(user)).select_related("kind")


def bookmarked_ids(user, documents) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Bookmark.objects.filter(user=user, document__in=[d.pk for d in documents]).values_list("document_id", flat=True)
    )


# --- search -------------------------------------------------------------------------------

#: Must stay identical to the index expression of migration 0002 so PostgreSQL uses the index.
PG_VECTOR_SQL = (
    "(setweight(to_tsvector('simple'::regconfig, qt_unaccent(coalesce(\"documents_document\".\"search_header\", '')"
    " || ' ' || coalesce(\"documents_document\".\"title\", ''))), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, qt_unaccent(coalesce(\"documents_document\".\"summary\", ''))), 'B')"
    " || setweight(to_tsvector('simple'::regconfig, qt_unaccent(coalesce(\"documents_document\".\"body\", ''))), 'C'))"
)
PG_QUERY_SQL = "plainto_tsquery('simple'::regconfig, qt_unaccent(%s))"
MAX_QUERY_WORDS = 12


def uses_postgres_search() -> bool:
    return connection.vendor == "postgresql"


def search(queryset: QuerySet, text: str | None) -> QuerySet:
    """Documents matching `text`: a number and symbol in any accepted form and/or words.

    Words are matched accent-insensitively, every word must occur (whole words). On PostgreSQL:
    full-text search with unaccent over header, title, summary and body, ranked (title first);
    elsewhere: a whole-word match over the stored folded text, newest first.
    """
    text = (text or "").strip()[:200]
    if not text:
        return queryset
    whole = try_parse_document_number(text)
    if whole is not None:
        return queryset.filter(canonical_number=whole.canonical)
    found = find_document_numbers(text)
    rest = text
    if found:
        from .numbers import NUMBER_IN_TEXT

        rest = NUMBER_IN_TEXT.sub(" ", text)
        queryset = queryset.filter(canonical_number__in=[n.canonical for n in found])
    words = search_words(rest).split()[:MAX_QUERY_WORDS]
    if not words:
        return queryset if found else queryset.none()
    if uses_postgres_search():
        terms = " ".join(words)
        match = RawSQL(f"{PG_VECTOR_SQL} @@ {PG_QUERY_SQL}", [terms], output_field=BooleanField())
        rank = RawSQL(f"ts_rank({PG_VECTOR_SQL}, {PG_QUERY_SQL})", [terms], output_field=FloatField())
        return queryset.annotate(search_match=match).filter(search_match=True).annotate(
            search_rank=rank
        ).order_by("-search_rank", "-issued_on", "-number", "id")
    for word in words:
        queryset = queryset.filter(search_folded__contains=f" {word} ")
    return queryset
