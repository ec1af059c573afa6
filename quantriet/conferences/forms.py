import csv
import io
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import fold, nfc
from quantriet.documents.models import Document
from quantriet.members.models import Member
from quantriet.units.models import Unit

from .models import AgendaRole, AttendanceStatus, AudienceKind, Conference, Kind, Mode, UninvitedPolicy

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
MAX_SHEET_BYTES = 2 * 1024 * 1024
MAX_SHEET_ROWS = 5000


class DocumentNumbersField(forms.CharField):
    """Documents given by their number and symbol, one per line or separated by ';' or ','."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2, "placeholder": "21-NQ/TW; 18-NQ/TW"}))
        kwargs.setdefault("help_text", _("Numbers and symbols, e.g. 21-NQ/TW, separated by ';'."))
        super().__init__(**kwargs)
        self.queryset = Document.objects.none()  # the form sets the documents the user may see

    def clean(self, value):
        from quantriet.documents import numbers

        text = super().clean(value) or ""
        documents, errors = [], []
        for part in [p.strip() for p in re.split(r"[;\n,]", text) if p.strip()]:
            try:
                canonical = numbers.parse_document_number(part).canonical
            except numbers.DocumentNumberError:
                errors.append(_("“%(value)s” is not a document number and symbol such as 21-NQ/TW.") % {"value": part})
                continue
            doc = self.queryset.filter(canonical_number=canonical).order_by("-issued_on").first()
            if doc is None:
                errors.append(_("No document %(number)s in the library.") % {"number": canonical})
            elif doc not in documents:
                documents.append(doc)
        if errors:
            raise forms.ValidationError(errors)
        return documents


def limit_documents(form, user):
    from quantriet.documents.selectors import visible_documents

    for field in form.fields.values():
        if isinstance(field, DocumentNumbersField):
            field.queryset = visible_documents(user)


class ConferenceForm(forms.ModelForm):
    documents = DocumentNumbersField(label=_("Documents"))

    class Meta:
        model = Conference
        fields = ["organizer", "title", "kind", "mode", "topic", "uninvited_policy", "late_grace_minutes"]
        widgets = {"topic": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organizer_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizer_queryset is not None:
            self.fields["organizer"].queryset = organizer_queryset
        if self.instance.pk:
            self.initial["documents"] = "; ".join(d.canonical_number for d in self.instance.documents.all())

    def clean_title(self):
        return nfc(self.cleaned_data["title"])

    def clean_late_grace_minutes(self):
        value = self.cleaned_data["late_grace_minutes"]
        if value > 240:
            raise forms.ValidationError(_("At most 240 minutes."))
        return value


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Ends at"), input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The session must end after it starts."))
        return data


class CellMeetingForm(SessionForm):
    unit = forms.ModelChoiceField(label=_("Cell"), queryset=Unit.objects.none())
    topic = forms.CharField(label=_("Topic"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    documents = DocumentNumbersField(label=_("Documents to read ahead"))
    field_order = ["unit", "title", "starts_at", "ends_at", "place", "topic", "documents"]

    def __init__(self, *args, unit_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_queryset if unit_queryset is not None else Unit.objects.none()


class MemberRefField(forms.CharField):
    """A member by party card number (8 digits) or id, resolved within a queryset."""

    def __init__(self, *, queryset=None, **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Member.objects.all()

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        if not re.fullmatch(r"\d{8}", value):
            raise forms.ValidationError(_("Enter the member's 8-digit party card number."))
        member = self.queryset.filter(card_number=value).first()
        if member is None:
            raise forms.ValidationError(_("No member with this party card number."))
        return member


class AgendaItemForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=AgendaRole.choices)
    title = forms.CharField(label=_("Item"), max_length=300, required=False)
    member = MemberRefField(label=_("Member (party card number)"), required=False)
    person_name = forms.CharField(label=_("Or an outside person"), max_length=120, required=False)
    person_titles = forms.CharField(label=_("Their titles"), max_length=1000, required=False,
                                    help_text=_("Separated by ';'."))
    documents = DocumentNumbersField(label=_("Documents covered"))


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    host_unit = forms.ModelChoiceField(label=_("Host unit"), queryset=Unit.objects.none())
    parent = forms.ModelChoiceField(label=_("Relayed from"), queryset=None, required=False)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    chair_member = MemberRefField(label=_("Chair (party card number)"), required=False)
    chair_name = forms.CharField(label=_("Or chair (outside person)"), max_length=120, required=False)
    chair_titles = forms.CharField(label=_("Chair's titles"), max_length=1000, required=False)
    expected_count = forms.IntegerField(label=_("Expected attendees"), min_value=0, max_value=10_000_000, initial=0)
    stream_url = forms.URLField(label=_("Stream or meeting link"), max_length=500, required=False,
                                assume_scheme="https")

    def __init__(self, *args, conference, unit_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = unit_queryset
        self.fields["parent"].queryset = conference.sites.all()


class AudienceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Audience"), choices=AudienceKind.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    include_subtree = forms.BooleanField(label=_("Include the units below"), required=False, initial=True)
    position = forms.CharField(label=_("Position contains"), max_length=200, required=False)
    member = MemberRefField(label=_("Member (party card number)"), required=False)

    def __init__(self, *args, unit_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_queryset


class MarkForm(forms.Form):
    member = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(choices=AttendanceStatus.choices)
    reason = forms.CharField(max_length=300, required=False)


class ScanForm(forms.Form):
    code = forms.CharField(label=_("Member's QR code or party card number"), max_length=500)


# -- paper sheet import ------------------------------------------------------------------

_PRESENT_WORDS = {"x", "v", "co", "co mat", "present", "1", "yes", "có", "có mặt"}
_ABSENT_WORDS = {"vang", "absent", "0", "no", "vang khong ly do", "khong"}
_EXCUSED_WORDS = {"excused", "vang co ly do", "co ly do", "co phep", "vang co phep"}


def _status_of(text: str) -> str | None:
    folded = fold(text)
    if folded in _PRESENT_WORDS or folded == "":
        return AttendanceStatus.PRESENT if folded else None
    if folded in _EXCUSED_WORDS:
        return AttendanceStatus.EXCUSED
    if folded in _ABSENT_WORDS:
        return AttendanceStatus.ABSENT
    return None


def _sheet_rows(upload) -> list[list[str]]:
    name = (upload.name or "").lower()
    data = upload.read(MAX_SHEET_BYTES + 1)
    if len(data) > MAX_SHEET_BYTES:
        raise forms.ValidationError(_("The file is larger than 2 MB."))
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "cp1258"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise forms.ValidationError(_("The CSV file is not in a readable text encoding."))
        return [[nfc(c) for c in row] for row in csv.reader(io.StringIO(text))]
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise forms.ValidationError(_("The file is not a valid .xlsx workbook."))
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = book.get_sheet_by_index(0).to_python()
        except Exception:
            raise forms.ValidationError(_("The file is not a valid .xlsx workbook."))
        return [[nfc(_cell(c)) for c in row] for row in sheet[: MAX_SHEET_ROWS + 2]]
    raise forms.ValidationError(_("Upload an .xlsx or .csv file."))


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


class SheetImportForm(forms.Form):
    """A paper sign-in sheet typed into a spreadsheet: card number, status, reason.

    The first row may be a header. Status: 'x'/'có mặt'/'present' (or empty with nothing
    else: skipped), 'vắng'/'absent', 'có lý do'/'excused'.
    """

    file = forms.FileField(label=_("Sheet (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        rows = _sheet_rows(upload)
        if rows and rows[0] and not re.fullmatch(r"\d{8}", (rows[0][0] or "").strip()):
            rows = rows[1:]  # header
        if len(rows) > MAX_SHEET_ROWS:
            raise forms.ValidationError(_("At most %(n)d rows.") % {"n": MAX_SHEET_ROWS})
        parsed, errors, seen = [], [], set()
        for number, row in enumerate(rows, start=2):
            cells = (row + ["", "", ""])[:3]
            card, status_text, reason = (c.strip() for c in cells)
            if not any(cells):
                continue
            if not re.fullmatch(r"\d{8}", card):
                errors.append(_("Row %(row)d: “%(card)s” is not an 8-digit party card number.") % {
                    "row": number, "card": card[:20]})
                continue
            status = _status_of(status_text)
            if status is None:
                if status_text:
                    errors.append(_("Row %(row)d: unknown status “%(status)s” (use x, vắng or có lý do).") % {
                        "row": number, "status": status_text[:30]})
                continue
            if status == AttendanceStatus.EXCUSED and not reason:
                errors.append(_("Row %(row)d: an excused absence needs a reason.") % {"row": number})
                continue
            if card in seen:
                errors.append(_("Row %(row)d: the card number %(card)s appears twice.") % {"row": number, "card": card})
                continue
            seen.add(card)
            parsed.append({"card_number": card, "status": status, "reason": reason[:300]})
        if errors:
            raise forms.ValidationError(errors[:20])
        if not parsed:
            raise forms.ValidationError(_("The sheet has no rows to import."))
        return parsed
