from django import forms
from django.utils.translation import gettext_lazy as _

from quantriet.plans.forms import DATE_ATTRS, MultipleFileField, UnitChoiceField

from .models import Body, ItemKind, NoteKind

#: The fields of `ItemForm` that take party card numbers, and whether they take several.
MEMBER_FIELDS = {"subject_member_card": False, "team_head_card": False, "team_cards": True}


class ProgramForm(forms.Form):
    unit = UnitChoiceField(label=_("Issuing unit"), queryset=None)
    body = forms.ChoiceField(label=_("Body"), choices=Body.choices)
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=500)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ProgramEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    year = forms.IntegerField(label=_("Year"), min_value=1930, max_value=2100)
    body = forms.ChoiceField(label=_("Body"), choices=Body.choices)


class MemberCardsField(forms.CharField):
    """Party card numbers (8 digits), separated by commas or spaces."""

    def to_python(self, value):
        value = super().to_python(value)
        cards = [c for c in value.replace(",", " ").split() if c]
        for card in cards:
            if not (card.isascii() and card.isdigit() and len(card) == 8):
                raise forms.ValidationError(_("Enter 8-digit party card numbers separated by commas."))
        return cards


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    subject_unit = UnitChoiceField(label=_("Subject unit"), queryset=None)
    subject_member_card = forms.CharField(label=_("Subject member (party card number)"), required=False,
                                          max_length=8, help_text=_("When a member is inspected or supervised."))
    topic = forms.CharField(label=_("Topic"), max_length=500)
    document = forms.ModelChoiceField(label=_("Document implemented"), queryset=None, required=False)
    plan = forms.ModelChoiceField(label=_("Plan implemented"), queryset=None, required=False)
    period_from = forms.DateField(label=_("Period under review from"), widget=forms.DateInput(attrs=DATE_ATTRS))
    period_to = forms.DateField(label=_("Period under review to"), widget=forms.DateInput(attrs=DATE_ATTRS))
    starts_on = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs=DATE_ATTRS))
    ends_on = forms.DateField(label=_("End"), widget=forms.DateInput(attrs=DATE_ATTRS))
    team_head_card = forms.CharField(label=_("Head of the team (party card number)"), required=False, max_length=8)
    team_cards = MemberCardsField(label=_("Team members (party card numbers)"), required=False, max_length=500)

    def __init__(self, *args, units, documents, plans, members, item=None, **kwargs):
        self.item = item
        if item is not None:
            kwargs.setdefault("initial", self.initial_for(item))
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["subject_unit"].queryset = units
        self.fields["document"].queryset = documents
        self.fields["document"].label_from_instance = lambda d: f"{d.canonical_number} {d.title[:80]}"
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = lambda p: f"{p.canonical_number or '—'} {p.title[:80]}"

    @staticmethod
    def initial_for(item) -> dict:
        cards = [m.card_number for m in item.team_members.all() if m.card_number]
        return {"kind": item.kind, "subject_unit": item.subject_unit_id, "topic": item.topic,
                "document": item.document_id, "plan": item.plan_id, "period_from": item.period_from,
                "period_to": item.period_to, "starts_on": item.starts_on, "ends_on": item.ends_on,
                "subject_member_card": item.subject_member.card_number if item.subject_member_id else "",
                "team_head_card": item.team_head.card_number if item.team_head_id else "",
                "team_cards": ", ".join(cards)}

    def _member(self, card, field):
        if not card:
            return None
        if not (card.isascii() and card.isdigit() and len(card) == 8):
            self.add_error(field, _("Enter an 8-digit party card number."))
            return None
        member = self.members.filter(card_number=card).first()
        if member is None:
            self.add_error(field, _("No member you can see has this card number."))
        return member

    def clean(self):
        data = super().clean()
        data["subject_member"] = self._member(data.pop("subject_member_card", ""), "subject_member_card")
        data["team_head"] = self._member(data.pop("team_head_card", ""), "team_head_card")
        team = []
        for card in data.pop("team_cards", None) or []:
            member = self._member(card, "team_cards")
            if member is not None:
                team.append(member)
        if self.item is not None:
            # Members without a card number cannot be written in the card fields: they stay as they were.
            item = self.item
            if data["subject_member"] is None and item.subject_member_id and not item.subject_member.card_number:
                data["subject_member"] = item.subject_member
            if data["team_head"] is None and item.team_head_id and not item.team_head.card_number:
                data["team_head"] = item.team_head
            team += [m for m in item.team_members.all() if not m.card_number and m not in team]
        data["team_members"] = team
        return data


class DueForm(forms.Form):
    due_on = forms.DateField(label=_("Self-report due"), widget=forms.DateInput(attrs=DATE_ATTRS))


class SelfReportForm(forms.Form):
    text = forms.CharField(label=_("Self-report"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 8}))
    file = forms.FileField(label=_("File (PDF or DOCX)"), required=False)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices)
    text = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class ConclusionForm(forms.Form):
    strengths = forms.CharField(label=_("Strengths"), required=False, max_length=20000,
                                widget=forms.Textarea(attrs={"rows": 5}))
    shortcomings = forms.CharField(label=_("Shortcomings"), required=False, max_length=20000,
                                   widget=forms.Textarea(attrs={"rows": 5}))
    causes = forms.CharField(label=_("Causes"), required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    signing_authority = forms.CharField(label=_("Signing authority"), max_length=120, required=False)
    signer_title = forms.CharField(label=_("Signer's title"), max_length=120, required=False)
    signer_name = forms.CharField(label=_("Signer"), max_length=120, required=False)
    recipients = forms.CharField(label=_("Recipients (Nơi nhận)"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}))


class RecommendationForm(forms.Form):
    text = forms.CharField(label=_("Recommendation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs=DATE_ATTRS))


class DateForm(forms.Form):
    def __init__(self, *args, field_name: str, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[field_name] = forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_ATTRS))


class RecommendationReportForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs=DATE_ATTRS))
    narrative = forms.CharField(label=_("What was done"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Evidence files (PDF or DOCX)"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
