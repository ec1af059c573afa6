"""REST API of the member lifecycle: the same scoping, arguments and actions as the pages (views_lifecycle.py).

POST /api/v1/members/{id}/admit/           {"effective_on", "decision"?}
POST /api/v1/members/{id}/recognize/       {"effective_on"? (empty: the end of the 12 months), "decision"?}
POST /api/v1/members/{id}/exempt/          {"effective_on", "reason"?}
POST /api/v1/members/{id}/discipline/      {"level", "effective_on", "decision"?, "note"?}
POST /api/v1/members/{id}/remove/          {"effective_on", "decision"?, "note"?}
POST /api/v1/members/{id}/death/           {"effective_on", "note"?}
POST /api/v1/members/{id}/transfers/       {"to_unit" (code or exact name), "kind", "issued_on", "until"?,
                                            "letter_number"?, "note"?}: issued by the outgoing side (201)
GET  /api/v1/members/due-for-recognition/  probationary members due within 30 working days, and overdue ones
GET  /api/v1/transfers/?direction=incoming|outgoing   pending transfers the caller can see (both without it)
POST /api/v1/transfers/{id}/confirm/       {"confirmed_on"}: by the receiving side
POST /api/v1/transfers/{id}/cancel/        {"note"?}: by either side
Dates are ISO yyyy-mm-dd. Unknown fields, bad values and refused rules answer 400 with field errors;
unknown or out-of-scope ids and actions the caller may not do answer 404 (logged as access_denied).
The member actions answer the member as /api/v1/members/{id}/ does; the transfer actions the transfer.
"""
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from quantriet.accounts import access
from quantriet.core.api import ScopedObjectMixin, StrictFieldsMixin
from quantriet.units.models import Unit

from . import forms_lifecycle as lf
from . import lifecycle
from .api import MemberSerializer
from .models import DisciplineLevel, Member, Transfer, TransferKind

ISO_DATE = ["%Y-%m-%d"]


def _date(**kwargs) -> serializers.DateField:
    return serializers.DateField(input_formats=ISO_DATE, **kwargs)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


# --- input: one serializer per page form (forms_lifecycle.py), same fields and limits -----------------------

class EffectiveDateInput(StrictFieldsMixin, serializers.Serializer):
    effective_on = _date(help_text="Effective date (yyyy-mm-dd), not in the future.")


class AdmitInput(EffectiveDateInput):
    decision = _text(60, help_text="Decision number.")


class RecognizeInput(AdmitInput):
    effective_on = _date(required=False, allow_null=True,
                         help_text="Effective date (yyyy-mm-dd); empty or absent: the end of the 12 months of probation.")


class ExemptInput(EffectiveDateInput):
    reason = _text(500)


class DisciplineInput(EffectiveDateInput):
    level = serializers.ChoiceField(choices=DisciplineLevel.choices,
                                    help_text="khai_tru (expulsion) also ends party membership.")
    decision = _text(60, help_text="Decision number.")
    note = _text(500)


class RemoveInput(EffectiveDateInput):
    decision = _text(60, help_text="Decision number.")
    note = _text(500)


class DeathInput(EffectiveDateInput):
    note = _text(500)


class TransferInput(StrictFieldsMixin, serializers.Serializer):
    to_unit = serializers.CharField(max_length=255, help_text=(
        "Destination: the code or exact name of any current unit in the country (as on the page)."))
    kind = serializers.ChoiceField(choices=TransferKind.choices)
    issued_on = _date(help_text="yyyy-mm-dd, not in the future.")
    until = _date(required=False, allow_null=True, help_text="End of a temporary transfer (yyyy-mm-dd).")
    letter_number = _text(40)
    note = _text(500)

    def validate_to_unit(self, value):
        # The page form's own lookup (code first, then exact name, among current units).
        form = lf.TransferForm(unit_queryset=Unit.objects.valid_on().order_by("path"))
        form.cleaned_data = {"to_unit": value}
        try:
            return form.clean_to_unit()
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages)


class ConfirmInput(StrictFieldsMixin, serializers.Serializer):
    confirmed_on = _date(help_text="yyyy-mm-dd: not before the transfer was issued, not in the future.")


class CancelInput(StrictFieldsMixin, serializers.Serializer):
    note = _text(500)


# --- output -------------------------------------------------------------------------------------------------

class TransferSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.full_name", read_only=True)
    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True)
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)
    can_confirm = serializers.SerializerMethodField(help_text="Pending, and the caller may confirm it.")
    # Plain text here (the enum is documented once, on TransferInput): one choice set in two components
    # would make drf-spectacular warn about the name of the `kind` enum.
    kind = serializers.CharField(read_only=True, help_text="temporary or official")

    class Meta:
        model = Transfer
        fields = ["id", "member", "member_name", "kind", "from_unit", "from_unit_name", "to_unit", "to_unit_name",
                  "issued_on", "until", "letter_number", "status", "confirmed_on", "note", "can_confirm"]
        read_only_fields = fields

    def get_can_confirm(self, transfer) -> bool:
        user = self.context["request"].user
        return transfer.status == "pending" and access.can(user, access.EDIT_MEMBERS, transfer.to_unit.path)


class DueMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    admission_date = serializers.DateField()
    due_on = serializers.DateField(help_text="End of the 12 months of probation.")


class DueForRecognitionSerializer(serializers.Serializer):
    overdue = DueMemberSerializer(many=True)
    due_soon = DueMemberSerializer(many=True)


def _due_rows(rows) -> list[dict]:
    return [{"id": m.pk, "full_name": m.full_name, "unit": m.unit_id, "unit_name": m.unit.name,
             "admission_date": m.admission_date, "due_on": due} for m, due in rows]


# --- views --------------------------------------------------------------------------------------------------

