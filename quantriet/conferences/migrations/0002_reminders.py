"""Automatic conference reminders: the log that sends each once, and the django-q2 schedule that finds
the due ones every few minutes (quantriet.conferences.tasks.send_due_reminders)."""
import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

SCHEDULE_NAME = "conferences-reminders"
FUNCTION = "quantriet.conferences.tasks.send_due_reminders"
EVERY_MINUTES = 5


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    first = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    Schedule.objects.get_or_create(name=SCHEDULE_NAME, defaults={
        "func": FUNCTION, "schedule_type": "I", "minutes": EVERY_MINUTES, "repeats": -1, "next_run": first})


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReminderLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=40, verbose_name="reminder")),
                ("sent_at", models.DateTimeField(verbose_name="sent at")),
                ("sent", models.BooleanField(default=True)),
                ("invitation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders",
                                                 to="conferences.invitation")),
                ("session", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders",
                                              to="conferences.session")),
            ],
            options={
                "verbose_name": "reminder",
                "verbose_name_plural": "reminders",
                "indexes": [models.Index(fields=["session", "kind"], name="reminder_session_kind_idx")],
                "constraints": [models.UniqueConstraint(fields=("invitation", "session", "kind"),
                                                        name="one_reminder_per_kind")],
            },
        ),
        migrations.RunPython(schedule, unschedule),
    ]
