"""REST API of the document library, with the same scoping as the pages.

/api/v1/documents/                      list (?q=, ?type=, ?issuer=, ?year=, ?kind=), create
/api/v1/documents/{id}/                 retrieve, update (PUT/PATCH)
/api/v1/documents/{id}/attachments/     list; POST multipart `file` (PDF/DOCX, size-checked)
/api/v1/documents/{id}/relations/       list; POST {"kind", "target"}
/api/v1/documents/{id}/bookmark/        POST bookmark, DELETE unbookmark
/api/v1/documents/{id}/read/            POST: record a read
/api/v1/document-attachments/{id}/      retrieve, DELETE;  …/download/ the file
/api/v1/document-relations/{id}/        retrieve, DELETE
/api/v1/document-bookmarks/             the caller's bookmarks
Out-of-scope and unknown ids answer 404; refused actions answer 404; bad input 400.
"""
from django.http import FileResponse, Http404
from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from quantriet.accounts import access
from quantriet.core.api import ScopedObjectMixin, StrictFieldsMixin
from quantriet.units.models import Unit

from . import actions, selectors
from .models import Attachment, Bookmark, Document, DocumentRelation, Kind, RelationKind
from .numbers import DocumentNumberError, parse_document_number

MAX_ID = 2**63 - 1


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key that must name an object the caller can see; anything else 'does not exist'."""

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


def _visible_units(user):
    return access.visible_units(user)


class NumberField(serializers.CharField):
    """Written as any accepted form ("21/NQ-TW"), read as the canonical "21-NQ/TW"."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return parse_document_number(text).canonical
        except DocumentNumberError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def get_attribute(self, instance):
        return instance.canonical_number


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "document", "name", "content_type", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return reverse("document-attachment-download", kwargs={"pk": attachment.pk})


class RelationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    target = ScopedPrimaryKeyField(scope=selectors.visible_documents)
    target_number = serializers.CharField(source="target.canonical_number", read_only=True)
    source_number = serializers.CharField(source="source.canonical_number", read_only=True)
    kind = serializers.ChoiceField(choices=RelationKind.choices)

    class Meta:
        model = DocumentRelation
        fields = ["id", "source", "source_number", "kind", "target", "target_number", "created_at"]
        read_only_fields = ["id", "source", "source_number", "target_number", "created_at"]


class DocumentListSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    number = NumberField(max_length=60)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_blank=True)
    unit = ScopedPrimaryKeyField(scope=_visible_units, allow_null=True, required=False)
    issuing_unit = ScopedPrimaryKeyField(scope=_visible_units, allow_null=True, required=False)
    is_public = serializers.BooleanField(read_only=True)

    class Meta:
        model = Document
        fields = [
            "id", "number", "number_value", "type_code", "issuer", "kind", "issuing_body", "issuing_unit",
            "issued_on", "title", "summary", "unit", "is_public", "created_at", "updated_at",
        ]
        read_only_fields = ["number_value", "type_code", "issuer", "created_at", "updated_at"]
        extra_kwargs = {"summary": {"required": False}}

    number_value = serializers.IntegerField(source="number", read_only=True)


