"""Forms of the import page: the pasted report, then the review of its draft."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quantriet.conferences.models import Kind, Mode
from quantriet.core.text import nfc

from .extract import DEFAULT_MAX_BYTES, ArticleInputError, validate_input

ROLE_CHOICES = [
    ("chair", _("Chair")), ("presenter", _("Presenter")), ("opening_speech", _("Opening speech")),
    ("closing_speech", _("Closing speech")), ("speaker", _("Speaker")), ("attending", _("Attending")),
]
TIME_OF_DAY_CHOICES = [
    ("", _("—")), ("morning", _("Morning")), ("noon", _("Noon")), ("afternoon", _("Afternoon")),
    ("evening", _("Evening")), ("night", _("Night")),
]
_INPUT_ERRORS = {
    "empty": _("The text is empty: paste the text of a report."),
    "binary": _("This does not look like text (it contains control characters or is not UTF-8)."),
    "too_large": _("The text is too large (%(size)s bytes; the limit is %(limit)s bytes). Paste only the report."),
    "not_vietnamese": _("This does not look like a Vietnamese report: paste the report in Vietnamese."),
}


def max_bytes() -> int:
    return getattr(settings, "ARTICLES_MAX_BYTES", DEFAULT_MAX_BYTES)


class ArticleForm(forms.Form):
    text = forms.CharField(label=_("Text of the report"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))
    year = forms.IntegerField(label=_("Year of the conference (if the text does not say)"), required=False,
                              min_value=1930, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = max_bytes()

    def clean_text(self):
        text = self.cleaned_data["text"]
        limit = max_bytes()
        try:
            return validate_input(text, max_bytes=limit)
        except ArticleInputError as error:
            size = len(text.encode("utf-8", errors="surrogatepass"))
            raise forms.ValidationError(_INPUT_ERRORS[error.code] % {"size": size, "limit": limit},
                                        code=error.code) from None


class ReviewForm(forms.Form):
    organizer_unit = forms.ModelChoiceField(label=_("Organizing unit in the system"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    organizer_text = forms.CharField(label=_("Organizer (as reported)"), max_length=300, required=False)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    sites = forms.CharField(label=_("Sites (one per line)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    documents = forms.CharField(label=_("Documents (numbers, one per line)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    reach = forms.CharField(label=_("Reach (one figure per line)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.CharField(label=_("Source"), max_length=200, required=False)
    credits = forms.CharField(label=_("Photo credits"), max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer_unit"].queryset = units

    def clean_documents(self):
        from quantriet.documents.numbers import DocumentNumberError, parse_document_number

        numbers = []
        for line in self.cleaned_data["documents"].splitlines():
            if not line.strip():
                continue
            try:
                numbers.append(parse_document_number(line).canonical)
            except DocumentNumberError as error:
                raise forms.ValidationError(error.messages) from None
        return numbers

    def clean_sites(self):
        return [nfc(line) for line in self.cleaned_data["sites"].splitlines() if nfc(line)]

    def clean_reach(self):
        return [nfc(line) for line in self.cleaned_data["reach"].splitlines() if nfc(line)]


class DateForm(forms.Form):
    include = forms.BooleanField(label=_("Keep"), required=False, initial=True)
    date = forms.DateField(label=_("Date"), required=False)
    time_of_day = forms.ChoiceField(label=_("Time of day"), choices=TIME_OF_DAY_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        if data.get("include") and not data.get("date") and "date" not in self.errors:
            self.add_error("date", _("Give the full date (dd/mm/yyyy), or untick the row."))
        return data


class PersonForm(forms.Form):
    include = forms.BooleanField(label=_("Keep"), required=False, initial=True)
    name = forms.CharField(label=_("Name"), max_length=120)
    positions = forms.CharField(label=_("Positions (one per line)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=ROLE_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    site = forms.CharField(label=_("Site"), max_length=200, required=False)
    role_documents = forms.CharField(label=_("Documents conveyed"), max_length=300, required=False)
    match = forms.ChoiceField(label=_("Member"), required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— choose —")), ("new", _("New person (not a member in the system)"))]
        for c in candidates:
            label = _("strong match") if c["strength"] == "strong" else _("same name")
            choices.append((str(c["member_id"]), f"{c['full_name']} · {c['unit']} ({label})"))
        self.fields["match"].choices = choices
        self.candidates = list(candidates)

    def clean(self):
        data = super().clean()
        if data.get("include") and not data.get("match"):
            self.add_error("match", _("Choose the member this person is, or “new person”."))
        return data


DateFormSet = forms.formset_factory(DateForm, extra=0, max_num=20, validate_max=True)


class BasePersonFormSet(forms.BaseFormSet):
    def __init__(self, *args, candidates=(), **kwargs):
        self.candidates = list(candidates)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["candidates"] = self.candidates[index] if index is not None and index < len(self.candidates) else ()
        return kwargs


PersonFormSet = forms.formset_factory(PersonForm, formset=BasePersonFormSet, extra=0, max_num=100, validate_max=True)
