from django.urls import path

from . import views, views_reorganize

app_name = "units"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.unit_create, name="create"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/children/", views.unit_children, name="children"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("<int:pk>/reorganize/<slug:operation>/", views_reorganize.reorganize_unit, name="reorganize"),
]
