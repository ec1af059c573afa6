"""API endpoints of this app, mounted under /api/v1/."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import AttendanceViewSet, ConferenceViewSet, SessionViewSet, SiteViewSet, checkin, checkin_batch

router = SimpleRouter()
router.register("conferences", ConferenceViewSet, basename="conference")
router.register("conference-sessions", SessionViewSet, basename="conference-session")
router.register("conference-sites", SiteViewSet, basename="conference-site")
router.register("attendance", AttendanceViewSet, basename="attendance")

urlpatterns = [
    path("checkin/", checkin, name="api-checkin"),
    path("checkin/batch/", checkin_batch, name="api-checkin-batch"),
    path("", include(router.urls)),
]
