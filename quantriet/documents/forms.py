from django import forms
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc

from . import files
from .models import Document, Kind, RelationKind
from .numbers import DOCUMENT_TYPES, DocumentNumberError, parse_document_number


class DocumentForm(forms.Form):
    number = forms.CharField(
        label=_("Number and symbol"), max_length=60,
        help_text=_("As printed on the document, e.g. 21-NQ/TW or 35-KH/TU (21/NQ-TW is accepted)."),
    )
    kind = forms.ChoiceField(
        label=_("Document type"), required=False, choices=[("", _("From the type code"))] + list(Kind.choices)
    )
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=255)
    issuing_unit = forms.ModelChoiceField(label=_("Issuing unit"), queryset=None, required=False)
    issued_on = forms.DateField(label=_("Date issued"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    title = forms.CharField(label=_("Title"), max_length=500)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label=_("Body text"), required=False, max_length=2_000_000, widget=forms.Textarea(attrs={"rows": 12}))
    unit = forms.ModelChoiceField(
        label=_("Owner unit"), queryset=None, required=False,
        help_text=_("Empty: public to every signed-in member. Set: visible only inside this unit's subtree."),
    )

    def __init__(self, *args, unit_queryset, issuing_unit_queryset, allow_public: bool, document=None, **kwargs):
        if document is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "number": document.canonical_number, "kind": document.kind, "issuing_body": document.issuing_body,
                "issuing_unit": document.issuing_unit_id, "issued_on": document.issued_on, "title": document.title,
                "summary": document.summary, "body": document.body, "unit": document.unit_id,
            }
        super().__init__(*args, **kwargs)
        self.allow_public = allow_public
        self.fields["unit"].queryset = unit_queryset
        self.fields["issuing_unit"].queryset = issuing_unit_queryset
        if allow_public:
            self.fields["unit"].empty_label = _("Public (all members)")
        else:
            self.fields["unit"].required = True

    def clean_number(self):
        try:
            return parse_document_number(self.cleaned_data["number"]).canonical
        except DocumentNumberError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean_title(self):
        return nfc(self.cleaned_data["title"])

    def action_fields(self) -> dict:
        return dict(self.cleaned_data)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF or DOCX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,application/pdf,"
                                               "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = files.max_upload_bytes() // (1024 * 1024)
        self.fields["file"].help_text = _("At most %(mb)d MB.") % {"mb": limit}


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("This document"), choices=RelationKind.choices)
    target = forms.CharField(
        label=_("Related document"), max_length=60, help_text=_("Its number and symbol, e.g. 21-NQ/TW."),
    )

    def __init__(self, *args, target_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_queryset = target_queryset

    def clean_target(self):
        try:
            parsed = parse_document_number(self.cleaned_data["target"])
        except DocumentNumberError as exc:
            raise forms.ValidationError(exc.messages) from exc
        matches = list(self.target_queryset.filter(canonical_number=parsed.canonical).order_by("-issued_on")[:2])
        if not matches:
            raise forms.ValidationError(_("No document %(number)s is in the library.") % {"number": parsed.canonical})
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several documents have the number %(number)s; relate them from the API by id.")
                % {"number": parsed.canonical}
            )
        return matches[0]


YEAR_CHOICES_START = 1930


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False,
        choices=[("", _("All types"))] + [(t.code, f"{t.code} — {t.name_vi}") for t in DOCUMENT_TYPES],
    )
    issuer = forms.CharField(label=_("Issuer"), required=False, max_length=20)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=YEAR_CHOICES_START, max_value=2999)

    def clean_issuer(self):
        from .numbers import normalize_issuer

        value = nfc(self.cleaned_data.get("issuer"))
        return normalize_issuer(value) if value else ""


__all__ = ["DocumentForm", "AttachmentForm", "RelationForm", "DocumentFilterForm", "Document"]
