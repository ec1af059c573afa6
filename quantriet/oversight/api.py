"""REST API of inspection and supervision, under /api/v1/oversight/, with the pages' scoping and actions.

programs/                         GET list, POST {"unit", "body", "year", "title"}
programs/{id}/                    GET
items/                            GET list (?program=), POST {"program", "kind", "subject_unit", "topic", …}
items/{id}/                       GET (never the working notes)
items/{id}/request-self-report/   POST {"due_on"}
items/{id}/self-report/           POST multipart {"text", "file"} (PDF/DOCX, checked by content and size)
items/{id}/notes/                 GET, POST {"kind", "text"}: the inspecting body and the team only (else 404)
items/{id}/close/                 POST {"closed_on"}
conclusions/                      GET list, POST {"item", "strengths", …}: create the draft
conclusions/{id}/                 GET, PATCH (a draft only)
conclusions/{id}/issue/           POST {"issued_on"}
conclusions/{id}/recommendations/ POST {"text", "deadline"}
recommendations/                  GET list (?open=1)
recommendations/{id}/             GET
recommendations/{id}/report/      POST multipart {"as_of", "narrative", "files"}: the subject reports with evidence
recommendations/{id}/review/      POST {"report", "decision": "accept"|"return", "note"}
recommendations/{id}/close/       POST {"closed_on"}
Out-of-scope ids and refused actions answer 404; bad input 400; unknown fields 400.
"""
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from quantriet.accounts import access
from quantriet.core.actions import ActionDenied
from quantriet.core.api import ScopedObjectMixin, StrictFieldsMixin, id_param
from quantriet.plans.api import ScopedPK
from quantriet.plans.models import Report
from quantriet.units.models import Unit

from . import actions, selectors
from .models import Body, Conclusion, Item, ItemKind, Note, NoteKind, Program, Recommendation


def _units(user):
    return Unit.objects.all() if access.scope_paths(user) is None else access.visible_units(user)


def _documents(user):
    from quantriet.documents.selectors import visible_documents

    return visible_documents(user)


def _plans(user):
    from quantriet.plans.selectors import visible_plans

    return visible_plans(user)


