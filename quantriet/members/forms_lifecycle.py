"""Forms for the lifecycle actions: each collects the action's arguments, the action validates the rules."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import fold, nfc

from .models import DisciplineLevel, TransferKind

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})


class EffectiveDateForm(forms.Form):
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET, initial=timezone.localdate)


class AdmitForm(EffectiveDateForm):
    decision = forms.CharField(label=_("Decision number"), max_length=60, required=False)


class RecognizeForm(AdmitForm):
    effective_on = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET, required=False,
                                   help_text=_("Leave empty for the end of the 12 months of probation."))


class ExemptForm(EffectiveDateForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class DisciplineForm(EffectiveDateForm):
    level = forms.ChoiceField(label=_("Discipline"), choices=DisciplineLevel.choices)
    decision = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RemoveForm(EffectiveDateForm):
    decision = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DeathForm(EffectiveDateForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class TransferForm(forms.Form):
    to_unit = forms.CharField(label=_("Destination unit (code or exact name)"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=TransferKind.choices)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE_WIDGET, initial=timezone.localdate)
    until = forms.DateField(label=_("Until (temporary)"), widget=DATE_WIDGET, required=False)
    letter_number = forms.CharField(label=_("Letter number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, unit_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_queryset = unit_queryset

    def clean_to_unit(self):
        """Transfers may go anywhere in the country: the unit is named by its code or exact name."""
        text = nfc(self.cleaned_data["to_unit"])
        match = list(self.unit_queryset.filter(code=text)[:2]) or list(self.unit_queryset.filter(name_folded=fold(text))[:2])
        if len(match) == 1:
            return match[0]
        if len(match) > 1:
            raise forms.ValidationError(_("Several units have this name: enter the unit code."))
        raise forms.ValidationError(_("No current unit has this code or name."))


class ConfirmTransferForm(forms.Form):
    confirmed_on = forms.DateField(label=_("Confirmed on"), widget=DATE_WIDGET, initial=timezone.localdate)
