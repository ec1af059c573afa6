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

    def save(self, *args, **kwargs):
        self.full_name = nfc(self.full_name)
        self.name_folded = fold(self.full_name)
        self.sort_key = name_sort_key(self.full_name)
        for name in ("ethnicity", "religion", "record_number", "phone"):
            setattr(self, name, nfc(getattr(self, name)))
        self.card_number = self.card_number or None
        self.citizen_id = self.citizen_id or None
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        today = timezone.localdate()
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

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        self.title_folded = fold(self.title)
        super().save(*args, **kwargs)