class WritableOnly(StrictFieldsMixin):
    """Also refuse read-only fields in the input (a number, a snapshot or a status is never written)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            fixed = sorted(name for name in data if name in self.fields and self.fields[name].read_only)
            if fixed:
                raise serializers.ValidationError({name: ["This field is read-only."] for name in fixed})
        return super().to_internal_value(data)


class ProgramSerializer(WritableOnly, serializers.ModelSerializer):
    unit = ScopedPK(scope=_units)
    body = serializers.ChoiceField(choices=Body.choices)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = ["id", "unit", "body", "year", "title", "url", "created_at"]
        read_only_fields = ["created_at"]
        validators = []

    def get_url(self, program) -> str:
        return reverse("oversight:program-detail", kwargs={"pk": program.pk})


class ItemSerializer(WritableOnly, serializers.ModelSerializer):
    program = ScopedPK(scope=lambda user: selectors.visible_programs(user))
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    subject_unit = ScopedPK(scope=_units)
    subject_member = ScopedPK(scope=access.visible_members, allow_null=True, required=False)
    document = ScopedPK(scope=_documents, allow_null=True, required=False)
    plan = ScopedPK(scope=_plans, allow_null=True, required=False)
    team_head = ScopedPK(scope=access.visible_members, allow_null=True, required=False)
    team_members = ScopedPK(scope=access.visible_members, many=True, required=False)
    self_report_file_name = serializers.CharField(source="self_report_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = ["id", "program", "kind", "subject_unit", "subject_member", "topic", "document", "plan",
                  "period_from", "period_to", "starts_on", "ends_on", "team_head", "team_members", "status",
                  "self_report_due", "self_report_text", "self_report_file_name", "self_report_at", "closed_on",
                  "url"]
        read_only_fields = ["status", "self_report_due", "self_report_text", "self_report_at", "closed_on"]
        validators = []

    def get_url(self, item) -> str:
        return reverse("oversight:item-detail", kwargs={"pk": item.pk})


class NoteSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NoteKind.choices, required=False)

    class Meta:
        model = Note
        fields = ["id", "item", "kind", "text", "author", "created_at"]
        read_only_fields = ["item", "author", "created_at"]


class RecommendationSerializer(serializers.ModelSerializer):
    days = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = ["id", "conclusion", "order", "text", "deadline", "task", "status", "closed_on", "days", "overdue"]
        read_only_fields = fields

    def get_days(self, recommendation) -> int:
        return selectors.age(recommendation)["days"]

    def get_overdue(self, recommendation) -> bool:
        return selectors.age(recommendation)["overdue"]


class ConclusionSerializer(WritableOnly, serializers.ModelSerializer):
    item = ScopedPK(scope=lambda user: selectors.visible_items(user))
    recommendations = RecommendationSerializer(many=True, read_only=True)

    class Meta:
        model = Conclusion
        fields = ["id", "item", "strengths", "shortcomings", "causes", "type_code", "number", "issuer_symbol",
                  "term", "canonical_number", "issued_on", "place", "signing_authority", "signer_title",
                  "signer_name", "recipients", "snapshot", "follow_up_plan", "recommendations"]
        read_only_fields = ["type_code", "number", "issuer_symbol", "term", "canonical_number", "issued_on",
                            "snapshot", "follow_up_plan"]
        extra_kwargs = {name: {"required": False} for name in actions.CONCLUSION_EDITABLE}


class ConclusionUpdateSerializer(ConclusionSerializer):
    class Meta(ConclusionSerializer.Meta):
        read_only_fields = ConclusionSerializer.Meta.read_only_fields + ["item"]


class DateInput(StrictFieldsMixin, serializers.Serializer):
    def __init__(self, *args, field_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[field_name] = serializers.DateField()


class SelfReportInput(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    file = serializers.FileField(required=False, allow_empty_file=True)


class RecommendationInput(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    deadline = serializers.DateField()


class ReportInput(StrictFieldsMixin, serializers.Serializer):
    as_of = serializers.DateField()
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False)

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            plain = {key: data.get(key) for key in data if key != "files"}
            if "files" in data:
                plain["files"] = data.getlist("files")
            data = plain
        return super().to_internal_value(data)


class ReviewInput(StrictFieldsMixin, serializers.Serializer):
    report = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=["accept", "return"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ProgramViewSet(ScopedObjectMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgramSerializer

    def get_queryset(self):
        return selectors.visible_programs(self.request.user).select_related("unit").order_by("-year", "pk")

    def perform_create(self, serializer):
        serializer.instance = actions.create_program(acting_user=self.request.user, **serializer.validated_data)


class ItemViewSet(ScopedObjectMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Items the caller sees (`?program=` filters). Working notes only at …/notes/, for the body and the team."""

    serializer_class = ItemSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        items = selectors.visible_items(self.request.user).select_related("program", "subject_unit").prefetch_related(
            "team_members").order_by("starts_on", "pk")
        if "program" in self.request.query_params:
            program_id = id_param(self.request.query_params["program"])
            if program_id is None:
                raise serializers.ValidationError({"program": ["Enter a programme id."]})
            items = items.filter(program_id=program_id)
        return items

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        program = data.pop("program")
        data["team_members"] = list(data.get("team_members", []))
        serializer.instance = actions.create_item(program, acting_user=self.request.user, **data)

    def _done(self, item):
        item.refresh_from_db()
        return Response(ItemSerializer(item, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], url_path="request-self-report")
    def request_self_report(self, request, pk=None):
        item = self.get_object()
        payload = DateInput(data=request.data, field_name="due_on")
        payload.is_valid(raise_exception=True)
        return self._done(actions.request_self_report(item, acting_user=request.user, **payload.validated_data))

    @action(detail=True, methods=["post"], url_path="self-report", parser_classes=[MultiPartParser, FormParser,
                                                                                    JSONParser])
    def self_report(self, request, pk=None):
        item = self.get_object()
        payload = SelfReportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self._done(actions.submit_self_report(item, acting_user=request.user, text=data.get("text", ""),
                                                     file=data.get("file")))

    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        item = self.get_object()
        if not selectors.can_read_private(request.user, item):
            raise ActionDenied(target=f"notes of oversight item {item.pk}")
        if request.method == "GET":
            return Response(NoteSerializer(selectors.visible_notes(request.user).filter(item=item), many=True).data)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = actions.add_note(item, acting_user=request.user, **payload.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        item = self.get_object()
        payload = DateInput(data=request.data, field_name="closed_on")
        payload.is_valid(raise_exception=True)
        return self._done(actions.close_item(item, acting_user=request.user, **payload.validated_data))


class ConclusionViewSet(ScopedObjectMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return ConclusionUpdateSerializer if self.action == "partial_update" else ConclusionSerializer

    def get_queryset(self):
        return selectors.visible_conclusions(self.request.user).select_related(
            "item", "item__program__unit").prefetch_related("recommendations").order_by("-issued_on", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        item = data.pop("item")
        if Conclusion.objects.filter(item=item).exists():
            raise serializers.ValidationError({"item": ["This item already has a conclusion."]})
        serializer.instance = actions.save_conclusion(item, acting_user=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = actions.save_conclusion(serializer.instance.item, acting_user=self.request.user,
                                                      **serializer.validated_data)

    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        conclusion = self.get_object()
        payload = DateInput(data=request.data, field_name="issued_on")
        payload.is_valid(raise_exception=True)
        conclusion = actions.issue_conclusion(conclusion.item, acting_user=request.user, **payload.validated_data)
        return Response(ConclusionSerializer(conclusion, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def recommendations(self, request, pk=None):
        conclusion = self.get_object()
        payload = RecommendationInput(data=request.data)
        payload.is_valid(raise_exception=True)
        recommendation = actions.add_recommendation(conclusion.item, acting_user=request.user,
                                                    **payload.validated_data)
        return Response(RecommendationSerializer(recommendation).data, status=status.HTTP_201_CREATED)


class RecommendationViewSet(ScopedObjectMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RecommendationSerializer

    def get_queryset(self):
        qs = selectors.visible_recommendations(self.request.user).select_related("conclusion")
        if self.request.query_params.get("open") == "1":
            qs = qs.filter(status="open", conclusion__issued_on__isnull=False)
        return qs.order_by("deadline", "pk")

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def report(self, request, pk=None):
        recommendation = self.get_object()
        payload = ReportInput(data=request.data)
        payload.is_valid(raise_exception=True)
        report = actions.report_on_recommendation(recommendation, acting_user=request.user,
                                                  **payload.validated_data)
        from quantriet.plans.api import ReportSerializer

        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        recommendation = self.get_object()
        payload = ReviewInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        report = Report.objects.filter(pk=data["report"], task_id=recommendation.task_id).first()
        if recommendation.task_id is None or report is None:
            raise Http404
        report = actions.review_recommendation_report(report, acting_user=request.user,
                                                      accept=data["decision"] == "accept", note=data.get("note", ""))
        from quantriet.plans.api import ReportSerializer

        return Response(ReportSerializer(report).data)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        recommendation = self.get_object()
        payload = DateInput(data=request.data, field_name="closed_on")
        payload.is_valid(raise_exception=True)
        recommendation = actions.close_recommendation(recommendation, acting_user=request.user,
                                                      **payload.validated_data)
        return Response(RecommendationSerializer(recommendation).data)


__all__ = ["ProgramViewSet", "ItemViewSet", "ConclusionViewSet", "RecommendationViewSet", "timezone"]
