# The ImportJob model of quantriet/members/models_io.py (member import from .xlsx/.xls/.csv).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0002_memberships_transfers_events"),
        ("units", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file", models.FileField(max_length=255, upload_to="imports/%Y/%m/", verbose_name="file")),
                ("original_name", models.CharField(max_length=255, verbose_name="file name")),
                ("file_kind", models.CharField(max_length=8)),
                ("status", models.CharField(
                    choices=[("uploaded", "Uploaded"), ("previewed", "Previewed"), ("committing", "Importing"),
                             ("done", "Imported"), ("failed", "Failed")],
                    db_index=True, default="uploaded", max_length=12, verbose_name="status")),
                ("total_rows", models.PositiveIntegerField(default=0)),
                ("processed_rows", models.PositiveIntegerField(default=0)),
                ("progress", models.PositiveSmallIntegerField(default=0)),
                ("create_count", models.PositiveIntegerField(default=0)),
                ("update_count", models.PositiveIntegerField(default=0)),
                ("error_rows", models.PositiveIntegerField(default=0)),
                ("warning_rows", models.PositiveIntegerField(default=0)),
                ("converted_rows", models.PositiveIntegerField(default=0)),
                ("encoding_note", models.CharField(blank=True, max_length=120)),
                ("errors", models.JSONField(blank=True, default=dict)),
                ("language", models.CharField(blank=True, max_length=10)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("default_unit", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to="units.unit", verbose_name="default unit")),
                ("user", models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="member_imports",
                    to=settings.AUTH_USER_MODEL, verbose_name="uploaded by")),
            ],
            options={
                "verbose_name": "member import",
                "verbose_name_plural": "member imports",
                "ordering": ["-created_at", "-id"],
            },
        ),
    ]
