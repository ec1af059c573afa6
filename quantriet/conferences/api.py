"""REST API for conferences, sessions, sites, attendance, check-in (single and offline batch) and reports.

The batch endpoint validates its rows by hand rather than with nested serializers: a
5,000-row batch must cost milliseconds, not seconds, before it reaches the database.
"""
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.dateparse import parse_datetime
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action, api_view, authentication_classes
from rest_framework.response import Response
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer

from quantriet.accounts import access
from quantriet.core.api import StrictFieldsMixin
from quantriet.core.audit import record_denied
from quantriet.units.models import Unit

from . import actions, exports, selectors
from .forms import DocumentNumbersField
from .models import Attendance, Conference, Kind, Method, Mode, Session, Site, UninvitedPolicy


class ScopedObjectMixin:
    """Single objects through `access.get_in_scope_or_404`: out of scope answers 404 and is logged."""

    def get_object(self):
        pk = str(self.kwargs.get("pk", ""))
        if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
            raise Http404
        obj = access.get_in_scope_or_404(self.request, self.get_queryset(), pk=int(pk))
        self.check_object_permissions(self.request, obj)
        return obj


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "conference", "title", "starts_at", "ends_at"]


class ConferenceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    organizer = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.STUDY)
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.IN_PERSON)
    uninvited_policy = serializers.ChoiceField(choices=UninvitedPolicy.choices, default=UninvitedPolicy.REFUSE)
    late_grace_minutes = serializers.IntegerField(min_value=0, max_value=240, default=15)
    documents = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=50,
                                      write_only=True)
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta:
        model = Conference
        fields = ["id", "organizer", "title", "kind", "mode", "topic", "uninvited_policy", "late_grace_minutes",
                  "documents", "sessions", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["documents"] = [d.canonical_number for d in instance.documents.all()]
        return data

    def validate_documents(self, values):
        field = DocumentNumbersField()
        from quantriet.documents.selectors import visible_documents

        field.queryset = visible_documents(self.context["request"].user)
        try:
            return field.clean("; ".join(values))
        except Exception as error:  # forms.ValidationError
            raise serializers.ValidationError(getattr(error, "messages", [str(error)]))


class ConferenceViewSet(ScopedObjectMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Conferences visible to the caller (organized in scope, hosting a site in scope, or inviting them)."""

    serializer_class = ConferenceSerializer

    def get_queryset(self):
        return selectors.visible_conferences(self.request.user).select_related("organizer").prefetch_related(
            "documents", "sessions").order_by("-created_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        documents = data.pop("documents", [])
        serializer.instance = actions.create_conference(acting_user=self.request.user, documents=documents, **data)

    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """Per session and reportable site: invited, present, late, extra, excused, absent, not recorded."""
        conference = self.get_object()
        sites = list(selectors.reportable_sites(request.user, conference).select_related("parent"))
        if not sites:
            record_denied(request, f"report of conference {pk}")
            raise Http404
        out = []
        for table in exports.report_tables(conference, sites):
            out.append({
                "session": table["session"].pk, "overall": table["overall"],
                "sites": [{"site": r["site"].pk, "name": r["site"].name, "parent": r["site"].parent_id,
                           "own": r["own"], "with_relayed": r["total"]} for r in table["rows"]],
            })
        return Response({"conference": conference.pk, "sessions": out})


class SiteSerializer(serializers.ModelSerializer):
    chair = serializers.CharField(source="chair_display", read_only=True)

    class Meta:
        model = Site
        fields = ["id", "conference", "parent", "depth", "name", "host_unit", "place", "chair", "chair_titles",
                  "expected_count", "stream_url", "invited_count"]


def _digits(value) -> bool:
    value = str(value or "")
    return value.isascii() and value.isdigit() and len(value) < 19


def _int_param(request, name):
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise serializers.ValidationError({name: ["A valid integer is required."]})
    return int(value)


class SiteViewSet(ScopedObjectMixin, viewsets.ReadOnlyModelViewSet):
    """Sites of the conferences the caller sees; filter `conference` (required for lists)."""

    serializer_class = SiteSerializer

    def get_queryset(self):
        conference_id = _int_param(self.request, "conference")
        conferences = selectors.visible_conferences(self.request.user)
        if self.action == "list":
            conference = conferences.filter(pk=conference_id).first() if conference_id else None
            if conference is None:
                return Site.objects.none()
            return selectors.visible_sites(self.request.user, conference).order_by("path")
        site = Site.objects.filter(pk=self.kwargs.get("pk") if _digits(self.kwargs.get("pk")) else None,
                                   conference__in=conferences).select_related("conference").first()
        if site is None:
            return Site.objects.none()
        return selectors.visible_sites(self.request.user, site.conference)


class SessionViewSet(ScopedObjectMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SessionSerializer

    def get_queryset(self):
        qs = Session.objects.filter(conference__in=selectors.visible_conferences(self.request.user))
        conference_id = _int_param(self.request, "conference")
        if conference_id:
            qs = qs.filter(conference_id=conference_id)
        return qs.order_by("starts_at", "id")


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "session", "site", "member", "status", "reason", "method", "offline", "checked_in_at",
                  "recorded_at", "late", "extra"]


class AttendanceViewSet(ScopedObjectMixin, viewsets.ReadOnlyModelViewSet):
    """Attendance records of one session (`session`, required) at the sites the caller may report on or manage;
    filter `site` for one site."""

    serializer_class = AttendanceSerializer
    queryset = Attendance.objects.none()  # for the schema; get_queryset scopes every request

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attendance.objects.none()
        session_id = _int_param(self.request, "session")
        if self.action == "list" and not session_id:
            raise serializers.ValidationError({"session": ["This parameter is required."]})
        user = self.request.user
        sessions = Session.objects.filter(conference__in=selectors.visible_conferences(user))
        session = sessions.filter(pk=session_id).select_related("conference").first() if session_id else None
        if session is None:
            if self.action == "list":
                return Attendance.objects.none()
            record = Attendance.objects.filter(pk=self.kwargs.get("pk") if _digits(self.kwargs.get("pk"))
                                               else None, session__in=sessions).select_related(
                "session__conference").first()
            if record is None:
                return Attendance.objects.none()
            session = record.session
        conference = session.conference
        site_ids = set(selectors.reportable_sites(user, conference).values_list("pk", flat=True)) | set(
            selectors.managed_sites(user, conference).values_list("pk", flat=True))
        qs = Attendance.objects.filter(session=session, site_id__in=site_ids)
        site_id = _int_param(self.request, "site")
        if site_id:
            qs = qs.filter(site_id=site_id)
        return qs.order_by("id")


# -- check-in ------------------------------------------------------------------------------------

_ROW_KEYS = {"member", "card_number", "checked_in_at", "method", "late"}
_METHODS = set(Method.values)


def _parse_rows(rows, *, offline: bool) -> tuple[list[actions.Entry], dict]:
    entries, errors = [], {}
    for index, row in enumerate(rows):
        problem = {}
        if not isinstance(row, dict):
            errors[index] = {"non_field_errors": ["Each row must be an object."]}
            continue
        unknown = set(row) - _ROW_KEYS
        for name in sorted(unknown):
            problem[name] = ["Unknown field."]
        member, card = row.get("member"), row.get("card_number")
        if member is not None and (isinstance(member, bool) or not isinstance(member, int) or member < 1
                                   or member > 2**62):
            problem["member"] = ["A valid member id (positive integer) is required."]
        if card is not None and (not isinstance(card, str) or len(card) != 8 or not (card.isascii() and card.isdigit())):
            problem["card_number"] = ["A party card number has exactly 8 digits."]
        if (member is None) == (card is None):
            problem.setdefault("member", ["Give either member or card_number."])
        method = row.get("method", Method.QR_MEMBER)
        if method not in _METHODS:
            problem["method"] = [f"Choose one of: {', '.join(sorted(_METHODS))}."]
        when = None
        raw_time = row.get("checked_in_at")
        if offline:
            if not isinstance(raw_time, str):
                problem["checked_in_at"] = ["The time recorded on the device is required (ISO 8601 with offset)."]
            else:
                try:
                    when = parse_datetime(raw_time[:40])
                except ValueError:
                    when = None
                if when is None or when.tzinfo is None:
                    problem["checked_in_at"] = ["Use ISO 8601 with a UTC offset, e.g. 2022-07-22T08:05:00+07:00."]
        elif raw_time is not None:
            problem["checked_in_at"] = ["Only offline batches carry device times."]
        late = row.get("late")
        if late is not None and not isinstance(late, bool):
            problem["late"] = ["Must be true or false."]
        if problem:
            errors[index] = problem
            continue
        entries.append(actions.Entry(member_id=member, card_number=card, checked_in_at=when, method=method,
                                     late=late))
    return entries, errors


def _site_and_session(user, data, denied):
    """The site and session of a check-in, if `user` manages the site; `denied(site)` is called
    (to log the refusal) before the 404 of a site out of the user's reach."""
    errors = {}
    for name in ("site", "session"):
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 2**62:
            errors[name] = ["A valid integer is required."]
    if errors:
        raise serializers.ValidationError(errors)
    # One query for the site, its conference, host unit, organizer and the session's times.
    found = selectors.site_for_checkin(data["site"], data["session"])
    site, session = found if found is not None else (None, None)
    if site is None or not selectors.can_manage_site(user, site):
        if site is not None:
            denied(site)
        raise Http404
    if session is None:
        raise serializers.ValidationError({"session": ["No such session in this site's conference."]})
    return site, session


def record_single(user, data, denied) -> tuple[int, dict]:
    """The work of `POST /api/v1/checkin/` for an authenticated `user`: (HTTP status, body).

    Bad input raises `serializers.ValidationError`, a site out of reach `Http404` (after
    `denied(site)`); nothing is written before either. Shared by the DRF view and the check-in
    fast lane (`fastlane.py`)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
    unknown = set(data) - {"site", "session", "member", "card_number", "member_token", "method"}
    if unknown:
        raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    site, session = _site_and_session(user, data, denied)
    row = {k: data[k] for k in ("member", "card_number", "method") if k in data}
    token = data.get("member_token")
    if token is not None:
        if not isinstance(token, str) or "member" in row or "card_number" in row:
            raise serializers.ValidationError({"member_token": ["Give one of member, card_number, member_token."]})
        try:
            row["member"] = actions.read_member_token(token[:500])
        except ValidationError as error:
            raise serializers.ValidationError({"member_token": error.messages})
    entries, errors = _parse_rows([row], offline=False)
    if errors:
        raise serializers.ValidationError(errors[0])
    result = actions.record_checkins(session=session, site=site, entries=entries, acting_user=user).rows[0]
    code = {"inserted": status.HTTP_201_CREATED, "updated": status.HTTP_201_CREATED,
            "duplicate": status.HTTP_200_OK}.get(result.result, status.HTTP_409_CONFLICT)
    return code, result.as_dict()


def record_batch(user, data, denied) -> tuple[int, dict]:
    """The work of `POST /api/v1/checkin/batch/`: (HTTP status, body); errors as `record_single`."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
    unknown = set(data) - {"site", "session", "rows"}
    if unknown:
        raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        raise serializers.ValidationError({"rows": ["A non-empty list of rows is required."]})
    if len(rows) > actions.MAX_BATCH:
        raise serializers.ValidationError({"rows": [f"At most {actions.MAX_BATCH} rows per batch."]})
    site, session = _site_and_session(user, data, denied)
    entries, errors = _parse_rows(rows, offline=True)
    if errors:
        raise serializers.ValidationError({"rows": {str(i): e for i, e in list(errors.items())[:100]}})
    batch = actions.record_checkins(session=session, site=site, entries=entries, acting_user=user, offline=True)
    refused = [r.as_dict() for r in batch.rows if r.result == "refused"]
    duplicates = [r.index for r in batch.rows if r.result == "duplicate"]
    return status.HTTP_200_OK, {**batch.summary, "refused_rows": refused, "duplicate_rows": duplicates}


def _denied_logger(request):
    return lambda site: record_denied(request, f"check-in at site {site.pk}")


#: The check-in endpoints are used by site devices with a token: try it first (one indexed
#: lookup); browsers with a session (and its CSRF check) still work.
_CHECKIN_AUTH = [TokenAuthentication, SessionAuthentication]


_ROW_DOC = inline_serializer("CheckinRow", {
    "member": serializers.IntegerField(required=False), "card_number": serializers.CharField(required=False),
    "checked_in_at": serializers.DateTimeField(required=False, help_text="Device time (batches only), with offset."),
    "method": serializers.ChoiceField(choices=Method.choices, required=False),
    "late": serializers.BooleanField(required=False),
})
_RESULT_DOC = inline_serializer("CheckinResult", {
    "index": serializers.IntegerField(), "result": serializers.ChoiceField(
        choices=["inserted", "updated", "duplicate", "refused"]),
    "member_id": serializers.IntegerField(required=False), "code": serializers.CharField(required=False),
    "detail": serializers.CharField(required=False), "late": serializers.BooleanField(),
    "extra": serializers.BooleanField(),
})


@extend_schema(
    request=inline_serializer("Checkin", {
        "site": serializers.IntegerField(), "session": serializers.IntegerField(),
        "member": serializers.IntegerField(required=False), "card_number": serializers.CharField(required=False),
        "member_token": serializers.CharField(required=False),
        "method": serializers.ChoiceField(choices=Method.choices, required=False)}),
    responses={201: _RESULT_DOC, 200: _RESULT_DOC, 409: _RESULT_DOC, 400: OpenApiResponse(description="Bad input"),
               404: OpenApiResponse(description="No such site, or not yours to manage")},
)
@api_view(["POST"])
@authentication_classes(_CHECKIN_AUTH)
def checkin(request):
    """One check-in at a site by its secretary: `{site, session, member | card_number | member_token,
    method}` at server time. 201 recorded, 200 already recorded (nothing changes), 409 refused with a reason."""
    code, body = record_single(request.user, request.data, _denied_logger(request))
    return Response(body, status=code)


@extend_schema(
    request=inline_serializer("CheckinBatch", {
        "site": serializers.IntegerField(), "session": serializers.IntegerField(),
        "rows": serializers.ListField(child=_ROW_DOC, max_length=5000)}),
    responses={200: inline_serializer("CheckinBatchResult", {
        "inserted": serializers.IntegerField(), "updated": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(), "refused": serializers.IntegerField(),
        "refused_rows": serializers.ListField(child=_RESULT_DOC),
        "duplicate_rows": serializers.ListField(child=serializers.IntegerField())}),
        400: OpenApiResponse(description="A malformed row (nothing written)"),
        404: OpenApiResponse(description="No such site, or not yours to manage")},
)
@api_view(["POST"])
@authentication_classes(_CHECKIN_AUTH)
def checkin_batch(request):
    """An offline site's upload: `{site, session, rows: [{member | card_number, checked_in_at, method, late?}]}`,
    at most 5,000 rows with the times recorded on the device. Every row is validated before anything is
    written (a malformed row rejects the batch with 400 and per-row errors); the rest is one transaction.
    Re-sending the same batch changes nothing: the rows come back as duplicates."""
    code, body = record_batch(request.user, request.data, _denied_logger(request))
    return Response(body, status=code)
