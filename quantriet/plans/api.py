"""REST API of plans, with the same scoping and actions as the pages.

/api/v1/plans/                          list (?status=, ?unit=, ?year=), create
/api/v1/plans/{id}/                     retrieve, PATCH
/api/v1/plans/{id}/issue/               POST {"issued_on"}: the number is assigned
/api/v1/plans/{id}/amend/               POST {"amended_on", "reason"}
/api/v1/plans/{id}/close/               POST {"closed_on"}
/api/v1/plans/{id}/signed/              POST multipart `file` (PDF/DOCX, checked by content)
/api/v1/plans/{id}/tree/                GET the task tree with the roll-up, statuses and child plans
/api/v1/plans/{id}/history/             GET every change to the plan and its tasks
/api/v1/plan-tasks/                     POST create (with "plan", optional "parent")
/api/v1/plan-tasks/{id}/                retrieve, PATCH, DELETE
/api/v1/plan-tasks/{id}/move/           POST {"parent": id or null}
/api/v1/plan-tasks/{id}/assignments/    POST {"unit", "due_on", "weight"}
/api/v1/plan-tasks/{id}/milestones/     POST {"title", "due_on"}
/api/v1/plan-tasks/{id}/indicators/     POST {"name", "unit_of_measure", "baseline", "target", "direction"}
/api/v1/plan-tasks/{id}/reports/        GET list; POST {"as_of", "progress", "narrative", "values": {id: value}}
                                        or multipart with `files`
/api/v1/plan-reports/{id}/              retrieve;  …/review/ POST {"decision": "accept"|"return", "note"}
/api/v1/plan-assignments/{id}/, plan-milestones/{id}/, plan-indicators/{id}/   retrieve, DELETE
/api/v1/plan-warnings/?unit=            early warnings of a unit's subtree
/api/v1/plan-mine/                      the caller's tasks and the plans their units owe
Out-of-scope ids answer 404; refused actions 404; bad input 400.
"""
import json

from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from quantriet.accounts import access
from quantriet.core.api import ScopedObjectMixin, StrictFieldsMixin, id_param
from quantriet.members.models import Member
from quantriet.units.models import Unit

from . import actions, rollup, selectors
from .models import (
    Assignment, Direction, EvidenceFile, Indicator, Milestone, Plan, PlanKind, PlanStatus, Report, Task,
)

MAX_ID = 2**63 - 1


class ScopedPK(serializers.PrimaryKeyRelatedField):
    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, int) and not 0 < data <= MAX_ID) or (
            isinstance(data, str) and (not data.isascii() or not data.isdigit() or len(data) > 18)
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


def _units(user):
    return Unit.objects.all() if access.scope_paths(user) is None else access.visible_units(user)


def _documents(user):
    from quantriet.documents.selectors import visible_documents

    return visible_documents(user)


def _assignments(user):
    return Assignment.objects.filter(task__in=selectors.visible_tasks(user))


def _members(user):
    return access.visible_members(user)


class PlanSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    unit = ScopedPK(scope=_units)
    assignment = ScopedPK(scope=_assignments, allow_null=True, required=False)
    documents = ScopedPK(scope=_documents, many=True, required=False)
    kind = serializers.ChoiceField(choices=PlanKind.choices, required=False)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["id", "unit", "kind", "type_code", "title", "summary", "documents", "assignment", "status", "number",
                  "issuer_symbol", "term", "canonical_number", "issued_on", "amended_on", "closed_on", "place",
                  "signing_authority", "signer_title", "signer_name", "recipients", "signed_name", "url",
                  "created_at", "updated_at"]
        read_only_fields = ["type_code", "status", "number", "issuer_symbol", "term", "canonical_number", "issued_on",
                            "amended_on", "closed_on", "signed_name", "created_at", "updated_at"]
        extra_kwargs = {name: {"required": False} for name in
                        ("summary", "place", "signing_authority", "signer_title", "signer_name", "recipients")}

    def get_url(self, plan) -> str:
        return reverse("plans:detail", kwargs={"pk": plan.pk})


class PlanUpdateSerializer(PlanSerializer):
    class Meta(PlanSerializer.Meta):
        read_only_fields = PlanSerializer.Meta.read_only_fields + ["unit", "assignment"]


class TaskSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    plan = ScopedPK(scope=lambda user: selectors.visible_plans(user))
    parent = ScopedPK(scope=lambda user: selectors.visible_tasks(user), allow_null=True, required=False)
    lead_unit = ScopedPK(scope=_units)
    supporting_units = ScopedPK(scope=_units, many=True, required=False)
    responsible = ScopedPK(scope=_members, allow_null=True, required=False)
    weight = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)

    class Meta:
        model = Task
        fields = ["id", "plan", "parent", "order", "title", "content", "responsible", "lead_unit", "supporting_units",
                  "start_on", "deadline", "expected_output", "weight", "depth", "created_at", "updated_at"]
        read_only_fields = ["depth", "created_at", "updated_at"]
        extra_kwargs = {"content": {"required": False}, "expected_output": {"required": False},
                        "order": {"required": False}}
        validators = []  # the model's check constraints are the action's to explain, with field errors