_NOT_FOUND = OpenApiResponse(description="No such id, outside the caller's scope, or not theirs to do (logged)")
_BAD_INPUT = OpenApiResponse(description="Unknown fields, malformed values or a refused rule: field errors")


def _member_action_schema(request_serializer, summary, ok=200, response=MemberSerializer):
    return extend_schema(summary=summary, request=request_serializer,
                         responses={ok: response, 400: _BAD_INPUT, 404: _NOT_FOUND})


class MemberLifecycleViewSet(ScopedObjectMixin, viewsets.GenericViewSet):
    """Lifecycle actions on a member the caller can see and may edit (the pages' forms, as JSON)."""

    serializer_class = MemberSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        return access.visible_members(self.request.user).select_related("unit")

    def _act(self, request, kind, input_class, action_function):
        # As on the page: out of scope → 404 (logged), then may the caller edit? → 404 (logged), then the input.
        member = self.get_object()
        access.require(request.user, access.EDIT_MEMBERS, member.unit.path, request, f"{kind} member {member.pk}")
        payload = input_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = {k: v for k, v in payload.validated_data.items() if not (k in ("effective_on", "until") and v is None)}
        return action_function(member, acting_user=request.user, **data)

    def _member_response(self, member):
        return Response(MemberSerializer(member, context=self.get_serializer_context()).data)

    @_member_action_schema(AdmitInput, "Admit a candidate as a probationary member")
    @action(detail=True, methods=["post"])
    def admit(self, request, pk=None):
        return self._member_response(self._act(request, "admit", AdmitInput, lifecycle.admit))

    @_member_action_schema(RecognizeInput, "Recognize a probationary member as official")
    @action(detail=True, methods=["post"])
    def recognize(self, request, pk=None):
        return self._member_response(self._act(request, "recognize", RecognizeInput, lifecycle.recognize))

    @_member_action_schema(ExemptInput, "Exempt from party activities (miễn sinh hoạt)")
    @action(detail=True, methods=["post"])
    def exempt(self, request, pk=None):
        return self._member_response(self._act(request, "exempt", ExemptInput, lifecycle.exempt))

    @_member_action_schema(DisciplineInput, "Record a discipline")
    @action(detail=True, methods=["post"])
    def discipline(self, request, pk=None):
        return self._member_response(self._act(request, "discipline", DisciplineInput, lifecycle.discipline))

    @_member_action_schema(RemoveInput, "Remove from the party (xóa tên)")
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        return self._member_response(self._act(request, "remove", RemoveInput, lifecycle.remove))

    @_member_action_schema(DeathInput, "Record a death")
    @action(detail=True, methods=["post"])
    def death(self, request, pk=None):
        return self._member_response(self._act(request, "death", DeathInput, lifecycle.record_death))

    @_member_action_schema(TransferInput, "Issue a transfer (the receiving side confirms it)", ok=201,
                           response=TransferSerializer)
    @action(detail=True, methods=["post"], url_path="transfers")
    def transfer(self, request, pk=None):
        transfer = self._act(request, "transfer", TransferInput, lifecycle.issue_transfer)
        return Response(TransferSerializer(transfer, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Probationary members due for recognition within 30 working days, and overdue ones",
                   responses=DueForRecognitionSerializer)
    @action(detail=False, methods=["get"], url_path="due-for-recognition")
    def due_for_recognition(self, request):
        due_soon, overdue = lifecycle.due_for_recognition(access.visible_members(request.user))
        return Response({"overdue": _due_rows(overdue), "due_soon": _due_rows(due_soon)})


class TransferViewSet(ScopedObjectMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Transfers between units: the pending ones the caller can see, confirmation and cancellation."""

    serializer_class = TransferSerializer
    DIRECTIONS = ("incoming", "outgoing")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Transfer.objects.none()
        if self.action == "list":
            outgoing, incoming = lifecycle.pending_transfers(self.request.user)
            direction = self.request.query_params.get("direction")
            if direction is None:
                return outgoing | incoming
            if direction not in self.DIRECTIONS:
                raise serializers.ValidationError({"direction": ["Enter incoming or outgoing."]})
            return incoming if direction == "incoming" else outgoing
        # Confirm and cancel reach any transfer from or to the caller's scope, as the pages do.
        scope = access.scope_paths(self.request.user, access.VIEW)
        qs = Transfer.objects.select_related("member", "from_unit", "to_unit")
        if scope is not None:
            units = Unit.objects.under_paths(scope)
            qs = qs.filter(from_unit__in=units) | qs.filter(to_unit__in=units)
        return qs

    @extend_schema(summary="Pending transfers the caller can see", parameters=[OpenApiParameter(
        "direction", OpenApiTypes.STR, enum=list(DIRECTIONS), required=False,
        description="incoming: to units in the caller's scope; outgoing: from them; absent: both.")],
        responses={200: TransferSerializer(many=True), 400: _BAD_INPUT})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _transfer_response(self, transfer):
        return Response(TransferSerializer(transfer, context=self.get_serializer_context()).data)

    @extend_schema(summary="Confirm a transfer (receiving side): the member moves to the destination",
                   request=ConfirmInput, responses={200: TransferSerializer, 400: _BAD_INPUT, 404: _NOT_FOUND})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        transfer = self.get_object()
        payload = ConfirmInput(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._transfer_response(
            lifecycle.confirm_transfer(transfer, acting_user=request.user, **payload.validated_data))

    @extend_schema(summary="Cancel a pending transfer (either side)",
                   request=CancelInput, responses={200: TransferSerializer, 400: _BAD_INPUT, 404: _NOT_FOUND})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        transfer = self.get_object()
        payload = CancelInput(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._transfer_response(
            lifecycle.cancel_transfer(transfer, acting_user=request.user, **payload.validated_data))
