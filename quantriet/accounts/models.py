"""Roles assigned on a unit; each covers the unit's whole subtree."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    OFFICE = "office", _("Committee office staff")  # văn phòng cấp ủy
    SECRETARY = "secretary", _("Cell secretary")  # bí thư chi bộ
    INSPECTOR = "inspector", _("Inspector")  # ủy ban kiểm tra
    LEADER = "leader", _("Read-only leader")
    MEMBER = "member", _("Member (self only)")


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="role_assignments")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_assignment")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
