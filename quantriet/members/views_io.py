"""Pages for importing and exporting members: upload → preview (nothing written) → commit; exports."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quantriet.accounts import access
from quantriet.core import audit

from . import exporting, importing, tasks
from .forms import MemberFilterForm
from .models_io import ImportJob, ImportStatus
from .views import filtered_members

MAX_UPLOAD_BYTES = getattr(settings, "MEMBER_IMPORT_MAX_BYTES", 40 * 1024 * 1024)
ISSUES_PER_PAGE = 50


def _require(request, action: str, what: str) -> None:
    if not access.has_any(request.user, action):
        audit.record_denied(request, what)
        raise Http404


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Member file"), help_text=gettext_lazy(".xlsx, .xls or .csv, with the template's columns.")
    )
    default_unit = forms.CharField(
        label=gettext_lazy("Default unit"), required=False, max_length=255,
        help_text=gettext_lazy("Code or name of the unit for rows whose unit column is empty (optional)."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(size)s MB).") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        kind = importing.sniff_kind(importing.file_head(upload))
        if kind is None:
            raise forms.ValidationError(_("This is not an .xlsx, .xls or .csv file."))
        upload.import_kind = kind
        return upload

    def clean_default_unit(self):
        text = importing.nfc(self.cleaned_data.get("default_unit"))
        if not text:
            return None
        ref, error = importing.UnitResolver(self.user).resolve(text)
        if error:
            raise forms.ValidationError(error)
        from quantriet.units.models import Unit

        return Unit.objects.get(pk=ref.pk)


@login_required
def import_upload(request):
    _require(request, access.EDIT_MEMBERS, "member import")
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob(
            user=request.user, original_name=upload.name[:255], file_kind=upload.import_kind,
            default_unit=form.cleaned_data["default_unit"], language=translation.get_language() or "",
        )
        job.file.save(f"{timezone.now():%Y%m%d%H%M%S}.{upload.import_kind}", upload, save=False)
        try:
            rows = importing.estimate_rows(job.file.path)
        except importing.ImportFileError as error:
            job.file.delete(save=False)
            form.add_error("file", str(error))
        else:
            job.total_rows = rows
            job.save()
            tasks.start(tasks.preview_job, job, background=rows > tasks.BACKGROUND_ROWS)
            return redirect("members:import-preview", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user)[:10]
    return render(request, "members/import_upload.html", {"form": form, "jobs": jobs})


def _own_job(request, pk) -> ImportJob:
    return access.get_in_scope_or_404(
        request, ImportJob.objects.filter(user=request.user).select_related("default_unit"), pk=pk
    )


@login_required
def import_preview(request, pk):
    _require(request, access.EDIT_MEMBERS, f"member import {pk}")
    job = _own_job(request, pk)
    page = Paginator(job.row_issues, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "members/import_preview.html", {"job": job, "page": page, **_progress(job)})


@login_required
@require_POST
def import_commit(request, pk):
    _require(request, access.EDIT_MEMBERS, f"member import {pk}")
    job = _own_job(request, pk)
    if not job.can_commit:
        messages.error(request, _("This file cannot be imported: correct the errors and upload it again."))
        return redirect("members:import-preview", pk=job.pk)
    # Only one commit per file, even with two clicks.
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.COMMITTING, progress=0, processed_rows=0, finished_at=None,
        language=translation.get_language() or job.language,
    )
    if claimed:
        job.refresh_from_db()
        tasks.start(tasks.commit_job, job, background=job.total_rows > tasks.BACKGROUND_ROWS)
        job.refresh_from_db()
        if job.status == ImportStatus.DONE:
            messages.success(request, _("Import finished: %(created)s created, %(updated)s updated.") % {
                "created": job.create_count, "updated": job.update_count,
            })
    return redirect("members:import-preview", pk=job.pk)


def _progress(job: ImportJob) -> dict:
    if job.status == ImportStatus.COMMITTING:
        done, total = tasks.read_progress(job)
    else:
        done, total = job.processed_rows, job.total_rows
    percent = min(100, int(done * 100 / total)) if total else 0
    return {"done": done, "total": total, "percent": percent, "running": job.is_running}


@login_required
def import_status(request, pk):
    """The progress bar (HTMX polls it every second); once the work is over the page reloads."""
    _require(request, access.EDIT_MEMBERS, f"member import {pk}")
    job = _own_job(request, pk)
    context = {"job": job, **_progress(job)}
    response = render(request, "members/import_progress.html", context)
    if not context["running"] and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_template(request):
    _require(request, access.EDIT_MEMBERS, "member import template")
    response = HttpResponse(exporting.template_xlsx(), content_type=exporting.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-dang-vien.xlsx"'
    return response


@login_required
def export(request):
    """The member list, with the list page's filters, as .xlsx or .csv (only members the user may see)."""
    _require(request, access.VIEW, "member export")
    form = MemberFilterForm(request.GET or None)
    members, unit = filtered_members(request, form)
    kind = request.GET.get("format", "")
    if kind not in ("xlsx", "csv"):
        query = request.GET.copy()
        query.pop("format", None)
        return render(request, "members/export.html", {
            "form": form, "unit": unit, "count": members.count(), "query": query.urlencode(),
        })
    audit.record(
        "member.export", None, actor=request.user, note=f"{kind} {request.GET.urlencode()}"[:500],
        scope_path=unit.path if unit else "",
    )
    if kind == "csv":
        return exporting.csv_response(members)
    return exporting.xlsx_response(members)


@login_required
def record_sheet(request, pk):
    from .models import Member

    member = access.get_in_scope_or_404(
        request, access.visible_members(request.user).select_related("unit"), pk=pk
    )
    member = Member.objects.select_related("unit").prefetch_related("positions").get(pk=member.pk)
    if request.GET.get("format") == "xlsx":
        content, content_type, extension = exporting.record_sheet_xlsx(member), exporting.XLSX_CONTENT_TYPE, "xlsx"
    else:
        content, content_type, extension = exporting.record_sheet_docx(member), exporting.DOCX_CONTENT_TYPE, "docx"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="phieu-dang-vien-{member.pk}.{extension}"'
    return response