class DocumentSerializer(DocumentListSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    relations = serializers.SerializerMethodField()
    is_bookmarked = serializers.SerializerMethodField()

    class Meta(DocumentListSerializer.Meta):
        fields = DocumentListSerializer.Meta.fields + ["body", "attachments", "relations", "is_bookmarked"]
        extra_kwargs = {"summary": {"required": False}, "body": {"required": False}}

    def get_relations(self, document) -> list[dict]:
        user = self.context["request"].user
        visible = selectors.visible_documents(user)
        rows = DocumentRelation.objects.filter(source=document, target__in=visible).select_related("source", "target")
        return RelationSerializer(rows, many=True, context=self.context).data

    def get_is_bookmarked(self, document) -> bool:
        return Bookmark.objects.filter(user=self.context["request"].user, document=document).exists()


class AttachmentUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class DocumentViewSet(ScopedObjectMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    """Documents the caller can see. Filters: `q` (words, accent-insensitive, or a number such as
    21/NQ-TW), `type` (code), `issuer`, `year`, `kind`."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        if self.action == "list":
            return DocumentListSerializer
        return DocumentSerializer

    def get_queryset(self):
        qs = selectors.visible_documents(self.request.user).select_related("unit").prefetch_related("attachments")
        params = self.request.query_params
        if params.get("type"):
            qs = qs.filter(type_code=params["type"][:8])
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"][:20])
        if params.get("issuer"):
            from .numbers import normalize_issuer

            qs = qs.filter(issuer=normalize_issuer(params["issuer"][:20]))
        year = params.get("year", "")
        if year:
            if not (year.isascii() and year.isdigit() and len(year) == 4):
                raise serializers.ValidationError({"year": ["Enter a four-digit year."]})
            qs = qs.filter(issued_on__year=int(year))
        if params.get("q"):
            qs = selectors.search(qs, params["q"])
        else:
            qs = qs.order_by("-issued_on", "-number", "id")
        return qs

    def perform_create(self, serializer):
        serializer.instance = actions.create_document(acting_user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = actions.update_document(
            serializer.instance, acting_user=self.request.user, **serializer.validated_data
        )

    @action(detail=True, methods=["get", "post"], url_path="attachments", url_name="attachments",
            parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        document = self.get_object()
        if request.method == "GET":
            return Response(AttachmentSerializer(document.attachments.all(), many=True).data)
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = actions.add_attachment(document, upload.validated_data["file"], acting_user=request.user)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], url_path="relations", url_name="relations")
    def relations(self, request, pk=None):
        document = self.get_object()
        if request.method == "GET":
            visible = selectors.visible_documents(request.user)
            rows = DocumentRelation.objects.filter(source=document, target__in=visible).select_related("source", "target")
            return Response(RelationSerializer(rows, many=True, context=self.get_serializer_context()).data)
        serializer = RelationSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        relation = actions.add_relation(
            document, serializer.validated_data["target"], serializer.validated_data["kind"], acting_user=request.user
        )
        return Response(RelationSerializer(relation, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post", "delete"], url_path="bookmark", url_name="bookmark")
    def bookmark(self, request, pk=None):
        document = self.get_object()
        if request.method == "DELETE":
            actions.unbookmark(document, acting_user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        mark = actions.bookmark(document, acting_user=request.user)
        return Response({"document": document.pk, "bookmarked_at": mark.created_at}, status=status.HTTP_200_OK)

    @action(detail=True, methods=["post"], url_path="read", url_name="read")
    def read(self, request, pk=None):
        receipt = actions.mark_read(self.get_object(), acting_user=request.user)
        return Response({
            "document": receipt.document_id, "first_read_at": receipt.first_read_at,
            "last_read_at": receipt.last_read_at, "read_count": receipt.read_count,
        })


class AttachmentViewSet(ScopedObjectMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = AttachmentSerializer

    def get_queryset(self):
        visible = selectors.visible_documents(self.request.user)
        return Attachment.objects.filter(document__in=visible).select_related("document", "document__unit")

    def perform_destroy(self, instance):
        actions.remove_attachment(instance, acting_user=self.request.user)

    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except OSError:
            raise Http404
        response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                                content_type=attachment.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


class RelationViewSet(ScopedObjectMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = RelationSerializer

    def get_queryset(self):
        visible = selectors.visible_documents(self.request.user)
        return DocumentRelation.objects.filter(source__in=visible, target__in=visible).select_related(
            "source", "source__unit", "target"
        )

    def perform_destroy(self, instance):
        actions.remove_relation(instance, acting_user=self.request.user)


class BookmarkSerializer(serializers.ModelSerializer):
    document = DocumentListSerializer(read_only=True)

    class Meta:
        model = Bookmark
        fields = ["id", "document", "created_at"]


class BookmarkViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's bookmarks (documents still visible to them), newest first."""

    serializer_class = BookmarkSerializer

    def get_queryset(self):
        visible = selectors.visible_documents(self.request.user)
        return Bookmark.objects.filter(user=self.request.user, document__in=visible).select_related(
            "document", "document__unit"
        )


__all__ = ["DocumentViewSet", "AttachmentViewSet", "RelationViewSet", "BookmarkViewSet", "Unit"]
