"""Import jobs: one uploaded member file, its preview (row errors and warnings) and its commit."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")  # the preview is pending or running
    PREVIEWED = "previewed", _("Previewed")
    COMMITTING = "committing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """An uploaded member file (.xlsx, .xls or .csv), stored under MEDIA_ROOT/imports/.

    `errors` holds {"file": [messages], "rows": [{"row", "name", "card", "action", "errors", "warnings"}],
    "rows_omitted": n}: only rows with something to say are listed. Nothing is written to the
    member registry until the commit, which is all-or-nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL,
        related_name="member_imports",
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    file_kind = models.CharField(max_length=8)  # xlsx, xls or csv (from the content)
    default_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("default unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED, db_index=True
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of the current step
    create_count = models.PositiveIntegerField(default=0)
    update_count = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    warning_rows = models.PositiveIntegerField(default=0)
    converted_rows = models.PositiveIntegerField(default=0)  # rows with TCVN3/VNI text converted
    encoding_note = models.CharField(max_length=120, blank=True)
    errors = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def file_errors(self) -> list:
        return (self.errors or {}).get("file", [])

    @property
    def row_issues(self) -> list:
        return (self.errors or {}).get("rows", [])

    @property
    def is_running(self) -> bool:
        return self.status == ImportStatus.COMMITTING or (self.status == ImportStatus.UPLOADED and not self.finished_at)

    @property
    def can_commit(self) -> bool:
        return (
            self.status == ImportStatus.PREVIEWED and not self.error_rows and not self.file_errors
            and (self.create_count + self.update_count) > 0
        )
