"""Lifecycle endpoints of members, mounted under /api/v1/ before the main router (see api_lifecycle.py)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api_lifecycle

router = SimpleRouter()
# Only detail actions and `members/due-for-recognition/`: members/ and members/{id}/ stay with MemberViewSet.
router.register("members", api_lifecycle.MemberLifecycleViewSet, basename="member")
router.register("transfers", api_lifecycle.TransferViewSet, basename="transfer")

urlpatterns = [
    path("", include(router.urls)),
]
