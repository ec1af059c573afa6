from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Unit, UnitKind


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "valid_from", "valid_to"]

    def __init__(self, *args, parent_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = UnitKind.objects.all()
        if parent_queryset is not None:
            self.fields["parent"].queryset = parent_queryset.select_related("kind")
        self.fields["valid_from"].widget = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
        self.fields["valid_to"].widget = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end <= start:
            self.add_error("valid_to", _("The end date must be after the start date."))
        return data


class UnitSearchForm(forms.Form):
    q = forms.CharField(label=_("Search units"), required=False, max_length=100)
