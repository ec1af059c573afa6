"""API endpoints of the document library, mounted under /api/v1/ (see api.py for the list)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import AttachmentViewSet, BookmarkViewSet, DocumentViewSet, RelationViewSet

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="document")
router.register("document-attachments", AttachmentViewSet, basename="document-attachment")
router.register("document-relations", RelationViewSet, basename="document-relation")
router.register("document-bookmarks", BookmarkViewSet, basename="document-bookmarks")

urlpatterns = [path("", include(router.urls))]
