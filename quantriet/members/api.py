from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from quantriet.accounts import access
from quantriet.accounts.models import RoleAssignment
from quantriet.core.api import ScopedObjectMixin, StrictFieldsMixin, id_param
from quantriet.units.models import Unit

from . import actions
from .models import Member


class PositionsField(serializers.ListField):
    """A member's position titles, in order: written as a list of strings, read from `member.positions`."""

    def get_attribute(self, instance):
        return [p.title for p in instance.positions.all()]


class MemberSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    positions = PositionsField(child=serializers.CharField(max_length=200), required=False, max_length=20)

    class Meta:
        model = Member
        fields = [
            "id", "full_name", "birth_date", "gender", "ethnicity", "religion", "card_number", "record_number",
            "admission_date", "official_date", "unit", "status", "citizen_id", "phone", "email", "positions",
        ]

    def validate_unit(self, unit):
        if not access.visible_units(self.context["request"].user).filter(pk=unit.pk).exists():
            raise serializers.ValidationError('Invalid pk "%s" - object does not exist.' % unit.pk)
        return unit

    def validate(self, data):
        # Run the model's own rules (12-month probation, plausible dates, …) on the merged values.
        candidate = Member(**{
            f: data.get(f, getattr(self.instance, f, None)) for f in self.Meta.fields if f not in ("id", "positions")
        })
        if self.instance is None:
            for field in ("ethnicity", "religion", "record_number", "phone", "email", "status"):
                if field not in data:
                    setattr(candidate, field, Member._meta.get_field(field).get_default())
        candidate.clean()
        return data


class MemberViewSet(ScopedObjectMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Members visible to the caller. Filters: `q` (accent-insensitive), `unit` (subtree), `status`."""

    serializer_class = MemberSerializer

    def get_queryset(self):
        qs = access.visible_members(self.request.user).select_related("unit").prefetch_related("positions")
        params = self.request.query_params
        unit_id = id_param(params.get("unit"))
        if unit_id is not None:
            unit = access.visible_units(self.request.user).filter(pk=unit_id).first()
            qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
        if params.get("status"):
            qs = qs.filter(status=params["status"][:20])
        if params.get("q"):
            qs = qs.search(params["q"][:100])
        return qs.order_by("sort_key", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        positions = data.pop("positions", [])
        serializer.instance = actions.create_member(acting_user=self.request.user, positions=positions, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        positions = data.pop("positions", None)
        serializer.instance = actions.update_member(
            serializer.instance, acting_user=self.request.user, positions=positions, **data
        )


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    member = serializers.IntegerField(allow_null=True)
    roles = serializers.ListField(child=serializers.DictField())


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """The signed-in user, their member record and their roles."""
    member = access.own_member(request.user)
    roles = [
        {"role": a.role, "unit": a.unit_id, "unit_name": a.unit.name}
        for a in RoleAssignment.objects.filter(user=request.user).select_related("unit")
    ]
    return Response({"username": request.user.username, "full_name": request.user.get_full_name(),
                     "member": member.pk if member else None, "roles": roles})
