from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from quantriet.accounts import access
from quantriet.core.api import ScopedObjectMixin, StrictFieldsMixin, id_param
from quantriet.core.text import fold

from . import actions
from .models import Unit, UnitKind


class UnitSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=UnitKind.objects.all())
    parent = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent", "depth", "valid_from", "valid_to", "member_count"]
        read_only_fields = ["depth", "member_count"]

    def validate_parent(self, parent):
        request = self.context["request"]
        if parent is None:
            return parent  # see validate()
        if self.instance is not None and parent.pk == self.instance.parent_id:
            return parent  # keeping the current parent, even one above the caller's scope
        if not access.visible_units(request.user).filter(pk=parent.pk).exists():
            raise serializers.ValidationError("Invalid pk \"%s\" - object does not exist." % parent.pk)
        return parent

    def validate(self, data):
        wants_top = (self.instance is None or "parent" in data) and data.get("parent") is None
        already_top = self.instance is not None and self.instance.parent_id is None
        if wants_top and not already_top:
            if access.scope_paths(self.context["request"].user, access.EDIT_UNITS) is not None:
                raise serializers.ValidationError(
                    {"parent": [_("Only a system administrator may create a top-level unit.")]}
                )
        start = data.get("valid_from", getattr(self.instance, "valid_from", None))
        end = data.get("valid_to", getattr(self.instance, "valid_to", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"valid_to": ["The end date must be after the start date."]})
        return data


class UnitViewSet(ScopedObjectMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Units visible to the caller. Filters: `parent`, `q` (accent-insensitive name), `current`."""

    serializer_class = UnitSerializer

    def get_queryset(self):
        qs = access.visible_units(self.request.user).select_related("kind")
        params = self.request.query_params
        parent_id = id_param(params.get("parent"))
        if parent_id is not None:
            qs = qs.filter(parent_id=parent_id)
        if params.get("q"):
            qs = qs.filter(name_folded__contains=fold(params["q"][:100]))
        if params.get("current") in ("1", "true"):
            qs = qs.valid_on()
        return qs.order_by("path")

    def perform_create(self, serializer):
        serializer.instance = actions.create_unit(acting_user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = actions.update_unit(serializer.instance, acting_user=self.request.user, **serializer.validated_data)
