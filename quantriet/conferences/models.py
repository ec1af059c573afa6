"""Conferences and meetings, their sites (điểm cầu) and attendance as evidence.

A conference has sessions (spread over days) with agenda items, and sites forming a relay
tree (central → province → district → commune). Each site invites an audience (rules
expanded into `Invitation` rows: one site per member and conference). Attendance is one
row per (session, member): the unique constraint is what makes every check-in path
idempotent. `SiteSessionCount` holds the live counters per site and session, moved in the
same transaction as the rows they count and rolled up the relay tree by path prefix.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quantriet.core.text import nfc

SEGMENT_WIDTH = 8


class Kind(models.TextChoices):
    STUDY = "study", _("Study conference")  # hội nghị nghiên cứu, học tập, quán triệt
    CELL_MEETING = "cell_meeting", _("Cell meeting")  # sinh hoạt chi bộ
    REVIEW = "review", _("Review conference")  # hội nghị sơ kết / tổng kết
    THEMATIC = "thematic", _("Thematic meeting")  # sinh hoạt chuyên đề
    OTHER = "other", _("Other meeting")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")  # trực tiếp
    ONLINE = "online", _("Online")  # trực tuyến
    HYBRID = "hybrid", _("In person and online")  # trực tiếp kết hợp trực tuyến


class UninvitedPolicy(models.TextChoices):
    REFUSE = "refuse", _("Refuse the check-in")
    RECORD_EXTRA = "record_extra", _("Record as an extra attendee")


class Conference(models.Model):
    organizer = models.ForeignKey(
        "units.Unit", verbose_name=_("organizing unit"), on_delete=models.PROTECT, related_name="conferences"
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STUDY)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    topic = models.TextField(_("topic"), blank=True, max_length=4000)
    documents = models.ManyToManyField(
        "documents.Document", verbose_name=_("documents posted ahead"), blank=True, related_name="conferences"
    )
    uninvited_policy = models.CharField(
        _("members outside the invited audience"), max_length=20, choices=UninvitedPolicy.choices,
        default=UninvitedPolicy.REFUSE,
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("grace minutes before a check-in counts as late"), default=15
    )
    invitations_sent_at = models.DateTimeField(_("invitations sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        self.topic = (self.topic or "").strip()
        super().save(*args, **kwargs)

    def root_sites(self):
        return self.sites.filter(parent__isnull=True)


class Session(models.Model):
    """One session (phiên) of a conference; its day is the date of `starts_at`."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.conference} · {self.title}"

    def save(self, *args, **kwargs):
        self.title = nfc(self.title)
        super().save(*args, **kwargs)


class AgendaRole(models.TextChoices):
    CHAIR = "chair", _("Chair")  # chủ trì
    PRESENTER = "presenter", _("Presenter conveying a document")  # báo cáo viên truyền đạt
    OPENING = "opening", _("Opening speech")  # phát biểu khai mạc
    CLOSING = "closing", _("Closing speech")  # phát biểu bế mạc
    OTHER = "other", _("Other")


