from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("bookmarks/", views.bookmark_list, name="bookmarks"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/bookmark/", views.bookmark_toggle, name="bookmark"),
    path("<int:pk>/attachments/new/", views.attachment_add, name="attachment-add"),
    path("<int:pk>/relations/new/", views.relation_add, name="relation-add"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("relations/<int:pk>/delete/", views.relation_delete, name="relation-delete"),
]
