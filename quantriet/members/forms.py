from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc

from .models import Member, Status


class MemberForm(forms.ModelForm):
    positions = forms.CharField(
        label=_("Positions"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by ';'."),
    )

    class Meta:
        model = Member
        fields = [
            "full_name", "birth_date", "gender", "ethnicity", "religion", "card_number", "record_number",
            "admission_date", "official_date", "unit", "status", "citizen_id", "phone", "email",
        ]
        widgets = {
            name: forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
            for name in ("birth_date", "admission_date", "official_date")
        }

    def __init__(self, *args, unit_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit_queryset is not None:
            self.fields["unit"].queryset = unit_queryset
        if self.instance.pk:
            self.initial["positions"] = "\n".join(p.title for p in self.instance.positions.all())

    def clean_full_name(self):
        name = nfc(self.cleaned_data["full_name"])
        if len(name.split(" ")) < 2:
            raise forms.ValidationError(_("Enter the full name: family name and given name."))
        return name

    def clean_positions(self):
        raw = self.cleaned_data.get("positions") or ""
        parts = [nfc(p) for chunk in raw.splitlines() for p in chunk.split(";")]
        titles = [p for p in parts if p]
        for title in titles:
            if len(title) > 200:
                raise forms.ValidationError(_("A position may have at most 200 characters."))
        return titles

    def action_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("positions", None)
        return data


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, card or CCCD"), required=False, max_length=100)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses"))] + list(Status.choices))
    as_of = forms.DateField(label=_("As of"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "size": 10}))

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day
