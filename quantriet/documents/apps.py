from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "quantriet.documents"
    label = "documents"
