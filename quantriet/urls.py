from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from quantriet.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home-root"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("quantriet.core.urls")),
    path("accounts/", include("quantriet.accounts.urls")),
    path("units/", include("quantriet.units.urls")),
    path("members/", include("quantriet.members.urls")),
    path("documents/", include("quantriet.documents.urls")),
    path("conferences/", include("quantriet.conferences.urls")),
    path("articles/", include("quantriet.articles.urls")),
    path("study/", include("quantriet.study.urls")),
    path("plans/", include("quantriet.plans.urls")),
    path("oversight/", include("quantriet.oversight.urls")),
    path("api/v1/", include("quantriet.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]

handler404 = "quantriet.core.views.not_found"
handler500 = "quantriet.core.views.server_error"
