"""REST API for study campaigns, records, grading, quiz attempts and coverage. Same scoping as the UI:
out-of-scope objects answer 404; action validation errors answer 400 with field errors."""
from django.http import Http404
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from quantriet.accounts import access
from quantriet.core.api import StrictFieldsMixin, id_param
from quantriet.core.audit import record_denied
from quantriet.units.models import Unit

from . import actions, selectors
from .models import Campaign, Question, QuizAttempt, StudyRecord


def _pk(value) -> int:
    number = id_param(str(value))
    if number is None:
        raise Http404
    return number


def _campaign(request, pk) -> Campaign:
    return access.get_in_scope_or_404(request, selectors.visible_campaigns(request.user).select_related("unit"),
                                      pk=_pk(pk))


def _record(request, pk) -> StudyRecord:
    return access.get_in_scope_or_404(
        request, selectors.visible_records(request.user).select_related("campaign__unit", "unit", "member"), pk=_pk(pk))


def campaign_data(campaign: Campaign) -> dict:
    return {
        "id": campaign.pk, "title": campaign.title, "unit": campaign.unit_id, "status": campaign.status,
        "closed": campaign.is_closed, "starts_on": campaign.starts_on.isoformat(),
        "deadline": campaign.deadline.isoformat(), "documents": [d.canonical_number for d in campaign.documents.all()],
        "quiz_required": campaign.quiz_required, "quiz_pass_percent": campaign.quiz_pass_percent,
        "quiz_max_attempts": campaign.quiz_max_attempts,
    }


def record_data(record: StudyRecord) -> dict:
    return {
        "id": record.pk, "campaign": record.campaign_id, "member": record.member_id,
        "member_name": record.member.full_name, "unit": record.unit_id, "state": record.state,
        "attended": record.attended, "writing_exempt": record.writing_exempt,
        "reflection_status": record.reflection_status, "reflection_text": record.reflection_text,
        "plan_text": record.plan_text, "has_file": bool(record.reflection_file),
        "submitted_at": record.submitted_at, "grade_comment": record.grade_comment, "graded_at": record.graded_at,
        "quiz_passed": record.quiz_passed, "completed": record.completed,
    }


class CampaignCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=300)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    documents = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1, max_length=50)
    starts_on = serializers.DateField()
    deadline = serializers.DateField()
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    include_probationary = serializers.BooleanField(required=False, default=True)
    include_official = serializers.BooleanField(required=False, default=True)
    quiz_required = serializers.BooleanField(required=False, default=False)
    quiz_questions = serializers.IntegerField(min_value=1, max_value=100, required=False, default=10)
    quiz_pass_percent = serializers.IntegerField(min_value=0, max_value=100, required=False, default=80)
    quiz_max_attempts = serializers.IntegerField(min_value=1, max_value=20, required=False, default=3)

    def validate_documents(self, value):
        from quantriet.conferences.forms import DocumentNumbersField
        from quantriet.documents.selectors import visible_documents
        from django import forms

        field = DocumentNumbersField()
        field.queryset = visible_documents(self.context["request"].user)
        try:
            return field.clean("; ".join(value))
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages)


@api_view(["GET", "POST"])
def campaigns(request):
    if request.method == "POST":
        serializer = CampaignCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        campaign = actions.create_campaign(acting_user=request.user, **serializer.validated_data)
        return Response(campaign_data(campaign), status=status.HTTP_201_CREATED)
    qs = selectors.visible_campaigns(request.user).select_related("unit").prefetch_related("documents")
    return Response([campaign_data(c) for c in qs.order_by("-starts_on", "-id")[:200]])


@api_view(["GET"])
def campaign_detail(request, pk):
    return Response(campaign_data(_campaign(request, pk)))


