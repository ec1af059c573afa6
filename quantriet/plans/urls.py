from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("mine/", views.my_assignments, name="mine"),
    path("warnings/", views.warnings, name="warnings"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/issue/", views.plan_issue, name="issue"),
    path("<int:pk>/amend/", views.plan_amend, name="amend"),
    path("<int:pk>/close/", views.plan_close, name="close"),
    path("<int:pk>/signed/", views.plan_signed, name="signed"),
    path("<int:pk>/signed/download/", views.plan_signed_download, name="signed-download"),
    path("<int:pk>/gantt/", views.plan_gantt, name="gantt"),
    path("<int:pk>/history/", views.plan_history, name="history"),
    path("<int:pk>/export.xlsx", views.plan_export_xlsx, name="export-xlsx"),
    path("<int:pk>/report.docx", views.plan_report_docx, name="report-docx"),
    path("<int:pk>/tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<int:pk>/move/", views.task_move, name="task-move"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task-delete"),
    path("tasks/<int:pk>/assign/", views.assignment_add, name="assignment-add"),
    path("tasks/<int:pk>/milestones/new/", views.milestone_add, name="milestone-add"),
    path("tasks/<int:pk>/indicators/new/", views.indicator_add, name="indicator-add"),
    path("tasks/<int:pk>/reports/new/", views.report_create, name="report-create"),
    path("assignments/<int:pk>/delete/", views.assignment_delete, name="assignment-delete"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone-delete"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator-delete"),
    path("reports/<int:pk>/review/", views.report_review, name="report-review"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
]
