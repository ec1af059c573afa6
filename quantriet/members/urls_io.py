"""Import and export URLs; members/urls.py adds them to the "members" namespace."""
from django.urls import path

from . import views_io

urlpatterns = [
    path("import/", views_io.import_upload, name="import"),
    path("import/template.xlsx", views_io.import_template, name="import-template"),
    path("import/<int:pk>/", views_io.import_preview, name="import-preview"),
    path("import/<int:pk>/commit/", views_io.import_commit, name="import-commit"),
    path("import/<int:pk>/status/", views_io.import_status, name="import-status"),
    path("export/", views_io.export, name="export"),
    path("<int:pk>/record-sheet/", views_io.record_sheet, name="record-sheet"),
]
