"""Shared plumbing: the audit log (nhật ký thay đổi)."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after.

    `scope_path` is the tree path of the unit the object belongs to, so an entry is
    visible to exactly those who may see the object.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    scope_path = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def changes(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for every field whose value differs, in the reader's language.

        Related objects stored by id are shown by name when the related row still exists.
        """
        before, after = self.before or {}, self.after or {}
        model = self.content_type.model_class() if self.content_type_id else None
        rows = []
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            label, field = key, None
            if model is not None:
                try:
                    field = model._meta.get_field(key)
                    label = str(field.verbose_name)
                except Exception:  # not a model field (e.g. "positions")
                    field = None
            if field is not None and field.many_to_many:
                rows.append((label, old, new))
                continue
            if field is not None and field.is_relation and field.related_model is not None:
                names = dict(field.related_model._base_manager.filter(pk__in=[v for v in (old, new) if v is not None])
                             .in_bulk().items())
                old, new = (str(names.get(v, v)) if v is not None else None for v in (old, new))
            elif field is not None and field.choices:
                choices = dict(field.flatchoices)
                old, new = (str(choices.get(v, v)) if v is not None else None for v in (old, new))
            rows.append((label, old, new))
        return rows

    @property
    def action_label(self) -> str:
        from .audit import action_label

        return action_label(self.action)
