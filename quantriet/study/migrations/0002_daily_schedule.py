"""The daily study task (reminders, snapshots, target refresh), scheduled once."""
import datetime

from django.db import migrations
from django.utils import timezone


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    next_run = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0)
    if next_run < timezone.now():
        next_run += datetime.timedelta(days=1)
    Schedule.objects.get_or_create(name="study-daily", defaults={
        "func": "quantriet.study.tasks.daily", "schedule_type": "D", "next_run": next_run})


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="study-daily").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("study", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
