from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("", views.program_list, name="program-list"),
    path("programs/new/", views.program_create, name="program-create"),
    path("programs/<int:pk>/", views.program_detail, name="program-detail"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program-edit"),
    path("programs/<int:pk>/members/", views.member_search, name="member-search"),
    path("programs/<int:pk>/calendar/", views.program_calendar, name="program-calendar"),
    path("programs/<int:pk>/export.xlsx", views.program_export, name="program-export"),
    path("programs/<int:pk>/items/new/", views.item_create, name="item-create"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item-delete"),
    path("items/<int:pk>/request-self-report/", views.item_request_self_report, name="item-request-self-report"),
    path("items/<int:pk>/self-report/", views.item_self_report, name="item-self-report"),
    path("items/<int:pk>/self-report/download/", views.item_self_report_download, name="item-self-report-download"),
    path("items/<int:pk>/notes/new/", views.note_create, name="note-create"),
    path("items/<int:pk>/close/", views.item_close, name="item-close"),
    path("items/<int:pk>/conclusion/", views.conclusion_detail, name="conclusion"),
    path("items/<int:pk>/conclusion/edit/", views.conclusion_edit, name="conclusion-edit"),
    path("items/<int:pk>/conclusion/issue/", views.conclusion_issue, name="conclusion-issue"),
    path("items/<int:pk>/conclusion.docx", views.conclusion_docx, name="conclusion-docx"),
    path("items/<int:pk>/recommendations/new/", views.recommendation_create, name="recommendation-create"),
    path("recommendations/", views.recommendations, name="recommendations"),
    path("recommendations/export.xlsx", views.recommendations_export, name="recommendations-export"),
    path("recommendations/<int:pk>/report/", views.recommendation_report, name="recommendation-report"),
    path("recommendations/<int:pk>/close/", views.recommendation_close, name="recommendation-close"),
    path("reports/<int:pk>/review/", views.recommendation_review, name="recommendation-review"),
    path("units/<int:pk>/", views.unit_history, name="unit-history"),
]
