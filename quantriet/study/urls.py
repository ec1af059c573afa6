from django.urls import path

from . import views

app_name = "study"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("mine/", views.my_study, name="mine"),
    path("grading/", views.grading_queue, name="grading"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/open/", views.campaign_open, name="open"),
    path("<int:pk>/archive/", views.campaign_archive, name="archive"),
    path("<int:pk>/refresh/", views.campaign_refresh, name="refresh"),
    path("<int:pk>/link/", views.campaign_link, name="link"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/coverage/", views.coverage_home, name="coverage_home"),
    path("<int:pk>/coverage/<int:unit_pk>/", views.coverage, name="coverage"),
    path("<int:pk>/coverage/<int:unit_pk>/members/", views.coverage_members, name="coverage_members"),
    path("<int:pk>/coverage/<int:unit_pk>/export.xlsx", views.coverage_xlsx, name="coverage_xlsx"),
    path("<int:pk>/coverage/<int:unit_pk>/report.docx", views.coverage_report, name="coverage_report"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/submit/", views.record_submit, name="record_submit"),
    path("records/<int:pk>/grade/", views.record_grade, name="record_grade"),
    path("records/<int:pk>/writing-exemption/", views.record_writing_exemption, name="record_writing_exemption"),
    path("records/<int:pk>/exempt/", views.record_exempt, name="record_exempt"),
    path("records/<int:pk>/file/", views.record_file, name="record_file"),
    path("records/<int:pk>/quiz/", views.quiz_start, name="quiz_start"),
    path("quiz/<int:pk>/", views.quiz, name="quiz"),
]
