from django import forms
from django.utils.translation import gettext_lazy as _

from quantriet.conferences.forms import DocumentNumbersField, limit_documents
from quantriet.units.models import Unit

from .models import QuestionKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    unit = forms.ModelChoiceField(label=_("Organizing unit"), queryset=Unit.objects.none())
    documents = DocumentNumbersField(label=_("Documents to study"), required=True)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Starts on"), input_formats=DATE_FORMATS, widget=DATE_INPUT)
    deadline = forms.DateField(label=_("Deadline"), input_formats=DATE_FORMATS, widget=DATE_INPUT)
    include_probationary = forms.BooleanField(label=_("Probationary members"), required=False, initial=True)
    include_official = forms.BooleanField(label=_("Official members"), required=False, initial=True)
    quiz_required = forms.BooleanField(label=_("The quiz is required"), required=False)
    quiz_questions = forms.IntegerField(label=_("Questions per attempt"), min_value=1, max_value=100, initial=10)
    quiz_pass_percent = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100, initial=80)
    quiz_max_attempts = forms.IntegerField(label=_("Attempts allowed"), min_value=1, max_value=20, initial=3)
    reminder_days = forms.IntegerField(label=_("Remind this many days before the deadline"), min_value=0,
                                       max_value=365, initial=7)

    def __init__(self, *args, user, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        limit_documents(self, user)


class LinkSessionForm(forms.Form):
    conference = forms.ModelChoiceField(label=_("Conference or cell meeting"), queryset=None)
    makeup = forms.BooleanField(label=_("Make-up session (học bù)"), required=False)

    def __init__(self, *args, conferences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conference"].queryset = conferences


class ReflectionForm(forms.Form):
    reflection_text = forms.CharField(label=_("Reflection (bài thu hoạch)"), required=False, max_length=20000,
                                      widget=forms.Textarea(attrs={"rows": 8}))
    plan_text = forms.CharField(label=_("Personal action plan"), required=False, max_length=20000,
                                widget=forms.Textarea(attrs={"rows": 5}))
    file = forms.FileField(label=_("Or attach a file (PDF or DOCX)"), required=False)


class GradeForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=[
        ("passed", _("Passed (đạt)")), ("failed", _("Not passed (chưa đạt)")), ("returned", _("Return for revision")),
    ])
    comment = forms.CharField(label=_("Comments"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class WritingExemptionForm(forms.Form):
    exempt = forms.BooleanField(label=_("Exempt from writing"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class QuestionForm(forms.Form):
    document = forms.ModelChoiceField(label=_("Document"), queryset=None)
    text = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    options = forms.CharField(
        label=_("Answers"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One answer per line; start the correct ones with *."))
    explanation = forms.CharField(label=_("Explanation"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents

    def clean_options(self):
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]
        return [(line[1:].strip(), True) if line.startswith("*") else (line, False) for line in lines]
