from django.urls import path

from . import views

app_name = "articles"
urlpatterns = [
    path("import/", views.import_article, name="import"),
    path("import/save/", views.save_article, name="save"),
]
