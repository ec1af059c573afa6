"""API endpoints of inspection and supervision, mounted under /api/v1/oversight/ (see api.py)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("programs", api.ProgramViewSet, basename="oversight-program")
router.register("items", api.ItemViewSet, basename="oversight-item")
router.register("conclusions", api.ConclusionViewSet, basename="oversight-conclusion")
router.register("recommendations", api.RecommendationViewSet, basename="oversight-recommendation")

urlpatterns = [path("", include(router.urls))]
