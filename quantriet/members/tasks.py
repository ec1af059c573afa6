"""Background work of member imports (django-q2). Small files run the same functions inline.

Progress of a preview is written to the ImportJob row as it goes. A commit runs in one database
transaction, so its progress cannot go through the database (other connections would not see it
until the end): it goes to a small JSON file beside the upload, which the status page reads.
"""
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from .importing import MemberImporter
from .models_io import ImportJob, ImportStatus

log = logging.getLogger(__name__)

#: Files with more rows than this are previewed and committed by a background worker.
BACKGROUND_ROWS = 2000


def progress_path(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{job.pk}.json"


def read_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, total) of a running commit; (0, total_rows) when not known yet."""
    try:
        data = json.loads(progress_path(job).read_text())
        return int(data["done"]), int(data["total"])
    except (OSError, ValueError, KeyError):
        return 0, job.total_rows


def _percent(done: int, total: int) -> int:
    return min(100, int(done * 100 / total)) if total else 0


def _importer(job: ImportJob, progress) -> MemberImporter:
    return MemberImporter(job.file.path, user=job.user, default_unit=job.default_unit, progress=progress)


def preview_job(job_id: int) -> None:
    job = ImportJob.objects.select_related("user", "default_unit").get(pk=job_id)

    def progress(done, total):
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total, progress=_percent(done, total))

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            report = _importer(job, progress).preview()
        except Exception as error:  # never leave a job spinning: record the failure
            log.exception("member import %s: preview failed", job.pk)
            _fail(job, str(error))
            return
    job.refresh_from_db(fields=["processed_rows"])
    _store(job, report)
    job.status = ImportStatus.FAILED if report.file_errors else ImportStatus.PREVIEWED
    job.finished_at = timezone.now()
    job.save()


def commit_job(job_id: int) -> None:
    job = ImportJob.objects.select_related("user", "default_unit").get(pk=job_id)
    if job.status != ImportStatus.COMMITTING:
        return
    path = progress_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(done, total):
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"done": done, "total": total}))
        os.replace(temporary, path)

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            report = _importer(job, progress).commit()
        except Exception as error:
            log.exception("member import %s: commit failed", job.pk)
            _fail(job, str(error))
            return
        finally:
            path.unlink(missing_ok=True)
    _store(job, report)
    job.status = ImportStatus.DONE if report.committed else ImportStatus.FAILED
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()


def _store(job: ImportJob, report) -> None:
    job.total_rows = report.total_rows
    job.processed_rows = report.total_rows
    job.progress = 100
    job.create_count = report.create_count
    job.update_count = report.update_count
    job.error_rows = report.error_rows
    job.warning_rows = report.warning_rows
    job.converted_rows = report.converted_rows
    job.encoding_note = report.encoding_note
    job.errors = report.as_json()


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportStatus.FAILED
    job.errors = {"file": [message[:500]], "rows": [], "rows_omitted": 0}
    job.finished_at = timezone.now()
    job.save()


def start(function, job: ImportJob, *, background: bool) -> None:
    """Run `function(job.pk)` now, or enqueue it for a worker once the current transaction commits."""
    if not background:
        function(job.pk)
        return
    from django_q.tasks import async_task

    name = f"{function.__module__}.{function.__name__}"
    transaction.on_commit(lambda: async_task(name, job.pk, task_name=f"member-import-{job.pk}-{function.__name__}"))
