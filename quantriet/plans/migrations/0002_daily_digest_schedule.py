"""The daily digest of early warnings (quantriet.plans.tasks.send_daily_digests), 06:30 local time."""
import datetime

from django.db import migrations
from django.utils import timezone


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if Schedule.objects.filter(name="plans-daily-digest").exists():
        return
    first = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1),
                                                          datetime.time(6, 30)))
    Schedule.objects.create(name="plans-daily-digest", func="quantriet.plans.tasks.send_daily_digests",
                            schedule_type="D", repeats=-1, next_run=first)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="plans-daily-digest").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