class TaskUpdateSerializer(TaskSerializer):
    class Meta(TaskSerializer.Meta):
        read_only_fields = TaskSerializer.Meta.read_only_fields + ["plan", "parent"]


class MoveSerializer(StrictFieldsMixin, serializers.Serializer):
    parent = ScopedPK(scope=lambda user: selectors.visible_tasks(user), allow_null=True)


class AssignmentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    unit = ScopedPK(scope=_units)
    weight = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    plan = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["id", "task", "unit", "due_on", "weight", "plan"]
        read_only_fields = ["task"]
        validators = []

    def get_plan(self, assignment) -> int | None:
        plan = Plan.objects.filter(assignment=assignment).values_list("pk", flat=True).first()
        return plan


class MilestoneSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "task", "title", "due_on"]
        read_only_fields = ["task"]


class IndicatorSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)

    class Meta:
        model = Indicator
        fields = ["id", "task", "name", "unit_of_measure", "baseline", "target", "direction"]
        read_only_fields = ["task"]


class EvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "content_type", "size", "sha256", "download_url"]

    def get_download_url(self, evidence) -> str:
        return reverse("plans:evidence-download", kwargs={"pk": evidence.pk})


class ReportSerializer(serializers.ModelSerializer):
    files = EvidenceSerializer(many=True, read_only=True)
    values = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "task", "unit", "as_of", "progress", "narrative", "status", "submitted_by", "submitted_at",
                  "reviewed_by", "reviewed_at", "review_note", "values", "files"]
        read_only_fields = fields

    def get_values(self, report) -> dict:
        return {str(v.indicator_id): str(v.value) for v in report.values.all()}


