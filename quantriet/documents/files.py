"""Checking uploaded attachments: PDF or DOCX only, recognised by their bytes, within the size limit.

The limit is `settings.QUANTRIET_DOCUMENT_MAX_UPLOAD_BYTES` (default 20 MB). The extension
must agree with the content: a renamed executable or a .doc saved as .docx is refused.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import Attachment

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_EXTENSIONS = {".pdf": Attachment.PDF, ".docx": Attachment.DOCX}
_CHUNK = 64 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "QUANTRIET_DOCUMENT_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str


def clean_file_name(name: str) -> str:
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    stem, ext = os.path.splitext(base)
    return (stem[: 255 - len(ext)] + ext) if base else ""


def _sniff(upload) -> str | None:
    """The content type the bytes show: PDF ("%PDF-"), DOCX (an OOXML word package), or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Attachment.PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return Attachment.DOCX
    return None


def _refuse(message: str, code: str):
    raise ValidationError({"file": ValidationError(message, code=code)})


def check_upload(upload) -> CheckedUpload:
    """Validate an uploaded file; raise ValidationError({"file": …}) when refused."""
    if upload is None:
        _refuse(_("Choose a file to upload."), "required")
    name = clean_file_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", None)
    if size is None:
        _refuse(_("The upload could not be read."), "invalid")
    if size == 0:
        _refuse(_("The file is empty."), "empty")
    limit = max_upload_bytes()
    if size > limit:
        _refuse(_("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}, "too_large")
    extension = os.path.splitext(name)[1].lower()
    expected = _EXTENSIONS.get(extension)
    if expected is None:
        _refuse(_("Only PDF and DOCX files may be attached."), "bad_extension")
    actual = _sniff(upload)
    if actual is None:
        _refuse(_("The file is not a PDF or DOCX document (its content does not match)."), "bad_content")
    if actual != expected:
        _refuse(_("The file's content does not match its extension %(ext)s.") % {"ext": extension}, "mismatch")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(_CHUNK) if hasattr(upload, "chunks") else iter(lambda: upload.read(_CHUNK), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name=name, content_type=actual, size=size, sha256=digest.hexdigest())
