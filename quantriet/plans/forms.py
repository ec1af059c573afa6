from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from quantriet.members.models import Member

from .models import Direction, PlanKind, PlanStatus, Task

DATE_ATTRS = {"placeholder": "dd/mm/yyyy"}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class TaskChoiceField(forms.ModelChoiceField):
    """Tasks of one plan, indented by their level inside the plan."""

    base_depth = 0

    def label_from_instance(self, task):
        return f"{'— ' * max(0, task.depth - self.base_depth)}{task.title}"


def plan_base_depth(plan) -> int:
    return plan.assignment.task.depth + 1 if plan.assignment_id else 0


class PlanForm(forms.Form):
    unit = UnitChoiceField(label=_("Issuing unit"), queryset=None)
    assignment = forms.ModelChoiceField(
        label=_("Concretizes the assignment"), queryset=None, required=False,
        help_text=_("When this plan concretizes a task assigned to the unit by a higher plan."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanKind.choices)
    title = forms.CharField(label=_("Title"), max_length=500)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    documents = forms.ModelMultipleChoiceField(label=_("Documents implemented"), queryset=None, required=False)
    place = forms.CharField(label=_("Place"), max_length=120, required=False,
                            help_text=_("As in “Tuyên Quang, ngày …”."))
    signing_authority = forms.CharField(label=_("Signing authority"), max_length=120, initial="T/M BAN THƯỜNG VỤ")
    signer_title = forms.CharField(label=_("Signer's title"), max_length=120, initial="BÍ THƯ")
    signer_name = forms.CharField(label=_("Signer"), max_length=120, required=False)
    recipients = forms.CharField(label=_("Recipients (Nơi nhận)"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units, assignments, documents, plan=None, **kwargs):
        if plan is not None:
            kwargs.setdefault("initial", {
                "kind": plan.kind, "title": plan.title, "summary": plan.summary,
                "documents": list(plan.documents.values_list("pk", flat=True)), "place": plan.place,
                "signing_authority": plan.signing_authority, "signer_title": plan.signer_title,
                "signer_name": plan.signer_name, "recipients": plan.recipients,
            })
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents
        self.fields["documents"].label_from_instance = lambda d: f"{d.canonical_number} {d.title[:80]}"
        if plan is not None:
            del self.fields["unit"], self.fields["assignment"]
            if plan.number is not None:
                self.fields["kind"].disabled = True
        else:
            self.fields["unit"].queryset = units
            self.fields["assignment"].queryset = assignments
            self.fields["assignment"].label_from_instance = (
                lambda a: f"{a.unit.name}: {a.task.title[:80]} ({a.task.plan.canonical_number})"
            )

    def clean(self):
        data = super().clean()
        assignment, unit = data.get("assignment"), data.get("unit")
        if assignment is not None and unit is not None and assignment.unit_id != unit.pk:
            self.add_error("assignment", _("This assignment is for %(unit)s: only that unit issues the plan "
                                           "concretizing it.") % {"unit": assignment.unit.name})
        return data

    def action_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["documents"] = list(data["documents"])
        return data


class DateForm(forms.Form):
    def __init__(self, *args, field_name: str, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_name = field_name
        self.fields[field_name] = forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_ATTRS))


class AmendForm(forms.Form):
    amended_on = forms.DateField(label=_("Date amended"), widget=forms.DateInput(attrs=DATE_ATTRS))
    reason = forms.CharField(label=_("What the amendment changes"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class FileForm(forms.Form):
    file = forms.FileField(label=_("File (PDF or DOCX)"))


class TaskForm(forms.Form):
    parent = TaskChoiceField(label=_("Parent task"), queryset=None, required=False,
                             empty_label=_("(none: a main task of the plan)"))
    title = forms.CharField(label=_("Task (what)"), max_length=500)
    content = forms.CharField(label=_("Content"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    responsible_card = forms.CharField(
        label=_("Responsible person (party card number)"), required=False, max_length=8,
        help_text=_("The 8-digit card number of the member responsible (who)."),
    )
    lead_unit = UnitChoiceField(label=_("Lead unit (chủ trì)"), queryset=None)
    supporting_units = UnitMultipleChoiceField(label=_("Supporting units (phối hợp)"), queryset=None, required=False)
    start_on = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs=DATE_ATTRS))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs=DATE_ATTRS))
    expected_output = forms.CharField(label=_("Expected output (result)"), required=False, max_length=5000,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.DecimalField(label=_("Weight"), max_digits=7, decimal_places=2, initial=Decimal("1"))

    def __init__(self, *args, plan, units, tasks, task=None, **kwargs):
        if task is not None:
            kwargs.setdefault("initial", {
                "title": task.title, "content": task.content,
                "responsible_card": task.responsible.card_number if task.responsible_id else "",
                "lead_unit": task.lead_unit_id, "supporting_units": list(task.supporting_units.values_list("pk", flat=True)),
                "start_on": task.start_on, "deadline": task.deadline, "expected_output": task.expected_output,
                "weight": task.weight,
            })
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["lead_unit"].queryset = units
        self.fields["supporting_units"].queryset = units
        if task is not None:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = tasks
            self.fields["parent"].base_depth = plan_base_depth(plan)

    def clean_responsible_card(self):
        card = (self.cleaned_data.get("responsible_card") or "").strip()
        if not card:
            return None
        if not (card.isascii() and card.isdigit() and len(card) == 8):
            raise ValidationError(_("The party card number must be exactly 8 digits."))
        member = Member.objects.filter(card_number=card, unit__path__startswith=self.plan.unit.path).first()
        if member is None:
            raise ValidationError(_("No member of %(unit)s has this card number.") % {"unit": self.plan.unit.name})
        return member

    def clean(self):
        data = super().clean()
        start, deadline = data.get("start_on"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", _("The deadline cannot be before the start."))
        weight = data.get("weight")
        if weight is not None and weight <= 0:
            self.add_error("weight", _("The weight must be greater than 0."))
        return data

    def action_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["responsible"] = data.pop("responsible_card")
        data["supporting_units"] = list(data["supporting_units"])
        return data


class MoveForm(forms.Form):
    parent = TaskChoiceField(label=_("New parent task"), queryset=None, required=False,
                             empty_label=_("(none: a main task of the plan)"))

    def __init__(self, *args, tasks, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = tasks
        self.fields["parent"].base_depth = plan_base_depth(plan)


class AssignmentForm(forms.Form):
    units = UnitMultipleChoiceField(label=_("Assigned units"), queryset=None,
                                    help_text=_("Each must issue its own plan concretizing this task."))
    due_on = forms.DateField(label=_("Plan due by"), widget=forms.DateInput(attrs=DATE_ATTRS))
    weight = forms.DecimalField(label=_("Weight of each unit"), max_digits=7, decimal_places=2, initial=Decimal("1"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight <= 0:
            raise ValidationError(_("The weight must be greater than 0."))
        return weight


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE_ATTRS))


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Indicator"), max_length=300)
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=40)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=2, initial=Decimal("0"))
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs=DATE_ATTRS))
    progress = forms.DecimalField(label=_("Progress (%)"), required=False, max_digits=5, decimal_places=2,
                                  min_value=0, max_value=100)
    narrative = forms.CharField(label=_("Narrative"), required=False, max_length=20000,
                                widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Evidence files (PDF or DOCX)"), required=False)

    def __init__(self, *args, indicators, leaf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        if not leaf:
            del self.fields["progress"]
        else:
            self.fields["progress"].required = True
        for indicator in self.indicators:
            self.fields[f"indicator_{indicator.pk}"] = forms.DecimalField(
                label=f"{indicator.name} ({indicator.unit_of_measure})", required=False, max_digits=14,
                decimal_places=2, help_text=_("Target: %(target)s") % {"target": indicator.target},
            )

    def action_fields(self) -> dict:
        data = self.cleaned_data
        values = {i.pk: data[f"indicator_{i.pk}"] for i in self.indicators if data.get(f"indicator_{i.pk}") is not None}
        return {"as_of": data["as_of"], "progress": data.get("progress"), "narrative": data["narrative"],
                "values": values, "files": data["files"]}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return"))],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the report is returned."))
        return data


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + list(PlanStatus.choices))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1930, max_value=2100)


__all__ = ["PlanForm", "TaskForm", "Task"]
