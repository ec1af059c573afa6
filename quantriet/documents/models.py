"""The document library (thư viện văn bản): party documents, their files and relations (DOMAIN.md §4).

Visibility: a document with no owner `unit` is public to every signed-in user (central and
provincial resolutions to be studied by all members); a document with an owner unit is
internal and visible to the people of that unit's subtree and to those whose scope covers
the unit (see `selectors.visible_documents`).

Uniqueness: a number and symbol restarts at 01 for each type within one committee term, and
several committees share an issuer code (every provincial committee issues "…/TU"). There is
no term model, so the constraint is one document per (canonical number, issue date, issuing
series): a real document is issued once, on one date, by one committee, so the constraint
never refuses a legitimate document, while entering the same document twice is refused.
The issuing series (`series_key`) is the issuer code for central issuers (ending in "TW",
unique in the country) and otherwise the issuing unit, or the folded issuing body's name.
"""
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import fold, nfc

from . import numbers


class Kind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")  # nghị quyết
    DIRECTIVE = "directive", _("Directive")  # chỉ thị
    CONCLUSION = "conclusion", _("Conclusion")  # kết luận
    DECISION = "decision", _("Decision")  # quyết định
    REGULATION = "regulation", _("Regulation")  # quy định
    RULES = "rules", _("Rules")  # quy chế
    GUIDANCE = "guidance", _("Guidance")  # hướng dẫn
    PLAN = "plan", _("Plan")  # kế hoạch
    PROGRAMME = "programme", _("Programme of action")  # chương trình
    PROJECT = "project", _("Project")  # đề án, phương án
    REPORT = "report", _("Report")  # báo cáo
    NOTICE = "notice", _("Notice")  # thông báo
    LETTER = "letter", _("Official letter")  # công văn
    CIRCULAR = "circular", _("Circular")  # thông tri
    SUBMISSION = "submission", _("Submission")  # tờ trình
    COMMUNIQUE = "communique", _("Communiqué")  # thông cáo
    MINUTES = "minutes", _("Minutes")  # biên bản
    OTHER = "other", _("Other document")


#: Vietnamese names of the kinds, part of the searchable text ("nghị quyết …" finds resolutions).
KIND_NAMES_VI = {
    Kind.RESOLUTION: "Nghị quyết", Kind.DIRECTIVE: "Chỉ thị", Kind.CONCLUSION: "Kết luận",
    Kind.DECISION: "Quyết định", Kind.REGULATION: "Quy định", Kind.RULES: "Quy chế",
    Kind.GUIDANCE: "Hướng dẫn", Kind.PLAN: "Kế hoạch", Kind.PROGRAMME: "Chương trình",
    Kind.PROJECT: "Đề án", Kind.REPORT: "Báo cáo", Kind.NOTICE: "Thông báo", Kind.LETTER: "Công văn",
    Kind.CIRCULAR: "Thông tri", Kind.SUBMISSION: "Tờ trình", Kind.COMMUNIQUE: "Thông cáo",
    Kind.MINUTES: "Biên bản", Kind.OTHER: "Văn bản",
}

TYPE_CODE_CHOICES = [(t.code, f"{t.code} — {t.name_vi}") for t in numbers.DOCUMENT_TYPES]


def search_words(text: str) -> str:
    """Folded words separated by single spaces and padded with spaces, for whole-word matching."""
    folded = fold(text)
    words = "".join(ch if ch.isalnum() else " " for ch in folded).split()
    return f" {' '.join(words)} " if words else ""


class DocumentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(unit__isnull=True)


