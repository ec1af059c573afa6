"""API endpoints of this app, mounted under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("study/campaigns/", api.campaigns, name="api-study-campaigns"),
    path("study/campaigns/<str:pk>/", api.campaign_detail, name="api-study-campaign"),
    path("study/campaigns/<str:pk>/coverage/<str:unit_pk>/", api.coverage, name="api-study-coverage"),
    path("study/records/", api.records, name="api-study-records"),
    path("study/records/<str:pk>/", api.record_detail, name="api-study-record"),
    path("study/records/<str:pk>/reflection/", api.record_reflection, name="api-study-reflection"),
    path("study/records/<str:pk>/grade/", api.record_grade, name="api-study-grade"),
    path("study/records/<str:pk>/quiz/", api.quiz_start, name="api-study-quiz-start"),
    path("study/quiz/<str:pk>/", api.quiz_attempt, name="api-study-quiz"),
]
