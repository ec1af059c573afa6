from django.urls import path

from . import views, views_lifecycle

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/action/<slug:kind>/", views_lifecycle.member_action, name="action"),
    path("transfers/", views_lifecycle.transfers, name="transfers"),
    path("transfers/<int:pk>/confirm/", views_lifecycle.confirm_transfer, name="transfer-confirm"),
    path("transfers/<int:pk>/cancel/", views_lifecycle.cancel_transfer, name="transfer-cancel"),
    path("recognition/", views_lifecycle.recognition, name="recognition"),
]

from .urls_io import urlpatterns as io_urlpatterns  # noqa: E402  (import and export)

urlpatterns += io_urlpatterns
