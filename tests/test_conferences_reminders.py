"""Automatic conference reminders: the day before and one hour before each session (settings), to the
invited who have neither checked in nor been excused, each sent once, through the notification and e-mail
path of the reminder button; scheduled by django-q2 and runnable from cron as a command."""
import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from quantriet.conferences import actions, tasks
from quantriet.conferences.models import AttendanceStatus, Invitation, Notification, ReminderLog
from quantriet.core.models import AuditEntry

from .test_conferences import build_conference

COVERED_URLS: set[str] = set()  # no URL here

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def english(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def start():
    return timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=3)


@pytest.fixture
def conf(tree, people, users, start):
    """Four people invited (self_member has the account "member"; a2 gets e-mail), invitations sent."""
    people["a2"].email = "dung@example.vn"
    people["a2"].save()
    conf = build_conference(tree, people, users, start=start)
    actions.send_invitations(conf["conference"], acting_user=users["admin"])
    mail.outbox.clear()
    Notification.objects.all().delete()
    return conf


def run(when, capture, **kwargs):
    with capture(execute=True):
        return tasks.send_due_reminders(when, **kwargs)


def reminders_of(user):
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def test_due_windows_day_before_then_hour_before(conf, users, start, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert run(start - 25 * H, capture)["reminded"] == 0  # too early for anything
    assert ReminderLog.objects.count() == 0 and Notification.objects.count() == 0

    day = run(start - 23 * H, capture)
    assert (day["sessions"], day["reminded"]) == (1, 4)  # the four invited
    assert set(ReminderLog.objects.values_list("kind", flat=True)) == {"day_before"}
    [text] = reminders_of(users["member"])
    when = timezone.localtime(start).strftime("%H:%M %d/%m/%Y")
    assert text == (f"Reminder: Phiên bế mạc of Hội nghị quán triệt Nghị quyết Trung ương 5 starts at {when}, "
                    "at the site Chi bộ thôn A.")
    assert Notification.objects.get().link == f"/conferences/{conf['conference'].pk}/"
    assert [m.to for m in mail.outbox] == [["dung@example.vn"]]
    assert mail.outbox[0].subject == "Reminder: Hội nghị quán triệt Nghị quyết Trung ương 5"
    assert AuditEntry.objects.filter(action="conference.remind.auto").count() == 1

    assert run(start - 2 * H, capture)["reminded"] == 0  # between the two: nothing new
    hour = run(start - 59 * M, capture)
    assert hour["reminded"] == 4
    assert ReminderLog.objects.filter(kind="hour_before", sent=True).count() == 4
    assert len(reminders_of(users["member"])) == 2 and len(mail.outbox) == 2

    assert run(start + M, capture)["reminded"] == 0  # started: nothing more
    assert ReminderLog.objects.count() == 8


def test_running_twice_sends_once(conf, users, start, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert run(start - 20 * H, capture)["reminded"] == 4
    assert run(start - 20 * H, capture)["reminded"] == 0
    assert run(start - 19 * H, capture)["reminded"] == 0
    assert ReminderLog.objects.count() == 4
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_the_present_and_the_excused_are_not_reminded(conf, people, users, start,
                                                      django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    session, cell_a = conf["session"], conf["cell_a"]
    actions.mark_attendance(session=session, site=cell_a, member=people["a2"], status=AttendanceStatus.EXCUSED,
                            reason="Đi công tác", acting_user=users["same_secretary"])
    assert run(start - 20 * H, capture)["reminded"] == 3
    assert not ReminderLog.objects.filter(invitation__member=people["a2"]).exists()
    assert mail.outbox == []  # a2, the only one with e-mail, said she cannot come
    # Someone already marked present on the checklist gets no hour-before reminder.
    record = actions.mark_attendance(session=session, site=cell_a, member=people["self_member"],
                                     status=AttendanceStatus.PRESENT, acting_user=users["same_secretary"])
    assert record.status == AttendanceStatus.PRESENT
    assert run(start - 30 * M, capture)["reminded"] == 2  # b1 and c1
    assert len(reminders_of(users["member"])) == 1  # the day-before one only
    assert set(ReminderLog.objects.filter(kind="hour_before").values_list("invitation__member__full_name",
                                                                          flat=True)) == {
        "Hoàng Văn Bình", "Nguyễn Văn Sơn"}


def test_past_sessions_and_unsent_invitations_get_nothing(tree, people, users, start,
                                                          django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    past = build_conference(tree, people, users)  # started 10 minutes ago, invitations sent
    actions.send_invitations(past["conference"], acting_user=users["admin"])
    assert run(timezone.now(), capture)["reminded"] == 0
    # a conference still in preparation (invitations not sent) reminds nobody
    Invitation.objects.update(notified_at=None)
    later = past["session"].starts_at + datetime.timedelta(days=2)
    actions.add_session(past["conference"], acting_user=users["admin"], title="Phiên bổ sung", starts_at=later,
                        ends_at=later + 2 * H)
    assert run(later - 30 * M, capture)["reminded"] == 0
    assert ReminderLog.objects.count() == 0
    Invitation.objects.update(notified_at=timezone.now())
    assert run(later - 30 * M, capture)["reminded"] == 4


def test_a_late_run_sends_only_the_nearest_reminder(conf, users, start, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    # The server was down until 30 minutes before: both are due, one message goes.
    assert run(start - 30 * M, capture)["reminded"] == 4
    assert len(reminders_of(users["member"])) == 1 and len(mail.outbox) == 1
    logs = set(ReminderLog.objects.values_list("kind", "sent"))
    assert logs == {("day_before", False), ("hour_before", True)}
    assert run(start - 10 * M, capture)["reminded"] == 0


def test_an_earlier_session_within_the_lead_time_takes_the_reminder(conf, users, start,
                                                                    django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    afternoon = actions.add_session(conf["conference"], acting_user=users["admin"], title="Phiên chiều",
                                    starts_at=start + 5 * H, ends_at=start + 8 * H)
    run(start - 23 * H, capture)
    run(start + 5 * H - 23 * H, capture)  # the afternoon's day-before time: the morning covers it
    assert not ReminderLog.objects.filter(session=afternoon).exists()
    assert run(start + 4 * H, capture)["reminded"] == 4  # one hour before the afternoon session
    assert ReminderLog.objects.filter(session=afternoon, kind="hour_before").count() == 4


def test_reminders_are_configurable(conf, users, start, settings, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    settings.CONFERENCE_REMINDERS = {"two_hours": 120}
    assert run(start - 23 * H, capture)["reminded"] == 0
    assert run(start - 119 * M, capture)["reminded"] == 4
    assert set(ReminderLog.objects.values_list("kind", flat=True)) == {"two_hours"}
    settings.CONFERENCE_REMINDERS = {}
    assert tasks.send_due_reminders(start - 10 * M)["reminded"] == 0
    for bad in ({"soon": 0}, {"soon": "60"}, {"": 5}):
        settings.CONFERENCE_REMINDERS = bad
        with pytest.raises(ValueError):
            tasks.send_due_reminders(start - 10 * M)


def test_the_command_and_its_dry_run(tree, people, users, django_capture_on_commit_callbacks):
    soon = timezone.now() + 30 * M
    conf = build_conference(tree, people, users, start=soon)
    actions.send_invitations(conf["conference"], acting_user=users["admin"])
    out = io.StringIO()
    call_command("send-conference-reminders", "--dry-run", stdout=out)
    assert "Phiên bế mạc" in out.getvalue() and "hour_before, 4 to remind" in out.getvalue()
    assert "Dry run: 4 reminder(s) due, nothing sent." in out.getvalue()
    assert ReminderLog.objects.count() == 0
    before = Notification.objects.count()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_conference_reminders", stdout=out)
    assert "4 people reminded (1 messages) for 1 session(s)." in out.getvalue()
    assert Notification.objects.count() == before + 1 and ReminderLog.objects.count() == 8
    out = io.StringIO()
    call_command("send-conference-reminders", stdout=out)
    assert "0 people reminded" in out.getvalue()


def test_the_schedule_row_exists_after_migrate(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name=tasks.SCHEDULE_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        tasks.FUNCTION, Schedule.MINUTES, tasks.EVERY_MINUTES, -1)
    tasks.ensure_schedule()
    assert Schedule.objects.filter(name=tasks.SCHEDULE_NAME).count() == 1
    # the scheduled function is importable by its dotted name
    from django.utils.module_loading import import_string

    assert import_string(schedule.func) is tasks.send_due_reminders
