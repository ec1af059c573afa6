"""The member registry (đảng viên): the fields of the member record (DOMAIN.md §3)."""
import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import fold, name_sort_key, nfc

card_number_validator = RegexValidator(r"^\d{8}$", _("The party card number must be exactly 8 digits."))
citizen_id_validator = RegexValidator(r"^\d{12}$", _("The citizen ID (CCCD) must be exactly 12 digits."))
phone_validator = RegexValidator(r"^\+?[0-9 .\-]{8,15}$", _("Enter a valid phone number."))


class Status(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")  # quần chúng ưu tú / cảm tình đảng
    PROBATIONARY = "probationary", _("Probationary member")  # đảng viên dự bị
    OFFICIAL = "official", _("Official member")  # đảng viên chính thức
    EXEMPTED = "exempted", _("Exempted from activities")  # miễn công tác và sinh hoạt đảng
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")  # đã chuyển sinh hoạt đi
    REMOVED = "removed", _("Removed")  # xóa tên
    EXPELLED = "expelled", _("Expelled")  # khai trừ
    DECEASED = "deceased", _("Deceased")  # từ trần


#: Statuses that make someone a party member counted in their unit.
ACTIVE_STATUSES = (Status.PROBATIONARY, Status.OFFICIAL, Status.EXEMPTED)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def under_paths(self, paths):
        if paths is None:
            return self
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(unit__path__startswith=path)
        return self.filter(query)

    def search(self, text: str):
        folded = fold(text)
        if not folded:
            return self
        query = Q()
        for word in folded.split(" "):
            query &= Q(name_folded__contains=word)
        digits = folded.replace(" ", "")
        if digits.isdigit():
            query |= Q(card_number__startswith=digits) | Q(citizen_id=digits)
        return self.filter(query)


class Member(models.Model):
    full_name = models.CharField(_("full name"), max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    sort_key = models.CharField(max_length=255, editable=False, db_index=True)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, default="Kinh")
    religion = models.CharField(_("religion"), max_length=60, blank=True, default="Không")
    card_number = models.CharField(
        _("party card number"), max_length=8, unique=True, null=True, blank=True, validators=[card_number_validator]
    )
    record_number = models.CharField(_("record number"), max_length=30, blank=True)
    admission_date = models.DateField(_("admission date"), null=True, blank=True)
    official_date = models.DateField(_("official date"), null=True, blank=True)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit where active"), on_delete=models.PROTECT, related_name="members"
    )
    citizen_id = models.CharField(
        _("citizen ID (CCCD)"), max_length=12, unique=True, null=True, blank=True, validators=[citizen_id_validator]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OFFICIAL, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="member",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "id"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [models.Index(fields=["unit", "status"], name="member_unit_status_idx")]

    def __str__(self) -> str:
        return self.full_name

    def normalize(self) -> None:
        """NFC text, the folded and sort-key columns, empty numbers as NULL (save() and bulk writes)."""
        self.full_name = nfc(self.full_name)
        self.name_folded = fold(self.full_name)
        self.sort_key = name_sort_key(self.full_name)
        for name in ("ethnicity", "religion", "record_number", "phone"):
            setattr(self, name, nfc(getattr(self, name)))
        self.card_number = self.card_number or None
        self.citizen_id = self.citizen_id or None

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        today = timezone.localdate()
        # \d in the field validators also accepts non-ASCII digits (e.g. "١٢٣٤٥٦٧٨"): refuse them.
        if self.card_number and not self.card_number.isascii():
            errors["card_number"] = card_number_validator.message
        if self.citizen_id and not self.citizen_id.isascii():
            errors["citizen_id"] = citizen_id_validator.message
        if self.birth_date:
            if self.birth_date > today - relativedelta(years=16):
                errors["birth_date"] = _("The date of birth is implausible: the member would be under 16.")
            elif self.birth_date < datetime.date(1900, 1, 1):
                errors["birth_date"] = _("The date of birth is implausible: before 1900.")
        if self.admission_date:
            if self.admission_date > today:
                errors["admission_date"] = _("The admission date cannot be in the future.")
            elif self.birth_date and self.admission_date < self.birth_date + relativedelta(years=16):
                errors["admission_date"] = _("The admission date must be at least 16 years after the date of birth.")
        if self.official_date:
            if not self.admission_date:
                errors["official_date"] = _("An official date needs an admission date.")
            elif self.official_date < self.admission_date + relativedelta(months=12):
                errors["official_date"] = _(
                    "The official date must be at least 12 months after the admission date (probation)."
                )
            elif self.official_date > today:
                errors["official_date"] = _("The official date cannot be in the future.")
        if self.status in (Status.PROBATIONARY, Status.OFFICIAL, Status.EXEMPTED) and not self.admission_date:
            errors.setdefault("admission_date", _("A party member needs an admission date."))
        if self.status == Status.OFFICIAL and self.admission_date and not self.official_date:
            errors.setdefault("official_date", _("An official member needs an official date."))
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def positions_text(self) -> str:
        return ", ".join(p.title for p in self.positions.all())


class Position(models.Model):
    """One of a member's positions (chức vụ); members often hold several at once."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(_("position"), max_length=200)
    title_folded = models.CharField(max_length=200, editable=False, db_index=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return self.title

    def normalize(self) -> None:
        """NFC title and its folded column (save() and bulk writes)."""
        self.title = nfc(self.title)
        self.title_folded = fold(self.title)

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)


class MembershipKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    TEMPORARY = "temporary", _("Temporary (sinh hoạt tạm thời)")


class MembershipQuerySet(models.QuerySet):
    def on(self, day):
        """Periods covering `day`: start ≤ day < end (an open period has no end)."""
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gt=day))

    def under_paths(self, paths):
        if paths is None:
            return self
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(unit__path__startswith=path)
        return self.filter(query)


class Membership(models.Model):
    """A period during which a party member is active in a unit (sinh hoạt đảng).

    "The members of unit U on date D" are the periods covering D in U's subtree as of D.
    A member active today has exactly one open period, at `Member.unit`; periods of one
    member never overlap. Lifecycle actions and reorganizations open and close them.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True, help_text=_("First day no longer in the unit."))
    kind = models.CharField(_("kind"), max_length=12, choices=MembershipKind.choices, default=MembershipKind.REGULAR)
    reason = models.CharField(_("reason"), max_length=40, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["member_id", "start", "id"]
        verbose_name = _("membership period")
        verbose_name_plural = _("membership periods")
        indexes = [
            models.Index(fields=["unit", "start", "end"], name="membership_unit_idx"),
            models.Index(fields=["member", "end"], name="membership_member_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="membership_range"),
            models.UniqueConstraint(fields=["member"], condition=Q(end__isnull=True), name="one_open_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.unit} [{self.start} – {self.end or '…'})"


class TransferKind(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary transfer")  # chuyển sinh hoạt tạm thời
    OFFICIAL = "official", _("Official transfer")  # chuyển sinh hoạt chính thức


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    """A transfer of party activities (chuyển sinh hoạt đảng): issued by the outgoing side,
    confirmed by the receiving side; the member belongs to the destination only from confirmation."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField(_("kind"), max_length=12, choices=TransferKind.choices)
    from_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="transfers_out")
    to_unit = models.ForeignKey("units.Unit", verbose_name=_("destination"), on_delete=models.PROTECT, related_name="transfers_in")
    issued_on = models.DateField(_("issued on"))
    letter_number = models.CharField(_("letter number"), max_length=40, blank=True)
    until = models.DateField(_("until"), null=True, blank=True, help_text=_("End of a temporary transfer."))
    status = models.CharField(_("status"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING, db_index=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="pending"), name="one_pending_transfer"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_unit} → {self.to_unit}"


class DisciplineLevel(models.TextChoices):
    REPRIMAND = "khien_trach", _("Reprimand (khiển trách)")
    WARNING = "canh_cao", _("Warning (cảnh cáo)")
    DISMISSAL = "cach_chuc", _("Dismissal from post (cách chức)")
    EXPULSION = "khai_tru", _("Expulsion (khai trừ)")


class LifecycleEvent(models.Model):
    """One step in a member's life in the party, with its effective date and decision."""

    class Kind(models.TextChoices):
        ADMITTED = "admitted", _("Admitted (kết nạp)")
        RECOGNIZED = "recognized", _("Recognized as official (công nhận chính thức)")
        TRANSFER_ISSUED = "transfer_issued", _("Transfer issued")
        TRANSFER_CONFIRMED = "transfer_confirmed", _("Transfer confirmed")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
        RETURNED = "returned", _("Returned from temporary transfer")
        EXEMPTED = "exempted", _("Exempted (miễn sinh hoạt)")
        DISCIPLINED = "disciplined", _("Disciplined (kỷ luật)")
        REMOVED = "removed", _("Removed (xóa tên)")
        DECEASED = "deceased", _("Deceased (từ trần)")
        REORGANIZED = "reorganized", _("Moved by a reorganization")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    effective_on = models.DateField(_("effective date"))
    decision = models.CharField(_("decision"), max_length=60, blank=True)
    discipline_level = models.CharField(_("discipline"), max_length=12, choices=DisciplineLevel.choices, blank=True)
    from_unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("lifecycle event")
        verbose_name_plural = _("lifecycle events")

    def __str__(self) -> str:
        return f"{self.member}: {self.get_kind_display()} {self.effective_on}"


from .models_io import ImportJob  # noqa: E402,F401  (import jobs live in their own module)