class AgendaItem(models.Model):
    """An item of a session's agenda: who does what, covering which documents.

    The person is a member (`member`) or an outside person (`person_name` with `person_titles`).
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    role = models.CharField(_("role"), max_length=20, choices=AgendaRole.choices)
    title = models.CharField(_("item"), max_length=300, blank=True)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("outside person"), max_length=120, blank=True)
    person_titles = models.JSONField(_("titles"), default=list, blank=True)
    documents = models.ManyToManyField("documents.Document", verbose_name=_("documents covered"), blank=True,
                                       related_name="agenda_items")

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(person_name=""), name="agenda_item_has_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.person_display}"

    @property
    def person_display(self) -> str:
        if self.member_id:
            return self.member.full_name
        return self.person_name

    @property
    def titles_display(self) -> str:
        if self.member_id:
            return self.member.positions_text
        return ", ".join(self.person_titles or [])


class Site(models.Model):
    """A connection site (điểm cầu); sites form a relay tree with a materialized path."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="sites")
    parent = models.ForeignKey(
        "self", verbose_name=_("relayed from"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    name = models.CharField(_("name"), max_length=200)
    host_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("host unit"), on_delete=models.PROTECT, related_name="conference_sites"
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    chair_member = models.ForeignKey(
        "members.Member", verbose_name=_("chair (member)"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    chair_name = models.CharField(_("chair (outside person)"), max_length=120, blank=True)
    chair_titles = models.JSONField(_("chair's titles"), default=list, blank=True)
    expected_count = models.PositiveIntegerField(_("expected attendees"), default=0)
    stream_url = models.URLField(_("stream or meeting link"), blank=True, max_length=500)
    # Members invited at this site (not its subtree); kept by the invitation actions.
    invited_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        indexes = [models.Index(fields=["path"], name="site_path_pattern_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.place = nfc(self.place)
        self.chair_name = nfc(self.chair_name)
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.pk:0{SEGMENT_WIDTH}d}."

    @property
    def chair_display(self) -> str:
        if self.chair_member_id:
            return self.chair_member.full_name
        return self.chair_name


class AudienceKind(models.TextChoices):
    UNIT = "unit", _("All members of a unit")
    POSITION = "position", _("Holders of a position")
    MEMBER = "member", _("A named person")


class AudienceRule(models.Model):
    """Who a site invites: all members of a unit (optionally its subtree), holders of a
    position (title containing the text, optionally within a unit's subtree), or a person."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="audience")
    kind = models.CharField(_("audience"), max_length=20, choices=AudienceKind.choices)
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    include_subtree = models.BooleanField(_("include the units below"), default=True)
    position = models.CharField(_("position contains"), max_length=200, blank=True)
    member = models.ForeignKey("members.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("audience rule")
        verbose_name_plural = _("audience rules")

    def __str__(self) -> str:
        if self.kind == AudienceKind.MEMBER:
            return str(self.member)
        if self.kind == AudienceKind.POSITION:
            return f"{self.position} ({self.unit})" if self.unit_id else self.position
        return f"{self.unit}{' +' if self.include_subtree else ''}"


class Invitation(models.Model):
    """A member invited to a conference at one site (the expansion of the audience rules)."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="invitations")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="conference_invitations")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["conference", "member"], name="one_invitation_per_member")]
        indexes = [models.Index(fields=["site"], name="invitation_site_idx")]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")  # vắng (with or without a reason)
    EXCUSED = "excused", _("Excused")  # vắng có phép


class Method(models.TextChoices):
    QR_SELF = "qr_self", _("Member scanned the site's QR")
    QR_MEMBER = "qr_member", _("Secretary scanned the member's QR")
    CHECKLIST = "checklist", _("Marked on the checklist")
    PAPER = "paper", _("Imported from a paper sheet")


class Attendance(models.Model):
    """One record per person and session: where, when, how and by whom it was taken."""

    # No single-column indexes on session and site: (session, member) and (site, session) lead with them,
    # and every index is one more write per check-in.
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance", db_index=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="attendance")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="attendance", db_index=False)
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    offline = models.BooleanField(_("recorded offline"), default=False)
    checked_in_at = models.DateTimeField(_("time"))
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+",
                                    db_index=False)  # users are deactivated, not deleted
    late = models.BooleanField(_("late"), default=False)
    extra = models.BooleanField(_("not invited"), default=False)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="one_attendance_per_session")]
        indexes = [models.Index(fields=["site", "session"], name="attendance_site_session_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.session_id} · {self.status}"


class SiteSessionCount(models.Model):
    """Live counters of one site (not its subtree) in one session."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="counts")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="counts")
    present = models.PositiveIntegerField(default=0)  # includes `extra`
    late = models.PositiveIntegerField(default=0)
    extra = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)
    excused = models.PositiveIntegerField(default=0)

    COUNTERS = ("present", "late", "extra", "absent", "excused")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "session"], name="one_count_per_site_session")]


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.text


class ReminderLog(models.Model):
    """One automatic reminder (a kind of CONFERENCE_REMINDERS) handled for one invitation and session:
    the unique constraint makes the scheduled task send each one once, however often it runs."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("reminder"), max_length=40)
    sent_at = models.DateTimeField(_("sent at"))
    # False: superseded by a later reminder due at the same run (only the latest is sent).
    sent = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["invitation", "session", "kind"], name="one_reminder_per_kind")]
        indexes = [models.Index(fields=["session", "kind"], name="reminder_session_kind_idx")]

    def __str__(self) -> str:
        return f"{self.invitation_id} · {self.session_id} · {self.kind}"
