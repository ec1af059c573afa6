"""Forms for reorganizations; units are named by code, since they may be anywhere in the caller's scope."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc

from .models import Unit, UnitKind

DATE = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})


class UnitCodeField(forms.CharField):
    def __init__(self, *args, queryset_getter=None, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        unit = Unit.objects.valid_on().filter(code=nfc(value)).first()
        if unit is None:
            raise forms.ValidationError(_("No current unit has the code %(code)s.") % {"code": value})
        return unit


class BaseReorgForm(forms.Form):
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE, initial=timezone.localdate)
    decision = forms.CharField(label=_("Decision number"), max_length=80, required=False)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=255)
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE, initial=timezone.localdate)


class MoveForm(BaseReorgForm):
    new_parent = UnitCodeField(label=_("Code of the new parent unit"))


class DissolveForm(BaseReorgForm):
    successor = UnitCodeField(label=_("Code of the successor unit (optional)"), required=False)


class MergeForm(BaseReorgForm):
    others = forms.CharField(label=_("Codes of the other units to merge (comma-separated)"), max_length=2000)
    code = forms.CharField(label=_("Code of the new unit"), max_length=40)
    name = forms.CharField(label=_("Name of the new unit"), max_length=255)
    kind = forms.ModelChoiceField(label=_("Kind of the new unit"), queryset=UnitKind.objects.all())

    def clean_others(self):
        codes = [nfc(c) for c in self.cleaned_data["others"].replace(";", ",").split(",") if nfc(c)]
        units = list(Unit.objects.valid_on().filter(code__in=codes))
        missing = sorted(set(codes) - {u.code for u in units})
        if missing:
            raise forms.ValidationError(_("No current unit has these codes: %(codes)s.") % {"codes": ", ".join(missing)})
        return units


class SplitForm(BaseReorgForm):
    code_a = forms.CharField(label=_("Code of the first new unit"), max_length=40)
    name_a = forms.CharField(label=_("Name of the first new unit"), max_length=255)
    code_b = forms.CharField(label=_("Code of the second new unit"), max_length=40)
    name_b = forms.CharField(label=_("Name of the second new unit"), max_length=255)
    kind = forms.ModelChoiceField(label=_("Kind of the new units"), queryset=UnitKind.objects.all())
    children_b = forms.ModelMultipleChoiceField(
        label=_("Subordinate units going to the second unit (the others go to the first)"), queryset=Unit.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
    )
    members_b = forms.ModelMultipleChoiceField(
        label=_("Members going to the second unit (the others go to the first)"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, unit, **kwargs):
        from quantriet.members.models import ACTIVE_STATUSES, Member

        super().__init__(*args, **kwargs)
        self.fields["children_b"].queryset = Unit.objects.valid_on().filter(parent=unit).order_by("name")
        self.fields["members_b"].queryset = Member.objects.filter(unit=unit, status__in=ACTIVE_STATUSES)
