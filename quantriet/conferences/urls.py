from django.urls import path

from . import views

app_name = "conferences"
urlpatterns = [
    path("", views.conference_list, name="list"),
    path("new/", views.conference_create, name="create"),
    path("cell-meeting/new/", views.cell_meeting_create, name="cell_meeting_create"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("mine/", views.mine, name="mine"),
    path("mine/qr.svg", views.my_qr, name="my_qr"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("<int:pk>/", views.conference_detail, name="detail"),
    path("<int:pk>/edit/", views.conference_edit, name="edit"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("<int:pk>/sites/new/", views.site_create, name="site_create"),
    path("<int:pk>/invitations/", views.invitations, name="invitations"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("sessions/<int:pk>/agenda/new/", views.agenda_create, name="agenda_create"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/audience/new/", views.audience_create, name="audience_create"),
    path("sites/<int:pk>/sign-in.docx", views.signin_sheet, name="signin_sheet"),
    path("sites/<int:pk>/sign-in.pdf", views.signin_sheet_pdf, name="signin_sheet_pdf"),
    path("sites/<int:site_pk>/sessions/<int:session_pk>/", views.checklist, name="checklist"),
    path("sites/<int:site_pk>/sessions/<int:session_pk>/mark/", views.mark, name="mark"),
    path("sites/<int:site_pk>/sessions/<int:session_pk>/scan/", views.scan, name="scan"),
    path("sites/<int:site_pk>/sessions/<int:session_pk>/count/", views.live_count, name="live_count"),
    path("sites/<int:site_pk>/sessions/<int:session_pk>/qr.svg", views.site_qr, name="site_qr"),
    path("sites/<int:site_pk>/sessions/<int:session_pk>/import/", views.import_sheet, name="import_sheet"),
]