@api_view(["GET"])
def coverage(request, pk, unit_pk):
    campaign = _campaign(request, pk)
    unit = Unit.objects.filter(pk=_pk(unit_pk)).first()
    if unit is None:
        raise Http404
    if not (unit.path.startswith(campaign.unit.path) and selectors.can_view_unit(request.user, unit)
            and campaign.counters.filter(unit=unit).exists()):
        record_denied(request, f"study coverage {campaign.pk} unit {unit.pk}")
        raise Http404
    total, own, children = selectors.coverage(campaign, unit)
    return Response({"campaign": campaign.pk, "total": total.as_dict(), "own": own.as_dict(),
                     "children": [c.as_dict() for c in children]})


@api_view(["GET"])
def records(request):
    """Without parameters: the caller's own records. With ?campaign=ID: the records of that campaign
    the caller may see (own scope), optionally ?status=submitted."""
    campaign_id = id_param(request.query_params.get("campaign", ""))
    if campaign_id is None:
        own = access.own_member(request.user)
        qs = StudyRecord.objects.filter(member=own) if own else StudyRecord.objects.none()
    else:
        campaign = _campaign(request, campaign_id)
        qs = selectors.visible_records(request.user, campaign)
        wanted = request.query_params.get("status")
        if wanted:
            qs = qs.filter(reflection_status=wanted[:10])
    qs = qs.select_related("member").order_by("id")[:500]
    return Response([record_data(r) for r in qs])


@api_view(["GET"])
def record_detail(request, pk):
    return Response(record_data(_record(request, pk)))


class ReflectionSerializer(StrictFieldsMixin, serializers.Serializer):
    reflection_text = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    plan_text = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    file = serializers.FileField(required=False)


@api_view(["POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
def record_reflection(request, pk):
    record = _record(request, pk)
    serializer = ReflectionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    record = actions.submit_reflection(record, reflection_text=data.get("reflection_text", ""),
                                       plan_text=data.get("plan_text", ""), upload=data.get("file"),
                                       acting_user=request.user)
    return Response(record_data(record))


class GradeSerializer(StrictFieldsMixin, serializers.Serializer):
    result = serializers.ChoiceField(choices=["passed", "failed", "returned"])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


@api_view(["POST"])
def record_grade(request, pk):
    record = _record(request, pk)
    serializer = GradeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    record = actions.grade(record, result=serializer.validated_data["result"],
                           comment=serializer.validated_data.get("comment", ""), acting_user=request.user)
    return Response(record_data(record))


def attempt_data(attempt: QuizAttempt) -> dict:
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.drawn).prefetch_related("options")}
    done = attempt.submitted_at is not None
    out = []
    for qid in attempt.drawn:
        q = questions.get(qid)
        if q is None:
            continue
        item = {"id": q.pk, "text": q.text, "kind": q.kind,
                "options": [{"id": o.pk, "text": o.text, **({"correct": o.correct} if done else {})}
                            for o in q.options.all()]}
        if done:
            item["explanation"] = q.explanation
        out.append(item)
    data = {"id": attempt.pk, "record": attempt.record_id, "questions": out, "submitted": done}
    if done:
        data.update(correct=attempt.correct, score_percent=attempt.score_percent, passed=attempt.passed,
                    answers=attempt.answers)
    return data


@api_view(["POST"])
def quiz_start(request, pk):
    record = _record(request, pk)
    return Response(attempt_data(actions.start_quiz(record, acting_user=request.user)), status=status.HTTP_201_CREATED)


class AnswersSerializer(StrictFieldsMixin, serializers.Serializer):
    answers = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField(min_value=1),
                                                                max_length=50), allow_empty=True)


@api_view(["GET", "POST"])
def quiz_attempt(request, pk):
    own = access.own_member(request.user)
    qs = QuizAttempt.objects.filter(record__member=own) if own else QuizAttempt.objects.none()
    attempt = access.get_in_scope_or_404(request, qs, pk=_pk(pk))
    if request.method == "POST":
        serializer = AnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = actions.submit_quiz(attempt, answers=serializer.validated_data["answers"], acting_user=request.user)
    return Response(attempt_data(attempt))

