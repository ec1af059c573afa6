"""API endpoints of plans, mounted under /api/v1/ (see api.py for the list)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="plan")
router.register("plan-tasks", api.TaskViewSet, basename="plan-task")
router.register("plan-reports", api.ReportViewSet, basename="plan-report")
router.register("plan-assignments", api.AssignmentViewSet, basename="plan-assignment")
router.register("plan-milestones", api.MilestoneViewSet, basename="plan-milestone")
router.register("plan-indicators", api.IndicatorViewSet, basename="plan-indicator")

urlpatterns = [
    path("plan-warnings/", api.warnings, name="plan-warnings"),
    path("plan-mine/", api.mine, name="plan-mine"),
    path("", include(router.urls)),
]
