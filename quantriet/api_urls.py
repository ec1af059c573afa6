"""REST API v1: every endpoint applies the same scoping as the UI."""
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from quantriet.members.api import MemberViewSet, me
from quantriet.units.api import UnitViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("members", MemberViewSet, basename="member")

urlpatterns = [
    path("me/", me, name="api-me"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("quantriet.documents.api_urls")),
    path("", include("quantriet.conferences.api_urls")),
    path("", include("quantriet.study.api_urls")),
    path("", include("quantriet.plans.api_urls")),
    path("", include("quantriet.members.api_urls")),  # lifecycle: before the router's members/{id}/
    path("oversight/", include("quantriet.oversight.api_urls")),
    path("", include(router.urls)),
]
