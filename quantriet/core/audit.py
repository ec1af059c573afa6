"""Writing and reading the audit log. Actions call `record`; nothing else writes it."""
import datetime
import decimal
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

access_log = logging.getLogger("quantriet.access")

#: What an action code means, for the history shown on each object.
ACTION_LABELS = {
    "create": _("created"), "update": _("changed"), "delete": _("deleted"), "grant": _("role granted"),
    "revoke": _("role revoked"), "merge": _("merged"), "split": _("split"), "move": _("moved"),
    "rename": _("renamed"), "dissolve": _("dissolved"), "admitted": _("admitted"), "recognized": _("recognized"),
    "transfer_issued": _("transfer issued"), "transfer_confirmed": _("transfer confirmed"),
    "transfer_cancelled": _("transfer cancelled"), "exempted": _("exempted"), "disciplined": _("disciplined"),
    "removed": _("removed"), "deceased": _("death recorded"), "access_denied": _("access refused"),
}


def action_label(action: str) -> str:
    """"member.update" → "changed" (translated); unknown codes are shown as they are."""
    verb = action.rsplit(".", 1)[-1]
    return str(ACTION_LABELS.get(verb, action))


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The audited values of a model instance, JSON-ready."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.name] = _jsonable(getattr(instance, field.attname))
    return data


def entry(action: str, instance: models.Model | None, *, actor, before=None, after=None,
          scope_path: str = "", note: str = "") -> AuditEntry:
    """The unsaved entry `record` writes (for `record_many`)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        action=action,
        content_type=ContentType.objects.get_for_model(instance) if instance is not None else None,
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=str(instance)[:255] if instance is not None else "",
        scope_path=scope_path,
        before=before,
        after=after,
        note=note[:500],
    )


def record(action: str, instance: models.Model | None, *, actor, before=None, after=None,
           scope_path: str = "", note: str = "") -> AuditEntry:
    made = entry(action, instance, actor=actor, before=before, after=after, scope_path=scope_path, note=note)
    made.save(force_insert=True)
    return made


def record_many(entries, *, batch_size: int = 1000) -> list[AuditEntry]:
    """Write many entries built with `entry(...)` in a few INSERTs (bulk actions such as imports)."""
    return AuditEntry.objects.bulk_create(list(entries), batch_size=batch_size)


def record_denied(request, what: str) -> None:
    """Log an attempt to reach something outside the user's scope (answered with 404)."""
    user = getattr(request, "user", None)
    access_log.warning("out-of-scope access: user=%s path=%s target=%s", getattr(user, "pk", None), request.path, what)
    AuditEntry.objects.create(
        actor=user if getattr(user, "is_authenticated", False) else None,
        action="access_denied",
        object_repr=what[:255],
        note=f"{request.method} {request.path}"[:500],
    )


def entries_for(instance: models.Model):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    ).select_related("actor")