class ReportInputSerializer(StrictFieldsMixin, serializers.Serializer):
    as_of = serializers.DateField()
    progress = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    values = serializers.JSONField(required=False)
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False)

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):  # multipart: several `files`, `values` as a JSON string
            plain = {key: data.get(key) for key in data if key != "files"}
            if "files" in data:
                plain["files"] = data.getlist("files")
            if isinstance(plain.get("values"), str):
                try:
                    plain["values"] = json.loads(plain["values"])
                except ValueError:
                    raise serializers.ValidationError({"values": ["Enter a JSON object of indicator id → value."]})
            data = plain
        return super().to_internal_value(data)

    def validate_values(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Enter an object of indicator id → value.")
        cleaned = {}
        for key, number in value.items():
            indicator_id = id_param(str(key))
            if indicator_id is None or isinstance(number, (bool, dict, list)):
                raise serializers.ValidationError("Enter an object of indicator id → value.")
            cleaned[indicator_id] = number
        return cleaned


class ReviewSerializer(StrictFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "return"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class DateInput(StrictFieldsMixin, serializers.Serializer):
    def __init__(self, *args, field_name, extra=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[field_name] = serializers.DateField()
        for name, field in (extra or {}).items():
            self.fields[name] = field


class FileInput(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


def _state_json(state) -> dict:
    return {"progress": str(state.progress), "status": state.status,
            "done_on": state.done_on.isoformat() if state.done_on else None,
            "last_report_on": state.last_report_on.isoformat() if state.last_report_on else None}


def tree_json(plan, data) -> dict:
    rows = []
    for row in data.tree(data.plan_roots.get(plan.pk, [])):
        task = row["task"]
        rows.append({
            "id": task.pk, "parent": task.parent_id, "level": row["level"], "title": task.title,
            "lead_unit": task.lead_unit_id, "start_on": task.start_on, "deadline": task.deadline,
            "weight": str(task.weight), **_state_json(row["state"]),
            "assignments": [{
                "id": a.pk, "unit": a.unit_id, "unit_name": a.unit.name, "due_on": a.due_on, "weight": str(a.weight),
                "plan": s.plan.pk if s.plan else None,
                "plan_number": s.plan.canonical_number if s.plan else None,
                "plan_status": s.plan_status, "progress": str(s.progress),
            } for a, s in row["assignments"]],
        })
    return {"plan": plan.pk, "progress": str(data.plan_progress(plan.pk)), "today": data.today, "tasks": rows}


class PlanViewSet(ScopedObjectMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Plans the caller can see. Filters: `status`, `unit` (id: plans issued by that unit), `year`."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return PlanUpdateSerializer if self.action == "partial_update" else PlanSerializer

    def get_queryset(self):
        plans = selectors.visible_plans(self.request.user).select_related("unit").prefetch_related("documents")
        params = self.request.query_params
        if params.get("status"):
            plans = plans.filter(status=params["status"][:10])
        if "unit" in params:
            unit_id = id_param(params["unit"])
            if unit_id is None:
                raise serializers.ValidationError({"unit": ["Enter a unit id."]})
            plans = plans.filter(unit_id=unit_id)
        year = params.get("year", "")
        if year:
            if not (year.isascii() and year.isdigit() and len(year) == 4):
                raise serializers.ValidationError({"year": ["Enter a four-digit year."]})
            plans = plans.filter(issued_on__year=int(year))
        return plans.order_by("-issued_on", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = actions.create_plan(acting_user=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = actions.update_plan(serializer.instance, acting_user=self.request.user,
                                                  **serializer.validated_data)

    def _dated(self, request, field, action_function, extra=None):
        plan = self.get_object()
        payload = DateInput(data=request.data, field_name=field, extra=extra)
        payload.is_valid(raise_exception=True)
        plan = action_function(plan, acting_user=request.user, **payload.validated_data)
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._dated(request, "issued_on", actions.issue_plan)

    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        return self._dated(request, "amended_on", actions.amend_plan,
                           extra={"reason": serializers.CharField(max_length=1000)})

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._dated(request, "closed_on", actions.close_plan)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def signed(self, request, pk=None):
        plan = self.get_object()
        payload = FileInput(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = actions.attach_signed_document(plan, payload.validated_data["file"], acting_user=request.user)
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["get"])
    def tree(self, request, pk=None):
        plan = self.get_object()
        return Response(tree_json(plan, rollup.for_plan(plan)))

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        plan = self.get_object()
        entries = selectors.plan_history(plan)[:500]
        return Response([{
            "at": e.at, "actor": e.actor.username if e.actor else None, "action": e.action,
            "object": e.object_repr, "before": e.before, "after": e.after, "note": e.note,
        } for e in entries])


def _task_fields(data: dict) -> dict:
    data = dict(data)
    if "supporting_units" in data:
        data["supporting_units"] = list(data["supporting_units"])
    return data


class TaskViewSet(ScopedObjectMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                  mixins.DestroyModelMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return TaskUpdateSerializer if self.action == "partial_update" else TaskSerializer

    def get_queryset(self):
        return selectors.visible_tasks(self.request.user).select_related("plan", "plan__unit", "lead_unit")

    def perform_create(self, serializer):
        data = _task_fields(serializer.validated_data)
        plan = data.pop("plan")
        serializer.instance = actions.create_task(plan, acting_user=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = actions.update_task(serializer.instance, acting_user=self.request.user,
                                                  **_task_fields(serializer.validated_data))

    def perform_destroy(self, instance):
        actions.delete_task(instance, acting_user=self.request.user)

    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        task = self.get_object()
        payload = MoveSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        task = actions.move_task(task, acting_user=request.user, parent=payload.validated_data["parent"])
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data)

    def _create_child(self, request, serializer_class, action_function):
        task = self.get_object()
        payload = serializer_class(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        obj = action_function(task, acting_user=request.user, **payload.validated_data)
        return Response(serializer_class(obj, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def assignments(self, request, pk=None):
        return self._create_child(request, AssignmentSerializer, actions.add_assignment)

    @action(detail=True, methods=["post"])
    def milestones(self, request, pk=None):
        return self._create_child(request, MilestoneSerializer, actions.add_milestone)

    @action(detail=True, methods=["post"])
    def indicators(self, request, pk=None):
        return self._create_child(request, IndicatorSerializer, actions.add_indicator)

    @action(detail=True, methods=["get", "post"])
    def reports(self, request, pk=None):
        task = self.get_object()
        if request.method == "GET":
            rows = task.reports.prefetch_related("files", "values")
            return Response(ReportSerializer(rows, many=True).data)
        payload = ReportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = actions.submit_report(task, acting_user=request.user, **payload.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportViewSet(ScopedObjectMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReportSerializer

    def get_queryset(self):
        return Report.objects.filter(task__in=selectors.visible_tasks(self.request.user)).select_related(
            "task", "task__plan", "task__plan__unit").prefetch_related("files", "values")

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        report = self.get_object()
        payload = ReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = actions.review_report(report, acting_user=request.user,
                                       accept=payload.validated_data["decision"] == "accept",
                                       note=payload.validated_data.get("note", ""))
        return Response(ReportSerializer(report).data)


class _TaskPartViewSet(ScopedObjectMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                       viewsets.GenericViewSet):
    model = None
    remove = None

    def get_queryset(self):
        return self.model.objects.filter(task__in=selectors.visible_tasks(self.request.user)).select_related(
            "task", "task__plan", "task__plan__unit")

    def perform_destroy(self, instance):
        type(self).remove(instance, acting_user=self.request.user)


class AssignmentViewSet(_TaskPartViewSet):
    serializer_class = AssignmentSerializer
    model = Assignment
    remove = staticmethod(actions.remove_assignment)


class MilestoneViewSet(_TaskPartViewSet):
    serializer_class = MilestoneSerializer
    model = Milestone
    remove = staticmethod(actions.remove_milestone)


class IndicatorViewSet(_TaskPartViewSet):
    serializer_class = IndicatorSerializer
    model = Indicator
    remove = staticmethod(actions.remove_indicator)


def _warning_json(w) -> dict:
    return {"kind": w.kind, "task": w.task.pk, "task_title": w.task.title, "plan": w.task.plan_id,
            "unit": w.unit.pk, "unit_name": w.unit.name, "days": w.days, "detail": w.detail,
            "assignment": w.assignment.pk if w.assignment else None}


@api_view(["GET"])
def warnings(request):
    """Early warnings of the subtree of `unit` (an id the caller's view scope covers)."""
    unit_id = id_param(request.query_params.get("unit", ""))
    if unit_id is None:
        raise serializers.ValidationError({"unit": ["Enter a unit id."]})
    scoped = Unit.objects.under_paths(access.scope_paths(request.user, access.VIEW))
    unit = access.get_in_scope_or_404(request, scoped, pk=unit_id)
    found, _data = selectors.warnings_for_unit(unit)
    return Response({"unit": unit.pk, "warnings": [_warning_json(w) for w in found]})


@api_view(["GET"])
def mine(request):
    tasks = list(selectors.my_tasks(request.user).select_related("plan", "lead_unit").order_by("deadline", "pk")[:300])
    data = rollup.for_tasks(tasks)
    owed = selectors.my_assignments(request.user)[:200]
    return Response({
        "tasks": [{"id": t.pk, "title": t.title, "plan": t.plan_id, "plan_number": t.plan.canonical_number,
                   "lead_unit": t.lead_unit_id, "deadline": t.deadline, **_state_json(data.states[t.pk])}
                  for t in tasks],
        "plans_owed": [{"assignment": a.pk, "unit": a.unit_id, "task": a.task_id, "due_on": a.due_on} for a in owed],
    })


__all__ = ["PlanViewSet", "TaskViewSet", "ReportViewSet", "AssignmentViewSet", "MilestoneViewSet",
           "IndicatorViewSet", "warnings", "mine", "PlanStatus", "Member"]