class Document(models.Model):
    number = models.PositiveIntegerField(_("number"))
    type_code = models.CharField(_("type code"), max_length=8, choices=TYPE_CODE_CHOICES)
    issuer = models.CharField(_("issuer code"), max_length=20)
    canonical_number = models.CharField(_("number and symbol"), max_length=40, db_index=True)
    kind = models.CharField(_("document type"), max_length=20, choices=Kind.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=255)
    issuing_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("issuing unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    series_key = models.CharField(max_length=255, editable=False)
    issued_on = models.DateField(_("date issued"))
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body text"), blank=True)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("owner unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="documents",
        help_text=_("Empty: public to every signed-in member. Set: visible only inside this unit's subtree."),
    )
    # Kind name, number in both forms and issuing body: searchable with the title.
    search_header = models.CharField(max_length=400, editable=False, blank=True)
    # SQLite fallback search: folded words of header, title, summary and body, padded with spaces.
    search_folded = models.TextField(editable=False, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-number", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["canonical_number", "issued_on", "series_key"], name="document_unique_number_date_series"
            ),
            models.CheckConstraint(condition=Q(number__gt=0), name="document_number_positive"),
        ]
        indexes = [
            models.Index(fields=["type_code", "issued_on"], name="document_type_date_idx"),
            models.Index(fields=["unit", "issued_on"], name="document_unit_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.canonical_number} {self.title}"[:255]

    @property
    def kind_name_vi(self) -> str:
        return KIND_NAMES_VI.get(self.kind, "")

    @property
    def press_number(self) -> str:
        if not (self.number and self.type_code and self.issuer):
            return ""
        return f"{self.number:02d}/{self.type_code}-{self.issuer}"

    @property
    def is_public(self) -> bool:
        return self.unit_id is None

    def set_number(self, text: str) -> None:
        """Parse a number and symbol (raises DocumentNumberError) and store its parts."""
        parsed = numbers.parse_document_number(text)
        self.number, self.type_code, self.issuer, self.canonical_number = (
            parsed.number, parsed.type_code, parsed.issuer, parsed.canonical
        )
        if not self.kind:
            self.kind = numbers.TYPES_BY_CODE[parsed.type_code].kinds[0]

    def compute_series_key(self) -> str:
        if (self.issuer or "").endswith("TW"):
            return self.issuer
        if self.issuing_unit_id:
            return f"unit:{self.issuing_unit_id}"
        return "body:" + fold(self.issuing_body)[:240]

    def normalize(self) -> None:
        for name in ("title", "issuing_body"):
            setattr(self, name, nfc(getattr(self, name)))
        # Keep paragraphs: normalize to NFC and strip trailing spaces, but keep line breaks.
        for name in ("summary", "body"):
            value = getattr(self, name) or ""
            lines = [nfc(line) for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            setattr(self, name, "\n".join(lines).strip())
        if self.type_code and self.issuer and self.number:
            self.issuer = numbers.normalize_issuer(self.issuer)
            self.canonical_number = numbers.format_document_number(self.number, self.type_code, self.issuer)
        self.series_key = self.compute_series_key()
        self.search_header = " ".join(
            [self.kind_name_vi, self.canonical_number, self.press_number, self.issuing_body]
        )[:400]
        self.search_folded = search_words(" ".join([self.search_header, self.title, self.summary, self.body]))

    def clean(self):
        self.normalize()
        errors = {}
        if self.type_code and self.type_code not in numbers.TYPES_BY_CODE:
            errors["type_code"] = _("Unknown document type code.")
        elif self.type_code and self.kind and self.kind not in numbers.TYPES_BY_CODE[self.type_code].kinds:
            errors["kind"] = _("The type %(kind)s does not match the code %(code)s.") % {
                "kind": Kind(self.kind).label, "code": self.type_code,
            }
        if self.issuer:
            try:
                numbers.parse_document_number(f"{self.number or 1}-{self.type_code or 'NQ'}/{self.issuer}")
            except ValidationError as exc:
                errors["issuer"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            if "__all__" in getattr(exc, "error_dict", {}):
                raise ValidationError(
                    {"number": _("A document with this number and symbol was already issued on that date by that body.")}
                ) from exc
            raise

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)


def attachment_path(instance: "Attachment", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"documents/{instance.document_id or 'new'}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file of a document (PDF or DOCX), stored under MEDIA_ROOT and served only by a checked view."""

    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    CONTENT_TYPES = {PDF: ".pdf", DOCX: ".docx"}

    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, choices=[(PDF, "PDF"), (DOCX, "DOCX")])
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.CONTENT_TYPES.get(self.content_type, "")


class RelationKind(models.TextChoices):
    IMPLEMENTS = "implements", _("implements")  # thực hiện
    REPLACES = "replaces", _("replaces")  # thay thế
    GUIDES = "guides", _("guides")  # hướng dẫn


class DocumentRelation(models.Model):
    """`source` implements / replaces / guides `target` (e.g. 35-KH/TU implements 21-NQ/TW)."""

    source = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(
        Document, verbose_name=_("related document"), on_delete=models.CASCADE, related_name="relations_in"
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("document relation")
        verbose_name_plural = _("document relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="document_relation_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="document_relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source.canonical_number} {self.get_kind_display()} {self.target.canonical_number}"


class Bookmark(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_bookmarks")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="document_bookmark_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.document.canonical_number}"


class ReadReceipt(models.Model):
    """A user read a document: first and last time, and how many times (for study tracking)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_reads")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="read_receipts")
    first_read_at = models.DateTimeField()
    last_read_at = models.DateTimeField()
    read_count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_read_at", "-id"]
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="document_read_unique")]
        indexes = [models.Index(fields=["document", "user"], name="document_read_doc_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.document.canonical_number}"
