"""Document library pages: thin views over selectors and actions."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quantriet.accounts import access
from quantriet.core import audit
from quantriet.core.actions import ActionDenied
from quantriet.core.forms import apply_validation_error

from . import actions, selectors
from .forms import AttachmentForm, DocumentFilterForm, DocumentForm, RelationForm
from .models import Attachment, Bookmark, DocumentRelation

PAGE_SIZE = 30


def _denied(request, what: str):
    audit.record_denied(request, what)
    raise Http404


def _document_or_404(request, pk, queryset=None):
    documents = selectors.visible_documents(request.user, queryset)
    return access.get_in_scope_or_404(request, documents.select_related("unit", "issuing_unit"), pk=pk)


def filtered_documents(request, form: DocumentFilterForm):
    documents = selectors.visible_documents(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("type"):
            documents = documents.filter(type_code=data["type"])
        if data.get("issuer"):
            documents = documents.filter(issuer=data["issuer"])
        if data.get("year"):
            documents = documents.filter(issued_on__year=data["year"])
        if data.get("q"):
            documents = selectors.search(documents, data["q"])
    else:
        documents = documents.none()
    return documents


@login_required
def document_list(request):
    form = DocumentFilterForm(request.GET or None)
    documents = filtered_documents(request, form) if request.GET else selectors.visible_documents(request.user)
    page = Paginator(documents.select_related("unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "documents/list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "bookmarked": selectors.bookmarked_ids(request.user, page.object_list),
        "can_create": selectors.can_create_any(request.user),
    })


@login_required
def document_detail(request, pk):
    document = _document_or_404(request, pk)
    try:
        receipt = actions.mark_read(document, acting_user=request.user)
    except ActionDenied:
        raise Http404
    can_manage = selectors.can_manage(request.user, document)
    visible = selectors.visible_documents(request.user)
    relations_out = DocumentRelation.objects.filter(source=document, target__in=visible).select_related("target")
    relations_in = DocumentRelation.objects.filter(target=document, source__in=visible).select_related("source")
    return render(request, "documents/detail.html", {
        "document": document,
        "attachments": document.attachments.all(),
        "relations_out": relations_out,
        "relations_in": relations_in,
        "is_bookmarked": Bookmark.objects.filter(user=request.user, document=document).exists(),
        "receipt": receipt,
        "can_manage": can_manage,
        "attachment_form": AttachmentForm() if can_manage else None,
        "history": audit.entries_for(document)[:30] if can_manage else None,
    })


def _document_form(request, document=None):
    return DocumentForm(
        request.POST or None,
        document=document,
        unit_queryset=selectors.manageable_units(request.user),
        issuing_unit_queryset=access.visible_units(request.user).select_related("kind"),
        allow_public=selectors.can_manage_public(request.user),
    )


@login_required
def document_create(request):
    if not selectors.can_create_any(request.user):
        _denied(request, "create document")
    form = _document_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.create_document(acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, "create document")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Document saved."))
            return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/form.html", {"form": form, "document": None})


@login_required
def document_edit(request, pk):
    document = _document_or_404(request, pk)
    if not selectors.can_manage(request.user, document):
        _denied(request, f"edit document {pk}")
    form = _document_form(request, document)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_document(document, acting_user=request.user, **form.action_fields())
        except ActionDenied:
            _denied(request, f"edit document {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Document saved."))
            return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/form.html", {"form": form, "document": document})


@login_required
def attachment_add(request, pk):
    document = _document_or_404(request, pk)
    if not selectors.can_manage(request.user, document):
        _denied(request, f"attach to document {pk}")
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_attachment(document, form.cleaned_data["file"], acting_user=request.user)
        except ActionDenied:
            _denied(request, f"attach to document {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("File attached."))
            return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/attachment_form.html", {"form": form, "document": document})


def _attachment_or_404(request, pk):
    visible = selectors.visible_documents(request.user)
    return access.get_in_scope_or_404(
        request, Attachment.objects.filter(document__in=visible).select_related("document", "document__unit"), pk=pk
    )


@login_required
def attachment_download(request, pk):
    attachment = _attachment_or_404(request, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = _attachment_or_404(request, pk)
    document = attachment.document
    try:
        actions.remove_attachment(attachment, acting_user=request.user)
    except ActionDenied:
        _denied(request, f"delete attachment {pk}")
    messages.success(request, _("Attachment removed."))
    return redirect("documents:detail", pk=document.pk)


@login_required
def relation_add(request, pk):
    document = _document_or_404(request, pk)
    if not selectors.can_manage(request.user, document):
        _denied(request, f"relate document {pk}")
    form = RelationForm(request.POST or None, target_queryset=selectors.visible_documents(request.user).exclude(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_relation(document, form.cleaned_data["target"], form.cleaned_data["kind"], acting_user=request.user)
        except ActionDenied:
            _denied(request, f"relate document {pk}")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Relation added."))
            return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/relation_form.html", {"form": form, "document": document})


@login_required
@require_POST
def relation_delete(request, pk):
    visible = selectors.visible_documents(request.user)
    relation = access.get_in_scope_or_404(
        request, DocumentRelation.objects.filter(source__in=visible).select_related("source", "source__unit"), pk=pk
    )
    source_pk = relation.source_id
    try:
        actions.remove_relation(relation, acting_user=request.user)
    except ActionDenied:
        _denied(request, f"delete relation {pk}")
    messages.success(request, _("Relation removed."))
    return redirect("documents:detail", pk=source_pk)


@login_required
@require_POST
def bookmark_toggle(request, pk):
    document = _document_or_404(request, pk)
    try:
        if Bookmark.objects.filter(user=request.user, document=document).exists():
            actions.unbookmark(document, acting_user=request.user)
            is_bookmarked = False
        else:
            actions.bookmark(document, acting_user=request.user)
            is_bookmarked = True
    except ActionDenied:
        _denied(request, f"bookmark document {pk}")
    if request.htmx:
        return render(request, "documents/_bookmark_button.html", {"document": document, "is_bookmarked": is_bookmarked})
    messages.success(request, _("Bookmark added.") if is_bookmarked else _("Bookmark removed."))
    if _safe_next(request):
        return redirect(request.POST["next"])
    return redirect("documents:detail", pk=document.pk)


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                           require_https=request.is_secure())


@login_required
def bookmark_list(request):
    visible = selectors.visible_documents(request.user)
    marks = Bookmark.objects.filter(user=request.user, document__in=visible).select_related("document", "document__unit")
    page = Paginator(marks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "documents/bookmarks.html", {"page": page})
