"""Changes to the document library. Each checks permission, validates and writes the audit log.

Documents are managed by committee office staff of the owner unit (or above) and by
administrators; public documents (no owner unit) by administrators or office staff on a
root unit. Bookmarks and read receipts are personal: anyone who sees a document may keep them.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quantriet.core import audit
from quantriet.core.actions import ActionDenied

from . import files, selectors
from .models import Attachment, Bookmark, Document, DocumentRelation, Kind, ReadReceipt, RelationKind
from .numbers import TYPES_BY_CODE, DocumentNumberError, parse_document_number

AUDITED = [
    "number", "type_code", "issuer", "canonical_number", "kind", "issuing_body", "issuing_unit", "issued_on",
    "title", "summary", "unit",
]
EDITABLE = {"number", "kind", "issuing_body", "issuing_unit", "issued_on", "title", "summary", "body", "unit"}
EARLIEST = datetime.date(1930, 2, 3)  # the party's founding


def _scope_path(document: Document) -> str:
    return document.unit.path if document.unit_id else ""


def _snapshot(document: Document) -> dict:
    data = audit.snapshot(document, AUDITED)
    data["body_length"] = len(document.body or "")
    return data


def _apply(document: Document, fields: dict) -> None:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    errors = {}
    if "number" in fields:
        try:
            parsed = parse_document_number(fields["number"])
        except DocumentNumberError as exc:
            errors["number"] = exc.messages
        else:
            type_changed = parsed.type_code != document.type_code
            document.number, document.type_code = parsed.number, parsed.type_code
            document.issuer, document.canonical_number = parsed.issuer, parsed.canonical
            if type_changed and "kind" not in fields:
                document.kind = ""
    for name in EDITABLE - {"number"}:
        if name in fields:
            setattr(document, name, fields[name])
    if document.type_code and not document.kind:
        document.kind = TYPES_BY_CODE[document.type_code].kinds[0]
    if document.issued_on:
        if document.issued_on > timezone.localdate():
            errors["issued_on"] = _("The date issued cannot be in the future.")
        elif document.issued_on < EARLIEST:
            errors["issued_on"] = _("The date issued cannot be before 03/02/1930.")
    try:
        # Without a valid number, its parts (and the kind derived from them) are not checked again.
        excluded = ["number", "type_code", "issuer", "canonical_number", "kind"] if "number" in errors else None
        document.full_clean(exclude=excluded)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if not document.number and "number" not in errors:
        errors["number"] = [_("Enter a document number such as 21-NQ/TW.")]
    if errors:
        raise ValidationError(errors)


def _save(document: Document) -> None:
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:  # a concurrent duplicate slipped past validate_constraints
        raise ValidationError(
            {"number": _("A document with this number and symbol was already issued on that date by that body.")}
        ) from exc


@transaction.atomic
def create_document(*, acting_user, number: str, issuing_body: str, issued_on, title: str,
                    kind: str = "", summary: str = "", body: str = "", issuing_unit=None, unit=None) -> Document:
    if not selectors.can_manage_unit(acting_user, unit):
        raise ActionDenied(target=str(unit) if unit else "public document")
    document = Document(created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
    _apply(document, {
        "number": number, "kind": kind, "issuing_body": issuing_body, "issuing_unit": issuing_unit,
        "issued_on": issued_on, "title": title, "summary": summary, "body": body, "unit": unit,
    })
    _save(document)
    audit.record("document.create", document, actor=acting_user, after=_snapshot(document),
                 scope_path=_scope_path(document))
    return document


@transaction.atomic
def update_document(document: Document, *, acting_user, **changes) -> Document:
    document = Document.objects.select_for_update(of=("self",)).select_related("unit").get(pk=document.pk)
    if not selectors.can_manage(acting_user, document):
        raise ActionDenied(target=str(document))
    before = _snapshot(document)
    _apply(document, changes)
    if "unit" in changes and not selectors.can_manage_unit(acting_user, document.unit):
        raise ActionDenied(target=str(document.unit) if document.unit else "public document")
    _save(document)
    after = _snapshot(document)
    if after != before:
        audit.record("document.update", document, actor=acting_user, before=before, after=after,
                     scope_path=_scope_path(document))
    return document


def add_attachment(document: Document, upload, *, acting_user) -> Attachment:
    """Check the file, then store it; nothing is written when the check or the save fails."""
    if not selectors.can_manage(acting_user, document):
        raise ActionDenied(target=str(document))
    checked = files.check_upload(upload)
    attachment = Attachment(
        document=document, original_name=checked.name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    upload.seek(0)
    try:
        with transaction.atomic():
            attachment.file.save(checked.name, upload, save=False)
            attachment.save()
            audit.record("document.attachment.add", document, actor=acting_user,
                         after={"attachment": attachment.pk, "name": checked.name, "size": checked.size,
                                "content_type": checked.content_type, "sha256": checked.sha256},
                         scope_path=_scope_path(document))
    except Exception:
        if attachment.file and attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment, *, acting_user) -> None:
    document = attachment.document
    if not selectors.can_manage(acting_user, document):
        raise ActionDenied(target=str(document))
    name, storage = attachment.file.name, attachment.file.storage
    audit.record("document.attachment.remove", document, actor=acting_user,
                 before={"attachment": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256},
                 scope_path=_scope_path(document))
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def add_relation(source: Document, target: Document, kind: str, *, acting_user) -> DocumentRelation:
    """`source` implements / replaces / guides `target`; the user manages `source` and sees `target`."""
    if not selectors.can_manage(acting_user, source):
        raise ActionDenied(target=str(source))
    if not selectors.can_view(acting_user, target):
        raise ActionDenied(target=str(target))
    if kind not in RelationKind.values:
        raise ValidationError({"kind": _("Choose implements, replaces or guides.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("A document cannot relate to itself.")})
    if DocumentRelation.objects.filter(source=source, target=target, kind=kind).exists():
        raise ValidationError({"target": _("This relation already exists.")})
    if kind == RelationKind.REPLACES and DocumentRelation.objects.filter(
        source=target, target=source, kind=RelationKind.REPLACES
    ).exists():
        raise ValidationError({"target": _("The other document already replaces this one.")})
    relation = DocumentRelation.objects.create(
        source=source, target=target, kind=kind,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    audit.record("document.relation.add", source, actor=acting_user,
                 after={"relation": relation.pk, "kind": kind, "target": target.pk, "target_number": target.canonical_number},
                 scope_path=_scope_path(source))
    return relation


@transaction.atomic
def remove_relation(relation: DocumentRelation, *, acting_user) -> None:
    source = relation.source
    if not selectors.can_manage(acting_user, source):
        raise ActionDenied(target=str(source))
    audit.record("document.relation.remove", source, actor=acting_user,
                 before={"relation": relation.pk, "kind": relation.kind, "target": relation.target_id},
                 scope_path=_scope_path(source))
    relation.delete()


def _require_view(acting_user, document: Document) -> None:
    if not getattr(acting_user, "is_authenticated", False) or not selectors.can_view(acting_user, document):
        raise ActionDenied(target=str(document))


@transaction.atomic
def bookmark(document: Document, *, acting_user) -> Bookmark:
    _require_view(acting_user, document)
    mark, created = Bookmark.objects.get_or_create(user=acting_user, document=document)
    if created:
        audit.record("document.bookmark", document, actor=acting_user, scope_path=_scope_path(document))
    return mark


@transaction.atomic
def unbookmark(document: Document, *, acting_user) -> bool:
    _require_view(acting_user, document)
    deleted, _count = Bookmark.objects.filter(user=acting_user, document=document).delete()
    if deleted:
        audit.record("document.unbookmark", document, actor=acting_user, scope_path=_scope_path(document))
    return bool(deleted)


@transaction.atomic
def mark_read(document: Document, *, acting_user, at=None) -> ReadReceipt:
    """Record that the user read the document: the first read is audited, later ones move `last_read_at`."""
    _require_view(acting_user, document)
    now = at or timezone.now()
    receipt = ReadReceipt.objects.select_for_update().filter(user=acting_user, document=document).first()
    if receipt is None:
        try:
            with transaction.atomic():
                receipt = ReadReceipt.objects.create(
                    user=acting_user, document=document, first_read_at=now, last_read_at=now, read_count=1
                )
        except IntegrityError:  # a concurrent first read
            receipt = ReadReceipt.objects.select_for_update().get(user=acting_user, document=document)
        else:
            audit.record("document.read", document, actor=acting_user, scope_path=_scope_path(document))
            return receipt
    receipt.last_read_at = max(now, receipt.last_read_at)
    receipt.read_count += 1
    receipt.save(update_fields=["last_read_at", "read_count"])
    return receipt


__all__ = [
    "create_document", "update_document", "add_attachment", "remove_attachment", "add_relation",
    "remove_relation", "bookmark", "unbookmark", "mark_read", "Kind",
]
